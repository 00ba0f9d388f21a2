"""A canary key goes everywhere a key can go, and never comes back out.

The key is really sent (the servers record it in the handshake) but appears in
no ``repr``, ``str``, log record (websockets' DEBUG handshake log included),
exception text or traceback, whatever the path: a good connection, a refused
key (whose refusal quotes the key back), a server error, a dropped link.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
import uuid
from pathlib import Path
from typing import Any

import pytest

import realtime_nb as rt
from realtime_nb.mock import MockServer
from tests.servers import BAD_KEY_BODY, ClosingServer, EchoServer, RejectingServer

CANARY = f"sk-canary-{uuid.uuid4().hex}"


def shown(value: Any) -> str:
    """Everything a notebook or a log could show of ``value``."""
    parts = [repr(value), str(value)]
    if isinstance(value, BaseException):
        parts.append("".join(traceback.format_exception(value)))
        parts.extend(repr(arg) for arg in value.args)
    return "\n".join(parts)


def test_a_canary_key_never_shows(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    tape_path = tmp_path / "tape.jsonl"
    everything: list[str] = []
    refusal = {"error": {**BAD_KEY_BODY["error"],
                         "message": f"Incorrect API key provided: {CANARY}."}}

    async def scenario() -> None:
        async with EchoServer(fail_types={"response.create"}) as echo:
            session = await rt.connect(echo.url, api_key=CANARY, record=True)
            assert "api_key=***" in repr(session)
            # Even a key pasted into an event is masked on the tape (not on the wire).
            await session.send(rt.session_update({"instructions": f"key: {CANARY}"}))
            everything.extend(shown(x) for x in (
                session, session.sync, session.target, session.protocol,
                session.target.shown_headers, session.target.describe()))
            handle = await session.send(rt.create_response())
            with pytest.raises(rt.ServerError) as refused:
                await handle.wait(timeout=5)
            everything.extend(shown(x) for x in (refused.value, handle, session.errors))
            await session.close()
            everything.append(shown(session))
            assert session.tape is not None and len(session.tape) >= 4
            everything.append(session.tape.save(tape_path).read_text())
            everything.extend(entry.text for entry in session.tape)
            assert echo.requests[0]["authorization"] == f"Bearer {CANARY}"  # it was sent

        async with RejectingServer(body=refusal) as rejecting:
            with pytest.raises(rt.ConnectError) as rejected:
                await rt.connect(rejecting.url, api_key=CANARY)
            everything.append(shown(rejected.value))
            assert "Incorrect API key provided: ***" in str(rejected.value)
            assert rejected.value.status == 401 and rejected.value.code == "invalid_api_key"

        async with MockServer(require_key="sk-the-right-one") as mock:
            with pytest.raises(rt.ConnectError) as wrong:
                await rt.connect(mock.url, api_key=CANARY)
            everything.append(shown(wrong.value))
            assert "invalid_api_key" in str(wrong.value.code)

        async with ClosingServer(drop=True) as closing:
            session = await rt.connect(closing.url, api_key=CANARY)
            await session.send(rt.create_response())
            with pytest.raises(rt.ConnectionClosed) as dropped:
                await session.wait_for("response.done", timeout=5)
            everything.extend(shown(x) for x in (dropped.value, session))

        async with EchoServer() as azure:
            # An http:// endpoint becomes ws://: Azure's path and api-key header, locally.
            endpoint = azure.url.split("/v1/")[0].replace("ws://", "http://")
            session = await rt.connect(azure_endpoint=endpoint, azure_deployment="dep",
                                       api_key=CANARY)
            everything.extend(shown(x) for x in (session, session.target))
            await session.close()
            assert azure.requests[0]["api-key"] == CANARY
            assert azure.requests[0][":path"] == "/openai/v1/realtime?model=dep"

    with caplog.at_level(logging.DEBUG):
        asyncio.run(asyncio.wait_for(scenario(), 30))
    # Product loggers only: the purpose-made test servers log with websockets' own
    # "websockets.server" logger, headers and all, and are not part of the package.
    ours = [r for r in caplog.records if not r.name.startswith("websockets.")]
    everything.extend(f"{r.name}: {r.getMessage()}" for r in ours)
    assert any(r.name == "realtime_nb.mock.websockets" for r in ours)  # the mock logged too
    assert any("> Authorization: ***" in text for text in everything)  # logged...
    leaked = [text for text in everything if CANARY in text]
    assert leaked == []  # ...but never the key
