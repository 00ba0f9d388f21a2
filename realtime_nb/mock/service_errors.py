"""The errors the real service answers with, as the mock sends them.

Each refusal is a :class:`Refusal` raised inside the mock's session logic and
turned into an ``error`` server event linked to the client event that caused it
(``error.event_id``). Messages and codes follow protocol.md §5(i) where the
service's text is known; where it is not documented (unknown item ids, the
WebSocket ``output_audio_buffer.clear``) the wording is the mock's own, in the
service's style, and the docstring says so.
"""

from __future__ import annotations

from ..errors import EventValidationError
from ..wire import ErrorInfo

__all__ = [
    "MAX_MESSAGE_CHARS",
    "MAX_PARAM_CHARS",
    "TRUNCATED",
    "Refusal",
    "from_validation",
    "malformed_json",
    "invalid_audio",
    "audio_too_large",
    "active_response",
    "commit_too_small",
    "cancel_not_active",
    "truncate_too_long",
    "truncate_not_audio",
    "bad_content_index",
    "unknown_item",
    "voice_locked",
    "model_locked",
    "tracing_locked",
    "wrong_session_type",
    "webrtc_only",
    "invalid_api_key",
    "server_error",
    "session_expired",
    "tool_call_not_found",
    "assistant_audio_item",
]


MAX_MESSAGE_CHARS = 1024
"""Longest error message sent. Messages quote the offending input; a hostile
megabyte-long key or value must not come back whole (a client with a 1 MiB frame
limit would be disconnected by its own error)."""

MAX_PARAM_CHARS = 256
"""Longest ``param`` path sent, for the same reason."""


TRUNCATED = "… (truncated)"
"""What ends a message or param cut to its limit."""


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - len(TRUNCATED)] + TRUNCATED


class Refusal(Exception):
    """A client event the service refuses; the session stays as it was.

    Attributes:
        info: the ``error`` object to send (without ``event_id``, added when linking).
    """

    def __init__(self, message: str, *, code: str | None = None, param: str | None = None,
                 type: str = "invalid_request_error") -> None:
        message = _cap(message, MAX_MESSAGE_CHARS)
        param = None if param is None else _cap(param, MAX_PARAM_CHARS)
        super().__init__(message)
        self.info = ErrorInfo(type=type, message=message, code=code, param=param)

    def linked_to(self, event_id: str | None) -> ErrorInfo:
        """The error object with ``event_id`` naming the client event that failed."""
        return ErrorInfo(type=self.info.type, message=self.info.message, code=self.info.code,
                         param=self.info.param, event_id=event_id)


def from_validation(error: EventValidationError) -> Refusal:
    """A refusal carrying a strict-parse failure (unknown, missing or invalid parameter)."""
    code = "invalid_value" if error.code == "unsupported_in_dialect" else error.code
    return Refusal(error.message, code=code, param=error.param or None)


def malformed_json(detail: str) -> Refusal:
    """The frame is not a JSON object (wording: the mock's own)."""
    return Refusal(f"We could not parse the JSON body of your request. ({detail})",
                   code="invalid_json")


def invalid_audio(param: str = "audio") -> Refusal:
    """``input_audio_buffer.append`` with audio that is not base64 (real text)."""
    return Refusal(
        "Invalid 'audio'. Expected base64-encoded audio bytes (mono PCM16 at 24kHz) but got"
        " an invalid value.", code="invalid_value", param=param,
    )


def audio_too_large(size: int, limit: int) -> Refusal:
    """An append above the documented 15 MiB per-event limit."""
    return Refusal(
        f"Invalid 'audio': {size} bytes of audio in one event; the maximum is {limit} bytes.",
        code="invalid_value", param="audio",
    )


def active_response(response_id: str) -> Refusal:
    """A second default-conversation ``response.create`` while one is active (real text)."""
    return Refusal(
        f"Conversation already has an active response in progress: {response_id}."
        " Wait until the response is finished before creating a new one.",
        code="conversation_already_has_active_response",
    )


def commit_too_small(buffered_ms: float) -> Refusal:
    """``input_audio_buffer.commit`` with under 100 ms buffered (real text)."""
    return Refusal(
        "Error committing input audio buffer: buffer too small. Expected at least 100ms of"
        f" audio, but buffer only has {buffered_ms:.2f}ms of audio.",
        code="input_audio_buffer_commit_empty",
    )


def cancel_not_active() -> Refusal:
    """``response.cancel`` with nothing to cancel (real text)."""
    return Refusal("Cancellation failed: no active response found",
                   code="response_cancel_not_active")


def truncate_too_long(audio_ms: int, audio_end_ms: int) -> Refusal:
    """``audio_end_ms`` past the end of the item's audio (real text)."""
    return Refusal(f"Audio content of {audio_ms}ms is already shorter than {audio_end_ms}ms",
                   code="invalid_value", param="audio_end_ms")


def truncate_not_audio() -> Refusal:
    """Truncating anything but an assistant audio message (real text)."""
    return Refusal("Only model output audio messages can be truncated",
                   code="unsupported_content_type", param="item_id")


def bad_content_index(index: int, parts: int) -> Refusal:
    """A ``content_index`` the item does not have (wording: the mock's own)."""
    return Refusal(f"Invalid 'content_index': {index}. The item has {parts} content part(s).",
                   code="invalid_value", param="content_index")


def unknown_item(item_id: str, param: str = "item_id") -> Refusal:
    """An item id the conversation does not hold (wording: the mock's own)."""
    return Refusal(f"Item with item_id '{item_id}' not found in the conversation.",
                   code="item_not_found", param=param)


def voice_locked() -> Refusal:
    """Changing the voice once the model has spoken."""
    return Refusal("Cannot update a conversation's voice if assistant audio is present.",
                   code="cannot_update_voice", param="session.audio.output.voice")


def model_locked(current: str, requested: str) -> Refusal:
    """Changing the model of a session (wording: the mock's own)."""
    return Refusal(f"Cannot change the model of a session from '{current}' to '{requested}'.",
                   code="invalid_value", param="session.model")


def tracing_locked() -> Refusal:
    """Changing tracing once enabled (wording: the mock's own)."""
    return Refusal("Tracing configuration cannot be modified once tracing is enabled.",
                   code="invalid_value", param="session.tracing")


def wrong_session_type(current: str, requested: str) -> Refusal:
    """A ``session.update`` whose ``type`` differs from the connection's session type."""
    return Refusal(
        f"Invalid 'session.type': '{requested}'. This session is a '{current}' session.",
        code="invalid_value", param="session.type",
    )


def webrtc_only(event_type: str) -> Refusal:
    """An event the service supports on WebRTC and SIP only (wording: the mock's own)."""
    return Refusal(f"'{event_type}' is only supported for WebRTC and SIP connections.",
                   code="invalid_value", param="type")


def invalid_api_key() -> Refusal:
    """A key that ``--require-key`` does not accept. The key itself is never echoed."""
    return Refusal(
        "Incorrect API key provided. You can find your API key at"
        " https://platform.openai.com/account/api-keys.", code="invalid_api_key",
    )


def session_expired(lifetime_s: float) -> Refusal:
    """The session reached its maximum duration (the service then closes the connection)."""
    span = (f"{lifetime_s / 60:g} minutes" if lifetime_s >= 60 else f"{lifetime_s:g} seconds")
    return Refusal(f"Your session hit the maximum duration of {span}.",
                   code="session_expired")


def server_error(detail: str = "") -> Refusal:
    """An internal failure (the mock's own bug, or an injected fault)."""
    message = "The server had an error while processing your request."
    return Refusal(f"{message} {detail}".strip(), type="server_error", code="server_error")


def tool_call_not_found(call_id: str) -> Refusal:
    """A ``function_call_output`` in ``response.input`` for an unknown call (real text)."""
    return Refusal(f"Tool call ID '{call_id}' not found in conversation.",
                   code="invalid_value", param="response.input")


def assistant_audio_item() -> Refusal:
    """Creating an assistant message with audio content (the SDK says it is not allowed)."""
    return Refusal("Assistant messages cannot contain audio content.", code="invalid_value",
                   param="item.content")
