"""The mock's protocol logic, driven directly (no sockets): what the service would do.

These tests cover behaviour that the SDK-driven tests do not reach easily:
barge-in, output caps, locked settings, G.711 input, transcription, scripts,
token accounting and determinism.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np
import pytest

import realtime_nb as rt
from realtime_nb.audio.g711 import pcm16_to_ulaw
from realtime_nb.mock import MockSession, Rule, Script
from realtime_nb.mock.responder import arguments_from_schema
from realtime_nb.mock.responses import AUDIO_CHUNK_MS
from realtime_nb.mock.speech import speech_duration_ms, speech_with_silence
from realtime_nb.wire import ItemReference

JSON = dict[str, Any]


class Driver:
    """Sends client events to a MockSession and keeps every server event as JSON."""

    def __init__(self, dialect: rt.Dialect = "ga", **options: Any) -> None:
        self.dialect = dialect
        self.session = MockSession(dialect=dialect, seed=5, **options)
        self.events: list[JSON] = [self._json(e) for e in self.session.opening()]

    def _json(self, event: Any) -> JSON:
        return json.loads(event.to_json(self.dialect))

    def send(self, event: Any, *, stream: bool = True) -> list[JSON]:
        frame = event if isinstance(event, (str, bytes)) else event.to_json(self.dialect)
        step = self.session.receive(frame)
        got = [self._json(e) for e in step.events]
        if stream:  # responses, then the input transcriptions that run beside them
            for run in step.streams:
                got += [self._json(emit.event) for emit in run.events()]
        self.events += got
        return got

    def turn(self, text: str, **response: Any) -> list[JSON]:
        self.send(rt.create_item(rt.user_text(text)))
        return self.send(rt.create_response(**response))


def types(events: list[JSON]) -> list[str]:
    return [e["type"] for e in events]


def only(events: list[JSON], kind: str) -> JSON:
    found = [e for e in events if e["type"] == kind]
    assert len(found) == 1, (kind, types(events))
    return found[0]


def audio_b64(samples: np.ndarray) -> str:
    return base64.b64encode(samples.astype("<i2").tobytes()).decode()


def test_same_seed_same_events() -> None:
    runs = []
    for _ in range(2):
        driver = Driver()
        driver.turn("Hello", output_modalities=["text"])
        runs.append(driver.events)
    assert runs[0] == runs[1]
    assert MockSession(seed=1).session.id != MockSession(seed=2).session.id


def test_refused_session_update_changes_nothing() -> None:
    driver = Driver()
    before = driver.session.session
    got = driver.send('{"type":"session.update","event_id":"u1","session":{"type":"realtime",'
                      '"instructions":"new","audio":{"output":{"voice":"marin","speed":9}}}}')
    error = only(got, "error")["error"]
    assert error["event_id"] == "u1"
    assert error["param"] == "session.audio.output.speed"
    assert driver.session.session == before


def _voice(name: str) -> rt.ClientEvent:
    return rt.session_update({"audio": {"output": {"voice": name}}})


def test_voice_is_locked_after_audio_and_model_cannot_change() -> None:
    driver = Driver()
    assert types(driver.send(_voice("marin"))) == ["session.updated"]
    driver.turn("Hi")  # an audio reply
    error = only(driver.send(_voice("cedar")), "error")["error"]
    assert error["code"] == "cannot_update_voice"
    assert driver.session.session.audio.output.voice == "marin"
    error = only(driver.send('{"type":"session.update","session":{"type":"realtime",'
                             '"model":"gpt-realtime-mini"}}'), "error")["error"]
    assert error["param"] == "session.model"


def test_barge_in_cancels_the_active_response_with_turn_detected() -> None:
    driver = Driver()
    driver.send(rt.create_item(rt.user_text("Tell me a long story")))
    step = driver.session.receive(rt.create_response().to_json())
    (run,) = step.runs
    stream = run.events()
    first = [json.loads(next(stream).event.to_json()) for _ in range(6)]
    assert "response.output_audio.delta" in types(first) or len(first) == 6
    speech = speech_with_silence("and now I interrupt you", lead_ms=100, tail_ms=0)
    heard = driver.send(rt.append_audio(speech), stream=False)
    assert types(heard) == ["input_audio_buffer.speech_started"]
    rest = [json.loads(emit.event.to_json()) for emit in stream]
    done = only(rest, "response.done")["response"]
    assert done["status"] == "cancelled"
    assert done["status_details"] == {"type": "cancelled", "reason": "turn_detected"}
    assert done["output"][0]["status"] == "incomplete"
    assert driver.session.active is None


def test_max_output_tokens_ends_incomplete() -> None:
    driver = Driver()
    got = driver.turn("Please repeat this rather long sentence back to me now",
                      output_modalities=["text"], max_output_tokens=5)
    done = only(got, "response.done")["response"]
    assert done["status"] == "incomplete"
    assert done["status_details"] == {"type": "incomplete", "reason": "max_output_tokens"}
    assert done["usage"]["output_tokens"] <= 5
    text = only(got, "response.output_text.done")["text"]
    assert text and "sentence" not in text


def test_usage_counts_grow_with_the_conversation_and_cache_after_1024_tokens() -> None:
    driver = Driver()
    first = only(driver.turn("word " * 10, output_modalities=["text"]), "response.done")
    second = only(driver.turn("word " * 10, output_modalities=["text"]), "response.done")
    u1, u2 = first["response"]["usage"], second["response"]["usage"]
    assert u2["input_tokens"] > u1["input_tokens"]  # the whole history is billed again
    assert u1["total_tokens"] == u1["input_tokens"] + u1["output_tokens"]
    assert u2["input_token_details"]["cached_tokens"] == 0  # below the cache threshold
    driver.turn("x" * 5000, output_modalities=["text"])
    fourth = only(driver.turn("again", output_modalities=["text"]), "response.done")
    details = fourth["response"]["usage"]["input_token_details"]
    assert details["cached_tokens"] >= 1024 and details["cached_tokens"] % 64 == 0
    assert details["cached_tokens"] <= fourth["response"]["usage"]["input_tokens"]


def test_g711_input_drives_the_vad() -> None:
    driver = Driver()
    update = '{"type":"session.update","session":{"type":"realtime","audio":{"input":' \
             '{"format":{"type":"audio/pcmu"}}}}}'
    assert types(driver.send(update)) == ["session.updated"]
    speech = speech_with_silence("hello over the phone", lead_ms=400, tail_ms=600)
    narrow = speech[: len(speech) // 3 * 3].reshape(-1, 3).mean(axis=1).astype("<i2")
    ulaw = pcm16_to_ulaw(narrow.tobytes())
    got = driver.send(json.dumps({"type": "input_audio_buffer.append",
                                  "audio": base64.b64encode(ulaw).decode()}))
    assert types(got)[:3] == ["input_audio_buffer.speech_started",
                              "input_audio_buffer.speech_stopped",
                              "input_audio_buffer.committed"]
    assert abs(got[0]["audio_start_ms"] - 100) <= 30  # 400 ms lead - 300 ms padding
    item = driver.session.conversation.get(got[2]["item_id"])
    assert len(base64.b64decode(item.content[0].audio)) % 8 == 0  # kept as 8 kHz G.711
    heard_ms = len(base64.b64decode(item.content[0].audio)) / 8  # 8 bytes per ms of G.711
    transcript = only(got, "response.output_audio_transcript.done")["transcript"]
    assert f"I heard {heard_ms / 1000:.1f} seconds" in transcript


def test_transcription_events_use_the_script_and_feed_the_reply() -> None:
    driver = Driver(script=Script(transcripts=["What is the capital of France?"]))
    driver.send('{"type":"session.update","session":{"type":"realtime","audio":{"input":'
                '{"transcription":{"model":"gpt-4o-transcribe"}}}}}')
    got = driver.send(rt.append_audio(speech_with_silence("anything at all")))
    completed = only(got, "conversation.item.input_audio_transcription.completed")
    assert completed["transcript"] == "What is the capital of France?"
    deltas = [e["delta"] for e in got
              if e["type"] == "conversation.item.input_audio_transcription.delta"]
    assert "".join(deltas) == completed["transcript"]
    assert completed["usage"]["type"] == "tokens"
    # The transcript runs beside the response and arrives after it started (§5 e).
    assert types(got).index("response.created") < \
        types(got).index("conversation.item.input_audio_transcription.delta")
    transcript = only(got, "response.output_audio_transcript.done")["transcript"]
    assert "capital of France" in transcript


def test_whisper_transcription_reports_duration_usage() -> None:
    driver = Driver()
    driver.send('{"type":"session.update","session":{"type":"realtime","audio":{"input":'
                '{"transcription":{"model":"whisper-1"},"turn_detection":null}}}}')
    driver.send(rt.append_audio(np.zeros(24_000, dtype=np.int16)))
    got = driver.send(rt.commit_audio())
    usage = only(got, "conversation.item.input_audio_transcription.completed")["usage"]
    assert usage == {"type": "duration", "seconds": 1.0}


def test_script_rules_and_callable() -> None:
    def respond(turn: Any) -> str | None:
        return "from the callable" if turn.user_text == "call me" else None

    script = Script(rules=[Rule(match=r"^ping$", reply="pong")], respond=respond)
    driver = Driver(script=script)
    assert only(driver.turn("ping", output_modalities=["text"]),
                "response.output_text.done")["text"] == "pong"
    assert only(driver.turn("call me", output_modalities=["text"]),
                "response.output_text.done")["text"] == "from the callable"
    assert "You said" in only(driver.turn("other", output_modalities=["text"]),
                              "response.output_text.done")["text"]


@pytest.mark.parametrize("dialect", ["ga", "beta"])
def test_function_call_then_output_then_reply(dialect: rt.Dialect) -> None:
    driver = Driver(dialect)
    tool = {"type": "function", "name": "get_weather", "description": "Weather for a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                           "required": ["city"]}}
    session = {"tools": [tool]} if dialect == "beta" else {"type": "realtime", "tools": [tool]}
    driver.send(json.dumps({"type": "session.update", "session": session}))
    got = driver.turn("What's the weather in Paris?")
    done = only(got, "response.function_call_arguments.done")
    assert json.loads(done["arguments"]) == {"city": "Paris"}
    assert ("name" in done) == (dialect == "ga")
    item = only(got, "response.output_item.done")["item"]
    assert item["type"] == "function_call" and item["status"] == "completed"
    driver.send(rt.create_item(rt.function_output(item["call_id"], '{"temp_c": 21}')))
    reply = driver.send(rt.create_response(output_modalities=["text"]))
    kind = "response.output_text.done" if dialect == "ga" else "response.text.done"
    assert "temp c 21" in only(reply, kind)["text"]


WEATHER_TOOL: JSON = {
    "type": "function", "name": "get_weather", "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                   "required": ["city"]}}

NAMELESS: JSON = {"type": "function", "description": "A tool with no name."}


def _session_update(dialect: rt.Dialect, event_id: str, **fields: Any) -> str:
    """A raw ``session.update`` frame, as a client of either dialect writes it."""
    session = fields if dialect == "beta" else {"type": "realtime", **fields}
    return json.dumps({"type": "session.update", "event_id": event_id, "session": session})


def _missing(param: str, event_id: str) -> JSON:
    """The service's error for a required parameter left out (protocol.md §5 i)."""
    return {"type": "invalid_request_error", "code": "missing_required_parameter",
            "message": f"Missing required parameter: '{param}'.", "param": param,
            "event_id": event_id}


# An object tool_choice exists only in GA; beta refuses it whole (invalid_type, see
# tests/test_dialect_strictness.py), so that row runs in GA only.
@pytest.mark.parametrize(("dialect", "fields", "param"), [
    *[(dialect, fields, param) for dialect in ("ga", "beta") for fields, param in [
        ({"tools": [NAMELESS]}, "session.tools[0].name"),
        ({"tools": [WEATHER_TOOL, NAMELESS]}, "session.tools[1].name"),
    ]],
    ("ga", {"tool_choice": {"type": "function"}}, "session.tool_choice.name"),
])
def test_a_nameless_function_in_session_update_is_refused_and_nothing_applies(
        dialect: rt.Dialect, fields: JSON, param: str) -> None:
    driver = Driver(dialect)
    before = driver.session.session
    assert isinstance(before, rt.Session)
    got = driver.send(_session_update(dialect, "u1", instructions="Answer in French.", **fields))
    assert types(got) == ["error"]  # no session.updated
    assert got[0]["error"] == _missing(param, "u1")
    assert driver.session.session == before
    # The session lives on; the instructions sent with the bad tool were not applied.
    got = driver.send(_session_update(dialect, "u2", tools=[WEATHER_TOOL]))
    session = only(got, "session.updated")["session"]
    assert session["instructions"] == before.instructions != "Answer in French."
    assert session["tools"] == [WEATHER_TOOL]
    assert session["tool_choice"] == "auto"


@pytest.mark.parametrize(("dialect", "response", "param"), [
    *[(dialect, response, param) for dialect in ("ga", "beta") for response, param in [
        ({"tools": [NAMELESS]}, "response.tools[0].name"),
        ({"tools": [WEATHER_TOOL, NAMELESS]}, "response.tools[1].name"),
    ]],
    ("ga", {"tool_choice": {"type": "function"}}, "response.tool_choice.name"),
])
def test_a_nameless_function_in_response_create_is_refused(
        dialect: rt.Dialect, response: JSON, param: str) -> None:
    driver = Driver(dialect)
    driver.send(rt.create_item(rt.user_text("What's the weather in Paris?")))
    got = driver.send(json.dumps({"type": "response.create", "event_id": "r1",
                                  "response": response}))
    assert types(got) == ["error"]  # no response.created
    assert got[0]["error"] == _missing(param, "r1")
    assert driver.session.active is None and not driver.session.runs
    got = driver.send(rt.create_response(tools=[WEATHER_TOOL]))
    done = only(got, "response.function_call_arguments.done")
    assert json.loads(done["arguments"]) == {"city": "Paris"}


CITY: JSON = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
ROUTE: JSON = {"type": "object", "properties": {"from": {"type": "string"},
                                                "to": {"type": "string"}}}


@pytest.mark.parametrize(("text", "city"), [
    ("What's the weather in Paris? Use get_weather.", "Paris"),
    ("Paris is nice?", "Paris"),  # a name opening a sentence
    ("Use get_weather for Berlin.", "Berlin"),  # after an imperative
    ("What's the weather in New York?", "New York"),
    ("Please, is it cold in Rio de Janeiro?", "Rio de Janeiro"),
    ("Hello! Weather for São Paulo, please.", "São Paulo"),
    ("Is it raining in Saint-Étienne today?", "Saint-Étienne"),
    ("Tell me about Paris's museums.", "Paris"),
    ("I\u2019m flying to Tokyo. Can you check?", "Tokyo"),  # a typographic apostrophe
    ('Can you call `GET_WEATHER` for "Lyon"?', "Lyon"),
    ("Compare Paris and Berlin", "Paris"),  # two names, one field: the first
    ("weather in paris please", "example"),  # no capitalised name: the placeholder
    ("what's the weather like?", "example"),
    ("WHAT'S THE WEATHER IN PARIS?", "example"),  # capitals everywhere say nothing
    ("", "example"),
])
def test_a_string_argument_is_the_first_name_in_the_user_s_words(text: str, city: str) -> None:
    assert arguments_from_schema(CITY, text) == {"city": city}


@pytest.mark.parametrize(("text", "route"), [
    ("Compare Paris and Berlin", {"from": "Paris", "to": "Berlin"}),
    ("Book a train from Paris to Berlin.", {"from": "Paris", "to": "Berlin"}),
    ("Paris to Paris? Yes, from Paris.", {"from": "Paris", "to": "example"}),  # each name once
    ("a train to berlin", {"from": "example", "to": "example"}),
])
def test_string_fields_take_the_names_in_turn(text: str, route: JSON) -> None:
    assert arguments_from_schema(ROUTE, text) == route


def test_response_input_with_unknown_call_id_is_refused() -> None:
    driver = Driver()
    bad = rt.create_response(input=[rt.function_output("call_nope", "{}")])
    error = only(driver.send(bad.with_event_id("r1")), "error")["error"]
    assert error["message"] == "Tool call ID 'call_nope' not found in conversation."
    assert error["event_id"] == "r1"
    assert driver.session.active is None


def test_out_of_band_response_with_item_reference_leaves_the_conversation_alone() -> None:
    driver = Driver()
    driver.send(rt.create_item(rt.user_text("remember me")))
    (first_id,) = [item.id for item in driver.session.conversation]
    got = driver.send(rt.create_response(conversation="none", output_modalities=["text"],
                                         metadata={"purpose": "summary"},
                                         input=[ItemReference(id=first_id)]))
    assert not [t for t in types(got) if t.startswith("conversation.item")]
    done = only(got, "response.done")["response"]
    assert done["conversation_id"] is None and done["metadata"] == {"purpose": "summary"}
    assert "remember me" in only(got, "response.output_text.done")["text"]
    assert len(driver.session.conversation) == 1


def test_assistant_audio_items_and_duplicate_ids_are_refused() -> None:
    driver = Driver()
    audio_item = ('{"type":"conversation.item.create","item":{"type":"message","role":'
                  '"assistant","content":[{"type":"output_audio","audio":"AAAA"}]}}')
    assert only(driver.send(audio_item), "error")["error"]["param"] == "item.content"
    driver.send(rt.create_item(rt.user_text("one")).to_json().replace(
        '"type":"message"', '"type":"message","id":"item_mine"'))
    again = rt.create_item(rt.user_text("two")).to_json().replace(
        '"type":"message"', '"type":"message","id":"item_mine"')
    assert only(driver.send(again), "error")["error"]["param"] == "item.id"
    assert len(driver.session.conversation) == 1


def test_truncate_keeps_the_heard_audio_and_drops_the_transcript() -> None:
    driver = Driver()
    got = driver.turn("Hello there, how are you today?")
    item_id = only(got, "response.output_item.done")["item"]["id"]
    deltas = [base64.b64decode(e["delta"]) for e in got if e["type"] ==
              "response.output_audio.delta"]
    assert len(deltas[0]) == AUDIO_CHUNK_MS * 48
    transcript = only(got, "response.output_audio_transcript.done")["transcript"]
    assert sum(map(len, deltas)) == speech_duration_ms(transcript) * 48
    got = driver.send(rt.truncate_item(item_id, 0, 250))
    assert types(got) == ["conversation.item.truncated"]
    retrieved = only(driver.send(rt.retrieve_item(item_id)), "conversation.item.retrieved")
    part = retrieved["item"]["content"][0]
    assert len(base64.b64decode(part["audio"])) == 250 * 48
    assert part["transcript"] == ""


def test_beta_transcription_session_update_is_refused_on_a_realtime_session() -> None:
    driver = Driver("beta")
    got = driver.send('{"type":"transcription_session.update","event_id":"t1",'
                      '"session":{"input_audio_format":"pcm16"}}')
    error = only(got, "error")["error"]
    assert error["param"] == "session.type" and error["event_id"] == "t1"


def test_output_audio_buffer_clear_is_not_a_websocket_event() -> None:
    # WebRTC and SIP only: the service's WebSocket list of event types leaves it out.
    driver = Driver()
    error = only(driver.send(rt.clear_output_audio().with_event_id("c1")), "error")["error"]
    assert error["event_id"] == "c1" and error["code"] == "invalid_value"
    assert error["message"].startswith("Invalid value: 'output_audio_buffer.clear'. Supported")
    assert "'output_audio_buffer.clear'" not in error["message"].split("Supported")[1]


def test_idle_timeout_commits_silence_and_prompts_the_model() -> None:
    driver = Driver()
    driver.send('{"type":"session.update","session":{"type":"realtime","audio":{"input":'
                '{"turn_detection":{"type":"server_vad","idle_timeout_ms":2000}}}}}')
    driver.turn("Hello", output_modalities=["text"])
    quiet = np.zeros(24 * 500, dtype=np.int16)  # 500 ms of silence per append
    got: list[JSON] = []
    for _ in range(3):
        got += driver.send(rt.append_audio(quiet))
    assert got == []  # 1.5 s: not idle long enough yet
    got = driver.send(rt.append_audio(quiet))
    triggered = only(got, "input_audio_buffer.timeout_triggered")
    assert triggered["audio_end_ms"] - triggered["audio_start_ms"] == 2000
    assert types(got)[:4] == ["input_audio_buffer.timeout_triggered",
                              "input_audio_buffer.committed", "conversation.item.added",
                              "conversation.item.done"]
    assert "response.done" in types(got)
    assert driver.send(rt.append_audio(quiet)) == []  # once per idle period


def test_scripted_transcript_is_what_the_model_hears_without_transcription() -> None:
    driver = Driver(script=Script(transcripts=["book a table for two"]))
    got = driver.send(rt.append_audio(speech_with_silence("whatever")))
    assert not [t for t in types(got) if "transcription" in t]
    assert "book a table for two" in only(got, "response.output_audio_transcript.done")[
        "transcript"]


def test_instructions_that_quote_a_line_are_obeyed() -> None:
    driver = Driver()
    got = driver.turn("Hi", output_modalities=["text"], instructions='Say "Welcome, class!"')
    assert only(got, "response.output_text.done")["text"] == "Welcome, class!"


def test_a_response_is_over_once_response_done_exists() -> None:
    # A client answering response.done with a new response.create must not be told
    # that the old one is still active, however late the server's stream resumes.
    driver = Driver()
    driver.send(rt.create_item(rt.user_text("Hi")))
    (run,) = driver.session.receive(rt.create_response(output_modalities=["text"]).to_json()).runs
    stream = run.events()
    for emit in stream:
        if emit.event.type == "response.done":
            break
    got = driver.send(rt.create_response(output_modalities=["text"]))
    assert "error" not in types(got)
    assert only(got, "response.done")["response"]["status"] == "completed"
    assert [emit.event.type for emit in stream] == ["rate_limits.updated"]


def test_ids_look_like_the_service_s_and_never_repeat() -> None:
    import re

    from realtime_nb.mock.ids import IdFactory

    ids = IdFactory(seed=9)
    made = [ids.new("event") for _ in range(5000)]  # several refills of the batch
    assert all(re.fullmatch(r"event_[A-Za-z0-9]{21}", i) for i in made)
    assert len(set(made)) == len(made)
    assert len({i[:14] for i in made}) == 1  # one session's ids share their start
    again = IdFactory(seed=9)
    assert [again.new("event") for _ in range(300)] == made[:300]


def test_a_huge_user_message_gets_a_bounded_reply() -> None:
    # Memory stays bounded: the echo is cut, and no response exceeds the model's 4,096 tokens.
    driver = Driver(script=Script(rules=[Rule(match="^long$", reply="word " * 50_000)]))
    got = driver.turn("y" * 1_000_000)
    transcript = only(got, "response.output_audio_transcript.done")["transcript"]
    assert len(transcript) < 300
    got = driver.turn("long", output_modalities=["text"])
    done = only(got, "response.done")["response"]
    assert done["status"] == "incomplete"
    assert done["status_details"]["reason"] == "max_output_tokens"
    assert done["usage"]["output_tokens"] <= 4096


def test_conversation_memory_is_bounded_by_size(monkeypatch: pytest.MonkeyPatch) -> None:
    from realtime_nb.mock import conversation

    monkeypatch.setattr(conversation, "MAX_BYTES", 5_000)
    driver = Driver()
    for index in range(10):
        driver.send(rt.create_item(rt.user_text(f"{index} " + "x" * 1_000)))
    kept = list(driver.session.conversation)
    assert 3 <= len(kept) < 10
    assert kept[-1].content[0].text.startswith("9 ")  # the newest stay, the oldest went
    assert driver.session.conversation._bytes <= 5_000


def test_tool_arguments_fill_optional_parameters_of_any_of_schemas() -> None:
    schema = {"type": "object", "properties": {
        "city": {"type": "string"},
        "days": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None},
        "unit": {"oneOf": [{"type": "null"}, {"enum": ["c", "f"]}]}}}
    assert arguments_from_schema(schema, "Weather in Paris for 3 days?") == {
        "city": "Paris", "days": 3, "unit": "c"}
