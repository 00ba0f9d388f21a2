"""Each dialect is read as strictly as the service reads it, and errors name what was sent.

* Beta JSON holding GA shapes (``session.type``, ``session.audio.*``,
  ``output_modalities``, object ``tool_choice``, GA content part types...) is
  refused with the service's codes, the path as sent, and the beta spelling:
  by :func:`realtime_nb.parse_client_event` and by the mock, which answers one
  ``error`` event, applies nothing and lives on.
* Errors found after beta -> GA translation name the beta path and value.
* GA JSON holding beta-only fields (``temperature``...) is refused the same way.
* Builders, which take beta-only fields to write beta events, say first that a
  field is beta-only.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import msgspec
import pytest
from openai.types.beta.realtime.error_event import ErrorEvent as BetaErrorEvent
from websockets.asyncio.client import connect

import realtime_nb as rt
from realtime_nb.mock import MockServer, MockSession
from realtime_nb.wire import ErrorEvent

JSON = dict[str, Any]
TIMEOUT_S = 30

WEATHER_TOOL: JSON = {
    "type": "function", "name": "get_weather", "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}


@dataclass(frozen=True)
class Refused:
    """A client event the service refuses, and the error it answers.

    ``says`` is a part of the message (the pointer to the right spelling, or the
    value as sent).
    """

    name: str
    event: JSON
    param: str
    code: str
    says: str = ""


def _session(**session: Any) -> JSON:
    return {"type": "session.update", "session": session}


def _response(**response: Any) -> JSON:
    return {"type": "response.create", "response": response}


def _item(role: str, *parts: JSON) -> JSON:
    return {"type": "conversation.item.create",
            "item": {"type": "message", "role": role, "content": list(parts)}}


# -- beta JSON with GA shapes --------------------------------------------------------------------

BETA_REFUSED = [
    # session.update: GA spellings and GA-only fields
    Refused("session.type", _session(type="realtime", instructions="Be brief."),
            "session.type", "unknown_parameter",
            "'session.type' is a GA-only field (beta has no type)."),
    Refused("session.audio.output.voice", _session(audio={"output": {"voice": "marin"}}),
            "session.audio", "unknown_parameter",
            "'session.audio.output.voice' is the GA spelling; beta uses 'session.voice'."),
    Refused("session.audio.input.format",
            _session(audio={"input": {"format": {"type": "audio/pcmu"}}}),
            "session.audio", "unknown_parameter",
            "'session.audio.input.format' is the GA spelling;"
            " beta uses 'session.input_audio_format'."),
    Refused("session.audio.several",
            _session(audio={"output": {"voice": "ash", "speed": 1.1}}),
            "session.audio", "unknown_parameter",
            "beta uses 'session.voice' for 'session.audio.output.voice',"
            " 'session.speed' for 'session.audio.output.speed'."),
    Refused("session.output_modalities", _session(output_modalities=["text"]),
            "session.output_modalities", "unknown_parameter",
            "'session.output_modalities' is the GA spelling; beta uses 'session.modalities'."),
    Refused("session.max_output_tokens", _session(max_output_tokens=200),
            "session.max_output_tokens", "unknown_parameter",
            "beta uses 'session.max_response_output_tokens'."),
    Refused("session.truncation", _session(truncation="auto"),
            "session.truncation", "unknown_parameter",
            "'session.truncation' is a GA-only field (beta has no truncation)."),
    # session.update: GA forms of beta fields
    Refused("session.input_audio_format.object",
            _session(input_audio_format={"type": "audio/pcm", "rate": 24000}),
            "session.input_audio_format", "invalid_type",
            "{'type': 'audio/pcm', 'rate': 24000} is the GA spelling; beta uses 'pcm16'."),
    Refused("session.voice.object", _session(voice={"id": "voice_123"}),
            "session.voice", "invalid_type", "Custom voices ({'id': ...}) exist only in GA."),
    Refused("session.tool_choice.object",
            _session(tools=[WEATHER_TOOL], tool_choice={"type": "function",
                                                        "name": "get_weather"}),
            "session.tool_choice", "invalid_type", "In beta, tool_choice is a plain string"),
    Refused("session.tools.mcp",
            _session(tools=[{"type": "mcp", "server_label": "docs"}]),
            "session.tools[0].type", "invalid_value", "Beta has function tools only."),
    Refused("session.turn_detection.idle_timeout_ms",
            _session(turn_detection={"type": "server_vad", "idle_timeout_ms": 5000}),
            "session.turn_detection.idle_timeout_ms", "unknown_parameter"),
    Refused("session.input_audio_noise_reduction.strength",
            _session(input_audio_noise_reduction={"type": "near_field", "strength": 0.5}),
            "session.input_audio_noise_reduction.strength", "unknown_parameter"),
    Refused("session.input_audio_transcription.languages",
            _session(input_audio_transcription={"model": "whisper-1", "languages": ["en"]}),
            "session.input_audio_transcription.languages", "unknown_parameter"),
    # response.create
    Refused("response.output_modalities", _response(output_modalities=["text"]),
            "response.output_modalities", "unknown_parameter",
            "'response.output_modalities' is the GA spelling; beta uses 'response.modalities'."),
    Refused("response.audio.output.voice", _response(audio={"output": {"voice": "ash"}}),
            "response.audio", "unknown_parameter",
            "'response.audio.output.voice' is the GA spelling; beta uses 'response.voice'."),
    Refused("response.max_output_tokens", _response(max_output_tokens=100),
            "response.max_output_tokens", "unknown_parameter",
            "beta uses 'response.max_response_output_tokens'."),
    Refused("response.reasoning", _response(reasoning={"effort": "low"}),
            "response.reasoning", "unknown_parameter",
            "'response.reasoning' is a GA-only field (beta has no reasoning)."),
    Refused("response.tool_choice.object",
            _response(tool_choice={"type": "function", "name": "get_weather"}),
            "response.tool_choice", "invalid_type", "In beta, tool_choice is a plain string"),
    Refused("response.input.output_text",
            _response(input=[{"type": "message", "role": "assistant",
                              "content": [{"type": "output_text", "text": "Hi"}]}]),
            "response.input[0].content[0].type", "invalid_value",
            "'output_text' is not allowed in an assistant message in beta; use 'text'."),
    Refused("response.input.assistant_audio",
            _response(input=[{"type": "message", "role": "assistant",
                              "content": [{"type": "audio", "transcript": "Hi"}]}]),
            "response.input[0].content[0].type", "invalid_value",
            "'audio' is not allowed in an assistant message in beta;"
            " expected one of 'text', 'item_reference'."),
    # conversation.item.create: content parts as beta names them for each role
    Refused("item.user.text", _item("user", {"type": "text", "text": "Hi"}),
            "item.content[0].type", "invalid_value",
            "Invalid 'item.content[0].type': 'text' is not allowed in a user message in beta;"
            " use 'input_text'."),
    Refused("item.user.audio", _item("user", {"type": "audio", "audio": "AAAA"}),
            "item.content[0].type", "invalid_value", "use 'input_audio'."),
    Refused("item.user.output_text", _item("user", {"type": "output_text", "text": "Hi"}),
            "item.content[0].type", "invalid_value", "use 'input_text'."),
    Refused("item.assistant.output_text",
            _item("assistant", {"type": "output_text", "text": "Hi"}),
            "item.content[0].type", "invalid_value", "use 'text'."),
    Refused("item.assistant.input_text",
            _item("assistant", {"type": "input_text", "text": "Hi"}),
            "item.content[0].type", "invalid_value", "use 'text'."),
    Refused("item.system.text", _item("system", {"type": "text", "text": "Be brief."}),
            "item.content[0].type", "invalid_value", "use 'input_text'."),
    Refused("item.system.audio", _item("system", {"type": "audio", "audio": "AAAA"}),
            "item.content[0].type", "invalid_value", "expected one of 'input_text'."),
    Refused("item.user.input_image",
            _item("user", {"type": "input_text", "text": "Look"},
                  {"type": "input_image", "image_url": "data:image/png;base64,AAAA"}),
            "item.content[1].type", "invalid_value",
            "Content parts of type 'input_image' exist only in GA."),
    Refused("item.mcp",
            {"type": "conversation.item.create",
             "item": {"type": "mcp_approval_response", "approval_request_id": "mcpr_1",
                      "approve": True}},
            "item.type", "invalid_value",
            "expected one of 'message', 'function_call', 'function_call_output'."),
    # Found by the GA models after translation: named as sent, in beta's spelling.
    Refused("after.turn_detection.type",
            _session(turn_detection={"silence_duration_ms": "long"}),
            "session.turn_detection.silence_duration_ms", "invalid_type",
            "'session.turn_detection.silence_duration_ms'"),
    Refused("after.voice.choice", _session(voice="nova"),
            "session.voice", "invalid_value", "Invalid value 'nova' for 'session.voice'"),
    Refused("session.modalities.element", _session(modalities=["text", "video"]),
            "session.modalities[1]", "invalid_value",
            "Invalid value 'video' for 'session.modalities[1]'; expected one of 'text', 'audio'."),
    Refused("after.modalities.empty", _session(modalities=[]),
            "session.modalities", "invalid_value", "'session.modalities'"),
    Refused("after.speed", _session(speed=9),
            "session.speed", "invalid_value", "'session.speed'"),
    Refused("after.max_response_output_tokens", _response(max_response_output_tokens=5000),
            "response.max_response_output_tokens", "invalid_value",
            "'response.max_response_output_tokens'"),
    Refused("after.unknown_in_tool", _session(tools=[{**WEATHER_TOOL, "strict": True}]),
            "session.tools[0].strict", "unknown_parameter",
            "Unknown parameter: 'session.tools[0].strict'."),
]


def _params(cases: list[Refused]) -> list[Any]:
    return [pytest.param(case, id=case.name) for case in cases]


def test_case_names_are_unique() -> None:
    assert len({case.name for case in BETA_REFUSED}) == len(BETA_REFUSED)


@pytest.mark.parametrize("case", _params(BETA_REFUSED))
def test_beta_parse_refuses_ga_shapes_naming_what_was_sent(case: Refused) -> None:
    with pytest.raises(rt.EventValidationError) as info:
        rt.parse_client_event(case.event, dialect="beta")
    error = info.value
    assert (error.param, error.code) == (case.param, case.code), error.message
    assert case.says in error.message
    assert error.message.count(f"'{case.param}'") >= 1  # the path as sent, quoted
    # The same JSON text parses the same way (the fast path for frames).
    with pytest.raises(rt.EventValidationError) as again:
        rt.parse_client_event(json.dumps(case.event), dialect="beta")
    assert again.value.message == error.message


def test_a_wrong_part_names_the_value_sent_not_its_translation() -> None:
    with pytest.raises(rt.EventValidationError) as info:
        rt.parse_client_event(_item("user", {"type": "text", "text": "Hi"}), dialect="beta")
    assert "output_text" not in info.value.message
    assert info.value.allowed == ("input_text", "input_audio", "item_reference")


@pytest.mark.parametrize("event", [
    _session(voice="marin", modalities=["text", "audio"], input_audio_format="g711_ulaw",
             turn_detection={"type": "server_vad", "silence_duration_ms": 400},
             tools=[WEATHER_TOOL],
             tool_choice="required", temperature=0.7, max_response_output_tokens="inf"),
    _response(modalities=["text"], voice="ash", tool_choice="none", temperature=0.9,
              input=[{"type": "item_reference", "id": "item_1"},
                     {"type": "message", "role": "assistant",
                      "content": [{"type": "text", "text": "Hi"}]}]),
    _item("user", {"type": "input_text", "text": "Hi"}, {"type": "input_audio", "audio": "AA=="}),
    _item("assistant", {"type": "text", "text": "Hello"}, {"type": "audio", "transcript": "x"}),
    _item("system", {"type": "input_text", "text": "Be brief."}),
], ids=["session", "response", "user", "assistant", "system"])
def test_beta_shapes_are_still_accepted(event: JSON) -> None:
    parsed = rt.parse_client_event(event, dialect="beta")
    assert parsed.to_dict("beta") == event


def test_ga_values_are_still_written_as_beta() -> None:
    event = rt.session_update({"output_modalities": ["text"],
                               "audio": {"output": {"voice": "ash"},
                                         "input": {"format": {"type": "audio/pcmu"}}}})
    beta = event.to_dict("beta")
    assert beta["session"] == {"modalities": ["text"], "voice": "ash",
                               "input_audio_format": "g711_ulaw"}
    assert rt.parse_client_event(beta, dialect="beta") == event


# -- GA JSON with beta-only fields ---------------------------------------------------------------

GA_REFUSED = [
    Refused("session.temperature", _session(type="realtime", temperature=0.8),
            "session.temperature", "unknown_parameter",
            "'session.temperature' is a beta-only field (GA has no temperature)."),
    Refused("session.client_secret",
            _session(type="realtime", client_secret={"expires_after": {"anchor": "created_at"}}),
            "session.client_secret", "unknown_parameter", "beta-only field"),
    Refused("transcription.modalities", _session(type="transcription", modalities=["text"]),
            "session.modalities", "unknown_parameter",
            "'session.modalities' is a beta-only field (GA has no modalities)."),
    Refused("response.temperature", _response(temperature=0.8),
            "response.temperature", "unknown_parameter",
            "'response.temperature' is a beta-only field (GA has no temperature)."),
    Refused("item.item_reference_part", _item("user", {"type": "item_reference", "id": "item_1"}),
            "item.content[0].type", "invalid_value",
            "Content parts of type 'item_reference' exist only in beta."),
    Refused("session.voice", _session(type="realtime", voice="ash"),
            "session.voice", "unknown_parameter",
            "'session.voice' is the beta spelling; GA uses 'session.audio.output.voice'."),
]


@pytest.mark.parametrize("case", _params(GA_REFUSED))
def test_ga_parse_refuses_beta_only_fields(case: Refused) -> None:
    with pytest.raises(rt.EventValidationError) as info:
        rt.parse_client_event(case.event)
    assert (info.value.param, info.value.code) == (case.param, case.code), info.value.message
    assert case.says in info.value.message


# -- the mock: one error event, nothing applied, the session lives on ----------------------------


def _snapshot(session: MockSession) -> tuple[bytes, list[bytes]]:
    return (msgspec.json.encode(session.session),
            [msgspec.json.encode(item) for item in session.conversation])


@pytest.mark.parametrize("case", _params(BETA_REFUSED))
def test_beta_mock_refuses_ga_shapes_and_lives_on(case: Refused) -> None:
    session = MockSession(dialect="beta", seed=3)
    session.opening()
    before = _snapshot(session)
    frame = json.dumps({**case.event, "event_id": "evt_bad"})
    step = session.receive(frame)
    assert step.runs == []
    assert [event.type for event in step.events] == ["error"]
    wire = json.loads(step.events[0].to_json("beta"))
    BetaErrorEvent.model_validate(wire)
    with pytest.raises(rt.EventValidationError) as parsed:
        rt.parse_client_event(frame, dialect="beta")
    assert wire["error"] == {"type": "invalid_request_error", "code": case.code,
                             "message": parsed.value.message, "param": case.param,
                             "event_id": "evt_bad"}
    assert _snapshot(session) == before
    # Alive: the next event is answered as usual.
    step = session.receive('{"type":"input_audio_buffer.clear"}')
    assert [event.type for event in step.events] == ["input_audio_buffer.cleared"]


@pytest.mark.parametrize("case", _params(GA_REFUSED))
def test_ga_mock_refuses_beta_only_fields(case: Refused) -> None:
    session = MockSession(seed=3)
    session.opening()
    before = _snapshot(session)
    step = session.receive(json.dumps({**case.event, "event_id": "evt_bad"}))
    (event,) = step.events
    assert isinstance(event, ErrorEvent)
    error = event.error
    assert (error.code, error.param, error.event_id) == (case.code, case.param, "evt_bad")
    assert _snapshot(session) == before


def test_beta_mock_over_the_wire_refuses_each_ga_shape_and_lives_on() -> None:
    async def scenario() -> list[tuple[JSON, JSON]]:
        replies = []
        async with MockServer(seed=1, legacy_beta=True) as server, connect(
                server.url, additional_headers={"OpenAI-Beta": "realtime=v1"}) as ws:
            for expected in ("session.created", "conversation.created"):
                assert json.loads(await ws.recv())["type"] == expected
            for index, case in enumerate(BETA_REFUSED):
                await ws.send(json.dumps({**case.event, "event_id": f"evt_{index}"}))
                refused = json.loads(await ws.recv())
                await ws.send('{"type":"input_audio_buffer.clear"}')
                replies.append((refused, json.loads(await ws.recv())))
        return replies

    replies = asyncio.run(asyncio.wait_for(scenario(), TIMEOUT_S))
    for index, (case, (refused, after)) in enumerate(zip(BETA_REFUSED, replies, strict=True)):
        assert refused["type"] == "error", case.name
        BetaErrorEvent.model_validate(refused)
        error = refused["error"]
        assert error["type"] == "invalid_request_error"
        assert (error["code"], error["param"], error["event_id"]) == (
            case.code, case.param, f"evt_{index}"), case.name
        assert case.says in error["message"]
        assert after["type"] == "input_audio_buffer.cleared", case.name  # the only reply


def test_beta_object_tool_choice_is_refused_then_the_session_goes_on() -> None:
    # Regression: the mock applied it, could not write session.updated in beta and
    # closed the connection with 1011.
    async def scenario() -> tuple[JSON, JSON]:
        async with MockServer(seed=1, legacy_beta=True) as server, connect(
                server.url, additional_headers={"OpenAI-Beta": "realtime=v1"}) as ws:
            for _ in range(2):
                await ws.recv()
            await ws.send(json.dumps({"type": "session.update", "event_id": "u1", "session": {
                "instructions": "Answer in French.", "tools": [WEATHER_TOOL],
                "tool_choice": {"type": "function", "name": "get_weather"}}}))
            refused = json.loads(await ws.recv())
            await ws.send(json.dumps({"type": "session.update", "session": {
                "tools": [WEATHER_TOOL], "tool_choice": "required"}}))
            return refused, json.loads(await ws.recv())

    refused, updated = asyncio.run(asyncio.wait_for(scenario(), TIMEOUT_S))
    assert refused["type"] == "error"
    assert {key: refused["error"][key] for key in ("type", "code", "param", "event_id")} == {
        "type": "invalid_request_error", "code": "invalid_type",
        "param": "session.tool_choice", "event_id": "u1"}
    assert updated["type"] == "session.updated"
    assert updated["session"]["tool_choice"] == "required"
    assert updated["session"]["tools"] == [WEATHER_TOOL]
    assert updated["session"]["instructions"] != "Answer in French."  # nothing applied


# -- builders: a beta-only field says so first ---------------------------------------------------


@pytest.mark.parametrize(("build", "param"), [
    (lambda: rt.create_response(temperature=0.5), "response.temperature"),
    (lambda: rt.create_response({"temperature": 2}), "response.temperature"),
    (lambda: rt.session_update({"temperature": 0.1}), "session.temperature"),
    (lambda: rt.session_update({"temperature": "warm"}), "session.temperature"),
    (lambda: rt.session_update({"client_secret": {"expires_after": {"anchor": "now"}}}),
     "session.client_secret.expires_after.anchor"),
])
def test_a_bad_beta_only_value_says_first_that_the_field_is_beta_only(
        build: Any, param: str) -> None:
    with pytest.raises(rt.EventValidationError) as info:
        build()
    field = ".".join(param.split(".")[:2])
    key = field.split(".")[1]
    assert info.value.param == param
    assert info.value.message.startswith(
        f"'{field}' is a beta-only field (GA has no {key}): send it on a beta session"
        " (dialect='beta') or remove it. Beta would refuse this value too: ")


def test_create_response_temperature_message() -> None:
    with pytest.raises(rt.EventValidationError) as info:
        rt.create_response(temperature=0.5)
    assert info.value.message == (
        "'response.temperature' is a beta-only field (GA has no temperature): send it on a"
        " beta session (dialect='beta') or remove it. Beta would refuse this value too:"
        " invalid value for 'response.temperature': expected `float` >= 0.6, got 0.5.")
    assert info.value.code == "invalid_value"


@pytest.mark.parametrize(("event", "param"), [
    (rt.create_response(temperature=0.8), "response.temperature"),
    (rt.session_update({"temperature": 0.8}), "session.temperature"),
])
def test_a_valid_beta_only_value_is_written_in_beta_and_refused_in_ga(
        event: rt.ClientEvent, param: str) -> None:
    key = param.split(".")[1]
    assert event.to_dict("beta")[param.split(".")[0]] == {key: 0.8}
    with pytest.raises(rt.EventValidationError) as info:
        event.to_json("ga")
    assert info.value.param == param and info.value.code == "unsupported_in_dialect"
    assert info.value.message == (
        f"'{param}' is a beta-only field (GA has no {key}): send it on a beta session"
        " (dialect='beta') or remove it.")


def test_other_bad_values_are_not_called_beta_only() -> None:
    with pytest.raises(rt.EventValidationError) as info:
        rt.create_response(max_output_tokens=0)
    assert "beta-only" not in info.value.message
