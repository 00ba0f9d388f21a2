"""The base classes every wire value derives from, and the encoders they share.

Two conventions hold everywhere in :mod:`realtime_nb.wire`:

* ``UNSET`` means "not sent": the key is left out of the JSON. ``None`` means a
  JSON ``null``, which the Realtime API gives a meaning in places
  (``turn_detection: null`` turns voice activity detection off).
* Values are written in the **GA** shape. :meth:`Event.to_dict` and
  :meth:`Event.to_json` translate to the ``beta`` dialect on the way out, and
  raise :class:`~realtime_nb.errors.EventValidationError` for a field that has no
  beta counterpart instead of dropping it.
"""

from __future__ import annotations

import typing
from typing import Annotated, Any, ClassVar, Literal, TypeVar

import msgspec
from msgspec import UNSET, UnsetType

from ..errors import EventValidationError
from . import dialect as _dialect
from .reprs import struct_repr

__all__ = [
    "open_literal",
    "UNSET",
    "UnsetType",
    "Dialect",
    "DIALECTS",
    "WireModel",
    "Event",
    "ClientEvent",
    "ServerEvent",
]

Dialect = Literal["ga", "beta"]
"""A wire dialect: ``"ga"`` (the current API) or ``"beta"`` (``OpenAI-Beta: realtime=v1``)."""

DIALECTS: tuple[str, ...] = ("ga", "beta")
"""Every dialect name :func:`check_dialect` accepts."""

_E = TypeVar("_E", bound="ClientEvent")


def open_literal(literal: Any) -> Any:
    """The run-time form of an enumeration the server reports: ``str`` with ``choices``.

    The service adds values over time (voices, statuses); a parser that refused
    them would turn a new voice into an unreadable ``session.created``. So at
    run time such a field is a ``str`` that carries the literal's values as
    ``choices``: server events parse whatever comes, while builders and
    :func:`~realtime_nb.parse_client_event` accept only the choices, and a form
    generator lists them. Type checkers see the ``Literal`` itself, because each
    alias is declared as::

        if TYPE_CHECKING:
            Voice = VoiceName
        else:
            Voice = open_literal(VoiceName)
    """
    return Annotated[str, msgspec.Meta(extra={"choices": typing.get_args(literal)})]

_json_encoder = msgspec.json.Encoder()


def check_dialect(dialect: str) -> None:
    """Raise :class:`EventValidationError` unless ``dialect`` is ``"ga"`` or ``"beta"``."""
    if dialect not in DIALECTS:
        raise EventValidationError(
            f"Invalid dialect {dialect!r}: expected one of 'ga', 'beta'.",
            param="dialect",
            allowed=DIALECTS,
        )


# repr_omit_defaults: a repr shows what was set, not a wall of UNSET (notebooks print these).
class WireModel(msgspec.Struct, frozen=True, kw_only=True, repr_omit_defaults=True):
    """Base of the shared objects (sessions, items, responses...).

    Fields left at ``UNSET`` are not sent. Use :meth:`to_dict` to see the GA wire
    shape of a single object.

    >>> from realtime_nb.wire import ServerVad
    >>> ServerVad(threshold=0.6).to_dict()
    {'type': 'server_vad', 'threshold': 0.6}
    """

    # msgspec's repr with payloads (audio, long text, long lists) summarised: a bare
    # expression in a notebook would otherwise print every base64 character.
    __repr__ = struct_repr

    def to_dict(self) -> dict[str, Any]:
        """The object as plain JSON-ready Python values, in the GA shape."""
        result: dict[str, Any] = msgspec.to_builtins(self)
        return result


class Event(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, tag_field="type",
            repr_omit_defaults=True):
    """Base of every client and server event: a ``type`` tag plus its fields.

    The repr is msgspec's with payloads summarised, as for :class:`WireModel`:

    >>> import realtime_nb
    >>> realtime_nb.append_audio(bytes(48_000))
    InputAudioBufferAppend(audio=<48,000 bytes, 1,000 ms PCM16 24 kHz>)
    """

    __repr__ = struct_repr

    @property
    def type(self) -> str:
        """The event's ``type`` as sent in the GA dialect, e.g. ``"session.update"``."""
        tag: str = self.__struct_config__.tag  # type: ignore[assignment]
        return tag

    def to_dict(self, dialect: Dialect = "ga") -> dict[str, Any]:
        """The event as it goes on the wire, as plain Python values.

        Args:
            dialect: ``"ga"`` (default) or ``"beta"``.

        Raises:
            EventValidationError: a field set on this event has no counterpart in
                ``dialect`` (for example ``session.truncation`` in beta).
        """
        check_dialect(dialect)
        data: dict[str, Any] = msgspec.to_builtins(self)
        if dialect == "ga":
            if data["type"] in _dialect.GA_CHECKED_TYPES:
                _dialect.check_ga(data)
            return data
        return _dialect.to_beta(data)

    def to_json(self, dialect: Dialect = "ga") -> str:
        """The event as the exact JSON text sent in one WebSocket frame.

        >>> import realtime_nb
        >>> realtime_nb.commit_audio().to_json()
        '{"type":"input_audio_buffer.commit"}'
        """
        if dialect == "ga" and self.type not in _dialect.GA_CHECKED_TYPES:
            # The hot path (audio appends, deltas): no dict in between.
            return _json_encoder.encode(self).decode()
        return _json_encoder.encode(self.to_dict(dialect)).decode()


class ClientEvent(Event, frozen=True, kw_only=True, omit_defaults=True):
    """Base of the events a client sends. Build them with the builder functions.

    ``event_id`` is optional; when set, the server names it in any ``error``
    event the client event causes.
    """

    event_id: Annotated[str, msgspec.Meta(min_length=1)] | None = None

    replies: ClassVar[tuple[str, ...]] = ()
    """The server event types that answer this event (GA names); empty for none,
    as for ``input_audio_buffer.append``, which only ever gets errors back."""

    def answered_by(self, event: ServerEvent) -> bool:
        """Whether ``event`` is this client event's reply (by default: its type is in
        :attr:`replies`; events that name an item or a response also match on the id)."""
        return event.type in self.replies

    def with_event_id(self: _E, event_id: str) -> _E:
        """A copy of this event with ``event_id`` set (the original is unchanged).

        >>> import realtime_nb
        >>> realtime_nb.clear_audio().with_event_id("evt_1").to_dict()
        {'type': 'input_audio_buffer.clear', 'event_id': 'evt_1'}
        """
        if not isinstance(event_id, str) or not event_id:
            raise EventValidationError(
                f"Invalid 'event_id': expected a non-empty string, got {event_id!r}.",
                param="event_id",
                code="invalid_type",
            )
        return msgspec.structs.replace(self, event_id=event_id)


class ServerEvent(Event, frozen=True, kw_only=True, omit_defaults=True):
    """Base of the events a server sends. Get them from
    :func:`~realtime_nb.parse_server_event`.

    ``event_id`` is the server's own id for the event (``""`` when absent).
    """

    event_id: str = ""


def cache_event_types() -> None:
    """Give every event class its ``type`` as a plain class attribute.

    It shadows :attr:`Event.type` (a property that reads msgspec's config, about
    ten times slower): every observer and handler reads ``event.type``, several
    times per event. Called once the event modules are imported; msgspec sets a
    class's tag only after ``__init_subclass__`` runs, so it cannot be done there.
    """
    pending: list[type[Event]] = [Event]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        tag = cls.__struct_config__.tag
        if isinstance(tag, str) and "type" not in cls.__dict__:
            setattr(cls, "type", tag)  # noqa: B010
