"""GA <-> beta translation of events, as plain JSON values.

Every event value in :mod:`realtime_nb.wire` is held in the GA shape. This
module rewrites that shape into the beta one (``to_beta``) and back
(``from_beta``), following the field map of the protocol reference:

========================================  ==================================
GA                                        beta
========================================  ==================================
``session.output_modalities``             ``session.modalities``
``session.audio.input.format``            ``session.input_audio_format``
``session.audio.input.transcription``     ``session.input_audio_transcription``
``session.audio.input.noise_reduction``   ``session.input_audio_noise_reduction``
``session.audio.input.turn_detection``    ``session.turn_detection``
``session.audio.output.format``           ``session.output_audio_format``
``session.audio.output.voice``            ``session.voice``
``session.audio.output.speed``            ``session.speed``
``session.max_output_tokens``             ``session.max_response_output_tokens``
item content ``output_text``/``output_audio``  ``text``/``audio``
``response.output_text.*`` and friends    ``response.text.*`` and friends
========================================  ==================================

A field with no counterpart in the target dialect raises
:class:`~realtime_nb.errors.EventValidationError` (code
``"unsupported_in_dialect"``) naming its path: nothing is dropped silently.
Only the translation lives here; the models live in their own modules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import EventValidationError

__all__ = [
    "SERVER_TYPES_TO_BETA",
    "GA_ONLY_TYPES",
    "BETA_ONLY_TYPES",
    "GA_CHECKED_TYPES",
    "to_beta",
    "from_beta",
    "check_ga",
    "beta_type",
    "ga_spelling",
]

JSON = dict[str, Any]

SERVER_TYPES_TO_BETA: dict[str, str] = {
    "response.output_text.delta": "response.text.delta",
    "response.output_text.done": "response.text.done",
    "response.output_audio.delta": "response.audio.delta",
    "response.output_audio.done": "response.audio.done",
    "response.output_audio_transcript.delta": "response.audio_transcript.delta",
    "response.output_audio_transcript.done": "response.audio_transcript.done",
}
"""GA server event types that beta spells differently."""

_TYPES_FROM_BETA: dict[str, str] = {beta: ga for ga, beta in SERVER_TYPES_TO_BETA.items()}
_TYPES_FROM_BETA["transcription_session.update"] = "session.update"

GA_ONLY_TYPES: frozenset[str] = frozenset({
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
"""Event types that exist only in GA."""

BETA_ONLY_TYPES: frozenset[str] = frozenset({"transcription_session.updated"})
"""Event types that exist only in beta (``transcription_session.update`` maps to
GA ``session.update`` with a transcription session)."""

_BETA_FORMATS = {"audio/pcm": "pcm16", "audio/pcmu": "g711_ulaw", "audio/pcma": "g711_alaw"}
_GA_FORMATS: dict[str, JSON] = {
    "pcm16": {"type": "audio/pcm", "rate": 24000},
    "g711_ulaw": {"type": "audio/pcmu"},
    "g711_alaw": {"type": "audio/pcma"},
}
_BETA_TURN_DETECTION = {
    "type", "threshold", "prefix_padding_ms", "silence_duration_ms",
    "create_response", "interrupt_response", "eagerness",
}
_BETA_TRANSCRIPTION = {"model", "language", "prompt"}
_BETA_NOISE_REDUCTION = {"type"}
_PART_TO_BETA = {"output_text": "text", "output_audio": "audio"}
_PART_FROM_BETA = {beta: ga for ga, beta in _PART_TO_BETA.items()}
_BETA_ITEM_TYPES = {"message", "function_call", "function_call_output", "item_reference"}


def _unsupported(path: str, dialect: str = "beta", what: str = "") -> EventValidationError:
    return EventValidationError(
        f"'{path}'{what} has no counterpart in the {dialect} dialect.",
        param=path,
        code="unsupported_in_dialect",
    )


def _keep_only(value: Any, allowed: Iterable[str], path: str) -> Any:
    if isinstance(value, dict):
        allowed_set = set(allowed)
        for key in value:
            if key not in allowed_set:
                raise _unsupported(f"{path}.{key}")
    return value


# -- values -------------------------------------------------------------------------------


def _format_to_beta(value: Any, path: str) -> Any:
    if isinstance(value, dict) and value.get("type") in _BETA_FORMATS:
        return _BETA_FORMATS[value["type"]]
    raise _unsupported(path)


def _format_from_beta(value: Any, path: str) -> Any:
    if isinstance(value, str):
        if value not in _GA_FORMATS:
            raise EventValidationError(
                f"Invalid '{path}': {value!r}; expected one of 'pcm16', 'g711_ulaw', 'g711_alaw'.",
                param=path,
                allowed=tuple(_GA_FORMATS),
            )
        return dict(_GA_FORMATS[value])
    return value


def _modalities_to_beta(value: Any, path: str) -> Any:
    # GA's ["audio"] means audio plus its transcript, which beta spells ["text", "audio"].
    if isinstance(value, list) and value == ["audio"]:
        return ["text", "audio"]
    return value


def _modalities_from_beta(value: Any, path: str) -> Any:
    if isinstance(value, list) and "audio" in value:
        return ["audio"]
    return value


def _voice_to_beta(value: Any, path: str) -> Any:
    if isinstance(value, dict):
        raise _unsupported(path)
    return value


def _tools_to_beta(tools: Any, path: str) -> Any:
    if isinstance(tools, list):
        for index, tool in enumerate(tools):
            if isinstance(tool, dict) and tool.get("type", "function") != "function":
                raise _unsupported(f"{path}[{index}]")
    return tools


def _tool_choice_to_beta(value: Any, path: str) -> Any:
    if isinstance(value, dict):
        raise _unsupported(path)
    return value


def _turn_detection_from_beta(value: Any, path: str) -> Any:
    # Beta lets `type` default to server_vad; GA needs it to tell the variants apart.
    if isinstance(value, dict) and "type" not in value:
        return {"type": "server_vad", **value}
    return value


# -- items ----------------------------------------------------------------------------------


def _item_to_beta(item: Any, path: str) -> Any:
    if not isinstance(item, dict):
        return item
    kind = item.get("type")
    if kind not in _BETA_ITEM_TYPES:
        raise _unsupported(path, what=f" (type {kind!r})")
    if kind != "message" or not isinstance(item.get("content"), list):
        return item
    content = []
    for index, part in enumerate(item["content"]):
        if isinstance(part, dict):
            part_type = part.get("type")
            if part_type == "input_image":
                raise _unsupported(f"{path}.content[{index}]", what=" (type 'input_image')")
            if part_type in _PART_TO_BETA:
                part = {**part, "type": _PART_TO_BETA[part_type]}
        content.append(part)
    return {**item, "content": content}


def _item_from_beta(item: Any) -> Any:
    if not isinstance(item, dict) or not isinstance(item.get("content"), list):
        return item
    content = [
        {**part, "type": _PART_FROM_BETA[part["type"]]}
        if isinstance(part, dict) and part.get("type") in _PART_FROM_BETA
        else part
        for part in item["content"]
    ]
    return {**item, "content": content}


def _items_to_beta(items: Any, path: str) -> Any:
    if not isinstance(items, list):
        return items
    return [_item_to_beta(item, f"{path}[{i}]") for i, item in enumerate(items)]


def _input_items_to_beta(items: Any, path: str) -> Any:
    # Beta's response input items (ConversationItemWithReference) have no `audio` part.
    items = _items_to_beta(items, path)
    for i, item in enumerate(items if isinstance(items, list) else ()):
        content = item.get("content") if isinstance(item, dict) else None
        for j, part in enumerate(content if isinstance(content, list) else ()):
            if isinstance(part, dict) and part.get("type") == "audio":
                raise _unsupported(f"{path}[{i}].content[{j}]", what=" (type 'output_audio')")
    return items


def _items_from_beta(items: Any, path: str = "") -> Any:
    if not isinstance(items, list):
        return items
    return [_item_from_beta(item) for item in items]


# -- flat beta objects <-> nested GA objects ------------------------------------------------


def _unchanged(value: Any, path: str) -> Any:
    return value


@dataclass(frozen=True)
class _Field:
    """One field of a flat beta object and where it lives in the GA object."""

    ga: tuple[str, ...]
    beta: str
    to_beta: Callable[[Any, str], Any] = _unchanged
    from_beta: Callable[[Any, str], Any] = _unchanged


def _same(*names: str) -> tuple[_Field, ...]:
    return tuple(_Field((name,), name) for name in names)


_MISSING = object()


def _pop_path(obj: JSON, path: tuple[str, ...]) -> Any:
    """Remove and return ``obj[path[0]]...[path[-1]]``, copying the dicts on the way."""
    head, *tail = path
    if not tail:
        return obj.pop(head, _MISSING)
    inner = obj.get(head)
    if not isinstance(inner, dict):
        return _MISSING
    inner = obj[head] = dict(inner)
    return _pop_path(inner, tuple(tail))


def _set_path(obj: JSON, path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        obj = obj.setdefault(key, {})
    obj[path[-1]] = value


def _reject_leftovers(obj: JSON, path: str) -> None:
    """Fail on the first key no field took: it has no beta counterpart.

    Emptied containers (``audio`` once its fields moved out) are not leftovers.
    """
    for key, value in obj.items():
        if isinstance(value, dict) and key in _NESTED_CONTAINERS:
            _reject_leftovers(value, f"{path}.{key}")
        else:
            raise _unsupported(f"{path}.{key}")


_NESTED_CONTAINERS = {"audio", "input", "output"}


def _flatten(obj: Any, fields: tuple[_Field, ...], path: str) -> Any:
    """A GA object written as its flat beta counterpart."""
    if not isinstance(obj, dict):
        return obj
    rest = dict(obj)
    out: JSON = {}
    for field in fields:
        value = _pop_path(rest, field.ga)
        if value is not _MISSING:
            out[field.beta] = field.to_beta(value, ".".join((path, *field.ga)))
    _reject_leftovers(rest, path)
    return out


def _nest(obj: Any, fields: tuple[_Field, ...], path: str, head: JSON | None = None) -> Any:
    """A flat beta object written as its GA counterpart; unknown keys stay for the strict check."""
    if not isinstance(obj, dict):
        return obj
    rest = dict(obj)
    out: JSON = dict(head or {})
    for field in fields:
        if field.beta in rest:
            value = field.from_beta(rest.pop(field.beta), f"{path}.{field.beta}")
            _set_path(out, field.ga, value)
    out.update(rest)
    return out


def _keeping(*allowed: str) -> Callable[[Any, str], Any]:
    return lambda value, path: _keep_only(value, allowed, path)


_MODALITIES = _Field(("output_modalities",), "modalities", _modalities_to_beta,
                     _modalities_from_beta)
_TOOLS = _Field(("tools",), "tools", _tools_to_beta)
_TOOL_CHOICE = _Field(("tool_choice",), "tool_choice", _tool_choice_to_beta)
_MAX_TOKENS = _Field(("max_output_tokens",), "max_response_output_tokens")

_INPUT_AUDIO_FIELDS = (
    _Field(("audio", "input", "format"), "input_audio_format",
           _format_to_beta, _format_from_beta),
    _Field(("audio", "input", "transcription"), "input_audio_transcription",
           _keeping(*_BETA_TRANSCRIPTION)),
    _Field(("audio", "input", "noise_reduction"), "input_audio_noise_reduction",
           _keeping(*_BETA_NOISE_REDUCTION)),
    _Field(("audio", "input", "turn_detection"), "turn_detection",
           _keeping(*_BETA_TURN_DETECTION), _turn_detection_from_beta),
)

_SESSION_FIELDS = (
    *_same("model"),
    _MODALITIES,
    *_same("instructions"),
    _Field(("audio", "output", "voice"), "voice", _voice_to_beta),
    *_INPUT_AUDIO_FIELDS,
    _Field(("audio", "output", "format"), "output_audio_format",
           _format_to_beta, _format_from_beta),
    _Field(("audio", "output", "speed"), "speed"),
    _TOOLS,
    _TOOL_CHOICE,
    *_same("temperature"),
    _MAX_TOKENS,
    *_same("tracing", "client_secret", "id", "object", "expires_at"),
)
"""The session field map of protocol.md §4.1.3, in the beta SDK's order."""

_TRANSCRIPTION_SESSION_FIELDS = (
    *_INPUT_AUDIO_FIELDS, *_same("include", "modalities", "client_secret"),
)

_RESPONSE_AUDIO_FIELDS = (
    _Field(("audio", "output", "voice"), "voice", _voice_to_beta),
    _Field(("audio", "output", "format"), "output_audio_format",
           _format_to_beta, _format_from_beta),
)

_RESPONSE_PARAMS_FIELDS = (
    _MODALITIES,
    *_same("instructions"),
    *_RESPONSE_AUDIO_FIELDS,
    _TOOLS,
    _TOOL_CHOICE,
    *_same("temperature"),
    _MAX_TOKENS,
    *_same("conversation", "metadata"),
    _Field(("input",), "input", _input_items_to_beta, _items_from_beta),
)
"""``response.create``'s parameters (protocol.md §2.4)."""

def _usage_to_beta(usage: Any, path: str) -> Any:
    if isinstance(usage, dict) and isinstance(usage.get("input_token_details"), dict):
        _keep_only(usage["input_token_details"], ("text_tokens", "audio_tokens", "cached_tokens"),
                   f"{path}.input_token_details")
    return usage


_RESPONSE_FIELDS = (
    *_same("id", "object", "status", "status_details"),
    _Field(("output",), "output", _items_to_beta, _items_from_beta),
    *_same("conversation_id"),
    _MODALITIES,
    *_RESPONSE_AUDIO_FIELDS,
    # The beta response object keeps the GA name for this one (SDK RealtimeResponse).
    *_same("max_output_tokens", "metadata", "temperature"),
    _Field(("usage",), "usage", _usage_to_beta),
)
"""The response object of ``response.created`` / ``response.done`` (protocol.md §4.4)."""


def _renamed(prefix: str, fields: tuple[_Field, ...]) -> dict[str, str]:
    return {f"{prefix}.{f.beta}": ".".join((prefix, *f.ga)) for f in fields if f.ga != (f.beta,)}


_GA_SPELLINGS: dict[str, str] = {
    **_renamed("session", _SESSION_FIELDS),
    **_renamed("response", _RESPONSE_PARAMS_FIELDS),
}


def ga_spelling(param: str) -> str | None:
    """The GA path of a parameter spelled the beta way, or ``None``.

    Used to turn "unknown parameter" into a hint for code written for beta.

    >>> ga_spelling("session.voice")
    'session.audio.output.voice'
    """
    return _GA_SPELLINGS.get(param)


def _session_to_beta(session: Any, path: str) -> Any:
    if not isinstance(session, dict):
        return session
    rest = {key: value for key, value in session.items() if key != "type"}
    if session.get("type") == "transcription":
        return _flatten(rest, _TRANSCRIPTION_SESSION_FIELDS, path)
    return _flatten(rest, _SESSION_FIELDS, path)


def _realtime_session_from_beta(session: Any) -> Any:
    return _nest(session, _SESSION_FIELDS, "session", {"type": "realtime"})


def _transcription_session_from_beta(session: Any) -> Any:
    return _nest(session, _TRANSCRIPTION_SESSION_FIELDS, "session", {"type": "transcription"})


def _response_params_to_beta(params: Any, path: str) -> Any:
    return _flatten(params, _RESPONSE_PARAMS_FIELDS, path)


def _response_to_beta(response: Any, path: str) -> Any:
    return _flatten(response, _RESPONSE_FIELDS, path)


# -- events ---------------------------------------------------------------------------------


def _field(key: str, fn: Callable[[Any, str], Any]) -> Callable[[JSON], JSON]:
    """An event translator that rewrites one field with ``fn(value, path)``."""

    def translate(event: JSON) -> JSON:
        if key not in event:
            return event
        return {**event, key: fn(event[key], key)}

    return translate


def _without(*keys: str) -> Callable[[JSON], JSON]:
    """An event translator that refuses the given GA-only keys."""

    def translate(event: JSON) -> JSON:
        for key in keys:
            if key in event:
                raise _unsupported(key)
        return event

    return translate


def _session_event_to_beta(event: JSON) -> JSON:
    session = event.get("session")
    translated = {**event, "session": _session_to_beta(session, "session")}
    if isinstance(session, dict) and session.get("type") == "transcription":
        if event["type"] != "session.update":
            raise _unsupported("session", what=" (type 'transcription')")
        translated["type"] = "transcription_session.update"
    return translated


_TO_BETA: dict[str, Callable[[JSON], JSON]] = {
    "session.update": _session_event_to_beta,
    "session.created": _session_event_to_beta,
    "session.updated": _session_event_to_beta,
    "conversation.item.create": _field("item", _item_to_beta),
    "conversation.item.created": _field("item", _item_to_beta),
    "conversation.item.retrieved": _field("item", _item_to_beta),
    "response.output_item.added": _field("item", _item_to_beta),
    "response.output_item.done": _field("item", _item_to_beta),
    "response.create": _field("response", _response_params_to_beta),
    "response.created": _field("response", _response_to_beta),
    "response.done": _field("response", _response_to_beta),
    "response.function_call_arguments.done": _without("name"),
    "response.output_audio_transcript.delta": _without("obfuscation"),
    "conversation.item.input_audio_transcription.completed": _without("languages"),
}

_ITEM_FROM_BETA = _field("item", lambda item, _path: _item_from_beta(item))

_FROM_BETA: dict[str, Callable[[JSON], JSON]] = {
    "conversation.item.create": _ITEM_FROM_BETA,
    "conversation.item.created": _ITEM_FROM_BETA,
    "conversation.item.retrieved": _ITEM_FROM_BETA,
    "response.output_item.added": _ITEM_FROM_BETA,
    "response.output_item.done": _ITEM_FROM_BETA,
    "response.create": _field("response", lambda r, p: _nest(r, _RESPONSE_PARAMS_FIELDS, p)),
    "response.created": _field("response", lambda r, p: _nest(r, _RESPONSE_FIELDS, p)),
    "response.done": _field("response", lambda r, p: _nest(r, _RESPONSE_FIELDS, p)),
    "session.created": _field("session", lambda s, _path: _realtime_session_from_beta(s)),
    "session.updated": _field("session", lambda s, _path: _realtime_session_from_beta(s)),
}


def beta_type(ga_type: str) -> str:
    """The beta spelling of a GA event type (most are spelled the same).

    >>> beta_type("response.output_audio.delta")
    'response.audio.delta'
    """
    return SERVER_TYPES_TO_BETA.get(ga_type, ga_type)


def to_beta(event: JSON) -> JSON:
    """Rewrite a GA-shaped event as the beta dialect sends it.

    Raises:
        EventValidationError: the event type, or a field set on it, has no beta counterpart.
    """
    kind = event["type"]
    if kind in GA_ONLY_TYPES:
        raise EventValidationError(
            f"Event type {kind!r} has no counterpart in the beta dialect.",
            param="type",
            code="unsupported_in_dialect",
        )
    translate = _TO_BETA.get(kind)
    if translate is not None:
        event = translate(event)
    if kind in SERVER_TYPES_TO_BETA:
        event = {**event, "type": SERVER_TYPES_TO_BETA[kind]}
    return event


def from_beta(event: JSON) -> JSON:
    """Rewrite a beta event into the GA shape the models hold.

    Unknown keys are kept in place so that a strict parse can report them.
    """
    kind = event.get("type")
    if not isinstance(kind, str):
        return event
    if kind == "transcription_session.update":
        session = event.get("session")
        if isinstance(session, dict):
            session = _transcription_session_from_beta(session)
        return {**event, "type": "session.update", "session": session}
    if kind == "session.update":
        session = event.get("session")
        if isinstance(session, dict):
            session = _realtime_session_from_beta(session)
        return {**event, "session": session}
    ga_kind = _TYPES_FROM_BETA.get(kind, kind)
    if ga_kind != kind:
        event = {**event, "type": ga_kind}
    translate = _FROM_BETA.get(ga_kind)
    return translate(event) if translate is not None else event


# -- GA: refuse beta-only fields ------------------------------------------------------------


def _check_session_ga(session: Any, path: str) -> None:
    if not isinstance(session, dict):
        return
    beta_only: tuple[str, ...] = ("temperature", "client_secret")
    if session.get("type") == "transcription":
        beta_only = ("modalities", "client_secret")
    for key in beta_only:
        if key in session:
            raise _unsupported(f"{path}.{key}", "ga")


def _check_items_ga(items: Any, path: str) -> None:
    if not isinstance(items, list):
        return
    for index, item in enumerate(items):
        _check_item_ga(item, f"{path}[{index}]")


def _check_item_ga(item: Any, path: str) -> None:
    if not isinstance(item, dict) or not isinstance(item.get("content"), list):
        return
    for index, part in enumerate(item["content"]):
        if isinstance(part, dict) and part.get("type") == "item_reference":
            raise _unsupported(f"{path}.content[{index}]", "ga", " (type 'item_reference')")


def _check_response_ga(response: Any, path: str, items_key: str) -> None:
    if not isinstance(response, dict):
        return
    if "temperature" in response:
        raise _unsupported(f"{path}.temperature", "ga")
    _check_items_ga(response.get(items_key), f"{path}.{items_key}")


def _check_transcription_session_updated(event: JSON) -> None:
    raise EventValidationError(
        "Event type 'transcription_session.updated' has no counterpart in the ga dialect;"
        " GA sends session.updated with a transcription session.",
        param="type",
        code="unsupported_in_dialect",
    )


def _check_function_call_arguments_done_ga(event: JSON) -> None:
    # GA requires `name`; beta's event has none, so a beta value cannot be written as GA.
    if "name" not in event:
        raise EventValidationError(
            "'name' is required in the ga dialect; the beta event has no counterpart without it.",
            param="name",
            code="unsupported_in_dialect",
        )


_GA_CHECKS: dict[str, Callable[[JSON], None]] = {
    "session.update": lambda e: _check_session_ga(e.get("session"), "session"),
    "session.created": lambda e: _check_session_ga(e.get("session"), "session"),
    "session.updated": lambda e: _check_session_ga(e.get("session"), "session"),
    "conversation.item.create": lambda e: _check_item_ga(e.get("item"), "item"),
    "conversation.item.created": lambda e: _check_item_ga(e.get("item"), "item"),
    "conversation.item.added": lambda e: _check_item_ga(e.get("item"), "item"),
    "conversation.item.done": lambda e: _check_item_ga(e.get("item"), "item"),
    "conversation.item.retrieved": lambda e: _check_item_ga(e.get("item"), "item"),
    "response.output_item.added": lambda e: _check_item_ga(e.get("item"), "item"),
    "response.output_item.done": lambda e: _check_item_ga(e.get("item"), "item"),
    "response.create": lambda e: _check_response_ga(e.get("response"), "response", "input"),
    "response.created": lambda e: _check_response_ga(e.get("response"), "response", "output"),
    "response.done": lambda e: _check_response_ga(e.get("response"), "response", "output"),
    "response.function_call_arguments.done": _check_function_call_arguments_done_ga,
    "transcription_session.updated": _check_transcription_session_updated,
}

GA_CHECKED_TYPES: frozenset[str] = frozenset(_GA_CHECKS)
"""Event types whose GA encoding must be checked for beta-only fields."""


def check_ga(event: JSON) -> None:
    """Raise if a GA-shaped event carries a field that only beta knows."""
    check = _GA_CHECKS.get(event["type"])
    if check is not None:
        check(event)
