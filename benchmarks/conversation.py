"""Benchmark: what following a session's conversation costs, next to parsing its events.

Every server event a session receives is parsed (``realtime_nb.parse_server_event``)
and then applied to ``session.conversation`` (a :class:`realtime_nb.Conversation`,
fed through ``Conversation.received``). This measures the second step against
the first, on one fixed workload:

* **Workload.** ``--events`` GA server frames recorded from the mock
  (:class:`realtime_nb.mock.MockSession` driven without sockets, fixed seed):
  spoken turns (scripted replies of a few sentences, so the audio deltas of
  100 ms each dominate, with their transcript deltas) and text-only turns, added
  while the share of ``response.output_audio.delta`` is above or below 70 %, then
  cut to exactly ``--events`` frames. Every frame is checked to parse into a
  typed event (none unknown), and the whole workload to give a conversation of
  the expected items once applied.

* **Contenders.**
  - parse: ``parse_server_event(frame)`` for every frame;
  - state: ``conversation.received(event)`` for every already-parsed event,
    into a fresh ``Conversation`` each run (audio kept, as in a session);
  - parse + state (information): both, per frame, as the session does;
  - parse, events kept (information): parsing while keeping every event, as
    the session's history and ``recv()`` queue keep them: a conversation keeps
    the audio deltas' text alive too, and memory that is kept is memory a next
    parse cannot reuse warm, which shows in "parse + state" beside "parse";
  - parse + state without audio (information): ``Conversation(keep_audio=False)``.

Each contender's time is the **median** of ``--repeat`` runs over the whole
workload (``time.perf_counter``, garbage collector on, a ``gc.collect()`` before
each run). The target: the state adds at most 50 % to the parse time
(state / parse <= 0.50). The exit status is 1 when the target is missed.

Run: ``.venv/bin/python benchmarks/conversation.py [--events N] [--repeat K]``.
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

import realtime_nb
from realtime_nb import Conversation, parse_server_event
from realtime_nb.mock import MockSession, Rule, Script

SEED = 20240917
AUDIO_SHARE = 0.70
STATE_RATIO_TARGET = 0.50

_STORY = ("The lighthouse keeper climbed the spiral stairs every evening at dusk. "
          "She polished the great lens until it shone like a second moon. "
          "Ships far out at sea blinked their lanterns back at her in thanks.")


# --------------------------------------------------------------------------- workload


def _frames_of(session: MockSession, event: realtime_nb.ClientEvent) -> list[str]:
    step = session.receive(event.to_json())
    frames = [reply.to_json() for reply in step.events]
    for stream in getattr(step, "streams", step.runs):
        frames += [emit.event.to_json() for emit in stream.events()]
    return frames


def server_frames(n: int, seed: int) -> list[str]:
    """``n`` GA server frames recorded from the mock, about 70 % audio deltas."""
    session = MockSession(seed=seed, script=Script(rules=[
        Rule(match="story", reply=_STORY), Rule(match="briefly", reply="Sure, here it is.")]))
    frames = [event.to_json() for event in session.opening()]
    audio = 0
    turn = 0
    while len(frames) < n:
        turn += 1
        spoken = audio <= AUDIO_SHARE * len(frames)
        text = f"Tell me a story, part {turn}." if spoken else f"Answer briefly, part {turn}."
        frames += _frames_of(session, realtime_nb.create_item(realtime_nb.user_text(text)))
        response = realtime_nb.create_response(
            output_modalities=["audio"] if spoken else ["text"])
        recorded = _frames_of(session, response)
        audio += sum('"type":"response.output_audio.delta"' in f for f in recorded)
        frames += recorded
    return frames[:n]


def check(frames: Sequence[str]) -> tuple[list[Any], float]:
    """Parse every frame (none unknown); return the events and the audio delta share."""
    events = []
    for frame in frames:
        event = parse_server_event(frame)
        assert not isinstance(event, realtime_nb.UnknownServerEvent), frame[:80]
        events.append(event)
    conversation = Conversation()
    for event in events:
        conversation.received(event)
    assert conversation.orphans == 0 and len(conversation) > 10
    spoken = [item for item in conversation.items if item.audio_ms]
    assert spoken and all(item.transcript for item in spoken)
    share = sum(e.type == "response.output_audio.delta" for e in events) / len(events)
    return events, share


# --------------------------------------------------------------------------- contenders


def parse_all(frames: Sequence[str]) -> None:
    for frame in frames:
        parse_server_event(frame)


def apply_all(events: Sequence[Any]) -> None:
    received = Conversation().received
    for event in events:
        received(event)


def parse_and_apply(frames: Sequence[str]) -> None:
    received = Conversation().received
    for frame in frames:
        received(parse_server_event(frame))


def parse_and_keep(frames: Sequence[str]) -> None:
    kept = []
    for frame in frames:
        kept.append(parse_server_event(frame))


def parse_and_count(frames: Sequence[str]) -> None:
    received = Conversation(keep_audio=False).received
    for frame in frames:
        received(parse_server_event(frame))


def median_of(fn: Callable[[Any], None], workload: Any, repeat: int) -> float:
    """Median wall time in seconds of ``fn(workload)`` over ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn(workload)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=20_000, help="server frames applied")
    parser.add_argument("--repeat", type=int, default=7, help="runs per contender (median)")
    args = parser.parse_args(argv)
    n, repeat = args.events, args.repeat
    if n < 100 or repeat < 1:
        parser.error("--events must be >= 100 and --repeat >= 1")

    print(f"Python {platform.python_version()} ({sys.implementation.name}, "
          f"{platform.machine()}), msgspec {msgspec.__version__}, "
          f"realtime_nb {realtime_nb.__version__}")
    frames = server_frames(n, SEED)
    events, share = check(frames)
    size = sum(len(frame) for frame in frames)
    print(f"\nWorkload: {n:,} GA server frames recorded from the mock, {size / 1e6:.1f} MB of "
          f"JSON; {share:.1%} response.output_audio.delta; all typed.")

    parse = median_of(parse_all, frames, repeat)
    state = median_of(apply_all, events, repeat)
    both = median_of(parse_and_apply, frames, repeat)
    kept = median_of(parse_and_keep, frames, repeat)
    counted = median_of(parse_and_count, frames, repeat)
    print(f"\n  {'contender':<46} {'median ms':>10} {'µs/event':>10}")
    print(f"  {'-' * 46} {'-' * 10} {'-' * 10}")
    for name, seconds in [("parse: parse_server_event(frame)", parse),
                          ("state: conversation.received(event)", state),
                          ("parse + state (information)", both),
                          ("parse, events kept (information)", kept),
                          ("parse + state, keep_audio=False (information)", counted)]:
        print(f"  {name:<46} {seconds * 1e3:>10.1f} {seconds * 1e6 / n:>10.2f}")
    ratio = state / parse
    ok = ratio <= STATE_RATIO_TARGET
    print(f"\n  state / parse = {ratio:.2f}   (target <= {STATE_RATIO_TARGET:.2f})   "
          f"{'PASS' if ok else 'MISS'}")
    print(f"  (parse + state) / parse = {both / parse:.2f};  (parse + state) / (parse, events "
          f"kept) = {both / kept:.2f};  keep_audio=False: {counted / parse:.2f}   (information)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
