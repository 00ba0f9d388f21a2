"""A ``websockets`` client connection that hands each message straight to its session.

``websockets`` queues incoming messages for ``recv()``; a session reading that
queue from a task of its own pays one more trip through the event loop per
event than a plain ``ws.recv()`` caller, about a tenth of a small round trip
on loopback. :class:`Link` instead delivers each complete message from the
protocol callback that parsed it (fragments are joined first), so a server
event reaches ``session.recv()``, handlers and waiters in the same loop
iteration it arrived in. Pings, pongs and closes are left to ``websockets``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.frames import Frame, Opcode

__all__ = ["Link", "Message"]

Message = bytes
"""One complete message, as the bytes of its payload."""

_DATA = (Opcode.TEXT, Opcode.BINARY, Opcode.CONT)


class Link(ClientConnection):
    """A client connection with a ``deliver`` callback instead of a receive queue.

    Messages that arrive before ``deliver`` is set (``session.created`` can come
    in the same packet as the handshake's answer) wait in :attr:`early`, in order.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deliver: Callable[[Message], None] | None = None
        self.early: list[Message] = []
        self.arrived = asyncio.Event()
        self._parts: list[bytes] = []

    def process_event(self, event: Any) -> None:
        """Deliver data frames (joined when fragmented); leave the rest to websockets."""
        if (self.response is None or not isinstance(event, Frame)
                or event.opcode not in _DATA):
            super().process_event(event)
            return
        if not event.fin or self._parts:
            self._parts.append(bytes(event.data))
            if not event.fin:
                return
            message = b"".join(self._parts)
            self._parts = []
        else:
            message = bytes(event.data)
        deliver = self.deliver
        if deliver is None:
            self.early.append(message)
            self.arrived.set()
        else:
            deliver(message)

    def connection_lost(self, exc: Exception | None) -> None:
        """Also wake :meth:`RealtimeSession._greeting <realtime_nb.RealtimeSession>`."""
        super().connection_lost(exc)
        self.arrived.set()  # wake a reader waiting for a first message that will not come
