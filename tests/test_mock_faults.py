"""Each :class:`~realtime_nb.mock.Faults` option does what it says, seen from a WebSocket client.

Counts are of server events on one connection, ``session.created`` being 1. No
test asserts that anything is fast; waits are timeouts that turn a hang into a
failure, and "nothing arrives" is checked by waiting a short while for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from openai.types.realtime.realtime_error_event import RealtimeErrorEvent
from openai.types.realtime.response_done_event import ResponseDoneEvent
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

import realtime_nb as rt
from realtime_nb.mock import Faults, MockServer

from .test_mock_cli import MockCli

TIMEOUT = 5.0
"""Longest wait for anything that should happen (a hang fails instead of blocking)."""

QUIET = 0.3
"""How long "nothing arrives" is watched for."""

PROMPT = 2.0
"""Wait for something that follows at once from a local action (a close, a stop): a
hang detector, kept short so a regression fails fast."""

ITEM = rt.create_item(rt.user_text("hello there friend")).to_json()
TEXT_RESPONSE = rt.create_response(output_modalities=["text"]).to_json()
AUDIO_RESPONSE = rt.create_response(output_modalities=["audio"]).to_json()


def run(scenario: Any, timeout: float = 20.0) -> Any:
    return asyncio.run(asyncio.wait_for(scenario, timeout))


@contextlib.asynccontextmanager
async def client(url: str) -> AsyncIterator[ClientConnection]:
    ws = await asyncio.wait_for(connect(url, max_size=None), TIMEOUT)
    try:
        yield ws
    finally:
        if ws.state is not State.CLOSED:
            await asyncio.wait_for(ws.close(), TIMEOUT)


async def recv(ws: ClientConnection, timeout: float = TIMEOUT) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))  # type: ignore[no-any-return]


async def until(ws: ClientConnection, event_type: str) -> list[dict[str, Any]]:
    """Events up to and including the first of ``event_type``."""
    events: list[dict[str, Any]] = []
    while not events or events[-1]["type"] != event_type:
        events.append(await recv(ws))
    return events


async def until_closed(ws: ClientConnection,
                       send_after_opening: tuple[str, ...] = ()) -> tuple[list[dict[str, Any]],
                                                                          ConnectionClosed]:
    """Every event until the connection ends; ``send_after_opening`` goes out after the
    opening event, ``session.created`` (if the connection lives that long)."""
    events: list[dict[str, Any]] = []
    while True:
        try:
            events.append(await recv(ws))
        except ConnectionClosed as closed:
            return events, closed
        if len(events) == 1:
            for frame in send_after_opening:
                with contextlib.suppress(ConnectionClosed):
                    await ws.send(frame)


async def wait_until(condition: Any, timeout: float = TIMEOUT) -> bool:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def text_exchange(ws: ClientConnection) -> list[dict[str, Any]]:
    await ws.send(ITEM)
    await ws.send(TEXT_RESPONSE)
    events = await until(ws, "response.done")
    assert events[-1]["response"]["status"] == "completed"
    return events


async def text_exchange_any(ws: ClientConnection) -> list[dict[str, Any]]:
    """A text exchange whatever its outcome, up to the ``rate_limits.updated`` after it."""
    await ws.send(ITEM)
    await ws.send(TEXT_RESPONSE)
    events = await until(ws, "response.done")
    events.append(await recv(ws))
    return events


# The order of a fresh GA connection that sends ITEM then TEXT_RESPONSE (protocol.md §5 a, c).
EXCHANGE_HEAD = [
    "session.created",
    "conversation.item.added", "conversation.item.done",
    "response.created", "response.output_item.added", "conversation.item.added",
    "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
]


def assert_dropped(ws: ClientConnection, closed: ConnectionClosed) -> None:
    """The TCP connection ended with no close frame from the server."""
    assert closed.rcvd is None
    assert ws.close_code == 1006


# -- drop_after ---------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 5, 9])
def test_drop_after_n_events(n: int) -> None:
    async def scenario() -> None:
        async with MockServer(seed=1, faults=Faults(drop_after=n)) as server:
            for _ in range(2):  # every connection, not just the first
                async with client(server.url) as ws:
                    events, closed = await until_closed(ws, (ITEM, TEXT_RESPONSE))
                    assert [e["type"] for e in events] == EXCHANGE_HEAD[:n]
                    assert_dropped(ws, closed)
            assert await wait_until(lambda: not server.sessions)

    run(scenario())


# -- drop_mid_response --------------------------------------------------------------------------


@pytest.mark.parametrize(("response", "delta_types"), [
    (TEXT_RESPONSE, {"response.output_text.delta"}),
    (AUDIO_RESPONSE, {"response.output_audio.delta", "response.output_audio_transcript.delta"}),
], ids=["text", "audio"])
def test_drop_mid_response_at_the_first_delta(response: str, delta_types: set[str]) -> None:
    async def scenario() -> None:
        async with MockServer(seed=1, faults=Faults(drop_mid_response=True)) as server, \
                client(server.url) as ws:
            events, closed = await until_closed(ws, (ITEM, response))
            types = [e["type"] for e in events]
            assert types[-1] in delta_types
            assert [t for t in types if t.endswith(".delta")] == [types[-1]]
            assert "response.created" in types and "response.done" not in types
            assert_dropped(ws, closed)

    run(scenario())


def test_drop_mid_response_leaves_sessions_without_responses_alone() -> None:
    async def scenario() -> None:
        async with MockServer(seed=1, faults=Faults(drop_mid_response=True)) as server, \
                client(server.url) as ws:
            assert (await recv(ws))["type"] == "session.created"
            await ws.send(ITEM)
            assert [(await recv(ws))["type"] for _ in range(2)] == [
                "conversation.item.added", "conversation.item.done"]
            await ws.send(json.dumps({"type": "input_audio_buffer.clear"}))
            assert (await recv(ws))["type"] == "input_audio_buffer.cleared"

    run(scenario())


# -- delay_ms ------------------------------------------------------------------------------------


def _comparable(event: dict[str, Any]) -> dict[str, Any]:
    if event["type"] == "session.created":  # expires_at follows the wall clock
        event = {**event, "session": {**event["session"], "expires_at": None}}
    return event


async def _recorded_exchange(faults: Faults) -> tuple[list[dict[str, Any]], float]:
    async with MockServer(seed=1, faults=faults) as server:
        start = time.monotonic()
        async with client(server.url) as ws:
            opening = [await recv(ws)]
            events = opening + await text_exchange(ws)
            events.append(await recv(ws))  # rate_limits.updated follows response.done
            return [_comparable(e) for e in events], time.monotonic() - start


def test_delay_ms_keeps_every_event_and_their_order() -> None:
    delay_ms = 15.0

    async def scenario() -> None:
        plain, _ = await _recorded_exchange(Faults())
        delayed, elapsed = await _recorded_exchange(Faults(delay_ms=delay_ms))
        assert delayed == plain
        assert [e["type"] for e in plain][:len(EXCHANGE_HEAD)] == EXCHANGE_HEAD
        assert plain[-1]["type"] == "rate_limits.updated"
        # A lower bound, not a speed requirement: the server waited before each event.
        assert elapsed >= 0.95 * len(delayed) * delay_ms / 1000

    run(scenario())


# -- error_after ---------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 4, 7])
def test_error_after_n_events(n: int) -> None:
    async def scenario() -> None:
        async with MockServer(seed=1, faults=Faults(error_after=n)) as server, \
                client(server.url) as ws:
            events = [await recv(ws)]
            await ws.send(ITEM)
            await ws.send(TEXT_RESPONSE)
            events += await until(ws, "response.done")
            events.append(await recv(ws))
            types = [e["type"] for e in events]
            assert types.count("error") == 1
            assert types.index("error") == n  # the (n+1)-th event
            without = types[:n] + types[n + 1:]
            assert without[:len(EXCHANGE_HEAD)] == EXCHANGE_HEAD
            error = events[n]
            RealtimeErrorEvent.model_validate(error)
            assert error["error"]["type"] == "server_error"
            assert error["error"]["event_id"] is None
            assert error["error"]["message"]
            assert events[-2]["response"]["status"] == "completed"
            # The session keeps working, with no second error.
            more = await text_exchange(ws)
            assert "error" not in [e["type"] for e in more]

    run(scenario())


# -- token_budget --------------------------------------------------------------------------------


def test_token_budget_runs_out() -> None:
    async def scenario() -> None:
        async with MockServer(seed=1, faults=Faults(token_budget=10)) as server, \
                client(server.url) as ws:
            await until(ws, "session.created")
            await ws.send(json.dumps({"type": "session.update",
                                      "session": {"type": "realtime", "instructions": ""}}))
            await until(ws, "session.updated")
            statuses, remaining = [], []
            for _ in range(3):
                events = await text_exchange_any(ws)
                done = next(e for e in events if e["type"] == "response.done")
                ResponseDoneEvent.model_validate(done)
                statuses.append(done["response"])
                limits = events[-1]
                assert limits["type"] == "rate_limits.updated"
                remaining.append(limits["rate_limits"][0]["remaining"])
            first, *later = statuses
            assert first["status"] == "completed"
            assert first["usage"]["total_tokens"] > 10  # it spent the whole budget
            for response in later:
                assert response["status"] == "failed"
                details = response["status_details"]
                assert details["type"] == "failed"
                assert details["error"]["code"] == "rate_limit_exceeded"
                assert response["output"] == []
            assert remaining == [0, 0, 0]

    run(scenario())


def test_token_budget_is_per_connection() -> None:
    async def scenario() -> None:
        async with MockServer(seed=1, faults=Faults(token_budget=10)) as server:
            for _ in range(2):
                async with client(server.url) as ws:
                    await until(ws, "session.created")
                    await ws.send(json.dumps({"type": "session.update", "session": {
                        "type": "realtime", "instructions": ""}}))
                    await until(ws, "session.updated")
                    events = await text_exchange_any(ws)
                    done = next(e for e in events if e["type"] == "response.done")
                    assert done["response"]["status"] == "completed"

    run(scenario())


# -- stall_after ---------------------------------------------------------------------------------


async def assert_silent_but_open(ws: ClientConnection) -> None:
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(ws.recv(), QUIET)
    assert ws.state is State.OPEN
    pong = await ws.ping()  # answered by the WebSocket layer: the connection is alive
    await asyncio.wait_for(pong, TIMEOUT)


@pytest.mark.parametrize("n", [1, 3])
def test_stall_after_n_events(n: int) -> None:
    async def scenario() -> None:
        server = MockServer(seed=1, faults=Faults(stall_after=n))
        await server.start()
        try:
            async with client(server.url) as ws:
                events = [await recv(ws)]  # session.created
                if n > 1:
                    await ws.send(ITEM)
                    events += [await recv(ws) for _ in range(n - 1)]
                assert [e["type"] for e in events] == EXCHANGE_HEAD[:n]
                await assert_silent_but_open(ws)
                await ws.send(TEXT_RESPONSE)  # asked again: still nothing
                await assert_silent_but_open(ws)
        finally:
            # Stopping with a stalled connection hangs (see the tests below); don't let
            # that hide this test's result.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.stop(), 0.5)

    run(scenario())


def test_stalled_connection_is_released_when_the_client_leaves() -> None:
    async def scenario() -> None:
        server = MockServer(seed=1, faults=Faults(stall_after=1))
        await server.start()
        released = stopped = False
        try:
            async with client(server.url) as ws:
                assert (await recv(ws))["type"] == "session.created"
                await assert_silent_but_open(ws)
            released = await wait_until(lambda: not server.sessions, PROMPT)
        finally:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.stop(), PROMPT)
                stopped = True
        assert released, "the stalled session was never released after the client left"
        assert stopped, "MockServer.stop() hung after a stalled connection closed"

    run(scenario())


def test_server_stops_with_a_stalled_connection_open() -> None:
    async def scenario() -> None:
        server = MockServer(seed=1, faults=Faults(stall_after=1))
        await server.start()
        async with client(server.url) as ws:
            assert (await recv(ws))["type"] == "session.created"
            await assert_silent_but_open(ws)
            try:
                await asyncio.wait_for(server.stop(), PROMPT)
            except TimeoutError:
                pytest.fail("MockServer.stop() hung with a stalled connection open")
            with pytest.raises(ConnectionClosed) as closed:
                await recv(ws)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001

    run(scenario())


# -- through the command line ---------------------------------------------------------------


def test_cli_drop_after() -> None:
    with MockCli("--drop-after", "3") as cli:
        async def scenario() -> None:
            async with client(cli.url) as ws:
                events, closed = await until_closed(ws, (ITEM,))
                assert [e["type"] for e in events] == EXCHANGE_HEAD[:3]
                assert_dropped(ws, closed)
        run(scenario())
        assert cli.interrupt() == 0
        assert "Traceback" not in cli.stderr_text()


def test_cli_error_after_and_token_budget() -> None:
    with MockCli("--error-after", "1", "--token-budget", "10") as cli:
        async def scenario() -> None:
            async with client(cli.url) as ws:
                first, second = await recv(ws), await recv(ws)
                assert (first["type"], second["type"]) == ("session.created", "error")
                assert second["error"]["type"] == "server_error"
                await ws.send(json.dumps({"type": "session.update", "session": {
                    "type": "realtime", "instructions": ""}}))
                await until(ws, "session.updated")
                for status in ("completed", "failed"):
                    events = await text_exchange_any(ws)
                    done = next(e for e in events if e["type"] == "response.done")
                    if status == "failed":
                        assert done["response"]["status_details"]["error"]["code"] == (
                            "rate_limit_exceeded")
                    assert done["response"]["status"] == status
                    assert events[-1]["rate_limits"][0]["remaining"] == 0
        run(scenario())
        assert cli.interrupt() == 0


def test_cli_stall_after_then_ctrl_c() -> None:
    with MockCli("--stall-after", "1") as cli:
        async def scenario() -> None:
            async with client(cli.url) as ws:
                assert (await recv(ws))["type"] == "session.created"
                await assert_silent_but_open(ws)
        run(scenario())
        cli.process.send_signal(signal.SIGINT)
        assert cli.wait(2 * PROMPT) == 0, "Ctrl-C did not stop the mock after a stalled connection"


# -- expire_after_s --------------------------------------------------------------------------------


def test_expire_after_ends_the_session_with_session_expired() -> None:
    async def scenario() -> tuple[dict[str, Any], list[dict[str, Any]], Any]:
        async with MockServer(seed=1, faults=Faults(expire_after_s=0.5)) as server, \
                client(server.url) as ws:
            created = await recv(ws)
            events = []
            with contextlib.suppress(ConnectionClosed):
                while True:
                    events.append(await recv(ws))
            return created, events, ws.protocol.close_rcvd

    created, events, close = run(scenario())
    session = created["session"]
    assert session["expires_at"] >= int(time.time())  # reported honestly: now + 1 s at most
    assert session["expires_at"] <= int(time.time()) + 2
    assert [e["type"] for e in events] == ["error"]  # GA opens with session.created alone
    error = events[-1]["error"]
    assert error["code"] == "session_expired" and error["event_id"] is None
    assert "maximum duration" in error["message"]
    RealtimeErrorEvent.model_validate(events[-1])
    assert close is not None and close.code == 1000 and close.reason == "session_expired"
