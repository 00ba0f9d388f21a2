"""The mock server's I/O: WebSocket connections, pacing and faults around :class:`MockSession`.

Everything the service *decides* lives in :mod:`realtime_nb.mock.session`; this
module only moves frames. It accepts the URL forms the real clients use
(protocol.md §1.1): ``/v1/realtime?model=…`` (OpenAI, and the SDK with
``base_url="http://HOST:PORT/v1"``), ``/openai/v1/realtime?model=…`` (Azure GA)
and ``/openai/realtime?deployment=…`` (Azure preview).

The handshake is answered as today's service answers it (protocol.md §5 (a)):
every upgrade succeeds (HTTP 101), and a connection the service would refuse
then gets one ``error`` event and a close whose reason is
``<error.type>.<error.code>`` (just the type when the code is null):

* a wrong key, with ``require_key``: ``invalid_api_key`` (the key masked), close 3000;
  no key: code null, "Missing bearer or basic authentication in header", close
  3000, reason ``invalid_request_error``;
* a beta handshake (``OpenAI-Beta: realtime=v1``, or the browser subprotocol
  ``openai-beta.realtime-v1``): ``beta_api_shape_disabled``, close 4000, since
  OpenAI retired the beta interface. ``legacy_beta=True`` (``--legacy-beta``)
  serves the beta dialect instead, for old code, old tapes and teaching;
* no model in the URL: ``missing_model``, close 4000 (transcription sessions,
  ``?intent=transcription``, and ``?call_id=`` need none; the Azure preview path
  names it ``deployment``);
* on ``/v1/realtime``, a realtime session's model that is not a Realtime model
  (:data:`REALTIME_MODELS`, or ``models=``): ``invalid_model``, close 4000. The
  Azure paths name a deployment, whose name is its owner's choice, so any name
  is served there.

The checks run in that order; anything else is served, in GA unless
``legacy_beta`` lets a beta handshake through.

>>> import asyncio
>>> async def demo():
...     async with MockServer(seed=1) as server:
...         return server.url.startswith("ws://127.0.0.1:")
>>> asyncio.run(demo())
True
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import hmac
import logging
import math
import threading
from collections.abc import Callable, Coroutine, Iterable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import msgspec
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.protocol import State

from ..redaction import RedactingLogger
from ..wire import Dialect, ErrorEvent, ServerEvent
from . import service_errors
from .ids import IdFactory
from .responder import Script
from .responses import Emit, EventStream
from .service_errors import Refusal
from .session import MockSession
from .session_config import SESSION_LIFETIME_S

__all__ = [
    "MockServer",
    "BackgroundMockServer",
    "Faults",
    "Pace",
    "MAX_FRAME_BYTES",
    "REALTIME_PATHS",
    "DEFAULT_MODEL",
    "REALTIME_MODELS",
    "AUTH_CLOSE_CODE",
    "REQUEST_CLOSE_CODE",
]

logger = logging.getLogger("realtime_nb.mock")

Pace = Literal["fast", "realtime"]
"""``"fast"``: send every event as soon as it exists (tests, benchmarks).
``"realtime"``: wait as the service would (first delta after ~0.3 s, audio at
playback speed), so demos and barge-in experiments feel real."""

MAX_FRAME_BYTES = 32 * 1024 * 1024
"""Largest client frame accepted: 32 MiB. Bigger frames close the connection with 1009.

The service documents 15 MiB of decoded audio per append, which is 20 MiB of
base64; the limit leaves room for that plus the event around it.
"""

REALTIME_PATHS = ("/v1/realtime", "/openai/v1/realtime", "/openai/realtime")
"""WebSocket paths served: OpenAI, Azure GA, Azure preview (protocol.md §1.1)."""

DEFAULT_MODEL = "gpt-realtime"
"""The model in :attr:`MockServer.url`, and the one reported by sessions whose URL needs
none (``?intent=transcription``, ``?call_id=``)."""

REALTIME_MODELS = (
    "gpt-realtime", "gpt-realtime-*",
    "gpt-4o-realtime-preview", "gpt-4o-realtime-preview-*",
    "gpt-4o-mini-realtime-preview", "gpt-4o-mini-realtime-preview-*",
    "gpt-audio-1.5", "gpt-audio-mini", "gpt-audio-mini-*",
)
"""The models served on ``/v1/realtime``, as :mod:`fnmatch` patterns.

They are the families of the ``openai`` SDK's list of Realtime models (3.57.0,
``RealtimeSessionCreateRequest.model``: ``gpt-realtime``, ``gpt-realtime-mini``,
``gpt-realtime-1.5``, ``gpt-realtime-2.1-mini``, ``gpt-realtime-2025-08-28``,
``gpt-4o-realtime-preview-2024-12-17``, ``gpt-4o-mini-realtime-preview``,
``gpt-audio-mini``...), each with its dated and later variants, which the
service adds faster than any list could follow. Any other name is refused with
``invalid_model``, as the service refuses ``gpt-nope``. ``MockServer(models=...)``
replaces the list (``models=["*"]`` serves any name).
"""

AUTH_CLOSE_CODE = 3000
"""The close code after a refused credential (observed, protocol.md §5 (a))."""

REQUEST_CLOSE_CODE = 4000
"""The close code after a request the service will not serve: the model, the beta shape."""

STREAM_SLOTS = 8
"""Responses streaming their bulk at once under ``--pace fast``; the others wait their turn.

Every response sends its head (up to its first delta) at once. The bulk (audio
deltas, mostly) shares the event loop with every connection's reader, so
letting a few streams run at a time keeps each loop turn short: a new request
is read, and its first delta sent, within a few ms however many sessions are
streaming. Total throughput is unchanged (the server is CPU-bound either way).
"""

_BETA_SUBPROTOCOL = "openai-beta.realtime-v1"
_KEY_SUBPROTOCOL = "openai-insecure-api-key."


@dataclass(frozen=True)
class Faults:
    """Failures the mock produces on request, for reliability tests and teaching.

    Counts are of server events sent on one connection (``session.created`` is 1).

    Attributes:
        drop_after: drop the TCP connection (no close frame; clients see 1006)
            after sending this many events.
        drop_mid_response: drop the connection right after the first delta of
            the first response.
        delay_ms: wait this long before sending each event.
        error_after: after this many events, send one ``error`` event of type
            ``server_error`` that no client event caused.
        token_budget: tokens the connection may use in all; once spent, responses
            fail with ``rate_limit_exceeded`` and ``rate_limits.updated`` reports 0.
        stall_after: after this many events, go silent (send nothing, answer
            nothing) while keeping the connection open.
        expire_after_s: end each session this many seconds after it opened, as the
            service does at its maximum duration: an ``error`` with code
            ``session_expired``, then close code 1000 (``expires_at`` says when).
    """

    drop_after: int | None = None
    drop_mid_response: bool = False
    delay_ms: float = 0.0
    error_after: int | None = None
    token_budget: int | None = None
    stall_after: int | None = None
    expire_after_s: float | None = None


@dataclass
class _Handshake:
    dialect: Dialect
    model: str | None  # as the URL names it (Azure preview: ``deployment``), if it does
    key: str | None = field(repr=False)
    transcription: bool = False
    path: str = REALTIME_PATHS[0]
    needs_model: bool = True  # False for transcription sessions and joined calls


def _read_handshake(request: Request, subprotocols: list[str]) -> _Handshake:
    url = urlsplit(request.path)
    query = parse_qs(url.query)
    named = query.get("model") or query.get("deployment")
    model = named[0] if named else None
    beta = "realtime=v1" in request.headers.get("OpenAI-Beta", "") or (
        _BETA_SUBPROTOCOL in subprotocols)
    key: str | None = None
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        key = auth[7:].strip()
    key = key or request.headers.get("api-key") or next(iter(query.get("api-key", [])), None)
    for offered in subprotocols:
        if offered.startswith(_KEY_SUBPROTOCOL):
            key = key or offered[len(_KEY_SUBPROTOCOL):]
    # GA opens a transcription-only session for ?intent=transcription (SDK connect() docs);
    # the beta dialect's transcription sessions are not modelled.
    transcription = not beta and "transcription" in query.get("intent", [])
    # A transcription session has no model to name; ?call_id= joins a call that has one
    # (the mock opens a new session for it, as it did before models were checked).
    needs_model = "transcription" not in query.get("intent", []) and "call_id" not in query
    return _Handshake("beta" if beta else "ga", model, key, transcription,
                      url.path.rstrip("/"), needs_model)


def _close_reason(refusal: Refusal) -> str:
    """``<error.type>.<error.code>``, the service's close reason; the type alone when the
    code is null (observed for a missing key: ``invalid_request_error``)."""
    info = refusal.info
    return f"{info.type}.{info.code}" if info.code else info.type


async def _refuse(ws: ServerConnection, refusal: Refusal, close_code: int,
                  ids: IdFactory) -> None:
    """Refuse a connection as the service does: ``refusal`` as its only event, then a close.

    The error is the same in both dialects and tied to no client event
    (``error.event_id`` and ``param`` are null).
    """
    event = ErrorEvent(event_id=ids.new("event"), error=refusal.linked_to(None))
    with contextlib.suppress(ConnectionClosed):
        await ws.send(_encode(event, "ga"))
        await ws.close(close_code, _close_reason(refusal))


_encoder = msgspec.json.Encoder()


def _encode(event: ServerEvent, dialect: Dialect) -> str:
    """The event's frame. GA events the mock builds carry no beta-only field (it
    sets those only on beta connections), so they skip ``to_json``'s dialect check.

    (``str``, not bytes sent with ``text=True``: websockets checks such bytes for
    UTF-8 again, which measured slower.)
    """
    if dialect == "ga":
        return _encoder.encode(event).decode()
    return event.to_json(dialect)


class _Dropped(Exception):
    """The connection was dropped on purpose (a fault)."""


_NO_FAULTS = Faults()


def _write_frames(ws: ServerConnection, texts: list[str]) -> bool:
    """Frame ``texts`` with the connection's sans-I/O protocol and write them in one go.

    Returns ``False`` (having sent nothing) when the connection is not open, or
    when this websockets version lacks the pieces used, so the caller falls back
    to ``ws.send`` and its usual errors.
    """
    protocol = getattr(ws, "protocol", None)
    send_text = getattr(protocol, "send_text", None)
    data_to_send = getattr(protocol, "data_to_send", None)
    if len(texts) < 2 or send_text is None or data_to_send is None or (
            ws.state is not State.OPEN):
        return False
    for text in texts:
        send_text(text.encode())
    chunks = data_to_send()
    if all(chunks):  # an empty chunk would mean "half-close", which frames never ask for
        ws.transport.write(b"".join(chunks))
    else:  # pragma: no cover - not produced by send_text
        for chunk in chunks:
            if chunk:
                ws.transport.write(chunk)
    return True


class _Outbox:
    """Sends one connection's server events, applying the faults."""

    def __init__(self, ws: ServerConnection, session: MockSession, faults: Faults) -> None:
        self.ws = ws
        self.session = session
        self.faults = faults
        self.sent = 0
        self._deltas = 0
        self._stalled = False

    async def send(self, event: ServerEvent) -> None:
        if self._stalled:
            await self.ws.wait_closed()  # silent until the connection goes away
            raise _Dropped
        faults = self.faults
        if faults.delay_ms:
            await asyncio.sleep(faults.delay_ms / 1000)
        await self.ws.send(_encode(event, self.session.dialect))
        self.sent += 1
        if faults.error_after is not None and self.sent == faults.error_after:
            await self.send(self.session.stamp(self.session.error(
                service_errors.server_error("(injected by the mock's error_after fault)"))))
        if faults.drop_after is not None and self.sent >= faults.drop_after:
            self._drop()
        if faults.drop_mid_response and event.type.endswith(".delta"):
            self._deltas += 1
            if self._deltas == 1:
                self._drop()
        if faults.stall_after is not None and self.sent >= faults.stall_after:
            self._stalled = True

    def _drop(self) -> None:
        self.ws.transport.abort()
        raise _Dropped

    async def send_all(self, events: list[ServerEvent]) -> None:
        """Send several events at once: one write to the socket when no fault is set.

        A response's head and a client event's answers go out together anyway;
        one write instead of one per frame saves system calls and TCP segments,
        which is most of what a burst of new requests costs. Faults count and act
        per event, so with faults set the events go one by one.
        """
        if self.faults != _NO_FAULTS or not _write_frames(
                self.ws, [_encode(event, self.session.dialect) for event in events]):
            for event in events:
                await self.send(event)
            return
        self.sent += len(events)
        drain = getattr(self.ws, "drain", None)
        if drain is not None:
            await drain()  # wait while the client reads slowly, as ws.send does


class MockServer:
    """A local Realtime server that answers like the real service.

    Use it as ``async with MockServer() as server: …server.url…``, or from
    synchronous code (a notebook, a widget) with :meth:`start_in_background`.

    Args:
        host: interface to bind; ``127.0.0.1`` unless you mean to expose it.
        port: TCP port; ``0`` picks a free one (read it from :attr:`url`).
        seed: makes ids and latencies repeatable (each connection gets
            ``seed + its number``); ``None`` for random ones.
        pace: ``"fast"`` or ``"realtime"`` (see :data:`Pace`).
        script: decides replies, tool calls and transcripts.
        faults: failures to produce on every connection.
        require_key: accept only this API key (any key, or none, is accepted when
            ``None``). A wrong key gets the service's ``invalid_api_key`` error (the
            key masked) and close code 3000, a missing one a code-less error and
            3000. Keys are never logged.
        legacy_beta: serve the retired beta dialect to a beta handshake, for old
            code, old tapes and the lesson on what changed; by default a beta
            handshake is refused as the service refuses it (``beta_api_shape_disabled``,
            close 4000).
        models: the models served on ``/v1/realtime``, names or :mod:`fnmatch`
            patterns (default :data:`REALTIME_MODELS`); others get ``invalid_model``.
        max_size: largest client frame, in bytes.
        on_connect: called with one log line per connection (default: the
            ``realtime_nb.mock`` logger at INFO); a refused one says why.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, seed: int | None = None,
                 pace: Pace = "fast", script: Script | None = None,
                 faults: Faults | None = None, require_key: str | None = None,
                 legacy_beta: bool = False, models: Iterable[str] | None = None,
                 max_size: int = MAX_FRAME_BYTES,
                 on_connect: Callable[[str], None] | None = None) -> None:
        if pace not in ("fast", "realtime"):
            raise ValueError(f"pace must be 'fast' or 'realtime', got {pace!r}")
        self.host = host
        self.port = port
        self.seed = seed
        self.pace: Pace = pace
        self.script = script or Script()
        self.faults = faults or Faults()
        self._require_key = require_key
        self.legacy_beta = legacy_beta
        self.models: tuple[str, ...] = (
            REALTIME_MODELS if models is None else (models,) if isinstance(models, str)
            else tuple(models))
        self.max_size = max_size
        self._on_connect = on_connect or logger.info
        self._server: Server | None = None
        self._slots = asyncio.Semaphore(STREAM_SLOTS)
        self._connections = 0
        self.sessions: list[MockSession] = []
        """The sessions of connections still open (for tests and inspection)."""

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "not started"
        beta = " legacy_beta" if self.legacy_beta else ""
        return f"<MockServer {where} pace={self.pace} seed={self.seed}{beta}>"

    @property
    def url(self) -> str:
        """``ws://HOST:PORT/v1/realtime?model=gpt-realtime``: what a WebSocket client opens.

        It names a model because the service refuses a URL without one
        (``missing_model``); ``realtime_nb.connect(url, model=...)`` only adds one
        to a URL that has none. The ``openai`` SDK takes :attr:`base_url` instead.
        """
        return f"{self.websocket_base_url}/realtime?model={DEFAULT_MODEL}"

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT/v1``: the ``openai`` SDK's ``base_url`` for this server."""
        return "http" + self.websocket_base_url.removeprefix("ws")

    @property
    def websocket_base_url(self) -> str:
        """``ws://HOST:PORT/v1``: the SDK's ``websocket_base_url``, which its beta client
        (and Azure's) needs for a plain ``ws://`` server (protocol.md §1.3)."""
        if self._server is None:
            raise RuntimeError("The mock server is not started.")
        port = self._server.sockets[0].getsockname()[1]
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"ws://{host}:{port}/v1"

    def serves_model(self, model: str) -> bool:
        """Whether ``/v1/realtime?model=MODEL`` is served (see :data:`REALTIME_MODELS`).

        >>> server = MockServer()
        >>> server.serves_model("gpt-realtime-mini-2025-12-15"), server.serves_model("gpt-nope")
        (True, False)
        """
        return any(fnmatch.fnmatchcase(model, pattern) for pattern in self.models)

    async def start(self) -> None:
        """Start listening."""
        self._server = await serve(
            self._serve, self.host, self.port, max_size=self.max_size, compression=None,
            process_request=self._check_path, select_subprotocol=_select_subprotocol,
            server_header="realtime_nb-mock",
            # websockets logs request headers at DEBUG: keys must not reach any log.
            logger=RedactingLogger(logging.getLogger("realtime_nb.mock.websockets"), ()),
        )

    async def stop(self) -> None:
        """Close every connection (code 1001) and stop listening."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> MockServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @classmethod
    def start_in_background(cls, **options: Any) -> BackgroundMockServer:
        """Run a mock server on its own thread and event loop; returns once it listens.

        For notebooks and widgets, whose own loop must stay free:

        >>> handle = MockServer.start_in_background(seed=1)
        >>> handle.url.startswith("ws://127.0.0.1:")
        True
        >>> handle.stop()
        """
        return BackgroundMockServer(cls(**options))

    # -- one connection ----------------------------------------------------------------------

    @staticmethod
    def _check_path(connection: ServerConnection, request: Request) -> Response | None:
        if urlsplit(request.path).path.rstrip("/") in REALTIME_PATHS:
            return None
        return connection.respond(
            HTTPStatus.NOT_FOUND,
            f"Not found. The Realtime API is served at {', '.join(REALTIME_PATHS)}.\n")

    async def _serve(self, ws: ServerConnection) -> None:
        request = ws.request
        assert request is not None
        offered = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",")
                   if p.strip()]
        handshake = _read_handshake(request, offered)
        self._connections += 1
        number = self._connections
        peer = ws.remote_address
        source = f" from {peer[0]}:{peer[1]}" if peer else ""
        kind = " transcription" if handshake.transcription else ""
        line = (f"connection {number}: {handshake.dialect}{kind}"
                f" model={handshake.model or '(none)'}{source}")
        seed = None if self.seed is None else self.seed + number - 1
        refused = self._refusal(handshake)
        if refused is not None:
            refusal, close_code = refused
            self._on_connect(f"{line}, refused: {_close_reason(refusal)}")
            await _refuse(ws, refusal, close_code, IdFactory(seed))
            return
        self._on_connect(line)
        expiry = self.faults.expire_after_s
        session = MockSession(dialect=handshake.dialect, model=handshake.model or DEFAULT_MODEL,
                              seed=seed, script=self.script,
                              token_budget=self.faults.token_budget,
                              transcription=handshake.transcription,
                              lifetime_s=SESSION_LIFETIME_S if expiry is None
                              else math.ceil(expiry))
        outbox = _Outbox(ws, session, self.faults)
        self.sessions.append(session)
        drivers: set[asyncio.Task[None]] = set()
        if expiry is not None:
            expire = asyncio.create_task(self._expire(session, outbox, expiry))
            drivers.add(expire)
        try:
            for event in session.opening():
                await outbox.send(event)
            async for frame in ws:
                try:
                    # websockets gives a binary message as bytes: the service refuses those.
                    step = session.receive(frame, binary=isinstance(frame, bytes))
                except Exception:  # a bug here must not take the connection down
                    logger.exception("mock session failed on a client frame")
                    step = None
                    await outbox.send(session.error(service_errors.server_error()))
                if step is None:
                    continue
                await outbox.send_all(step.events)
                for run in step.streams:  # responses, and input transcriptions beside them
                    stream = run.events()
                    if self.pace == "fast":
                        await _guarded(_send_head(stream, outbox), session, outbox)
                    task = asyncio.create_task(
                        _guarded(self._drive(run, stream, outbox), session, outbox))
                    drivers.add(task)
                    task.add_done_callback(drivers.discard)
        except (ConnectionClosed, _Dropped):
            pass
        finally:
            for task in drivers:
                task.cancel()
            for run in list(session.runs.values()):
                run.cancel()
            self.sessions.remove(session)

    def _refusal(self, handshake: _Handshake) -> tuple[Refusal, int] | None:
        """Why the service would refuse this handshake, with the close code; ``None`` to serve it.

        Credentials first, then the dialect, then the model: a stranger learns
        nothing about what is served, and a beta client is told about beta
        before it is told about its model.
        """
        key = handshake.key
        if self._require_key is not None and not hmac.compare_digest(
                (key or "").encode(), self._require_key.encode()):
            return (service_errors.missing_credentials() if key is None
                    else service_errors.incorrect_api_key(key)), AUTH_CLOSE_CODE
        if handshake.dialect == "beta" and not self.legacy_beta:
            return service_errors.beta_api_shape_disabled(), REQUEST_CLOSE_CODE
        model = handshake.model
        if model is None:
            return (service_errors.missing_model(), REQUEST_CLOSE_CODE) if (
                handshake.needs_model) else None
        # The Azure paths name a deployment, which its owner names as they like.
        if (handshake.path == REALTIME_PATHS[0] and not handshake.transcription
                and not self.serves_model(model)):
            return service_errors.invalid_model(model), REQUEST_CLOSE_CODE
        return None

    async def _expire(self, session: MockSession, outbox: _Outbox, after_s: float) -> None:
        await asyncio.sleep(after_s)
        with contextlib.suppress(ConnectionClosed, _Dropped):
            await outbox.send(session.stamp(session.error(
                service_errors.session_expired(after_s))))
            await outbox.ws.close(1000, "session_expired")

    async def _drive(self, run: EventStream, stream: Iterator[Emit], outbox: _Outbox) -> None:
        """Stream one response (or transcription), at the server's pace; a cancel cuts a
        paced wait short."""
        loop = asyncio.get_running_loop()
        wake = asyncio.Event()
        run.waker = wake.set
        start = loop.time()
        slot: contextlib.AbstractAsyncContextManager[Any] = (
            self._slots if self.pace == "fast" else contextlib.nullcontext())
        try:
            async with slot:
                await self._stream(run, stream, outbox, wake, start)
        except (ConnectionClosed, _Dropped):
            pass

    async def _stream(self, run: EventStream, stream: Iterator[Emit], outbox: _Outbox,
                      wake: asyncio.Event, start: float) -> None:
        loop = asyncio.get_running_loop()
        for emit in stream:
            if emit.event.type == "response.created":
                # A response chained after a barge-in starts its own clock.
                start = loop.time()
                wake.clear()
            if self.pace == "realtime" and not wake.is_set():
                delay = start + emit.at_ms / 1000 - loop.time()
                if delay > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(wake.wait(), delay)
            await outbox.send(emit.event)
            # Let other connections and this one's reader run between events.
            await asyncio.sleep(0)


async def _guarded(work: Coroutine[Any, Any, None], session: MockSession,
                   outbox: _Outbox) -> None:
    """Run ``work``; a bug in it is logged and reported as a ``server_error``, and the
    connection (and every other one) carries on."""
    try:
        await work
    except (ConnectionClosed, _Dropped, asyncio.CancelledError):
        raise
    except Exception:
        logger.exception("mock response failed")
        await outbox.send(session.stamp(session.error(service_errors.server_error())))


async def _send_head(stream: Iterator[Emit], outbox: _Outbox) -> None:
    """Send a response's events up to its first delta without yielding to other tasks.

    Under load the loop is shared by every connection's stream; going straight
    to the first delta keeps time-to-first-delta low, which is what a client
    (and a listener) notices. The rest streams in turn with everyone else.
    """
    head: list[ServerEvent] = []
    try:
        for emit in stream:
            head.append(emit.event)
            if emit.event.type.endswith(".delta"):
                break
    finally:  # what was made goes out, even if making the rest failed
        await outbox.send_all(head)


def _select_subprotocol(connection: ServerConnection, subprotocols: Any) -> Any:
    # Browsers authenticate through subprotocols; answer "realtime" as the service does.
    return "realtime" if "realtime" in subprotocols else None


class BackgroundMockServer:
    """A :class:`MockServer` running on a daemon thread; see :meth:`MockServer.start_in_background`.

    Attributes:
        server: the running server (its :attr:`~MockServer.sessions` may be inspected).
    """

    def __init__(self, server: MockServer) -> None:
        self.server = server
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="realtime_nb-mock", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self.server.start())
        except BaseException as error:  # reported to the starting thread
            self._error = error
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self.server.stop())
        self._loop.close()

    @property
    def url(self) -> str:
        """The server's ``ws://`` URL."""
        return self.server.url

    @property
    def running(self) -> bool:
        """Whether the server thread is still serving."""
        return self._thread.is_alive()

    def stop(self) -> None:
        """Close every connection, stop the server and join its thread."""
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()

    def __enter__(self) -> BackgroundMockServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = self.url if self.running else "stopped"
        return f"<BackgroundMockServer {state}>"
