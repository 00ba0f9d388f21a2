"""Reading events off the wire: server events leniently, client events strictly.

* :func:`parse_server_event` never raises for a well-formed JSON object: unknown
  types come back whole as :class:`UnknownServerEvent`, unknown fields in known
  events are ignored (the service adds fields over time).
* :func:`parse_client_event` is what a server (our mock) uses: every unknown
  key, missing field or bad value raises
  :class:`~realtime_nb.errors.EventValidationError` naming the field.

>>> from realtime_nb import parse_server_event
>>> parse_server_event('{"type":"response.output_text.delta","event_id":"event_1",'
...     '"response_id":"resp_1","item_id":"item_1","output_index":0,"content_index":0,'
...     '"delta":"Hi"}').delta
'Hi'
"""

from __future__ import annotations

import copy
from typing import Any

import msgspec

from .errors import DecodeError, EventValidationError
from .wire import dialect as _dialect
from .wire.base import Dialect, ServerEvent, check_dialect
from .wire.client_events import CLIENT_EVENT_TYPES, AnyClientEvent
from .wire.reprs import short_repr
from .wire.server_events import SERVER_EVENT_TYPES, AnyServerEvent
from .wire.validation import convert

__all__ = [
    "UnknownServerEvent",
    "parse_server_event",
    "parse_client_event",
    "MAX_NESTING",
]

MAX_NESTING = 64
"""Deepest JSON nesting :func:`parse_client_event` accepts.

Real events nest about ten levels (a tool's JSON Schema adds a few); the
limit keeps hostile input from costing a deep recursion.
"""

_server_decoder = msgspec.json.Decoder(AnyServerEvent)
_GA_CLIENT_TYPES = frozenset(CLIENT_EVENT_TYPES)
_BETA_CLIENT_TYPES = _GA_CLIENT_TYPES | {"transcription_session.update"}
_any_decoder = msgspec.json.Decoder()


class UnknownServerEvent:
    """A server event whose ``type`` this version does not know, kept whole.

    Attributes:
        raw: the event exactly as decoded.
    """

    __slots__ = ("raw",)

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    @property
    def type(self) -> str:
        """The event's ``type`` as received (``""`` if it had none)."""
        kind = self.raw.get("type")
        return kind if isinstance(kind, str) else ""

    @property
    def event_id(self) -> str:
        """The server's id for the event (``""`` if it had none)."""
        event_id = self.raw.get("event_id")
        return event_id if isinstance(event_id, str) else ""

    def to_dict(self, dialect: Dialect = "ga") -> dict[str, Any]:
        """A copy of the raw event (unknown events are passed on unchanged in any dialect)."""
        return copy.deepcopy(self.raw)

    def to_json(self, dialect: Dialect = "ga") -> str:
        """The raw event as compact JSON."""
        return msgspec.json.encode(self.raw).decode()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UnknownServerEvent) and other.raw == self.raw

    def __hash__(self) -> int:
        return hash(self.to_json())

    def __repr__(self) -> str:
        # The type and the keys, never the values; both cut short like the wire models'
        # payloads, since the server decides how long they are.
        keys = short_repr(sorted(self.raw))
        return f"UnknownServerEvent(type={short_repr(self.type)}, keys={keys})"


def _load_object(data: str | bytes | bytearray | memoryview | dict[str, Any]) -> dict[str, Any]:
    if isinstance(data, dict):
        return data
    try:
        value = _any_decoder.decode(data)
    except msgspec.DecodeError as error:
        raise DecodeError(f"Malformed JSON: {error}") from None
    if not isinstance(value, dict):
        raise DecodeError(f"Expected a JSON object, got {type(value).__name__}.")
    return value


def _server_event_from_dict(raw: dict[str, Any]) -> ServerEvent | UnknownServerEvent:
    kind = raw.get("type")
    cls = SERVER_EVENT_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        return UnknownServerEvent(raw)
    try:
        return msgspec.convert(raw, cls)
    except msgspec.ValidationError as error:
        raise DecodeError(f"Invalid {kind!r} event: {error}") from None


def parse_server_event(
    data: str | bytes | bytearray | memoryview | dict[str, Any], dialect: Dialect = "ga"
) -> ServerEvent | UnknownServerEvent:
    """Parse one server event into its typed value.

    Args:
        data: the JSON text of one frame, or an already-decoded dict.
        dialect: ``"ga"`` or ``"beta"``; beta events come back as their GA twins
            (``response.text.delta`` parses to ``ResponseOutputTextDelta``).

    Returns:
        The typed event, or :class:`UnknownServerEvent` for a ``type`` not known here.

    Raises:
        DecodeError: the data is not a JSON object, or a known event's fields are
            invalid (a field of the wrong type, a required field missing).
    """
    check_dialect(dialect)
    if dialect == "ga" and not isinstance(data, dict):
        try:
            return _server_decoder.decode(data)
        except msgspec.ValidationError:
            pass  # unknown type or bad fields: sort out below, off the fast path
        except msgspec.DecodeError as error:
            raise DecodeError(f"Malformed JSON: {error}") from None
    raw = _load_object(data)
    if dialect == "beta":
        try:
            return _server_event_from_dict(_dialect.from_beta(raw))
        except EventValidationError as error:
            raise DecodeError(f"Invalid beta event: {error}") from None
    return _server_event_from_dict(raw)


def _depth(value: Any, limit: int) -> int:
    stack = [(value, 1)]
    deepest = 0
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


def _may_nest_deeper(data: Any, limit: int) -> bool:
    """False when JSON text has too few brackets to nest deeper than ``limit``.

    Counting is done in C and spares the walk over every value of nearly every
    event; brackets inside strings only make the count larger, never wrong.
    """
    if isinstance(data, str):
        return data.count("{") + data.count("[") > limit
    if isinstance(data, (bytes, bytearray)):
        return data.count(b"{") + data.count(b"[") > limit
    return True


def parse_client_event(
    data: str | bytes | bytearray | memoryview | dict[str, Any], dialect: Dialect = "ga"
) -> AnyClientEvent:
    """Parse and strictly validate one client event (what a Realtime server does).

    Each dialect is held to its own shape: beta JSON with a GA spelling
    (``session.output_modalities``) or a GA-only field or form (``session.type``,
    an object ``tool_choice``), and GA JSON with a beta-only field
    (``session.temperature``), are refused as the service refuses them, with a
    pointer to the right spelling. Errors name the path as the JSON spelled it.

    Args:
        data: the JSON text of one frame, or an already-decoded dict.
        dialect: ``"ga"`` or ``"beta"`` (``transcription_session.update`` becomes a
            :class:`~realtime_nb.wire.SessionUpdate` with a transcription session).

    Raises:
        DecodeError: the data is not a JSON object.
        EventValidationError: unknown ``type``, unknown key, missing field or bad
            value; ``param`` holds the path (``"session.audio.input.format.rate"``)
            and ``allowed`` the accepted values where they form a closed set.
    """
    check_dialect(dialect)
    raw = _load_object(data)
    if _may_nest_deeper(data, MAX_NESTING) and _depth(raw, MAX_NESTING) > MAX_NESTING:
        raise EventValidationError(
            f"Event nests deeper than {MAX_NESTING} levels.", param="", code="invalid_value"
        )
    kind = raw.get("type")
    known = _BETA_CLIENT_TYPES if dialect == "beta" else _GA_CLIENT_TYPES
    if not isinstance(kind, str) or kind not in known:
        if "type" not in raw:
            raise EventValidationError(
                "Missing required parameter: 'type'.", param="type",
                allowed=sorted(known), code="missing_required_parameter",
            )
        raise EventValidationError(
            f"Invalid value {kind!r} for 'type'; expected one of "
            + ", ".join(repr(k) for k in sorted(known)) + ".",
            param="type", allowed=sorted(known), code="invalid_value",
        )
    if dialect == "beta":
        raw = _dialect.from_beta(raw, strict=True)
    elif kind in _dialect.GA_CHECKED_TYPES:
        _dialect.check_ga(raw, reading=True)
    return convert(raw, AnyClientEvent, strict=True, from_json=not isinstance(data, dict),
                   dialect=dialect)
