"""Benchmark: one small event's round trip through ``RealtimeSession``, raw ``websockets``
and the OpenAI SDK's Realtime connection.

The work is ``--count`` (default 2,000) sequential exchanges over loopback: the client
builds ``input_audio_buffer.clear`` (with an ``event_id``), sends it, waits for the
server's answer, ``input_audio_buffer.cleared``, and decodes it; the next exchange starts
when the previous answer is in. Three clients do the same work:

* **raw**: ``websockets.asyncio.client.connect(url, compression=None, ping_interval=None,
  max_queue=None, proxy=None)``; ``await ws.send(json.dumps({"type": ..., "event_id":
  f"evt_{i}"}))`` and ``json.loads(await ws.recv())`` (a dict): the floor for a Python
  client on this stack;
* **ours**: ``realtime_nb.connect(url, ping_interval=None)``; ``await
  session.send(rt.clear_audio())`` (checked, ``event_id`` assigned, linked to its reply)
  and ``await session.recv()`` (a typed ``msgspec`` event, handed to the session from
  websockets' protocol callback);
* **SDK**: ``openai.AsyncOpenAI(websocket_base_url=...).realtime.connect(model=...)`` with
  ``ping_interval=None`` in its ``websocket_connection_options``; ``await conn.send({...})``
  (a dict with the same ``event_id``: the SDK transforms it, then ``json.dumps``) and
  ``await conn.recv()`` (a pydantic model, built without validation).

Every answer's ``type`` is checked in the timed loop (an unexpected event fails the run).
None of the clients sends keepalive pings, so no control frame lands in a timed run.

Two servers, each in its own process (on a 2-core machine, one core each for server
and client): the **mock** (``python -m realtime_nb.mock --port 0 --seed 1``), which
decodes, validates and answers the event as the Realtime API does; and a bare **echo**
server (this file with ``--echo-server``: plain ``websockets``, no protocol work) that
sends a minimal ``session.created`` on connect and answers every frame with the same
fixed ``input_audio_buffer.cleared`` frame. Against the echo, nearly all the time left
is the client's. Both server processes set up their garbage collector as the mock's
CLI does.

Per server, each client opens one connection and runs ``--warmup`` (200) exchanges,
unmeasured (the first one also drains the opening event, ``session.created``). Then
``--repeats`` (7) rounds each run the
clients one after the other, raw, ours, SDK, raw, ours, SDK ..., so that a drift in
the machine's speed hits all of them alike. The client's garbage collector keeps
CPython's default thresholds (an application's setting); ``gc.collect()`` runs before
each timed run, so no run inherits another's garbage.

Reported per server and client (times from ``time.perf_counter_ns``):

* **total**: the median over repeats of one run's wall time (``--count`` exchanges);
* **per exchange**: the median and p99 (nearest rank) of every timed exchange of all
  repeats, each timed alone;
* **client CPU**: this process's CPU time (``time.process_time_ns``) over a run, per
  exchange (median over repeats); **server CPU** likewise for the server process
  (``/proc``), which should be the same for every client;
* **vs raw**: the median over repeats of (client's total / raw's total in the same
  repeat), with the smallest and largest of those ratios.

Targets (from the issue): ours at most 1.10x raw ``websockets`` on each server, and
faster than the SDK (ours / SDK < 1). A miss is reported; the exit status is 0 either
way (1 only if the run itself fails).

``--profile`` instead runs the realtime_nb client alone against the echo server under
``cProfile`` for ``--count`` exchanges (after the warm-up) and prints its top functions.

Run: ``.venv/bin/python benchmarks/roundtrip.py [--count 2000] [--repeats 5]
[--warmup 200] [--quick] [--profile]``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import openai
import websockets
from mock_load import ServerProcess
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect
from websockets.asyncio.server import ServerConnection, serve

import realtime_nb as rt
from realtime_nb.mock.__main__ import GC_THRESHOLD

TARGET_VS_RAW = 1.10
TIMEOUT_S = 60.0  # one timed run, or one client's warm-up
REQUEST_TYPE = "input_audio_buffer.clear"
REPLY_TYPE = "input_audio_buffer.cleared"
CLIENTS = ("raw", "ours", "SDK")

ECHO_GREETING = json.dumps({
    "type": "session.created", "event_id": "event_0",
    "session": {"type": "realtime", "object": "realtime.session", "id": "sess_1",
                "model": "gpt-realtime"},
}, separators=(",", ":"))
ECHO_REPLY = json.dumps({"type": REPLY_TYPE, "event_id": "event_1"}, separators=(",", ":"))

_THIS = Path(__file__).resolve()


# --------------------------------------------------------------------------- the echo server


async def _echo(ws: ServerConnection) -> None:
    try:
        await ws.send(ECHO_GREETING)
        async for _message in ws:
            await ws.send(ECHO_REPLY)
    except websockets.ConnectionClosed:
        pass


async def _serve_echo() -> None:
    async with serve(_echo, "127.0.0.1", 0, compression=None, ping_interval=None) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"ws://127.0.0.1:{port}/v1/realtime", flush=True)
        await asyncio.Event().wait()


def echo_server_main() -> int:
    """The echo server's process (``--echo-server``): the first stdout line is its URL."""
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    try:
        asyncio.run(_serve_echo())
    except KeyboardInterrupt:
        print("echo server stopped", file=sys.stderr)
    return 0


# --------------------------------------------------------------------------- the clients


@dataclass
class Run:
    """One timed run: ``count`` exchanges."""

    total_ns: int
    cpu_ns: int
    server_cpu_s: float | None
    exchanges_ns: list[int]


class Client:
    """One connection of one kind; ``run(count)`` times ``count`` sequential exchanges."""

    name: str

    async def open(self, url: str) -> None:
        raise NotImplementedError

    async def first(self) -> None:
        """One exchange that also drains whatever the server sent on connect."""
        raise NotImplementedError

    async def run(self, count: int) -> tuple[int, list[int]]:
        """(wall time, per-exchange times) of ``count`` exchanges, in ns."""
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


def _unexpected(kind: object) -> RuntimeError:
    return RuntimeError(f"expected {REPLY_TYPE}, got {kind!r}")


class RawClient(Client):
    name = "raw"
    ws: ClientConnection

    async def open(self, url: str) -> None:
        self.ws = await ws_connect(url, compression=None, ping_interval=None, max_queue=None,
                                   proxy=None)
        self.sent = 0

    async def first(self) -> None:
        self.sent += 1
        await self.ws.send(json.dumps({"type": REQUEST_TYPE, "event_id": f"evt_{self.sent}"}))
        while json.loads(await self.ws.recv())["type"] != REPLY_TYPE:
            pass

    async def run(self, count: int) -> tuple[int, list[int]]:
        ws, dumps, loads, clock = self.ws, json.dumps, json.loads, time.perf_counter_ns
        times = [0] * count
        base = self.sent
        start = clock()
        for i in range(count):
            t0 = clock()
            await ws.send(dumps({"type": REQUEST_TYPE, "event_id": f"evt_{base + i}"}))
            event = loads(await ws.recv())
            t1 = clock()
            if event["type"] != REPLY_TYPE:
                raise _unexpected(event["type"])
            times[i] = t1 - t0
        total = clock() - start
        self.sent = base + count
        return total, times

    async def close(self) -> None:
        await self.ws.close()


class OursClient(Client):
    name = "ours"
    session: rt.RealtimeSession

    async def open(self, url: str) -> None:
        self.session = await rt.connect(url, api_key="sk-bench", quiet=True,
                                        ping_interval=None)

    async def first(self) -> None:
        await self.session.send(rt.clear_audio())
        while (await self.session.recv()).type != REPLY_TYPE:
            pass

    async def run(self, count: int) -> tuple[int, list[int]]:
        session, build, clock = self.session, rt.clear_audio, time.perf_counter_ns
        times = [0] * count
        start = clock()
        for i in range(count):
            t0 = clock()
            await session.send(build())
            event = await session.recv()
            t1 = clock()
            if event.type != REPLY_TYPE:
                raise _unexpected(event.type)
            times[i] = t1 - t0
        total = clock() - start
        return total, times

    async def close(self) -> None:
        await self.session.close()


class SdkClient(Client):
    name = "SDK"
    conn: Any

    async def open(self, url: str) -> None:
        base = url.rsplit("/realtime", 1)[0]  # the SDK appends /realtime
        self.client = openai.AsyncOpenAI(api_key="sk-bench", websocket_base_url=base)
        options: Any = {"ping_interval": None, "proxy": None}
        self.manager = self.client.realtime.connect(model="gpt-realtime",
                                                    websocket_connection_options=options)
        self.conn = await self.manager.enter()
        self.sent = 0

    async def first(self) -> None:
        self.sent += 1
        await self.conn.send({"type": REQUEST_TYPE, "event_id": f"evt_{self.sent}"})
        while (await self.conn.recv()).type != REPLY_TYPE:
            pass

    async def run(self, count: int) -> tuple[int, list[int]]:
        conn, clock = self.conn, time.perf_counter_ns
        times = [0] * count
        base = self.sent
        start = clock()
        for i in range(count):
            t0 = clock()
            await conn.send({"type": REQUEST_TYPE, "event_id": f"evt_{base + i}"})
            event = await conn.recv()
            t1 = clock()
            if event.type != REPLY_TYPE:
                raise _unexpected(event.type)
            times[i] = t1 - t0
        total = clock() - start
        self.sent = base + count
        return total, times

    async def close(self) -> None:
        await self.conn.close()
        await self.client.close()


CLIENT_TYPES: dict[str, Callable[[], Client]] = {
    "raw": RawClient, "ours": OursClient, "SDK": SdkClient}


# --------------------------------------------------------------------------- measuring


@dataclass
class Result:
    """One server's runs, by client, in repeat order."""

    server: str
    url: str
    runs: dict[str, list[Run]] = field(default_factory=lambda: {name: [] for name in CLIENTS})


async def _within(what: str, awaitable: Awaitable[Any]) -> Any:
    try:
        async with asyncio.timeout(TIMEOUT_S):
            return await awaitable
    except TimeoutError:
        raise RuntimeError(f"{what} took more than {TIMEOUT_S:.0f} s") from None


async def timed_run(client: Client, count: int, server: ServerProcess) -> Run:
    gc.collect()
    server_before = server.cpu_seconds()
    cpu_before = time.process_time_ns()
    total, times = await _within(f"a run of the {client.name} client",
                                 client.run(count))
    cpu = time.process_time_ns() - cpu_before
    server_after = server.cpu_seconds()
    server_cpu = (None if server_before is None or server_after is None
                  else server_after - server_before)
    return Run(total, cpu, server_cpu, times)


async def measure(server: ServerProcess, args: argparse.Namespace) -> Result:
    result = Result(server.name, server.url)
    clients = [CLIENT_TYPES[name]() for name in CLIENTS]
    opened: list[Client] = []
    try:
        for client in clients:
            await _within(f"opening the {client.name} client", client.open(server.url))
            opened.append(client)
            await _within(f"the {client.name} client's first exchange", client.first())
            if args.warmup > 1:
                await _within(f"the {client.name} client's warm-up",
                              client.run(args.warmup - 1))
        for _ in range(args.repeats):
            for client in clients:
                result.runs[client.name].append(await timed_run(client, args.count, server))
    finally:
        for client in opened:
            try:
                await client.close()
            except Exception as error:  # report, but keep closing the others
                print(f"closing the {client.name} client failed: {error!r}", file=sys.stderr)
    return result


def start_server(name: str) -> ServerProcess:
    if name == "mock":
        cmd = [sys.executable, "-m", "realtime_nb.mock", "--port", "0", "--seed", "1"]
    else:
        cmd = [sys.executable, str(_THIS), "--echo-server"]
    return ServerProcess(name, cmd)


def _stop(server: ServerProcess) -> None:
    code = server.stop()
    noise = [line for line in server.stderr if line.strip() != f"{server.name} server stopped"]
    if noise:
        print(f"{server.name} server stderr:\n" + "".join(noise).rstrip(), file=sys.stderr)
    if code not in (0, None):
        print(f"{server.name} server exited with status {code}", file=sys.stderr)


async def run(args: argparse.Namespace) -> list[Result]:
    results = []
    for name in ("echo", "mock"):
        server = start_server(name)
        try:
            print(f"{name} server: {server.url} (pid {server.proc.pid})")
            results.append(await measure(server, args))
        finally:
            _stop(server)
    return results


async def profile_ours(args: argparse.Namespace) -> None:
    import cProfile
    import pstats

    server = start_server("echo")
    try:
        print(f"echo server: {server.url} (pid {server.proc.pid})")
        client = OursClient()
        await client.open(server.url)
        try:
            await client.first()
            await client.run(max(args.warmup - 1, 0))
            gc.collect()
            profiler = cProfile.Profile()
            profiler.enable()
            total, _ = await client.run(args.count)
            profiler.disable()
        finally:
            await client.close()
    finally:
        _stop(server)
    print(f"\nrealtime_nb client, {args.count} exchanges against the echo server under "
          f"cProfile: {total / 1e9:.2f} s ({total / args.count / 1e3:.1f} us per exchange, "
          f"inflated by the profiler)")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


# --------------------------------------------------------------------------- reporting


def percentile(values: Sequence[int], pct: float) -> int:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def ratios(result: Result, name: str, versus: str) -> list[float]:
    """Per repeat: ``name``'s total / ``versus``'s total."""
    return [mine.total_ns / theirs.total_ns
            for mine, theirs in zip(result.runs[name], result.runs[versus], strict=True)]


def print_result(result: Result, count: int) -> None:
    repeats = len(result.runs["raw"])
    print(f"\n{result.server} server: {count} exchanges per run, {repeats} repeats (total: "
          f"median run; p50, p99: all {count * repeats} exchanges; CPU: us per exchange)")
    print(f"  {'client':<6} {'total ms':>9} {'us/exch':>8} {'p50 us':>7} {'p99 us':>7} "
          f"{'cli CPU':>7} {'srv CPU':>7}  vs raw (min-max)")
    for name in CLIENTS:
        runs = result.runs[name]
        total = statistics.median(r.total_ns for r in runs)
        every = [t for r in runs for t in r.exchanges_ns]
        cpu = statistics.median(r.cpu_ns for r in runs) / count / 1e3
        servers = [r.server_cpu_s for r in runs if r.server_cpu_s is not None]
        server = (f"{statistics.median(servers) / count * 1e6:7.1f}" if servers
                  else f"{'n/a':>7}")
        if name == "raw":
            versus = "1.00"
        else:
            each = ratios(result, name, "raw")
            versus = f"{statistics.median(each):.3f} ({min(each):.3f}-{max(each):.3f})"
        print(f"  {name:<6} {total / 1e6:9.1f} {total / count / 1e3:8.1f} "
              f"{percentile(every, 50) / 1e3:7.1f} {percentile(every, 99) / 1e3:7.1f} "
              f"{cpu:7.1f} {server}  {versus}")
    each = ratios(result, "ours", "SDK")
    print(f"  ours / SDK: {statistics.median(each):.3f} ({min(each):.3f}-{max(each):.3f})")


def print_targets(results: list[Result]) -> None:
    print("\nTargets")
    for result in results:
        vs_raw = statistics.median(ratios(result, "ours", "raw"))
        vs_sdk = statistics.median(ratios(result, "ours", "SDK"))
        print(f"  {result.server:<4} ours / raw = {vs_raw:.3f} (target <= {TARGET_VS_RAW:.2f})"
              f"   {verdict(vs_raw <= TARGET_VS_RAW)}")
        print(f"  {result.server:<4} ours / SDK = {vs_sdk:.3f} (target < 1, faster)"
              f"   {verdict(vs_sdk < 1.0)}")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=2000,
                        help="timed sequential exchanges per run (default 2000)")
    parser.add_argument("--repeats", type=int, default=7,
                        help="timed runs per client and server (default 7)")
    parser.add_argument("--warmup", type=int, default=200,
                        help="unmeasured exchanges per connection first (default 200)")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: --count 300 --repeats 2")
    parser.add_argument("--profile", action="store_true",
                        help="only profile the realtime_nb client against the echo server")
    parser.add_argument("--echo-server", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.echo_server:
        return echo_server_main()
    if args.quick:
        args.count, args.repeats = 300, 2
    if args.count < 1 or args.repeats < 1 or args.warmup < 1:
        parser.error("--count, --repeats and --warmup must be >= 1")

    print(f"Python {platform.python_version()} ({sys.implementation.name}, "
          f"{platform.machine()}), {os.cpu_count()} cores, websockets {websockets.__version__}, "
          f"msgspec {msgspec.__version__}, openai {openai.__version__}, "
          f"realtime_nb {rt.__version__}; event loop: asyncio")
    try:
        if args.profile:
            asyncio.run(profile_ours(args))
            return 0
        print(f"workload: {REQUEST_TYPE} -> {REPLY_TYPE}, {args.warmup} warm-up + "
              f"{args.repeats} x {args.count} timed exchanges per client and server")
        results = asyncio.run(run(args))
    except (RuntimeError, OSError, websockets.ConnectionClosed, rt.RealtimeError,
            openai.OpenAIError) as error:
        print(f"roundtrip run failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    for result in results:
        print_result(result, args.count)
    print_targets(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
