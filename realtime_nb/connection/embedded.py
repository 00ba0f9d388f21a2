"""The embedded mock server: one per process, started the first time it is needed.

``connect()`` with no URL and no key talks to it, so a notebook runs with no
account, no network and no cost. It runs on its own daemon thread (see
:meth:`realtime_nb.mock.MockServer.start_in_background`), binds 127.0.0.1, and
is shared by every session of the process, so re-running cells starts no new
threads.

It serves the legacy beta dialect (``MockServer(legacy_beta=True)``), so
``connect("mock", dialect="beta")`` keeps old code and lessons running. That is
safe to leave on for the whole server: it is this process's private mock,
reached through ``connect()``'s fallback and ``"mock"``, never something that
stands in for the service, and a GA handshake is served exactly as anywhere
else. ``connect()`` says once per process that a beta session was opened on it.
A mock that imitates today's service (``MockServer()``, ``python -m
realtime_nb.mock``) refuses beta as the service does.
"""

from __future__ import annotations

import threading

from ..mock import BackgroundMockServer, MockServer

__all__ = ["embedded_mock", "stop_embedded_mock"]

_lock = threading.Lock()
_server: BackgroundMockServer | None = None


def embedded_mock() -> BackgroundMockServer:
    """The process's mock server, started now if it is not running."""
    global _server
    with _lock:
        if _server is None or not _server.running:
            _server = MockServer.start_in_background(legacy_beta=True)
        return _server


def stop_embedded_mock() -> None:
    """Stop the embedded mock server, if it runs (sessions on it see the close)."""
    global _server
    with _lock:
        server, _server = _server, None
    if server is not None:
        server.stop()
