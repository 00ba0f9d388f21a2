"""Builders: what they produce, and every kind of bad input they refuse."""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np
import pytest

import realtime_nb as rt
from realtime_nb.builders import BUILDERS
from realtime_nb.wire import (
    CLIENT_EVENT_TYPES,
    VOICES,
    AudioConfig,
    AudioOutput,
    ConversationItemCreate,
    Session,
)

# -- what the builders make ----------------------------------------------------------------


def test_every_client_event_type_has_a_builder() -> None:
    assert set(BUILDERS) == set(CLIENT_EVENT_TYPES)


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (rt.clear_audio(), {"type": "input_audio_buffer.clear"}),
        (rt.commit_audio(), {"type": "input_audio_buffer.commit"}),
        (rt.clear_output_audio(), {"type": "output_audio_buffer.clear"}),
        (rt.delete_item("item_1"), {"type": "conversation.item.delete", "item_id": "item_1"}),
        (rt.retrieve_item("item_1"), {"type": "conversation.item.retrieve", "item_id": "item_1"}),
        (rt.truncate_item("item_1", 0, 1500),
         {"type": "conversation.item.truncate", "item_id": "item_1", "content_index": 0,
          "audio_end_ms": 1500}),
        (rt.cancel_response(), {"type": "response.cancel"}),
        (rt.cancel_response("resp_1"), {"type": "response.cancel", "response_id": "resp_1"}),
        (rt.create_response(), {"type": "response.create"}),
        (rt.create_item_after(rt.user_text("hi"), "root"),
         {"type": "conversation.item.create", "previous_item_id": "root",
          "item": {"type": "message", "role": "user",
                   "content": [{"type": "input_text", "text": "hi"}]}}),
    ],
)
def test_builders_produce_the_wire_shape(event: rt.ClientEvent, expected: dict[str, Any]) -> None:
    assert event.to_dict() == expected
    assert json.loads(event.to_json()) == expected
    assert event.event_id is None


def test_event_id_is_kept_and_with_event_id_returns_a_new_value() -> None:
    event = rt.commit_audio()
    tagged = event.with_event_id("evt_42")
    assert event.event_id is None and tagged.event_id == "evt_42"
    assert tagged.to_dict() == {"type": "input_audio_buffer.commit", "event_id": "evt_42"}
    assert rt.commit_audio(event_id="evt_7").event_id == "evt_7"
    with pytest.raises(AttributeError):
        tagged.event_id = "other"  # type: ignore[misc]


def test_typed_values_and_dicts_give_the_same_event() -> None:
    typed = rt.session_update(Session(audio=AudioConfig(output=AudioOutput(voice="cedar"))))
    plain = rt.session_update({"type": "realtime", "audio": {"output": {"voice": "cedar"}}})
    assert typed == plain
    assert rt.session_update({"audio": {"output": {"voice": "cedar"}}}) == plain


def test_item_helpers() -> None:
    assert rt.system_text("be kind").to_dict()["content"] == [
        {"type": "input_text", "text": "be kind"}]
    assert rt.assistant_text("ok").to_dict()["content"] == [{"type": "output_text", "text": "ok"}]
    out = rt.function_output("call_1", {"ok": True})
    assert out.to_dict() == {"type": "function_call_output", "call_id": "call_1",
                             "output": '{"ok": true}'}
    assert rt.function_output("call_1", "plain").output == "plain"
    audio = rt.user_audio(b"\x01\x00\x02\x00")
    assert audio.to_dict()["content"] == [{"type": "input_audio", "audio": "AQACAA=="}]


def test_create_response_takes_params_or_keywords() -> None:
    by_kw = rt.create_response(output_modalities=["text"], instructions="Short.")
    by_dict = rt.create_response({"output_modalities": ["text"], "instructions": "Short."})
    assert by_kw == by_dict
    with pytest.raises(rt.EventValidationError):
        rt.create_response({"instructions": "x"}, instructions="y")


# -- append_audio: every accepted audio form ------------------------------------------------


def test_append_audio_from_bytes_base64_and_arrays() -> None:
    pcm = np.array([0, 1, -1, 32767, -32768], dtype=np.int16)
    raw = pcm.astype("<i2").tobytes()
    encoded = base64.b64encode(raw).decode()
    expected = {"type": "input_audio_buffer.append", "audio": encoded}
    for form in (raw, bytearray(raw), memoryview(raw), encoded, pcm, pcm.astype(">i2")):
        event = rt.append_audio(form)  # big-endian int16 is swapped to little-endian
        assert event.audio == raw
        assert event.to_dict() == expected
        assert json.loads(event.to_json("beta")) == expected


def test_append_audio_converts_floats() -> None:
    floats = np.array([0.0, 1.0, -1.0, 0.5], dtype=np.float32)
    decoded = np.frombuffer(rt.append_audio(floats).audio, dtype="<i2")
    assert decoded.tolist() == [0, 32767, -32767, 16384]


# -- bad input: each raises EventValidationError naming the field ------------------------


@pytest.mark.parametrize(
    ("build", "param", "code"),
    [
        (lambda: rt.truncate_item("item_1", 0, -1), "audio_end_ms", "invalid_value"),
        (lambda: rt.truncate_item("item_1", -1, 10), "content_index", "invalid_value"),
        (lambda: rt.truncate_item("item_1", 0, "10"), "audio_end_ms", "invalid_type"),
        (lambda: rt.truncate_item("item_1", 0, 1.5), "audio_end_ms", "invalid_type"),
        (lambda: rt.truncate_item("item_1", True, 10), "content_index", "invalid_type"),
        (lambda: rt.truncate_item("", 0, 10), "item_id", "invalid_value"),
        (lambda: rt.delete_item(""), "item_id", "invalid_value"),
        (lambda: rt.retrieve_item(""), "item_id", "invalid_value"),
        (lambda: rt.retrieve_item(7), "item_id", "invalid_type"),
        (lambda: rt.cancel_response(""), "response_id", "invalid_value"),
        (lambda: rt.create_item_after(rt.user_text("x"), ""), "previous_item_id",
         "invalid_value"),
        (lambda: rt.commit_audio(event_id=""), "event_id", "invalid_value"),
        (lambda: rt.clear_audio().with_event_id(""), "event_id", "invalid_type"),
        (lambda: rt.append_audio(b"\x00\x01\x02"), "audio", "invalid_value"),
        (lambda: rt.append_audio("not base64!"), "audio", "invalid_value"),
        (lambda: rt.append_audio("AA=="), "audio", "invalid_value"),  # one byte: odd
        (lambda: rt.append_audio(12), "audio", "invalid_type"),
        (lambda: rt.append_audio(np.zeros((2, 4), dtype=np.int16)), "audio", "invalid_value"),
        (lambda: rt.append_audio(np.array([2.0])), "audio", "invalid_value"),
        (lambda: rt.append_audio(np.array([np.nan])), "audio", "invalid_value"),
        (lambda: rt.append_audio(np.zeros(4, dtype=np.int32)), "audio", "invalid_type"),
        (lambda: rt.user_text(None), "text", "invalid_type"),
        (lambda: rt.function_output("", "x"), "call_id", "invalid_value"),
        (lambda: rt.function_output("call_1", object()), "output", "invalid_type"),
        (lambda: rt.session_update("voice=alloy"), "session", "invalid_type"),
        (lambda: rt.session_update({"audio": {"output": {"voice": "nova"}}}),
         "session.audio.output.voice", "invalid_value"),
        (lambda: rt.session_update({"audio": {"output": {"speed": 2.0}}}),
         "session.audio.output.speed", "invalid_value"),
        (lambda: rt.session_update({"audio": {"input": {"format": {"type": "audio/pcm",
                                                                    "rate": 16000}}}}),
         "session.audio.input.format.rate", "invalid_value"),
        (lambda: rt.session_update({"audio": {"input": {"format": {"type": "pcm16"}}}}),
         "session.audio.input.format.type", "invalid_value"),
        (lambda: rt.session_update({"output_modalities": ["video"]}),
         "session.output_modalities[0]", "invalid_value"),
        (lambda: rt.session_update({"max_output_tokens": 0}), "session.max_output_tokens",
         "invalid_value"),
        (lambda: rt.session_update({"tools": [{"type": "function", "name": "f", "x": 1}]}),
         "session.tools[0].x", "unknown_parameter"),
        (lambda: rt.session_update({"type": "realtime", "voice": "alloy"}), "session.voice",
         "unknown_parameter"),
        (lambda: rt.session_update({"tools": [{"type": "function"}]}), "session.tools[0].name",
         "missing_required_parameter"),
        (lambda: rt.session_update({"tools": [{"type": "function", "name": "f"},
                                              {"type": "function", "description": "d"}]}),
         "session.tools[1].name", "missing_required_parameter"),
        (lambda: rt.session_update({"tools": [{"type": "function", "name": ""}]}),
         "session.tools[0].name", "invalid_value"),
        (lambda: rt.session_update({"tool_choice": {"type": "function"}}),
         "session.tool_choice.name", "missing_required_parameter"),
        (lambda: rt.create_response(tools=[{"type": "function"}]), "response.tools[0].name",
         "missing_required_parameter"),
        (lambda: rt.create_response(tool_choice={"type": "function"}),
         "response.tool_choice.name", "missing_required_parameter"),
        (lambda: rt.session_update({"tool_choice": "sometimes"}), "session.tool_choice",
         "invalid_value"),
        (lambda: rt.create_item({"type": "function_call_output", "output": "x"}),
         "item.call_id", "missing_required_parameter"),
        (lambda: rt.create_item({"type": "message", "role": "robot", "content": []}),
         "item.role", "invalid_value"),
        (lambda: rt.create_item({"type": "message", "role": "system",
                                 "content": [{"type": "input_audio", "audio": ""}]}),
         "item.content[0].type", "invalid_value"),
        (lambda: rt.create_item(42), "item", "invalid_type"),
        (lambda: rt.create_response(metadata={"k" * 65: "v"}), "response.metadata",
         "invalid_value"),
        (lambda: rt.create_response(metadata={str(i): "v" for i in range(17)}),
         "response.metadata", "invalid_value"),
        (lambda: rt.create_response(conversation=None), "response.conversation", "invalid_type"),
    ],
)
def test_bad_input_names_the_field(build: Any, param: str, code: str) -> None:
    with pytest.raises(rt.EventValidationError) as info:
        build()
    assert info.value.param == param
    assert info.value.code == code
    assert param in str(info.value) or param.split(".")[-1] in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("beta_session", "param", "ga"),
    [
        ({"voice": "alloy"}, "session.voice", "session.audio.output.voice"),
        ({"modalities": ["text"]}, "session.modalities", "session.output_modalities"),
        ({"input_audio_format": "pcm16"}, "session.input_audio_format",
         "session.audio.input.format"),
        ({"turn_detection": None}, "session.turn_detection",
         "session.audio.input.turn_detection"),
        ({"max_response_output_tokens": 50}, "session.max_response_output_tokens",
         "session.max_output_tokens"),
    ],
)
def test_beta_spellings_get_a_ga_hint(beta_session: dict[str, Any], param: str, ga: str) -> None:
    with pytest.raises(rt.EventValidationError) as info:
        rt.session_update(beta_session)
    assert info.value.param == param and info.value.code == "unknown_parameter"
    assert f"GA uses '{ga}'" in str(info.value)


def test_beta_spelling_in_response_gets_a_hint() -> None:
    with pytest.raises(rt.EventValidationError) as info:
        rt.create_response(voice="alloy")
    assert "GA uses 'response.audio.output.voice'" in str(info.value)


def test_unknown_voice_lists_the_voices() -> None:
    with pytest.raises(rt.EventValidationError) as info:
        rt.session_update({"audio": {"output": {"voice": "nova"}}})
    assert set(info.value.allowed or ()) == set(VOICES)
    for voice in VOICES:
        assert repr(voice) in str(info.value)


def test_bad_enum_lists_allowed_values() -> None:
    with pytest.raises(rt.EventValidationError) as info:
        rt.session_update({"audio": {"input": {"turn_detection": {"type": "semantic_vad",
                                                                    "eagerness": "eager"}}}})
    assert info.value.param == "session.audio.input.turn_detection.eagerness"
    assert info.value.allowed == ("auto", "high", "low", "medium")


def test_typed_values_are_revalidated() -> None:
    # msgspec constructors do not check types; the builder must, before anything is sent.
    bad = Session(audio=AudioConfig(output=AudioOutput(voice="nova")))  # type: ignore[arg-type]
    with pytest.raises(rt.EventValidationError) as info:
        rt.session_update(bad)
    assert info.value.param == "session.audio.output.voice"


def test_dialect_must_be_known() -> None:
    with pytest.raises(rt.EventValidationError) as info:
        rt.commit_audio().to_json("v2")  # type: ignore[arg-type]
    assert info.value.param == "dialect" and info.value.allowed == ("ga", "beta")


@pytest.mark.parametrize(
    ("event", "param"),
    [
        (rt.session_update({"truncation": "disabled"}), "session.truncation"),
        (rt.session_update({"audio": {"output": {"voice": {"id": "voice_123"}}}}),
         "session.audio.output.voice"),
        (rt.session_update({"audio": {"input": {"turn_detection": {
            "type": "server_vad", "idle_timeout_ms": 5000}}}}),
         "session.audio.input.turn_detection.idle_timeout_ms"),
        (rt.session_update({"tool_choice": {"type": "function", "name": "f"}}),
         "session.tool_choice"),
        (rt.create_item({"type": "message", "role": "user", "content": [
            {"type": "input_image", "image_url": "data:image/png;base64,AAAA"}]}),
         "item.content[0]"),
        (rt.create_response(reasoning={"effort": "low"}), "response.reasoning"),
    ],
)
def test_ga_only_fields_refuse_beta(event: rt.ClientEvent, param: str) -> None:
    event.to_dict("ga")  # fine in GA
    with pytest.raises(rt.EventValidationError) as info:
        event.to_json("beta")
    assert info.value.param == param
    assert info.value.code == "unsupported_in_dialect"


def test_beta_only_fields_refuse_ga() -> None:
    event = rt.session_update({"temperature": 0.7})
    assert event.to_dict("beta") == {"type": "session.update", "session": {"temperature": 0.7}}
    with pytest.raises(rt.EventValidationError) as info:
        event.to_json("ga")
    assert info.value.param == "session.temperature"


def test_created_item_is_typed() -> None:
    event = rt.create_item({"role": "user", "content": [{"type": "input_text", "text": "x"}]})
    assert isinstance(event, ConversationItemCreate)
    assert isinstance(event.item, rt.Message)
