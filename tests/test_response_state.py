"""Response state, expiry and re-seeding, against the mock server over real sockets.

* A ``response.create`` on the default conversation while a response is in
  progress (or asked for and not started) raises :class:`~realtime_nb.ResponseActive`
  and sends nothing; ``check=False`` sends it and gets the service's
  ``conversation_already_has_active_response``; out-of-band responses run beside.
* A ``response.cancel`` with nothing to cancel warns (:class:`~realtime_nb.NothingToCancel`)
  and is sent: the server answers ``response_cancel_not_active``.
* The mock's expiry fault ends the session with ``session_expired``: it is
  reported, and with ``reconnect`` the new session gets the conversation's text
  items back.

Every scenario runs in a fresh event loop with a time box.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

import pytest

import realtime_nb as rt
from realtime_nb.mock import Faults, MockServer
from tests.mock_sdk_helpers import mock_server

DIALECTS = ["ga", "beta"]


def run(scenario: Coroutine[Any, Any, Any], timeout: float = 30.0) -> Any:
    async def boxed() -> Any:
        return await asyncio.wait_for(scenario, timeout)

    return asyncio.run(boxed())


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_second_response_is_refused_while_one_is_active(dialect: str) -> None:
    async def scenario() -> None:
        # Real-time pace: the spoken response lasts seconds, time enough to try things.
        async with mock_server(dialect, seed=2, pace="realtime") as mock, rt.connect(
                mock.url, dialect=dialect) as session:
            await session.send(rt.create_item(rt.user_text("Tell me a story")))
            first = await session.send(rt.create_response(), wait=True)
            active = first.reply.response.id  # type: ignore[union-attr]
            assert session.conversation.active_response == active
            sent = session.protocol.sent
            with pytest.raises(rt.ResponseActive) as refused:
                await session.send(rt.create_response())
            assert refused.value.response_id == active and active in str(refused.value)
            with pytest.raises(rt.ResponseActive):
                session.send_nowait(rt.create_response(output_modalities=["text"]))
            with pytest.raises(rt.ResponseActive):  # before its user message goes out too
                await session.say("And another one")
            assert session.protocol.sent == sent  # nothing was sent

            # Out-of-band responses run beside the active one.
            beside = await session.respond(conversation="none", output_modalities=["text"])
            assert beside.status == "completed"
            assert session.conversation.response(beside.response_id).out_of_band
            assert session.conversation.active_response == active

            # check=False: sent anyway, and the service says what it thinks of it.
            with pytest.raises(rt.ServerError) as error:
                await session.send(rt.create_response(), check=False, wait=True)
            assert error.value.event.error.code == "conversation_already_has_active_response"

            await session.send(rt.cancel_response())
            done = await first.wait_for("response.done", timeout=10)
            assert done.response.status == "cancelled"  # type: ignore[union-attr]
            assert session.conversation.active_response is None
            reply = await session.say("Now a short one", output_modalities=["text"])
            assert reply.status == "completed"

    run(scenario())


def test_a_response_asked_for_and_not_started_counts_as_active() -> None:
    async def scenario() -> None:
        async with MockServer(seed=3) as mock, rt.connect(mock.url) as session:
            sent = session.protocol.sent
            asked = session.send_nowait(rt.create_response(output_modalities=["text"]))
            with pytest.raises(rt.ResponseActive) as refused:
                session.send_nowait(rt.create_response(output_modalities=["text"]))
            assert refused.value.response_id is None
            assert refused.value.request_event_id == asked.event_id
            await asked.wait_for("response.done")
            assert session.protocol.sent == sent + 1
            # Once it is done, the next one goes.
            await session.respond(output_modalities=["text"])

    run(scenario())


@pytest.mark.parametrize("dialect", DIALECTS)
def test_cancel_with_nothing_active_warns_and_the_server_answers(dialect: str) -> None:
    async def scenario() -> None:
        async with mock_server(dialect, seed=4) as mock, rt.connect(
                mock.url, dialect=dialect) as session:
            with pytest.warns(rt.NothingToCancel, match="response_cancel_not_active") as caught:
                handle = await session.send(rt.cancel_response())
            assert caught[0].filename == __file__  # points at the caller, not the library
            with pytest.raises(rt.ServerError) as error:
                await handle.wait()
            assert error.value.event.error.code == "response_cancel_not_active"
            assert handle.status == "sent"
            with pytest.warns(rt.NothingToCancel, match="resp_nope is not in progress"):
                await session.send(rt.cancel_response("resp_nope"))

    run(scenario())


@pytest.mark.parametrize("dialect", DIALECTS)
def test_expiry_is_reported_and_a_reconnect_reseeds_the_text_items(
        dialect: str, caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        faults = Faults(expire_after_s=1.0)
        policy = rt.ReconnectPolicy(initial_delay=0.02, max_delay=0.1, max_attempts=3)
        async with mock_server(dialect, seed=5, faults=faults) as mock:
            session = await rt.connect(mock.url, dialect=dialect, reconnect=policy)
            assert isinstance(session.expires_at, datetime)
            assert session.expires_in is not None and 0 < session.expires_in <= 1
            await session.send(rt.create_item(rt.system_text("Be brief.")))
            await session.say("My name is Ada.", output_modalities=["text"])
            await session.say("Say hello aloud.")  # an audio reply: not re-seeded
            before = session.conversation.items
            assert [item.role for item in before] == [
                "system", "user", "assistant", "user", "assistant"]
            expired = await session.wait_for("error", timeout=5)
            assert expired.error.code == "session_expired"  # type: ignore[union-attr]
            assert session.conversation.expired
            await session.wait_for("connection.restored", timeout=5)
            text_items = [item.id for item in before[:4]]
            await until(lambda: [i.id for i in session.conversation.items] == text_items)
            server_side = mock.sessions[-1].conversation
            assert [item.id for item in server_side] == text_items
            assert [item.text for item in session.conversation.items] == [
                "Be brief.", "My name is Ada.", before[2].text, "Say hello aloud."]
            assert session.conversation.archived == [before]
            assert not session.conversation.expired  # a new session
            reply = await session.say("What is my name?", output_modalities=["text"])
            assert reply.status == "completed"
            await session.close()
        assert session.reconnects == 1

    with caplog.at_level(logging.WARNING, logger="realtime_nb.conversation"):
        run(scenario())
    assert any("session expired" in record.getMessage() for record in caplog.records)


def test_reseed_events_are_the_finished_text_messages_in_order() -> None:
    conversation = rt.Conversation()
    items = [
        {"id": "s", "type": "message", "role": "system", "status": "completed",
         "content": [{"type": "input_text", "text": "Be brief."}]},
        {"id": "u", "type": "message", "role": "user", "status": "completed",
         "content": [{"type": "input_text", "text": "Hi"}]},
        {"id": "v", "type": "message", "role": "user", "status": "completed",
         "content": [{"type": "input_audio", "transcript": "spoken"}]},
        {"id": "f", "type": "function_call", "status": "completed", "name": "x",
         "arguments": "{}", "call_id": "c"},
        {"id": "o", "type": "function_call_output", "call_id": "c", "output": "1"},
        {"id": "a", "type": "message", "role": "assistant", "status": "completed",
         "content": [{"type": "output_text", "text": "Hello"}]},
        {"id": "p", "type": "message", "role": "assistant", "status": "in_progress",
         "content": []},
    ]
    previous = None
    for item in items:
        conversation.apply({"type": "conversation.item.added", "event_id": "e",
                            "previous_item_id": previous, "item": item})
        previous = item["id"]
    events = conversation.reseed_events()
    assert [e.to_dict() for e in events] == [
        {"type": "conversation.item.create", "item": {
            "type": "message", "role": role, "id": item_id,
            "content": [{"type": kind, "text": text}]}}
        for role, item_id, kind, text in [("system", "s", "input_text", "Be brief."),
                                          ("user", "u", "input_text", "Hi"),
                                          ("assistant", "a", "output_text", "Hello")]]
