"""The strict client-event parser (what the mock server will use) and parser edge cases."""

from __future__ import annotations

import json
from typing import Any

import pytest

import realtime_nb as rt
from realtime_nb.codec import MAX_NESTING
from realtime_nb.wire import SessionUpdate, TranscriptionSession


@pytest.mark.parametrize(
    ("event", "param", "code"),
    [
        # The service's own wording for these is in protocol.md §5 (i).
        ({"type": "session.update", "session": {"instructions": "x"}}, "session.type",
         "missing_required_parameter"),
        ({"type": "session.update", "session": {"type": "realtime",
                                                "tools": [{}, {}, {"type": "function",
                                                                   "meta": 1}]}},
         "session.tools[2].meta", "unknown_parameter"),
        ({"type": "session.update", "session": {"type": "realtime", "tools": [
            {"type": "function", "description": "d" * 1025}]}},
         "session.tools[0].description", "string_above_max_length"),
        ({"type": "session.update", "session": {"type": "realtime", "audio": {"input": {
            "format": {"type": "audio/pcm", "rate": 44100}}}}},
         "session.audio.input.format.rate", "invalid_value"),
        ({"type": "input_audio_buffer.append"}, "audio", "missing_required_parameter"),
        ({"type": "input_audio_buffer.append", "audio": "%%%"}, "audio", "invalid_value"),
        ({"type": "input_audio_buffer.append", "audio": 5}, "audio", "invalid_type"),
        ({"type": "conversation.item.truncate", "item_id": "i", "content_index": 0,
          "audio_end_ms": -1}, "audio_end_ms", "invalid_value"),
        ({"type": "conversation.item.delete", "item_id": "i", "extra": True}, "extra",
         "unknown_parameter"),
        ({"type": "response.create", "response": {"conversation": 3}}, "response.conversation",
         "invalid_type"),
        ({"type": "response.cancel", "event_id": 7}, "event_id", "invalid_type"),
        ({"type": "response.dance"}, "type", "invalid_value"),
        ({"event_id": "e1"}, "type", "missing_required_parameter"),
        ({"type": None}, "type", "invalid_value"),
    ],
)
def test_strict_parse_names_the_field(event: dict[str, Any], param: str, code: str) -> None:
    for data in (event, json.dumps(event), json.dumps(event).encode()):
        with pytest.raises(rt.EventValidationError) as info:
            rt.parse_client_event(data)
        assert (info.value.param, info.value.code) == (param, code), info.value


def test_unknown_type_lists_the_known_types() -> None:
    with pytest.raises(rt.EventValidationError) as info:
        rt.parse_client_event({"type": "response.dance"})
    assert "response.create" in (info.value.allowed or ())
    assert "transcription_session.update" not in (info.value.allowed or ())
    with pytest.raises(rt.EventValidationError) as info:
        rt.parse_client_event({"type": "response.dance"}, "beta")
    assert "transcription_session.update" in (info.value.allowed or ())


def test_transcription_session_update_is_beta_only() -> None:
    event = {"type": "transcription_session.update",
             "session": {"input_audio_format": "g711_ulaw", "include": []}}
    parsed = rt.parse_client_event(event, "beta")
    assert isinstance(parsed, SessionUpdate)
    assert isinstance(parsed.session, TranscriptionSession)
    assert parsed.to_dict("ga")["session"]["audio"]["input"]["format"] == {"type": "audio/pcmu"}
    with pytest.raises(rt.EventValidationError):
        rt.parse_client_event(event, "ga")


def test_beta_format_names_are_checked_with_their_beta_path() -> None:
    with pytest.raises(rt.EventValidationError) as info:
        rt.parse_client_event({"type": "session.update",
                               "session": {"input_audio_format": "mp3"}}, "beta")
    assert info.value.param == "session.input_audio_format"
    assert info.value.allowed == ("pcm16", "g711_ulaw", "g711_alaw")


@pytest.mark.parametrize("data", ["", "{", "[1, 2]", "42", b"\xff\xfe", "null", '"text"'])
def test_not_a_json_object_is_a_decode_error(data: str | bytes) -> None:
    with pytest.raises(rt.DecodeError):
        rt.parse_client_event(data)
    with pytest.raises(rt.DecodeError):
        rt.parse_server_event(data)
    with pytest.raises(rt.DecodeError):
        rt.parse_server_event(data, "beta")


def test_deep_nesting_is_refused_not_recursed() -> None:
    deep: Any = {}
    for _ in range(MAX_NESTING + 5):
        deep = {"x": deep}
    event = {"type": "session.update", "session": {"type": "realtime", "tracing": deep}}
    with pytest.raises(rt.EventValidationError) as info:
        rt.parse_client_event(event)
    assert "deeper" in str(info.value)


def test_known_server_event_with_bad_fields_is_a_decode_error() -> None:
    with pytest.raises(rt.DecodeError) as info:
        rt.parse_server_event({"type": "response.output_text.delta", "delta": 5})
    assert "response.output_text.delta" in str(info.value)


def test_dialect_is_checked_by_the_parsers() -> None:
    with pytest.raises(rt.EventValidationError):
        rt.parse_server_event("{}", "v1")  # type: ignore[arg-type]
    with pytest.raises(rt.EventValidationError):
        rt.parse_client_event("{}", "v1")  # type: ignore[arg-type]


def test_unknown_server_event_is_kept_whole_and_reencoded_unchanged() -> None:
    raw = {"type": "response.future", "event_id": "event_9", "payload": {"a": [1, None]}}
    event = rt.parse_server_event(json.dumps(raw))
    assert isinstance(event, rt.UnknownServerEvent)
    assert event.raw == raw and event.type == "response.future" and event.event_id == "event_9"
    assert json.loads(event.to_json()) == raw and event.to_dict("beta") == raw
    assert "response.future" in repr(event)


def test_server_enums_are_open_when_reading_and_closed_when_writing() -> None:
    # A voice or status the service adds after this release must not break parsing...
    later = {"type": "response.done", "event_id": "event_1", "response": {
        "status": "paused", "status_details": {"type": "paused", "reason": "nap"},
        "audio": {"output": {"voice": "juniper"}},
        "output": [{"type": "message", "role": "assistant", "status": "paused", "content": []}],
    }}
    event = rt.parse_server_event(json.dumps(later))
    assert isinstance(event, rt.wire.ResponseDone)
    assert event.response.status == "paused"
    assert event.to_dict() == later
    # ...while what a client sends is held to the documented values.
    with pytest.raises(rt.EventValidationError) as info:
        rt.create_response(audio={"output": {"voice": "juniper"}})
    assert info.value.param == "response.audio.output.voice"
    with pytest.raises(rt.EventValidationError) as info:
        rt.create_item({"type": "message", "role": "user", "content": [], "status": "paused"})
    assert info.value.allowed == ("completed", "incomplete", "in_progress")
