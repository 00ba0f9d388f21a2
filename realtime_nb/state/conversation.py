"""The conversation as the client sees it: items, responses, input audio, expiry.

:class:`Conversation` is an :class:`~realtime_nb.state.observer.Observer` that a
session keeps current (``session.conversation``) and that works offline on
recorded events (``Conversation.from_tape(tape)``, or :meth:`~Conversation.apply`
for each event). It holds no socket and does no I/O.

What it promises, whatever order the events come in:

* applying an event never raises; an event for an item or response not seen
  yet is kept (a placeholder item is made and counted in :attr:`~Conversation.orphans`);
* ``.done`` values win over deltas, so a late or duplicated delta changes nothing;
* :attr:`~Conversation.items` follows the server's order: ``previous_item_id``
  places an item (``None`` or ``"root"``: first), an item placed after one not seen
  yet moves there when it arrives, deleted items leave, and the output of
  out-of-band responses (``conversation: "none"``) never enters.

>>> import realtime_nb as rt
>>> conversation = Conversation()
>>> conversation.apply({"type": "conversation.item.added", "event_id": "e1",
...     "previous_item_id": None, "item": {"id": "item_1", "type": "message",
...     "role": "user", "status": "completed",
...     "content": [{"type": "input_text", "text": "Hi"}]}})
>>> conversation.items
[Item(item_1, message, user, completed, text='Hi')]
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from ..builders import assistant_text, create_item, system_text, user_text
from ..codec import parse_client_event, parse_server_event
from ..errors import NothingToCancel, ResponseActive
from ..tape import Tape
from ..wire.base import ClientEvent, Dialect, check_dialect
from ..wire.client_events import ConversationItemCreate
from . import export
from .conversation_events import ConversationEvents, out_of_band
from .input_audio import SpeechSegment
from .items import TEXT_KINDS, Item
from .responses import ResponseState

__all__ = ["Conversation"]

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _caller_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first caller outside realtime_nb."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


class Conversation(ConversationEvents):
    """The conversation, the responses and the input buffer of one session, from its events.

    Args:
        dialect: the wire dialect of raw frames given to :meth:`apply` (typed
            events are the same in both).
        clock: a monotonic clock in seconds, for response timings (injectable for tests).
        wall_clock: epoch seconds, for :attr:`expires_in`.
        keep_audio: keep audio bytes for :attr:`Item.audio` (``False`` counts them only).

    Attributes: ``input``, ``orphans``, ``expired``, ``archived`` and ``session_id``, as
    :class:`~realtime_nb.state.conversation_events.ConversationEvents` (which applies
    the events) describes them.

    A session feeds it; offline, feed it a tape::

        conversation = rt.Conversation.from_tape(rt.Tape.load("run.jsonl"))
        conversation.save("chat.md")
    """

    def __init__(self, dialect: Dialect = "ga", *,
                 clock: Callable[[], float] = time.perf_counter,
                 wall_clock: Callable[[], float] = time.time,
                 keep_audio: bool = True) -> None:
        check_dialect(dialect)
        super().__init__(clock=clock, keep_audio=keep_audio)
        self.dialect: Dialect = dialect
        self._wall_clock = wall_clock

    # -- building one ------------------------------------------------------------------------

    @classmethod
    def from_events(cls, events: Iterable[Any], dialect: Dialect = "ga",
                    **options: Any) -> Conversation:
        """A conversation from server events (typed, dicts or JSON frames), in order."""
        conversation = cls(dialect, **options)
        for event in events:
            conversation.apply(event)
        return conversation

    @classmethod
    def from_tape(cls, tape: Tape | str | Path, **options: Any) -> Conversation:
        """A conversation replayed from a tape (``connect(record=True)``, or a saved file).

        Client frames count as sent (appended audio, ``response.create``) and
        timings are the tape's, so responses report the times of the recording.
        """
        if not isinstance(tape, Tape):
            tape = Tape.load(tape)
        now = [0.0]
        dialect: Dialect = "beta" if tape.dialect == "beta" else "ga"
        conversation = cls(dialect, clock=lambda: now[0], **options)
        for entry in tape:
            now[0] = entry.at
            if entry.direction == "server":
                conversation.apply(entry.text)
                continue
            try:
                conversation.sent(parse_client_event(entry.text, dialect))
            except ValueError:  # a frame the recording session sent on purpose, invalid
                continue
        return conversation

    def apply(self, event: Any) -> None:
        """Apply one server event: a typed event, or its JSON text or dict (in :attr:`dialect`).

        Never raises for a well-formed event, whatever came before it; a frame that
        is not a valid event raises :class:`~realtime_nb.DecodeError`.
        """
        if isinstance(event, (str, bytes, bytearray, dict)):
            event = parse_server_event(event, self.dialect)
        self.received(event)

    # -- Observer ----------------------------------------------------------------------------

    def before_send(self, event: ClientEvent, *, check: bool = True) -> None:
        """Refuse an in-band ``response.create`` while a response is in progress (or asked
        for); warn about a ``response.cancel`` with nothing to cancel."""
        kind = event.type
        if kind == "response.create":
            if check:
                self.check(event)
            self._requests.checked(self._request(event))
        elif kind == "response.cancel" and check:
            self._warn_nothing_to_cancel(event)

    def check(self, event: ClientEvent) -> None:
        """Raise :class:`~realtime_nb.ResponseActive` if ``event`` is a ``response.create`` for
        the default conversation while a response is in progress or asked for.

        Out-of-band responses (``conversation="none"``) are never refused.
        """
        if event.type != "response.create" or out_of_band(getattr(event, "response", None)):
            return
        active = self.active_response
        if active is not None:
            raise ResponseActive(active)
        pending = self._requests.pending(self._clock())
        if pending is not None:
            raise ResponseActive(None, pending.event_id)

    # -- what a notebook reads ---------------------------------------------------------------

    def __getitem__(self, item_id: str) -> Item:
        """Any item seen, by id: out-of-band output, deleted and archived items included."""
        return self._items[item_id]

    def __len__(self) -> int:
        return len(self._order)

    @property
    def responses(self) -> list[ResponseState]:
        """Every response seen, oldest first (look one up with :meth:`response`)."""
        return list(self._responses.values())

    def response(self, response_id: str) -> ResponseState:
        """The response with this id (``KeyError`` if none was seen)."""
        return self._responses[response_id]

    @property
    def active_response(self) -> str | None:
        """The id of the response in progress on the default conversation, or ``None``."""
        return next(iter(self._in_progress), None)

    @property
    def speech(self) -> list[SpeechSegment]:
        """The speech voice activity detection heard, in time order (``speech_started`` and
        ``speech_stopped``, in ms from the session's first appended audio)."""
        return self.input.speech

    @property
    def input_audio_ms(self) -> float:
        """Milliseconds of audio appended since the last commit or clear (the service refuses
        to commit less than 100 ms)."""
        return self.input.ms

    @property
    def expires_at(self) -> datetime | None:
        """When the service will end the session (``session.created``'s ``expires_at``)."""
        if self._expires_at is None:
            return None
        return datetime.fromtimestamp(self._expires_at, UTC)

    @property
    def expires_in(self) -> float | None:
        """Seconds left before the session expires (negative once past), or ``None``."""
        if self._expires_at is None:
            return None
        return self._expires_at - self._wall_clock()

    def reseed_events(self) -> list[ConversationItemCreate]:
        """``conversation.item.create`` events that give a new session this conversation's text.

        One per finished text message (user, assistant and system; not one only
        deltas told of), in order, with the item's id so that the new session's
        items are these same items.
        Audio items and function calls are left out: the service refuses assistant
        audio messages from a client, and user audio would have to be sent again
        whole (and billed again) while its transcript is only what a separate model
        heard; a function call and its output only make sense as a pair, with the
        tools of the new session, and the service refuses an output whose call it
        has not seen.
        """
        builders = {"user": user_text, "assistant": assistant_text, "system": system_text}
        events = []
        for item in self.items:
            build = builders.get(item.role or "")
            parts = [p for p in item.parts if p is not None]
            if (item.type != "message" or build is None or item.placeholder
                    or item.status == "in_progress"
                    or not parts or any(p.kind not in TEXT_KINDS for p in parts)):
                continue
            text = item.text
            if text:
                events.append(create_item(msgspec.structs.replace(build(text), id=item.id)))
        return events

    def to_markdown(self, title: str = "Conversation") -> str:
        """A readable transcript: each item with its role, tool calls with their outputs."""
        return export.to_markdown(self.items, title)

    def save(self, path: str | Path, title: str = "Conversation") -> Path:
        """Write :meth:`to_markdown` to ``path`` (UTF-8); returns the path."""
        target = Path(path)
        target.write_text(self.to_markdown(title), encoding="utf-8")
        return target

    def save_audio(self, folder: str | Path) -> list[Path]:
        """Write each item's audio to a WAV file in ``folder`` (made if needed), named
        ``<position>-<role>-<item id>.wav``; returns the paths, in conversation order."""
        return export.save_audio(self.items, Path(folder))

    def __repr__(self) -> str:
        shown = [f"{len(self._order)} items", f"{len(self._responses)} responses"]
        if self.active_response is not None:
            shown.append(f"active={self.active_response}")
        if self.input.buffered_bytes:
            shown.append(f"input={self.input_audio_ms:,.0f} ms")
        if self.orphans:
            shown.append(f"orphans={self.orphans}")
        if self.expired:
            shown.append("expired")
        return f"<Conversation {', '.join(shown)}>"

    def _repr_html_(self) -> str:
        return export.to_html(self)

    def _warn_nothing_to_cancel(self, event: Any) -> None:
        response_id = event.response_id
        if isinstance(response_id, str):
            known = self._responses.get(response_id)
            if known is not None and not known.done:
                return
            what = f"response {response_id} is not in progress"
        elif self.active_response is not None:
            return
        else:
            what = "no response is in progress"
            pending = self._requests.pending(self._clock())
            if pending is not None:
                what += (f" (one was asked for by {pending.event_id} and has not started: a "
                         "cancel before response.created finds nothing)")
        warnings.warn(NothingToCancel(
            f"response.cancel: {what}; the service will answer response_cancel_not_active "
            "(sent anyway)"), stacklevel=_caller_stacklevel())
