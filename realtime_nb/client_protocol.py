"""The client side of the Realtime protocol, without I/O.

:class:`ClientProtocol` is what a sender knows besides its socket: it turns
what the user hands it into exact JSON for the session's dialect (with an
``event_id`` so that errors can be traced back), reads server frames into typed
events, links each ``error`` to the client event that caused it, recognises the
reply to each sent event, and keeps the session configuration the user asked
for so that a new connection can be given it again. The socket lives in
:class:`realtime_nb.RealtimeSession`; everything here runs and is tested
without one.

>>> import realtime_nb as rt
>>> protocol = ClientProtocol("ga", id_prefix="evt_t_")
>>> sent = protocol.prepare(rt.clear_audio())
>>> sent.text
'{"type":"input_audio_buffer.clear","event_id":"evt_t_1"}'
>>> protocol.record_sent(sent)  # once it is on the wire
>>> received = protocol.receive('{"type":"input_audio_buffer.cleared","event_id":"e1"}')
>>> received.answers == (sent.event_id,)
True
"""

from __future__ import annotations

import contextlib
import secrets as _random
from collections import OrderedDict, deque
from collections.abc import Mapping
from typing import Any, NamedTuple

import msgspec

from .builders import session_update
from .codec import UnknownServerEvent, parse_client_event, parse_server_event
from .errors import EventValidationError, ServerError
from .wire.base import ClientEvent, Dialect, ServerEvent, check_dialect
from .wire.client_events import SessionUpdate

__all__ = ["ClientProtocol", "Outgoing", "Incoming", "LINK_MEMORY", "ERROR_MEMORY"]

LINK_MEMORY = 4096
"""How many recently sent events are remembered for linking errors and replies.

Errors and replies arrive within a response or two of their cause; 4,096 events
is minutes of audio appends, and bounds the memory of a long session.
"""

ERROR_MEMORY = 1000
"""How many server errors :attr:`ClientProtocol.errors` keeps (the oldest go first)."""

AnyEvent = ServerEvent | UnknownServerEvent


class Outgoing(NamedTuple):
    """A client event ready to send: the event (with its ``event_id``) and its JSON.

    (Tuples: one is made per event sent, and a frozen dataclass costs several
    times more to build.)
    """

    event: ClientEvent
    text: str

    @property
    def event_id(self) -> str:
        """The ``event_id`` the server will name in any error this event causes."""
        return self.event.event_id or ""


class Incoming(NamedTuple):
    """One server frame, read.

    Attributes:
        event: the typed event (:class:`~realtime_nb.UnknownServerEvent` if its type is new).
        error: for an ``error`` event, the :class:`~realtime_nb.ServerError` linking it
            to its cause (``client_event`` is ``None`` when the server named none).
        answers: the ``event_id`` of each sent event this event answers, by a reply
            or by an error naming it.
    """

    event: AnyEvent
    error: ServerError | None = None
    answers: tuple[str, ...] = ()


_STATE_KINDS = frozenset({"error", "session.created", "session.updated",
                          "transcription_session.updated", "response.created", "response.done"})


def _merge(base: dict[str, Any], change: Mapping[str, Any]) -> dict[str, Any]:
    # session.update changes only the fields sent, nested objects included.
    merged = dict(base)
    for key, value in change.items():
        old = merged.get(key)
        if isinstance(old, dict) and isinstance(value, Mapping):
            merged[key] = _merge(old, value)
        else:
            merged[key] = value
    return merged


class ClientProtocol:
    """A Realtime client's state: ids, links, replies and the requested session.

    Args:
        dialect: ``"ga"`` or ``"beta"``; events are encoded for it and server
            frames parsed from it.
        id_prefix: the start of every ``event_id`` this protocol assigns
            (default ``"evt_"`` plus six random characters, so that ids from
            two sessions or two runs of a notebook never collide).

    Attributes:
        session: the effective session, from the last ``session.created`` or
            ``session.updated`` (``None`` before the first).
        requested_session: every field sent in ``session.update`` so far, merged
            (GA shape): what a reconnect restores.
        errors: the server's errors, as :class:`~realtime_nb.ServerError`, oldest first.
        active_response: the id of the response in progress, if any.
        sent, received: counts of events.
    """

    def __init__(self, dialect: Dialect = "ga", *, id_prefix: str | None = None) -> None:
        check_dialect(dialect)
        self.dialect: Dialect = dialect
        self._prefix = id_prefix if id_prefix is not None else f"evt_{_random.token_hex(3)}_"
        self._next_id = 1
        # OrderedDict, not dict: dropping a dict's oldest key is O(n) once deletions pile up.
        self._sent: OrderedDict[str, ClientEvent] = OrderedDict()
        # Per reply type, the sent events still waiting for one, oldest first.
        self._awaiting: dict[str, deque[ClientEvent]] = {}
        self.session: Any = None
        self.requested_session: dict[str, Any] = {}
        self.errors: deque[ServerError] = deque(maxlen=ERROR_MEMORY)
        self.active_response: str | None = None
        self.sent = 0
        self.received = 0

    # -- sending ---------------------------------------------------------------------------

    def next_event_id(self) -> str:
        """A fresh ``event_id``."""
        event_id = f"{self._prefix}{self._next_id}"
        self._next_id += 1
        return event_id

    def prepare(self, event: ClientEvent | Mapping[str, Any]) -> Outgoing:
        """Check ``event``, give it an ``event_id`` if it has none, and encode it.

        A dict is read as the session's dialect reads it and checked as strictly
        as the server would; builders have checked their events already.

        Raises:
            EventValidationError: the event is invalid, or has a field the
                session's dialect cannot carry. Nothing is recorded then.
        """
        if isinstance(event, ClientEvent):
            checked: ClientEvent = event
        elif isinstance(event, Mapping):
            checked = parse_client_event(dict(event), self.dialect)
        else:
            raise EventValidationError(
                f"Cannot send {type(event).__name__}: expected a client event (from a "
                "builder such as realtime_nb.create_response()) or a dict.",
                param="", code="invalid_type",
            )
        if checked.event_id is None:
            # Our ids are valid by construction: no need for with_event_id's check.
            checked = msgspec.structs.replace(checked, event_id=self.next_event_id())
        text = checked.to_json(self.dialect)
        return Outgoing(checked, text)

    def record_sent(self, outgoing: Outgoing) -> None:
        """Note that ``outgoing`` went on the wire: its errors and reply can now be linked."""
        event = outgoing.event
        event_id = outgoing.event_id
        self.sent += 1
        sent = self._sent
        sent[event_id] = event
        if len(sent) > LINK_MEMORY:
            sent.popitem(last=False)
        for reply_type in event.replies:
            waiting = self._awaiting.get(reply_type)
            if waiting is None:
                waiting = self._awaiting[reply_type] = deque(maxlen=LINK_MEMORY)
            waiting.append(event)
        if isinstance(event, SessionUpdate):
            change = event.session.to_dict()
            if change.get("type") != self.requested_session.get("type", change.get("type")):
                self.requested_session = {}  # a new kind of session starts from its defaults
            self.requested_session = _merge(self.requested_session, change)

    def sent_event(self, event_id: str) -> ClientEvent | None:
        """The sent event with this ``event_id``, if still remembered."""
        return self._sent.get(event_id)

    def restore_event(self) -> Outgoing | None:
        """The ``session.update`` that gives a new connection the requested session."""
        if not self.requested_session:
            return None
        return self.prepare(session_update(self.requested_session))

    # -- receiving -------------------------------------------------------------------------

    def receive(self, frame: str | bytes) -> Incoming:
        """Read one server frame.

        Raises:
            DecodeError: the frame is not a JSON object, or a known event's
                fields are invalid.
        """
        event = parse_server_event(frame, self.dialect)
        self.received += 1
        kind = event.type
        if kind in _STATE_KINDS:
            if kind == "error":
                return self._error(event)
            if kind == "response.created":
                self.active_response = getattr(getattr(event, "response", None), "id", None)
            elif kind == "response.done":
                self.active_response = None
            else:
                self.session = getattr(event, "session", None)
        waiting = self._awaiting.get(kind)
        if waiting and isinstance(event, ServerEvent):
            for sent in waiting:
                if sent.answered_by(event):
                    self._forget_awaiting(sent)
                    return Incoming(event, None, (sent.event_id or "",))
        return Incoming(event)

    def _forget_awaiting(self, sent: ClientEvent) -> None:
        for reply_type in sent.replies:
            waiting = self._awaiting.get(reply_type)
            if waiting and waiting[0] is sent:
                waiting.popleft()  # the usual case: replies come in the order of requests
            elif waiting is not None:
                with contextlib.suppress(ValueError):  # already off the bounded deque
                    waiting.remove(sent)

    def _error(self, event: AnyEvent) -> Incoming:
        info = getattr(event, "error", None)
        cause_id = getattr(info, "event_id", None)
        cause = self._sent.get(cause_id) if isinstance(cause_id, str) else None
        error = ServerError(event, cause)
        self.errors.append(error)
        if cause is None:
            return Incoming(event, error)
        self._forget_awaiting(cause)
        return Incoming(event, error, (cause_id,))  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return (f"<ClientProtocol {self.dialect} sent={self.sent} received={self.received} "
                f"errors={len(self.errors)}>")
