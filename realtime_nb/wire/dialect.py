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


def _reject_rest(obj: JSON, path: str, dialect: str = "beta") -> None:
    """Fail on the first key left after translation: it has no counterpart."""
    for key in obj:
        raise _unsupported(f"{path}.{key}", dialect)


def _keep_only(value: Any, allowed: Iterable[str], path: str) -> Any:
    if isinstance(value, dict):
        allowed_set = set(allowed)
        for key in value:
            if key not in allowed_set:
                raise _unsupported(f"{path}.{key}")
    return value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


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


def _modalities_to_beta(value: Any) -> Any:
    # GA's ["audio"] means audio plus its transcript, which beta spells ["text", "audio"].
    if isinstance(value, list) and value == ["audio"]:
        return ["text", "audio"]
    return value


def _modalities_from_beta(value: Any) -> Any:
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


def _turn_detection_from_beta(value: Any) -> Any:
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


def _items_from_beta(items: Any) -> Any:
    if not isinstance(items, list):
        return items
    return [_item_from_beta(item) for item in items]


# -- sessions -------------------------------------------------------------------------------


def _audio_parts(obj: JSON, path: str, sides: tuple[str, ...]) -> tuple[JSON, JSON]:
    audio = obj.pop("audio", None)
    if audio is None:
        return {}, {}
    if not isinstance(audio, dict):
        raise _unsupported(f"{path}.audio")
    audio = dict(audio)
    parts = {side: dict(audio.pop(side, None) or {}) for side in sides}
    _reject_rest(audio, f"{path}.audio")
    return parts.get("input", {}), parts.get("output", {})


def _input_audio_to_beta(inp: JSON, out: JSON, path: str) -> None:
    if "format" in inp:
        out["input_audio_format"] = _format_to_beta(inp.pop("format"), f"{path}.format")
    if "transcription" in inp:
        out["input_audio_transcription"] = _keep_only(
            inp.pop("transcription"), _BETA_TRANSCRIPTION, f"{path}.transcription"
        )
    if "noise_reduction" in inp:
        out["input_audio_noise_reduction"] = _keep_only(
            inp.pop("noise_reduction"), _BETA_NOISE_REDUCTION, f"{path}.noise_reduction"
        )
    if "turn_detection" in inp:
        out["turn_detection"] = _keep_only(
            inp.pop("turn_detection"), _BETA_TURN_DETECTION, f"{path}.turn_detection"
        )
    _reject_rest(inp, path)


def _input_audio_from_beta(session: JSON) -> JSON:
    inp: JSON = {}
    if "input_audio_format" in session:
        inp["format"] = _format_from_beta(
            session.pop("input_audio_format"), "session.input_audio_format"
        )
    if "input_audio_transcription" in session:
        inp["transcription"] = session.pop("input_audio_transcription")
    if "input_audio_noise_reduction" in session:
        inp["noise_reduction"] = session.pop("input_audio_noise_reduction")
    if "turn_detection" in session:
        inp["turn_detection"] = _turn_detection_from_beta(session.pop("turn_detection"))
    return inp


def _realtime_session_to_beta(session: JSON, path: str) -> JSON:
    rest = dict(session)
    rest.pop("type", None)
    inp, outp = _audio_parts(rest, path, ("input", "output"))
    out: JSON = {}
    _input_audio_to_beta(inp, out, f"{path}.audio.input")
    if "format" in outp:
        out["output_audio_format"] = _format_to_beta(
            outp.pop("format"), f"{path}.audio.output.format"
        )
    if "voice" in outp:
        out["voice"] = _voice_to_beta(outp.pop("voice"), f"{path}.audio.output.voice")
    if "speed" in outp:
        out["speed"] = outp.pop("speed")
    _reject_rest(outp, f"{path}.audio.output")
    if "output_modalities" in rest:
        out["modalities"] = _modalities_to_beta(rest.pop("output_modalities"))
    if "max_output_tokens" in rest:
        out["max_response_output_tokens"] = rest.pop("max_output_tokens")
    if "tools" in rest:
        out["tools"] = _tools_to_beta(rest.pop("tools"), f"{path}.tools")
    if "tool_choice" in rest:
        out["tool_choice"] = _tool_choice_to_beta(rest.pop("tool_choice"), f"{path}.tool_choice")
    for key in ("model", "instructions", "tracing", "temperature", "client_secret",
                "id", "object", "expires_at"):
        if key in rest:
            out[key] = rest.pop(key)
    _reject_rest(rest, path)
    return out


def _realtime_session_from_beta(session: JSON) -> JSON:
    rest = dict(session)
    out: JSON = {"type": "realtime"}
    inp = _input_audio_from_beta(rest)
    outp: JSON = {}
    if "output_audio_format" in rest:
        outp["format"] = _format_from_beta(
            rest.pop("output_audio_format"), "session.output_audio_format"
        )
    for key in ("voice", "speed"):
        if key in rest:
            outp[key] = rest.pop(key)
    if "modalities" in rest:
        out["output_modalities"] = _modalities_from_beta(rest.pop("modalities"))
    if "max_response_output_tokens" in rest:
        out["max_output_tokens"] = rest.pop("max_response_output_tokens")
    audio = {side: part for side, part in (("input", inp), ("output", outp)) if part}
    if audio:
        out["audio"] = audio
    out.update(rest)  # shared names, and unknown keys for the strict check to report
    return out


def _transcription_session_to_beta(session: JSON, path: str) -> JSON:
    rest = dict(session)
    rest.pop("type", None)
    inp, _ = _audio_parts(rest, path, ("input",))
    out: JSON = {}
    _input_audio_to_beta(inp, out, f"{path}.audio.input")
    for key in ("include", "modalities", "client_secret"):
        if key in rest:
            out[key] = rest.pop(key)
    _reject_rest(rest, path)
    return out


def _transcription_session_from_beta(session: JSON) -> JSON:
    rest = dict(session)
    out: JSON = {"type": "transcription"}
    inp = _input_audio_from_beta(rest)
    if inp:
        out["audio"] = {"input": inp}
    out.update(rest)
    return out


def _session_to_beta(session: Any, path: str) -> Any:
    if not isinstance(session, dict):
        return session
    if session.get("type") == "transcription":
        return _transcription_session_to_beta(session, path)
    return _realtime_session_to_beta(session, path)


# -- responses ------------------------------------------------------------------------------


def _response_audio_to_beta(rest: JSON, out: JSON, path: str) -> None:
    _, outp = _audio_parts(rest, path, ("output",))
    if "format" in outp:
        out["output_audio_format"] = _format_to_beta(
            outp.pop("format"), f"{path}.audio.output.format"
        )
    if "voice" in outp:
        out["voice"] = _voice_to_beta(outp.pop("voice"), f"{path}.audio.output.voice")
    _reject_rest(outp, f"{path}.audio.output")


def _response_audio_from_beta(rest: JSON, out: JSON, path: str) -> None:
    outp: JSON = {}
    if "output_audio_format" in rest:
        outp["format"] = _format_from_beta(
            rest.pop("output_audio_format"), f"{path}.output_audio_format"
        )
    if "voice" in rest:
        outp["voice"] = rest.pop("voice")
    if outp:
        out["audio"] = {"output": outp}


def _response_params_to_beta(params: Any, path: str) -> Any:
    if not isinstance(params, dict):
        return params
    rest = dict(params)
    out: JSON = {}
    _response_audio_to_beta(rest, out, path)
    if "output_modalities" in rest:
        out["modalities"] = _modalities_to_beta(rest.pop("output_modalities"))
    if "max_output_tokens" in rest:
        out["max_response_output_tokens"] = rest.pop("max_output_tokens")
    if "input" in rest:
        out["input"] = _input_items_to_beta(rest.pop("input"), f"{path}.input")
    if "tools" in rest:
        out["tools"] = _tools_to_beta(rest.pop("tools"), f"{path}.tools")
    if "tool_choice" in rest:
        out["tool_choice"] = _tool_choice_to_beta(rest.pop("tool_choice"), f"{path}.tool_choice")
    for key in ("instructions", "conversation", "metadata", "temperature"):
        if key in rest:
            out[key] = rest.pop(key)
    _reject_rest(rest, path)
    return out


def _response_params_from_beta(params: Any) -> Any:
    if not isinstance(params, dict):
        return params
    rest = dict(params)
    out: JSON = {}
    _response_audio_from_beta(rest, out, "response")
    if "modalities" in rest:
        out["output_modalities"] = _modalities_from_beta(rest.pop("modalities"))
    if "max_response_output_tokens" in rest:
        out["max_output_tokens"] = rest.pop("max_response_output_tokens")
    if "input" in rest:
        out["input"] = _items_from_beta(rest.pop("input"))
    out.update(rest)
    return out


def _usage_to_beta(usage: Any, path: str) -> Any:
    if isinstance(usage, dict) and isinstance(usage.get("input_token_details"), dict):
        _keep_only(usage["input_token_details"], ("text_tokens", "audio_tokens", "cached_tokens"),
                   f"{path}.input_token_details")
    return usage


def _response_to_beta(response: Any, path: str) -> Any:
    if not isinstance(response, dict):
        return response
    rest = dict(response)
    out: JSON = {}
    _response_audio_to_beta(rest, out, path)
    if "output_modalities" in rest:
        out["modalities"] = _modalities_to_beta(rest.pop("output_modalities"))
    if "output" in rest:
        out["output"] = _items_to_beta(rest.pop("output"), f"{path}.output")
    if "usage" in rest:
        out["usage"] = _usage_to_beta(rest.pop("usage"), f"{path}.usage")
    for key in ("id", "object", "status", "status_details", "conversation_id",
                "max_output_tokens", "metadata", "temperature"):
        if key in rest:
            out[key] = rest.pop(key)
    _reject_rest(rest, path)
    return out


def _response_from_beta(response: Any) -> Any:
    if not isinstance(response, dict):
        return response
    rest = dict(response)
    out: JSON = {}
    _response_audio_from_beta(rest, out, "response")
    if "modalities" in rest:
        out["output_modalities"] = _modalities_from_beta(rest.pop("modalities"))
    if "output" in rest:
        out["output"] = _items_from_beta(rest.pop("output"))
    out.update(rest)
    return out


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
    if isinstance(session, dict) and session.get("type") == "transcription":
        if event["type"] != "session.update":
            raise _unsupported("session", what=" (type 'transcription')")
        return {**event, "type": "transcription_session.update",
                "session": _transcription_session_to_beta(session, "session")}
    return {**event, "session": _session_to_beta(session, "session")}


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
    "response.create": _field("response", lambda r, _path: _response_params_from_beta(r)),
    "response.created": _field("response", lambda r, _path: _response_from_beta(r)),
    "response.done": _field("response", lambda r, _path: _response_from_beta(r)),
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
