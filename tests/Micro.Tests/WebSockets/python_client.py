# An independent client for WebSocketInteropTests: Python's websockets library (Debian's python3-websockets), which
# offers permessage-deflate by default and checks the server's framing on its own. Prints "ok ..." per check; exits
# non-zero at the first failure.  Usage: python3 python_client.py HOST:PORT [--expect-deflate]
import asyncio
import sys

import websockets


async def main(server, expect_deflate):
    async with websockets.connect(f"ws://{server}/rooms/5?name=py", max_size=None) as ws:
        assert await ws.recv() == "room 5, query py"
        await ws.send("hello from python")
        answer = await ws.recv()
        assert answer == "5: hello from python", answer
        print("ok route parameters and text", flush=True)

    async with websockets.connect(f"ws://{server}/echo", max_size=None) as ws:
        agreed = [extension.name for extension in ws.extensions]
        if expect_deflate:
            assert agreed == ["permessage-deflate"], agreed
        else:
            assert agreed == [], f"the server agreed to {agreed} with compression off"
        payload = bytes(i % 251 for i in range(300_000))
        await ws.send(payload)
        assert await ws.recv() == payload
        await ws.send(["frag", "men", "ted ", "ünïcode"])  # a fragmented text message
        assert await ws.recv() == "fragmented ünïcode"
        pong = await ws.ping(b"are you there")
        await asyncio.wait_for(pong, 10)
        print("ok binary, fragments, ping", flush=True)
        await ws.close(code=4000, reason="python says bye")
        assert ws.close_code == 4000, ws.close_code
        print("ok close handshake", flush=True)


asyncio.run(main(sys.argv[1], "--expect-deflate" in sys.argv))
