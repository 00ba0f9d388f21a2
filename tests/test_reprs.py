"""Reprs stay short: every event and model summarises its payloads, and only those.

A notebook cell that ends with an event shows its repr (through IPython's pretty
printer). Every client and server event type is built here carrying large
payloads (seconds of audio, kilobytes of text, long lists) and must repr in a few
hundred characters that still name the class and the payload's size. Where
nothing is long, the repr must be msgspec's own, character for character.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import msgspec
import msgspec.inspect as mi
import pytest
from hypothesis import given, settings
from IPython.lib.pretty import pretty

import realtime_nb as rt
from realtime_nb.codec import UnknownServerEvent
from realtime_nb.reply import FunctionCallRequest, Reply
from realtime_nb.wire import (
    CLIENT_EVENT_TYPES,
    SERVER_EVENT_TYPES,
    AnyClientEvent,
    AnyServerEvent,
    AudioPCM,
    AudioPCMU,
    ContentPartInfo,
    Conversation,
    Event,
    InputAudio,
    InputAudioTranscriptionDelta,
    InputText,
    Message,
    OutputAudio,
    OutputText,
    Response,
    ResponseAudio,
    ResponseAudioOutput,
    ResponseCancel,
    ResponseCreate,
    ResponseOutputAudioDelta,
    ResponseParams,
    ServerVad,
    Session,
    TranscriptionSession,
    TranscriptionSessionInfo,
    WireModel,
)
from realtime_nb.wire.reprs import LONG, describe_audio, short_repr

from .server_samples import AUDIO_DELTA_B64, BETA_SAMPLES, GA_SAMPLES, sample_id
from .strategies import for_type

SHORT = 500
"""What "a few hundred characters" means here."""

LONG_TEXT = ("The quick brown fox jumps over the lazy dog. " * 120)[:5_000]
ONE_SECOND = (bytes(range(256)) * 188)[:48_000]  # PCM16 24 kHz; every base64 character occurs
ONE_SECOND_B64 = base64.b64encode(ONE_SECOND).decode()
MANY = 40
"""Items in each generated list and dict."""

SIZE_MARKS = ("(5,000 chars)", "48,000 bytes, 1,000 ms PCM16 24 kHz", f"({MANY - 1} more)")
"""What a summary keeps of LONG_TEXT, of a second of audio and of a cut list."""


@contextmanager
def msgspec_reprs() -> Iterator[None]:
    """Inside, every wire model has msgspec's own repr again: what the reprs were before."""
    with pytest.MonkeyPatch.context() as patch:
        for cls in (WireModel, Event):
            patch.setattr(cls, "__repr__", msgspec.Struct.__repr__)
        yield


def msgspec_repr(value: Any) -> str:
    with msgspec_reprs():
        return repr(value)


# -- a large instance of every event type --------------------------------------------------

# Optional fields filled too, where a model's required fields carry no payload.
ALSO_FILLED: dict[type, tuple[str, ...]] = {
    Session: ("instructions", "tools"),
    TranscriptionSession: ("client_secret", "include"),
    TranscriptionSessionInfo: ("client_secret",),
    ResponseParams: ("instructions", "input", "tools", "metadata"),
    Response: ("output", "metadata"),
    ContentPartInfo: ("type", "audio", "transcript"),
    InputText: ("text",),
    OutputText: ("text",),
    InputAudio: ("audio", "transcript"),
    OutputAudio: ("audio", "transcript"),
    InputAudioTranscriptionDelta: ("delta", "logprobs"),
    ResponseCreate: ("response",),
    ResponseCancel: ("response_id",),
    Conversation: ("id",),
}


def big_value(info: mi.Type, name: str, index: int = 0) -> Any:
    """A large value of type ``info`` for field ``name`` (``audio`` for base64 audio);
    ``index`` picks union members."""
    if isinstance(info, mi.Metadata):
        choices = (info.extra or {}).get("choices")
        return choices[0] if choices else big_value(info.type, name, index)
    if isinstance(info, mi.UnionType):
        options = [t for t in info.types if not isinstance(t, mi.NoneType)]
        structs = [t for t in options if isinstance(t, mi.StructType)]
        if structs:
            return big_value(structs[index % len(structs)], name)
        containers = [t for t in options if isinstance(t, (mi.ListType, mi.DictType))]
        return big_value((containers or options)[0], name, index)
    if isinstance(info, mi.StructType):
        return big_struct(info.cls)
    if isinstance(info, mi.LiteralType):
        return info.values[0]
    if isinstance(info, mi.BoolType):
        return True
    if isinstance(info, mi.IntType):
        return max(info.ge or 0, 1)
    if isinstance(info, mi.FloatType):
        return 0.8
    if isinstance(info, mi.StrType):
        return ONE_SECOND_B64 if name == "audio" else LONG_TEXT
    if isinstance(info, mi.BytesType):
        return ONE_SECOND
    if isinstance(info, mi.ListType):
        return [big_value(info.item_type, "", i) for i in range(MANY)]
    if isinstance(info, mi.DictType):
        return {f"key_{i}": big_value(info.value_type, "") for i in range(MANY)}
    if isinstance(info, mi.AnyType):  # JSON Schemas, annotations: a big schema
        return {f"property_{i}": {"type": "string", "description": LONG_TEXT} for i in range(MANY)}
    raise NotImplementedError(f"no large value for {info!r}")


def big_struct(cls: type[msgspec.Struct]) -> Any:
    """``cls`` with its required fields (and those of ALSO_FILLED) at large values."""
    if cls is Message:  # its parts must suit its role
        return Message(role="user", content=[big_struct(InputText), big_struct(InputAudio)],
                       id="item_1")
    info = mi.type_info(cls)
    assert isinstance(info, mi.StructType)
    extra = ALSO_FILLED.get(cls, ())
    # The one "delta" that is audio; the others are text.
    audio = "delta" if cls is ResponseOutputAudioDelta else "audio"
    return cls(**{field.name: big_value(field.type, "audio" if field.name == audio else "")
                  for field in info.fields if field.required or field.name in extra})


def big_event(cls: type[msgspec.Struct]) -> Any:
    """An event of ``cls`` carrying large payloads; one with no payload field of its own
    (``input_audio_buffer.clear``) carries a long ``event_id``."""
    event = big_struct(cls)
    if len(msgspec_repr(event)) < len(LONG_TEXT):
        event = msgspec.structs.replace(event, event_id=LONG_TEXT)
    return event


EVENT_CLASSES = [*CLIENT_EVENT_TYPES.values(), *SERVER_EVENT_TYPES.values()]


def test_every_event_type_is_covered() -> None:
    assert len(EVENT_CLASSES) == len(AnyClientEvent.__args__) + len(AnyServerEvent.__args__)
    assert len(CLIENT_EVENT_TYPES) >= 11 and len(SERVER_EVENT_TYPES) >= 47


@pytest.mark.parametrize("cls", EVENT_CLASSES, ids=lambda cls: cls.__struct_config__.tag)
def test_a_large_event_reprs_short(cls: type[msgspec.Struct]) -> None:
    event = big_event(cls)
    before = msgspec_repr(event)
    shown = repr(event)
    assert len(before) > len(LONG_TEXT)  # the payload is really there
    assert len(shown) < SHORT, shown
    assert shown.startswith(f"{cls.__name__}(")
    assert any(mark in shown for mark in SIZE_MARKS), shown
    # A bare expression in a notebook goes through IPython's pretty printer; print() uses str.
    assert pretty(event) == shown
    assert str(event) == shown


# -- the cases of the issue ------------------------------------------------------------------


def test_one_second_of_appended_audio() -> None:
    event = rt.append_audio(bytes(48_000))
    assert len(msgspec_repr(event)) == 192_033
    assert repr(event) == "InputAudioBufferAppend(audio=<48,000 bytes, 1,000 ms PCM16 24 kHz>)"


def _retrieved(seconds: int) -> Any:
    frame = {
        "type": "conversation.item.retrieved", "event_id": "event_1",
        "item": {
            "type": "message", "id": "item_1", "object": "realtime.item",
            "status": "completed", "role": "user",
            "content": [{"type": "input_audio", "transcript": "Hello.",
                         "audio": base64.b64encode(bytes(48_000 * seconds)).decode()}],
        },
    }
    return rt.parse_server_event(json.dumps(frame))


def test_retrieved_item_with_five_seconds_of_audio() -> None:
    event = _retrieved(5)
    assert len(msgspec_repr(event)) > 320_000
    assert repr(event) == (
        "ConversationItemRetrieved(event_id='event_1', item=Message(role='user', content=["
        "InputAudio(audio=<base64: 240,000 bytes, 5,000 ms PCM16 24 kHz>, transcript='Hello.')"
        "], id='item_1', object='realtime.item', status='completed'))"
    )
    assert pretty(event) == repr(event)


def test_audio_and_text_deltas() -> None:
    def delta(kind: str, text: str) -> Any:
        return rt.parse_server_event({
            "type": kind, "event_id": "event_2", "response_id": "resp_1", "item_id": "item_2",
            "output_index": 0, "content_index": 0, "delta": text,
        })

    audio = repr(delta("response.output_audio.delta", AUDIO_DELTA_B64))
    assert "delta=<base64: 3,072 bytes, 64 ms PCM16 24 kHz>" in audio
    # A text delta shares the field name; text is not base64, so it shows as text.
    text = repr(delta("response.output_text.delta", LONG_TEXT))
    assert "delta='The quick brown fox jumps over the lazy …' (5,000 chars)" in text


def test_long_lists_show_their_first_items_and_how_many_more() -> None:
    parts = [InputText(text=f"part {i}") for i in range(1_000)]
    shown = repr(Message(role="user", content=parts))
    assert shown.startswith("Message(role='user', content=[InputText(text='part 0'), ")
    assert shown.endswith(" more)])") and len(shown) < SHORT
    assert short_repr(list(range(10))) == repr(list(range(10)))
    assert short_repr(tuple(range(10_000))).endswith(", 27, … (9,972 more))")


def test_a_huge_unknown_event_stays_short() -> None:
    raw = {"type": "response.future_thing", "audio": ONE_SECOND_B64, "text": LONG_TEXT,
           **{f"field_{i}": i for i in range(1_000)}}
    event = rt.parse_server_event(json.dumps(raw))
    assert isinstance(event, UnknownServerEvent)
    shown = repr(event)
    assert shown.startswith("UnknownServerEvent(type='response.future_thing', keys=['audio', ")
    assert "more)" in shown and len(shown) < SHORT
    small = UnknownServerEvent({"type": "response.future_thing", "x": 1})
    assert repr(small) == "UnknownServerEvent(type='response.future_thing', keys=['type', 'x'])"
    assert pretty(event) == shown


def _reply(audio: bytes, response: Response, audio_format: str = "audio/pcm") -> Reply:
    return Reply(response_id="resp_1", status="completed", text="Hi.", transcript="",
                 audio=rt.Audio.from_wire(audio, audio_format), function_calls=(), usage=None,
                 response=response,
                 created_ms=1.0, first_delta_ms=2.0, done_ms=3.0)


def test_reply_shares_the_audio_summary() -> None:
    pcm = _reply(bytes(96_000), Response(audio=ResponseAudio(output=ResponseAudioOutput(
        format=AudioPCM()))))
    assert "audio=<96,000 bytes, 2,000 ms PCM16 24 kHz>" in repr(pcm)
    mulaw = _reply(bytes(16_000), Response(audio=ResponseAudio(output=ResponseAudioOutput(
        format=AudioPCMU()))), "audio/pcmu")
    assert f"audio=<{describe_audio(16_000, 'audio/pcmu')}>" in repr(mulaw)
    assert "2,000 ms G.711 µ-law 8 kHz" in repr(mulaw)
    unsaid = _reply(bytes(48_000), Response())
    assert "audio=<48,000 bytes, 1,000 ms PCM16 24 kHz>" in repr(unsaid)


def test_function_call_request_repr() -> None:
    call = FunctionCallRequest("get_weather", "call_1", '{"city": "Paris"}', "item_1")
    assert repr(call) == ("FunctionCallRequest(name='get_weather', call_id='call_1', "
                          "arguments='{\"city\": \"Paris\"}', item_id='item_1')")
    long_call = FunctionCallRequest("save", "call_2", json.dumps({"text": LONG_TEXT}))
    assert "(5,012 chars)" in repr(long_call) and len(repr(long_call)) < SHORT


# -- short values: exactly msgspec's repr --------------------------------------------------------


def test_short_values_repr_as_before() -> None:
    assert repr(rt.append_audio(b"\x00\x01")) == "InputAudioBufferAppend(audio=b'\\x00\\x01')"
    assert repr(ServerVad(threshold=0.6)) == "ServerVad(threshold=0.6)"
    assert repr(rt.user_text("Hi")) == "Message(role='user', content=[InputText(text='Hi')])"
    values = [
        AudioPCM(), AudioPCM(rate=int("24000")),  # an equal but distinct default is shown
        InputAudio(audio="AAAA", transcript=None), Session(instructions="x" * LONG),
        rt.create_response(output_modalities=["text"]).with_event_id("evt_1"),
        rt.truncate_item("item_1", 0, audio_end_ms=1500), rt.commit_audio(),
        rt.append_audio(bytes(48)), Message(role="user", content=[]),
    ]
    for value in values:
        assert repr(value) == msgspec_repr(value)


def has_payload(value: Any) -> bool:
    """Whether ``value`` holds anything the short repr summarises."""
    kind = type(value)
    if kind is str:
        return len(value) > LONG
    if kind is bytes:
        return len(repr(value)) > LONG
    if kind is list or kind is tuple:
        return len(msgspec_repr(value)) > LONG or any(has_payload(item) for item in value)
    if kind is dict:
        return len(msgspec_repr(value)) > LONG or any(
            has_payload(key) or has_payload(item) for key, item in value.items())
    if isinstance(value, msgspec.Struct):
        return any(has_payload(getattr(value, name)) for name in value.__struct_fields__)
    return False


def check_against_msgspec(value: Any) -> None:
    before, shown = msgspec_repr(value), repr(value)
    if not has_payload(value):
        assert shown == before
    else:  # a cut list may add its "… (N more)" to a list barely over the limit, no more
        assert len(shown) <= len(before) + 18 * shown.count(" more)")


@pytest.mark.parametrize(("dialect", "sample"),
                         [*(("ga", s) for s in GA_SAMPLES), *(("beta", s) for s in BETA_SAMPLES)],
                         ids=lambda v: v if isinstance(v, str) else sample_id(v))
def test_server_samples_against_msgspec(dialect: str, sample: dict[str, Any]) -> None:
    event = rt.parse_server_event(json.dumps(sample), dialect)  # type: ignore[arg-type]
    check_against_msgspec(event)
    assert pretty(event) == repr(event) == str(event)


@settings(max_examples=150, deadline=None)
@given(for_type(AnyClientEvent))
def test_client_events_against_msgspec(event: Any) -> None:
    check_against_msgspec(event)


@settings(max_examples=150, deadline=None)
@given(for_type(AnyServerEvent))
def test_server_events_against_msgspec(event: Any) -> None:
    check_against_msgspec(event)
