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

Reading a client event is stricter, as the service is: ``from_beta(...,
strict=True)`` refuses what beta JSON cannot hold (a GA spelling such as
``session.output_modalities``, a GA-only field, an object where beta takes a
string), and ``check_ga(..., reading=True)`` refuses beta-only fields in GA
JSON, both with the service's codes (``unknown_parameter``, ``invalid_type``,
``invalid_value``), the path as sent, and a pointer to the other spelling. The
same checks, run on a translated value, make ``to_beta`` refuse what beta has no
place for, and the one field map above gives the pointers both ways
(:func:`spelling_hint`) and the beta path of a GA path (:func:`user_path`).
Only the translation lives here; the models live in their own modules.
"""

from __future__ import annotations

import functools
import re
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
    "user_path",
    "spelling_hint",
    "unknown_parameter",
    "beta_only_note",
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
_BETA_TRANSCRIPTION = ("model", "language", "prompt")
_BETA_NOISE_REDUCTION = ("type",)
_PART_TO_BETA = {"output_text": "text", "output_audio": "audio"}
_PART_FROM_BETA = {beta: ga for ga, beta in _PART_TO_BETA.items()}
_GA_ONLY_PARTS = frozenset({"input_image"})
_BETA_ITEM_TYPES = ("message", "function_call", "function_call_output", "item_reference")

# Fields only one dialect has, by the object holding them: a realtime session,
# a transcription session, response.create's parameters (protocol.md §4.1.3,
# §2.3, §2.4). Those of the other dialect get a pointer when refused.
_BETA_ONLY_KEYS: dict[str, tuple[str, ...]] = {
    "session": ("temperature", "client_secret"),
    "transcription": ("modalities", "client_secret"),
    "response": ("temperature",),
}
_GA_ONLY_KEYS: dict[str, tuple[str, ...]] = {
    "session": ("type", "truncation", "prompt", "include", "reasoning", "parallel_tool_calls"),
    "transcription": ("type",),
    "response": ("parallel_tool_calls", "prompt", "reasoning"),
}
_DIALECT_NAMES = {"ga": "GA", "beta": "beta"}


def _unsupported(path: str, dialect: str = "beta", what: str = "") -> EventValidationError:
    return EventValidationError(
        f"'{path}'{what} has no counterpart in the {dialect} dialect.",
        param=path,
        code="unsupported_in_dialect",
    )


def _listed(values: Iterable[Any]) -> str:
    return ", ".join(repr(value) for value in values)


def _only_field(path: str, dialect: str) -> str:
    """``'session.temperature' is a beta-only field (GA has no temperature)``."""
    other = "beta" if dialect == "ga" else "ga"
    key = path.rpartition(".")[2]
    return (f"'{path}' is a {_DIALECT_NAMES[dialect]}-only field"
            f" ({_DIALECT_NAMES[other]} has no {key})")


def unknown_parameter(param: str, dialect: str, *, hint: str | None = None,
                      allowed: Iterable[str] | None = None) -> EventValidationError:
    """The service's error for a key ``dialect`` does not have (protocol.md §5 i).

    ``hint`` defaults to :func:`spelling_hint`: the key's spelling in ``dialect``.

    >>> error = unknown_parameter("session.voice", "ga")
    >>> error.code, error.param
    ('unknown_parameter', 'session.voice')
    >>> print(error.message.replace(". ", ".\\n"))
    Unknown parameter: 'session.voice'.
    'session.voice' is the beta spelling; GA uses 'session.audio.output.voice'.
    """
    if hint is None:
        hint = spelling_hint(param, dialect)
    return EventValidationError(
        f"Unknown parameter: '{param}'.{hint}", param=param, code="unknown_parameter",
        allowed=None if allowed is None else tuple(allowed),
    )


def _json_kind(value: Any) -> str:
    kinds = ((dict, "an object"), (list, "an array"), (str, "a string"), (bool, "a boolean"),
             (int, "a number"), (float, "a number"))
    return next((name for kind, name in kinds if isinstance(value, kind)), "null")


class _Foreign(Exception):
    """Something one dialect has no place for, found by a check both directions share.

    The same check runs when a GA value is written as beta (or a beta-only one
    as GA) and when beta (or GA) JSON is read, and each direction words the
    finding its own way, so the finding carries both words: ``written`` (code
    ``unsupported_in_dialect``, for ``to_dict``/``to_json``) and ``read`` (the
    service's code for the client event it refuses, naming the path as sent).
    """

    def __init__(self, read: EventValidationError, written: EventValidationError) -> None:
        super().__init__(read.message)
        self.read = read
        self.written = written


def _unknown_key(path: str, dialect: str, *, hint: str | None = None,
                 allowed: Iterable[str] | None = None) -> _Foreign:
    """A key ``dialect`` does not have."""
    return _Foreign(unknown_parameter(path, dialect, hint=hint, allowed=allowed),
                    _unsupported(path, dialect))


def _wrong_form(path: str, value: Any, expected: str, hint: str = "") -> _Foreign:
    """A value of a form beta does not take (an object where beta takes a string)."""
    return _Foreign(
        EventValidationError(
            f"Invalid type for '{path}': expected {expected}, got {_json_kind(value)}.{hint}",
            param=path, code="invalid_type"),
        _unsupported(path),
    )


def _invalid_value(path: str, value: Any, allowed: tuple[str, ...]) -> _Foreign:
    """A value outside the closed set beta takes."""
    return _Foreign(
        EventValidationError(f"Invalid value {value!r} for '{path}'; expected one of"
                             f" {_listed(allowed)}.", param=path, allowed=allowed),
        _unsupported(path),
    )


def _unknown_tag(path: str, dialect: str, tag: Any, allowed: tuple[str, ...] = (),
                 hint: str = "") -> _Foreign:
    """A tool, item or content part at ``path`` whose ``type`` ``dialect`` does not have."""
    param = f"{path}.type"
    expected = f"; expected one of {_listed(allowed)}" if allowed else ""
    return _Foreign(
        EventValidationError(f"Invalid value {tag!r} for '{param}'{expected}.{hint}",
                             param=param, allowed=allowed or None, code="invalid_value"),
        _unsupported(path, dialect, f" (type {tag!r})"),
    )


# -- what beta takes: checks run on the value as sent (reading) or as translated (writing) --


def _any_shape(value: Any, path: str) -> None:
    return None


def _only_keys(*allowed: str) -> Callable[[Any, str], None]:
    """An object beta knows with these keys only (GA has more)."""

    def check(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key in value:
                if key not in allowed:
                    raise _unknown_key(f"{path}.{key}", "beta", allowed=allowed)

    return check


def _no_object(expected: str, hint: str) -> Callable[[Any, str], None]:
    """A field beta takes as a plain value where GA also takes an object."""

    def check(value: Any, path: str) -> None:
        if isinstance(value, dict):
            raise _wrong_form(path, value, expected, hint)

    return check


def _function_tools(tools: Any, path: str) -> None:
    if isinstance(tools, list):
        for index, tool in enumerate(tools):
            kind = tool.get("type", "function") if isinstance(tool, dict) else "function"
            if kind != "function":
                raise _unknown_tag(f"{path}[{index}]", "beta", kind, ("function",),
                                   " Beta has function tools only.")


def _beta_format(value: Any, path: str) -> None:
    """An audio format as beta names it: ``pcm16``, ``g711_ulaw`` or ``g711_alaw``."""
    if isinstance(value, str) and value in _GA_FORMATS:
        return
    allowed = tuple(_GA_FORMATS)
    if not isinstance(value, str):
        ga = value.get("type") if isinstance(value, dict) else None
        hint = (f" {value!r} is the GA spelling; beta uses {_BETA_FORMATS[ga]!r}."
                if ga in _BETA_FORMATS else "")
        raise _wrong_form(path, value, f"one of {_listed(allowed)}", hint)
    raise _invalid_value(path, value, allowed)


def _beta_modalities(value: Any, path: str) -> None:
    """Beta's modalities: any of ``text`` and ``audio`` (GA: exactly one)."""
    for index, modality in enumerate(value if isinstance(value, list) else ()):
        if modality not in _MODALITY_NAMES:
            raise _invalid_value(f"{path}[{index}]", modality, _MODALITY_NAMES)


_MODALITY_NAMES = ("text", "audio")


_VOICE_SHAPE = _no_object("a voice name (a string)",
                          " Custom voices ({'id': ...}) exist only in GA.")
_TOOL_CHOICE_SHAPE = _no_object(
    "a string ('auto', 'none' or 'required')",
    " In beta, tool_choice is a plain string; the object form"
    " ({'type': 'function', 'name': ...}) exists only in GA.",
)


# -- values -------------------------------------------------------------------------------


def _format_to_beta(value: Any, path: str) -> Any:
    if isinstance(value, dict) and value.get("type") in _BETA_FORMATS:
        return _BETA_FORMATS[value["type"]]
    raise _unsupported(path)


def _format_from_beta(value: Any, path: str) -> Any:
    if isinstance(value, str):
        _beta_format(value, path)  # an unknown name would have no GA form to go to
        return dict(_GA_FORMATS[value])
    return value


def _modalities_to_beta(value: Any, path: str) -> Any:
    # GA's ["audio"] means audio plus its transcript, which beta spells ["text", "audio"].
    if isinstance(value, list) and value == ["audio"]:
        return ["text", "audio"]
    return value


def _modalities_from_beta(value: Any, path: str) -> Any:
    # Only a valid list collapses: anything else stays for the model to refuse, as sent.
    if isinstance(value, list) and "audio" in value and all(m in _MODALITY_NAMES for m in value):
        return ["audio"]
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
            if part_type in _GA_ONLY_PARTS:
                raise _unsupported(f"{path}.content[{index}]", what=f" (type {part_type!r})")
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


@functools.cache
def _beta_role_parts(response_input: bool) -> dict[str, tuple[str, ...]]:
    """The content part types each role's message takes in beta: GA's rule, beta's names.

    ``response_input``: for ``response.create``'s ``input``, whose beta items
    (``ConversationItemWithReference``) have no ``audio`` part.
    """
    from .items import ROLE_PARTS  # here, not on top: items imports base, which imports us

    table: dict[str, tuple[str, ...]] = {}
    for role, classes in ROLE_PARTS.items():
        tags = [str(cls.__struct_config__.tag) for cls in classes]
        beta = [_PART_TO_BETA.get(tag, tag) for tag in tags if tag not in _GA_ONLY_PARTS]
        table[role] = tuple(tag for tag in beta if not (response_input and tag == "audio"))
    return table


def _misplaced_part(path: str, tag: str, role: str, allowed: tuple[str, ...]) -> _Foreign:
    """A content part type beta does not give this role, with the one to use instead.

    Beta names the assistant's parts ``text``/``audio`` and the others'
    ``input_text``/``input_audio`` (GA: ``output_*``/``input_*``); the part of the
    right kind for the role is the one of the same medium.
    """
    param = f"{path}.type"
    medium = tag.rpartition("_")[2]
    fix = [part for part in allowed if part.rpartition("_")[2] == medium]
    advice = f"use {fix[0]!r}" if fix else f"expected one of {_listed(allowed)}"
    if tag in _GA_ONLY_PARTS:
        advice += f". Content parts of type {tag!r} exist only in GA"
    article = "an" if role.startswith(("a", "e", "i", "o")) else "a"  # not "an user"
    return _Foreign(
        EventValidationError(
            f"Invalid '{param}': {tag!r} is not allowed in {article} {role} message in beta;"
            f" {advice}.", param=param, allowed=allowed, code="invalid_value"),
        _unsupported(path, what=f" (type {tag!r})"),
    )


def _beta_item(item: Any, path: str, response_input: bool = False) -> None:
    """An item as beta holds it: a beta item type, and parts beta gives its role."""
    if not isinstance(item, dict):
        return
    kind = item.get("type")
    kinds = _BETA_ITEM_TYPES if response_input else _BETA_ITEM_TYPES[:-1]  # item_reference
    if isinstance(kind, str) and kind not in kinds:
        raise _unknown_tag(path, "beta", kind, kinds)
    role, content = item.get("role"), item.get("content")
    if not isinstance(role, str) or not isinstance(content, list):
        return  # no role or no content list: the model names what is wrong
    allowed = _beta_role_parts(response_input).get(role)
    if allowed is None:
        return  # an unknown role: the model lists the roles
    for index, part in enumerate(content):
        tag = part.get("type") if isinstance(part, dict) else None
        if isinstance(tag, str) and tag not in allowed:
            raise _misplaced_part(f"{path}.content[{index}]", tag, role, allowed)


def _beta_input_items(items: Any, path: str) -> None:
    for index, item in enumerate(items if isinstance(items, list) else ()):
        _beta_item(item, f"{path}[{index}]", response_input=True)


# -- flat beta objects <-> nested GA objects ------------------------------------------------


def _unchanged(value: Any, path: str) -> Any:
    return value


@dataclass(frozen=True)
class _Field:
    """One field of a flat beta object and where it lives in the GA object.

    ``shape`` checks that a value has the form beta takes (it raises
    :class:`_Foreign`): the translated value when writing beta, the value as
    sent when reading beta strictly.
    """

    ga: tuple[str, ...]
    beta: str
    to_beta: Callable[[Any, str], Any] = _unchanged
    from_beta: Callable[[Any, str], Any] = _unchanged
    shape: Callable[[Any, str], None] = _any_shape


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
            ga_path = ".".join((path, *field.ga))
            value = field.to_beta(value, ga_path)
            field.shape(value, ga_path)
            out[field.beta] = value
    _reject_leftovers(rest, path)
    return out


def _nest(obj: Any, fields: tuple[_Field, ...], path: str, head: JSON | None = None, *,
          strict: bool = False, kind: str = "") -> Any:
    """A flat beta object written as its GA counterpart.

    Lenient (server events), unknown keys stay in place: a strict parse reports
    them, a lenient one ignores them. ``strict`` (a client event, read as the
    service reads it): every value must have beta's form and every key must be
    one of ``fields``' beta names; a GA spelling or a GA-only field of ``kind``
    (a key of ``_GA_ONLY_KEYS``) is refused with a pointer.
    """
    if not isinstance(obj, dict):
        return obj
    rest = dict(obj)
    out: JSON = dict(head or {})
    for field in fields:
        if field.beta in rest:
            value, beta_path = rest.pop(field.beta), f"{path}.{field.beta}"
            if strict:
                field.shape(value, beta_path)
            _set_path(out, field.ga, field.from_beta(value, beta_path))
    if strict and rest:
        key = next(iter(rest))
        param = f"{path}.{key}"
        hint = (f" {_only_field(param, 'ga')}." if key in _GA_ONLY_KEYS.get(kind, ())
                else spelling_hint(param, "beta", rest[key]))
        raise _unknown_key(param, "beta", hint=hint, allowed=[field.beta for field in fields])
    out.update(rest)
    return out


_MODALITIES = _Field(("output_modalities",), "modalities", _modalities_to_beta,
                     _modalities_from_beta, _beta_modalities)
_TOOLS = _Field(("tools",), "tools", shape=_function_tools)
_TOOL_CHOICE = _Field(("tool_choice",), "tool_choice", shape=_TOOL_CHOICE_SHAPE)
_MAX_TOKENS = _Field(("max_output_tokens",), "max_response_output_tokens")
_VOICE_FIELD = _Field(("audio", "output", "voice"), "voice", shape=_VOICE_SHAPE)
_OUTPUT_FORMAT = _Field(("audio", "output", "format"), "output_audio_format",
                        _format_to_beta, _format_from_beta, _beta_format)

_INPUT_AUDIO_FIELDS = (
    _Field(("audio", "input", "format"), "input_audio_format",
           _format_to_beta, _format_from_beta, _beta_format),
    _Field(("audio", "input", "transcription"), "input_audio_transcription",
           shape=_only_keys(*_BETA_TRANSCRIPTION)),
    _Field(("audio", "input", "noise_reduction"), "input_audio_noise_reduction",
           shape=_only_keys(*_BETA_NOISE_REDUCTION)),
    _Field(("audio", "input", "turn_detection"), "turn_detection",
           from_beta=_turn_detection_from_beta, shape=_only_keys(*_BETA_TURN_DETECTION)),
)

_SESSION_FIELDS = (
    *_same("model"),
    _MODALITIES,
    *_same("instructions"),
    _VOICE_FIELD,
    *_INPUT_AUDIO_FIELDS,
    _OUTPUT_FORMAT,
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

_RESPONSE_AUDIO_FIELDS = (_VOICE_FIELD, _OUTPUT_FORMAT)

_RESPONSE_PARAMS_FIELDS = (
    _MODALITIES,
    *_same("instructions"),
    *_RESPONSE_AUDIO_FIELDS,
    _TOOLS,
    _TOOL_CHOICE,
    *_same("temperature"),
    _MAX_TOKENS,
    *_same("conversation", "metadata"),
    _Field(("input",), "input", _input_items_to_beta, _items_from_beta, _beta_input_items),
)
"""``response.create``'s parameters (protocol.md §2.4)."""

_BETA_INPUT_TOKEN_DETAILS = _only_keys("text_tokens", "audio_tokens", "cached_tokens")


def _usage_to_beta(usage: Any, path: str) -> Any:
    if isinstance(usage, dict):
        _BETA_INPUT_TOKEN_DETAILS(usage.get("input_token_details"),
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


def _renamed(prefix: str, fields: tuple[_Field, ...]) -> list[tuple[str, str]]:
    return [(".".join((prefix, *f.ga)), f"{prefix}.{f.beta}") for f in fields
            if f.ga != (f.beta,)]


_SPELLINGS = (*_renamed("session", _SESSION_FIELDS), *_renamed("response", _RESPONSE_PARAMS_FIELDS))
"""Every parameter the dialects spell differently, as (GA path, beta path): the
field maps above, read once for both directions."""

_GA_SPELLINGS: dict[str, str] = {beta: ga for ga, beta in _SPELLINGS}
_BETA_SPELLINGS: dict[str, str] = dict(_SPELLINGS)
_SPELLED: dict[str, dict[str, str]] = {"ga": _GA_SPELLINGS, "beta": _BETA_SPELLINGS}
"""For a dialect, its spelling of each parameter the other dialect spells differently."""


def ga_spelling(param: str) -> str | None:
    """The GA path of a parameter spelled the beta way, or ``None``.

    Used to turn "unknown parameter" into a hint for code written for beta.

    >>> ga_spelling("session.voice")
    'session.audio.output.voice'
    """
    return _GA_SPELLINGS.get(param)


def spelling_hint(param: str, dialect: str, sent: Any = None) -> str:
    """A pointer from a parameter ``dialect`` does not know to its spelling there, or ``""``.

    ``sent`` is the value given for ``param``: for a container only the other
    dialect has (GA's ``session.audio``), the hint names the fields set in it.

    >>> spelling_hint("session.voice", "ga")
    " 'session.voice' is the beta spelling; GA uses 'session.audio.output.voice'."
    >>> spelling_hint("session.output_modalities", "beta")
    " 'session.output_modalities' is the GA spelling; beta uses 'session.modalities'."
    >>> spelling_hint("session.audio", "beta", {"output": {"voice": "alloy"}})
    " 'session.audio.output.voice' is the GA spelling; beta uses 'session.voice'."
    """
    spelled = _SPELLED[dialect]
    other = _DIALECT_NAMES["beta" if dialect == "ga" else "ga"]
    name = _DIALECT_NAMES[dialect]
    if param in spelled:
        return f" '{param}' is the {other} spelling; {name} uses '{spelled[param]}'."
    under = [path for path in spelled if path.startswith(param + ".")]
    used = [path for path in under if _value_at(sent, path[len(param) + 1:]) is not _MISSING]
    found = used or under
    if len(found) == 1:
        return spelling_hint(found[0], dialect)
    if found:
        return (f" These are {other} spellings; {name} uses "
                + ", ".join(f"'{spelled[path]}' for '{path}'" for path in found) + ".")
    return ""


def _value_at(value: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        if not isinstance(value, dict) or key not in value:
            return _MISSING
        value = value[key]
    return value


_BOUNDARY = re.compile(r"[.\[]")


def user_path(path: str, dialect: str) -> str:
    """A GA parameter path as ``dialect`` spells it, for errors found after translating.

    A beta event is checked by the GA models once translated; what they report
    is named the way the user wrote it (the longest renamed prefix is swapped).

    >>> user_path("session.audio.input.turn_detection.silence_duration_ms", "beta")
    'session.turn_detection.silence_duration_ms'
    >>> user_path("response.output_modalities[0]", "beta")
    'response.modalities[0]'
    """
    if dialect == "ga":
        return path
    cuts = [match.start() for match in _BOUNDARY.finditer(path)]
    for cut in reversed([*cuts, len(path)]):
        beta = _BETA_SPELLINGS.get(path[:cut])
        if beta is not None:
            return beta + path[cut:]
    return path


def _session_to_beta(session: Any, path: str) -> Any:
    if not isinstance(session, dict):
        return session
    rest = {key: value for key, value in session.items() if key != "type"}
    if session.get("type") == "transcription":
        return _flatten(rest, _TRANSCRIPTION_SESSION_FIELDS, path)
    return _flatten(rest, _SESSION_FIELDS, path)


def _realtime_session_from_beta(session: Any, strict: bool = False) -> Any:
    return _nest(session, _SESSION_FIELDS, "session", {"type": "realtime"},
                 strict=strict, kind="session")


def _transcription_session_from_beta(session: Any, strict: bool = False) -> Any:
    return _nest(session, _TRANSCRIPTION_SESSION_FIELDS, "session", {"type": "transcription"},
                 strict=strict, kind="transcription")


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
    # GA pads these deltas; no beta capture or SDK model has the field.
    "response.output_text.delta": _without("obfuscation"),
    "response.output_audio_transcript.delta": _without("obfuscation"),
    "conversation.item.input_audio_transcription.delta": _without("obfuscation"),
    "conversation.item.input_audio_transcription.completed": _without("languages"),
}

def _item_event_from_beta(event: JSON, strict: bool) -> JSON:
    if "item" not in event:
        return event
    if strict:
        _beta_item(event["item"], "item")
    return {**event, "item": _item_from_beta(event["item"])}


def _response_params_from_beta(event: JSON, strict: bool) -> JSON:
    if "response" not in event:
        return event
    return {**event, "response": _nest(event["response"], _RESPONSE_PARAMS_FIELDS, "response",
                                       strict=strict, kind="response")}


def _response_from_beta(event: JSON, strict: bool) -> JSON:
    if "response" not in event:
        return event
    return {**event, "response": _nest(event["response"], _RESPONSE_FIELDS, "response")}


def _session_from_beta(event: JSON, strict: bool) -> JSON:
    if "session" not in event:
        return event
    return {**event, "session": _realtime_session_from_beta(event["session"])}


_FROM_BETA: dict[str, Callable[[JSON, bool], JSON]] = {
    "conversation.item.create": _item_event_from_beta,
    "conversation.item.created": _item_event_from_beta,
    "conversation.item.retrieved": _item_event_from_beta,
    "response.output_item.added": _item_event_from_beta,
    "response.output_item.done": _item_event_from_beta,
    "response.create": _response_params_from_beta,
    "response.created": _response_from_beta,
    "response.done": _response_from_beta,
    "session.created": _session_from_beta,
    "session.updated": _session_from_beta,
}
"""Beta events (by GA type) whose fields change shape; ``strict`` matters only for
the client events among them."""


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
    try:
        return _to_beta(event)
    except _Foreign as found:
        raise found.written from None


def _to_beta(event: JSON) -> JSON:
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


def from_beta(event: JSON, *, strict: bool = False) -> JSON:
    """Rewrite a beta event into the GA shape the models hold.

    Args:
        event: a beta event as decoded from JSON.
        strict: ``event`` is a client event, read as the service reads it:
            anything beta does not have (a GA spelling, a GA-only field, an
            object where beta takes a string, a content part its role does not
            take) raises, named as sent and with the beta spelling when there
            is one. Otherwise unknown keys are kept in place, for a strict
            parse of the GA shape to report or a lenient one to ignore.

    Raises:
        EventValidationError: an audio format name beta does not have, and with
            ``strict`` anything else beta does not have.

    >>> from_beta({"type": "session.update", "session": {"voice": "ash"}})["session"]
    {'type': 'realtime', 'audio': {'output': {'voice': 'ash'}}}
    >>> try:
    ...     from_beta({"type": "session.update", "session": {"output_modalities": ["text"]}},
    ...               strict=True)
    ... except EventValidationError as error:
    ...     print(error.message.replace(". ", ".\\n"))
    Unknown parameter: 'session.output_modalities'.
    'session.output_modalities' is the GA spelling; beta uses 'session.modalities'.
    """
    try:
        return _from_beta(event, strict)
    except _Foreign as found:
        raise found.read from None


def _from_beta(event: JSON, strict: bool) -> JSON:
    kind = event.get("type")
    if not isinstance(kind, str):
        return event
    if kind == "transcription_session.update":
        session = event.get("session")
        if isinstance(session, dict):
            session = _transcription_session_from_beta(session, strict)
        return {**event, "type": "session.update", "session": session}
    if kind == "session.update":
        session = event.get("session")
        if isinstance(session, dict):
            session = _realtime_session_from_beta(session, strict)
        return {**event, "session": session}
    ga_kind = _TYPES_FROM_BETA.get(kind, kind)
    if ga_kind != kind:
        event = {**event, "type": ga_kind}
    translate = _FROM_BETA.get(ga_kind)
    return translate(event, strict) if translate is not None else event


# -- GA: refuse beta-only fields ------------------------------------------------------------


def _beta_only_advice(field: str) -> str:
    return f"{_only_field(field, 'beta')}: send it on a beta session (dialect='beta') or remove it."


def beta_only_note(param: str) -> str | None:
    """What to do about ``param`` when it is (or lies in) a beta-only field, else ``None``.

    Builders take these fields (a beta event needs them), so a bad value for one
    is first of all a field GA does not have.

    >>> print(beta_only_note("response.temperature").replace(": ", ":\\n"))
    'response.temperature' is a beta-only field (GA has no temperature):
    send it on a beta session (dialect='beta') or remove it.
    """
    for kind in ("session", "response"):
        for key in _BETA_ONLY_KEYS[kind]:
            field = f"{kind}.{key}"
            if param == field or param.startswith((field + ".", field + "[")):
                return _beta_only_advice(field)
    return None


def _check_keys_ga(obj: JSON, path: str, kind: str) -> None:
    for key in _BETA_ONLY_KEYS[kind]:
        if key in obj:
            field = f"{path}.{key}"
            raise _Foreign(
                unknown_parameter(field, "ga", hint=f" {_only_field(field, 'beta')}."),
                EventValidationError(_beta_only_advice(field), param=field,
                                     code="unsupported_in_dialect"),
            )


def _check_session_ga(session: Any, path: str) -> None:
    if isinstance(session, dict):
        kind = "transcription" if session.get("type") == "transcription" else "session"
        _check_keys_ga(session, path, kind)


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
            raise _unknown_tag(f"{path}.content[{index}]", "ga", "item_reference",
                               hint=" Content parts of type 'item_reference' exist only in beta.")


def _check_response_ga(response: Any, path: str, items_key: str) -> None:
    if not isinstance(response, dict):
        return
    _check_keys_ga(response, path, "response")
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


def check_ga(event: JSON, *, reading: bool = False) -> None:
    """Raise if a GA-shaped event carries a field that only beta knows.

    Args:
        event: a GA event as plain values.
        reading: ``event`` is a client event read as the service reads it
            (``unknown_parameter``, ...); otherwise it is a value about to be
            written as GA (``unsupported_in_dialect``).
    """
    check = _GA_CHECKS.get(event["type"])
    if check is not None:
        try:
            check(event)
        except _Foreign as found:
            raise (found.read if reading else found.written) from None
