"""The one way protocol state hears about a session: an :class:`Observer` the session feeds.

Conversation state, tools, usage, playback: each is an object with no I/O that
follows the events a session sends and receives. The session calls every
observer it holds at three points, so a new capability is a new observer, not
new code in the session:

* :meth:`Observer.before_send`, before an event is queued: raising refuses it
  and nothing is sent (a ``response.create`` while a response is active, a
  spent budget). Observers are asked in the reverse of the order they were
  added, so the first one added hears last, only of events no other refused;
* :meth:`Observer.sent`, when it is written to the connection;
* :meth:`Observer.received`, for every server event, before handlers and
  waiters see it, so that they see the state it leads to.

Observers are fed on the session's event loop, in order. Tests and offline study
feed them by hand from recorded events.
"""

from __future__ import annotations

from typing import Any

from ..wire.base import ClientEvent

__all__ = ["Observer"]


class Observer:
    """Base of the state objects a session keeps current; every method does nothing here.

    >>> class Counter(Observer):
    ...     def __init__(self) -> None:
    ...         self.count = 0
    ...     def received(self, event) -> None:
    ...         self.count += 1
    """

    def before_send(self, event: ClientEvent, *, check: bool = True) -> None:
        """Called before ``event`` is queued; raise to refuse it (nothing is sent).

        ``check`` is ``False`` when the caller asked to send regardless
        (``session.send(event, check=False)``): record, don't refuse.
        """

    def sent(self, event: ClientEvent) -> None:
        """Called when ``event`` has been written to the connection."""

    def received(self, event: Any) -> None:
        """Called with every server event (typed, or an ``UnknownServerEvent``)."""
