"""The panel's conversation, session-state and cost views, headless, on real sessions.

Each test drives a session on the mock (the embedded one; a ``pace="realtime"``
one where a reply must still be going when the view looks), calls ``refresh()``
by hand as the panel's Refresher would, and reads the widgets' traits: what a
browser would be sent. Widget messages are counted by spying on
``ipywidgets.Widget._send``, which every state update goes through.
"""

from __future__ import annotations

import asyncio
import html
import io
import re
import time
import wave
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import ipywidgets
import numpy as np
import pytest

import realtime_nb as rt
from realtime_nb.mock import MockServer
from realtime_nb.state.usage import PRICES_AS_OF
from realtime_nb.widgets.conversation_view import ASR_LABEL, ConversationView
from realtime_nb.widgets.cost_view import CostView, nice_step
from realtime_nb.widgets.state_view import SessionStateView
from realtime_nb.widgets.view import View
from tests.speech import speech

STORY = "Please tell me a long story about the sea, the ships and the lighthouse keepers."


def run(scenario: Coroutine[Any, Any, Any], timeout: float = 60.0) -> Any:
    async def boxed() -> Any:
        return await asyncio.wait_for(scenario, timeout)

    return asyncio.run(boxed())


def attached(session: rt.RealtimeSession) -> tuple[ConversationView, SessionStateView, CostView]:
    views = ConversationView(), SessionStateView(), CostView()
    for view in views:
        view.attach(session)
    return views


def refresh(*views: View) -> None:
    for view in views:
        view.refresh()


@pytest.fixture
def messages(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Every message a widget sends to the browser from now on: (widget class, message)."""
    sent: list[tuple[str, dict[str, Any]]] = []
    original = ipywidgets.Widget._send

    def spy(self: ipywidgets.Widget, msg: dict[str, Any], buffers: Any = None) -> None:
        sent.append((type(self).__name__, msg))
        original(self, msg, buffers)

    monkeypatch.setattr(ipywidgets.Widget, "_send", spy)
    yield sent


def wav_ms(data: bytes | memoryview) -> float:
    """How long a WAV lasts (ipywidgets keeps an Audio's value as a memoryview)."""
    with wave.open(io.BytesIO(bytes(data))) as clip:
        return float(clip.getnframes() * 1000 / clip.getframerate())


async def story(session: rt.RealtimeSession) -> rt.SendHandle:
    """Start a long spoken response (no VAD) and return once its first audio arrived."""
    await session.update(audio={"input": {"turn_detection": None}})
    await session.send(rt.create_item(rt.user_text(STORY)))
    handle = await session.send(rt.create_response(), wait=True)
    await handle.wait_for("response.output_audio.delta")
    return handle


async def drawn_after_hello(view: View) -> rt.RealtimeSession:
    """A session on the embedded mock, drawn by ``view`` after one spoken reply."""
    session = await rt.connect("mock", quiet=True)
    view.attach(session)
    await session.say("Hello")
    view.refresh()
    return session


def closed_after_hello(view: View) -> rt.RealtimeSession:
    """:func:`drawn_after_hello`, run to the end: the session is closed when it returns."""
    async def scenario() -> rt.RealtimeSession:
        session = await drawn_after_hello(view)
        await session.close()
        return session

    return run(scenario())


# -- the conversation view ---------------------------------------------------------------------


def test_a_reply_shows_both_items_and_a_player_with_the_whole_audio() -> None:
    view = ConversationView()
    session = closed_after_hello(view)
    user, assistant = session.conversation.items
    assert "rtnb-conversation" in view.widget._dom_classes
    assert view.widget.children == (view.rows[user.id].box, view.rows[assistant.id].box)
    said = view.rows[user.id].html.value
    assert "<b>user</b>" in said and ">Hello</div>" in said
    assert view.rows[user.id].player is None  # a text message has no audio
    spoken = view.rows[assistant.id]
    assert "<b>assistant</b>" in spoken.html.value
    assert assistant.transcript and html.escape(assistant.transcript) in spoken.html.value
    assert spoken.player is not None and spoken.player.autoplay is False
    assert bytes(spoken.player.value).startswith(b"RIFF")
    assert wav_ms(spoken.player.value) == pytest.approx(assistant.audio_ms, abs=1)


def test_the_text_of_an_item_is_escaped() -> None:
    typed = '<img src=x onerror="alert(1)"> & <b>bold</b>'

    async def scenario() -> ConversationView:
        session = await rt.connect("mock", quiet=True)
        view = ConversationView()
        view.attach(session)
        await session.say(typed)
        view.refresh()
        await session.close()
        return view

    view = run(scenario())
    drawn = "".join(row.html.value for row in view.rows.values())
    assert "<img" not in drawn and "<b>bold</b>" not in drawn
    assert html.escape(typed) in drawn


def test_a_function_call_shows_its_arguments_and_its_output() -> None:
    async def scenario() -> tuple[ConversationView, rt.RealtimeSession]:
        session = await rt.connect("mock", quiet=True)

        @session.tool
        def get_weather(city: str) -> dict[str, Any]:
            """The weather now in a city."""
            return {"city": city, "temp": 21}

        view = ConversationView()
        view.attach(session)
        await session.say("What's the weather in Paris? Use get_weather.")
        view.refresh()
        await session.close()
        return view, session

    view, session = run(scenario())
    [call] = [item for item in session.conversation.items if item.type == "function_call"]
    [answer] = [item for item in session.conversation.items
                if item.type == "function_call_output"]
    assert call.arguments and call.output and answer.output == call.output
    drawn = view.rows[call.id].html.value
    assert html.escape(f"get_weather({call.arguments})") in drawn
    assert "Paris" in call.arguments and html.escape(call.output) in drawn
    assert "temp" in call.output
    assert html.escape(call.output) in view.rows[answer.id].html.value
    # The reply to the tool's output follows, in order, after both.
    ids = [item.id for item in session.conversation.items]
    assert [view.widget.children.index(view.rows[i].box) for i in ids] == list(range(len(ids)))


def test_a_users_transcript_is_labelled_as_asr_and_their_audio_gets_a_player() -> None:
    async def scenario() -> tuple[ConversationView, rt.RealtimeSession]:
        session = await rt.connect("mock", quiet=True)
        view = ConversationView()
        view.attach(session)
        await session.update(audio={"input": {
            "transcription": {"model": "gpt-4o-transcribe"}, "turn_detection": None}})
        sent = await session.send_audio(speech("Hello, can you hear me?"), commit=True)
        # after=: the transcript may come in the same read as the commit's answer.
        await session.wait_for("conversation.item.input_audio_transcription.completed",
                               after=sent.handles[0])
        view.refresh()
        await session.close()
        return view, session

    view, session = run(scenario())
    [user] = session.conversation.items
    assert user.role == "user" and user.transcript
    row = view.rows[user.id]
    assert html.escape(ASR_LABEL) in row.html.value
    assert html.escape(user.transcript) in row.html.value
    assert row.player is not None
    assert wav_ms(row.player.value) == pytest.approx(user.audio_ms, abs=1)


def test_only_the_items_that_changed_are_redrawn() -> None:
    async def scenario() -> tuple[list[int], list[Any], ConversationView]:
        view = ConversationView()
        session = await drawn_after_hello(view)
        counts = [view.rebuilt]
        first = dict(view.rows)
        view.refresh()
        counts.append(view.rebuilt)
        await session.say("And again")
        view.refresh()
        counts.append(view.rebuilt)
        kept = [view.rows[item_id] is row for item_id, row in first.items()]
        await session.close()
        return counts, kept, view

    counts, kept, view = run(scenario())
    assert counts == [2, 2, 4]  # two items; nothing new; two more items, the old ones untouched
    assert kept == [True, True] and len(view.widget.children) == 4


def test_text_grows_on_each_refresh_and_the_player_waits_for_the_whole_audio() -> None:
    async def scenario() -> dict[str, Any]:
        async with MockServer(seed=1, pace="realtime") as mock, rt.connect(
                mock.url, quiet=True) as session:
            view = ConversationView()
            view.attach(session)
            handle = await story(session)
            item = session.conversation.items[-1]
            view.refresh()
            seen = {"first": view.rows[item.id].html.value,
                    "player_mid": view.rows[item.id].player, "active_mid": (
                        session.conversation.active_response is not None)}
            drawn = len(item.transcript)
            while len(item.transcript) == drawn and session.conversation.active_response:
                await asyncio.sleep(0.02)
            view.refresh()
            seen["later"] = view.rows[item.id].html.value
            seen["transcript_later"] = item.transcript
            await handle.wait_for("response.done", timeout=30)
            view.refresh()
            seen["player"] = view.rows[item.id].player
            seen["item"] = item
            return seen

    seen = run(scenario())
    item = seen["item"]
    assert seen["active_mid"] and seen["player_mid"] is None
    assert "so far…" in seen["first"]  # the audio is counted, not sent, while it streams
    assert html.escape(seen["transcript_later"]) in seen["later"]
    assert len(seen["later"]) > len(seen["first"])
    assert seen["player"] is not None
    assert wav_ms(seen["player"].value) == pytest.approx(item.audio_ms, abs=1)


# -- the session state view --------------------------------------------------------------------


def test_the_state_view_is_idle_after_a_reply_and_shows_the_session() -> None:
    view = SessionStateView()
    session = closed_after_hello(view)
    assert "rtnb-state" in view.widget._dom_classes
    assert view.response.value == "Response: idle"
    assert "<b>0 ms</b>" in view.input_buffer.value
    config = view.config.value
    for shown in ("gpt-realtime", "alloy", "audio/pcm 24 kHz", "server_vad",
                  "You are a helpful"):
        assert shown in config
    assert "No session.update sent yet" in view.diff.value
    # The reply's audio is still being heard (the 1x clock), so there is something to stop.
    [assistant] = [item for item in session.conversation.items if item.role == "assistant"]
    assert assistant.id in view.playing.value and "3," in view.playing.value
    assert view.interrupt_button.disabled is False


def test_the_state_view_shows_a_refused_update_field_by_field() -> None:
    async def scenario() -> SessionStateView:
        view = SessionStateView()
        session = await drawn_after_hello(view)
        with pytest.warns(rt.SessionDiffWarning), pytest.raises(rt.ServerError):
            await session.update(audio={"output": {"voice": "marin"}})
        view.refresh()
        await session.close()
        return view

    view = run(scenario())
    assert "refused" in view.diff.value and "cannot_update_voice" in view.diff.value
    assert "audio.output.voice" in view.diff.value and "&#x27;marin&#x27;" in view.diff.value


def test_the_state_view_shows_the_audio_appended_since_the_last_commit() -> None:
    async def scenario() -> tuple[SessionStateView, float]:
        session = await rt.connect("mock", quiet=True)
        view = SessionStateView()
        view.attach(session)
        await session.update(audio={"input": {"turn_detection": None}})
        await session.send_audio(rt.Audio(np.zeros(12_000, dtype=np.int16)))  # 500 ms
        view.refresh()
        ms = session.conversation.input_audio_ms
        await session.close()
        return view, ms

    view, ms = run(scenario())
    assert ms == pytest.approx(500)
    assert "<b>500 ms</b>" in view.input_buffer.value


def test_interrupt_returns_at_once_and_the_response_ends_cancelled() -> None:
    async def scenario() -> dict[str, Any]:
        async with MockServer(seed=1, pace="realtime") as mock, rt.connect(
                mock.url, quiet=True) as session:
            view = SessionStateView()
            view.attach(session)
            handle = await story(session)
            await asyncio.sleep(0.3)  # some of it is heard, so there is something to truncate
            view.refresh()
            seen: dict[str, Any] = {
                "active": view.response.value, "enabled": not view.interrupt_button.disabled,
                "playing": view.playing.value, "id": handle.reply.response.id}  # type: ignore[union-attr]
            start = time.perf_counter()
            view.interrupt_button.click()
            seen["click_s"] = time.perf_counter() - start
            seen["done_at_return"] = view.interrupt_task is not None and (
                view.interrupt_task.done())
            seen["disabled_while_running"] = view.interrupt_button.disabled
            assert isinstance(view.interrupt_task, asyncio.Future)
            seen["result"] = await view.interrupt_task
            seen["status"] = session.conversation.response(seen["id"]).status
            view.refresh()
            seen["after"] = (view.response.value, view.interruption.value,
                             view.interrupt_button.disabled)
            return seen

    seen = run(scenario())
    assert seen["id"] in seen["active"] and "in progress" in seen["active"]
    assert seen["enabled"] and "played" in seen["playing"]
    # The click only started the work: the story lasts seconds, the click took milliseconds.
    assert seen["done_at_return"] is False and seen["click_s"] < 0.1
    assert seen["disabled_while_running"] is True
    result = seen["result"]
    assert isinstance(result, rt.Interruption) and result.cancelled
    assert result.response_id == seen["id"] and seen["status"] == "cancelled"
    response, summary, disabled = seen["after"]
    assert response == "Response: idle"
    assert f"cancelled {seen['id']}" in summary and "truncated" in summary
    assert disabled is True  # nothing left to interrupt


def test_the_say_box_sends_at_once_and_the_reply_shows_in_the_conversation() -> None:
    async def scenario() -> dict[str, Any]:
        session = await rt.connect("mock", quiet=True)
        conversation, state, _ = attached(session)
        state.say_text.value = "  Tell me about owls  "
        start = time.perf_counter()
        state.say_button.click()
        seen: dict[str, Any] = {"click_s": time.perf_counter() - start,
                                "box": state.say_text.value,
                                "done_at_return": state.say_task is not None and (
                                    state.say_task.done())}
        assert isinstance(state.say_task, asyncio.Future)
        seen["reply"] = await state.say_task
        await asyncio.sleep(0)  # the task's done callbacks run
        seen["status_at_reply"] = state.say_status.value  # drawn by the callback itself
        refresh(conversation, state)
        seen["rows"] = [row.html.value for row in conversation.rows.values()]
        seen["status"] = state.say_status.value
        await session.close()
        return seen

    seen = run(scenario())
    assert seen["box"] == "" and seen["done_at_return"] is False and seen["click_s"] < 0.1
    reply = seen["reply"]
    assert reply.status == "completed" and reply.transcript
    user, assistant = seen["rows"]
    assert ">Tell me about owls</div>" in user
    assert html.escape(reply.transcript) in assistant
    assert reply.response_id in seen["status"]
    assert reply.response_id in seen["status_at_reply"]


def test_typing_while_it_speaks_cancels_the_story_and_answers_the_words() -> None:
    async def scenario() -> dict[str, Any]:
        async with MockServer(seed=1, pace="realtime") as mock, rt.connect(
                mock.url, quiet=True) as session:
            conversation, state, _ = attached(session)
            handle = await story(session)
            await session.update(output_modalities=["text"])  # a short reply, even at 1x
            state.say_text.value = "Stop, tell me a joke"
            state.say_button.click()
            assert isinstance(state.say_task, asyncio.Future)
            reply = await state.say_task
            refresh(conversation, state)
            story_id = handle.reply.response.id  # type: ignore[union-attr]
            return {"story": session.conversation.response(story_id).status, "reply": reply,
                    "rows": [row.html.value for row in conversation.rows.values()]}

    seen = run(scenario())
    assert seen["story"] == "cancelled" and seen["reply"].status == "completed"
    assert any(">Stop, tell me a joke</div>" in row for row in seen["rows"])
    assert html.escape(seen["reply"].text) in seen["rows"][-1]


# -- the cost view -----------------------------------------------------------------------------


def cells(table: str) -> list[list[str]]:
    body = table.split("<tbody>", 1)[1]
    return [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body)]


def test_the_cost_view_has_one_row_per_response_and_the_sessions_total() -> None:
    async def scenario() -> tuple[CostView, rt.RealtimeSession, list[int]]:
        session = await rt.connect("mock", quiet=True)
        view = CostView()
        view.attach(session)
        await session.say("Hello")
        await session.say("And a second question")
        view.refresh()
        redraws = [view.redraws]
        view.refresh()  # nothing new, nothing active: nothing drawn
        redraws.append(view.redraws)
        await session.say("A third")
        view.refresh()
        redraws.append(view.redraws)
        await session.close()
        return view, session, redraws

    view, session, redraws = run(scenario())
    assert "rtnb-cost" in view.widget._dom_classes
    assert redraws[1] == redraws[0] and redraws[2] == redraws[0] + 1
    rows = cells(view.table.value)
    usage = session.usage
    assert [row[0] for row in rows[:-1]] == [row.response_id for row in usage.rows]
    assert len(usage.rows) == 3 == len(session.conversation.responses)
    total = usage.total
    assert total.cost_usd
    assert rows[-1][:12] == ["total", "3 resp.", *map(str, (
        total.input_tokens, total.input_text, total.input_audio, total.input_image,
        total.cached_tokens, total.uncached_input, total.output_tokens, total.output_text,
        total.output_audio)), f"{total.cost_usd:.6f}"]
    assert f"${total.cost_usd:.6f}" in view.summary.value and PRICES_AS_OF in view.summary.value
    # The timeline: one bar per response, each ending at its done ms.
    timeline = view.timeline.value
    assert timeline.startswith("<svg")
    assert re.findall(r'data-response="([^"]+)"', timeline) == [
        row.response_id for row in usage.rows]
    for response in session.conversation.responses:
        assert response.done_ms is not None
        assert f"{response.done_ms:,.0f} ms</text>" in timeline
    # A long session: the timeline keeps the latest few, and says so; the table keeps all.
    view.timeline_rows = 2
    view.refresh()
    assert re.findall(r'data-response="([^"]+)"', view.timeline.value) == [
        row.response_id for row in usage.rows[-2:]]
    assert "the latest 2 of 3 responses" in view.timeline.value
    assert len(cells(view.table.value)) == 4


def test_the_timeline_shows_a_response_in_progress_and_redraws_while_it_runs() -> None:
    async def scenario() -> tuple[str, str, list[int]]:
        async with MockServer(seed=1, pace="realtime") as mock, rt.connect(
                mock.url, quiet=True) as session:
            view = CostView()
            view.attach(session)
            handle = await story(session)
            view.refresh()
            running = view.timeline.value
            redraws = [view.redraws]
            view.refresh()  # a response is active: it may have moved, so it is drawn again
            redraws.append(view.redraws)
            await session.interrupt()
            await handle.wait_for("response.done", timeout=30)
            view.refresh()
            return running, view.table.value, redraws

    running, table, redraws = run(scenario())
    assert "…</text>" in running and "resp_" in running
    assert redraws[1] == redraws[0] + 1
    assert "cancelled" in table


def test_nice_steps_are_round() -> None:
    assert [nice_step(span) for span in (0, 7, 43, 120, 999, 3700, 61_000)] == [
        1.0, 2.0, 10.0, 50.0, 200.0, 1000.0, 20_000.0]


# -- all three ---------------------------------------------------------------------------------


def test_a_refresh_with_nothing_changed_sends_no_widget_messages(
        messages: list[tuple[str, dict[str, Any]]]) -> None:
    async def scenario() -> tuple[int, int, int]:
        session = await rt.connect("mock", quiet=True)
        views = attached(session)
        await session.say("Hello")
        session.playback.stop()  # the played gauge moves with the clock; freeze it
        refresh(*views)
        before = len(messages)
        refresh(*views)
        refresh(*views)
        unchanged = len(messages) - before
        await session.say("Something new")
        session.playback.stop()
        mark = len(messages)
        refresh(*views)
        changed = len(messages) - mark
        await session.close()
        return before, unchanged, changed

    before, unchanged, changed = run(scenario())
    assert before > 0  # the spy sees what a first drawing sends
    assert unchanged == 0
    assert changed > 0  # and what a new reply sends


def test_detached_views_say_so_and_disable_the_buttons() -> None:
    conversation, state, cost = attached(None)  # type: ignore[arg-type]
    assert "Not connected" in conversation.widget.children[0].value
    assert "Not connected" in state.response.value and "Not connected" in cost.summary.value
    assert state.interrupt_button.disabled and state.say_button.disabled
    state.say_text.value = "Hello"
    state.say_button.click()  # nothing to send to: nothing happens, nothing raises
    assert state.say_task is None and state.say_text.value == "Hello"


def test_the_conversation_saves_its_transcript_and_audio(tmp_path: Path) -> None:
    view = ConversationView()
    session = closed_after_hello(view)
    transcript = view.save_transcript(tmp_path)
    assert transcript is not None and transcript.suffix == ".md"
    text = transcript.read_text(encoding="utf-8")
    assert "Hello" in text and session.conversation.items[1].transcript[:20] in text
    wavs = view.save_audio(tmp_path)
    assert len(wavs) == 1 and wavs[0].suffix == ".wav"  # the assistant's audio
    assert wav_ms(wavs[0].read_bytes()) == pytest.approx(session.conversation.items[1].audio_ms,
                                                         abs=1)
    assert str(wavs[0].parent) in view.export_note.value
    assert view.save_transcript(tmp_path) != transcript  # a second export keeps the first
