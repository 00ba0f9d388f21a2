"""The sender against the mock (both dialects) and against purpose-made servers.

Every scenario runs in a fresh event loop with a time box, so a hang fails the
test instead of stalling the suite; no assertion depends on how fast it runs.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import subprocess
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.server import serve

import realtime_nb as rt
from realtime_nb.mock import Faults, MockServer
from tests.mock_sdk_helpers import mock_server
from tests.servers import ClosingServer, EchoServer, SilentServer, SlowServer
from tests.servers import greeting as greeting_event

DIALECTS = ["ga", "beta"]


def run(scenario: Coroutine[Any, Any, Any], timeout: float = 20.0) -> Any:
    async def boxed() -> Any:
        return await asyncio.wait_for(scenario, timeout)

    return asyncio.run(boxed())


def fast_reconnect(**changes: Any) -> rt.ReconnectPolicy:
    options: dict[str, Any] = {"initial_delay": 0.02, "max_attempts": 3} | changes
    options.setdefault("max_delay", max(0.1, options["initial_delay"]))
    return rt.ReconnectPolicy(**options)


async def drain_until(session: rt.RealtimeSession, kind: str) -> list[Any]:
    seen = []
    while True:
        event = await session.recv()
        seen.append(event)
        if event.type == kind:
            return seen


# -- send and receive -------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_send_assigns_an_event_id_and_encodes_for_the_dialect(dialect: str) -> None:
    async def scenario() -> None:
        async with EchoServer() as server, rt.connect(server.url, dialect=dialect) as session:
            assert (await session.recv()).type == "session.created"
            handle = await session.send(rt.create_response(output_modalities=["text"]))
            echo = await session.recv()
            # The echo server never answers the first: the state would refuse a second.
            await session.send({"type": "response.create", "event_id": "mine"}, check=False)
            second = await session.recv()
        assert isinstance(echo, rt.UnknownServerEvent) and echo.type == "echo"
        sent = echo.raw["echo"]
        assert sent["event_id"] == handle.event_id and handle.event_id.startswith("evt_")
        assert handle.status == "sent"
        if dialect == "beta":
            assert sent["response"] == {"modalities": ["text"]}
            assert server.requests[0]["openai-beta"] == "realtime=v1"
        else:
            assert sent["response"] == {"output_modalities": ["text"]}
            assert "openai-beta" not in server.requests[0]
        assert second.raw["echo"]["event_id"] == "mine"  # type: ignore[union-attr]

    run(scenario())


def test_invalid_events_are_refused_before_anything_is_sent() -> None:
    async def scenario() -> None:
        async with EchoServer() as server, rt.connect(server.url) as session:
            with pytest.raises(rt.EventValidationError) as refused:
                await session.send({"type": "response.create", "response": {
                    "output_modalities": ["smell"]}})
            assert refused.value.param.startswith("response.output_modalities")
            assert refused.value.allowed and "text" in refused.value.allowed
            with pytest.raises(rt.EventValidationError) as unknown:
                await session.send({"type": "response.explode"})
            assert unknown.value.param == "type" and "response.create" in unknown.value.allowed
            with pytest.raises(ValueError, match="no reply"):
                await session.send(rt.append_audio(b"\0\0" * 240), wait=True)
            await session.send(rt.clear_audio(), wait=True)
        assert [e["type"] for e in server.received] == ["input_audio_buffer.clear"]

    run(scenario())


@pytest.mark.parametrize("dialect", DIALECTS)
def test_recv_and_async_for_see_every_event_in_order(dialect: str) -> None:
    async def scenario() -> None:
        async with mock_server(dialect, seed=3) as mock:
            session = await rt.connect(mock.url, dialect=dialect)
            first = await drain_until(session, "session.created")
            reply = await session.say("Hello", output_modalities=["text"])
            await session.close()
            rest = [event async for event in session]
        types = [e.type for e in first + rest]
        assert types[0] == "session.created"
        assert types.count("response.done") == 1
        assert set(types[types.index("response.done") + 1:]) <= {"rate_limits.updated"}
        assert "response.output_text.delta" in types  # beta's response.text.delta, read as GA
        done = next(e for e in rest if e.type == "response.done")
        assert done.response.id == reply.response_id
        with pytest.raises(rt.ConnectionClosed) as closed:
            await session.recv()
        assert closed.value.code == 1000 and closed.value.unsent == []

    run(scenario())


@pytest.mark.parametrize("dialect", DIALECTS)
def test_say_gathers_a_whole_reply(dialect: str) -> None:
    async def scenario() -> tuple[rt.Reply, rt.Reply]:
        async with mock_server(dialect, seed=5) as mock, rt.connect(
                mock.url, dialect=dialect) as session:
            spoken = await session.say("Say \"good morning\"")
            written = await session.say("Hello", output_modalities=["text"])
            return spoken, written

    spoken, written = run(scenario())
    assert spoken.status == "completed" and "good morning" in spoken.transcript.lower()
    assert isinstance(spoken.audio, rt.Audio) and spoken.audio.rate == 24_000  # PCM16 24 kHz
    assert spoken.audio.duration_ms > 0 and len(bytes(spoken.audio)) % 2 == 0
    assert written.text and not written.audio and written.transcript == ""
    for reply in (spoken, written):
        assert reply.usage.total_tokens > 0
        assert reply.first_delta_ms is not None
        assert 0 <= reply.created_ms <= reply.first_delta_ms <= reply.done_ms
        assert reply.events[0].type == "response.created"
        assert reply.events[-1].type == "response.done"
    assert "status='completed'" in repr(spoken)


def test_say_reports_function_calls_and_update_returns_the_session() -> None:
    tool = {"type": "function", "name": "get_weather", "description": "Weather for a city.",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                           "required": ["city"]}}

    async def scenario() -> tuple[Any, rt.Reply]:
        async with MockServer(seed=1) as mock, rt.connect(mock.url) as session:
            effective = await session.update(tools=[tool], tool_choice="required")
            return effective, await session.say("Weather in Paris?")

    effective, reply = run(scenario())
    assert effective.tool_choice == "required" and effective.tools[0].name == "get_weather"
    [call] = reply.function_calls
    assert call.name == "get_weather" and call.call_id
    assert isinstance(call.parsed_arguments()["city"], str)
    assert reply.item_id == ""  # a function call only: no assistant message to truncate


def test_an_unread_queue_lets_its_oldest_go_but_handlers_see_everything(
        caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> tuple[rt.RealtimeSession, list[str], list[str]]:
        handled: list[str] = []
        async with MockServer(seed=1) as mock:
            session = await rt.connect(mock.url, max_buffered=5)
            session.on("*", lambda event: handled.append(event.type))
            await session.say("Hello", output_modalities=["text"])
            so_far = list(handled)  # recv() below returns without yielding: nothing new comes
            queued = []
            while session._inbox:
                queued.append((await session.recv()).type)
            await session.close()
        return session, so_far, queued

    with caplog.at_level(logging.WARNING, logger="realtime_nb"):
        session, handled, queued = run(scenario())
    assert len(queued) == 5 and session.dropped_from_queue > 0
    assert queued == ["session.created", *handled][-5:]  # GA opens with session.created alone
    assert "response.done" in handled and "the oldest are leaving its queue" in caplog.text


def test_iteration_raises_on_an_abnormal_close() -> None:
    async def scenario() -> list[str]:
        seen: list[str] = []
        async with ClosingServer(drop=True) as server:
            session = await rt.connect(server.url)
            await session.send(rt.create_response())
            with pytest.raises(rt.ConnectionClosed) as closed:
                async for event in session:
                    seen.append(event.type)
            assert closed.value.code == 1006
        return seen

    assert run(scenario())[:2] == ["session.created", "response.created"]


# -- handlers and waiting ---------------------------------------------------------------------


def test_handlers_by_type_and_pattern_sync_and_async(caplog: pytest.LogCaptureFixture) -> None:
    seen: dict[str, list[str]] = {"exact": [], "pattern": [], "all": [], "once": [], "async": []}

    async def remember(event: Any) -> None:
        await asyncio.sleep(0)
        seen["async"].append(event.type)

    def broken(event: Any) -> None:
        raise RuntimeError("handler bug")

    async def broken_async(event: Any) -> None:
        raise KeyError("async handler bug")

    async def scenario() -> rt.RealtimeSession:
        async with MockServer(seed=2) as mock, rt.connect(mock.url) as session:
            session.on("response.done", lambda e: seen["exact"].append(e.type))
            session.on("response.*", broken)
            session.on("response.output_*.delta", lambda e: seen["pattern"].append(e.type))
            session.on("*", lambda e: seen["all"].append(e.type))
            session.once("response.created", lambda e: seen["once"].append(e.type))
            session.on("response.done", remember)
            session.on("response.done", broken_async)

            @session.on("conversation.item.added")
            def decorated(event: Any) -> None:
                seen.setdefault("decorated", []).append(event.item.id)

            await session.say("one", output_modalities=["text"])
            assert session.off(remember) == 1 and session.off("response.*") == 1
            await session.say("two", output_modalities=["text"])
            await asyncio.sleep(0.05)  # let the async handlers of the last event finish
            return session

    with caplog.at_level(logging.ERROR, logger="realtime_nb"):
        session = run(scenario())
    assert seen["exact"] == ["response.done", "response.done"]
    assert seen["once"] == ["response.created"]
    assert seen["async"] == ["response.done"]
    assert set(seen["pattern"]) == {"response.output_text.delta"}
    assert "session.created" not in seen["all"]  # registered after connect: only later events
    assert seen["all"].count("response.done") == 2 and len(seen["decorated"]) == 4
    failures = [(h.handler.pattern, type(h.error).__name__) for h in session.handler_errors]
    # the sync bug fired on every response.* event of the first reply, the async one twice
    assert failures.count(("response.done", "KeyError")) == 2
    assert ("response.*", "RuntimeError") in failures
    assert "handler bug" in caplog.text and "async handler bug" in caplog.text


def test_wait_for_matches_type_pattern_and_predicate_and_times_out_with_context() -> None:
    async def scenario() -> None:
        async with MockServer(seed=2) as mock, rt.connect(mock.url) as session:
            waiting = asyncio.ensure_future(session.wait_for(
                "conversation.item.*", where=lambda e: e.item.role == "assistant"))
            deltas = asyncio.ensure_future(session.wait_for("response.output_text.delta"))
            await asyncio.sleep(0)
            await session.say("hi", output_modalities=["text"])
            assert (await waiting).item.role == "assistant"
            assert (await deltas).delta
            with pytest.raises(rt.EventTimeout) as timeout:
                await asyncio.gather(
                    session.send(rt.clear_audio()),
                    session.wait_for("response.done", timeout=0.3))
            assert "input_audio_buffer.cleared" in timeout.value.received
            assert "input_audio_buffer.cleared" in str(timeout.value)
            assert timeout.value.expected == "response.done"

    run(scenario())


def test_waiting_after_a_send_never_misses_what_came_in_between(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # send(wait=True) returns at response.created; the rest of the response may be in before
    # the next line runs (5 of 30 times with a plain wait_for, on the embedded mock, which
    # runs on a thread of its own as in a notebook). 200 rounds: each finds its response.done.
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)

    async def scenario() -> int:
        async with rt.connect("mock") as session:
            for _ in range(200):
                handle = await session.send(rt.create_response(output_modalities=["text"]),
                                            wait=True)
                done = await handle.wait_for("response.done", timeout=5)
                assert done.response.id == handle.reply.response.id  # type: ignore[union-attr]
            return session.protocol.received

    assert run(scenario(), timeout=120) > 200 * 3


def test_an_event_that_arrived_before_the_wait_is_found() -> None:
    async def scenario() -> None:
        async with MockServer(seed=3) as mock, rt.connect(mock.url) as session:
            handle = await session.send(rt.create_response(output_modalities=["text"]),
                                        wait=True)
            done = await session.wait_for("response.done", timeout=5)  # surely arrived now
            assert await handle.wait_for("response.done", timeout=5) is done
            assert await session.wait_for("response.created", after=handle) is handle.reply
            with pytest.raises(rt.EventTimeout):  # without after=, it is gone
                await session.wait_for("response.done", timeout=0.2)

    run(scenario())


def test_wait_for_after_a_handle_is_the_sessions_wait_for_and_keeps_to_its_response() -> None:
    async def scenario() -> None:
        async with MockServer(seed=3) as mock, rt.connect(mock.url) as session:
            # An out-of-band response runs beside the default one; each handle sees its own.
            side = await session.send(rt.create_response(
                conversation="none", output_modalities=["text"], instructions="Say one."))
            main = session.send_nowait(rt.create_response(output_modalities=["text"]))
            main_done = await session.wait_for("response.done", after=main, timeout=5)
            side_done = await side.wait_for("response.done", timeout=5)
            assert main.reply is not None and side.reply is not None
            assert main_done.response.id == main.reply.response.id  # type: ignore[union-attr]
            assert side_done.response.id == side.reply.response.id  # type: ignore[union-attr]
            assert main_done is not side_done
            # A predicate and a pattern work as in wait_for, over what already arrived.
            first_delta = await main.wait_for("response.output_text.*",
                                              where=lambda e: e.type.endswith("delta"))
            assert first_delta.response_id == main.reply.response.id  # type: ignore[union-attr]
            # What comes later still counts: a clear sent now, its reply awaited after.
            clear = await session.send(rt.clear_audio())
            cleared = await clear.wait_for("input_audio_buffer.cleared", timeout=5)
            assert cleared is clear.reply

    run(scenario())


def test_waiting_after_a_refused_event_raises_its_error() -> None:
    async def scenario() -> None:
        async with MockServer(seed=3) as mock, rt.connect(mock.url) as session:
            bad = await session.send(rt.delete_item("no_such_item"))
            with pytest.raises(rt.ServerError) as refused:
                await bad.wait_for("conversation.item.deleted", timeout=5)
            assert refused.value.client_event is bad.event
            # The refusal that arrives while waiting ends the wait as well.
            first = session.send_nowait(rt.create_response(output_modalities=["text"]))
            # check=False: the conversation state would refuse it before the server could.
            second = session.send_nowait(rt.create_response(output_modalities=["text"]),
                                         check=False)
            with pytest.raises(rt.ServerError, match="conversation_already_has_active_response"):
                await second.wait_for("response.done", timeout=5)
            await first.wait_for("response.done", timeout=5)

    run(scenario())


def test_respond_is_say_without_the_user_message() -> None:
    async def scenario() -> None:
        async with MockServer(seed=3) as mock, rt.connect(mock.url) as session:
            await session.send(rt.create_item(rt.user_text("What is the capital of France?")))
            reply = await session.respond(output_modalities=["text"])
            assert reply.status == "completed" and reply.text
            assert reply.events[0].type == "response.created"
            assert reply.events[-1].type == "response.done"
            sent = session.protocol.sent
            again = await session.respond(output_modalities=["text"], instructions="Once more.")
            assert session.protocol.sent == sent + 1  # response.create only, no message
            assert again.response_id != reply.response_id
            # The assistant item, for a truncation: the one the conversation now holds.
            assert reply.item_id.startswith("item_") and reply.item_id != again.item_id
            retrieved = await session.send(rt.retrieve_item(reply.item_id), wait=True)
            assert retrieved.reply.item.role == "assistant"  # type: ignore[union-attr]
            spoken = await session.say("Hi")  # audio and transcript
            assert spoken.item_id == spoken.response.output[0].id and spoken.audio

    run(scenario())


def test_a_slow_server_times_a_wait_out_without_losing_the_late_reply() -> None:
    async def scenario() -> None:
        async with SlowServer(greet_delay=0.2, reply_delay=0.5) as server:
            session = await rt.connect(server.url, open_timeout=5)  # a slow greeting is fine
            handle = await session.send(rt.clear_audio())
            with pytest.raises(rt.EventTimeout) as late:
                await handle.wait(timeout=0.1)
            assert late.value.expected == "input_audio_buffer.cleared"
            assert late.value.received == []
            reply = await handle.wait(timeout=5)  # the reply still comes, and is linked
            assert reply.type == "input_audio_buffer.cleared" and handle.reply is reply
            assert [e.type for e in [await session.recv(), await session.recv()]] == [
                "session.created", "input_audio_buffer.cleared"]
            await session.close()

    run(scenario())


# -- errors linked to their cause -------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_errors_are_linked_to_the_event_that_caused_them(dialect: str) -> None:
    async def scenario() -> None:
        async with mock_server(dialect, seed=1) as mock, rt.connect(
                mock.url, dialect=dialect) as session:
            delete = rt.delete_item("item_missing")
            with pytest.raises(rt.ServerError) as refused:
                await session.send(delete, wait=True)
            error = refused.value
            assert error.client_event.item_id == "item_missing"
            assert error.client_event.event_id == error.event.error.event_id
            with pytest.warns(rt.NothingToCancel):  # and sent anyway
                handle = await session.send(rt.cancel_response())
            with pytest.raises(rt.ServerError):
                await handle.wait()
            assert handle.error is not None and handle.error.client_event is handle.event
            assert [e.client_event.type for e in session.errors] == [
                "conversation.item.delete", "response.cancel"]
            assert "(caused by conversation.item.delete)" in str(session.errors[0])

    run(scenario())


def test_an_error_nothing_caused_is_kept_without_a_cause() -> None:
    async def scenario() -> list[rt.ServerError]:
        # Right after session.created, the one event a GA session opens with.
        async with MockServer(seed=1, faults=Faults(error_after=1)) as mock, \
                rt.connect(mock.url) as session:
            await drain_until(session, "error")
            return session.errors

    [error] = run(scenario())
    assert error.client_event is None and error.event.error.type == "server_error"


def test_purpose_made_server_errors_link_too() -> None:
    async def scenario() -> None:
        async with EchoServer(fail_types={"conversation.item.retrieve"}) as server, \
                rt.connect(server.url) as session:
            handle = await session.send(rt.retrieve_item("item_1"))
            with pytest.raises(rt.ServerError) as refused:
                await handle.wait(timeout=5)
            assert refused.value.client_event == handle.event
            assert session.errors[0].event.error.message == "Refused by test server."

    run(scenario())


# -- the link going away ----------------------------------------------------------------------


@pytest.mark.parametrize(("drop", "code", "reason"), [(True, 1006, ""), (False, 1011, "boom")])
def test_a_dropped_connection_is_reported_with_code_reason_and_unsent_events(
        drop: bool, code: int, reason: str) -> None:
    async def scenario() -> None:
        changes: list[rt.ConnectionEvent] = []
        async with ClosingServer(drop=drop, code=code, reason=reason) as server:
            session = await rt.connect(server.url)
            session.on("connection.*", changes.append)
            await session.send(rt.create_response())
            with pytest.raises(rt.ConnectionClosed) as closed:
                while True:
                    await session.recv()
            assert (closed.value.code, closed.value.reason) == (code, reason)
            with pytest.raises(rt.ConnectionClosed) as refused:
                await session.send(rt.clear_audio())
            assert [e.type for e in refused.value.unsent] == ["input_audio_buffer.clear"]
            assert [e.type for e in session.unsent] == ["input_audio_buffer.clear"]
            assert session.state == "closed" and session.close_code == code
            with pytest.raises(rt.ConnectionClosed):
                await session.wait_for("response.done")
        assert [c.type for c in changes] == ["connection.closed"] and changes[0].code == code

    run(scenario())


def test_reconnect_restores_the_session_and_sends_what_was_queued() -> None:
    async def scenario() -> None:
        changes: list[str] = []
        async with ClosingServer(drop=True) as server:
            session = await rt.connect(server.url, reconnect=fast_reconnect(initial_delay=0.3))
            session.on("connection.*", lambda change: changes.append(change.type))
            await session.update(instructions="Be brief.")
            await session.update(audio={"output": {"voice": "marin"}})
            await session.send(rt.create_response())
            lost = await session.wait_for("connection.lost")
            assert lost.code == 1006 and session.state == "reconnecting"
            queued = [await session.send(rt.clear_audio()), session.send_nowait(rt.commit_audio())]
            assert [h.status for h in queued] == ["queued", "queued"]
            assert [e.type for e in session.pending] == [
                "input_audio_buffer.clear", "input_audio_buffer.commit"]
            await session.wait_for("connection.restored")
            await session.wait_for("input_audio_buffer.cleared")
            reply = await session.say("again", output_modalities=["text"])
            await session.close()
        assert reply.text == "Hi" and session.reconnects == 1 and session.unsent == []
        assert changes == ["connection.lost", "connection.restored", "connection.closed"]
        second = server.received[3:]  # what the second connection received
        assert second[0]["type"] == "session.update"
        assert second[0]["session"]["instructions"] == "Be brief."
        assert second[0]["session"]["audio"]["output"]["voice"] == "marin"
        assert [e["type"] for e in second[1:3]] == [
            "input_audio_buffer.clear", "input_audio_buffer.commit"]
        assert [h.status for h in queued] == ["sent", "sent"]

    run(scenario())


def test_a_reply_cut_by_a_lost_link_fails_at_once_and_the_next_one_works() -> None:
    async def scenario() -> None:
        async with ClosingServer(drop=True) as server:
            session = await rt.connect(server.url, reconnect=fast_reconnect())
            with pytest.raises(rt.ConnectionClosed) as cut:
                await session.say("first", output_modalities=["text"], timeout=30)
            assert cut.value.code == 1006
            await session.wait_for("connection.restored", timeout=5)
            reply = await session.say("second", output_modalities=["text"])
            await session.close()
        assert reply.status == "completed" and reply.text == "Hi"

    run(scenario(), timeout=10)  # far less than say()'s own timeout


def test_reconnect_without_resend_reports_the_queued_events() -> None:
    async def scenario() -> None:
        async with ClosingServer(drop=True) as server:
            session = await rt.connect(server.url, reconnect=fast_reconnect(
                initial_delay=0.3, resend=False))
            await session.send(rt.create_response())
            await session.wait_for("connection.lost")
            held = session.send_nowait(rt.clear_audio())
            await session.wait_for("connection.restored")
            assert held.status == "unsent" and session.unsent == [held.event]
            await session.close()
        assert all(e["type"] != "input_audio_buffer.clear" for e in server.received)

    run(scenario())


def test_reconnect_gives_up_and_reports_everything_not_sent() -> None:
    async def scenario() -> None:
        server = ClosingServer(drop=True)
        async with server:
            session = await rt.connect(server.url, reconnect=fast_reconnect(initial_delay=0.2))
            await session.send(rt.create_response())
            await session.wait_for("connection.lost")
        # The server is gone: every attempt is refused.
        waiting = session.send_nowait(rt.clear_audio())
        with pytest.raises(rt.ConnectionClosed) as closed:
            await session.wait_for("never.arrives", timeout=10)
        assert closed.value.code == 1006 and closed.value.unsent == [waiting.event]
        assert session.unsent == [waiting.event] and session.state == "closed"
        await session.close()  # closing a session that is over changes nothing
        assert session.state == "closed" and session.unsent == [waiting.event]

    run(scenario())


def test_session_expiry_on_the_mock_reconnects_with_the_same_configuration() -> None:
    async def scenario() -> None:
        async with MockServer(seed=1, faults=Faults(expire_after_s=0.5)) as mock:
            session = await rt.connect(mock.url, reconnect=fast_reconnect())
            effective = await session.update(instructions="Talk like a pirate.")
            assert effective.instructions == "Talk like a pirate."
            expired = await session.wait_for("error", timeout=5)
            assert expired.error.code == "session_expired"
            await session.wait_for("connection.restored", timeout=5)
            restored = await session.wait_for("session.updated", timeout=5)
            assert restored.session.instructions == "Talk like a pirate."
            await session.close()
        assert session.reconnects >= 1

    run(scenario())


def test_keepalive_finds_a_dead_link() -> None:
    async def scenario() -> None:
        async with SilentServer() as server:
            session = await rt.connect(server.url, ping_interval=0.1, ping_timeout=0.2,
                                       close_timeout=0.2)
            assert (await session.recv()).type == "session.created"
            with pytest.raises(rt.ConnectionClosed) as closed:
                await session.recv()
        assert closed.value.code == 1011 and "keepalive" in closed.value.reason

    run(scenario())


def test_the_send_queue_is_bounded_and_nothing_is_dropped_silently() -> None:
    audio = b"\x01\x00" * 500_000  # 1 MB per append: a server that never reads fills up fast

    async def scenario() -> None:
        async with SilentServer() as server:
            session = await rt.connect(server.url, max_queue=4, ping_interval=None,
                                       close_timeout=0.2)
            accepted = []
            with pytest.raises(rt.SendQueueFull) as full:
                for _ in range(200):
                    accepted.append(session.send_nowait(rt.append_audio(audio)))
                    await asyncio.sleep(0.005)
            assert full.value.limit == 4 and "max_queue" in str(full.value)
            assert len(session.pending) == 4
            waiting = list(session.pending)
            await session.close()
        assert session.unsent == waiting
        assert all(h.status == "sent" for h in accepted if h.event not in waiting)

    run(scenario(), timeout=30)


# -- connecting -------------------------------------------------------------------------------


def test_connect_failures_say_why() -> None:
    async def scenario() -> None:
        with pytest.raises(rt.ConnectError, match="connection refused"):
            await rt.connect("ws://127.0.0.1:9/v1/realtime")
        async with EchoServer(greet=False) as server:
            with pytest.raises(rt.ConnectError, match=r"no session\.created within 0\.3 s"):
                await rt.connect(server.url, open_timeout=0.3)
        with pytest.raises(rt.ConnectError, match=r"'no-such-host\.invalid' could not be resolved"):
            await rt.connect("ws://no-such-host.invalid/v1/realtime", open_timeout=5)
        with pytest.raises(rt.ConnectError, match="expected a ws://"):
            await rt.connect("ftp://example.com/realtime")

    run(scenario())


def test_connect_to_a_closed_port_fails_fast_with_a_connect_error_only() -> None:
    with pytest.raises(rt.ConnectError) as failed:
        run(rt.connect("ws://127.0.0.1:9/v1/realtime").__aenter__())
    assert failed.value.__cause__ is None and failed.value.__suppress_context__


def test_a_certificate_that_does_not_verify_is_a_tls_error(tmp_path: Path) -> None:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    async def scenario() -> None:
        async def nothing(ws: Any) -> None:
            await ws.wait_closed()

        async with serve(nothing, "127.0.0.1", 0, ssl=context) as server:
            port = server.sockets[0].getsockname()[1]
            with pytest.raises(rt.ConnectError, match=r"TLS failed.*CERTIFICATE_VERIFY_FAILED"):
                await rt.connect(f"wss://127.0.0.1:{port}/v1/realtime", open_timeout=5)

    run(scenario())


# -- plain calls ------------------------------------------------------------------------------


def test_sync_forms_work_outside_any_event_loop() -> None:
    # The session lives on the shared background loop, which keeps receiving between calls.
    mock = MockServer.start_in_background(seed=4)
    try:
        session = rt.run(rt.connect(mock.url))
        seen: list[str] = []
        session.on("response.done", lambda event: seen.append(event.response.status))
        reply = session.sync.say("Hello", output_modalities=["text"])
        handle = session.sync.send(rt.clear_audio(), wait=True)
        session.sync.close()
    finally:
        mock.stop()
    assert reply.status == "completed" and "Hello" in reply.text
    assert handle.reply is not None and handle.reply.type == "input_audio_buffer.cleared"
    assert seen == ["completed"] and session.state == "closed"


def test_a_sync_handler_that_waits_gets_a_clear_error_not_a_hang() -> None:
    async def scenario() -> None:
        async with MockServer(seed=4) as mock, rt.connect(mock.url) as session:
            session.on("input_audio_buffer.cleared",
                       lambda event: session.sync.send(rt.commit_audio(), wait=True))
            session.on("input_audio_buffer.cleared",
                       lambda event: session.send_nowait(rt.clear_output_audio()))
            await session.send(rt.clear_audio(), wait=True)
            await session.wait_for("*", lambda e: bool(session.handler_errors), timeout=5)
        [failure] = session.handler_errors
        assert isinstance(failure.error, RuntimeError)
        assert "cannot wait inside an event handler" in str(failure.error)
        assert "send_nowait" in str(failure.error)
        # The handler after it ran, and its event went out.
        assert session.protocol.sent == 2

    run(scenario())


def test_sync_forms_work_inside_a_running_loop_as_in_a_kernel() -> None:
    # nest_asyncio patches the loop it is applied to, so this runs in a process of its own.
    script = """
import asyncio, realtime_nb as rt
from realtime_nb.mock import MockServer

async def cell():
    async with MockServer(seed=4) as mock:
        session = await rt.connect(mock.url)
        print(session.sync.say("Hello", output_modalities=["text"]).status)
        print(rt.run(session.send(rt.clear_audio(), wait=True)).reply.type)
        session.sync.close()
        print(session.state)

asyncio.run(cell())
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["completed", "input_audio_buffer.cleared", "closed"]


def test_the_readme_example_runs(capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)  # no key: the embedded mock
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("## Talk to a session in five lines", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert len(code.strip().splitlines()) == 5
    body = "".join(f"    {line}\n" for line in code.splitlines())
    namespace: dict[str, Any] = {}
    exec(f"async def example():\n{body}", namespace)
    run(namespace["example"]())
    out, err = capsys.readouterr()
    transcript, audio_ms, tokens = out.rsplit(" ", 2)
    assert "Hello!" in transcript and float(audio_ms) > 0 and int(tokens) > 0
    assert err.startswith("realtime_nb: no URL and no API key given")


# -- the tape ---------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_recorded_session_tapes_every_frame_as_sent_and_saves_it(
        dialect: str, tmp_path: Path) -> None:
    async def scenario() -> rt.RealtimeSession:
        async with mock_server(dialect, seed=1) as mock:
            session = await rt.connect(mock.url, dialect=dialect, record=True)
            await session.say("Hi", output_modalities=["text"])
            await session.close()
        return session

    session = run(scenario())
    tape = session.tape
    assert tape is not None
    sent = [entry for entry in tape if entry.direction == "client"]
    assert [e.type for e in sent] == ["conversation.item.create", "response.create"]
    modalities = "modalities" if dialect == "beta" else "output_modalities"
    assert f'"{modalities}":["text"]' in sent[1].text  # the exact wire JSON of the dialect
    received = [entry.type for entry in tape if entry.direction == "server"]
    assert received[0] == "session.created" and "response.done" in received
    assert len(received) == session.protocol.received
    assert all(a.at <= b.at for a, b in zip(tape, list(tape)[1:], strict=False))
    loaded = rt.Tape.load(tape.save(tmp_path / "session.jsonl"))
    assert [(e.direction, e.type) for e in loaded] == [(e.direction, e.type) for e in tape]
    assert loaded.dialect == dialect and loaded.target == tape.target
    assert [json.loads(e.text) for e in loaded] == [json.loads(e.text) for e in tape]
    with pytest.raises(ValueError, match="not a realtime_nb tape"):
        rt.Tape.load(tmp_path.joinpath("other.jsonl").write_text("{}\n") and
                     tmp_path / "other.jsonl")


def test_reconnect_delays_grow_exponentially_with_jitter_and_bad_policies_are_refused() -> None:
    policy = rt.ReconnectPolicy(initial_delay=0.5, max_delay=4.0, jitter=0.5)
    for attempt, base in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (9, 4.0)]:
        delays = {policy.delay(attempt) for _ in range(50)}
        assert all(base * 0.5 <= d <= base for d in delays) and len(delays) > 1
    assert rt.ReconnectPolicy(jitter=0.0).delay(2) == 1.0
    for bad in ({"max_attempts": 0}, {"jitter": 1.5}, {"initial_delay": 5, "max_delay": 1}):
        with pytest.raises(ValueError):
            rt.ReconnectPolicy(**bad)  # type: ignore[arg-type]


def test_fragmented_messages_are_joined_before_they_are_read() -> None:
    greeting = json.dumps(greeting_event(1))
    cleared = '{"type":"input_audio_buffer.cleared","event_id":"event_2"}'

    async def fragments(ws: Any) -> None:
        await ws.send([greeting[:10], greeting[10:40], greeting[40:]])  # one message, 3 frames
        await ws.recv()
        await ws.send(cleared.encode())  # a binary frame holding JSON is read too
        await ws.wait_closed()

    async def scenario() -> None:
        async with serve(fragments, "127.0.0.1", 0, compression=None) as server:
            port = server.sockets[0].getsockname()[1]
            session = await rt.connect(f"ws://127.0.0.1:{port}/v1/realtime")
            handle = await session.send(rt.clear_audio(), wait=True)
            assert (await session.recv()).type == "session.created"
            assert handle.reply is not None and handle.reply.type == "input_audio_buffer.cleared"
            assert session.session.id == "sess_1"
            await session.close()

    run(scenario())


# -- observers ----------------------------------------------------------------------------------


def test_observers_see_what_is_sent_and_received_and_may_refuse_a_send(
        caplog: pytest.LogCaptureFixture) -> None:
    class Recorder(rt.state.Observer):
        def __init__(self) -> None:
            self.log: list[str] = []

        def before_send(self, event: rt.ClientEvent, *, check: bool = True) -> None:
            if check and event.type == "input_audio_buffer.commit":
                raise rt.EventValidationError("not now", param="type")
            self.log.append(f"check {event.type} {check}")

        def sent(self, event: rt.ClientEvent) -> None:
            self.log.append(f"sent {event.type}")

        def received(self, event: Any) -> None:
            self.log.append(f"received {event.type}")

    class Broken(rt.state.Observer):
        def received(self, event: Any) -> None:
            raise KeyError("a bug")

    async def scenario() -> Recorder:
        async with MockServer(seed=3) as mock, rt.connect(mock.url) as session:
            recorder = session.observe(Recorder())
            session.observe(Broken())
            await session.send(rt.clear_audio(), wait=True)
            with pytest.raises(rt.EventValidationError, match="not now"):
                await session.send(rt.commit_audio())
            assert session.protocol.sent == 1  # refused: nothing went out
            await session.send(rt.commit_audio(), check=False)
            await session.wait_for("error")  # the mock refuses an empty commit
            return recorder  # type: ignore[return-value]

    recorder = run(scenario())
    assert recorder.log == [
        "check input_audio_buffer.clear True", "sent input_audio_buffer.clear",
        "received input_audio_buffer.cleared",
        "check input_audio_buffer.commit False", "sent input_audio_buffer.commit",
        "received error"]
    # The broken observer was logged each time and stopped nothing.
    assert sum("Broken.received failed" in r.getMessage() for r in caplog.records) == 2
