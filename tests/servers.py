"""Small purpose-made WebSocket servers for testing a Realtime *client* (the sender).

Each server binds ``127.0.0.1`` on an ephemeral port, runs in the current asyncio loop
and is an async context manager; leaving the block closes every socket and task::

    async with EchoServer() as srv:
        ...  # connect a client to srv.url ("ws://127.0.0.1:PORT/v1/realtime")

Every server records what it saw: ``connections`` (accepted WebSocket connections),
``received`` (the clients' JSON objects, in order, across connections) and ``requests``
(handshake headers with lower-cased names, plus ``":path"``: the path with its query).
Unless ``greet=False``, each connection first gets a GA ``session.created``.

* :class:`EchoServer` echoes every JSON frame as ``{"type": "echo", "echo": ...}``, but
  answers ``session.update`` and ``input_audio_buffer.clear`` like the service does, and
  refuses the event types in ``fail_types`` with a service-shaped ``error``.
* :class:`SilentServer` does the opening handshake by hand, sends the greeting and then
  never reads another byte nor answers a ping: a dead or hung peer.
* :class:`ClosingServer` starts a response on ``response.create``, then closes the
  connection mid-response (close frame, or a dropped TCP connection with ``drop=True``);
  with ``reconnectable=True`` later connections complete a small text response instead.
* :class:`SlowServer` is an echo server that waits before its greeting and each reply.
* :class:`RejectingServer` refuses the upgrade with an HTTP status and a JSON body
  (by default the service's 401 for a bad API key).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import itertools
import json
from collections.abc import Collection
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self, cast

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

Event = dict[str, Any]

PATH = "/v1/realtime"
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455, section 1.3
BAD_KEY_BODY: Event = {
    "error": {
        "message": "Incorrect API key provided: sk-abc***xyz. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        "type": "invalid_request_error",
        "code": "invalid_api_key",
        "param": None,
    }
}


def greeting_session(n: int) -> Event:
    """The GA session the greeting of connection ``n`` (1-based) carries."""
    return {
        "type": "realtime",
        "object": "realtime.session",
        "id": f"sess_{n}",
        "model": "gpt-realtime",
        "output_modalities": ["audio"],
        "instructions": "",
        "tools": [],
        "tool_choice": "auto",
        "max_output_tokens": "inf",
    }


def greeting(n: int) -> Event:
    """The ``session.created`` event connection ``n`` (1-based) gets first."""
    return {"type": "session.created", "event_id": f"event_{n}", "session": greeting_session(n)}


def _decode(message: str | bytes) -> Event | None:
    try:
        value = json.loads(message)
    except ValueError:  # not JSON, or not UTF-8
        return None
    return value if isinstance(value, dict) else None


async def _pause(ws: ServerConnection, delay: float) -> None:
    """Sleep ``delay`` seconds, or less if the connection closes meanwhile."""
    if delay > 0:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ws.wait_closed(), delay)


@dataclass
class _Peer:
    ws: ServerConnection
    index: int  # 1-based connection number
    session: Event = field(default_factory=dict)


class _WebSocketServer:
    """Lifecycle and recording shared by the servers built on ``websockets``."""

    def __init__(self, *, greet: bool = True) -> None:
        self.greet = greet
        self.connections = 0
        self.received: list[Event] = []
        self.requests: list[dict[str, str]] = []
        self._ids = itertools.count(1)
        self._server: Server | None = None
        self._port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._port}{PATH}"

    async def __aenter__(self) -> Self:
        self._server = await serve(
            self._handler,
            "127.0.0.1",
            0,
            compression=None,
            process_request=self._process_request,
            ping_interval=None,
            close_timeout=2,
        )
        self._port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def close_now(self, code: int = 1000, reason: str = "") -> None:
        """Close every open connection with a close frame."""
        live = list(self._server.connections) if self._server else []
        await asyncio.gather(*(ws.close(code, reason) for ws in live))

    def drop_now(self) -> None:
        """Abort every open connection's TCP connection, without a close frame."""
        for ws in list(self._server.connections) if self._server else []:
            ws.transport.abort()

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        headers = {name.lower(): value for name, value in request.headers.raw_items()}
        self.requests.append({**headers, ":path": request.path})
        return None

    def _event_id(self, prefix: str = "") -> str:
        return f"event_{prefix}{next(self._ids)}"

    async def _send(self, peer: _Peer, event: Event) -> None:
        await peer.ws.send(json.dumps(event))

    async def _greet(self, peer: _Peer) -> None:
        await self._send(peer, greeting(peer.index))

    async def _handler(self, ws: ServerConnection) -> None:
        self.connections += 1
        peer = _Peer(ws, self.connections, greeting_session(self.connections))
        try:
            if self.greet:
                await self._greet(peer)
            async for message in ws:
                event = _decode(message)
                if event is not None:
                    self.received.append(event)
                    await self._on_event(peer, event)
        except ConnectionClosed:
            pass

    async def _on_event(self, peer: _Peer, event: Event) -> None:
        pass


class EchoServer(_WebSocketServer):
    """Echoes JSON frames; answers ``session.update`` and ``input_audio_buffer.clear``."""

    def __init__(self, *, greet: bool = True, fail_types: Collection[str] = ()) -> None:
        super().__init__(greet=greet)
        self.fail_types = frozenset(fail_types)

    async def _on_event(self, peer: _Peer, event: Event) -> None:
        kind = event.get("type")
        if kind in self.fail_types:
            await self._send(peer, self._error(event))
        elif kind == "session.update":
            update = event.get("session")
            peer.session.update(update if isinstance(update, dict) else {})
            reply = {"type": "session.updated", "event_id": self._event_id("r")}
            await self._send(peer, {**reply, "session": dict(peer.session)})
        elif kind == "input_audio_buffer.clear":
            reply = {"type": "input_audio_buffer.cleared", "event_id": self._event_id("r")}
            await self._send(peer, reply)
        else:
            await self._send(peer, {"type": "echo", "event_id": self._event_id("x"), "echo": event})

    def _error(self, event: Event) -> Event:
        error = {
            "type": "invalid_request_error",
            "code": "invalid_value",
            "message": "Refused by test server.",
            "param": None,
            "event_id": event.get("event_id"),
        }
        return {"type": "error", "event_id": self._event_id("e"), "error": error}


class ClosingServer(EchoServer):
    """An echo server that closes (or drops) the connection in the middle of a response."""

    def __init__(
        self,
        after: int = 2,
        code: int = 1011,
        reason: str = "test close",
        drop: bool = False,
        reconnectable: bool = True,
        *,
        greet: bool = True,
        fail_types: Collection[str] = (),
    ) -> None:
        super().__init__(greet=greet, fail_types=fail_types)
        self.after, self.code, self.reason = after, code, reason
        self.drop, self.reconnectable = drop, reconnectable
        self._responses = itertools.count(1)

    async def _on_event(self, peer: _Peer, event: Event) -> None:
        kind = event.get("type")
        if kind != "response.create" or kind in self.fail_types:
            return await super()._on_event(peer, event)
        n = next(self._responses)
        faulty = peer.index == 1 or not self.reconnectable
        response = {"object": "realtime.response", "id": f"resp_{n}", "status": "in_progress"}
        created = {"type": "response.created", "event_id": self._event_id("r")}
        await self._send(peer, {**created, "response": {**response, "output": []}})
        for _ in range(self.after if faulty else 1):
            delta = {
                "type": "response.output_text.delta",
                "event_id": self._event_id("r"),
                "response_id": f"resp_{n}",
                "item_id": f"item_{n}",
                "output_index": 0,
                "content_index": 0,
                "delta": "Hi",
            }
            await self._send(peer, delta)
        if not faulty:
            usage = {"total_tokens": 1, "input_tokens": 1, "output_tokens": 0}
            done = {**response, "status": "completed", "output": [], "usage": usage}
            await self._send(
                peer, {"type": "response.done", "event_id": self._event_id("r"), "response": done}
            )
        elif self.drop:
            transport = peer.ws.transport
            for _ in range(100):  # let the deltas leave before the abort discards them
                if not transport.get_write_buffer_size():
                    break
                await asyncio.sleep(0.01)
            transport.abort()
        else:
            await peer.ws.close(self.code, self.reason)


class SlowServer(EchoServer):
    """An echo server that waits ``greet_delay`` before its greeting, ``reply_delay`` before
    each reply."""

    def __init__(
        self,
        greet_delay: float = 0.0,
        reply_delay: float = 0.0,
        *,
        greet: bool = True,
        fail_types: Collection[str] = (),
    ) -> None:
        super().__init__(greet=greet, fail_types=fail_types)
        self.greet_delay, self.reply_delay = greet_delay, reply_delay

    async def _greet(self, peer: _Peer) -> None:
        await _pause(peer.ws, self.greet_delay)
        await super()._greet(peer)

    async def _on_event(self, peer: _Peer, event: Event) -> None:
        await _pause(peer.ws, self.reply_delay)
        await super()._on_event(peer, event)


class RejectingServer(_WebSocketServer):
    """Refuses every WebSocket upgrade with ``status`` and a JSON ``body``."""

    def __init__(self, status: int = 401, body: Event | None = None) -> None:
        super().__init__(greet=False)
        self.status = status
        self.body = BAD_KEY_BODY if body is None else body

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        super()._process_request(connection, request)
        response = connection.respond(self.status, json.dumps(self.body))
        del response.headers["Content-Type"]
        response.headers["Content-Type"] = "application/json"
        return response


class SilentServer:
    """Completes the opening handshake by hand, greets, then never reads nor answers."""

    def __init__(self, *, greet: bool = True) -> None:
        self.greet = greet
        self.connections = 0
        self.received: list[Event] = []  # always empty: this server reads no frames
        self.requests: list[dict[str, str]] = []
        self._server: asyncio.Server | None = None
        self._transports: list[asyncio.Transport] = []
        # Python 3.13's StreamWriter closes its transport when collected: a hung server
        # must keep its writers, or the client sees the connection drop instead.
        self._writers: list[asyncio.StreamWriter] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._port}{PATH}"

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._handler, "127.0.0.1", 0)
        self._port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._server is not None
        self._server.close()
        for transport in self._transports:
            transport.abort()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _handler(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        transport = cast(asyncio.Transport, writer.transport)
        self._transports.append(transport)
        self._writers.append(writer)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            transport.abort()
            return
        finally:
            self._tasks.discard(task)
        transport.pause_reading()  # hung: not one more byte is read
        start, *lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines)}
        headers.pop("", None)
        self.requests.append({**headers, ":path": start.split(" ")[1] if " " in start else ""})
        key = headers.get("sec-websocket-key")
        if key is None:
            writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            transport.close()
            return
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        writer.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode()
        )
        self.connections += 1
        if self.greet:
            writer.write(_text_frame(json.dumps(greeting(self.connections))))


def _text_frame(text: str) -> bytes:
    """One final, unmasked text frame, as a server sends it."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        head = bytes([0x81, size])
    elif size < 1 << 16:
        head = bytes([0x81, 126]) + size.to_bytes(2, "big")
    else:
        head = bytes([0x81, 127]) + size.to_bytes(8, "big")
    return head + payload
