"""Benchmark: what the control panel costs while a long spoken reply streams in.

A session that shows ``rt.ControlPanel`` pays, for every server event, the parse,
the session's state, the panel's event log (an observer), and the redraws of the
panel's views, which the panel's :class:`~realtime_nb.widgets.view.Refresher`
runs at most every 0.1 s while events arrive. This measures that whole path,
next to parsing alone and to the raw limit, on one fixed workload:

* **Workload.** ``--events`` GA server frames (10,000) recorded from the mock
  (:class:`realtime_nb.mock.MockSession` driven without sockets, fixed seed):
  the opening, then turns of a user message and a long spoken reply (about 80 s
  of speech each), in the mock's real event shapes: ``response.output_audio.delta``
  carrying PCM16 chunks of 20, 30, 40 and 50 ms (one size per turn, the range the
  service sends; the mock's own default is 100 ms), the transcript deltas between
  them, and the events around them (items, content parts, ``response.done``,
  ``rate_limits.updated``). Cut to exactly ``--events`` frames, as bytes (what a
  WebSocket message is). Every frame is checked to parse into a typed event on our
  side and into an SDK model (a strict pydantic validation of one frame per type).

* **Contenders**, each over every frame:
  - raw limit: ``json.loads(frame)``, a dict and no types: no parser can go faster
    by much;
  - SDK parse: what ``RealtimeConnection.recv()`` of the official ``openai``
    SDK does per message, ``construct_type_unchecked(json.loads(frame),
    RealtimeServerEvent)``. The SDK has no session state and no panel, so this
    is where it applies;
  - ours, parse only: ``realtime_nb.parse_server_event(frame)``;
  - ours, session (information): ``session._on_message(frame)``, the entry point
    a connection delivers each message to: parse, then the session's state
    (history, ``recv()`` queue, conversation, usage, playback...), no panel;
  - **ours, panel**: the same with a ``ControlPanel`` attached (its log and its
    refresher observe the session) and its views redrawn on the refresher's
    cadence. The frames are fed on a running asyncio loop that gets control
    after every 64 KiB of frames, as after a socket read, so the refresher's
    timers fire as they would; the final redraw of the end state is included.
    The session is never connected: it is marked open, as once connected, so
    the views draw what they draw for a live session.

* **Front end.** Without a kernel, ipywidgets' comms send nothing; the benchmark
  wraps ``ipywidgets.Widget._send`` (every state update, which
  ``Widget.send_state`` goes through) and ``Widget.open`` (a widget created:
  one ``comm_open`` carrying its state) to count the messages the panel would
  send to the browser, and the bytes (JSON, as the kernel would serialise it,
  plus binary buffers such as a player's WAV).

Each contender's time is the **median** of ``--repeat`` runs (``time.perf_counter``,
garbage collector on, a ``gc.collect()`` before each; each panel run on a fresh
session and panel, made before the clock starts). Memory: a separate run under
``tracemalloc`` (the peak, and what the session and panel keep: the ``recv()``
queue and history, the conversation's audio, the log's 5,000 events), and the RSS
growth of the first feed in the process (smaller: it reuses memory the workload's
checks freed, so it says what the process grew by, not what the feed holds). The
target: at least 20,000 events per second through the panel path; the exit status
is 1 when it is missed, or when a check fails (a view that failed to redraw, a
frame the session could not process).

Run: ``.venv/bin/python benchmarks/panel.py [--events N] [--repeat K]``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import json
import logging
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

import ipywidgets
import msgspec
import openai
import pydantic
from ipywidgets.widgets.widget import _remove_buffers
from openai._models import construct_type_unchecked
from openai.types.realtime.realtime_server_event import RealtimeServerEvent

import realtime_nb
from realtime_nb import parse_server_event
from realtime_nb.connection.session import RealtimeSession
from realtime_nb.endpoints import resolve_target
from realtime_nb.mock import MockSession, Rule, Script
from realtime_nb.mock import responses as mock_responses
from realtime_nb.widgets import ControlPanel

SEED = 20240917
CHUNKS_MS = (20, 30, 40, 50)
READ_SIZE = 64 * 1024  # bytes of frames between two turns of the event loop
TARGET_EVENTS_PER_S = 20_000.0
OUTPUT_BYTES_PER_MS = 48  # PCM16, 24 kHz, mono

_STORY = (
    "The lighthouse keeper climbed the spiral stairs every evening at dusk, one hundred and "
    "twelve steps, counting each one under her breath. She polished the great lens until it "
    "shone like a second moon, and she trimmed the wick, and she wrote the weather in the "
    "log in her small careful hand. Ships far out at sea blinked their lanterns back at her "
    "in thanks. In winter the storms came in from the west, and the waves climbed the rocks "
    "and threw their spray against the windows of the lamp room. On those nights she did "
    "not sleep at all; she sat by the lamp with a pot of tea and listened to the wind try "
    "every door of the tower. One night a small fishing boat lost its way in the fog, and "
    "the keeper rang the great bell by hand for three hours until the boat found the "
    "harbour. In the morning the fishermen climbed the hill with a basket of bread and a "
    "jar of honey, and they stayed for lunch, and they told her stories of the sea that "
    "she wrote down in the back of the log, where the weather did not go. Years later, "
    "when the light was made automatic, she kept the log and the stories, and she read "
    "them to her grandchildren by the fire, one story every evening, at dusk.")

_SDK_EVENT_TYPE = cast(Any, RealtimeServerEvent)
_sdk_adapter: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(RealtimeServerEvent)


# --------------------------------------------------------------------------- workload


@contextmanager
def chunk_ms(ms: int) -> Iterator[None]:
    """Make the mock send ``ms`` of audio per ``response.output_audio.delta``."""
    saved = mock_responses.AUDIO_CHUNK_MS
    mock_responses.AUDIO_CHUNK_MS = ms
    try:
        yield
    finally:
        mock_responses.AUDIO_CHUNK_MS = saved


def _frames_of(session: MockSession, event: realtime_nb.ClientEvent) -> list[str]:
    step = session.receive(event.to_json())
    frames = [reply.to_json() for reply in step.events]
    for stream in step.streams:
        frames += [emit.event.to_json() for emit in stream.events()]
    return frames


def server_frames(n: int, seed: int) -> list[bytes]:
    """``n`` GA server frames of long spoken replies, recorded from the mock, as bytes."""
    session = MockSession(seed=seed, script=Script(rules=[Rule(match="story", reply=_STORY)]))
    frames = [event.to_json() for event in session.opening()]
    turn = 0
    while len(frames) < n:
        with chunk_ms(CHUNKS_MS[turn % len(CHUNKS_MS)]):
            turn += 1
            frames += _frames_of(session, realtime_nb.create_item(
                realtime_nb.user_text(f"Tell me a long story, part {turn}.")))
            frames += _frames_of(session, realtime_nb.create_response(
                output_modalities=["audio"]))
    return [frame.encode() for frame in frames[:n]]


@dataclass
class Shape:
    """What the workload holds, checked before anything is timed."""

    audio_share: float
    chunk_ms: Counter[int]
    size: int
    types: int


def check(frames: Sequence[bytes]) -> Shape:
    """Every frame typed on our side and an SDK model; one frame per type SDK-validated."""
    seen: set[str] = set()
    chunks: Counter[int] = Counter()
    audio = 0
    for frame in frames:
        event = parse_server_event(frame)
        assert not isinstance(event, realtime_nb.UnknownServerEvent), frame[:80]
        sdk = sdk_parse(frame)
        assert not isinstance(sdk, dict) and sdk.type == event.type, (type(sdk), event.type)
        if event.type not in seen:
            seen.add(event.type)
            _sdk_adapter.validate_json(frame)  # raises if the SDK refuses the shape
        if event.type == "response.output_audio.delta":
            audio += 1
            chunks[len(base64.b64decode(cast(Any, event).delta)) // OUTPUT_BYTES_PER_MS] += 1
    assert "response.done" in seen and "response.output_audio_transcript.delta" in seen
    return Shape(audio / len(frames), chunks, sum(map(len, frames)), len(seen))


# --------------------------------------------------------------------------- the front end


class FrontEnd:
    """Counts what the widgets would send to the browser (wraps ``Widget._send``/``open``)."""

    def __init__(self) -> None:
        self.updates = 0
        self.opens = 0
        self.bytes = 0
        self._saved: tuple[Any, Any] | None = None

    def reset(self) -> None:
        self.updates = self.opens = self.bytes = 0

    @staticmethod
    def _size(msg: Any, buffers: Sequence[Any] | None) -> int:
        text = json.dumps(msg, separators=(",", ":"), default=str)
        return len(text) + sum(memoryview(buffer).nbytes for buffer in buffers or ())

    def __enter__(self) -> FrontEnd:
        send, open_ = ipywidgets.Widget._send, ipywidgets.Widget.open
        self._saved = (send, open_)
        counter = self

        def counting_send(widget: Any, msg: Any, buffers: Any = None) -> Any:
            counter.updates += 1
            counter.bytes += counter._size(msg, buffers)
            return send(widget, msg, buffers)

        def counting_open(widget: Any) -> Any:
            result = open_(widget)
            counter.opens += 1
            # As the comm_open carries it: binary values (a player's WAV) as buffers.
            state, _, buffers = _remove_buffers(widget.get_state())
            counter.bytes += counter._size(state, buffers)
            return result

        ipywidgets.Widget._send = counting_send
        ipywidgets.Widget.open = counting_open
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._saved is not None
        ipywidgets.Widget._send, ipywidgets.Widget.open = self._saved


class Failures(logging.Handler):
    """Counts errors logged by realtime_nb: a view that failed to redraw, a failed observer."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(f"{record.name}: {record.getMessage()}")


def rss_bytes() -> int:
    """The process's resident set size now (Linux ``/proc/self/statm``)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


# --------------------------------------------------------------------------- contenders


def raw_loads(frames: Sequence[bytes]) -> None:
    loads = json.loads
    for frame in frames:
        loads(frame)


def sdk_parse(frame: bytes) -> Any:
    """``RealtimeConnection.recv()`` (openai 3.x) per message: construct, no validation."""
    return construct_type_unchecked(value=json.loads(frame), type_=_SDK_EVENT_TYPE)


def sdk_parse_all(frames: Sequence[bytes]) -> None:
    for frame in frames:
        sdk_parse(frame)


def parse_all(frames: Sequence[bytes]) -> None:
    for frame in frames:
        parse_server_event(frame)


def offline_session() -> RealtimeSession:
    """A session that was never connected, marked open (as once connected) on this loop."""
    session = RealtimeSession(resolve_target("ws://127.0.0.1:9/v1/realtime"))
    session._state = "open"
    session._loop = asyncio.get_running_loop()
    return session


@dataclass
class Run:
    """One feed of the workload into a session (with or without the panel)."""

    seconds: float
    rss_growth: int = 0
    redraws: int = 0
    updates: int = 0
    opens: int = 0
    sent_bytes: int = 0
    kept: int = 0
    dropped: int = 0
    entries: int = 0
    malformed: int = 0
    traced_peak: int = 0
    traced_kept: int = 0


async def _feed(session: RealtimeSession, frames: Sequence[bytes]) -> None:
    deliver = session._on_message
    budget = 0
    for frame in frames:
        deliver(frame)
        budget += len(frame)
        if budget >= READ_SIZE:
            budget = 0
            await asyncio.sleep(0)


async def session_run(frames: Sequence[bytes]) -> Run:
    """Parse and session state only: the session with no panel."""
    session = offline_session()
    gc.collect()
    start = time.perf_counter()
    await _feed(session, frames)
    seconds = time.perf_counter() - start
    assert session.malformed == 0 and session.history[-1].type, session.malformed
    return Run(seconds, malformed=session.malformed)


async def panel_run(frames: Sequence[bytes], front_end: FrontEnd, *,
                    traced: bool = False) -> Run:
    """Parse, session state, the panel's log and its views redrawn on their cadence."""
    session = offline_session()
    panel = ControlPanel(session)
    try:
        gc.collect()
        front_end.reset()
        flushes = panel.refresher.flushes
        if traced:
            tracemalloc.start()
            tracemalloc.reset_peak()
            base, _ = tracemalloc.get_traced_memory()
        rss = rss_bytes()
        start = time.perf_counter()
        await _feed(session, frames)
        panel.refresher.flush()  # the end state, drawn
        seconds = time.perf_counter() - start
        run = Run(seconds, rss_growth=rss_bytes() - rss,
                  redraws=panel.refresher.flushes - flushes, updates=front_end.updates,
                  opens=front_end.opens, sent_bytes=front_end.bytes, kept=panel.events.kept,
                  dropped=panel.events.dropped, entries=len(panel.events),
                  malformed=session.malformed)
        if traced:
            current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            run.traced_peak, run.traced_kept = peak - base, current - base
        assert panel.events.total == len(frames), (panel.events.total, len(frames))
        assert len(panel.conversation_view.widget.children) > 0
        return run
    finally:
        panel.close()


def median_of(fn: Callable[[Any], None], workload: Any, repeat: int) -> float:
    """Median wall time in seconds of ``fn(workload)`` over ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn(workload)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _mb(size: int) -> str:
    return f"{size / 2**20:+,.1f} MB"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=10_000, help="server frames fed")
    parser.add_argument("--repeat", type=int, default=5, help="runs per contender (median)")
    args = parser.parse_args(argv)
    n, repeat = args.events, args.repeat
    if n < 1000 or repeat < 1:
        parser.error("--events must be >= 1000 and --repeat >= 1")

    print(f"Python {platform.python_version()} ({sys.implementation.name}, "
          f"{platform.machine()}), msgspec {msgspec.__version__}, openai {openai.__version__}, "
          f"ipywidgets {ipywidgets.__version__}, realtime_nb {realtime_nb.__version__}")
    frames = server_frames(n, SEED)
    shape = check(frames)
    print(f"\nWorkload: {n:,} GA server frames recorded from the mock, {shape.size / 1e6:.1f} MB "
          f"of JSON, {shape.types} event types; {shape.audio_share:.1%} "
          "response.output_audio.delta, PCM16 chunks of "
          f"{', '.join(f'{ms} ms x{count:,}' for ms, count in sorted(shape.chunk_ms.items()))}"
          " (a reply's last chunk is shorter); all typed, on both sides.")

    failures = Failures()
    logging.getLogger("realtime_nb").addHandler(failures)
    raw = median_of(raw_loads, frames, repeat)
    sdk = median_of(sdk_parse_all, frames, repeat)
    parse = median_of(parse_all, frames, repeat)

    async def fed() -> tuple[list[Run], list[Run], Run]:
        # The panel first: the RSS growth of its first run is that of a first feed.
        with FrontEnd() as front_end:
            panels = [await panel_run(frames, front_end) for _ in range(repeat)]
            traced = await panel_run(frames, front_end, traced=True)
        sessions = [await session_run(frames) for _ in range(repeat)]
        return sessions, panels, traced

    sessions, panels, traced = asyncio.run(fed())
    session = statistics.median(run.seconds for run in sessions)
    full = statistics.median(run.seconds for run in panels)
    first = panels[0]

    print(f"\n  {'contender':<44} {'median ms':>10} {'µs/event':>9} {'events/s':>10} "
          f"{'x raw':>6}")
    print(f"  {'-' * 44} {'-' * 10} {'-' * 9} {'-' * 10} {'-' * 6}")
    for name, seconds in [("raw limit: json.loads(frame)", raw),
                          ("SDK: construct_type_unchecked(json.loads)", sdk),
                          ("ours, parse only: parse_server_event", parse),
                          ("ours, session (information)", session),
                          ("ours, panel: parse + session + log + views", full)]:
        print(f"  {name:<44} {seconds * 1e3:>10.1f} {seconds * 1e6 / n:>9.2f} "
              f"{n / seconds:>10,.0f} {seconds / raw:>6.2f}")

    rate = n / full
    ok = rate >= TARGET_EVENTS_PER_S and not failures.records
    print(f"\n  panel path: {rate:,.0f} events/s   (target >= {TARGET_EVENTS_PER_S:,.0f})   "
          f"{'PASS' if rate >= TARGET_EVENTS_PER_S else 'MISS'}")
    print(f"  ratios: panel / parse = {full / parse:.2f};  panel / session = {full / session:.2f};"
          f"  parse / raw = {parse / raw:.2f};  SDK parse / our parse = {sdk / parse:.2f};  "
          f"SDK parse / our panel path = {sdk / full:.2f}")
    print(f"  redraws: {first.redraws} in {first.seconds * 1e3:.0f} ms (refresh every 0.1 s, "
          f"plus the final one); front-end messages: {first.updates:,} updates + {first.opens:,} "
          f"widgets opened, {first.sent_bytes / 1e6:.2f} MB")
    print(f"  event log: {first.kept:,} events kept in {first.entries:,} entries, "
          f"{first.dropped:,} dropped (capacity 5,000)")
    print(f"  memory: RSS {_mb(first.rss_growth)} (the first feed in this process); "
          f"tracemalloc peak {_mb(traced.traced_peak)}, kept {_mb(traced.traced_kept)} "
          f"(a traced run: {traced.seconds * 1e3:.0f} ms)")
    if failures.records:
        print(f"\n  FAIL: {len(failures.records)} errors logged while feeding, "
              f"first: {failures.records[0]}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
