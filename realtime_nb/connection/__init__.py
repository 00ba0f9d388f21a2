"""The sender: a Realtime session over a WebSocket, for async code and plain calls.

* :func:`connect` opens a :class:`RealtimeSession` to OpenAI, Azure OpenAI, any
  URL, or the embedded mock.
* :func:`run` and :attr:`RealtimeSession.sync` give plain-call forms for cells
  and widget callbacks.
"""

from .audio import SentAudio
from .connect import Connecting, connect
from .embedded import embedded_mock, stop_embedded_mock
from .session import ConnectionEvent, RealtimeSession, ReconnectPolicy, SendHandle
from .sync import SyncSession, run

__all__ = [
    "connect",
    "Connecting",
    "RealtimeSession",
    "SendHandle",
    "ReconnectPolicy",
    "ConnectionEvent",
    "SyncSession",
    "run",
    "SentAudio",
    "embedded_mock",
    "stop_embedded_mock",
]
