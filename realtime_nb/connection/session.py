"""The WebSocket session: send client events, receive server events, never lose one.

:class:`RealtimeSession` is the I/O half of the sender. The protocol knowledge
(ids, error links, replies, the session to restore) lives in
:class:`~realtime_nb.client_protocol.ClientProtocol`; this module moves frames,
runs the receive loop, calls handlers, and deals with the link going away.

Every server event goes, in order, to: the queue read by :meth:`recv` and
``async for``; the reply of the sent event it answers; any :meth:`wait_for`;
and the handlers registered with :meth:`on`. All of it happens as the message
arrives (see :mod:`realtime_nb.connection.link`), on the event loop, so a cell
that is not awaiting anything never blocks the kernel, and a handler that
raises is reported without stopping the others.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import itertools
import logging
import random
import socket
import ssl
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

import msgspec
import websockets
from websockets.asyncio.client import connect as ws_connect

from ..builders import create_item, create_response, session_update, user_text
from ..client_protocol import LINK_MEMORY, ClientProtocol, Incoming, Outgoing
from ..codec import UnknownServerEvent
from ..endpoints import BETA_MIGRATION, Target
from ..errors import (
    ConnectError,
    ConnectionClosed,
    DecodeError,
    EventTimeout,
    RealtimeError,
    SendQueueFull,
    ServerError,
)
from ..handlers import Handler, HandlerError, HandlerFunction, Handlers, type_matcher
from ..redaction import RedactingLogger, redact
from ..reply import Reply, ReplyCollector
from ..state.conversation import Conversation
from ..state.observer import Observer
from ..state.playback import Interruption, Playback
from ..state.session_diff import SessionUpdates
from ..state.tools import ToolCall, ToolRegistry
from ..state.usage import Prices, UsageTable
from ..tape import Tape
from ..wire.base import ClientEvent, ServerEvent
from . import audio as _audio
from .audio import SentAudio
from .link import Link, Message
from .tool_runner import ToolRunner

if TYPE_CHECKING:
    from .sync import SyncSession

__all__ = [
    "RealtimeSession",
    "SendHandle",
    "ReconnectPolicy",
    "ConnectionEvent",
    "State",
    "MAX_BUFFERED",
    "HISTORY",
]

logger = logging.getLogger("realtime_nb.session")
_wire_logger = logging.getLogger("realtime_nb.websockets")

State = Literal["open", "reconnecting", "closing", "closed"]
"""Where a session is in its life."""

MAX_BUFFERED = 10_000
"""Default bound of the :meth:`RealtimeSession.recv` queue (events nobody read yet)."""

HISTORY = 4096
"""How many of the latest events a session keeps for ``wait_for(..., after=handle)``:
a few minutes of a spoken response, audio deltas included."""

AnyEvent = ServerEvent | UnknownServerEvent

# Closes after which connecting again cannot help: a refused key, a policy violation.
_FINAL_CLOSE_CODES = frozenset({1008, 3000})
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class ReconnectPolicy:
    """How a session reconnects after the link drops (``connect(reconnect=...)``).

    The n-th attempt waits ``min(max_delay, initial_delay * 2 ** (n - 1))``
    scaled by a random factor in ``[1 - jitter, 1]``, so that many clients
    dropped together do not come back together.

    Attributes:
        max_attempts: attempts before giving up with :class:`ConnectionClosed`.
        initial_delay, max_delay: seconds.
        jitter: the share of each delay that is random (0 to 1).
        resend: send the events queued while disconnected once reconnected
            (``True``), or move them to ``session.unsent`` (``False``).
    """

    max_attempts: int = 5
    initial_delay: float = 0.5
    max_delay: float = 8.0
    jitter: float = 0.5
    resend: bool = True

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError(f"jitter must be between 0 and 1, got {self.jitter}")
        if self.initial_delay < 0 or self.max_delay < self.initial_delay:
            raise ValueError("delays must satisfy 0 <= initial_delay <= max_delay, got "
                             f"{self.initial_delay} and {self.max_delay}")

    def delay(self, attempt: int) -> float:
        """The wait before attempt number ``attempt`` (1-based)."""
        base = min(self.max_delay, self.initial_delay * 2.0 ** (attempt - 1))
        return float(base * (1.0 - self.jitter * random.random()))


@dataclass(frozen=True)
class ConnectionEvent:
    """A change in the link, given to handlers like a server event.

    ``type`` is ``"connection.lost"`` (reconnecting), ``"connection.restored"``
    or ``"connection.closed"``; handlers registered for ``"connection.*"`` (or
    ``"*"``) receive them.

    Attributes:
        code, reason: the WebSocket close that caused it.
        attempt: the reconnect attempt that succeeded (``connection.restored``).
        unsent: events not sent (``connection.closed``).
    """

    type: str
    code: int | None = None
    reason: str = ""
    attempt: int = 0
    unsent: tuple[ClientEvent, ...] = ()


class SendHandle:
    """A sent (or queued) client event: its id, its fate, and its reply.

    Attributes:
        event: the client event, with its ``event_id``.
        status: ``"queued"``, ``"sent"`` or ``"unsent"``.
        reply: the server event that answered it, once one has.
        error: the :class:`~realtime_nb.ServerError` it caused, if any.
    """

    __slots__ = ("_future", "_session", "error", "outgoing", "reply", "sent_after", "status")

    def __init__(self, session: RealtimeSession, outgoing: Outgoing) -> None:
        self._session = session
        self.outgoing = outgoing
        self.status = "queued"
        self.reply: AnyEvent | None = None
        self.error: ServerError | None = None
        # How many events the session had received when this one was written; None while
        # queued. What arrives later may follow from it (wait_for(..., after=handle)).
        self.sent_after: int | None = None
        self._future: asyncio.Future[AnyEvent] | None = None

    @property
    def event(self) -> ClientEvent:
        """The event as sent, ``event_id`` included."""
        return self.outgoing.event

    @property
    def event_id(self) -> str:
        """The event's ``event_id``."""
        return self.outgoing.event_id

    def _answer(self, event: AnyEvent, error: ServerError | None) -> None:
        if error is not None:
            self.error = error
        else:
            self.reply = event
        future = self._future
        if future is not None and not future.done():
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(event)

    def _fail(self, error: BaseException) -> None:
        _fail(self._future, error)

    async def wait(self, timeout: float | None = 30.0) -> AnyEvent:
        """Wait for the reply to this event (``session.updated`` for ``session.update``...).

        Raises:
            ServerError: the server answered with an error naming this event.
            EventTimeout: no reply within ``timeout`` seconds.
            ConnectionClosed: the connection closed first.
            ValueError: this type of event has no reply (``input_audio_buffer.append``).
        """
        if not self.event.replies:
            raise ValueError(f"{self.event.type} has no reply event; errors it causes are "
                             "linked in session.errors.")
        if self.error is not None:
            raise self.error
        if self.reply is not None:
            return self.reply
        closed = self._session._closed
        if closed is not None:  # no reply can come any more
            raise closed
        if self._future is None:
            self._future = asyncio.get_running_loop().create_future()
        expected = " or ".join(self.event.replies)
        try:
            reply: AnyEvent = await self._session._await_for(self._future, expected, timeout)
            return reply
        finally:
            self._future = None

    async def wait_for(self, type: str, where: Callable[[Any], bool] | None = None,
                       timeout: float | None = 30.0) -> AnyEvent:
        """Wait for an event that follows this one, counting those that already arrived.

        ``session.wait_for(type, where, timeout, after=self)``: race-free where a
        plain ``wait_for`` on the next line could miss an event that came in
        between. For a ``response.create``, only its own response's events count::

            handle = await session.send(rt.create_response(), wait=True)  # response.created
            done = await handle.wait_for("response.done")  # even if it came meanwhile
        """
        return await self._session.wait_for(type, where, timeout, after=self)

    def __repr__(self) -> str:
        extra = ""
        if self.error is not None:
            extra = f" error={getattr(self.error.event.error, 'code', None)!r}"
        elif self.reply is not None:
            extra = f" -> {self.reply.type}"
        return f"<SendHandle {self.event_id} {self.event.type} {self.status}{extra}>"


class _Tap:
    """A :meth:`RealtimeSession.wait_for` in progress: sees every event until it resolves.

    ``per_link`` taps wait for something only the current connection can bring
    (the rest of a response), so losing the link fails them even while the
    session reconnects.
    """

    __slots__ = ("future", "matches", "per_link", "seen")

    def __init__(self, future: asyncio.Future[Any], matches: Callable[[AnyEvent], bool],
                 per_link: bool = False) -> None:
        self.future = future
        self.matches = matches
        self.per_link = per_link
        self.seen: list[str] = []


def _response_id(event: Any) -> str | None:
    """The id of the response ``event`` belongs to, if it names one."""
    response_id = getattr(event, "response_id", None)
    if isinstance(response_id, str):
        return response_id
    response_id = getattr(getattr(event, "response", None), "id", None)
    return response_id if isinstance(response_id, str) else None


def _fail(future: asyncio.Future[Any] | None, error: BaseException) -> None:
    """Fail ``future`` if pending, without "exception was never retrieved" if nobody awaits it."""
    if future is not None and not future.done():
        future.set_exception(error)
        future.exception()


class RealtimeSession:
    """One Realtime session over a WebSocket. Get one from :func:`realtime_nb.connect`.

    Attributes:
        target: where it is connected (secrets masked in every display of it).
        protocol: the protocol state: ids, links, the effective session.
        errors: server errors so far, each linked to its cause when the server named one.
        handler_errors: exceptions raised by handlers, oldest first.
        unsent: client events that were never sent, because the connection
            closed (or a reconnect gave up) before they could be.
        reconnects: how many times the link was re-established.
        tape: every frame sent and received, when connected with ``record=True``.
        conversation: the items, responses and input audio as the events tell them
            (:class:`~realtime_nb.Conversation`); it refuses a ``response.create``
            while a response is in progress (:class:`~realtime_nb.ResponseActive`).
        close_code, close_reason: how the connection ended (``None`` while open).
        tools: the Python functions the model may call (``@session.tool``), run
            by the session; :attr:`tool_calls` records each call.
        usage: tokens, cost and timings per response, and the budget.
        last_update: the latest ``session.update`` against the session the
            server put in effect (``diff``, ``error``).
    """

    def __init__(self, target: Target, *, reconnect: ReconnectPolicy | None = None,
                 max_queue: int = 1024, max_buffered: int = MAX_BUFFERED,
                 open_timeout: float = 10.0, ping_interval: float | None = 20.0,
                 ping_timeout: float | None = 20.0, close_timeout: float = 5.0,
                 max_size: int | None = 16 * 2**20, record: bool = False,
                 history: int = HISTORY, budget_usd: float | None = None,
                 prices: Prices | Mapping[str, Prices] | None = None) -> None:
        if max_queue < 1:
            raise ValueError(f"max_queue must be at least 1, got {max_queue}")
        self.target = target
        self.protocol = ClientProtocol(target.dialect)
        self.reconnect_policy = reconnect
        self.max_queue = max_queue
        self.max_buffered = max_buffered
        self._open_timeout = open_timeout
        self._ping = (ping_interval, ping_timeout)
        self._close_timeout = close_timeout
        self._max_size = max_size
        self.tape = Tape(target.describe(), target.dialect, target.secrets) if record else None
        self._handlers = Handlers()
        self._ws: Link | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._state: State = "closed"
        self._watcher: asyncio.Task[None] | None = None
        self._reconnector: asyncio.Task[None] | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._inbox: deque[AnyEvent] = deque()
        # The latest events and how many arrived in all, so that a wait that starts after
        # a send still sees what the send caused before the wait began.
        self._history: deque[AnyEvent] = deque(maxlen=history)
        self._received = 0
        self._inbox_waiter: asyncio.Future[AnyEvent] | None = None
        self._taps: list[_Tap] = []
        self._handles: OrderedDict[str, SendHandle] = OrderedDict()  # oldest dropped first
        self._queue: deque[SendHandle] = deque()
        self._inflight = 0
        self._handler_tasks: set[asyncio.Future[Any]] = set()
        self._handling = 0  # sync handlers running now (session.sync.* must not wait there)
        self._observers: list[Observer] = []
        # Bound methods of the observers that define them: each event pays only for those.
        self._checkers: list[Callable[..., None]] = []
        self._senders: list[Callable[[ClientEvent], None]] = []
        self._receivers: list[Callable[[Any], None]] = []
        # Items, responses, input audio and expiry, from the events (rt.Conversation);
        # first, so that the state after it (usage's timings) sees each event applied.
        self.conversation = Conversation(target.dialect)
        self.observe(self.conversation)
        # Python tools, cost, requested vs effective session: state this session feeds.
        self.tools = ToolRegistry()
        self._tool_runner = ToolRunner(self, self.tools)
        self.usage = UsageTable(model=target.model, prices=prices, budget_usd=budget_usd,
                                conversation=self.conversation)
        self.last_update = SessionUpdates()
        for state in (self.tools, self._tool_runner, self.usage, self.last_update):
            self.observe(state)
        # What was heard of each assistant audio item: interrupt() truncates by it.
        self.playback = Playback()
        self.observe(self.playback)
        self._closed: ConnectionClosed | None = None
        self._closing = False
        self.handler_errors: deque[HandlerError] = deque(maxlen=1000)
        self.unsent: list[ClientEvent] = []
        self.reconnects = 0
        self.dropped_from_queue = 0
        self.malformed = 0
        self.close_code: int | None = None
        self.close_reason = ""

    # -- opening -----------------------------------------------------------------------------

    async def _connect(self) -> None:
        """Open the connection and read ``session.created``; raises :class:`ConnectError`."""
        self._loop = asyncio.get_running_loop()
        self._closed = None
        self._closing = False
        ws, greeting = await self._open()
        self._attach(ws, greeting)

    def _connect_error(self, message: str, **details: Any) -> ConnectError:
        text = redact(f"Cannot connect to {self.target.shown_url}: {message}", self.target.secrets)
        return ConnectError(text, url=self.target.shown_url, **details)

    async def _open(self) -> tuple[Link, Incoming]:
        target = self.target
        host = urlsplit(target.url).hostname or ""
        try:
            ws = await ws_connect(
                target.url, additional_headers=target.headers, compression=None,
                open_timeout=self._open_timeout, ping_interval=self._ping[0],
                ping_timeout=self._ping[1], close_timeout=self._close_timeout,
                max_size=self._max_size, max_queue=None,
                proxy=None if host in _LOOPBACK else True,
                logger=RedactingLogger(_wire_logger, target.secrets),
                user_agent_header="realtime_nb websockets", create_connection=Link,
            )
        except websockets.InvalidStatus as error:
            raise self._refused(error) from None
        except websockets.InvalidURI:
            raise self._connect_error("not a valid WebSocket URL") from None
        except (websockets.InvalidHandshake, websockets.InvalidMessage) as error:
            raise self._connect_error(f"the handshake failed ({error})") from None
        except ssl.SSLError as error:
            raise self._connect_error(f"TLS failed ({error.reason or error})") from None
        except ConnectionRefusedError:
            raise self._connect_error("connection refused (is the server running?)") from None
        except TimeoutError:
            raise self._connect_error(
                f"no answer within {self._open_timeout} s (open_timeout)") from None
        except socket.gaierror as error:
            raise self._connect_error(
                f"the host name {host!r} could not be resolved (DNS: {error.strerror})"
            ) from None
        except OSError as error:
            # Unreachable networks, resets during the handshake.
            reason = error.strerror or str(error) or type(error).__name__
            raise self._connect_error(f"{reason} ({type(error).__name__})") from None
        assert isinstance(ws, Link)  # create_connection=Link
        return ws, await self._greeting(ws)

    def _refused(self, error: websockets.InvalidStatus) -> ConnectError:
        response = error.response
        status = response.status_code
        message = ""
        code: str | None = None
        try:
            body = msgspec.json.decode(response.body or b"{}")
            info = body.get("error", {}) if isinstance(body, dict) else {}
            message = str(info.get("message") or "")
            code = info.get("code") if isinstance(info.get("code"), str) else None
        except (msgspec.DecodeError, AttributeError):
            message = (response.body or b"")[:300].decode("utf-8", "replace")
        hint = {401: "the API key was refused", 403: "access denied (permissions, or the "
                "project has no Realtime access)", 404: "not found (check the URL, model or "
                "deployment)", 429: "rate limited"}.get(status, "the handshake was refused")
        text = f"HTTP {status}, {hint}" + (f": {message}" if message else "")
        return self._connect_error(text, status=status, code=code)

    async def _greeting(self, ws: Link) -> Incoming:
        """Read the first event: ``session.created``, or the error the service refuses with.

        The service refuses a connection after the upgrade (protocol.md §5 (a)): one
        ``error``, then a close whose reason is ``<type>.<code>``. The error becomes
        a :class:`ConnectError` quoting the message and that close, with the error's
        code (or, when it has none, the close code).
        """
        timeout = self._open_timeout
        try:
            async with asyncio.timeout(timeout):
                await ws.arrived.wait()
        except TimeoutError:
            await self._close_link(ws)
            raise self._connect_error(f"no session.created within {timeout} s") from None
        if not ws.early:
            code, reason = self._close_of(ws)
            raise self._connect_error(
                f"closed (code {code}{', ' + reason if reason else ''}) before session.created",
                code=code) from None
        first = ws.early.pop(0)
        if self.tape is not None:
            self.tape.add("server", first)
        try:
            incoming = self.protocol.receive(first)
        except DecodeError as error:
            await self._close_link(ws)
            raise self._connect_error(f"the first event is not valid ({error})") from None
        if incoming.event.type == "error":
            info = getattr(incoming.event, "error", None)
            # The service's close follows in the same millisecond; wait a moment for it, so
            # that its code and reason are the server's rather than this side's.
            try:
                async with asyncio.timeout(min(self._close_timeout, 1.0)):
                    await ws.wait_closed()
            except TimeoutError:
                pass
            await self._close_link(ws)
            message = getattr(info, "message", "") or "error"
            error_code = getattr(info, "code", None)
            text = f"the server refused the session: {message}"
            if ws.protocol.close_rcvd is not None:
                close = ws.protocol.close_rcvd
                text += f" (close {close.code}{', ' + close.reason if close.reason else ''})"
            if error_code == "beta_api_shape_disabled":
                text += (". The server no longer serves the beta interface (OpenAI retired "
                         "it; Azure deprecated its preview API on 2026-04-30). "
                         + BETA_MIGRATION)
            raise self._connect_error(text, code=error_code or ws.close_code)
        return incoming

    def _attach(self, ws: Link, greeting: Incoming) -> None:
        """Make ``ws`` this session's link: events flow from now on, greeting first."""
        self._ws = ws
        self._state = "open"
        self.close_code = None
        self.close_reason = ""
        self._dispatch(greeting)
        early, ws.early = ws.early, []
        for message in early:
            self._on_message(message)
        ws.deliver = self._on_message
        self._watcher = asyncio.ensure_future(self._watch(ws))

    def _on_message(self, message: Message) -> None:
        # Runs inside websockets' protocol callback: nothing may escape from here.
        if self.tape is not None:
            self.tape.add("server", message)
        try:
            self._dispatch(self.protocol.receive(message))
        except DecodeError as error:
            self.malformed += 1
            logger.warning("Ignored a malformed server frame: %s", error)
        except Exception:  # a bug must be seen, but must not end the session
            self.malformed += 1
            logger.exception("Failed to process a server frame")

    async def _watch(self, ws: Link) -> None:
        await ws.wait_closed()
        if self._ws is ws:
            self._lost(ws)

    def _dispatch(self, incoming: Incoming) -> None:
        event = incoming.event
        self._received += 1
        self._history.append(event)
        for received in self._receivers:
            try:
                received(event)
            except Exception:  # state must never stop the stream
                self._observer_failed(received, event)
        waiter = self._inbox_waiter
        if waiter is not None and not waiter.done():
            self._inbox_waiter = None
            waiter.set_result(event)
        else:
            if len(self._inbox) >= self.max_buffered:
                self._inbox.popleft()
                self.dropped_from_queue += 1
                if self.dropped_from_queue == 1:
                    logger.warning("More than %d events nobody received with recv(); the oldest "
                                   "are leaving its queue (handlers still see every event).",
                                   self.max_buffered)
            self._inbox.append(event)
        for event_id in incoming.answers:
            handle = self._handles.get(event_id)
            if handle is not None:
                handle._answer(event, incoming.error)
        if self._taps:
            for tap in tuple(self._taps):
                if not tap.future.done():
                    tap.seen.append(event.type)
                    if tap.matches(event):
                        tap.future.set_result(event)
        handlers = self._handlers.matching(event.type)
        if handlers:
            self._call_handlers(handlers, event)

    @staticmethod
    def _observer_failed(method: Callable[[Any], None], event: Any) -> None:
        # A bug in state is logged where it happened; the stream goes on.
        logger.exception("%s failed on %s", getattr(method, "__qualname__", method),
                         getattr(event, "type", "?"))

    def observe(self, observer: Observer) -> Observer:
        """Keep ``observer`` current with this session's events (see
        :mod:`realtime_nb.state.observer`); returns it."""
        self._observers.append(observer)
        kind = type(observer)
        if kind.before_send is not Observer.before_send:
            # Checked in reverse: state observed first (the conversation, which notes a
            # request as pending when it lets it through) hears last, once the others
            # (a spent budget) had their chance to refuse it.
            self._checkers.insert(0, observer.before_send)
        if kind.sent is not Observer.sent:
            self._senders.append(observer.sent)
        if kind.received is not Observer.received:
            self._receivers.append(observer.received)
        return observer

    def unobserve(self, observer: Observer) -> None:
        """Stop feeding ``observer`` (a panel letting go of a session it did not open)."""
        if observer not in self._observers:
            return
        self._observers.remove(observer)
        for methods in (self._checkers, self._senders, self._receivers):
            methods[:] = [method for method in methods
                          if getattr(method, "__self__", None) is not observer]

    @property
    def observers(self) -> tuple[Observer, ...]:
        """The state objects this session feeds, in the order they were added."""
        return tuple(self._observers)

    def _call_handlers(self, handlers: tuple[Handler, ...], event: Any) -> None:
        for handler in handlers:
            if handler.once:
                self._handlers.off(handler)
            # In the context the handler was registered in, not the receive loop's (the
            # connecting cell's): in Jupyter its output, its tasks' and its errors' log
            # go under the cell that registered it.
            handler.run(self._call_handler, handler, event)

    def _call_handler(self, handler: Handler, event: Any) -> None:
        self._handling += 1
        try:
            result = handler.function(event)
        except Exception as error:
            self._handler_failed(handler, event, error)
            return
        finally:
            self._handling -= 1
        if inspect.isawaitable(result):
            task = asyncio.ensure_future(result)  # inherits the handler's context
            self._handler_tasks.add(task)
            task.add_done_callback(functools.partial(self._handler_done, handler, event))

    def _handler_done(self, handler: Handler, event: Any, task: asyncio.Future[Any]) -> None:
        self._handler_tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self._handler_failed(handler, event, task.exception())  # type: ignore[arg-type]

    def _handler_failed(self, handler: Handler, event: Any, error: BaseException) -> None:
        self.handler_errors.append(HandlerError(handler, event, error))
        logger.error("Handler %r failed on %s: %s: %s", handler.pattern,
                     getattr(event, "type", "?"), type(error).__name__, error,
                     exc_info=(type(error), error, error.__traceback__))

    async def recv(self) -> AnyEvent:
        """The next server event not yet received (they are queued from the start).

        Raises:
            ConnectionClosed: the connection closed and every event was received.
        """
        if self._inbox:
            return self._inbox.popleft()
        if self._closed is not None:
            raise self._closed
        if self._inbox_waiter is not None:
            raise RuntimeError("recv() is already being awaited by another task.")
        self._inbox_waiter = self._require_loop().create_future()
        return await self._inbox_waiter

    def __aiter__(self) -> AsyncIterator[AnyEvent]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[AnyEvent]:
        """Every event in turn; ends on a normal close (1000, 1001), raises on any other."""
        while True:
            try:
                yield await self.recv()
            except ConnectionClosed as closed:
                if closed.code in (1000, 1001) and not closed.unsent:
                    return
                raise

    async def wait_for(self, type: str, where: Callable[[Any], bool] | None = None,
                       timeout: float | None = 30.0, *,
                       after: SendHandle | None = None) -> AnyEvent:
        """Wait for the next event of ``type`` (a type or a pattern) for which ``where`` holds.

        Without ``after``, only events arriving after the call count. With
        ``after=handle`` (a sent event), every event since that event went out
        counts, including those that arrived before this call: the race-free way
        to wait for what a send causes. For a ``response.create``, events of other
        responses are left out, and the error that refused the event is raised.
        Other consumers (``recv``, handlers) still get every event.

        Example::

            handle = await session.send(rt.create_response(), wait=True)  # response.created
            done = await session.wait_for("response.done", after=handle)  # never missed

        Raises:
            EventTimeout: none within ``timeout`` seconds; it lists what did arrive.
            ServerError: with ``after``, the server refused that event.
            ConnectionClosed: the connection closed first.
        """
        matches_type = type_matcher(type)

        def matches(event: AnyEvent) -> bool:
            return matches_type(event.type) and (where is None or bool(where(event)))

        if after is not None:
            found = self._follow(after, matches)
            if found is not None:
                return found
            matches = functools.partial(self._follows, after, matches)
        if self._closed is not None:
            raise self._closed
        tap = _Tap(self._require_loop().create_future(), matches)
        self._taps.append(tap)
        try:
            event = await self._await_for(tap.future, type, timeout, tap.seen)
        finally:
            self._taps.remove(tap)
        if after is not None and after.error is not None:
            raise after.error
        return event  # type: ignore[no-any-return]

    def _follow(self, handle: SendHandle, matches: Callable[[AnyEvent], bool]) -> AnyEvent | None:
        """The first kept event since ``handle`` was sent that ``matches``; raises its error."""
        if handle.error is not None:
            raise handle.error
        if handle.sent_after is None:
            return None  # still queued: nothing can have followed it yet
        since = min(self._received - handle.sent_after, len(self._history))
        for event in itertools.islice(self._history, len(self._history) - since, None):
            if self._follows(handle, matches, event):
                return event
        return None

    @staticmethod
    def _follows(handle: SendHandle, matches: Callable[[AnyEvent], bool],
                 event: AnyEvent) -> bool:
        """Whether ``event`` (arrived after ``handle`` was sent) is one ``wait_for`` wants.

        The error that refuses ``handle`` ends the wait too, to be raised.
        """
        if handle.sent_after is None:
            return False
        if handle.error is not None:
            return True
        if handle.event.type == "response.create":
            # Another response's events are not this one's, whichever came first.
            mine = getattr(getattr(handle.reply, "response", None), "id", None)
            theirs = _response_id(event)
            if theirs is not None and theirs != mine:
                return False
        return matches(event)

    async def _await_for(self, future: asyncio.Future[Any], expected: str,
                         timeout: float | None, seen: list[str] | None = None) -> Any:
        received = seen if seen is not None else []
        if seen is None:
            tap = _Tap(self._require_loop().create_future(), lambda _event: False)
            tap.seen = received
            self._taps.append(tap)
        try:
            async with asyncio.timeout(timeout):
                return await future
        except TimeoutError:
            raise EventTimeout(expected, timeout or 0.0, received) from None
        finally:
            if seen is None:
                self._taps.remove(tap)

    # -- handlers ----------------------------------------------------------------------------

    def on(self, pattern: str, function: HandlerFunction | None = None) -> Any:
        """Call ``function(event)`` for each event whose type matches ``pattern``.

        ``pattern`` is a type (``"response.done"``), a glob (``"response.*"``) or
        ``"*"``. ``function`` may be sync or ``async``; an exception it raises is
        logged and kept in :attr:`handler_errors`, and the other handlers still
        run. Without ``function``, works as a decorator. Returns the function.

        In Jupyter, what the handler prints or displays (and its errors' log)
        appears under the cell that registered it, whichever cell runs when the
        event arrives, or none: it runs in the :mod:`contextvars` context of this
        call, which is how the kernel knows the cell (ipykernel 7).
        """
        if function is None:
            return lambda fn: self.on(pattern, fn)
        self._handlers.on(pattern, function)
        return function

    def once(self, pattern: str, function: HandlerFunction | None = None) -> Any:
        """Like :meth:`on`, for the first matching event only."""
        if function is None:
            return lambda fn: self.once(pattern, fn)
        self._handlers.on(pattern, function, once=True)
        return function

    def off(self, pattern_or_function: str | HandlerFunction) -> int:
        """Remove handlers by pattern or by function; returns how many were removed."""
        return self._handlers.off(pattern_or_function)

    @property
    def handlers(self) -> tuple[Handler, ...]:
        """The registered handlers, in order."""
        return tuple(self._handlers)

    # -- sending -----------------------------------------------------------------------------

    async def send(self, event: ClientEvent | Mapping[str, Any], *, wait: bool = False,
                   timeout: float | None = 30.0, check: bool = True) -> SendHandle:
        """Send a client event (from a builder, or a dict in the session's dialect).

        The event is checked, given an ``event_id`` if it has none, encoded for
        the session's dialect and written. While the session reconnects it is
        queued instead (and sent once connected). With ``wait=True``, returns
        once the server has replied (:attr:`SendHandle.reply`): for
        ``response.create`` that is ``response.created``; wait for the rest with
        ``handle.wait_for("response.done")`` (which sees what arrived meanwhile),
        or use :meth:`respond`, which returns the whole :class:`Reply`.

        ``check=False`` sends an event the session's state would refuse (a
        ``response.create`` while a response is active), to see what the server
        says; the event itself is still validated.

        Raises:
            EventValidationError: the event is invalid; nothing was sent.
            SendQueueFull: ``max_queue`` events are already waiting.
            ConnectionClosed: the session is closed; the event is in ``unsent``.
            ServerError: with ``wait=True``, the server refused the event.
            EventTimeout: with ``wait=True``, no reply within ``timeout``.
        """
        handle = self._prepare(event, check)
        if wait and not handle.event.replies:
            raise ValueError(f"{handle.event.type} has no reply event to wait for; send it "
                             "without wait=True (errors are linked in session.errors).")
        if self._state == "open" and not self._queue:
            await self._write(handle)
        else:
            self._enqueue(handle)
        if wait:
            await handle.wait(timeout)
        return handle

    def send_nowait(self, event: ClientEvent | Mapping[str, Any], *,
                    check: bool = True) -> SendHandle:
        """Queue an event and return at once (for widget callbacks and other sync code
        on the session's event loop). The event goes out in order with other sends.

        Raises:
            EventValidationError, SendQueueFull, ConnectionClosed: as :meth:`send`.
        """
        handle = self._prepare(event, check)
        self._enqueue(handle)
        return handle

    def _prepare(self, event: ClientEvent | Mapping[str, Any], check: bool = True
                 ) -> SendHandle:
        outgoing = self.protocol.prepare(event)
        for before_send in self._checkers:
            before_send(outgoing.event, check=check)  # may refuse: nothing sent
        handle = SendHandle(self, outgoing)
        if self._closed is not None:
            self._give_up([handle])
            raise ConnectionClosed(self._closed.code, self._closed.reason, [handle.event])
        if len(self._queue) + self._inflight >= self.max_queue:
            raise SendQueueFull(self.max_queue, self._state)
        return handle

    def _remember(self, handle: SendHandle) -> None:
        handles = self._handles
        if handle.event_id in handles:
            return  # a retry after a reconnect: linked already
        handles[handle.event_id] = handle
        handle.sent_after = self._received
        for sent in self._senders:
            try:
                sent(handle.event)
            except Exception:  # state must never stop the stream
                self._observer_failed(sent, handle.event)
        if len(handles) > LINK_MEMORY:
            handles.popitem(last=False)
        self.protocol.record_sent(handle.outgoing)
        if self.tape is not None:
            self.tape.add("client", handle.outgoing.text)

    async def _write(self, handle: SendHandle) -> None:
        ws = self._ws
        assert ws is not None
        self._remember(handle)
        self._inflight += 1
        try:
            await ws.send(handle.outgoing.text)
        except websockets.ConnectionClosed:
            # The link went down under this send: keep the event for a reconnect, or report it.
            self._inflight -= 1
            if self.reconnect_policy is not None and not self._closing:
                self._queue.appendleft(handle)
                return
            self._give_up([handle])
            closed = self._closed or ConnectionClosed(ws.close_code or 1006,
                                                      ws.close_reason or "")
            raise ConnectionClosed(closed.code, closed.reason, [handle.event]) from None
        self._inflight -= 1
        handle.status = "sent"

    def _enqueue(self, handle: SendHandle) -> None:
        self._queue.append(handle)
        if self._state == "open" and (self._flusher is None or self._flusher.done()):
            self._flusher = asyncio.ensure_future(self._flush())

    async def _flush(self) -> None:
        while self._queue and self._state == "open":
            handle = self._queue[0]
            ws = self._ws
            assert ws is not None
            self._remember(handle)
            try:
                await ws.send(handle.outgoing.text)
            except websockets.ConnectionClosed:
                return  # the reader sees the close and reconnects or reports the queue
            if self._queue and self._queue[0] is handle:
                self._queue.popleft()
            handle.status = "sent"

    def _give_up(self, handles: list[SendHandle]) -> None:
        for handle in handles:
            handle.status = "unsent"
            self.unsent.append(handle.event)

    # -- losing and restoring the link -------------------------------------------------------

    def _close_of(self, ws: Link) -> tuple[int, str]:
        """The close code and reason to report for a connection that ended.

        The peer's close frame if it sent one; else the one this side sent when
        it gave up on the link (1011 "keepalive ping timeout"); else 1006.
        """
        received, sent = ws.protocol.close_rcvd, ws.protocol.close_sent
        if received is not None:
            return received.code, received.reason
        if sent is not None and not self._closing:
            return sent.code, sent.reason
        return 1006, ""

    def _lost(self, ws: Link) -> None:
        code, reason = self._close_of(ws)
        self.close_code, self.close_reason = code, reason
        policy = self.reconnect_policy
        if self._closing:
            self._finish(code, reason)
        elif policy is not None and code not in _FINAL_CLOSE_CODES:
            self._state = "reconnecting"
            logger.warning("Connection lost (code %s%s); reconnecting.", code,
                           f", {reason}" if reason else "")
            # Replies to what the lost link carried can only have come on that link.
            lost = ConnectionClosed(code, reason)
            for handle in self._handles.values():
                if handle.status == "sent":
                    handle._fail(lost)
            for tap in self._taps:
                if tap.per_link:
                    _fail(tap.future, lost)
            self._emit(ConnectionEvent("connection.lost", code, reason))
            self._reconnector = asyncio.ensure_future(self._reconnect(code, reason, policy))
        else:
            self._finish(code, reason)

    async def _reconnect(self, code: int, reason: str, policy: ReconnectPolicy) -> None:
        last = f"code {code}"
        for attempt in range(1, policy.max_attempts + 1):
            await asyncio.sleep(policy.delay(attempt))
            if self._closing:
                return
            try:
                ws, greeting = await self._open()
            except ConnectError as error:
                last = str(error)
                logger.warning("Reconnect attempt %d of %d failed: %s", attempt,
                               policy.max_attempts, last)
                continue
            self.reconnects += 1
            restore = self.protocol.restore_event()
            if not policy.resend and self._queue:
                self._give_up(list(self._queue))
                self._queue.clear()
            # The new session's conversation is empty: give it this one's text items back.
            for event in reversed(self.conversation.reseed_events()):
                self._queue.appendleft(SendHandle(self, self.protocol.prepare(event)))
            if restore is not None:
                self._queue.appendleft(SendHandle(self, restore))
            self._attach(ws, greeting)
            self._emit(ConnectionEvent("connection.restored", code, reason, attempt=attempt))
            if self._queue:
                self._flusher = asyncio.ensure_future(self._flush())
            return
        logger.warning("Giving up reconnecting after %d attempts (%s).", policy.max_attempts,
                       last)
        self._finish(code, reason)

    def _finish(self, code: int, reason: str) -> None:
        """The session is over: report what was not sent and wake everyone waiting."""
        self._state = "closed"
        self.close_code, self.close_reason = code, reason
        pending = list(self._queue)
        self._queue.clear()
        self._give_up(pending)
        closed = ConnectionClosed(code, reason, [h.event for h in pending])
        self._closed = closed
        if pending or not self._closing:
            logger.warning("Connection closed (code %s%s); %d event(s) not sent.", code,
                           f", {reason}" if reason else "", len(pending))
        _fail(self._inbox_waiter, closed)
        self._inbox_waiter = None
        for tap in self._taps:
            _fail(tap.future, closed)
        for handle in self._handles.values():
            handle._fail(closed)
        self._emit(ConnectionEvent("connection.closed", code, reason,
                                   unsent=tuple(h.event for h in pending)))

    def _emit(self, change: ConnectionEvent) -> None:
        # Handlers and wait_for see link changes too; recv() gives server events only.
        for tap in tuple(self._taps):
            if not tap.future.done():
                tap.seen.append(change.type)
                if tap.matches(change):  # type: ignore[arg-type]
                    tap.future.set_result(change)
        handlers = self._handlers.matching(change.type)
        if handlers:
            self._call_handlers(handlers, change)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection (idempotent). Queued events not yet sent go to :attr:`unsent`."""
        if self._closed is not None:
            return
        self._closing = True
        self._state = "closing"
        reconnector, self._reconnector = self._reconnector, None
        if reconnector is not None and not reconnector.done():
            reconnector.cancel()
        if self._flusher is not None and not self._flusher.done():
            # An event being written stays first in the queue, so it is reported as unsent.
            self._flusher.cancel()
        ws = self._ws
        if ws is not None:
            await self._close_link(ws, code, reason)
        if self._watcher is not None:
            await asyncio.gather(self._watcher, return_exceptions=True)
        for task in tuple(self._handler_tasks):
            task.cancel()
        if self._closed is None:
            self._finish(ws.close_code if ws is not None and ws.close_code else code,
                         reason)

    async def _close_link(self, ws: Link, code: int = 1000, reason: str = "") -> None:
        try:
            # A peer that stopped reading never takes the close frame: don't wait forever.
            async with asyncio.timeout(self._close_timeout):
                await ws.close(code, reason)
        except TimeoutError:
            ws.transport.abort()

    async def __aenter__(self) -> RealtimeSession:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _require_loop(self) -> asyncio.AbstractEventLoop:
        loop = asyncio.get_running_loop()
        if self._loop is not None and loop is not self._loop:
            raise RuntimeError("This session belongs to another event loop; use session.sync "
                               "from other threads.")
        return loop

    # -- conveniences ------------------------------------------------------------------------

    async def update(self, *, timeout: float | None = 30.0, **session_fields: Any) -> Any:
        """Change the session (``session.update``) and return the effective session.

        Example: ``await session.update(instructions="Answer in French.")``.
        """
        handle = await self.send(session_update(session_fields), wait=True, timeout=timeout)
        return getattr(handle.reply, "session", None)

    async def say(self, text: str, *, timeout: float | None = 60.0, interrupt: bool = False,
                  **response: Any) -> Reply:
        """Send a user message and ask for a response; return the whole :class:`Reply`.

        Keyword arguments go to ``response.create`` (``output_modalities=["text"]``,
        ``instructions=...``). ``interrupt=True`` first stops the assistant
        (:meth:`interrupt`): typing while it speaks.

        A response that ends ``cancelled`` or ``incomplete`` is returned (see
        :attr:`Reply.status`); one that ends ``failed`` raises. When it calls Python
        tools (:attr:`tools`), they run, and the reply returned is the one to their
        outputs (``timeout`` applies to each response); :attr:`Reply.tool_calls`
        lists the calls.

        Raises:
            ServerError: the server refused the message or the response.
            RealtimeError: the response ended with status ``failed``.
            EventTimeout: the response did not finish within ``timeout``.
            ConnectionClosed: the link was lost before the response finished.
            BudgetExceeded: the budget (``connect(budget_usd=...)``) is spent;
                nothing was sent.
        """
        if interrupt:
            await self.interrupt()
        return await self._reply(text, response, timeout)

    async def respond(self, *, timeout: float | None = 60.0, **response: Any) -> Reply:
        """Ask for a response (``response.create``) and return the whole :class:`Reply`.

        :meth:`say` without the user message: for a conversation built by hand
        (items created, audio committed, a function's output given back).
        Keyword arguments are ``response.create``'s (``instructions=...``,
        ``conversation="none"`` for an out-of-band response).

        Raises:
            ServerError: the server refused the response.
            RealtimeError: the response ended with status ``failed``.
            EventTimeout: the response did not finish within ``timeout``.
            ConnectionClosed: the link was lost before the response finished.
        """
        return await self._reply(None, response, timeout)

    async def send_audio(self, audio: Any, *, rate: int | None = None, chunk_ms: float = 100,
                         realtime: bool = False, commit: bool = False,
                         progress: bool | None = None, timeout: float | None = 30.0
                         ) -> SentAudio:
        """Send a clip as ``input_audio_buffer.append`` events, in the session's input format.

        ``audio`` is an :class:`~realtime_nb.Audio` or anything
        :func:`~realtime_nb.load_audio` reads (a path, a file object, bytes, an
        array; ``rate=`` for raw bytes and arrays). It goes out as PCM16 at 24 kHz,
        or as G.711 when ``session.audio.input.format`` is ``audio/pcmu`` or
        ``audio/pcma``, in pieces of ``chunk_ms``; with ``realtime=True``, piece
        *k* leaves at *k* x ``chunk_ms`` from the start, as from a microphone (for
        server VAD demos). ``commit=True`` then sends ``input_audio_buffer.commit``
        and waits for ``committed``. Clips over 5 s show a progress bar
        (``progress=True``/``False`` to force).

        Example: ``await session.send_audio(rt.load_audio("question.wav"), commit=True)``.

        Raises:
            EventValidationError: ``chunk_ms`` is not above 0, or makes a piece over
                the service's 15 MiB per append; nothing was sent.
            TypeError, ValueError, FileNotFoundError: ``audio`` is not audio.
            ServerError: with ``commit=True``, the server refused the commit.
        """
        return await _audio.send_audio(self, audio, rate=rate, chunk_ms=chunk_ms,
                                       realtime=realtime, commit=commit, progress=progress,
                                       timeout=timeout)

    async def interrupt(self, *, timeout: float | None = 10.0) -> Interruption:
        """Stop the assistant where the listener is: cancel, then truncate what was heard.

        Cancels the active response (if any), then truncates the item being
        played (:attr:`playback`) at its played position, clamped to the audio
        received for it; skips the truncate (saying why) when nothing of it was
        played, as the service refuses a truncate before an item's first audio.
        Waits for both answers and returns an :class:`Interruption`.
        """
        return await _audio.interrupt(self, timeout=timeout)

    async def _reply(self, text: str | None, response: Mapping[str, Any],
                     timeout: float | None) -> Reply:
        wanted = create_response(**response)
        self.conversation.check(wanted)  # ResponseActive before the message goes out too
        self.usage.before_send(wanted)  # BudgetExceeded, likewise
        started = time.perf_counter()
        # Everything is kept from the start: the response's first events can arrive
        # in the same read as response.created, before this coroutine learns its id.
        arrived: list[tuple[Any, float]] = []
        response_id: list[str] = []

        def is_done(event: Any) -> bool:
            return (event.type == "response.done" and bool(response_id)
                    and getattr(event.response, "id", None) == response_id[0])

        def keep(event: Any) -> bool:
            arrived.append((event, time.perf_counter()))
            return is_done(event)

        item: SendHandle | None = None
        tap = _Tap(self._require_loop().create_future(), keep, per_link=True)
        self._taps.append(tap)
        try:
            if text is not None:
                item = await self.send(create_item(user_text(text)))
            # Marked before it leaves: the tool loop's follow-up is then this call's to ask.
            request = await self.send(self._tool_runner.drive(wanted))
            created = await request.wait(timeout)
            response_id.append(created.response.id)  # type: ignore[union-attr]
            if not any(is_done(event) for event, _ in arrived):
                await self._await_for(tap.future, "response.done", timeout, tap.seen)
        finally:
            self._taps.remove(tap)
        collector = ReplyCollector(started)
        for event, at in arrived:
            if event is created:
                collector.start(event, at)
            else:
                collector.feed(event, at)
        if item is not None and item.error is not None:
            raise item.error  # the response went ahead, but without the message
        reply = collector.reply()
        if reply.status == "failed":
            details = getattr(reply.response, "status_details", None)
            error = getattr(details, "error", None)
            raise RealtimeError(f"The response failed: {getattr(error, 'message', error)}")
        return await self._tool_runner.finish(reply, response, timeout)

    def tool(self, function: Callable[..., Any] | None = None, *, name: str | None = None,
             description: str | None = None) -> Any:
        """Register a Python function as a tool the model may call (``session.tools.add``).

        A decorator, bare or with arguments; the schema comes from the signature,
        the description from the docstring::

            @session.tool
            def get_weather(city: str, unit: Literal["C", "F"] = "C") -> dict:
                '''The weather now in a city.'''
                return {"city": city, "temp": 21, "unit": unit}

        See :class:`~realtime_nb.ToolRegistry` for what happens when the model calls it.
        """
        return self.tools.add(function, name=name, description=description)

    @property
    def tool_calls(self) -> list[ToolCall]:
        """Every call of a Python tool so far (:class:`~realtime_nb.ToolCall`), oldest first."""
        return list(self.tools.calls)

    @property
    def sync(self) -> SyncSession:
        """Plain-call forms of this session's methods, for cells and widget callbacks."""
        from .sync import SyncSession

        return SyncSession(self)

    # -- state -------------------------------------------------------------------------------

    @property
    def state(self) -> State:
        """``"open"``, ``"reconnecting"``, ``"closing"`` or ``"closed"``."""
        return self._state

    @property
    def errors(self) -> list[ServerError]:
        """The server's errors, each linked to the client event that caused it if named."""
        return list(self.protocol.errors)

    @property
    def session(self) -> Any:
        """The effective session, from the last ``session.created`` or ``session.updated``."""
        return self.protocol.session

    @property
    def expires_at(self) -> datetime | None:
        """When the service will end this session (``session.created``'s ``expires_at``)."""
        return self.conversation.expires_at

    @property
    def expires_in(self) -> float | None:
        """Seconds left before the service ends the session (``None`` if it did not say)."""
        return self.conversation.expires_in

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The event loop the session was opened on (only it may drive the connection);
        ``None`` before the first connection."""
        return self._loop

    @property
    def history(self) -> tuple[AnyEvent, ...]:
        """The latest server events received (up to ``history`` of them), oldest first:
        where state attached after connecting (the control panel's log) starts from."""
        return tuple(self._history)

    @property
    def pending(self) -> tuple[ClientEvent, ...]:
        """Events queued and not sent yet."""
        return tuple(h.event for h in self._queue)

    def __repr__(self) -> str:
        key = " api_key=***" if self.target.secrets else ""
        errors = f" errors={len(self.protocol.errors)}" if self.protocol.errors else ""
        return (f"<RealtimeSession {self._state} {self.target.describe()} "
                f"sent={self.protocol.sent} received={self.protocol.received}{errors}{key}>")
