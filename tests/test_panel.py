"""The control panel as a whole, headless: it connects, sends, draws, and keeps keys out.

No browser here (tests/test_panel_browser.py has one): ipywidgets without a
kernel has no front end, so the widgets' traits are what the browser would get.
"""

from __future__ import annotations

import asyncio
import html
import json
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

import ipywidgets as widgets
import pytest
from ipywidgets.widgets.widget import _instances

import realtime_nb as rt
from realtime_nb.mock import MockServer
from realtime_nb.widgets import ControlPanel

CANARY = f"sk-canary-{uuid.uuid4().hex}"


def run(main: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    return asyncio.run(main())


def all_widget_state() -> str:
    """Every live widget's synced state, as the front end (and a saved notebook) gets it."""
    states = []
    for widget in list(_instances.values()):
        try:
            states.append(json.dumps(widget.get_state(), default=repr))
        except Exception:  # a closed widget
            continue
    return "\n".join(states)


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def test_rt_control_panel_opens_on_the_embedded_mock() -> None:
    async def main() -> None:
        panel = rt.ControlPanel()
        assert panel.session is None  # opening runs in the background: the cell returns
        session = await panel.connected()
        assert panel.session is session and session.state == "open"
        assert session.target.kind == "mock"
        await until(lambda: "connected" in panel.connection.status.value)
        assert session.session.id in panel.connection.session_id.value
        assert "left" in panel.connection.time_left.value
        # The log starts with what the session received before the panel observed it.
        assert panel.events.counts["session.created"] == 1
        panel.close()
        await until(lambda: session.state == "closed")

    run(main)


def test_code_and_panel_drive_the_same_session() -> None:
    async def main() -> None:
        session = await rt.connect("mock", quiet=True)
        panel = ControlPanel(session)
        assert panel.session is session
        reply = await session.say("Hello")
        await until(lambda: panel.events.counts["response.done"] == 1)
        panel.refresher.flush()
        assert panel.events.counts["conversation.item.create"] == 1  # sent from code, logged
        text = panel.conversation_view.widget
        assert reply.transcript and _contains_text(text, reply.transcript[:20])
        panel.close()
        assert session.state == "open"  # a session given to the panel is not the panel's to close
        logged = panel.events.counts.total()
        await session.say("Again")  # let go: the panel's log no longer hears the session
        assert panel.events.counts.total() == logged
        assert panel.events not in session.observers and panel.refresher not in session.observers
        await session.close()

    run(main)


def _contains_text(widget: widgets.Widget, text: str) -> bool:
    """Whether ``text`` is in the value of ``widget`` or any widget below it."""
    value = getattr(widget, "value", None)
    if isinstance(value, str) and (text in value or html.escape(text) in value):
        return True
    return any(_contains_text(child, text) for child in getattr(widget, "children", ()))


def test_a_typed_key_leaves_the_widgets_once_the_session_holds_it() -> None:
    async def main() -> None:
        async with MockServer(require_key=CANARY) as mock:
            panel = ControlPanel()
            await panel.connected()
            bar = panel.connection
            bar.target.value = "url"
            bar.url.value = mock.url
            bar.key.value = CANARY  # what the browser sends as the user types
            bar.connect_button.click()
            assert bar.key.value == ""  # emptied at the click, before the connection opens
            session = await panel.connected()
            await until(lambda: panel.session is not None and panel.session.state == "open")
            session = panel.session
            assert session is not None
            assert CANARY not in all_widget_state()
            assert CANARY not in repr(panel) and CANARY not in repr(session)
            assert "***" in bar.key.placeholder  # says a key is held, without showing it
            panel.close()
            await until(lambda: session.state == "closed")

    run(main)


def test_a_key_given_in_code_never_enters_a_widget() -> None:
    async def main() -> None:
        async with MockServer(require_key=CANARY) as mock:
            panel = ControlPanel(mock.url, api_key=CANARY)
            session = await panel.connected()
            assert session.state == "open"
            panel.refresher.flush()
            assert CANARY not in all_widget_state()
            panel.close()

    run(main)


def test_a_refused_key_is_shown_in_the_bar_not_raised_into_the_kernel() -> None:
    async def main() -> None:
        async with MockServer(require_key="sk-the-right-one") as mock:
            panel = ControlPanel(mock.url, api_key=CANARY)
            with pytest.raises(rt.ConnectError):
                await panel.connected()
            panel.refresher.flush()
            assert "invalid_api_key" in panel.connection.message.value or \
                "refused" in panel.connection.message.value
            assert "failed" in panel.connection.status.value
            assert CANARY not in panel.connection.message.value
            assert CANARY not in all_widget_state()
            panel.close()

    run(main)


def test_the_refresher_batches_redraws_however_fast_events_arrive() -> None:
    async def main() -> None:
        session = await rt.connect("mock", quiet=True)
        panel = ControlPanel(session)
        before = panel.refresher.flushes
        started = asyncio.get_running_loop().time()
        for _ in range(3):
            await session.say("Tell me a long story.")
        elapsed = asyncio.get_running_loop().time() - started
        events = panel.events.counts.total()
        redraws = panel.refresher.flushes - before
        assert events > 50
        # At most one redraw per 0.1 s, plus the 1 s clock ticks (and one of slack).
        assert redraws <= elapsed / 0.1 + elapsed / 1.0 + 2, (redraws, elapsed)
        panel.close()
        await session.close()

    run(main)


def test_disconnect_and_reconnect_from_the_bar() -> None:
    async def main() -> None:
        panel = ControlPanel()
        first = await panel.connected()
        panel.connection.disconnect_button.click()
        await until(lambda: first.state == "closed")
        panel.refresher.flush()
        assert "not connected" in panel.connection.status.value
        panel.connection.connect_button.click()
        second = await panel.connected()
        assert second is not first and second.state == "open"
        panel.close()
        await until(lambda: second.state == "closed")

    run(main)


def test_ten_thousand_streamed_events_keep_the_log_bounded() -> None:
    async def main() -> None:
        session = await rt.connect("mock", quiet=True, max_queue=20_000)
        panel = ControlPanel(session, log_capacity=2_000)
        chunk = rt.append_audio(bytes(480))  # 10 ms
        for _ in range(3_400):
            session.send_nowait(chunk)
            session.send_nowait(rt.clear_audio())  # answered: input_audio_buffer.cleared
        await until(lambda: panel.events.counts["input_audio_buffer.cleared"] == 3_400, 60)
        log = panel.events
        assert log.total > 10_000  # 6,800 sent, 3,400 answers, the greeting
        assert log.kept == 2_000 and log.dropped == log.total - 2_000
        panel.refresher.flush()
        status = panel.log_view.status.value
        assert f"{log.dropped:,}" in status and "2,000" in status
        assert len(panel.log_view.lines.options) <= 300  # the view draws the newest only
        panel.close()
        await session.close()

    run(main)


def test_forms_send_through_the_panel_and_every_part_follows() -> None:
    async def main() -> None:
        panel = ControlPanel()
        session = await panel.connected()
        item = panel.forms.select("conversation.item.create")
        item.set("item.content", [{"type": "input_text", "text": "Hello from the panel"}])
        item.send_button.click()  # returns at once: send_nowait
        await until(lambda: panel.events.counts["conversation.item.added"] == 1)
        respond = panel.forms.select("response.create")
        respond.send_button.click()
        await until(lambda: panel.events.counts["response.done"] == 1)
        await until(lambda: len(session.usage.rows) == 1)
        panel.refresher.flush()
        # The log: both directions, the item and the response.
        assert panel.events.directions["client"] == 2
        lines = "\n".join(str(label) for label, _ in panel.log_view.lines.options)
        assert "conversation.item.create" in lines and "response.done" in lines
        # The conversation: the message and the reply.
        assert _contains_text(panel.conversation_view.widget, "Hello from the panel")
        assert len(session.conversation.items) == 2
        # The counters: usage has its row, the state view says idle again.
        row = session.usage.rows[0]
        assert row.response_id in panel.cost_view.table.value
        assert f"{row.input_tokens:,}" in panel.cost_view.table.value
        assert panel.cost_view.timeline.value.count("<rect") >= 1
        assert panel.state_view.response.value == "Response: idle"
        panel.close()

    run(main)


def test_a_bad_value_in_a_panel_form_sends_nothing() -> None:
    async def main() -> None:
        panel = ControlPanel()
        session = await panel.connected()
        form = panel.forms.select("conversation.item.truncate")
        form.set("item_id", "item_1")
        form.set("audio_end_ms", -5)
        assert form.send_button.disabled
        assert "audio_end_ms" in form.error.value
        form.send_button.click()
        await asyncio.sleep(0.2)
        assert panel.events.directions["client"] == 0 and session.protocol.sent == 0
        panel.close()

    run(main)


def test_forms_say_what_the_service_would_refuse_in_the_state_now() -> None:
    async def main() -> None:
        mock = MockServer(pace="realtime", seed=3)
        async with mock:
            session = await rt.connect(mock.url, quiet=True)
            panel = ControlPanel(session)
            commit = panel.forms.select("input_audio_buffer.commit")
            panel.refresher.flush()
            assert "0 ms" in commit.advice.value and "100 ms" in commit.advice.value
            cancel = panel.forms.select("response.cancel")
            panel.refresher.flush()
            assert "response_cancel_not_active" in cancel.advice.value
            handle = await session.send(rt.create_response(), wait=True)
            create = panel.forms.select("response.create")
            panel.refresher.flush()
            active = handle.reply.response.id
            assert active in create.advice.value
            create.send_button.click()  # refused by the panel, as the advice says
            assert "ResponseActive" in create.status.value or "active" in create.status.value
            panel.forms.select("response.cancel")
            panel.refresher.flush()
            assert cancel.advice.value == ""  # now there is something to cancel
            await handle.wait_for("response.output_audio.delta")
            update = panel.forms.select("session.update")
            panel.refresher.flush()
            assert "cannot_update_voice" in update.advice.value
            panel.close()
            await session.close()

    run(main)
