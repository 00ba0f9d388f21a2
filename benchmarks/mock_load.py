"""Benchmark: the mock Realtime server under load from many concurrent sessions.

The server (``python -m realtime_nb.mock --port 0 --seed 1 --pace PACE``) runs in its own
process, so on a 2-core machine it has one core and the load generator the other, and
neither shares an event loop with the other. For each session count N of ``--sessions``
(default 10, 50, 100):

1. **Connect (not timed).** N WebSocket clients (raw ``websockets``, no compression, no
   pings) connect and each receives ``session.created`` and ``conversation.created``.
2. **Measured phase.** Once every session is connected (a barrier), all start at once and
   each runs ``--rounds`` rounds of: a user text item (``conversation.item.create``), a
   text response (``response.create`` with ``output_modalities: ["text"]``) waited for
   until ``response.done``; then another user item and a default (audio) response, whose
   ``response.output_audio.delta`` events carry 100 ms of base64 PCM16 each, interleaved
   with transcript deltas. After its last response a session also waits for the final
   ``rate_limits.updated``, so every event the server sends is counted.

Reported per N (all times from ``time.perf_counter``):

* **time to first delta**: from just before ``response.create`` is sent to the arrival
  of that response's first ``*.delta`` event (``response.output_text.delta`` for text;
  ``response.output_audio.delta`` or ``response.output_audio_transcript.delta`` for
  audio), p50 and p99 (nearest rank) for text, audio and both together;
* **events/s and MB/s**: every server event (and its bytes of JSON) received by all
  sessions during the measured phase, divided by the phase's wall time;
* **CPU**: CPU time of the server process (``/proc/PID/stat``) and of this client process
  (``time.process_time``) over the measured phase, as a share of one core. A client near
  100 % would mean the load generator, not the server, limits the numbers; the client
  reads only each frame's ``type`` (a slice of the raw bytes: the mock writes ``"type"``
  first) to keep its own cost low.

Before the first N, one session runs one round unmeasured to warm both processes up.
A table of events by type (count and bytes, for the largest N) shows what the server
spends its sends on. The target (from the issue): with 100 sessions at ``--pace fast``,
the p99 time to first delta of all responses is under 20 ms. A miss is reported, the
exit status is 0 either way (1 only if the run itself fails).

``--profile FILE`` runs the server under ``cProfile`` (which slows it down) and prints its
top functions at the end.

Run: ``.venv/bin/python benchmarks/mock_load.py [--sessions 10,50,100] [--rounds 5]
[--pace fast|realtime] [--seed 1] [--profile /tmp/mock.prof]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import math
import os
import platform
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import websockets
from websockets.asyncio.client import ClientConnection, connect

import realtime_nb

TARGET_SESSIONS = 100
TARGET_P99_MS = 20.0
CONNECT_CONCURRENCY = 25  # simultaneous handshakes while connecting (not timed)
STARTUP_TIMEOUT_S = 30.0

_REPO = Path(__file__).resolve().parents[1]
_TYPE_PREFIX = b'{"type":"'
_DELTA = b".delta"
_RESPONSE_DONE = b"response.done"
_RATE_LIMITS = b"rate_limits.updated"
_ERROR = b"error"

_USER_ITEM = json.dumps({
    "type": "conversation.item.create",
    "item": {"type": "message", "role": "user",
             "content": [{"type": "input_text", "text": "Hello there"}]},
}, separators=(",", ":"))
_RESPONSE_CREATE = {
    "text": json.dumps({"type": "response.create", "response": {"output_modalities": ["text"]}},
                       separators=(",", ":")),
    "audio": json.dumps({"type": "response.create"}, separators=(",", ":")),
}
KINDS = ("text", "audio")


class _TypeOnly(msgspec.Struct):
    type: str


_type_decoder = msgspec.json.Decoder(_TypeOnly)


def event_type(frame: bytes) -> bytes:
    """The ``type`` of a server frame: a slice when it comes first (it does), else a decode."""
    if frame.startswith(_TYPE_PREFIX):
        end = frame.find(b'"', 9)
        if end > 0:
            return frame[9:end]
    return _type_decoder.decode(frame).type.encode()


# --------------------------------------------------------------------------- the server


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process ``pid`` from ``/proc`` (None where unavailable)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ServerProcess:
    """``python -m realtime_nb.mock`` in a child process; its stdout and stderr are drained."""

    def __init__(self, pace: str, seed: int, profile: str | None) -> None:
        cmd = [sys.executable]
        if profile:
            cmd += ["-m", "cProfile", "-o", profile]
        cmd += ["-m", "realtime_nb.mock", "--port", "0", "--seed", str(seed), "--pace", pace]
        self.proc = subprocess.Popen(cmd, cwd=_REPO, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, bufsize=1)
        self.connections = 0
        self.stderr: list[str] = []
        first: queue.Queue[str] = queue.Queue()
        self._threads = [
            threading.Thread(target=self._drain_stdout, args=(first,), daemon=True),
            threading.Thread(target=self._drain_stderr, daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        try:
            self.url = first.get(timeout=STARTUP_TIMEOUT_S).strip()
        except queue.Empty:
            self.stop()
            raise RuntimeError("the mock server printed no URL in time") from None
        if not self.url.startswith("ws://"):
            self.stop()
            raise RuntimeError(f"the mock server did not start: {self.url!r} "
                               f"{''.join(self.stderr)!r}")

    def _drain_stdout(self, first: queue.Queue[str]) -> None:
        assert self.proc.stdout is not None
        first.put(self.proc.stdout.readline())
        for line in self.proc.stdout:
            if line.startswith("connection "):
                self.connections += 1

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line)

    def cpu_seconds(self) -> float | None:
        return _cpu_seconds(self.proc.pid)

    def stop(self) -> int | None:
        """Stop with SIGINT (the CLI's Ctrl-C; lets cProfile write its file), then kill."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for thread in self._threads:
            thread.join(timeout=2)
        return self.proc.returncode


# --------------------------------------------------------------------------- the clients


@dataclass
class Tally:
    """What the sessions of one measured phase saw."""

    first_delta_ms: dict[str, list[float]] = field(
        default_factory=lambda: {kind: [] for kind in KINDS})
    response_ms: dict[str, list[float]] = field(
        default_factory=lambda: {kind: [] for kind in KINDS})
    by_round: dict[int, list[float]] = field(default_factory=dict)
    """Time to first delta of all responses, by round (0-based)."""
    counts: Counter[bytes] = field(default_factory=Counter)
    sizes: Counter[bytes] = field(default_factory=Counter)
    errors: list[bytes] = field(default_factory=list)

    @property
    def events(self) -> int:
        return sum(self.counts.values())

    @property
    def nbytes(self) -> int:
        return sum(self.sizes.values())


async def open_session(url: str, gate: asyncio.Semaphore) -> ClientConnection:
    """Connect, and receive the two opening events."""
    async with gate:
        ws = await connect(url, compression=None, max_size=None, ping_interval=None,
                           open_timeout=STARTUP_TIMEOUT_S)
        for expected in (b"session.created", b"conversation.created"):
            kind = event_type(await ws.recv(decode=False))
            if kind != expected:
                raise RuntimeError(f"expected {expected!r} on connect, got {kind!r}")
        return ws


@contextlib.asynccontextmanager
async def _deadline(seconds: float, tally: Tally) -> AsyncIterator[None]:
    """``asyncio.timeout``, failing with the error events seen (a refusal means no response)."""
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError:
        seen = f"; first error event: {tally.errors[0][:300]!r}" if tally.errors else ""
        raise RuntimeError(f"a response took more than {seconds:.0f} s{seen}") from None


async def run_session(ws: ClientConnection, rounds: int, tally: Tally, timeout: float) -> None:
    """``rounds`` x (text response, audio response), each waited for until ``response.done``."""
    counts, sizes, perf = tally.counts, tally.sizes, time.perf_counter
    for round_ in range(rounds):
        for kind in KINDS:
            first = None
            async with _deadline(timeout, tally):
                await ws.send(_USER_ITEM)
                start = perf()
                await ws.send(_RESPONSE_CREATE[kind])
                while True:
                    frame = await ws.recv(decode=False)
                    now = perf()
                    etype = event_type(frame)
                    counts[etype] += 1
                    sizes[etype] += len(frame)
                    if first is None and etype.endswith(_DELTA):
                        first = now
                    elif etype == _RESPONSE_DONE:
                        break
                    elif etype == _ERROR:
                        tally.errors.append(frame)
            if first is None:
                raise RuntimeError(f"a {kind} response ended without any delta")
            tally.first_delta_ms[kind].append((first - start) * 1e3)
            tally.by_round.setdefault(round_, []).append((first - start) * 1e3)
            tally.response_ms[kind].append((now - start) * 1e3)
    # The last response's rate_limits.updated follows its response.done.
    async with _deadline(timeout, tally):
        while True:
            frame = await ws.recv(decode=False)
            etype = event_type(frame)
            counts[etype] += 1
            sizes[etype] += len(frame)
            if etype == _RATE_LIMITS:
                break


@dataclass
class Phase:
    sessions: int
    tally: Tally
    wall_s: float
    server_cpu_s: float | None
    client_cpu_s: float


async def measure(server: ServerProcess, sessions: int, rounds: int, timeout: float) -> Phase:
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    conns = await asyncio.gather(*(open_session(server.url, gate) for _ in range(sessions)))
    tally = Tally()
    try:
        gc.collect()
        server_cpu0, client_cpu0 = server.cpu_seconds(), time.process_time()
        start = time.perf_counter()
        await asyncio.gather(*(run_session(ws, rounds, tally, timeout) for ws in conns))
        wall = time.perf_counter() - start
        server_cpu1, client_cpu1 = server.cpu_seconds(), time.process_time()
    finally:
        await asyncio.gather(*(ws.close() for ws in conns), return_exceptions=True)
    server_cpu = (None if server_cpu0 is None or server_cpu1 is None
                  else server_cpu1 - server_cpu0)
    return Phase(sessions, tally, wall, server_cpu, client_cpu1 - client_cpu0)


# --------------------------------------------------------------------------- reporting


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def p50_p99(values: Sequence[float]) -> str:
    return f"{percentile(values, 50):6.1f} /{percentile(values, 99):6.1f}"


def share(cpu: float | None, wall: float) -> str:
    return "   n/a" if cpu is None else f"{cpu / wall:6.0%}"


def print_results(phases: list[Phase]) -> None:
    print("\nTime to first delta, ms (p50 / p99), and throughput of the measured phase")
    header = (f"  {'sessions':>8} {'responses':>9}  {'text':>13}  {'audio':>13}  {'all':>13}  "
              f"{'events/s':>9} {'MB/s':>6} {'wall s':>6} {'server':>6} {'client':>6}")
    print(header)
    print(f"  {'':>8} {'':>9}  {'':>13}  {'':>13}  {'':>13}  {'':>9} {'':>6} {'':>6} "
          f"{'CPU':>6} {'CPU':>6}")
    print("  " + "-" * (len(header) - 2))
    for phase in phases:
        t = phase.tally
        every = t.first_delta_ms["text"] + t.first_delta_ms["audio"]
        print(f"  {phase.sessions:>8} {len(every):>9}  {p50_p99(t.first_delta_ms['text'])}  "
              f"{p50_p99(t.first_delta_ms['audio'])}  {p50_p99(every)}  "
              f"{t.events / phase.wall_s:>9,.0f} {t.nbytes / phase.wall_s / 1e6:>6.1f} "
              f"{phase.wall_s:>6.2f} {share(phase.server_cpu_s, phase.wall_s)} "
              f"{share(phase.client_cpu_s, phase.wall_s)}")
    print("\nWhole response (response.create to response.done), ms (p50 / p99)")
    print(f"  {'sessions':>8}  {'text':>13}  {'audio':>13}  {'server CPU per response':>24}")
    for phase in phases:
        t = phase.tally
        responses = len(t.response_ms["text"]) + len(t.response_ms["audio"])
        per = ("n/a" if phase.server_cpu_s is None
               else f"{phase.server_cpu_s / responses * 1e3:.2f} ms")
        print(f"  {phase.sessions:>8}  {p50_p99(t.response_ms['text'])}  "
              f"{p50_p99(t.response_ms['audio'])}  {per:>24}")


def print_rounds(phases: list[Phase]) -> None:
    rounds = max(len(phase.tally.by_round) for phase in phases)
    print("\nTime to first delta by round, all responses, ms (p50 / p99); round 1 starts "
          "every session at once")
    print(f"  {'sessions':>8}  " + "  ".join(f"{f'round {r + 1}':>13}" for r in range(rounds)))
    for phase in phases:
        cells = [p50_p99(values) for _, values in sorted(phase.tally.by_round.items())]
        print(f"  {phase.sessions:>8}  " + "  ".join(cells))


def print_event_mix(phase: Phase) -> None:
    t = phase.tally
    total_events, total_bytes = t.events, t.nbytes
    print(f"\nServer events by type ({phase.sessions} sessions: {total_events:,} events, "
          f"{total_bytes / 1e6:.1f} MB)")
    print(f"  {'type':<44} {'count':>8} {'share':>6} {'MB':>8} {'share':>6} {'avg B':>7}")
    for etype, count in t.counts.most_common():
        size = t.sizes[etype]
        print(f"  {etype.decode():<44} {count:>8,} {count / total_events:>6.1%} "
              f"{size / 1e6:>8.2f} {size / total_bytes:>6.1%} {size / count:>7,.0f}")


def print_profile(path: str, top: int = 25) -> None:
    import pstats

    for order in ("tottime", "cumulative"):
        print(f"\nServer profile ({path}), top {top} by {order}")
        pstats.Stats(path).sort_stats(order).print_stats(top)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# --------------------------------------------------------------------------- main


async def run(args: argparse.Namespace, counts: list[int]) -> list[Phase]:
    server = ServerProcess(args.pace, args.seed, args.profile)
    timeout = 60.0 if args.pace == "fast" else 300.0
    try:
        print(f"server: {server.url} (pid {server.proc.pid}, --pace {args.pace}, "
              f"--seed {args.seed}{', under cProfile' if args.profile else ''})")
        await measure(server, 1, 1, timeout)  # warm-up, not reported
        phases = []
        for n in counts:
            phase = await measure(server, n, args.rounds, timeout)
            if phase.tally.errors:
                raise RuntimeError(f"{len(phase.tally.errors)} error events, first: "
                                   f"{phase.tally.errors[0][:300]!r}")
            phases.append(phase)
    finally:
        code = server.stop()
        noise = [line for line in server.stderr if line.strip() != "mock server stopped"]
        if noise:
            print("server stderr:\n" + "".join(noise).rstrip(), file=sys.stderr)
        if code not in (0, None):
            print(f"server exited with status {code}", file=sys.stderr)
    print(f"server: {server.connections} connections served, stopped")
    return phases


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sessions", default="10,50,100",
                        help="comma-separated concurrent session counts (default 10,50,100)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="rounds of (text response, audio response) per session")
    parser.add_argument("--pace", choices=("fast", "realtime"), default="fast",
                        help="the server's --pace (default fast)")
    parser.add_argument("--seed", type=int, default=1, help="the server's --seed")
    parser.add_argument("--profile", metavar="FILE", default=None,
                        help="run the server under cProfile, write FILE and print its top")
    args = parser.parse_args(argv)
    try:
        counts = [int(part) for part in args.sessions.split(",") if part.strip()]
    except ValueError:
        parser.error("--sessions must be comma-separated integers")
    if not counts or min(counts) < 1 or args.rounds < 1:
        parser.error("--sessions must be >= 1 and --rounds >= 1")

    print(f"Python {platform.python_version()} ({sys.implementation.name}, "
          f"{platform.machine()}), {os.cpu_count()} cores, websockets {websockets.__version__}, "
          f"msgspec {msgspec.__version__}, realtime_nb {realtime_nb.__version__}; "
          f"event loop: asyncio")
    print(f"workload: per session {args.rounds} x (text response + audio response), "
          f"sessions {', '.join(map(str, counts))}")
    try:
        phases = asyncio.run(run(args, counts))
    except (RuntimeError, OSError, TimeoutError, websockets.ConnectionClosed) as error:
        print(f"load run failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1

    print_results(phases)
    print_rounds(phases)
    print_event_mix(max(phases, key=lambda p: p.sessions))
    if args.profile:
        with contextlib.suppress(OSError):
            print_profile(args.profile)

    print()
    target = next((p for p in phases if p.sessions == TARGET_SESSIONS), None)
    if target is None:
        print(f"target: not evaluated (needs a run with {TARGET_SESSIONS} sessions)")
    else:
        t = target.tally
        every = t.first_delta_ms["text"] + t.first_delta_ms["audio"]
        p99 = percentile(every, 99)
        note = "" if args.pace == "fast" else f" (the target is for --pace fast, not {args.pace})"
        print(f"  {TARGET_SESSIONS} sessions: p99 time to first delta = {p99:.1f} ms "
              f"(target < {TARGET_P99_MS:.0f} ms){note}   {verdict(p99 < TARGET_P99_MS)}")
        for kind in KINDS:
            print(f"    {kind:<5} p99 = {percentile(t.first_delta_ms[kind], 99):6.1f} ms "
                  f"(information)")
        later = [ms for round_, values in t.by_round.items() if round_ > 1 for ms in values]
        if later:
            # Round 1 is a burst: every session sends its first request in the same ms.
            print(f"    after round 1 (no synchronized burst) p99 = "
                  f"{percentile(later, 99):6.1f} ms "
                  f"(information)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
