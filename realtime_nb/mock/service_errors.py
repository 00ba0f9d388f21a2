"""The errors the real service answers with, as the mock sends them.

Each refusal is a :class:`Refusal` raised inside the mock's session logic and
turned into an ``error`` server event linked to the client event that caused it
(``error.event_id``). Messages and codes follow protocol.md §5(i) where the
service's text is known (the live capture [llmgw] gave the texts for unknown
event types, non-JSON and binary frames, and an input rate below 24 kHz); where
it is not documented (unknown item ids, say) the wording is the mock's own, in
the service's style, and the docstring says so.
"""

from __future__ import annotations

from ..errors import EventValidationError
from ..wire import Dialect, ErrorInfo

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
    "SUPPORTED_EVENT_TYPES",
    "unknown_event_type",
    "binary_frame",
    "rate_out_of_range",
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
    """A text frame that is not a JSON object. The service's text up to "value." is known
    [llmgw]; ``detail`` (what the mock's parser found) stands for the service's own."""
    return Refusal(f"Invalid event: failed to parse JSON value. {detail}".rstrip(),
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


SUPPORTED_EVENT_TYPES: dict[Dialect, tuple[str, ...]] = {
    # The live service's list, in its order [llmgw probe 8]. It has no
    # output_audio_buffer.clear (WebRTC and SIP only), and names two types that neither
    # the SDK nor the mock models (session.close, session.input_audio_buffer.append).
    "ga": ("session.update", "session.close", "input_audio_buffer.append",
           "session.input_audio_buffer.append", "input_audio_buffer.commit",
           "input_audio_buffer.clear", "conversation.item.create", "conversation.item.truncate",
           "conversation.item.delete", "conversation.item.retrieve", "response.create",
           "response.cancel"),
    # Never captured: the event types the beta dialect served over WebSocket, in GA's order.
    "beta": ("session.update", "transcription_session.update", "input_audio_buffer.append",
             "input_audio_buffer.commit", "input_audio_buffer.clear", "conversation.item.create",
             "conversation.item.truncate", "conversation.item.delete",
             "conversation.item.retrieve", "response.create", "response.cancel"),
}
"""The client event types a WebSocket session accepts, as the unknown-type error lists them."""


def unknown_event_type(event_type: str, dialect: Dialect = "ga") -> Refusal:
    """An event ``type`` the WebSocket interface does not take (real text [llmgw]); also the
    answer to ``output_audio_buffer.clear``, which the service's list leaves out."""
    *most, last = (f"'{name}'" for name in SUPPORTED_EVENT_TYPES[dialect])
    return Refusal(f"Invalid value: '{event_type}'. Supported values are: {', '.join(most)},"
                   f" and {last}.", code="invalid_value", param="type")


def binary_frame() -> Refusal:
    """A binary WebSocket message, whatever it holds (real text [llmgw])."""
    return Refusal("Expected a text WebSocket message; binary frames are not supported.",
                   code="invalid_event")


def rate_out_of_range(param: str, rate: int, expected: int) -> Refusal:
    """A PCM ``rate`` other than 24000; the whole update is refused. Below it: the service's
    code and "Expected a value >= 24000" [llmgw], in OpenAI's usual sentence; above it:
    the same sentence turned round (the mock's own, never captured)."""
    if rate < expected:
        return Refusal(f"Invalid '{param}': integer below minimum value. Expected a value"
                       f" >= {expected}, but got {rate} instead.",
                       code="integer_below_min_value", param=param)
    return Refusal(f"Invalid '{param}': integer above maximum value. Expected a value"
                   f" <= {expected}, but got {rate} instead.",
                   code="integer_above_max_value", param=param)


def assistant_audio_item() -> Refusal:
    """Creating an assistant message with audio content (the SDK says it is not allowed)."""
    return Refusal("Assistant messages cannot contain audio content.", code="invalid_value",
                   param="item.content")


# -- refused handshakes (protocol.md §5 (a)) ----------------------------------------------------
# The service upgrades every connection, then refuses a bad one with one of these errors and
# closes it at once; the close code and reason are the server's (realtime_nb.mock.server).

__all__ += [
    "masked_key", "incorrect_api_key", "missing_credentials", "invalid_model", "missing_model",
    "beta_api_shape_disabled",
]

KEY_HEAD = 8
"""Leading characters of a wrong key the service quotes back (``sk-proj-`` of a project key)."""

KEY_TAIL = 4
"""Trailing characters of a wrong key the service quotes back."""


def masked_key(key: str) -> str:
    """``key`` as the service quotes a wrong one: a few leading characters, ``***…``, the last four.

    The mask has a fixed width, so the key's length does not show either. A short
    key shows less: never more than half of it, and nothing at all below two
    characters, so a key that was mistyped (or is the wrong one of a pair) never
    comes back whole.

    >>> masked_key("sk-proj-abcdefghijklmnopqrstuvwxyzABCD")
    'sk-proj-***…ABCD'
    >>> masked_key("sk-short1234")
    'sk-***…234'
    >>> masked_key("x")
    '***…'
    """
    tail = min(KEY_TAIL, len(key) // 4)
    head = min(KEY_HEAD, len(key) // 2 - tail)
    return f"{key[:head]}***…{key[len(key) - tail:]}"


def incorrect_api_key(key: str) -> Refusal:
    """A key that ``require_key`` does not accept (real text), masked by :func:`masked_key`."""
    return Refusal(
        f"Incorrect API key provided: {masked_key(key)}. You can find your API key at"
        " https://platform.openai.com/account/api-keys.", code="invalid_api_key",
    )


def missing_credentials() -> Refusal:
    """No key at all while ``require_key`` asks for one (real text; the service sends no code)."""
    return Refusal("Missing bearer or basic authentication in header", code=None)


def invalid_model(model: str) -> Refusal:
    """A model that is not a Realtime model. The service's text is known up to "realtime
    mode"; the advice after it is the mock's own."""
    return Refusal(
        f'Model "{model}" is not supported in realtime mode. Use a Realtime model, for'
        " example gpt-realtime.", code="invalid_model",
    )


def missing_model() -> Refusal:
    """A realtime connection whose URL names no model (real text)."""
    return Refusal("You must provide a model parameter, for example"
                   " wss://api.openai.com/v1/realtime?model=gpt-realtime-1.5",
                   code="missing_model")


def beta_api_shape_disabled() -> Refusal:
    """A beta handshake (``OpenAI-Beta: realtime=v1``) on today's service (real text)."""
    return Refusal("The Realtime Beta API is no longer supported. Please use /v1/realtime for"
                   " the GA API.", code="beta_api_shape_disabled")
