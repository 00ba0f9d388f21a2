"""``connect()``: one entry point for OpenAI, Azure OpenAI, any URL and the embedded mock.

It returns an object that is both awaitable and an async context manager, as
``websockets.connect`` does::

    async with realtime_nb.connect() as session:   # closes at the end of the block
        reply = await session.say("Hello")

    session = await realtime_nb.connect()          # stays open; session.close() later
"""

from __future__ import annotations

import sys
from collections.abc import Generator, Mapping
from types import FrameType
from typing import Any

from ..endpoints import DEFAULT_MODEL, Target, resolve_target
from ..redaction import Secret
from ..state.usage import Prices
from ..wire.base import Dialect
from . import cells
from .embedded import embedded_mock
from .session import MAX_BUFFERED, RealtimeSession, ReconnectPolicy

__all__ = ["connect", "Connecting"]

MOCK_NOTICE = ("realtime_nb: no URL and no API key given, so this session uses the embedded "
               "mock server at {url} (offline, no cost). Pass api_key=... (or set "
               "OPENAI_API_KEY) for OpenAI.")
"""The one line printed (to stderr) when ``connect()`` falls back to the embedded mock."""

BETA_MOCK_NOTICE = ("realtime_nb: dialect=\"beta\" on the embedded mock, which serves the "
                    "legacy beta dialect; OpenAI and Azure no longer do (use dialect=\"ga\", "
                    "the default, for them).")
"""The one line printed (to stderr), once per process, when a beta session opens on the
embedded mock: beta works here, and would not against the service."""

_said_once: set[str] = set()
"""Notices already printed in this process (they are printed once)."""


class Connecting:
    """What :func:`connect` returns: ``await`` it, or use it with ``async with``."""

    def __init__(self, target: Target, session_options: dict[str, Any], *, notice: bool,
                 frame: FrameType | None, quiet: bool = False) -> None:
        self._target = target
        self._session_options = session_options
        self._notice = notice
        self._quiet = quiet
        self._cell = cells.cell_key(frame)
        self._session: RealtimeSession | None = None

    async def _connect(self) -> RealtimeSession:
        target = self._target
        if target.kind == "mock":
            # The mock's URL names its default model: the session asks for its own.
            target = target.with_url(embedded_mock().url.split("?")[0])
            if self._notice:
                print(MOCK_NOTICE.format(url=target.url.split("?")[0]), file=sys.stderr)
            if target.dialect == "beta" and not self._quiet and BETA_MOCK_NOTICE not in _said_once:
                _said_once.add(BETA_MOCK_NOTICE)
                print(BETA_MOCK_NOTICE, file=sys.stderr)
        if self._cell is not None:
            key, run = self._cell
            for earlier in cells.previous_sessions(key, run):
                await earlier.close()
        session = RealtimeSession(target, **self._session_options)
        await session._connect()
        if self._cell is not None:
            cells.register(*self._cell, session)
        self._session = session
        return session

    def __await__(self) -> Generator[Any, None, RealtimeSession]:
        return self._connect().__await__()

    async def __aenter__(self) -> RealtimeSession:
        return await self._connect()

    async def __aexit__(self, *exc_info: object) -> None:
        if self._session is not None:
            await self._session.close()

    def __repr__(self) -> str:
        return "<realtime_nb.connect(...): await it, or use `async with`>"


def connect(
    url: str | None = None,
    *,
    model: str = DEFAULT_MODEL,
    api_key: str | Secret | None = None,
    dialect: Dialect = "ga",
    azure_endpoint: str | None = None,
    azure_deployment: str | None = None,
    api_version: str | None = None,
    azure_ad_token: str | Secret | None = None,
    headers: Mapping[str, str] | None = None,
    reconnect: bool | ReconnectPolicy = False,
    max_queue: int = 1024,
    max_buffered: int = MAX_BUFFERED,
    open_timeout: float = 10.0,
    ping_interval: float | None = 20.0,
    ping_timeout: float | None = 20.0,
    close_timeout: float = 5.0,
    record: bool = False,
    quiet: bool = False,
    budget_usd: float | None = None,
    prices: Prices | Mapping[str, Prices] | None = None,
) -> Connecting:
    """Open a Realtime session.

    Where it connects (see :mod:`realtime_nb.endpoints` for the exact URLs):

    * ``url=None`` with ``api_key`` or ``OPENAI_API_KEY``: OpenAI.
    * ``azure_endpoint=...`` (with ``azure_deployment``, and ``api_version`` for
      the preview URL form): Azure OpenAI, with an ``api-key`` or an Entra ID token.
    * ``url="ws://..."`` or ``"wss://..."``: that server, e.g. a mock you started.
    * ``url="mock"``, or no URL and no key: the embedded mock server, started in
      the background (a one-line notice says so, unless ``quiet=True``).

    Args:
        model: the model, or the Azure deployment when ``azure_deployment`` is not given.
        api_key: never shown: ``repr``, logs and errors show ``***``.
        dialect: ``"ga"`` (the current API) or ``"beta"`` (``OpenAI-Beta: realtime=v1``),
            which OpenAI and Azure no longer serve: it raises at the call for them,
            and works with the embedded mock (a one-time notice says so) and
            servers that still speak it.
        headers: extra handshake headers.
        reconnect: ``True`` (or a :class:`ReconnectPolicy`) to reconnect after the
            link drops, restoring the session configuration sent so far and then
            sending the events queued meanwhile.
        max_queue: events that may wait to be sent before :class:`SendQueueFull`.
        max_buffered: events kept for :meth:`RealtimeSession.recv` before the
            oldest are let go (handlers and ``wait_for`` still see every event).
        open_timeout: seconds to open the connection and receive ``session.created``.
        ping_interval, ping_timeout: keepalive pings, which find a dead link
            (``None`` turns them off).
        close_timeout: seconds to wait for the server's close frame.
        record: keep every frame sent and received in ``session.tape``
            (:class:`~realtime_nb.tape.Tape`; ``tape.save(path)`` writes JSON Lines).
        quiet: no notices about the embedded mock (the fallback to it, beta on it).
        budget_usd: once the estimated cost of the responses reaches it, a
            ``response.create`` raises :class:`~realtime_nb.BudgetExceeded` and is
            not sent (``session.usage.budget_usd`` changes it later).
        prices: what tokens cost, for ``session.usage``: a :class:`~realtime_nb.Prices`
            for this session's model, or a table by model merged over
            :data:`~realtime_nb.PRICES`.

    Raises:
        ConnectError: the connection failed (refused, DNS, TLS, a rejected key,
            no ``session.created``); the message says which. A target that
            cannot be right (a bad URL, Azure without a credential, beta to
            OpenAI or Azure) raises at the call, before anything is opened. A
            server that refuses the session (a wrong key, an unknown model, the
            retired beta interface) raises it with the server's words and code.

    Re-running a notebook cell that made a session closes that cell's earlier session.
    """
    target = resolve_target(
        url, model=model, api_key=api_key, dialect=dialect, azure_endpoint=azure_endpoint,
        azure_deployment=azure_deployment, api_version=api_version,
        azure_ad_token=azure_ad_token, headers=headers)
    session_options: dict[str, Any] = {
        "reconnect": ReconnectPolicy() if reconnect is True else (reconnect or None),
        "max_queue": max_queue, "max_buffered": max_buffered, "open_timeout": open_timeout,
        "ping_interval": ping_interval, "ping_timeout": ping_timeout,
        "close_timeout": close_timeout, "record": record, "budget_usd": budget_usd,
        "prices": prices,
    }
    notice = target.kind == "mock" and url != "mock" and not quiet
    return Connecting(target, session_options, notice=notice, frame=sys._getframe(1),
                      quiet=quiet)
