"""The event log as state: collapsing, audio summaries, error links, bounds, queries, export.

Events are built with the real builders and parsed with the real parser; the
clocks are injected so that times are exact.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest

import realtime_nb as rt
from realtime_nb.mock import MockServer
from realtime_nb.state.event_log import TIMES, EventLog, LogEntry, audio_marker
from realtime_nb.tape import Tape
from tests.server_samples import AUDIO_DELTA_B64, GA_SAMPLES

RESPONSE = "resp_1"
ITEM = "item_1"


class Clock:
    """A clock the test moves: monotonic seconds, and wall time 1,700,000,000 s later."""

    def __init__(self) -> None:
        self.now = 0.0

    def mono(self) -> float:
        return self.now

    def wall(self) -> float:
        return 1_700_000_000.0 + self.now


def new_log(**options: Any) -> tuple[EventLog, Clock]:
    clock = Clock()
    return EventLog(clock=clock.mono, wall_clock=clock.wall, **options), clock


def audio_delta(audio: bytes | str = AUDIO_DELTA_B64, *, item: str = ITEM,
                response: str = RESPONSE, n: int = 0) -> Any:
    delta = audio if isinstance(audio, str) else base64.b64encode(audio).decode()
    return rt.parse_server_event({
        "type": "response.output_audio.delta", "event_id": f"event_a{n}",
        "response_id": response, "item_id": item, "output_index": 0, "content_index": 0,
        "delta": delta})


def transcript_delta(text: str, *, item: str = ITEM, n: int = 0) -> Any:
    return rt.parse_server_event({
        "type": "response.output_audio_transcript.delta", "event_id": f"event_t{n}",
        "response_id": RESPONSE, "item_id": item, "output_index": 0, "content_index": 0,
        "delta": text})


def error_for(event_id: str | None, message: str = "Nope", n: int = 0) -> Any:
    error: dict[str, Any] = {"type": "invalid_request_error", "code": "invalid_value",
                             "message": message}
    if event_id is not None:
        error["event_id"] = event_id
    return rt.parse_server_event({"type": "error", "event_id": f"event_e{n}", "error": error})


def session_updated(output_format: str, input_format: str = "audio/pcm") -> Any:
    def fmt(kind: str) -> dict[str, Any]:
        return {"type": kind, "rate": 24000} if kind == "audio/pcm" else {"type": kind}

    return rt.parse_server_event({
        "type": "session.updated", "event_id": "event_s",
        "session": {"type": "realtime", "model": "gpt-realtime",
                    "audio": {"input": {"format": fmt(input_format)},
                              "output": {"format": fmt(output_format)}}}})


def noisy(size: int, seed: int = 7) -> bytes:
    """``size`` bytes that no base64 of zeros could pass for (a summary test must be able
    to find the payload if it leaked)."""
    return bytes((seed * 31 + index * 197 + (index >> 3) * 13) % 256 for index in range(size))


def leaks(text: str, payload: str) -> bool:
    """Whether any 24-character piece of base64 ``payload`` occurs in ``text``."""
    return any(payload[start:start + 24] in text for start in range(0, len(payload) - 24, 97))


def run(scenario: Coroutine[Any, Any, Any], timeout: float = 30.0) -> Any:
    async def boxed() -> Any:
        return await asyncio.wait_for(scenario, timeout)

    return asyncio.run(boxed())


# -- collapsing ---------------------------------------------------------------------------


def test_consecutive_audio_deltas_collapse_into_one_entry_with_totals() -> None:
    log, _ = new_log()
    chunk = noisy(2000)  # 2,000 bytes of PCM16 24 kHz: 41.67 ms
    for n in range(240):
        log.received(audio_delta(chunk, n=n))
    [entry] = log.entries()
    assert entry.count == 240 and entry.collapsed and entry.type == "response.output_audio.delta"
    assert entry.direction == "server" and entry.event_id == "event_a0" and entry.seq == 1
    assert entry.seqs == list(range(1, 241))
    assert str(entry) == f"response.output_audio.delta {TIMES}240  480,000 bytes · 10,000 ms"
    assert entry.summary.startswith(f"{TIMES}240")


def test_collapsing_needs_same_type_item_and_response_and_nothing_in_between() -> None:
    log, _ = new_log()
    log.received(audio_delta(n=1))
    log.received(audio_delta(n=2))
    log.received(audio_delta(item="item_2", n=3))         # another item: a new entry
    log.received(audio_delta(item="item_2", response="resp_2", n=4))  # another response
    log.received(transcript_delta("Hel", n=5))           # another type
    log.received(transcript_delta("lo", n=6))
    log.sent(rt.commit_audio(event_id="evt_c"))           # a client event in between
    log.received(transcript_delta(" there", n=7))
    log.received(rt.parse_server_event(GA_SAMPLES[0]))    # not a delta
    log.received(audio_delta(n=8))
    assert [(entry.type, entry.count) for entry in log.entries()] == [
        ("response.output_audio.delta", 2),
        ("response.output_audio.delta", 1),
        ("response.output_audio.delta", 1),
        ("response.output_audio_transcript.delta", 2),
        ("input_audio_buffer.commit", 1),
        ("response.output_audio_transcript.delta", 1),
        (GA_SAMPLES[0]["type"], 1),
        ("response.output_audio.delta", 1),
    ]
    text_entry = log.entries()[3]
    assert text_entry.text() == "Hello" and text_entry.summary == f'{TIMES}2  "Hello"'
    assert not log.entries()[1].collapsed and TIMES not in log.entries()[1].summary


def test_client_audio_appends_collapse_and_any_other_event_breaks_them() -> None:
    log, _ = new_log()
    for n in range(3):
        log.sent(rt.append_audio(noisy(4800), event_id=f"evt_{n}"))  # 100 ms each
    log.received(audio_delta())
    log.sent(rt.append_audio(noisy(4800), event_id="evt_3"))
    first, delta, second = log.entries()
    assert (first.type, first.count, first.direction) == ("input_audio_buffer.append", 3,
                                                          "client")
    assert first.summary == f"{TIMES}3  14,400 bytes · 300 ms"
    assert delta.type == "response.output_audio.delta"
    assert second.count == 1 and second.summary == "4,800 bytes · 100 ms"
    assert [event.event_id for event in first.events] == ["evt_0", "evt_1", "evt_2"]


def test_unknown_delta_events_collapse_by_their_raw_ids() -> None:
    log, _ = new_log()
    for item in ("i1", "i1", "i2"):
        log.received(rt.parse_server_event({"type": "response.future_thing.delta",
                                            "item_id": item, "delta": "x"}))
    assert [entry.count for entry in log.entries()] == [2, 1]
    assert isinstance(log.entries()[0].event, rt.UnknownServerEvent)


# -- audio summaries ------------------------------------------------------------------------


def test_audio_is_summarised_everywhere_and_never_shown_as_base64() -> None:
    log, _ = new_log()
    user = noisy(48_000, seed=1)  # 1 s of PCM16
    out = noisy(3072, seed=2)
    append = rt.append_audio(noisy(4800, seed=3), event_id="evt_append")
    item = rt.create_item(rt.user_audio(user), event_id="evt_item")
    log.sent(append)
    log.sent(item)
    log.received(audio_delta(out, n=1))
    log.received(audio_delta(out, n=2))
    retrieved = next(sample for sample in GA_SAMPLES
                     if sample["type"] == "conversation.item.retrieved")
    log.received(rt.parse_server_event(retrieved))
    payloads = [base64.b64encode(data).decode() for data in (user, out, noisy(4800, seed=3))]
    payloads.append(next(part["audio"] for part in retrieved["item"]["content"]
                         if "audio" in part))
    jsonl = io.StringIO()
    log.to_jsonl(jsonl, audio="summary")
    shown = [text for entry in log.entries()
             for text in (str(entry), entry.json(), json.dumps(entry.to_dict()), repr(entry))]
    for text in [*shown, jsonl.getvalue()]:
        for payload in payloads:
            assert not leaks(text, payload), text[:200]
    append_entry, item_entry, delta_entry, retrieved_entry = log.entries()
    assert append_entry.to_dict()["event"]["audio"] == "<base64: 4,800 bytes, 100 ms PCM16 24 kHz>"
    content = item_entry.to_dict()["event"]["item"]["content"][0]
    assert content["audio"] == "<base64: 48,000 bytes, 1,000 ms PCM16 24 kHz>"
    assert "48,000 bytes, 1,000 ms" in item_entry.summary
    collapsed = delta_entry.to_dict()
    assert collapsed["count"] == 2 and collapsed["audio"] == {"bytes": 6144, "ms": 128.0,
                                                              "format": "audio/pcm"}
    assert collapsed["first"]["event"]["delta"] == "<base64: 3,072 bytes, 64 ms PCM16 24 kHz>"
    assert collapsed["first"]["seq"] == 3 and collapsed["last"]["seq"] == 4
    assert "base64" in retrieved_entry.json()
    # The full export, by contrast, carries the audio whole.
    full = io.StringIO()
    log.to_jsonl(full)
    assert all(payload in full.getvalue() for payload in payloads)


def test_audio_is_measured_in_the_formats_the_session_announced() -> None:
    log, _ = new_log()
    log.received(audio_delta(bytes(4800), n=1))
    log.received(session_updated("audio/pcmu", input_format="audio/pcma"))
    log.received(audio_delta(bytes(800), n=2))
    log.sent(rt.append_audio(bytes(1600)))
    before, _, after, append = log.entries()
    assert before.summary == "4,800 bytes · 100 ms"  # the default, PCM16 24 kHz
    assert after.summary == "800 bytes · 100 ms audio/pcmu"
    assert append.summary == "1,600 bytes · 200 ms audio/pcma"
    assert after.to_dict()["event"]["delta"] == "<base64: 800 bytes, 100 ms G.711 µ-law 8 kHz>"
    assert log.formats == ("audio/pcma", "audio/pcmu")
    assert audio_marker("AAAA" * 16_000, "audio/pcm") == (
        "<base64: 48,000 bytes, 1,000 ms PCM16 24 kHz>")


def test_long_strings_that_are_not_audio_stay_whole() -> None:
    log, _ = new_log()
    instructions = "Speak like a pirate. " * 100
    log.sent(rt.session_update({"type": "realtime", "instructions": instructions}))
    text = "word " * 500
    log.received(transcript_delta(text))
    update, delta = log.entries()
    assert update.to_dict()["event"]["session"]["instructions"] == instructions
    assert instructions in json.loads(update.json())["event"]["session"]["instructions"]
    assert delta.to_dict()["event"]["delta"] == text
    assert delta.summary.endswith("(2,500 chars)")


# -- error links ----------------------------------------------------------------------------


def test_an_error_links_to_the_client_event_it_names_both_ways() -> None:
    log, _ = new_log()
    create = rt.create_response(event_id="evt_bad")
    log.sent(create)
    log.received(error_for("evt_bad", "Conversation already has an active response"))
    cause, error = log.entries()
    assert error.cause is cause and cause.caused_error is error
    assert cause.caused_errors == [error] and error.cause_seq == cause.seq
    assert not error.cause_dropped
    assert error.link_note == "Caused by response.create evt_bad (#1)."
    assert cause.link_note.startswith("This event caused error #2:")
    assert "Conversation already has an active response" in error.summary
    assert error.summary.endswith("← evt_bad")
    assert error.to_dict()["cause"]["type"] == "response.create"
    assert cause.to_dict()["caused_errors"][0]["seq"] == 2


def test_an_error_caused_by_a_collapsed_event_says_which() -> None:
    log, _ = new_log()
    for n in range(5):
        log.sent(rt.append_audio(bytes(480), event_id=f"evt_{n}"))
    log.received(error_for("evt_3"))
    appends, error = log.entries()
    assert appends.count == 5 and error.cause is appends and error.cause_seq == 4
    assert appends.caused_error is error
    assert "one of the" in error.link_note and f"{TIMES}5" in error.link_note
    assert "#4 (evt_3)" in appends.link_note


def test_an_error_whose_cause_was_dropped_says_so() -> None:
    log, _ = new_log(capacity=3)
    log.sent(rt.create_response(event_id="evt_gone"))
    for n in range(3):
        log.received(transcript_delta("x", item=f"item_{n}", n=n))
    log.received(error_for("evt_gone"))
    error = log.entries()[-1]
    assert log.find(1) is None
    assert error.cause is not None and error.cause.type == "response.create"
    assert error.cause_dropped and not error.cause.kept
    assert "since dropped from the log" in error.link_note
    # Dropped after the link was made: the note changes with it.
    log2, _ = new_log(capacity=3)
    log2.sent(rt.create_response(event_id="evt_1"))
    log2.received(error_for("evt_1"))
    assert not log2.entries()[-1].cause_dropped
    for n in range(2):
        log2.received(transcript_delta("x", item=f"item_{n}", n=n))
    error2 = log2.entries()[-3]
    assert error2.type == "error" and error2.cause_dropped
    assert "since dropped" in error2.link_note


def test_an_error_naming_an_event_never_logged_or_none() -> None:
    log, _ = new_log()
    log.received(error_for("evt_elsewhere"))
    log.received(error_for(None, n=1))
    named, anonymous = log.entries()
    assert named.cause is None and named.cause_event_id == "evt_elsewhere"
    assert "not in this log" in named.link_note
    assert anonymous.cause_event_id is None and anonymous.link_note == ""


# -- bounds and counts ----------------------------------------------------------------------


def test_ten_thousand_deltas_keep_capacity_events_and_count_the_dropped() -> None:
    log, _ = new_log(capacity=5000)
    for n in range(10_000):
        log.received(audio_delta(n=n))
    [entry] = log.entries()
    assert log.kept == entry.count == 5000 and log.dropped == entry.dropped == 5000
    assert log.total == 10_000 and log.counts["response.output_audio.delta"] == 10_000
    assert entry.seqs[0] == 5001 and entry.seq == 1  # the entry keeps its name
    assert entry.summary.startswith(f"{TIMES}5000 (+5000 dropped)  15,360,000 bytes")


def test_ten_thousand_distinct_events_drop_whole_entries_oldest_first() -> None:
    log, _ = new_log(capacity=1000)
    for n in range(10_000):
        log.received(transcript_delta("x", item=f"item_{n}", n=n))
    assert len(log) == 1000 and log.kept == 1000 and log.dropped == 9000
    assert [entry.seq for entry in log][:2] == [9001, 9002]
    log.capacity = 10
    assert log.kept == 10 and log.dropped == 9990 and log.entries()[0].seq == 9991
    log.capacity = 20  # growing keeps what is there; nothing comes back
    assert log.kept == 10
    with pytest.raises(ValueError, match="capacity"):
        log.capacity = -1
    with pytest.raises(ValueError, match="capacity"):
        EventLog(capacity=True)


def test_counts_per_type_and_direction_include_dropped_events() -> None:
    log, _ = new_log(capacity=2)
    log.sent(rt.append_audio(bytes(480)))
    log.sent(rt.commit_audio())
    log.sent(rt.create_response())
    log.received(audio_delta(n=1))
    log.received(audio_delta(n=2))
    assert log.counts == {"input_audio_buffer.append": 1, "input_audio_buffer.commit": 1,
                          "response.create": 1, "response.output_audio.delta": 2}
    assert log.directions == {"client": 3, "server": 2}
    assert log.kept == 2 and log.dropped == 3 and log.total == 5


def test_version_changes_with_every_change_and_only_then() -> None:
    log, _ = new_log()
    versions = [log.version]
    log.received(audio_delta(n=1))
    versions.append(log.version)
    log.received(audio_delta(n=2))  # collapsed: still a change
    versions.append(log.version)
    log.sent(rt.commit_audio())
    versions.append(log.version)
    log.capacity = 1
    versions.append(log.version)
    assert versions == sorted(set(versions))  # strictly increasing
    before = log.version
    log.entries(types=["response.*"], search="x")
    _ = [str(entry) + entry.json() for entry in log]
    log.to_jsonl(io.StringIO())
    assert log.version == before


def test_times_and_sequence_numbers() -> None:
    log, clock = new_log()
    clock.now = 1.5
    log.sent(rt.commit_audio(event_id="evt_1"))
    clock.now = 2.25
    log.received(audio_delta(n=1))
    clock.now = 2.5
    log.received(audio_delta(n=2))
    commit, audio = log.entries()
    assert (commit.seq, commit.monotonic, commit.time) == (1, 1.5, 1_700_000_001.5)
    assert (audio.seq, audio.monotonic, audio.last_time) == (2, 2.25, 1_700_000_002.5)
    assert commit.to_dict()["time"] == "2023-11-14T22:13:21.500+00:00"


# -- queries --------------------------------------------------------------------------------


def filled_log() -> EventLog:
    log, _ = new_log()
    log.sent(rt.session_update({"type": "realtime", "instructions": "Be BRIEF"},
                               event_id="evt_s"))
    log.received(session_updated("audio/pcm"))
    log.sent(rt.create_item(rt.user_text("What is the weather?"), event_id="evt_i"))
    log.sent(rt.create_response(event_id="evt_r"))
    log.received(audio_delta(n=1))
    log.received(transcript_delta("Sunny ", n=2))
    log.received(transcript_delta("in Paris", n=3))
    log.received(error_for("evt_r"))
    return log


def test_filter_by_exact_types_and_globs() -> None:
    log = filled_log()
    types = [entry.type for entry in log.entries(types=["response.*"])]
    assert types == ["response.create", "response.output_audio.delta",
                     "response.output_audio_transcript.delta"]
    assert [entry.type for entry in log.entries(types=["error", "session.update"])] == [
        "session.update", "error"]
    assert [entry.type for entry in log.entries(types="session.*, error")] == [
        "session.update", "session.updated", "error"]
    assert [entry.type for entry in log.entries(types=["*.delta"])] == [
        "response.output_audio.delta", "response.output_audio_transcript.delta"]
    assert log.entries(types=["response"]) == []  # exact, not a prefix
    assert len(log.entries(types=[])) == len(log.entries()) == len(log) == 7


def test_search_is_case_insensitive_over_type_summary_json_and_joined_text() -> None:
    log = filled_log()
    assert [entry.type for entry in log.entries(search="be brief")] == ["session.update"]
    assert [entry.type for entry in log.entries(search="WEATHER")] == [
        "conversation.item.create"]
    # "Sunny in Paris" only exists across two collapsed deltas.
    assert [entry.type for entry in log.entries(search="sunny in paris")] == [
        "response.output_audio_transcript.delta"]
    assert [entry.event_id for entry in log.entries(search="evt_r")] == ["evt_r", "event_e0"]
    assert log.entries(search="no such text anywhere") == []


def test_direction_filter_and_limit_keep_the_newest_last() -> None:
    log = filled_log()
    client = log.entries(direction="client")
    assert [entry.type for entry in client] == ["session.update", "conversation.item.create",
                                                "response.create"]
    assert all(entry.direction == "server" for entry in log.entries(direction="server"))
    assert log.entries(direction="both") == log.entries()
    newest = log.entries(limit=2)
    assert [entry.type for entry in newest] == ["response.output_audio_transcript.delta",
                                                "error"]
    assert log.entries(direction="server", types=["response.*"], limit=1)[0].type == (
        "response.output_audio_transcript.delta")
    with pytest.raises(ValueError, match="direction"):
        log.entries(direction="up")
    found = log.find(log.entries()[2].seq)
    assert found is not None and found.type == "conversation.item.create"
    assert log.find(999) is None


# -- export ---------------------------------------------------------------------------------


def test_jsonl_round_trip_gives_back_every_kept_event(tmp_path: Path) -> None:
    log, clock = new_log()
    sent: list[tuple[str, Any]] = []
    for n in range(3):
        event = rt.append_audio(noisy(960, seed=n), event_id=f"evt_{n}")
        log.sent(event)
        sent.append(("client", event))
        clock.now += 0.02
    for sample in GA_SAMPLES[:12]:
        event = rt.parse_server_event(sample)
        log.received(event)
        sent.append(("server", event))
        clock.now += 0.01
    for n in range(4):
        event = audio_delta(n=n)
        log.received(event)
        sent.append(("server", event))
    path = tmp_path / "events.jsonl"
    assert log.to_jsonl(path) == len(sent) == log.kept
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [line["seq"] for line in lines] == list(range(1, len(sent) + 1))
    for line, (direction, event) in zip(lines, sent, strict=True):
        assert set(line) == {"seq", "time", "direction", "type", "event"}
        assert line["direction"] == direction and line["type"] == event.type
        assert line["event"] == event.to_dict("ga")
        again = (rt.parse_client_event(line["event"]) if direction == "client"
                 else rt.parse_server_event(line["event"]))
        assert again == event
    assert lines[0]["time"] == 1_700_000_000.0 and lines[1]["time"] == pytest.approx(
        1_700_000_000.02)


def test_jsonl_in_the_beta_dialect_and_only_what_is_kept() -> None:
    log, _ = new_log(capacity=3, dialect="beta")
    for n in range(5):
        log.received(audio_delta(n=n))
    out = io.StringIO()
    assert log.to_jsonl(out) == 3
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["seq"] for line in lines] == [3, 4, 5]
    assert {line["event"]["type"] for line in lines} == {"response.audio.delta"}
    assert rt.parse_server_event(lines[0]["event"], "beta") == audio_delta(n=2)
    assert lines[0]["type"] == "response.output_audio.delta"  # the log's own (GA) name
    with pytest.raises(ValueError, match="audio"):
        log.to_jsonl(io.StringIO(), audio="none")  # type: ignore[arg-type]


def test_an_event_with_no_form_in_the_logs_dialect_is_shown_in_the_other() -> None:
    log, _ = new_log(dialect="beta")
    update = rt.session_update({"type": "realtime", "truncation": "auto"})  # GA only
    log.sent(update)
    [entry] = log.entries()
    assert json.loads(entry.json("beta"))["event"] == update.to_dict("ga")
    out = io.StringIO()
    log.to_jsonl(out)
    assert json.loads(out.getvalue())["event"] == update.to_dict("ga")
    assert entry.summary == "truncation=auto"


def test_from_tape_replays_a_recorded_session() -> None:
    tape = Tape(target="test", dialect="ga")
    tape.started = 1_700_000_000.0
    tape.add("client", rt.create_response(event_id="evt_r").to_json(), at=0.5)
    tape.add("server", json.dumps(GA_SAMPLES[0]), at=0.75)
    for n in range(3):
        tape.add("server", audio_delta(n=n).to_json(), at=1.0 + n / 10)
    tape.add("client", '{"type":"not.a.client.event","event_id":"evt_x"}', at=2.0)
    tape.add("server", json.dumps({"type": "error", "event_id": "e", "error": {
        "type": "invalid_request_error", "message": "Bad", "event_id": "evt_r"}}), at=2.5)
    log = EventLog.from_tape(tape)
    entries = log.entries()
    assert [(entry.type, entry.count) for entry in entries] == [
        ("response.create", 1), (GA_SAMPLES[0]["type"], 1),
        ("response.output_audio.delta", 3), ("not.a.client.event", 1), ("error", 1)]
    assert entries[0].time == 1_700_000_000.5 and entries[2].last_time == pytest.approx(
        1_700_000_001.2)
    assert entries[-1].cause is entries[0]
    assert entries[3].direction == "client" and entries[3].event_id == "evt_x"


# -- a real session (the receive path's speed is measured in benchmarks/panel.py) ----------


def test_the_log_follows_a_real_session() -> None:
    async def scenario() -> EventLog:
        async with MockServer(seed=2) as mock, rt.connect(mock.url, quiet=True) as session:
            log = session.observe(EventLog())
            assert isinstance(log, EventLog)
            await session.say("Hello")
            with pytest.raises(rt.ServerError):
                await session.send(rt.truncate_item("item_missing", 0, 100), wait=True)
            await asyncio.sleep(0.05)
            return log

    log = run(scenario())
    types = [entry.type for entry in log]
    assert "conversation.item.create" in types and "response.create" in types
    audio = [entry for entry in log if entry.type == "response.output_audio.delta"]
    assert audio and sum(entry.count for entry in audio) == log.counts[
        "response.output_audio.delta"]
    [error] = [entry for entry in log if entry.type == "error"]
    assert error.cause is not None and error.cause.type == "conversation.item.truncate"
    assert error.cause.caused_error is error
    assert all(isinstance(entry, LogEntry) for entry in log)
