"""The conversation state replayed from sequences recorded on the mock, in both dialects.

Each test drives a :class:`~realtime_nb.mock.MockSession` without sockets
(:mod:`tests.conversation_tapes`), then replays the recording into a
:class:`~realtime_nb.Conversation` the way a session feeds it (client frames as
sent, server frames as received). No test depends on the order in which the mock
interleaves its events: what is checked is what the events say.
"""

from __future__ import annotations

import asyncio
import base64
import json
import wave
from pathlib import Path

import numpy as np
import pytest

import realtime_nb as rt
from realtime_nb.audio.g711 import pcm16_to_ulaw
from realtime_nb.mock import MockServer, Rule, Script
from realtime_nb.mock.speech import speech_with_silence
from tests.conversation_tapes import WEATHER_TOOL, Recorder, set_tools, snapshot

DIALECTS = ["ga", "beta"]


def ids(conversation: rt.Conversation) -> list[str]:
    return [item.id for item in conversation.items]


def created_id(recorder: Recorder, text: str) -> str:
    """The id the mock gave the user message ``text``."""
    for event in recorder.server_events():
        item = getattr(event, "item", None)
        if isinstance(item, rt.Message) and any(
                getattr(part, "text", None) == text for part in item.content):
            return str(item.id)
    raise AssertionError(f"no item says {text!r}")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_text_turn_and_a_spoken_turn(dialect: rt.Dialect) -> None:
    recorder = Recorder(dialect)
    recorder.turn("Hello there", output_modalities=["text"])
    recorder.turn("Say it aloud")
    conversation = recorder.conversation()
    user, text_reply, user2, spoken = conversation.items
    assert (user.role, user.type, user.status, user.text) == (
        "user", "message", "completed", "Hello there")
    assert text_reply.role == "assistant" and text_reply.status == "completed"
    assert text_reply.text == recorder.of_type("response.output_text.done")[0]["text"]
    assert user2.text == "Say it aloud"
    transcript = recorder.of_type("response.output_audio_transcript.done")[0]["transcript"]
    assert spoken.transcript == transcript and spoken.text == ""
    pcm = b"".join(base64.b64decode(e["delta"])
                   for e in recorder.of_type("response.output_audio.delta"))
    assert spoken.audio == rt.Audio.from_bytes(pcm)
    assert spoken.audio_ms == len(pcm) / 48
    first, second = conversation.responses
    assert (first.status, second.status) == ("completed", "completed")
    assert first.output == [text_reply.id] and second.output == [spoken.id]
    assert first.usage.total_tokens > 0 and not first.out_of_band
    assert first.request_event_id is not None and first.created_ms is not None
    assert second.first_audio_ms is not None and second.done_ms is not None
    assert 0 <= second.created_ms <= second.first_audio_ms <= second.done_ms
    assert conversation.active_response is None and conversation.orphans == 0
    assert spoken.response is second and conversation[spoken.id] is spoken


@pytest.mark.parametrize("dialect", DIALECTS)
def test_out_of_band_output_stays_out_of_the_items(dialect: rt.Dialect) -> None:
    recorder = Recorder(dialect)
    recorder.turn("Hello there", output_modalities=["text"])
    recorder.send(rt.create_response(output_modalities=["text"], conversation="none",
                                     metadata={"purpose": "summary"}))
    conversation = recorder.conversation()
    in_band, out_of_band = conversation.responses
    assert out_of_band.out_of_band and not in_band.out_of_band
    assert out_of_band.metadata == {"purpose": "summary"}
    (item_id,) = out_of_band.output
    assert item_id not in ids(conversation) and len(conversation) == 2
    assert conversation[item_id].text  # kept, just not in the conversation
    assert conversation.active_response is None


def test_out_of_band_is_known_from_the_request_when_the_response_does_not_say() -> None:
    recorder = Recorder()
    recorder.turn("Hello there", output_modalities=["text"])
    recorder.send(rt.create_response(output_modalities=["text"], conversation="none"))
    tape = rt.Tape()
    for direction, text in recorder.frames:  # a server that omits conversation_id
        if direction == "server" and '"conversation_id"' in text:
            event = json.loads(text)
            event["response"].pop("conversation_id")
            text = json.dumps(event)
        tape.add(direction, text)  # type: ignore[arg-type]
    conversation = rt.Conversation.from_tape(tape)
    assert [r.out_of_band for r in conversation.responses] == [False, True]
    assert len(conversation) == 2


@pytest.mark.parametrize("dialect", DIALECTS)
def test_previous_item_id_inserts_anywhere_and_deletion_removes(dialect: rt.Dialect) -> None:
    recorder = Recorder(dialect)
    for text in ("first", "second"):
        recorder.send(rt.create_item(rt.user_text(text)))
    first, second = created_id(recorder, "first"), created_id(recorder, "second")
    recorder.send(rt.create_item_after(rt.user_text("between"), first))
    recorder.send(rt.create_item_after(rt.system_text("at the start"), "root"))
    conversation = recorder.conversation()
    assert [item.text for item in conversation.items] == [
        "at the start", "first", "between", "second"]
    recorder.send(rt.delete_item(second))
    conversation = recorder.conversation()
    assert second not in ids(conversation) and conversation[second].deleted
    mock_order = [item.id for item in recorder.mock.conversation]
    assert ids(conversation) == mock_order


@pytest.mark.parametrize("dialect", DIALECTS)
def test_truncation_cuts_the_audio_and_drops_the_transcript(dialect: rt.Dialect) -> None:
    recorder = Recorder(dialect)
    recorder.turn("Tell me a story")
    spoken = recorder.conversation().items[-1]
    assert spoken.transcript and spoken.audio_ms > 1000
    recorder.send(rt.truncate_item(spoken.id, 0, 1000))
    conversation = recorder.conversation()
    cut = conversation[spoken.id]
    assert cut.truncated and cut.transcript == "" and cut.audio_ms == 1000
    assert cut.audio is not None and cut.audio.duration_ms == 1000
    recorder.send(rt.retrieve_item(spoken.id))  # the server's copy: cut the same way
    again = recorder.conversation()[spoken.id]
    assert again.audio == cut.audio and again.transcript == ""


@pytest.mark.parametrize("dialect", DIALECTS)
def test_cancel_mid_response(dialect: rt.Dialect) -> None:
    recorder = Recorder(dialect)
    recorder.send(rt.create_item(rt.user_text("Tell me a long story")))
    (run,) = recorder.send(rt.create_response(), stream=False)
    events = recorder.stream_until(run, "response.output_audio.delta")
    live = recorder.conversation()
    assert live.active_response == run.id
    partial = live.items[-1]
    assert partial.status == "in_progress" and partial.audio_ms > 0
    recorder.send(rt.cancel_response())
    recorder.stream(run, events=events)
    conversation = recorder.conversation()
    response = conversation.response(run.id)
    assert response.status == "cancelled" and response.status_details.reason == "client_cancelled"
    assert conversation.active_response is None
    assert conversation[partial.id].status == "incomplete"


def test_barge_in_cancels_with_turn_detected_and_the_user_turn_follows() -> None:
    recorder = Recorder()
    recorder.send(rt.create_item(rt.user_text("Tell me a long story")))
    (run,) = recorder.send(rt.create_response(), stream=False)
    events = recorder.stream_until(run, "response.output_audio.delta")
    speech = speech_with_silence("and now I interrupt you", lead_ms=100, tail_ms=900)
    for start in range(0, len(speech), 2400):
        recorder.send(rt.append_audio(speech[start:start + 2400]), stream=False)
    recorder.stream(run, events=events)
    conversation = recorder.conversation()
    assert conversation.response(run.id).status_details.reason == "turn_detected"
    (segment,) = conversation.speech
    user = conversation[segment.item_id]
    assert user.role == "user" and user.audio_ms > 0 and segment.end_ms is not None
    (cut,) = conversation.response(run.id).output
    assert ids(conversation).index(user.id) == ids(conversation).index(cut) + 1
    assert user.audio_ms == pytest.approx(segment.duration_ms, abs=1)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_function_call_and_its_output_are_linked(dialect: rt.Dialect) -> None:
    recorder = Recorder(dialect, script=Script(rules=[
        Rule(match="weather", tool="get_weather", arguments={"city": "Paris"})]))
    set_tools(recorder, WEATHER_TOOL)
    recorder.turn("What's the weather in Paris?", output_modalities=["text"])
    call = recorder.conversation().items[-1]
    assert (call.type, call.name, json.loads(call.arguments or "")) == (
        "function_call", "get_weather", {"city": "Paris"})
    assert call.output is None and call.call_id
    recorder.send(rt.create_item(rt.function_output(call.call_id, '{"temp_c": 21}')))
    conversation = recorder.conversation()
    call, answer = conversation.items[-2:]
    assert answer.type == "function_call_output" and answer.output == '{"temp_c": 21}'
    assert call.output == '{"temp_c": 21}'


@pytest.mark.parametrize("dialect", DIALECTS)
def test_orphan_deltas_are_kept_and_counted(dialect: rt.Dialect) -> None:
    recorder = Recorder(dialect)
    recorder.turn("Hello there", output_modalities=["text"])
    dropped = {"response.created", "response.output_item.added", "conversation.item.added",
               "conversation.item.created", "response.content_part.added"}
    kept = [text for text in recorder.server
            if rt.parse_server_event(text, dialect).type not in dropped]
    conversation = rt.Conversation.from_events(kept, dialect)
    assert conversation.orphans >= 1
    reply = recorder.of_type("response.output_text.done")[0]
    placeholder = conversation[reply["item_id"]]
    assert placeholder.text == reply["text"] and placeholder.role == "assistant"
    # response.done names the item as its output: it is in the conversation.
    assert ids(conversation)[-1] == reply["item_id"]
    # A delta for an item and a response never announced at all.
    conversation.apply({"type": "response.output_text.delta", "event_id": "e", "delta": "x",
                        "response_id": "resp_x", "item_id": "item_x", "output_index": 0,
                        "content_index": 3})
    assert conversation["item_x"].text == "x" and "item_x" not in ids(conversation)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_user_audio_from_voice_activity_and_from_a_manual_commit(dialect: rt.Dialect) -> None:
    recorder = Recorder(dialect, script=Script(transcripts=["hello there friend"]))
    recorder.send(rt.session_update({"audio": {"input": {"transcription": {
        "model": "gpt-4o-transcribe"}}}}))
    speech = speech_with_silence("hello there friend", lead_ms=500, tail_ms=800)
    for start in range(0, len(speech), 2400):
        recorder.send(rt.append_audio(speech[start:start + 2400]))
    conversation = recorder.conversation()
    user, reply = conversation.items
    (segment,) = conversation.speech
    assert user.transcript == "hello there friend"  # arrived after response.created
    assert user.audio_ms == segment.duration_ms and user.audio is not None
    samples = user.audio.samples
    expected = speech[segment.start_ms * 24: segment.end_ms * 24]  # type: ignore[operator]
    assert np.array_equal(samples, expected)
    assert reply.transcript and conversation.input_audio_ms < 1000  # the tail since commit
    recorder.send(rt.session_update({"audio": {"input": {"turn_detection": None}}}))
    recorder.send(rt.clear_audio())
    assert recorder.conversation().input_audio_ms == 0
    recorder.send(rt.append_audio(np.zeros(12_000, dtype=np.int16)))
    assert recorder.conversation().input_audio_ms == 500
    recorder.send(rt.commit_audio())
    conversation = recorder.conversation()
    assert conversation.input_audio_ms == 0 and conversation.items[-1].audio_ms == 500


def test_g711_formats_count_8_bytes_a_millisecond_and_decode_at_8_khz() -> None:
    recorder = Recorder()
    recorder.send(rt.session_update({"audio": {
        "input": {"format": {"type": "audio/pcmu"}, "turn_detection": None},
        "output": {"format": {"type": "audio/pcmu"}}}}))
    recorder.send(rt.append_audio(pcm16_to_ulaw(bytes(16_000))))  # 8,000 samples
    assert recorder.conversation().input_audio_ms == 1000
    recorder.send(rt.commit_audio())
    recorder.send(rt.create_response())
    user, spoken = recorder.conversation().items
    assert user.audio is not None and user.audio.rate == 8000
    assert user.audio.duration_ms == 1000
    assert spoken.audio is not None and spoken.audio.rate == 8000
    assert spoken.audio.duration_ms == spoken.audio_ms > 0


def test_markdown_export_of_a_small_conversation(tmp_path: Path) -> None:
    recorder = Recorder(script=Script(rules=[
        Rule(match="weather", tool="get_weather", arguments={"city": "Paris"}),
        Rule(match="21", after_tool=True, reply="It is 21 °C in Paris."),
        Rule(match="^Thanks", reply="You're welcome!")]))
    set_tools(recorder, WEATHER_TOOL)
    recorder.send(rt.create_item(rt.system_text("Answer in one sentence.")))
    recorder.turn("What's the weather in Paris?", output_modalities=["text"])
    call_id = recorder.of_type("response.function_call_arguments.done")[0]["call_id"]
    recorder.send(rt.create_item(rt.function_output(call_id, '{"temp_c": 21}')))
    recorder.send(rt.create_response(output_modalities=["text"]))
    recorder.turn("Thanks, say it aloud")
    conversation = recorder.conversation()
    spoken = conversation.items[-1]
    expected = f"""# Conversation

**System**: Answer in one sentence.

**User**: What's the weather in Paris?

**Tool call** `get_weather` (call_id `{call_id}`):

```json
{{
  "city": "Paris"
}}
```

**Tool output** (call_id `{call_id}`):

```json
{{
  "temp_c": 21
}}
```

**Assistant**: It is 21 °C in Paris.

**User**: Thanks, say it aloud

**Assistant** (audio {spoken.audio_ms:,.0f} ms): You're welcome!
"""
    assert conversation.to_markdown() == expected
    path = conversation.save(tmp_path / "chat.md")
    assert path.read_text(encoding="utf-8") == expected
    (wav,) = conversation.save_audio(tmp_path / "audio")
    assert wav.name == f"007-assistant-{spoken.id}.wav"
    with wave.open(str(wav)) as saved:
        assert saved.getframerate() == 24_000
        assert saved.readframes(saved.getnframes()) == spoken.audio.to_bytes()  # type: ignore[union-attr]


def test_the_same_conversation_live_and_from_the_saved_tape(tmp_path: Path) -> None:
    async def scenario() -> tuple[rt.Conversation, rt.Tape]:
        async with MockServer(seed=4) as mock, rt.connect(mock.url, record=True) as session:
            await session.say("Hello there", output_modalities=["text"])
            await session.say("And aloud")
            assert session.tape is not None
            return session.conversation, session.tape

    live, tape = asyncio.run(asyncio.wait_for(scenario(), 20))
    replayed = rt.Conversation.from_tape(tape.save(tmp_path / "run.jsonl"))
    assert snapshot(replayed) == snapshot(live) and len(live) == 4
    assert [r.status for r in replayed.responses] == ["completed", "completed"]
    assert all(r.done_ms is not None and r.done_ms >= 0 for r in replayed.responses)


def test_apply_never_raises_on_odd_sequences() -> None:
    conversation = rt.Conversation()
    odd = [
        {"type": "response.done", "event_id": "e1", "response": {"id": "resp_1"}},
        {"type": "conversation.item.deleted", "event_id": "e2", "item_id": "nope"},
        {"type": "conversation.item.truncated", "event_id": "e3", "item_id": "nope",
         "content_index": 0, "audio_end_ms": 10},
        {"type": "conversation.item.input_audio_transcription.delta", "event_id": "e4",
         "item_id": "user_1", "delta": "hi"},
        {"type": "input_audio_buffer.committed", "event_id": "e5", "item_id": "user_2"},
        {"type": "input_audio_buffer.speech_stopped", "event_id": "e6", "item_id": "u3",
         "audio_end_ms": 50},
        {"type": "response.created", "event_id": "e7", "response": {"id": "resp_1"}},
        {"type": "response.function_call_arguments.done", "event_id": "e8",
         "response_id": "resp_2", "item_id": "call_item", "output_index": 0,
         "call_id": "c1", "arguments": "{}"},
        {"type": "error", "event_id": "e9", "error": {"type": "server_error", "message": "x"}},
        {"type": "something.new", "event_id": "e10"},
    ]
    for event in odd:
        conversation.apply(event)
    assert conversation.active_response is None  # created after done: not active again
    assert conversation.response("resp_1").status is None
    assert conversation["call_item"].arguments == "{}" and conversation.orphans >= 3
    assert "nope" not in ids(conversation)
