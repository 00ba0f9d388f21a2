"""Conformance of server-event parsing with the official ``openai`` SDK (3.57.0).

The samples in :mod:`server_samples` cover every member of the SDK's GA and beta
server event unions. For each one we check that:

* the SDK model of its dialect validates it and keeps nothing in ``model_extra``
  (the SDK models accept unknown keys silently, so this is checked recursively);
* :func:`realtime_nb.parse_server_event` returns the expected typed class (from a
  dict, JSON text and JSON bytes), never ``UnknownServerEvent``;
* ``event.to_dict(dialect)`` gives the sample back exactly.

It also checks the lenient-parser promises: unknown types are kept whole, unknown
keys are ignored, and input that is not a JSON object raises ``DecodeError``.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from openai.types.beta.realtime.realtime_server_event import (
    RealtimeServerEvent as BetaServerEvent,
)
from openai.types.realtime.realtime_server_event import RealtimeServerEvent as GaServerEvent

import realtime_nb as rt
from realtime_nb.wire import server_events as se

from .sdk import SdkUnions, sdk_types
from .server_samples import AUDIO_DELTA_B64, BETA_SAMPLES, GA_SAMPLES, sample_id

JSON = dict[str, Any]

SDK_UNIONS = {"ga": GaServerEvent, "beta": BetaServerEvent}
SDK = SdkUnions(SDK_UNIONS)
SAMPLES = {"ga": GA_SAMPLES, "beta": BETA_SAMPLES}
MEMBERS = SDK.members
sdk_validate = SDK.validate


def _cases(dialect: str) -> list[Any]:
    return [pytest.param(s, id=sample_id(s)) for s in SAMPLES[dialect]]


GA_CASES = _cases("ga")
BETA_CASES = _cases("beta")
ALL_CASES = [
    pytest.param(dialect, sample, id=f"{dialect}-{sample_id(sample)}")
    for dialect in ("ga", "beta")
    for sample in SAMPLES[dialect]
]

# -- expected realtime_nb classes, written out independently of the library's tables --------------

EXPECTED_GA_CLASS: dict[str, type[rt.ServerEvent]] = {
    "error": se.ErrorEvent,
    "session.created": se.SessionCreated,
    "session.updated": se.SessionUpdated,
    "conversation.created": se.ConversationCreated,
    "conversation.item.created": se.ConversationItemCreated,
    "conversation.item.added": se.ConversationItemAdded,
    "conversation.item.done": se.ConversationItemDone,
    "conversation.item.retrieved": se.ConversationItemRetrieved,
    "conversation.item.truncated": se.ConversationItemTruncated,
    "conversation.item.deleted": se.ConversationItemDeleted,
    "conversation.item.input_audio_transcription.delta": se.InputAudioTranscriptionDelta,
    "conversation.item.input_audio_transcription.completed": se.InputAudioTranscriptionCompleted,
    "conversation.item.input_audio_transcription.segment": se.InputAudioTranscriptionSegment,
    "conversation.item.input_audio_transcription.failed": se.InputAudioTranscriptionFailed,
    "input_audio_buffer.committed": se.InputAudioBufferCommitted,
    "input_audio_buffer.cleared": se.InputAudioBufferCleared,
    "input_audio_buffer.speech_started": se.InputAudioBufferSpeechStarted,
    "input_audio_buffer.speech_stopped": se.InputAudioBufferSpeechStopped,
    "input_audio_buffer.timeout_triggered": se.InputAudioBufferTimeoutTriggered,
    "input_audio_buffer.dtmf_event_received": se.InputAudioBufferDtmfEventReceived,
    "output_audio_buffer.started": se.OutputAudioBufferStarted,
    "output_audio_buffer.stopped": se.OutputAudioBufferStopped,
    "output_audio_buffer.cleared": se.OutputAudioBufferCleared,
    "rate_limits.updated": se.RateLimitsUpdated,
    "response.created": se.ResponseCreated,
    "response.done": se.ResponseDone,
    "response.output_item.added": se.ResponseOutputItemAdded,
    "response.output_item.done": se.ResponseOutputItemDone,
    "response.content_part.added": se.ResponseContentPartAdded,
    "response.content_part.done": se.ResponseContentPartDone,
    "response.output_text.delta": se.ResponseOutputTextDelta,
    "response.output_text.done": se.ResponseOutputTextDone,
    "response.output_audio.delta": se.ResponseOutputAudioDelta,
    "response.output_audio.done": se.ResponseOutputAudioDone,
    "response.output_audio_transcript.delta": se.ResponseOutputAudioTranscriptDelta,
    "response.output_audio_transcript.done": se.ResponseOutputAudioTranscriptDone,
    "response.function_call_arguments.delta": se.ResponseFunctionCallArgumentsDelta,
    "response.function_call_arguments.done": se.ResponseFunctionCallArgumentsDone,
    "response.mcp_call_arguments.delta": se.ResponseMcpCallArgumentsDelta,
    "response.mcp_call_arguments.done": se.ResponseMcpCallArgumentsDone,
    "response.mcp_call.in_progress": se.ResponseMcpCallInProgress,
    "response.mcp_call.completed": se.ResponseMcpCallCompleted,
    "response.mcp_call.failed": se.ResponseMcpCallFailed,
    "mcp_list_tools.in_progress": se.McpListToolsInProgress,
    "mcp_list_tools.completed": se.McpListToolsCompleted,
    "mcp_list_tools.failed": se.McpListToolsFailed,
}

_BETA_RENAMES: dict[str, type[rt.ServerEvent]] = {
    "response.text.delta": se.ResponseOutputTextDelta,
    "response.text.done": se.ResponseOutputTextDone,
    "response.audio.delta": se.ResponseOutputAudioDelta,
    "response.audio.done": se.ResponseOutputAudioDone,
    "response.audio_transcript.delta": se.ResponseOutputAudioTranscriptDelta,
    "response.audio_transcript.done": se.ResponseOutputAudioTranscriptDone,
    "transcription_session.updated": se.TranscriptionSessionUpdated,
}
# GA types with no beta counterpart at all ...
_GA_ONLY: frozenset[str] = frozenset({
    "conversation.item.added",
    "conversation.item.done",
    "conversation.item.input_audio_transcription.segment",
    "input_audio_buffer.timeout_triggered",
    "input_audio_buffer.dtmf_event_received",
    "response.mcp_call_arguments.delta",
    "response.mcp_call_arguments.done",
    "response.mcp_call.in_progress",
    "response.mcp_call.completed",
    "response.mcp_call.failed",
    "mcp_list_tools.in_progress",
    "mcp_list_tools.completed",
    "mcp_list_tools.failed",
})
# ... and GA types that beta spells differently.
_GA_RENAMED: frozenset[str] = frozenset({
    "response.output_text.delta",
    "response.output_text.done",
    "response.output_audio.delta",
    "response.output_audio.done",
    "response.output_audio_transcript.delta",
    "response.output_audio_transcript.done",
})
EXPECTED_BETA_CLASS: dict[str, type[rt.ServerEvent]] = {
    **{t: cls for t, cls in EXPECTED_GA_CLASS.items() if t not in _GA_ONLY | _GA_RENAMED},
    **_BETA_RENAMES,
}
EXPECTED_CLASS = {"ga": EXPECTED_GA_CLASS, "beta": EXPECTED_BETA_CLASS}


# -- coverage -------------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", ["ga", "beta"])
def test_samples_cover_exactly_the_sdk_union(dialect: str) -> None:
    sample_types = {sample["type"] for sample in SAMPLES[dialect]}
    sdk = sdk_types(SDK_UNIONS[dialect])
    assert sample_types == sdk, {
        "missing": sorted(sdk - sample_types),
        "not in SDK": sorted(sample_types - sdk),
    }


@pytest.mark.parametrize("dialect", ["ga", "beta"])
def test_expected_class_table_matches_the_sdk_union(dialect: str) -> None:
    assert set(EXPECTED_CLASS[dialect]) == sdk_types(SDK_UNIONS[dialect])


def test_sdk_union_sizes() -> None:
    # Pins the SDK version the samples were written for (46 GA, 34 beta server types).
    assert len(sdk_types(GaServerEvent)) == 46
    assert len(sdk_types(BetaServerEvent)) == 34


@pytest.mark.parametrize("dialect", ["ga", "beta"])
def test_sample_event_ids_are_distinct(dialect: str) -> None:
    ids = [sample_id(s) for s in SAMPLES[dialect]]
    assert len(ids) == len(set(ids))


def test_audio_delta_is_about_4kb() -> None:
    assert 3500 <= len(AUDIO_DELTA_B64) <= 4500
    audio_deltas = [
        s for dialect in ("ga", "beta") for s in SAMPLES[dialect]
        if s["type"] in ("response.output_audio.delta", "response.audio.delta")
    ]
    assert len(audio_deltas) == 2
    assert all(s["delta"] == AUDIO_DELTA_B64 for s in audio_deltas)


# -- the samples conform to the SDK ---------------------------------------------------------------


@pytest.mark.parametrize(("dialect", "sample"), ALL_CASES)
def test_sample_validates_against_sdk(dialect: rt.Dialect, sample: JSON) -> None:
    sdk_validate(sample, dialect)


def test_extras_check_catches_unknown_nested_keys() -> None:
    # The helper must not be vacuous: a nested unknown key is reported, not ignored.
    sample = copy.deepcopy(next(s for s in GA_SAMPLES if s["type"] == "response.done"))
    sample["response"]["usage"]["input_token_details"]["mystery_tokens"] = 3
    with pytest.raises(AssertionError, match="mystery_tokens"):
        sdk_validate(sample, "ga")


# -- parsing --------------------------------------------------------------------------------------


def _encodings(sample: JSON) -> list[tuple[str, Any]]:
    text = json.dumps(sample)
    return [("dict", copy.deepcopy(sample)), ("str", text), ("bytes", text.encode())]


@pytest.mark.parametrize(("dialect", "sample"), ALL_CASES)
def test_parse_returns_expected_class_for_every_form(dialect: rt.Dialect, sample: JSON) -> None:
    expected = EXPECTED_CLASS[dialect][sample["type"]]
    for form, data in _encodings(sample):
        event = rt.parse_server_event(data, dialect)
        assert not isinstance(event, rt.UnknownServerEvent), form
        assert type(event) is expected, (form, type(event))
        assert event.event_id == sample.get("event_id", "")


@pytest.mark.parametrize(("dialect", "sample"), ALL_CASES)
def test_round_trip(dialect: rt.Dialect, sample: JSON) -> None:
    for form, data in _encodings(sample):
        event = rt.parse_server_event(data, dialect)
        assert event.to_dict(dialect) == sample, form
        assert json.loads(event.to_json(dialect)) == sample, form


@pytest.mark.parametrize(("dialect", "sample"), ALL_CASES)
def test_parse_does_not_mutate_a_dict_argument(dialect: rt.Dialect, sample: JSON) -> None:
    data = copy.deepcopy(sample)
    rt.parse_server_event(data, dialect)
    assert data == sample


def by_id_beta(event_id: str) -> JSON:
    return next(s for s in BETA_SAMPLES if s["event_id"] == event_id)


def test_parsed_fields_hold_the_sample_values() -> None:
    by_id = {s.get("event_id"): s for s in GA_SAMPLES}
    done = rt.parse_server_event(by_id["event_CRqTsHa36"])
    assert isinstance(done, se.ResponseDone)
    assert done.response.status == "completed"
    usage = done.response.usage
    assert isinstance(usage, rt.Usage)
    assert usage.total_tokens == 320
    assert usage.input_token_details.cached_tokens_details.audio_tokens == 64
    assert usage.output_token_details.audio_tokens == 147

    created = rt.parse_server_event(by_id["event_CRqTsHa01"])
    assert isinstance(created, se.SessionCreated)
    assert isinstance(created.session, rt.Session)
    audio = created.session.audio
    assert isinstance(audio, rt.AudioConfig)
    assert audio.output.voice == "alloy"
    assert audio.input.turn_detection == rt.ServerVad(
        threshold=0.5, prefix_padding_ms=300, silence_duration_ms=200, idle_timeout_ms=None,
        create_response=True, interrupt_response=True,
    )

    delta = rt.parse_server_event(
        next(s for s in BETA_SAMPLES if s["type"] == "response.audio.delta"), "beta"
    )
    assert isinstance(delta, se.ResponseOutputAudioDelta)
    assert delta.type == "response.output_audio.delta"
    assert delta.delta == AUDIO_DELTA_B64

    beta_done = rt.parse_server_event(by_id_beta("event_BqTsHb31"), "beta")
    assert isinstance(beta_done, se.ResponseDone)
    # The beta flat response fields land in the GA shape.
    assert beta_done.response.output_modalities == ["audio"]
    assert beta_done.response.audio == rt.wire.ResponseAudio(
        output=rt.wire.ResponseAudioOutput(format=rt.AudioPCM(), voice="alloy")
    )
    first = beta_done.response.output[0]
    assert isinstance(first, rt.Message)
    assert isinstance(first.content[0], rt.OutputAudio)


# -- cross-dialect: a sample written in the other dialect conforms too ----------------------------

# Samples whose values have no counterpart in the other dialect, with the field named.
GA_TO_BETA_REFUSED: dict[str, str] = {
    # The observed GA default session has `idle_timeout_ms: null` (and truncation...).
    "event_CRqTsHa01": "session.audio.input.turn_detection.idle_timeout_ms",
    "event_CRqTsHa02": "session.include",
    "event_CRqTsHa03": "session",
    "event_CRqTsHa19": "languages",
    # GA usage details beta lacks (image tokens, cached token details).
    "event_CRqTsHa36": "response.usage.input_token_details.image_tokens",
    "event_CRqTsHa39": "response.usage.input_token_details.image_tokens",
    "event_CRqTsHa42": "response.usage.input_token_details.image_tokens",
    "event_CRqTsHa45": "name",  # beta's function_call_arguments.done has no name
    "event_CRqTsHa53": "item",
    "event_CRqTsHa54": "item",
    "event_CRqTsHa61": "item",
    "event_CRqTsHa62": "item",
}
BETA_TO_GA_REFUSED: dict[str, str] = {
    "event_BqTsHb01": "session.temperature",
    "event_BqTsHb02": "session.temperature",
    "event_BqTsHb03": "type",
    "event_BqTsHb20": "response.temperature",
    "event_BqTsHb31": "response.temperature",
    "event_BqTsHb34": "response.temperature",
    "event_BqTsHb39": "name",  # GA requires the function name, beta does not send it
    "event_BqTsHb40": "response.temperature",
}


@pytest.mark.parametrize("sample", GA_CASES)
def test_ga_sample_translated_to_beta_conforms(sample: JSON) -> None:
    event = rt.parse_server_event(sample, "ga")
    key = sample.get("event_id", "")
    if sample["type"] in _GA_ONLY:
        with pytest.raises(rt.EventValidationError) as info:
            event.to_dict("beta")
        assert info.value.param == "type"
        assert info.value.code == "unsupported_in_dialect"
        return
    if key in GA_TO_BETA_REFUSED:
        with pytest.raises(rt.EventValidationError) as info:
            event.to_dict("beta")
        assert info.value.param == GA_TO_BETA_REFUSED[key]
        assert info.value.code == "unsupported_in_dialect"
        return
    beta = event.to_dict("beta")
    sdk_validate(beta, "beta")
    assert rt.parse_server_event(beta, "beta") == event


@pytest.mark.parametrize("sample", BETA_CASES)
def test_beta_sample_translated_to_ga_conforms(sample: JSON) -> None:
    event = rt.parse_server_event(sample, "beta")
    key = sample["event_id"]
    if key in BETA_TO_GA_REFUSED:
        with pytest.raises(rt.EventValidationError) as info:
            event.to_dict("ga")
        assert info.value.param == BETA_TO_GA_REFUSED[key]
        assert info.value.code == "unsupported_in_dialect"
        return
    ga = event.to_dict("ga")
    sdk_validate(ga, "ga")
    assert rt.parse_server_event(ga, "ga") == event


def test_refusal_tables_name_real_samples() -> None:
    ga_ids = {s.get("event_id") for s in GA_SAMPLES}
    beta_ids = {s.get("event_id") for s in BETA_SAMPLES}
    assert set(GA_TO_BETA_REFUSED) <= ga_ids
    assert set(BETA_TO_GA_REFUSED) <= beta_ids


# -- leniency: unknown types, unknown keys, bad input ---------------------------------------------

UNKNOWN_EVENTS: list[JSON] = [
    {
        "type": "response.output_audio_timestamps.delta",
        "event_id": "event_CZz9Unk01",
        "response_id": "resp_CZz9Unk01",
        "timestamps": [{"word": "Hello", "start_ms": 0, "end_ms": 310}],
        "nested": {"a": [1, 2.5, None, True, {"b": "c"}]},
    },
    {"type": "session.heartbeat", "event_id": "event_CZz9Unk02"},
    {"event_id": "event_CZz9Unk03", "note": "no type at all"},
    {"type": 42, "event_id": "event_CZz9Unk04"},
]


@pytest.mark.parametrize("dialect", ["ga", "beta"])
@pytest.mark.parametrize("raw", UNKNOWN_EVENTS, ids=lambda r: str(r.get("event_id")))
def test_unknown_type_is_kept_whole(raw: JSON, dialect: rt.Dialect) -> None:
    for form, data in _encodings(raw):
        event = rt.parse_server_event(data, dialect)
        assert isinstance(event, rt.UnknownServerEvent), form
        assert event.raw == raw, form
        assert event.to_dict(dialect) == raw
        assert json.loads(event.to_json(dialect)) == raw
        assert event.event_id == raw["event_id"]
        assert event.type == (raw["type"] if isinstance(raw.get("type"), str) else "")
    original = copy.deepcopy(raw)
    event = rt.parse_server_event(original, dialect)
    assert original == raw


def _with_unknown_keys(sample: JSON) -> JSON:
    """The sample with unknown keys at the top and, where there is one, in a nested object."""
    data = copy.deepcopy(sample)
    data["x_future_field"] = {"anything": [1, "two"]}
    for key in ("session", "response", "item", "error", "part", "conversation"):
        if isinstance(data.get(key), dict):
            data[key]["x_nested_future_field"] = "ignored"
            break
    return data


@pytest.mark.parametrize(("dialect", "sample"), ALL_CASES)
def test_unknown_keys_in_known_events_are_tolerated(dialect: rt.Dialect, sample: JSON) -> None:
    noisy = _with_unknown_keys(sample)
    for form, data in _encodings(noisy):
        event = rt.parse_server_event(data, dialect)
        assert type(event) is EXPECTED_CLASS[dialect][sample["type"]], form
        # Unknown keys are dropped; everything known survives.
        assert event.to_dict(dialect) == sample, form


def test_observed_ga_session_keys_outside_the_sdk_model_are_kept() -> None:
    # [S-ga-cap]: the GA service sends id/object/expires_at on the session, and an
    # obfuscation string on transcript deltas; the library models declare them.
    session = {
        **GA_SAMPLES[0]["session"],
        "id": "sess_CRqTsH2n8vYb3kX1pL0aZ",
        "object": "realtime.session",
        "expires_at": 1760544803,
    }
    sample = {"type": "session.created", "event_id": "event_CRqTsHz01", "session": session}
    event = rt.parse_server_event(json.dumps(sample))
    assert isinstance(event, se.SessionCreated)
    assert isinstance(event.session, rt.Session)
    assert event.session.id == "sess_CRqTsH2n8vYb3kX1pL0aZ"
    assert event.to_dict("ga") == sample

    delta = {
        "type": "response.output_audio_transcript.delta",
        "event_id": "event_CRqTsHz02",
        "response_id": "resp_CRqTu0Zf3K8aVdH1rYc6X",
        "item_id": "item_CRqTu1Lk9pD6fZc2hYr0M",
        "output_index": 0,
        "content_index": 0,
        "delta": "It's",
        "obfuscation": "Gq8eMx1bRt",
    }
    parsed = rt.parse_server_event(json.dumps(delta))
    assert isinstance(parsed, se.ResponseOutputAudioTranscriptDelta)
    assert parsed.obfuscation == "Gq8eMx1bRt"
    assert parsed.to_dict("ga") == delta


BAD_INPUT: list[Any] = [
    "",
    "{",
    '{"type": "error",',
    "{'type': 'error'}",
    "not json",
    "[]",
    '[{"type": "error"}]',
    "42",
    "3.5",
    '"session.created"',
    "null",
    "true",
    b"",
    b"\xff\xfe",
    b"[1, 2, 3]",
    b"{\"type\": \"session.created\"",
]


@pytest.mark.parametrize("dialect", ["ga", "beta"])
@pytest.mark.parametrize("data", BAD_INPUT, ids=repr)
def test_malformed_or_non_object_json_raises_decode_error(data: Any, dialect: rt.Dialect) -> None:
    with pytest.raises(rt.DecodeError):
        rt.parse_server_event(data, dialect)


@pytest.mark.parametrize("dialect", ["ga", "beta"])
def test_known_type_with_a_missing_required_field_raises_decode_error(
    dialect: rt.Dialect,
) -> None:
    bad = {"type": "conversation.item.deleted", "event_id": "event_CZz9Bad01"}
    with pytest.raises(rt.DecodeError):
        rt.parse_server_event(json.dumps(bad), dialect)
    with pytest.raises(rt.DecodeError):
        rt.parse_server_event(bad, dialect)
