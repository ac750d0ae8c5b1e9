// A WebSocket echo load generator in C, so the load costs little of the cores it shares with the server (as wrk
// does for HTTP): N connections on one epoll thread, each with one masked binary message in flight, the next sent
// when the echo has come back whole. Counts echoes over SECONDS after a 2-second warm-up, and reads the server's
// CPU time from /proc/PID/stat over the same window.
//   gcc -O2 -o ws-echo ws-echo.c && ./ws-echo 127.0.0.1 PORT CONNECTIONS SIZE SECONDS PID
// Prints: connections=N size=S messages_per_second=X server_cpu_us_per_message=Y
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct { int fd; long pending; long sent; } conn_t;

static unsigned char *frame; static long frame_len, expect;

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

static long cpu_ticks(int pid) {
  char path[64], buf[1024]; snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r"); if (!f) return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, f); fclose(f); buf[n] = 0;
  char *p = strrchr(buf, ')'); long utime = 0, stime = 0; int field = 2;
  for (char *tok = strtok(p + 2, " "); tok; tok = strtok(NULL, " ")) {
    field++; if (field == 14) utime = atol(tok); if (field == 15) { stime = atol(tok); break; }
  }
  return utime + stime;
}

static void send_frame(conn_t *c) { // the rest of the frame not yet written goes on EPOLLOUT
  while (c->sent < frame_len) {
    ssize_t w = write(c->fd, frame + c->sent, frame_len - c->sent);
    if (w < 0) { if (errno == EAGAIN) return; perror("write"); exit(1); }
    c->sent += w;
  }
}

int main(int argc, char **argv) {
  if (argc < 7) { fprintf(stderr, "usage: ws-echo HOST PORT CONNECTIONS SIZE SECONDS PID\n"); return 2; }
  const char *host = argv[1]; int port = atoi(argv[2]), n = atoi(argv[3]), size = atoi(argv[4]), seconds = atoi(argv[5]), pid = atoi(argv[6]);
  int header = size <= 125 ? 2 : size <= 65535 ? 4 : 10;
  frame_len = header + 4 + size; expect = header + size;
  frame = calloc(1, frame_len); frame[0] = 0x82;
  if (header == 2) frame[1] = 0x80 | size;
  else if (header == 4) { frame[1] = 0x80 | 126; frame[2] = size >> 8; frame[3] = size & 0xff; }
  else { frame[1] = 0x80 | 127; for (int i = 0; i < 8; i++) frame[2 + i] = ((long)size >> (56 - 8 * i)) & 0xff; }
  unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78}; memcpy(frame + header, mask, 4);
  for (int i = 0; i < size; i++) frame[header + 4 + i] = (unsigned char)(i * 7) ^ mask[i & 3];

  const char *handshake = "GET /ws HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  int ep = epoll_create1(0); conn_t *conns = calloc(n, sizeof(conn_t));
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)}; inet_pton(AF_INET, host, &addr.sin_addr);
  for (int i = 0; i < n; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) { perror("connect"); return 1; }
    if (write(fd, handshake, strlen(handshake)) < 0) { perror("write"); return 1; }
    char head[1024]; int got = 0; // read the 101 head byte by byte: nothing follows it until the first echo
    while (got < 4 || memcmp(head + got - 4, "\r\n\r\n", 4) != 0) {
      if (read(fd, head + got, 1) != 1 || got == (int)sizeof head - 1) { fprintf(stderr, "handshake failed\n"); return 1; }
      got++;
    }
    if (strncmp(head, "HTTP/1.1 101", 12) != 0) { fprintf(stderr, "no upgrade\n"); return 1; }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    conns[i].fd = fd;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = &conns[i]};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    send_frame(&conns[i]);
  }
  long count = 0, count0 = 0, ticks0 = 0; double start = now(), measure_from = start + 2, end = measure_from + seconds, t0 = 0;
  static char buf[1 << 16]; struct epoll_event events[256]; int measuring = 0;
  for (;;) {
    int ready = epoll_wait(ep, events, 256, 100);
    for (int e = 0; e < ready; e++) {
      conn_t *c = events[e].data.ptr;
      if (events[e].events & EPOLLOUT) send_frame(c);
      if (!(events[e].events & EPOLLIN)) continue;
      for (;;) {
        ssize_t r = read(c->fd, buf, sizeof buf);
        if (r < 0) { if (errno == EAGAIN) break; perror("read"); return 1; }
        if (r == 0) { fprintf(stderr, "the server closed a connection\n"); return 1; }
        c->pending += r;
        while (c->pending >= expect) { c->pending -= expect; count++; c->sent = 0; send_frame(c); }
      }
    }
    double t = now();
    if (!measuring && t >= measure_from) { measuring = 1; count0 = count; ticks0 = cpu_ticks(pid); t0 = t; }
    if (measuring && t >= end) {
      long messages = count - count0, ticks = cpu_ticks(pid) - ticks0;
      printf("connections=%d size=%d messages_per_second=%.0f server_cpu_us_per_message=%.3f\n", n, size,
             messages / (t - t0), ticks * 1e6 / sysconf(_SC_CLK_TCK) / (double)messages);
      return 0;
    }
  }
}
