"""One function per client event, plus helpers for the common items.

Every builder validates what it is given and returns an immutable event value
(``.type``, ``.event_id``, ``.with_event_id()``, ``.to_dict()``, ``.to_json()``).
Bad input raises :class:`~realtime_nb.errors.EventValidationError` naming the
field and its allowed values, before anything could be sent.

Nested values (``session``, ``item``, ``response``) may be typed models from
:mod:`realtime_nb.wire` or plain dicts in the GA wire shape; both are checked
the same way, as strictly as the real service checks them.

>>> import realtime_nb as rt
>>> rt.create_item(rt.user_text("Hello")).to_dict()["item"]["content"]
[{'type': 'input_text', 'text': 'Hello'}]
>>> try:
...     rt.session_update({"audio": {"output": {"voice": "nova"}}})
... except rt.EventValidationError as error:
...     print(error.param, error.allowed[:3])
session.audio.output.voice ('alloy', 'ash', 'ballad')
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

from .audio.pcm import AudioLike, as_pcm16, to_base64
from .errors import EventValidationError
from .wire.base import ClientEvent, WireModel
from .wire.client_events import (
    ConversationItemCreate,
    ConversationItemDelete,
    ConversationItemRetrieve,
    ConversationItemTruncate,
    InputAudioBufferAppend,
    InputAudioBufferClear,
    InputAudioBufferCommit,
    OutputAudioBufferClear,
    ResponseCancel,
    ResponseCreate,
    SessionUpdate,
)
from .wire.dialect import beta_only_note
from .wire.items import (
    FunctionCallOutput,
    InputAudio,
    InputText,
    Item,
    Message,
    OutputText,
)
from .wire.response import ResponseParams
from .wire.session import AnySession
from .wire.validation import convert

__all__ = [
    "session_update",
    "append_audio",
    "clear_audio",
    "commit_audio",
    "clear_output_audio",
    "create_item",
    "create_item_after",
    "delete_item",
    "retrieve_item",
    "truncate_item",
    "create_response",
    "cancel_response",
    "user_text",
    "assistant_text",
    "system_text",
    "user_audio",
    "function_output",
    "BUILDERS",
]

_E = TypeVar("_E", bound=ClientEvent)


def _plain(value: Any, param: str, expected: str) -> Any:
    """A nested argument as plain JSON values, whether given as a model or a dict."""
    if isinstance(value, WireModel):
        return msgspec.to_builtins(value)
    if isinstance(value, Mapping):
        return dict(value)
    raise EventValidationError(
        f"Invalid type for '{param}': expected {expected} or a dict, got {type(value).__name__}.",
        param=param,
        code="invalid_type",
    )


def _build(cls: type[_E], event_id: str | None, **fields: Any) -> _E:
    """Validate the fields of one event strictly and return the typed value.

    Every builder goes through here, so all of them report errors the same way.
    """
    data: dict[str, Any] = {"type": cls.__struct_config__.tag}
    data.update((key, value) for key, value in fields.items() if value is not msgspec.UNSET)
    if len(data) == 1 and (event_id is None or (isinstance(event_id, str) and event_id)):
        # Nothing to check but the id: the hot path of clear/commit/cancel/create.
        return cls() if event_id is None else cls(event_id=event_id)
    if event_id is not None:
        data["event_id"] = event_id
    try:
        return convert(data, cls, strict=True)
    except EventValidationError as error:
        raise _beta_only_first(error) from None


def _beta_only_first(error: EventValidationError) -> EventValidationError:
    """``error``, led by the real problem when it is about a beta-only field.

    Builders take ``temperature`` and ``client_secret`` because a beta event
    carries them, but GA has no such fields: whoever gets a bad value for one
    most likely wrote it for GA, where no value would do.
    """
    note = beta_only_note(error.param)
    if note is None:
        return error
    detail = error.message[:1].lower() + error.message[1:]
    return EventValidationError(f"{note} Beta would refuse this value too: {detail}",
                                param=error.param, allowed=error.allowed, code=error.code)


def _require_str(value: Any, param: str) -> str:
    if not isinstance(value, str):
        raise EventValidationError(
            f"Invalid type for '{param}': expected `str`, got `{type(value).__name__}`.",
            param=param,
            code="invalid_type",
        )
    return value


def session_update(session: AnySession | Mapping[str, Any], *, event_id: str | None = None
                   ) -> SessionUpdate:
    """``session.update``: change the session's configuration.

    Only the fields present are changed. A dict without ``type`` is taken as a
    realtime session (``"type": "realtime"``), the key the service otherwise
    refuses the whole update for.

    >>> session_update({"instructions": "Answer in French."}).to_dict()
    {'type': 'session.update', 'session': {'type': 'realtime', 'instructions': 'Answer in French.'}}
    """
    plain = _plain(session, "session", "a Session")
    plain.setdefault("type", "realtime")
    return _build(SessionUpdate, event_id, session=plain)


def append_audio(audio: AudioLike, *, event_id: str | None = None) -> InputAudioBufferAppend:
    """``input_audio_buffer.append``: add audio to the input buffer (the server sends no reply).

    Args:
        audio: PCM16 little-endian bytes, base64 text, or a numpy int16 array or
            float array in [-1, 1] (24 kHz mono for the default ``audio/pcm`` format).

    >>> append_audio(b"\\x00\\x00\\xff\\x7f").to_json()
    '{"type":"input_audio_buffer.append","audio":"AAD/fw=="}'
    """
    if event_id is not None:
        _require_str(event_id, "event_id")
        if not event_id:
            raise EventValidationError("Invalid 'event_id': empty string.", param="event_id")
    # Built directly rather than through _build: this is the hot path (50 events/s of
    # audio per stream) and as_pcm16 has already checked the only field.
    return InputAudioBufferAppend(audio=as_pcm16(audio), event_id=event_id)


def clear_audio(*, event_id: str | None = None) -> InputAudioBufferClear:
    """``input_audio_buffer.clear``: discard the buffered input audio."""
    return _build(InputAudioBufferClear, event_id)


def commit_audio(*, event_id: str | None = None) -> InputAudioBufferCommit:
    """``input_audio_buffer.commit``: make the buffered audio (at least 100 ms) a user item."""
    return _build(InputAudioBufferCommit, event_id)


def clear_output_audio(*, event_id: str | None = None) -> OutputAudioBufferClear:
    """``output_audio_buffer.clear``: cut off audio being played (WebRTC/SIP connections)."""
    return _build(OutputAudioBufferClear, event_id)


def create_item(item: Item | Mapping[str, Any], previous_item_id: str | None = None, *,
                event_id: str | None = None) -> ConversationItemCreate:
    """``conversation.item.create``: add an item to the conversation.

    Args:
        item: a message, function call or function call output (model or dict).
        previous_item_id: insert after this item; ``"root"`` inserts at the start;
            ``None`` appends at the end.
    """
    plain = _plain(item, "item", "an Item")
    if "type" not in plain and "role" in plain:
        plain["type"] = "message"
    return _build(
        ConversationItemCreate, event_id, item=plain,
        previous_item_id=msgspec.UNSET if previous_item_id is None else previous_item_id,
    )


def create_item_after(item: Item | Mapping[str, Any], previous_item_id: str, *,
                      event_id: str | None = None) -> ConversationItemCreate:
    """``conversation.item.create`` placed after ``previous_item_id`` (``"root"`` = first)."""
    if previous_item_id is None:
        raise EventValidationError(
            "Missing required parameter: 'previous_item_id'.", param="previous_item_id",
            code="missing_required_parameter",
        )
    return create_item(item, previous_item_id, event_id=event_id)


def delete_item(item_id: str, *, event_id: str | None = None) -> ConversationItemDelete:
    """``conversation.item.delete``: remove an item from the conversation."""
    return _build(ConversationItemDelete, event_id, item_id=item_id)


def retrieve_item(item_id: str, *, event_id: str | None = None) -> ConversationItemRetrieve:
    """``conversation.item.retrieve``: fetch the server's copy of an item, audio included."""
    return _build(ConversationItemRetrieve, event_id, item_id=item_id)


def truncate_item(item_id: str, content_index: int, audio_end_ms: int, *,
                  event_id: str | None = None) -> ConversationItemTruncate:
    """``conversation.item.truncate``: cut assistant audio at what the listener heard.

    Args:
        item_id: the assistant message whose audio was interrupted.
        content_index: the audio part's index (``0`` for model output).
        audio_end_ms: milliseconds played, inclusive; must not exceed the audio
            the server produced for the item, or the service answers an error.
    """
    return _build(ConversationItemTruncate, event_id, item_id=item_id,
                  content_index=content_index, audio_end_ms=audio_end_ms)


def create_response(response: ResponseParams | Mapping[str, Any] | None = None, *,
                    event_id: str | None = None, **fields: Any) -> ResponseCreate:
    """``response.create``: ask the model to respond.

    Overrides for this response only may be given as ``response`` (a
    :class:`~realtime_nb.wire.ResponseParams` or dict) or as keyword arguments.

    >>> create_response(output_modalities=["text"]).to_dict()
    {'type': 'response.create', 'response': {'output_modalities': ['text']}}
    """
    if response is not None and fields:
        raise EventValidationError(
            "Give response parameters either as `response` or as keywords, not both.",
            param="response",
        )
    if response is None and not fields:
        return _build(ResponseCreate, event_id)
    plain = _plain(response, "response", "ResponseParams") if response is not None else fields
    return _build(ResponseCreate, event_id, response=plain)


def cancel_response(response_id: str | None = None, *, event_id: str | None = None
                    ) -> ResponseCancel:
    """``response.cancel``: cancel ``response_id``, or the active response when ``None``."""
    return _build(ResponseCancel, event_id,
                  response_id=msgspec.UNSET if response_id is None else response_id)


def user_text(text: str) -> Message:
    """A user message holding ``text``.

    >>> user_text("Hi").to_dict()
    {'type': 'message', 'role': 'user', 'content': [{'type': 'input_text', 'text': 'Hi'}]}
    """
    return Message(role="user", content=[InputText(text=_require_str(text, "text"))])


def assistant_text(text: str) -> Message:
    """An assistant message holding ``text`` (to seed the conversation with a model turn)."""
    return Message(role="assistant", content=[OutputText(text=_require_str(text, "text"))])


def system_text(text: str) -> Message:
    """A system message holding ``text``."""
    return Message(role="system", content=[InputText(text=_require_str(text, "text"))])


def user_audio(audio: AudioLike) -> Message:
    """A user message holding audio (PCM16 bytes, base64 text or a numpy array)."""
    return Message(role="user", content=[InputAudio(audio=to_base64(audio, "audio"))])


def function_output(call_id: str, output: Any) -> FunctionCallOutput:
    """The output of function call ``call_id``; non-string outputs are sent as JSON text.

    Send ``response.create`` afterwards: an output alone does not make the model answer.

    >>> function_output("call_1", {"temp_c": 21}).output
    '{"temp_c": 21}'
    """
    call_id = _require_str(call_id, "call_id")
    if not call_id:
        raise EventValidationError("Invalid 'call_id': empty string.", param="call_id")
    if not isinstance(output, str):
        try:
            output = json.dumps(output)
        except (TypeError, ValueError) as error:
            raise EventValidationError(
                f"Invalid 'output': not a string and not JSON-serializable ({error}).",
                param="output", code="invalid_type",
            ) from None
    return FunctionCallOutput(call_id=call_id, output=output)


BUILDERS: dict[str, Any] = {
    "session.update": session_update,
    "input_audio_buffer.append": append_audio,
    "input_audio_buffer.clear": clear_audio,
    "input_audio_buffer.commit": commit_audio,
    "output_audio_buffer.clear": clear_output_audio,
    "conversation.item.create": create_item,
    "conversation.item.delete": delete_item,
    "conversation.item.retrieve": retrieve_item,
    "conversation.item.truncate": truncate_item,
    "response.create": create_response,
    "response.cancel": cancel_response,
}
"""The builder of each client event type (GA ``type`` -> function); every type has one."""
