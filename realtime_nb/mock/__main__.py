"""``python -m realtime_nb.mock``: run the mock Realtime server until Ctrl-C.

The first line of stdout is the server's URL (``ws://HOST:PORT/v1/realtime``),
so scripts can read it; then one line per connection.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
from collections.abc import Sequence

from .responder import Script
from .server import Faults, MockServer

__all__ = ["main", "build_parser", "GC_THRESHOLD", "REQUIRE_KEY_VARIABLE"]

REQUIRE_KEY_VARIABLE = "REALTIME_NB_MOCK_REQUIRE_KEY"
"""Environment variable read for ``--require-key`` (a command line is visible to
every user of the machine; the environment is not)."""


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``python -m realtime_nb.mock``."""
    parser = argparse.ArgumentParser(
        prog="python -m realtime_nb.mock",
        description="A local OpenAI Realtime API server for offline notebooks, tests and demos.",
    )
    parser.add_argument("--host", default="127.0.0.1",
                        help="interface to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=0, help="TCP port (default 0: a free one)")
    parser.add_argument("--seed", type=int, default=None,
                        help="make ids and timing repeatable")
    parser.add_argument("--pace", choices=("fast", "realtime"), default="fast",
                        help="fast: no waits; realtime: latency and audio at playback speed")
    parser.add_argument("--require-key", metavar="KEY",
                        default=os.environ.get(REQUIRE_KEY_VARIABLE) or None,
                        help="accept only this API key (default: any key; "
                             f"${REQUIRE_KEY_VARIABLE} sets it without showing it in the "
                             "process list)")
    parser.add_argument("--script", metavar="FILE", default=None,
                        help='JSON file: {"rules": [{"match": ..., "reply": ...}],'
                             ' "transcripts": [...]}')
    faults = parser.add_argument_group("faults (for reliability tests and teaching)")
    faults.add_argument("--drop-after", type=int, metavar="N",
                        help="drop each connection after N server events")
    faults.add_argument("--drop-mid-response", action="store_true",
                        help="drop each connection at the first response delta")
    faults.add_argument("--delay-ms", type=float, default=0.0, metavar="MS",
                        help="wait MS before every server event")
    faults.add_argument("--error-after", type=int, metavar="N",
                        help="send one server_error event after N server events")
    faults.add_argument("--token-budget", type=int, metavar="TOKENS",
                        help="tokens per connection before responses fail as rate-limited")
    faults.add_argument("--stall-after", type=int, metavar="N",
                        help="go silent after N server events, keeping the connection open")
    faults.add_argument("--expire-after", type=float, metavar="S",
                        help="end each session after S seconds with a session_expired error")
    return parser


async def _serve(args: argparse.Namespace) -> None:
    script = Script.from_file(args.script) if args.script else None
    server = MockServer(
        args.host, args.port, seed=args.seed, pace=args.pace, script=script,
        require_key=args.require_key,
        faults=Faults(drop_after=args.drop_after, drop_mid_response=args.drop_mid_response,
                      delay_ms=args.delay_ms, error_after=args.error_after,
                      token_budget=args.token_budget, stall_after=args.stall_after,
                      expire_after_s=args.expire_after),
        on_connect=lambda line: print(line, flush=True),
    )
    async with server:
        print(server.url, flush=True)
        await asyncio.Event().wait()


GC_THRESHOLD = 50_000
"""Allocations between young-generation collections in the server process (CPython: 700).

A streaming server allocates a few short-lived objects per event; collecting
every 700 allocations costs a pause every few hundred events. Only the
dedicated ``python -m realtime_nb.mock`` process changes this, never a kernel
that embeds :class:`MockServer`.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server; returns the exit status (0 after Ctrl-C)."""
    args = build_parser().parse_args(argv)
    gc.freeze()  # what was loaded so far lives as long as the process
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    try:
        asyncio.run(_serve(args))
    except KeyboardInterrupt:
        print("mock server stopped", file=sys.stderr)
    except OSError as error:  # e.g. the port is taken
        print(f"mock server could not start: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
