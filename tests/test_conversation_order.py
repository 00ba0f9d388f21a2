"""The conversation state does not depend on the order events arrive in.

Recorded sessions of the mock (both dialects: text, speech with its transcript,
a function call and its output, input transcription, an out-of-band response, a
truncation) are replayed in other orders:

* **Allowed reorderings**: any interleaving that keeps each stream of deltas
  (one item's audio, text, transcript or arguments) and each voice turn's
  ``speech_started``, ``speech_stopped`` and ``committed`` in their own order,
  the other events moving freely, as the service's own orders differ (``conversation.item.done``
  before or after ``response.output_item.done``, input transcription before or
  after the response, ``rate_limits.updated`` anywhere). The state reached must
  be exactly the in-order one, audio bytes included.
* **Any permutation**: applying never raises, and what the ``.done`` events and
  items carry (ids and their order, roles, statuses, text, transcripts,
  arguments, outputs, the amount of audio, response statuses, speech turns) is
  the same as in order; deltas arriving after a ``.done`` change nothing. (Only
  server events move: the user's audio, which comes from the client's appends, is
  cut from them by the voice turn, whose events are kept in order above.)
* **Duplicates**: every event but the audio deltas applied twice changes nothing.
"""

from __future__ import annotations

import functools
from collections import deque
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import realtime_nb as rt
from realtime_nb.mock import Rule, Script
from realtime_nb.mock.speech import speech_with_silence
from tests.conversation_tapes import WEATHER_TOOL, Recorder, set_tools, snapshot

DIALECTS: tuple[rt.Dialect, ...] = ("ga", "beta")

_STREAMED = {
    "response.output_audio.delta": "audio",
    "response.output_text.delta": "text",
    "response.output_audio_transcript.delta": "transcript",
    "response.function_call_arguments.delta": "arguments",
    "conversation.item.input_audio_transcription.delta": "input transcript",
}


@functools.cache
def recording(dialect: rt.Dialect) -> tuple[str, ...]:
    """The server frames of a session that exercises every kind of item event."""
    recorder = Recorder(dialect, script=Script(
        rules=[Rule(match="weather", tool="get_weather", arguments={"city": "Paris"}),
               Rule(match="21", after_tool=True, reply="It is 21 degrees.")],
        transcripts=["hello there friend"]))
    set_tools(recorder, WEATHER_TOOL)
    recorder.send(rt.session_update({"audio": {"input": {"transcription": {
        "model": "gpt-4o-transcribe"}}}}))
    recorder.turn("What's the weather in Paris?", output_modalities=["text"])
    call_id = recorder.of_type("response.function_call_arguments.done")[0]["call_id"]
    recorder.send(rt.create_item(rt.function_output(call_id, '{"temp_c": 21}')))
    recorder.send(rt.create_response(output_modalities=["text"]))
    speech = speech_with_silence("hello there friend", lead_ms=300, tail_ms=700)
    for start in range(0, len(speech), 4800):
        recorder.send(rt.append_audio(speech[start:start + 4800]))
    recorder.send(rt.create_response(output_modalities=["text"], conversation="none"))
    spoken = recorder.of_type("response.output_item.done")[-2]["item"]["id"]
    recorder.send(rt.truncate_item(spoken, 0, 500))
    return tuple(recorder.server)


def events_of(dialect: rt.Dialect) -> list[Any]:
    return [rt.parse_server_event(frame, dialect) for frame in recording(dialect)]


def state(conversation: rt.Conversation, *, audio_bytes: bool) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "items": snapshot(conversation),
        "responses": sorted((r.id, r.status, r.out_of_band, tuple(sorted(r.output)))
                            for r in conversation.responses),
        "active": conversation.active_response,
        "speech": [(s.item_id, s.start_ms, s.end_ms) for s in conversation.speech],
    }
    if audio_bytes:
        shown["audio"] = [item.audio.to_bytes() if item.audio else None
                          for item in conversation.items if item.role == "assistant"]
    return shown


@functools.cache
def in_order(dialect: rt.Dialect, audio_bytes: bool) -> dict[str, Any]:
    return state(rt.Conversation.from_events(events_of(dialect), dialect),
                 audio_bytes=audio_bytes)


_TURN = {"input_audio_buffer.speech_started", "input_audio_buffer.speech_stopped",
         "input_audio_buffer.committed"}


def stream_of(event: Any, index: int) -> tuple[str, ...]:
    if event.type in _TURN:  # one voice turn's events come in this order
        return ("turn", event.item_id)
    kind = _STREAMED.get(event.type)
    if kind is None:
        return ("free", str(index))
    return (kind, event.item_id, str(getattr(event, "content_index", 0)))


@st.composite
def interleavings(draw: st.DrawFn, dialect: rt.Dialect) -> list[Any]:
    """The recording's events, each delta stream kept in order, everything else anywhere."""
    streams: dict[tuple[str, ...], deque[Any]] = {}
    for index, event in enumerate(events_of(dialect)):
        streams.setdefault(stream_of(event, index), deque()).append(event)
    keys = list(streams)
    merged = []
    while keys:
        position = draw(st.integers(0, len(keys) - 1))
        queue = streams[keys[position]]
        merged.append(queue.popleft())
        if not queue:
            keys.pop(position)
    return merged


def test_the_recordings_hold_every_kind_of_event() -> None:
    for dialect in DIALECTS:
        kinds = {event.type for event in events_of(dialect)}
        assert set(_STREAMED) <= kinds
        assert {"conversation.item.truncated", "input_audio_buffer.committed",
                "conversation.item.input_audio_transcription.completed"} <= kinds
        conversation = rt.Conversation.from_events(events_of(dialect), dialect)
        assert [r.out_of_band for r in conversation.responses].count(True) == 1
        roles = [item.role or item.type for item in conversation.items]
        assert roles == ["user", "function_call", "function_call_output", "assistant", "user",
                         "assistant"]


@settings(max_examples=60, deadline=None)
@given(data=st.data(), dialect=st.sampled_from(DIALECTS))
def test_allowed_reorderings_reach_exactly_the_same_state(data: st.DataObject,
                                                         dialect: rt.Dialect) -> None:
    events = data.draw(interleavings(dialect))
    conversation = rt.Conversation.from_events(events, dialect)
    assert state(conversation, audio_bytes=True) == in_order(dialect, True)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), dialect=st.sampled_from(DIALECTS))
def test_any_permutation_never_raises_and_keeps_what_the_done_events_say(
        data: st.DataObject, dialect: rt.Dialect) -> None:
    events = data.draw(st.permutations(events_of(dialect)))
    conversation = rt.Conversation()
    for event in events:
        conversation.received(event)
    assert state(conversation, audio_bytes=False) == in_order(dialect, False)


@settings(max_examples=20, deadline=None)
@given(dialect=st.sampled_from(DIALECTS), seed=st.randoms())
def test_duplicated_events_change_nothing(dialect: rt.Dialect, seed: Any) -> None:
    doubled = []
    for event in events_of(dialect):
        doubled.append(event)
        if event.type != "response.output_audio.delta" and seed.random() < 0.5:
            doubled.append(event)
    conversation = rt.Conversation.from_events(doubled, dialect)
    assert state(conversation, audio_bytes=True) == in_order(dialect, True)
