using Micro.Http;

namespace Micro.Tests.Http;

public sealed class RequestBodyPipeTests
{
    [Fact]
    public async Task A_full_pipe_takes_what_fits_and_calls_back_once_half_of_it_is_read()
    {
        var drained = 0;
        var pipe = new RequestBodyPipe(() => drained++);
        var capacity = pipe.RoomOrWait();
        Assert.True(capacity >= RequestBodyPipe.Capacity);
        var data = Enumerable.Range(0, capacity + 100).Select(i => (byte)i).ToArray();

        Assert.Equal(capacity, pipe.Write(data));
        Assert.Equal(0, pipe.Write(data.AsSpan(capacity)));

        var read = new byte[capacity];
        Assert.Equal(capacity / 2 - 1, await pipe.ReadAsync(read.AsMemory(0, capacity / 2 - 1), default));
        Assert.Equal(0, drained); // more than half is still buffered
        Assert.Equal(1, await pipe.ReadAsync(read.AsMemory(capacity / 2 - 1, 1), default));
        Assert.Equal(1, drained);

        // What was refused is offered again; the ring wraps around and the bytes come out in order.
        Assert.Equal(100, pipe.Write(data.AsSpan(capacity)));
        pipe.Complete();
        var rest = new List<byte>(read.AsSpan(0, capacity / 2).ToArray());
        int count;
        var buffer = new byte[1000];
        while ((count = await pipe.ReadAsync(buffer, default)) > 0)
        {
            rest.AddRange(buffer.AsSpan(0, count));
        }
        Assert.Equal(data, rest);
    }

    [Fact]
    public async Task A_writer_that_finds_no_room_is_called_back_when_there_is()
    {
        var drained = 0;
        var pipe = new RequestBodyPipe(() => drained++);
        var capacity = pipe.RoomOrWait();
        Assert.Equal(capacity, pipe.Write(new byte[capacity]));
        Assert.Equal(0, pipe.RoomOrWait());
        await pipe.ReadAsync(new byte[capacity], default);
        Assert.Equal(1, drained);
        Assert.Equal(capacity, pipe.RoomOrWait());
    }

    [Fact]
    public async Task A_waiting_reader_wakes_for_data_for_the_end_and_for_a_failure()
    {
        var pipe = new RequestBodyPipe(() => { });
        var buffer = new byte[16];
        var waiting = pipe.ReadAsync(buffer, default);
        Assert.False(waiting.IsCompleted);
        pipe.Write("abc"u8);
        Assert.Equal(3, await waiting);

        waiting = pipe.ReadAsync(buffer, default);
        pipe.Complete();
        Assert.Equal(0, await waiting);

        var failing = new RequestBodyPipe(() => { });
        waiting = failing.ReadAsync(buffer, default);
        failing.Fail(new IOException("gone"));
        Assert.Equal("gone", (await Assert.ThrowsAsync<IOException>(async () => await waiting)).Message);
    }

    [Fact]
    public async Task Once_the_reader_is_gone_everything_is_dropped_and_a_waiting_writer_is_released()
    {
        var drained = 0;
        var pipe = new RequestBodyPipe(() => drained++);
        var capacity = pipe.RoomOrWait();
        pipe.Write(new byte[capacity + 1]);
        pipe.DetachReader();
        Assert.Equal(1, drained);
        Assert.Equal(int.MaxValue, pipe.RoomOrWait());
        Assert.Equal(5000, pipe.Write(new byte[5000]));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await pipe.ReadAsync(new byte[1], default));
    }
}
