"""The raw-websockets limit for ``benchmarks/mock_load.py``: replay recorded mock frames.

A bare ``websockets`` server that does no protocol work. ``--frames FILE`` is a JSON
object of frames the mock sent, recorded once by ``mock_load.py``: ``opening`` (sent on
connect), ``item`` (the answer to ``conversation.item.create``), ``text`` and ``audio``
(the answers to the text and the audio ``response.create``, up to and including the
trailing ``rate_limits.updated``). For each client frame it looks only at how the frame
starts (its ``type``) and, for ``response.create``, whether it asks for text only, and
sends the recorded frames back with ``await ws.send(frame)``: the same frames (same
ids every time), the same I/O, no decoding, no state.

``--pattern slots`` (default) sends them as the mock schedules its sends, so the two
differ only in the work between sends: the answer to an item and the head of a response
(up to its first delta) straight from the connection's reader, the rest of the response
from a task, at most ``--slots`` of them streaming at once, with ``asyncio.sleep(0)``
after every frame. ``--pattern inline`` sends every frame from the reader with
``asyncio.sleep(0)`` between frames (no head first, no slots).

Same command-line contract as ``python -m realtime_nb.mock``: the first stdout line is
the ``ws://`` URL, then one ``connection N`` line per connection; SIGINT stops it.
The process's garbage collector is set up as the mock's CLI does it (``--gc-threshold``).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

_ITEM_CREATE = '{"type":"conversation.item.create"'
_RESPONSE_CREATE = '{"type":"response.create"'
_TEXT_ONLY = '"output_modalities":["text"]'


def _first_delta(frames: list[str]) -> int:
    """Index of the first ``*.delta`` frame (frames start with ``{"type":"``)."""
    for index, frame in enumerate(frames):
        if frame[9:frame.index('"', 9)].endswith(".delta"):
            return index
    raise ValueError("a recorded response has no delta")


class Replay:
    def __init__(self, frames: dict[str, list[str]], pattern: str, slots: int) -> None:
        self.opening = frames["opening"]
        self.item = frames["item"]
        self.responses: dict[str, tuple[list[str], list[str]]] = {}
        for kind in ("text", "audio"):
            recorded = frames[kind]
            cut = _first_delta(recorded) + 1 if pattern == "slots" else 0
            self.responses[kind] = (recorded[:cut], recorded[cut:])
        self.inline = pattern == "inline"
        self.slots = asyncio.Semaphore(slots)
        self.connections = 0

    async def serve(self, ws: ServerConnection) -> None:
        self.connections += 1
        print(f"connection {self.connections}", flush=True)
        streams: set[asyncio.Task[None]] = set()
        try:
            for frame in self.opening:
                await ws.send(frame)
            async for message in ws:
                if not isinstance(message, str):
                    continue
                if message.startswith(_ITEM_CREATE):
                    for frame in self.item:
                        await ws.send(frame)
                elif message.startswith(_RESPONSE_CREATE):
                    head, rest = self.responses["text" if _TEXT_ONLY in message else "audio"]
                    if self.inline:
                        for frame in rest:
                            await ws.send(frame)
                            await asyncio.sleep(0)
                        continue
                    for frame in head:
                        await ws.send(frame)
                    task = asyncio.create_task(self.stream(ws, rest))
                    streams.add(task)
                    task.add_done_callback(streams.discard)
        except ConnectionClosed:
            pass
        finally:
            for task in streams:
                task.cancel()

    async def stream(self, ws: ServerConnection, frames: list[str]) -> None:
        try:
            async with self.slots:
                for frame in frames:
                    await ws.send(frame)
                    await asyncio.sleep(0)
        except ConnectionClosed:
            pass


async def _serve(args: argparse.Namespace) -> None:
    frames = json.loads(Path(args.frames).read_text())
    replay = Replay(frames, args.pattern, args.slots)
    async with serve(replay.serve, args.host, args.port, compression=None,
                     max_size=32 * 1024 * 1024) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"ws://{args.host}:{port}/v1/realtime", flush=True)
        await asyncio.Event().wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--frames", required=True, help="JSON file of recorded frames")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--pattern", choices=("slots", "inline"), default="slots")
    parser.add_argument("--slots", type=int, default=8,
                        help="responses streaming at once (the mock's STREAM_SLOTS)")
    parser.add_argument("--gc-threshold", type=int, default=0,
                        help="young-generation GC threshold (0: CPython's default)")
    args = parser.parse_args(argv)
    gc.freeze()
    if args.gc_threshold:
        gc.set_threshold(args.gc_threshold, *gc.get_threshold()[1:])
    try:
        asyncio.run(_serve(args))
    except KeyboardInterrupt:
        print("replay server stopped", file=sys.stderr)
    except OSError as error:
        print(f"replay server could not start: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
