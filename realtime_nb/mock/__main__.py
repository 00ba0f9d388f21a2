"""``python -m realtime_nb.mock``: run the mock Realtime server until Ctrl-C.

The first line of stdout is the server's URL
(``ws://HOST:PORT/v1/realtime?model=gpt-realtime``, with a model because the
mock, like the service, refuses a URL without one), so scripts can read it;
then one line per connection, saying why when one is refused.

A beta handshake is refused as the service refuses it, unless ``--legacy-beta``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import math
import os
import socket
import sys
from collections.abc import Sequence

from .responder import Script
from .server import Faults, MockServer

__all__ = ["main", "build_parser", "GC_THRESHOLD", "REQUIRE_KEY_VARIABLE"]

REQUIRE_KEY_VARIABLE = "REALTIME_NB_MOCK_REQUIRE_KEY"
"""Environment variable read for ``--require-key`` (a command line is visible to
every user of the machine; the environment is not)."""


# Every value is checked while the command line is parsed, so that a bad one is a
# usage error (one line, status 2) before anything starts, rather than a traceback
# from the socket layer or a failure on each connection once the server runs.

def _integer(text: str, minimum: int, maximum: int | None, problem: str) -> int:
    """``text`` as an int within ``minimum``-``maximum``; else ``problem`` as a usage error."""
    try:
        number = int(text)
    except ValueError:
        number = None
    if number is None or number < minimum or (maximum is not None and number > maximum):
        raise argparse.ArgumentTypeError(f"{problem}, got {text!r}")
    return number


def _number(text: str, problem: str) -> float:
    """``text`` as a finite float, 0 or more; else ``problem`` as a usage error."""
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    # nan and inf parse as floats, but a wait of either never ends or fails per connection.
    if not math.isfinite(number) or number < 0:
        raise argparse.ArgumentTypeError(f"{problem}, got {text!r}")
    return number


def _port(text: str) -> int:
    """A TCP port (the socket layer raises OverflowError, with a traceback, outside 0-65535)."""
    return _integer(text, 0, 65535, "port must be 0-65535 (0: a free one)")


def _seed(text: str) -> int:
    """A seed; random.Random(-n) is random.Random(n), so a negative one would repeat another."""
    return _integer(text, 0, None, "seed must be a whole number, 0 or more")


def _event_count(text: str) -> int:
    """A count of server events after which a fault acts: with 0, a drop or stall would
    still come after the first event and an injected error never."""
    return _integer(text, 1, None, "must be a whole number of events, 1 or more"
                    " (session.created is event 1)")


def _token_budget(text: str) -> int:
    """Tokens per connection; 0 makes every response fail as rate-limited."""
    return _integer(text, 0, None, "token budget must be a whole number, 0 or more")


def _delay_ms(text: str) -> float:
    """The wait before each server event."""
    return _number(text, "delay must be a number of milliseconds, 0 or more")


def _expiry_s(text: str) -> float:
    """The session length; at 0 a session expires right after its first events."""
    return _number(text, "session length must be a number of seconds, 0 or more")


def _host(text: str) -> str:
    """An interface to bind, resolved now so that a bad name is a usage error."""
    if not text.strip():
        # asyncio binds every interface for "", and the URL line would be ws://:PORT.
        raise argparse.ArgumentTypeError(
            "host must not be empty (0.0.0.0 binds every interface, if that is what you mean)")
    try:
        socket.getaddrinfo(text, None, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise argparse.ArgumentTypeError(f"cannot resolve {text!r}: {error.strerror}") from None
    except UnicodeError as error:  # the IDNA codec refuses it ("a..b", a 64-letter label)
        raise argparse.ArgumentTypeError(f"{text!r} is not a host name: {error}") from None
    return text


def _api_key(text: str) -> str:
    """A key to require. The message never shows the key: this output may be logged."""
    if not text:
        raise argparse.ArgumentTypeError("the key must not be empty")
    # Clients send the key in a header, where surrounding spaces are stripped and other
    # characters may not survive: such a key would silently turn every client away.
    if not (text.isascii() and text.isprintable()) or any(c.isspace() for c in text):
        raise argparse.ArgumentTypeError(
            "the key must be printable ASCII without spaces (the key is not shown here)")
    return text


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``python -m realtime_nb.mock``."""
    parser = argparse.ArgumentParser(
        prog="python -m realtime_nb.mock",
        description="A local OpenAI Realtime API server for offline notebooks, tests and demos.",
    )
    parser.add_argument("--host", type=_host, default="127.0.0.1",
                        help="interface to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=_port, default=0,
                        help="TCP port (default 0: a free one)")
    parser.add_argument("--seed", type=_seed, default=None,
                        help="make ids and timing repeatable")
    parser.add_argument("--pace", choices=("fast", "realtime"), default="fast",
                        help="fast: no waits; realtime: latency and audio at playback speed")
    # No default from the environment here: main() reads it, so that a bad value there
    # is reported under the variable's name rather than the option's.
    parser.add_argument("--require-key", type=_api_key, metavar="KEY", default=None,
                        help="accept only this API key (default: any key; "
                             f"${REQUIRE_KEY_VARIABLE} sets it without showing it in the "
                             "process list)")
    parser.add_argument("--legacy-beta", action="store_true",
                        help="serve the retired beta dialect (OpenAI-Beta: realtime=v1) for "
                             "old code and tapes (default: refuse it as the service does)")
    parser.add_argument("--script", metavar="FILE", default=None,
                        help='JSON file: {"rules": [{"match": ..., "reply": ...}],'
                             ' "transcripts": [...]}')
    faults = parser.add_argument_group("faults (for reliability tests and teaching)")
    faults.add_argument("--drop-after", type=_event_count, metavar="N",
                        help="drop each connection after N server events")
    faults.add_argument("--drop-mid-response", action="store_true",
                        help="drop each connection at the first response delta")
    faults.add_argument("--delay-ms", type=_delay_ms, default=0.0, metavar="MS",
                        help="wait MS before every server event")
    faults.add_argument("--error-after", type=_event_count, metavar="N",
                        help="send one server_error event after N server events")
    faults.add_argument("--token-budget", type=_token_budget, metavar="TOKENS",
                        help="tokens per connection before responses fail as rate-limited")
    faults.add_argument("--stall-after", type=_event_count, metavar="N",
                        help="go silent after N server events, keeping the connection open")
    faults.add_argument("--expire-after", type=_expiry_s, metavar="S",
                        help="end each session after S seconds with a session_expired error")
    return parser


def _load_script(parser: argparse.ArgumentParser, path: str) -> Script:
    """The ``--script`` file, or a usage error saying what is wrong with it.

    Only reading and checking the file is guarded: :meth:`Script.from_file`
    raises OSError or ValueError (with the place in the file) for a bad one.
    """
    if not path:
        parser.error("argument --script: the file name is empty")
    try:
        return Script.from_file(path)
    except OSError as error:  # missing, a directory, not readable
        parser.error(f"argument --script: cannot read {path}: {error.strerror or error}")
    except ValueError as error:
        parser.error(f"argument --script: {error}")


def _require_key(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str | None:
    """The key to require: ``--require-key``, else the environment's (checked the same way)."""
    key: str | None = args.require_key
    if key is not None:
        return key
    key = os.environ.get(REQUIRE_KEY_VARIABLE) or None
    if key is not None:
        try:
            _api_key(key)
        except argparse.ArgumentTypeError as error:
            parser.error(f"${REQUIRE_KEY_VARIABLE}: {error}")
    return key


async def _serve(args: argparse.Namespace, script: Script | None, require_key: str | None,
                 ) -> None:
    server = MockServer(
        args.host, args.port, seed=args.seed, pace=args.pace, script=script,
        require_key=require_key, legacy_beta=args.legacy_beta,
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
    """Run the server; returns the exit status (0 after Ctrl-C, 1 if it cannot listen).

    Bad input (an option's value, the ``--script`` file, the key in the environment)
    exits with status 2 and one ``error:`` line after argparse's usage, before the
    server starts.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    script = None if args.script is None else _load_script(parser, args.script)
    require_key = _require_key(parser, args)
    gc.freeze()  # what was loaded so far lives as long as the process
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    try:
        asyncio.run(_serve(args, script, require_key))
    except KeyboardInterrupt:
        print("mock server stopped", file=sys.stderr)
    except OSError as error:  # e.g. the port is taken
        print(f"mock server could not start: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
