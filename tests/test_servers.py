"""The test servers of ``tests/servers.py``, each driven by a plain ``websockets`` client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

import realtime_nb as rt
from realtime_nb.wire.server_events import (
    ErrorEvent,
    InputAudioBufferCleared,
    ResponseCreated,
    ResponseDone,
    ResponseOutputTextDelta,
    SessionCreated,
    SessionUpdated,
)

from .servers import (
    BAD_KEY_BODY,
    ClosingServer,
    EchoServer,
    RejectingServer,
    SilentServer,
    SlowServer,
)

TIMEOUT_S = 10
"""Longest a scenario may take: a hang fails the test instead of blocking the run."""


def _run(scenario: Callable[[], Awaitable[None]]) -> None:
    async def main() -> None:
        await asyncio.wait_for(scenario(), TIMEOUT_S)
        assert asyncio.all_tasks() == {asyncio.current_task()}, "a task outlived its server"

    asyncio.run(main())


async def _recv(ws: ClientConnection) -> dict[str, Any]:
    event = json.loads(await ws.recv())
    assert isinstance(event, dict)
    return event


async def _greeted(ws: ClientConnection, n: int = 1) -> None:
    event = rt.parse_server_event(await ws.recv())
    assert isinstance(event, SessionCreated)
    assert (event.event_id, event.session.id) == (f"event_{n}", f"sess_{n}")


def test_echo_server_greets_echoes_and_answers_like_the_service() -> None:
    sent = [
        {"type": "conversation.item.create", "event_id": "evt_1", "item": {"type": "message"}},
        {"type": "session.update", "event_id": "evt_2", "session": {"instructions": "Be brief."}},
        {"type": "input_audio_buffer.clear", "event_id": "evt_3"},
    ]

    async def scenario() -> None:
        async with EchoServer() as srv:
            headers = {"Authorization": "Bearer sk-test"}
            async with connect(srv.url + "?model=gpt-realtime", additional_headers=headers) as ws:
                await _greeted(ws)
                await ws.send("not json")  # ignored, not recorded
                for event in sent:
                    await ws.send(json.dumps(event))
                echo = await _recv(ws)
                assert echo["type"] == "echo" and echo["echo"] == sent[0]
                updated = rt.parse_server_event(await ws.recv())
                assert isinstance(updated, SessionUpdated)
                assert isinstance(updated.session, rt.Session)
                assert updated.session.instructions == "Be brief."
                assert updated.session.id == "sess_1"
                assert isinstance(rt.parse_server_event(await ws.recv()), InputAudioBufferCleared)
            assert srv.connections == 1
            assert srv.received == sent
            [request] = srv.requests
            assert request[":path"] == "/v1/realtime?model=gpt-realtime"
            assert request["authorization"] == "Bearer sk-test"

    _run(scenario)


def test_echo_server_refuses_fail_types_with_a_service_error() -> None:
    async def scenario() -> None:
        async with EchoServer(fail_types={"response.create"}) as srv, connect(srv.url) as ws:
            await _greeted(ws)
            await ws.send(json.dumps({"type": "response.create", "event_id": "evt_9"}))
            await ws.send(json.dumps({"type": "response.create"}))
            for expected in ("evt_9", None):
                error = rt.parse_server_event(await ws.recv())
                assert isinstance(error, ErrorEvent)
                assert error.error.code == "invalid_value"
                assert error.error.event_id == expected

    _run(scenario)


def test_silent_server_handshakes_greets_and_then_never_answers() -> None:
    async def scenario() -> None:
        async with SilentServer() as srv:
            async with connect(srv.url, ping_interval=None, close_timeout=0.2) as ws:
                await _greeted(ws)
                pong = await ws.ping()
                with pytest.raises(TimeoutError):
                    await asyncio.wait_for(pong, 0.5)
            assert srv.connections == 1
            assert srv.requests[0][":path"] == "/v1/realtime"
            assert srv.requests[0]["upgrade"] == "websocket"

    _run(scenario)


async def _open_response(ws: ClientConnection, deltas: int) -> str:
    await ws.send(json.dumps({"type": "response.create"}))
    created = rt.parse_server_event(await ws.recv())
    assert isinstance(created, ResponseCreated) and isinstance(created.response.id, str)
    for _ in range(deltas):
        delta = rt.parse_server_event(await ws.recv())
        assert isinstance(delta, ResponseOutputTextDelta) and delta.delta == "Hi"
    return created.response.id


@pytest.mark.parametrize("drop", [False, True])
def test_closing_server_cuts_the_first_response_then_serves_the_next(drop: bool) -> None:
    async def scenario() -> None:
        async with ClosingServer(after=3, code=1011, reason="test close", drop=drop) as srv:
            async with connect(srv.url) as ws:
                await _greeted(ws)
                await _open_response(ws, deltas=3)
                with pytest.raises(ConnectionClosed) as caught:
                    await ws.recv()
            if drop:
                assert caught.value.rcvd is None and ws.close_code == 1006
            else:
                assert caught.value.rcvd is not None
                assert (caught.value.rcvd.code, caught.value.rcvd.reason) == (1011, "test close")
            async with connect(srv.url) as ws:
                await _greeted(ws, 2)
                response_id = await _open_response(ws, deltas=1)
                done = rt.parse_server_event(await ws.recv())
                assert isinstance(done, ResponseDone)
                assert (done.response.id, done.response.status) == (response_id, "completed")
                await ws.send(json.dumps({"type": "ping", "event_id": "evt_1"}))
                assert (await _recv(ws))["echo"]["event_id"] == "evt_1"
            assert srv.connections == 2

    _run(scenario)


def test_closing_server_close_now_and_drop_now() -> None:
    async def scenario() -> None:
        async with ClosingServer() as srv:
            async with connect(srv.url) as ws:
                await _greeted(ws)
                await srv.close_now(4000, "bye")
                with pytest.raises(ConnectionClosed):
                    await ws.recv()
                assert (ws.close_code, ws.close_reason) == (4000, "bye")
            async with connect(srv.url) as ws:
                await _greeted(ws, 2)
                srv.drop_now()
                with pytest.raises(ConnectionClosed):
                    await ws.recv()
                assert ws.close_code == 1006

    _run(scenario)


def test_slow_server_waits_before_greeting_and_replies() -> None:
    async def scenario() -> None:
        async with SlowServer(greet_delay=0.5, reply_delay=0.5) as srv, connect(srv.url) as ws:
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(ws.recv(), 0.1)  # cancelling recv() loses nothing
            await _greeted(ws)
            await ws.send(json.dumps({"type": "ping"}))
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(ws.recv(), 0.1)
            assert (await _recv(ws))["echo"] == {"type": "ping"}

    _run(scenario)


@pytest.mark.parametrize(
    ("status", "body"), [(401, None), (429, {"error": {"code": "rate_limit_exceeded"}})]
)
def test_rejecting_server_refuses_the_upgrade(status: int, body: dict[str, Any] | None) -> None:
    async def scenario() -> None:
        async with RejectingServer(status, body) as srv:
            with pytest.raises(InvalidStatus) as caught:
                async with connect(srv.url, additional_headers={"Authorization": "Bearer sk-x"}):
                    pass
            response = caught.value.response
            assert response.status_code == status
            assert response.headers["Content-Type"] == "application/json"
            assert json.loads(response.body) == (BAD_KEY_BODY if body is None else body)
            assert srv.connections == 0
            assert srv.requests[0]["authorization"] == "Bearer sk-x"

    _run(scenario)
