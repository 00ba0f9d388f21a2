"""The mock Realtime server: the embedded default that answers like the real service.

Everything in realtime_nb runs against it with no API key and no network. It
speaks GA by default and beta when the handshake asks for it, keeps a real
conversation, detects speech in appended audio, streams text, audio and
function calls in the service's event order, serves transcription-only
sessions (GA ``?intent=transcription``), and answers bad input with the
service's ``error`` events.

* :class:`MockServer`: ``async with MockServer() as server: server.url``, or
  :meth:`MockServer.start_in_background` from synchronous code.
* :class:`MockSession`: one connection's protocol state without any I/O.
* :class:`Script` and :class:`Rule`: decide what the mock says.
* :class:`Faults`: drop, delay, stall, inject errors, exhaust rate limits.

From a shell: ``python -m realtime_nb.mock --port 8765 --pace realtime``.
"""

from .responder import Reply, Rule, Script, ToolCall, ToolSpec, Turn, default_reply
from .server import (
    MAX_FRAME_BYTES,
    BackgroundMockServer,
    Faults,
    MockServer,
    Pace,
)
from .session import MockSession, Step

__all__ = [
    "MockServer",
    "BackgroundMockServer",
    "Faults",
    "Pace",
    "MAX_FRAME_BYTES",
    "MockSession",
    "Step",
    "Script",
    "Rule",
    "Reply",
    "ToolCall",
    "ToolSpec",
    "Turn",
    "default_reply",
]
