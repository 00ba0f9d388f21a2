"""The live capture of 2026-09-18 (protocol.md §5, [llmgw]) replayed against the mock.

Each scenario sends what the capture's client sent and compares the event types that
come back with the ones the service sent (runs of one ``*.delta`` type collapsed).
Most run on :class:`MockSession` directly (no sockets); what depends on the server's
pacing (the input transcription beside the response, binary frames) runs on a
:class:`MockServer`, and checks timing by the order of events, never by the clock.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Sequence
from typing import Any

import pytest
from websockets.asyncio.client import connect

import realtime_nb as rt
from realtime_nb.mock import MockServer, MockSession, Rule, Script
from realtime_nb.mock.ids import OBFUSCATION_MAX_CHARS, Obfuscator
from realtime_nb.mock.responses import RATE_LIMITS_AFTER_MS, Emit
from realtime_nb.mock.speech import speech_with_silence, synthesize
from realtime_nb.wire import server_events as se

from .mock_sdk_helpers import AUDIO_RESPONSE as AUDIO_RESPONSES
from .mock_sdk_helpers import FUNCTION_CALL_RESPONSE as FUNCTION_CALL_RESPONSES
from .mock_sdk_helpers import TEXT_RESPONSE, USER_ITEM, VAD_TURN, shape

JSON = dict[str, Any]

TIMEOUT_S = 30.0
"""Longest a socket scenario may take: a hang fails the test instead of blocking the run."""

TRANSCRIPT_DELTA = "conversation.item.input_audio_transcription.delta"
TRANSCRIPT_COMPLETED = "conversation.item.input_audio_transcription.completed"

# The service's twelve WebSocket client event types, in its order [llmgw probe 8].
SUPPORTED = ("'session.update', 'session.close', 'input_audio_buffer.append',"
             " 'session.input_audio_buffer.append', 'input_audio_buffer.commit',"
             " 'input_audio_buffer.clear', 'conversation.item.create',"
             " 'conversation.item.truncate', 'conversation.item.delete',"
             " 'conversation.item.retrieve', 'response.create', and 'response.cancel'")


def unknown_type_error(kind: str) -> JSON:
    """The error the service sent for ``{"type": "nope"}`` (probe 8), for any ``kind``."""
    return {"type": "invalid_request_error", "code": "invalid_value",
            "message": f"Invalid value: '{kind}'. Supported values are: {SUPPORTED}.",
            "param": "type", "event_id": None}


BINARY_ERROR: JSON = {
    "type": "invalid_request_error", "code": "invalid_event",
    "message": "Expected a text WebSocket message; binary frames are not supported.",
    "param": None, "event_id": None}

# -- the captured sequences ------------------------------------------------------------------

# The sequences themselves are the ones the SDK tests check (protocol.md §5, with the
# item's end as probe 8 shows it); here they are replayed as the capture's client sent.
USER_TEXT_ITEM = USER_ITEM["ga"]
CAPTURED_TEXT_RESPONSE = TEXT_RESPONSE["ga"]  # probe 8, one response cycle
AUDIO_RESPONSE = AUDIO_RESPONSES["ga"]
FUNCTION_CALL_RESPONSE = FUNCTION_CALL_RESPONSES["ga"]
BETA_TEXT_RESPONSE = TEXT_RESPONSE["beta"]  # [S-beta-txt]: no conversation.item.done
VAD_COMMIT = VAD_TURN["ga"][:5]

WEATHER_TOOL: JSON = {
    "type": "function", "name": "get_weather", "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                   "required": ["city"]}}

SHORT = Script(rules=[Rule(match=".", reply="Sure, one moment.")])
"""A three-word reply: at real-time pace it is over well before a transcript is due."""


class Replay:
    """Client frames into a :class:`MockSession`; every server event kept as wire JSON,
    with the time its stream would send it at real-time pace (``at``)."""

    def __init__(self, dialect: rt.Dialect = "ga", seed: int = 1, **options: Any) -> None:
        self.dialect: rt.Dialect = dialect
        self.session = MockSession(dialect=dialect, seed=seed, **options)
        self.events: list[JSON] = []
        self.at: list[float] = []
        for event in self.session.opening():
            self._keep(event, 0.0)

    def _keep(self, event: rt.ServerEvent, at_ms: float) -> JSON:
        data: JSON = json.loads(event.to_json(self.dialect))
        self.events.append(data)
        self.at.append(at_ms)
        return data

    def send(self, frame: str | bytes | rt.ClientEvent, *, binary: bool = False) -> list[JSON]:
        """One client frame; returns what it caused, streams included (responses first)."""
        if not isinstance(frame, (str, bytes)):
            frame = frame.to_json(self.dialect)
        step = self.session.receive(frame, binary=binary)
        got = [self._keep(event, 0.0) for event in step.events]
        for stream in step.streams:
            got += [self._keep(emit.event, emit.at_ms) for emit in stream.events()]
        return got

    def update(self, **session: Any) -> list[JSON]:
        kind = "transcription" if self.session.transcription_only else "realtime"
        return self.send(json.dumps({"type": "session.update",
                                     "session": {"type": kind, **session}}))


def types(events: Sequence[JSON]) -> list[str]:
    return [event["type"] for event in events]


def only(events: Sequence[JSON], kind: str) -> JSON:
    found = [event for event in events if event["type"] == kind]
    assert len(found) == 1, (kind, types(events))
    return found[0]


def speech(text: str = "Hello from the gateway probe.", tail_ms: int = 800) -> str:
    """An append of one spoken turn (a VAD ends it after the silence at its end)."""
    return rt.append_audio(speech_with_silence(text, lead_ms=600, tail_ms=tail_ms)).to_json()


# -- (a) connect -----------------------------------------------------------------------------


@pytest.mark.parametrize(("dialect", "opening"), [
    ("ga", ["session.created"]),  # probes 7 and 8
    ("beta", ["session.created", "conversation.created"]),  # kept for the legacy dialect
])
def test_a_session_opens_as_the_service_opens_it(dialect: rt.Dialect, opening: list[str]) -> None:
    assert types(Replay(dialect).events) == opening


def test_a_ga_socket_opens_with_session_created_alone() -> None:
    async def scenario() -> list[str]:
        async with MockServer(seed=1) as server, connect(server.url) as ws:
            first = json.loads(await ws.recv())
            # Anything else sent on connect would arrive before this probe's answer.
            await ws.send(rt.clear_audio().to_json())
            return [first["type"], json.loads(await ws.recv())["type"]]

    assert asyncio.run(asyncio.wait_for(scenario(), TIMEOUT_S)) == [
        "session.created", "input_audio_buffer.cleared"]


# -- probe 8: a text session, four bad frames, a second response ------------------------------


def test_probe_8_text_session_replayed() -> None:
    replay = Replay()
    assert types(replay.update(output_modalities=["text"])) == ["session.updated"]
    replay.send(rt.create_item(rt.user_text("Say hi in three words")))
    replay.send(rt.create_response())
    errors = [replay.send('{"type":"nope"}'),
              replay.update(bogus_field=1),
              replay.send("not json"),
              replay.send(bytes(64), binary=True)]
    replay.send(rt.create_item(rt.user_text("Now say bye in two words")))
    replay.send(rt.create_response())

    cycle = [*USER_TEXT_ITEM, *CAPTURED_TEXT_RESPONSE]
    assert shape(replay.events, "ga") == [
        "session.created", "session.updated", *cycle, "error", "error", "error", "error",
        *cycle]
    assert [only(reply, "error")["error"] for reply in errors] == [
        unknown_type_error("nope"),
        {"type": "invalid_request_error", "code": "unknown_parameter",
         "message": "Unknown parameter: 'session.bogus_field'.",
         "param": "session.bogus_field", "event_id": None},
        {**errors[2][0]["error"], "code": "invalid_json", "param": None, "event_id": None},
        BINARY_ERROR,
    ]
    assert errors[2][0]["error"]["message"].startswith(
        "Invalid event: failed to parse JSON value. ")
    # Both responses completed: the errors changed nothing.
    assert [done["response"]["status"] for done in replay.events
            if done["type"] == "response.done"] == ["completed", "completed"]


def test_rate_limits_follow_response_done_40_ms_later() -> None:
    replay = Replay()
    replay.send(rt.create_item(rt.user_text("Hi")))
    replay.send(rt.create_response(output_modalities=["text"]))
    kinds = types(replay.events)
    done, limits = kinds.index("response.done"), kinds.index("rate_limits.updated")
    assert limits == done + 1
    assert replay.at[limits] - replay.at[done] == RATE_LIMITS_AFTER_MS == 40.0
    assert [limit["name"] for limit in replay.events[limits]["rate_limits"]] == ["tokens"]


# -- the end of an item: GA and beta -----------------------------------------------------------


def test_an_audio_turn_ends_its_item_as_the_service_does() -> None:
    replay = Replay()
    got = replay.send(rt.create_item(rt.user_text("Hello there")))
    assert types(got) == USER_TEXT_ITEM
    assert shape(replay.send(rt.create_response()), "ga") == AUDIO_RESPONSE


def test_a_function_call_turn_ends_its_item_as_the_service_does() -> None:
    replay = Replay()
    replay.update(tools=[WEATHER_TOOL])
    replay.send(rt.create_item(rt.user_text("What's the weather in Paris?")))
    got = replay.send(rt.create_response())
    assert shape(got, "ga") == FUNCTION_CALL_RESPONSE
    item_done = only(got, "conversation.item.done")["item"]
    assert item_done == only(got, "response.output_item.done")["item"]
    assert item_done["type"] == "function_call" and item_done["status"] == "completed"


def test_the_legacy_beta_dialect_keeps_the_beta_capture_s_order() -> None:
    replay = Replay("beta")
    assert types(replay.send(rt.create_item(rt.user_text("Hi")))) == [
        "conversation.item.created"]
    got = replay.send(rt.create_response(output_modalities=["text"]))
    assert shape(got, "beta") == BETA_TEXT_RESPONSE


# -- obfuscation -----------------------------------------------------------------------------

PADDED = ("response.output_text.delta", "response.output_audio_transcript.delta",
          TRANSCRIPT_DELTA)


def _padded_turns(dialect: rt.Dialect, seed: int) -> list[JSON]:
    """A text reply, an audio reply and a transcribed audio turn."""
    replay = Replay(dialect, seed=seed)
    if dialect == "ga":
        replay.update(audio={"input": {"transcription": {"model": "gpt-4o-transcribe"}}})
    else:
        replay.send(json.dumps({"type": "session.update", "session": {
            "input_audio_transcription": {"model": "gpt-4o-transcribe"}}}))
    replay.send(rt.create_item(rt.user_text("Hello there, how are you today?")))
    replay.send(rt.create_response(output_modalities=["text"]))
    replay.send(rt.create_response(output_modalities=["audio"]))
    replay.send(speech())
    return replay.events


def test_every_text_delta_carries_obfuscation_and_a_seed_repeats_it() -> None:
    events = _padded_turns("ga", seed=3)
    assert {event["type"] for event in events} >= set(PADDED)
    for event in events:
        if event["type"] in PADDED:
            padding = event["obfuscation"]
            assert len(padding) <= OBFUSCATION_MAX_CHARS
            assert padding == "" or (padding.isascii() and padding.isalnum()), padding
        else:  # audio and function-call argument deltas, and everything else: none
            assert "obfuscation" not in event, event

    def paddings(seed: int) -> list[str]:
        return [e["obfuscation"] for e in _padded_turns("ga", seed) if "obfuscation" in e]

    first = paddings(3)
    assert paddings(3) == first  # same seed, same strings
    assert paddings(4) != first
    assert len(set(map(len, first))) > 3  # of random length


def test_beta_deltas_carry_no_obfuscation() -> None:
    assert not [event for event in _padded_turns("beta", seed=3) if "obfuscation" in event]


@pytest.mark.parametrize("sample", [
    {"type": "response.output_text.delta", "event_id": "event_1", "response_id": "resp_1",
     "item_id": "item_1", "output_index": 0, "content_index": 0, "delta": "Hi",
     "obfuscation": "A5Nj2cC01aseXj"},
    {"type": "response.output_audio_transcript.delta", "event_id": "event_2",
     "response_id": "resp_1", "item_id": "item_1", "output_index": 0, "content_index": 0,
     "delta": "It's", "obfuscation": "Gq8eMx1bRt"},
    {"type": TRANSCRIPT_DELTA, "event_id": "event_3", "item_id": "item_1", "content_index": 0,
     "delta": "Hello", "obfuscation": "hbKWaqwA7ya"},
], ids=lambda sample: sample["type"])
def test_the_wire_models_keep_obfuscation(sample: JSON) -> None:
    event = rt.parse_server_event(json.dumps(sample))
    assert not isinstance(event, rt.UnknownServerEvent)
    assert getattr(event, "obfuscation") == sample["obfuscation"]  # noqa: B009
    assert json.loads(event.to_json()) == sample
    assert rt.parse_server_event(event.to_json()) == event
    # Beta never had the field: written as beta, it is refused rather than dropped.
    with pytest.raises(rt.EventValidationError, match="obfuscation"):
        event.to_json("beta")


# -- (e) a VAD turn with input transcription -----------------------------------------------------


def test_the_transcript_runs_beside_the_response_and_comes_late() -> None:
    replay = Replay(script=Script(transcripts=["Hello from the Gateway Probe."]))
    replay.update(audio={"input": {"transcription": {"model": "gpt-4o-mini-transcribe"}}})
    got = replay.send(speech())
    kinds = types(got)
    assert kinds[:5] == VAD_COMMIT
    created = kinds.index("response.created")
    first_delta = kinds.index(TRANSCRIPT_DELTA)
    assert created < first_delta < kinds.index(TRANSCRIPT_COMPLETED)
    # The transcript is a stream of its own, due about a second after the commit at
    # real-time pace (the response began at once).
    at = replay.at[len(replay.events) - len(got):]
    assert at[created] == 0.0 and 900 <= at[first_delta] <= 1200
    deltas = [e for e in got if e["type"] == TRANSCRIPT_DELTA]
    completed = only(got, TRANSCRIPT_COMPLETED)
    assert "".join(e["delta"] for e in deltas) == completed["transcript"]
    assert len(deltas) == len(completed["transcript"].split(" "))
    assert completed["usage"]["type"] == "tokens"
    assert completed["usage"]["total_tokens"] == (
        completed["usage"]["input_tokens"] + completed["usage"]["output_tokens"])
    # The item carries the transcript once completed has been sent.
    item = replay.session.conversation.get(completed["item_id"])
    assert item.content[0].transcript == completed["transcript"]  # type: ignore[union-attr]


def test_whisper_sends_one_delta_then_completed_with_duration_usage() -> None:
    replay = Replay(script=Script(transcripts=["Hello from the Gateway Probe."]))
    replay.update(audio={"input": {"transcription": {"model": "whisper-1"},
                                   "turn_detection": None}})
    replay.send(rt.append_audio(synthesize("Hello from the gateway probe.")))
    got = replay.send(rt.commit_audio())
    assert types(got) == ["input_audio_buffer.committed", *USER_TEXT_ITEM, TRANSCRIPT_DELTA,
                          TRANSCRIPT_COMPLETED]
    assert got[3]["delta"] == got[4]["transcript"] == "Hello from the Gateway Probe."
    seconds = got[4]["usage"]["seconds"]
    assert got[4]["usage"] == {"type": "duration", "seconds": seconds} and 1 < seconds < 3


async def _vad_turn_with_transcription(pace: str) -> list[JSON]:
    """A VAD turn, transcribed, answered in text; every event up to the transcript's end
    and the response's rate limits."""
    async with MockServer(seed=1, pace=pace, script=SHORT) as server, \
            connect(server.url, max_size=None) as ws:
        assert json.loads(await ws.recv())["type"] == "session.created"
        await ws.send(rt.session_update({
            "output_modalities": ["text"],
            "audio": {"input": {"transcription": {"model": "gpt-4o-mini-transcribe"}}},
        }).to_json())
        assert json.loads(await ws.recv())["type"] == "session.updated"
        pcm = speech_with_silence("Hello from the gateway probe.", lead_ms=600, tail_ms=800)
        for start in range(0, len(pcm), 2400):  # 100 ms per append, as fast as it goes
            await ws.send(rt.append_audio(pcm[start:start + 2400]).to_json())
        events: list[JSON] = []
        while not {TRANSCRIPT_COMPLETED, "rate_limits.updated"} <= set(types(events)):
            events.append(json.loads(await ws.recv()))
        return events


def test_at_fast_pace_the_transcript_still_comes_after_response_created() -> None:
    events = asyncio.run(asyncio.wait_for(_vad_turn_with_transcription("fast"), TIMEOUT_S))
    kinds = types(events)
    assert kinds[:5] == VAD_COMMIT
    assert kinds[5] == "response.created"  # the response's head goes out first
    assert kinds.index("response.created") < kinds.index(TRANSCRIPT_DELTA)


def test_at_realtime_pace_the_transcript_comes_after_a_short_reply() -> None:
    # About a second after the commit: a three-word reply is done well before it.
    events = asyncio.run(asyncio.wait_for(_vad_turn_with_transcription("realtime"), TIMEOUT_S))
    kinds = types(events)
    assert kinds[:5] == VAD_COMMIT
    response = kinds[5:kinds.index("rate_limits.updated") + 1]
    assert shape(events[5:5 + len(response)], "ga") == CAPTURED_TEXT_RESPONSE
    assert set(kinds[len(response) + 5:]) == {TRANSCRIPT_DELTA, TRANSCRIPT_COMPLETED}
    assert kinds[-1] == TRANSCRIPT_COMPLETED


# -- probe 7: a transcription session ----------------------------------------------------------


def test_probe_7_transcription_session_replayed() -> None:
    replay = Replay(transcription=True, script=Script(transcripts=[
        "Hello from the Gateway Probe."]))
    created = replay.events[0]["session"]
    assert created == {
        "type": "transcription", "object": "realtime.transcription_session",
        "id": created["id"], "expires_at": created["expires_at"],
        "audio": {"input": {"format": {"type": "audio/pcm", "rate": 24000},
                            "transcription": None, "noise_reduction": None,
                            "turn_detection": {"type": "server_vad", "threshold": 0.5,
                                               "prefix_padding_ms": 300,
                                               "silence_duration_ms": 200}}},
        "include": None}
    updated = only(replay.update(audio={"input": {
        "format": {"type": "audio/pcm", "rate": 24000},
        "transcription": {"model": "gpt-4o-mini-transcribe"},
        "turn_detection": {"type": "server_vad"}}}), "session.updated")["session"]
    assert updated["audio"]["input"]["transcription"] == {"model": "gpt-4o-mini-transcribe"}
    assert updated["audio"]["input"]["turn_detection"] == created["audio"]["input"][
        "turn_detection"]
    # 1.63 s of speech in 100 ms appends, committed by the client before any silence.
    pcm = synthesize("Hello from the gateway probe.")
    for start in range(0, len(pcm), 2400):
        replay.send(rt.append_audio(pcm[start:start + 2400]))
    replay.send(rt.commit_audio())

    assert shape(replay.events, "ga") == [
        "session.created", "session.updated", "input_audio_buffer.speech_started",
        "input_audio_buffer.committed", *USER_TEXT_ITEM, TRANSCRIPT_DELTA,
        TRANSCRIPT_COMPLETED]  # and no rate_limits.updated, ever
    item = only(replay.events, "conversation.item.done")["item"]
    assert item["content"] == [{"type": "input_audio", "transcript": None}]
    completed = replay.events[-1]
    assert completed["transcript"] == "Hello from the Gateway Probe."
    usage = completed["usage"]
    assert usage == {"type": "tokens", "total_tokens": usage["total_tokens"],
                     "input_tokens": usage["input_tokens"],
                     "input_token_details": {"text_tokens": 0,
                                             "audio_tokens": usage["input_tokens"]},
                     "output_tokens": usage["output_tokens"]}
    assert 14 <= usage["input_tokens"] <= 18  # live: 16 audio tokens for 1.63 s


def _transcribed_nothing(replay: Replay) -> list[JSON]:
    """Commit a spoken turn (manually) and return what came back."""
    replay.send(rt.append_audio(synthesize("Is anybody transcribing this?")))
    return replay.send(rt.commit_audio())


def test_a_transcription_session_transcribes_nothing_until_a_model_is_set() -> None:
    replay = Replay(transcription=True)
    assert types(_transcribed_nothing(replay)) == ["input_audio_buffer.committed",
                                                   *USER_TEXT_ITEM]
    replay.update(audio={"input": {"transcription": {"model": "gpt-4o-transcribe"}}})
    assert TRANSCRIPT_COMPLETED in types(_transcribed_nothing(replay))


def test_probe_7b_the_beta_transcription_event_is_an_unknown_type() -> None:
    replay = Replay(transcription=True)
    got = replay.send(json.dumps({"type": "transcription_session.update", "session": {
        "input_audio_format": "pcm16",
        "input_audio_transcription": {"model": "gpt-4o-mini-transcribe"}}}))
    assert [event["error"] for event in got] == [unknown_type_error(
        "transcription_session.update")]
    assert types(replay.send('{"type":"session.update","session":{"type":"transcription"}}')) == [
        "session.updated"]


def test_probe_7d_a_16_khz_rate_is_refused_and_the_whole_update_discarded() -> None:
    replay = Replay(transcription=True)
    before = replay.session.session
    got = replay.update(audio={"input": {"format": {"type": "audio/pcm", "rate": 16000},
                                         "transcription": {"model": "gpt-4o-mini-transcribe"}}})
    assert [event["error"] for event in got] == [{
        "type": "invalid_request_error", "code": "integer_below_min_value",
        "message": "Invalid 'session.audio.input.format.rate': integer below minimum value."
                   " Expected a value >= 24000, but got 16000 instead.",
        "param": "session.audio.input.format.rate", "event_id": None}]
    assert replay.session.session == before  # no transcription model either
    assert types(_transcribed_nothing(replay)) == ["input_audio_buffer.committed",
                                                   *USER_TEXT_ITEM]


# -- (i) errors, one by one ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["nope", "output_audio_buffer.clear",
                                  "transcription_session.update", "session.close"])
def test_an_event_type_the_websocket_does_not_take(kind: str) -> None:
    replay = Replay()
    got = replay.send(json.dumps({"type": kind, "event_id": "evt_1"}))
    assert [event["error"] for event in got] == [{**unknown_type_error(kind),
                                                  "event_id": "evt_1"}]


@pytest.mark.parametrize("frame", ["not json", '{"type": "response.create"', "[1]", ""])
def test_a_text_frame_that_is_not_a_json_object(frame: str) -> None:
    (error,) = [event["error"] for event in Replay().send(frame)]
    assert (error["code"], error["param"], error["event_id"]) == ("invalid_json", None, None)
    assert error["message"].startswith("Invalid event: failed to parse JSON value. ")
    assert len(error["message"]) > len("Invalid event: failed to parse JSON value. ")


def test_a_rate_above_24000_is_refused_too() -> None:
    replay = Replay()
    got = replay.update(audio={"output": {"format": {"type": "audio/pcm", "rate": 48000}}})
    (error,) = [event["error"] for event in got]
    assert (error["code"], error["param"]) == ("integer_above_max_value",
                                               "session.audio.output.format.rate")
    assert "Expected a value <= 24000, but got 48000 instead." in error["message"]


def test_a_binary_frame_is_refused_whatever_it_holds() -> None:
    async def scenario() -> list[JSON]:
        async with MockServer(seed=1) as server, connect(server.url) as ws:
            await ws.recv()  # session.created
            valid = rt.create_item(rt.user_text("Hi")).to_json().encode()
            replies = []
            for frame in (valid, bytes(64)):
                await ws.send(frame)  # bytes: a binary message
                replies.append(json.loads(await ws.recv()))
            await ws.send(valid.decode())  # the same event as text is served
            replies.append(json.loads(await ws.recv()))
            return replies

    first, second, served = asyncio.run(asyncio.wait_for(scenario(), TIMEOUT_S))
    assert first["error"] == second["error"] == BINARY_ERROR
    assert served["type"] == "conversation.item.added"


# -- the I/O of paced streams ----------------------------------------------------------------


def test_transcription_events_have_ids_and_times_like_any_stream() -> None:
    replay = Replay(script=Script(transcripts=["one two three"]))
    replay.update(audio={"input": {"transcription": {"model": "gpt-4o-transcribe"},
                                   "turn_detection": None}})
    replay.send(rt.append_audio(synthesize("one two three")))
    step = replay.session.receive(rt.commit_audio().to_json())
    (run,) = step.transcriptions
    assert step.streams == [run] and step.runs == []
    emits: list[Emit] = list(run.events())
    assert [type(emit.event) for emit in emits] == [
        se.InputAudioTranscriptionDelta] * 3 + [se.InputAudioTranscriptionCompleted]
    assert all(emit.event.event_id.startswith("event_") for emit in emits)
    times = [emit.at_ms for emit in emits]
    assert times == sorted(times) and times[0] >= 900


def _ids(replay: Replay) -> list[str]:
    """Every id in a text turn and an audio turn, in order."""
    replay.send(rt.create_item(rt.user_text("Hello there, how are you today?")))
    replay.send(rt.create_response(output_modalities=["text"]))
    replay.send(rt.create_response())
    text = json.dumps([{k: v for k, v in e.items() if k != "obfuscation"}
                       for e in replay.events])
    return re.findall(r"(?:event|item|resp|sess|conv)_[A-Za-z0-9]{21}", text)


def test_padding_never_changes_the_ids_a_seed_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    # The obfuscation strings come from a random stream of their own.
    padded = _ids(Replay(seed=9))
    monkeypatch.setattr(Obfuscator, "new", lambda self: "")
    assert _ids(Replay(seed=9)) == padded
