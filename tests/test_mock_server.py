"""The mock server's I/O policies: many sessions at once, stream slots, background handle."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from websockets.asyncio.client import connect

import realtime_nb as rt
from realtime_nb.mock import MockServer, Rule, Script
from realtime_nb.mock.server import STREAM_SLOTS
from tests.mock_sdk_helpers import mock_server

TIMEOUT_S = 30
"""Longest a scenario may take: a hang fails the test instead of blocking the run."""


async def _opening(ws: Any, dialect: str = "ga") -> None:
    # GA opens with session.created alone; the legacy beta dialect adds conversation.created.
    opening = ["session.created"] + (["conversation.created"] if dialect == "beta" else [])
    for expected in opening:
        assert json.loads(await ws.recv())["type"] == expected


async def _until_done(ws: Any) -> list[dict[str, Any]]:
    events = []
    while True:
        event = json.loads(await ws.recv())
        events.append(event)
        if event["type"] == "rate_limits.updated":
            return events


def test_more_sessions_than_stream_slots_all_complete_in_order() -> None:
    sessions = STREAM_SLOTS * 3

    async def one(url: str) -> list[dict[str, Any]]:
        async with connect(url, max_size=None) as ws:
            await _opening(ws)
            await ws.send(rt.create_item(rt.user_text("Hello there")).to_json())
            await ws.send(rt.create_response().to_json())
            await ws.recv()
            await ws.recv()  # the item's added and done
            return await _until_done(ws)

    async def scenario() -> list[list[dict[str, Any]]]:
        async with MockServer(seed=1) as server:
            return await asyncio.wait_for(
                asyncio.gather(*(one(server.url) for _ in range(sessions))), 30)

    results = asyncio.run(asyncio.wait_for(scenario(), TIMEOUT_S))
    assert len(results) == sessions
    for events in results:
        kinds = [e["type"] for e in events]
        assert kinds[0] == "response.created" and kinds[-2:] == ["response.done",
                                                                  "rate_limits.updated"]
        assert events[-2]["response"]["status"] == "completed"
        audio = sum(len(e["delta"]) for e in events if e["type"] == "response.output_audio.delta")
        assert audio > 0


def test_cancel_while_waiting_for_a_stream_slot_still_cancels() -> None:
    async def scenario() -> tuple[list[str], dict[str, Any]]:
        long_reply = Script(rules=[Rule(match="^hog$", reply="word " * 3000)])
        async with MockServer(seed=1, script=long_reply) as server:
            hogs = [await connect(server.url, max_size=None) for _ in range(STREAM_SLOTS)]
            for ws in hogs:  # every slot busy with a 3,000-delta reply
                await _opening(ws)
                await ws.send(rt.create_item(rt.user_text("hog")).to_json())
                await ws.send(rt.create_response(output_modalities=["text"]).to_json())
            async with connect(server.url, max_size=None) as ws:
                await _opening(ws)
                await ws.send(rt.create_response(output_modalities=["text"]).to_json())
                await ws.send(rt.cancel_response().to_json())
                events = await asyncio.wait_for(_until_done(ws), 30)
            for ws in hogs:
                # Drop them: a polite close would wait for 3,000 unread deltas each.
                ws.transport.abort()
            kinds = [e["type"] for e in events]
            return kinds, events[-2]["response"]

    kinds, done = asyncio.run(asyncio.wait_for(scenario(), TIMEOUT_S))
    # The head went out at once; the cancel reached the response while it waited its turn.
    assert kinds[:5] == ["response.created", "response.output_item.added",
                         "conversation.item.added", "response.content_part.added",
                         "response.output_text.delta"]
    assert "error" not in kinds
    assert done["status"] == "cancelled"
    assert done["status_details"]["reason"] == "client_cancelled"


WEATHER_TOOL = {"type": "function", "name": "get_weather", "description": "Weather for a city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                               "required": ["city"]}}


def test_a_function_call_takes_the_city_from_the_user_s_words() -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with MockServer(seed=1) as server, connect(server.url) as ws:
            await _opening(ws)
            await ws.send(rt.session_update({"tools": [WEATHER_TOOL]}).to_json())
            assert json.loads(await ws.recv())["type"] == "session.updated"
            text = "What's the weather in Paris? Use get_weather."
            await ws.send(rt.create_item(rt.user_text(text)).to_json())
            await ws.recv()
            await ws.recv()  # the item's added and done
            await ws.send(rt.create_response().to_json())
            return await asyncio.wait_for(_until_done(ws), 10)

    events = asyncio.run(asyncio.wait_for(scenario(), TIMEOUT_S))
    done = next(e for e in events if e["type"] == "response.function_call_arguments.done")
    assert done["name"] == "get_weather"
    assert json.loads(done["arguments"]) == {"city": "Paris"}


@pytest.mark.parametrize("dialect", ["ga", "beta"])
def test_a_nameless_tool_is_refused_and_the_connection_lives_on(dialect: str) -> None:
    headers = {"OpenAI-Beta": "realtime=v1"} if dialect == "beta" else {}
    head = {"type": "realtime"} if dialect == "ga" else {}

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        async with mock_server(dialect, seed=1) as server, \
                connect(server.url, additional_headers=headers) as ws:
            await _opening(ws, dialect)
            await ws.send(json.dumps({"type": "session.update", "event_id": "u1", "session": {
                **head, "instructions": "Answer in French.", "tools": [{"type": "function"}]}}))
            refused = json.loads(await ws.recv())
            await ws.send(json.dumps({"type": "session.update", "session": {
                **head, "tools": [WEATHER_TOOL]}}))
            return refused, json.loads(await ws.recv())

    refused, updated = asyncio.run(asyncio.wait_for(scenario(), TIMEOUT_S))
    assert refused["type"] == "error"
    assert refused["error"] == {
        "type": "invalid_request_error", "code": "missing_required_parameter",
        "message": "Missing required parameter: 'session.tools[0].name'.",
        "param": "session.tools[0].name", "event_id": "u1"}
    assert updated["type"] == "session.updated"  # the next frame after the refusal
    assert updated["session"]["tools"] == [WEATHER_TOOL]
    assert updated["session"]["instructions"] != "Answer in French."


def test_background_server_serves_and_stops() -> None:
    handle = MockServer.start_in_background(seed=3)
    try:
        assert "ws://127.0.0.1:" in repr(handle)

        async def use() -> str:
            async with connect(handle.url) as ws:
                return str(json.loads(await ws.recv())["session"]["model"])

        assert asyncio.run(use()) == "gpt-realtime"
    finally:
        handle.stop()
    assert not handle.running
    assert "stopped" in repr(handle)


def test_a_failing_responder_is_reported_and_the_connection_lives_on() -> None:
    def broken(turn: object) -> str:
        if getattr(turn, "user_text", None) == "boom":
            raise RuntimeError("a bug in a user's script")
        return "fine"

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        async with MockServer(seed=1, script=Script(respond=broken)) as server, \
                connect(server.url) as ws:
            await _opening(ws)
            await ws.send(rt.create_item(rt.user_text("boom")).to_json())
            await ws.recv()
            await ws.recv()
            await ws.send(rt.create_response(output_modalities=["text"]).to_json())
            first = [json.loads(await ws.recv())]
            await ws.send(rt.create_item(rt.user_text("again")).to_json())
            await ws.recv()
            await ws.recv()
            await ws.send(rt.create_response(output_modalities=["text"]).to_json())
            return first, await asyncio.wait_for(_until_done(ws), 10)

    first, second = asyncio.run(asyncio.wait_for(scenario(), TIMEOUT_S))
    assert first[0]["type"] == "error"
    assert first[0]["error"]["type"] == "server_error"
    assert second[-2]["response"]["status"] == "completed"


def test_a_failing_response_stream_is_reported_and_the_connection_lives_on(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from realtime_nb.mock import responses

    real = responses.ResponseRun._message
    calls = []

    def flaky(self: responses.ResponseRun) -> Any:
        calls.append(self.id)
        if len(calls) == 1:
            raise RuntimeError("a bug while streaming")
        return real(self)

    monkeypatch.setattr(responses.ResponseRun, "_message", flaky)

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        async with MockServer(seed=1) as server, connect(server.url) as ws:
            await _opening(ws)
            await ws.send(rt.create_response(output_modalities=["text"]).to_json())
            first = [json.loads(await ws.recv()) for _ in range(2)]
            await ws.send(rt.create_response(output_modalities=["text"]).to_json())
            return first, await asyncio.wait_for(_until_done(ws), 10)

    first, second = asyncio.run(asyncio.wait_for(scenario(), TIMEOUT_S))
    assert [e["type"] for e in first] == ["response.created", "error"]
    assert first[1]["error"]["type"] == "server_error"
    assert second[-2]["response"]["status"] == "completed"  # the failed one is not "active"
