"""What was heard, and interrupting there: ``Playback`` fed by hand with an injected clock,
then ``session.interrupt()`` end to end against the mock at ``pace="realtime"``.

The end-to-end tests assert no timing thresholds: the truncate sent must equal what
Playback reported, clamped to what was received, and the server must accept it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
from collections.abc import Coroutine
from typing import Any

import pytest

import realtime_nb as rt
from realtime_nb.codec import parse_server_event
from realtime_nb.mock import MockServer
from realtime_nb.state.playback import Interruption, Playback

# -- Playback fed by hand ----------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, ms: float) -> None:
        self.now += ms / 1000


def event(kind: str, **fields: Any) -> Any:
    return parse_server_event({"type": kind, "event_id": "event_1", **fields})


def delta(item: str, ms: float, response: str = "resp_1", per_ms: int = 48) -> Any:
    audio = base64.b64encode(bytes(round(ms * per_ms))).decode()
    return event("response.output_audio.delta", response_id=response, item_id=item,
                 output_index=0, content_index=0, delta=audio)


def created(response: str = "resp_1", fmt: str | None = None) -> Any:
    body: dict[str, Any] = {"id": response, "object": "realtime.response",
                            "status": "in_progress"}
    if fmt is not None:
        body["audio"] = {"output": {"format": {"type": fmt}}}
    return event("response.created", response=body)


def done(response: str = "resp_1", status: str = "completed") -> Any:
    return event("response.done", response={"id": response, "object": "realtime.response",
                                            "status": status})


def audio_done(item: str, response: str = "resp_1") -> Any:
    return event("response.output_audio.done", response_id=response, item_id=item,
                 output_index=0, content_index=0)


def feed(playback: Playback, *events: Any) -> None:
    for each in events:
        playback.received(each)


def session_created(session_id: str) -> Any:
    return event("session.created", session={"type": "realtime", "id": session_id,
                                             "object": "realtime.session",
                                             "model": "gpt-realtime"})


def test_a_new_session_ends_what_the_old_one_was_playing() -> None:
    # After a reconnect the old response never finishes and its item cannot be cut:
    # interrupt() must aim at the new session's audio, and the clock must play it.
    clock = Clock()
    playback = Playback(clock=clock)
    feed(playback, session_created("sess_1"), created("resp_1"), delta("item_1", 300))
    playback.sent(rt.create_response().with_event_id("evt_pending"))
    clock.advance(100)  # the link drops with item_1 at 100 of 300 ms
    feed(playback, session_created("sess_2"), created("resp_2"), delta("item_2", 2000, "resp_2"))
    clock.advance(1000)
    assert playback.active_response == "resp_2"
    assert playback["item_1"].stopped and playback["item_1"].played_ms == 100
    assert playback["item_2"].played_ms == 1000 and playback.playing is not None
    assert playback.playing.item_id == "item_2"
    plan = playback.plan_interrupt()
    assert (plan.response_id, plan.item_id, plan.audio_end_ms) == ("resp_2", "item_2", 1000)


def test_the_clock_plays_at_1x_from_the_first_delta_and_waits_for_more() -> None:
    clock = Clock()
    playback = Playback(clock=clock)
    feed(playback, created())
    clock.advance(300)  # latency: nothing to play yet
    assert playback.playing is None and "i1" not in playback
    feed(playback, delta("i1", 100))
    clock.advance(40)
    assert (playback["i1"].received_ms, playback["i1"].played_ms) == (100, 40)
    clock.advance(200)  # an underrun: played stops at what was received
    assert playback["i1"].played_ms == 100 and playback.playing.item_id == "i1"  # type: ignore[union-attr]
    feed(playback, delta("i1", 100))  # more comes: playing resumes from here
    clock.advance(30)
    assert playback["i1"].played_ms == 130 and playback["i1"].received_ms == 200
    feed(playback, audio_done("i1"), done())
    assert playback.active_response is None and playback["i1"].complete
    clock.advance(1000)
    assert playback["i1"].played_ms == 200 and playback.playing is None


def test_items_play_one_after_the_other() -> None:
    clock = Clock()
    playback = Playback(clock=clock)
    feed(playback, created("r1"), delta("a", 200, "r1"), audio_done("a", "r1"), done("r1"),
         created("r2"))
    clock.advance(50)
    feed(playback, delta("b", 300, "r2"))
    clock.advance(100)
    assert [(i.item_id, i.played_ms) for i in playback.items] == [("a", 150), ("b", 0)]
    assert playback.playing.item_id == "a"  # type: ignore[union-attr]
    clock.advance(100)  # a ends after 200 ms; b plays the 50 ms left
    assert [(i.item_id, i.played_ms) for i in playback.items] == [("a", 200), ("b", 50)]
    assert playback.playing.item_id == "b"  # type: ignore[union-attr]
    assert playback.active_response == "r2"


def test_received_ms_counts_bytes_in_the_output_format() -> None:
    playback = Playback(clock=Clock())
    session = {"type": "realtime", "audio": {"output": {"format": {"type": "audio/pcmu"}}}}
    feed(playback, event("session.updated", session=session),
         created("r1"), delta("a", 100, "r1", per_ms=8),
         created("r2", fmt="audio/pcm"), delta("b", 100, "r2", per_ms=48))
    assert playback["a"].format == "audio/pcmu" and playback["a"].received_ms == 100
    assert playback["b"].format == "audio/pcm" and playback["b"].received_ms == 100


def test_a_player_s_reports_replace_the_clock() -> None:
    clock = Clock()
    playback = Playback(clock=clock)
    feed(playback, created(), delta("i1", 1000))
    clock.advance(100)
    playback.played("i1", 30)
    clock.advance(500)  # the clock no longer counts
    assert playback.source == "player" and playback["i1"].played_ms == 30
    playback.played("i1", 1500)  # a player may claim more than was received ...
    plan = playback.plan_interrupt()  # ... the truncate never does
    assert (plan.item_id, plan.played_ms, plan.received_ms, plan.audio_end_ms) == (
        "i1", 1500, 1000, 1000)
    assert plan.reason == ("played 1,500 ms but only 1,000 ms were received: truncated at "
                           "1,000 ms (the service refuses more)")
    for bad in (-1, math.nan, math.inf, "10"):
        with pytest.raises(ValueError, match="played ms must be a finite number >= 0"):
            playback.played("i1", bad)  # type: ignore[arg-type]
    assert Playback(source="player").source == "player"
    with pytest.raises(ValueError, match="source must be 'clock' or 'player'"):
        Playback(source="speaker")  # type: ignore[arg-type]


def test_plan_interrupt_truncates_what_was_heard_rounded_down() -> None:
    clock = Clock()
    playback = Playback(clock=clock)
    feed(playback, created(), delta("i1", 500))
    clock.advance(123.7)
    assert playback.plan_interrupt() == Interruption(
        response_id="resp_1", item_id="i1", played_ms=pytest.approx(123.7),  # type: ignore[arg-type]
        received_ms=500, audio_end_ms=123)


def test_plan_interrupt_skips_the_truncate_when_nothing_was_heard() -> None:
    clock = Clock()
    playback = Playback(clock=clock)
    nothing = playback.plan_interrupt()
    assert (nothing.response_id, nothing.item_id, nothing.audio_end_ms) == (None, None, None)
    assert nothing.reason == ("nothing to interrupt: no response is active and no audio is "
                              "playing")
    feed(playback, created())
    silent = playback.plan_interrupt()
    assert (silent.response_id, silent.item_id, silent.audio_end_ms) == ("resp_1", None, None)
    assert silent.reason.startswith("no truncate: no audio had arrived yet, so nothing was "
                                    "played (0 ms)")
    feed(playback, delta("i1", 100))  # arrived this instant: 0 ms played
    instant = playback.plan_interrupt()
    assert (instant.item_id, instant.played_ms, instant.audio_end_ms) == ("i1", 0, None)
    assert "0 ms" in instant.reason


def test_truncated_deleted_and_stopped_items_are_no_longer_playing() -> None:
    clock = Clock()
    playback = Playback(clock=clock)
    feed(playback, created(), delta("i1", 1000))
    clock.advance(400)
    feed(playback, event("conversation.item.truncated", item_id="i1", content_index=0,
                         audio_end_ms=250))
    assert (playback["i1"].played_ms, playback["i1"].truncated_ms) == (250, 250)
    assert playback["i1"].stopped and playback.playing is None
    feed(playback, delta("i2", 1000, "resp_2"))
    clock.advance(100)
    feed(playback, event("conversation.item.deleted", item_id="i2"))
    clock.advance(100)
    assert playback["i2"].played_ms == 100 and playback.playing is None
    feed(playback, delta("i3", 1000, "resp_3"))
    clock.advance(100)
    playback.stop()
    clock.advance(100)
    feed(playback, delta("i3", 1000, "resp_3"))  # still arriving: not played any more
    clock.advance(100)
    assert (playback["i3"].played_ms, playback["i3"].received_ms) == (100, 2000)
    assert "idle" in repr(playback)


def test_response_create_sent_and_not_answered_yet_is_counted() -> None:
    playback = Playback(clock=Clock())
    playback.sent(rt.create_response().with_event_id("evt_1"))
    playback.sent(rt.create_response().with_event_id("evt_2"))
    playback.sent(rt.clear_audio().with_event_id("evt_3"))
    assert playback.requested == 2
    feed(playback, created())
    assert playback.requested == 1
    feed(playback, event("error", error={"type": "invalid_request_error", "message": "no",
                                         "event_id": "evt_2"}))
    assert playback.requested == 0


# -- interrupt() against the mock at pace="realtime" -------------------------------------------


def run(scenario: Coroutine[Any, Any, Any], timeout: float = 30.0) -> Any:
    async def boxed() -> Any:
        return await asyncio.wait_for(scenario, timeout)

    return asyncio.run(boxed())


def sent_frames(session: rt.RealtimeSession, kind: str) -> list[dict[str, Any]]:
    assert session.tape is not None
    return [json.loads(entry.text) for entry in session.tape
            if entry.direction == "client" and entry.type == kind]


async def speaking(session: rt.RealtimeSession, after_ms: float) -> rt.SendHandle:
    """Start a long spoken response and let ``after_ms`` of its audio play."""
    await session.update(audio={"input": {"turn_detection": None}})
    await session.send(rt.create_item(rt.user_text(
        "Please tell me a long story about the sea, the ships and the lighthouse keepers.")))
    handle = await session.send(rt.create_response(), wait=True)
    await handle.wait_for("response.output_audio.delta")
    await asyncio.sleep(after_ms / 1000)
    return handle


def test_interrupt_truncates_at_the_played_position() -> None:
    async def scenario() -> tuple[rt.RealtimeSession, Interruption, rt.SendHandle]:
        async with MockServer(seed=1, pace="realtime") as mock, rt.connect(
                mock.url, record=True) as session:
            handle = await speaking(session, 400)
            interruption = await session.interrupt()
            return session, interruption, handle

    session, interruption, handle = run(scenario())
    assert interruption.response_id == handle.reply.response.id  # type: ignore[union-attr]
    assert interruption.cancelled and interruption.truncated and interruption.reason == ""
    # The 1x clock played a part of what arrived; the truncate is that, in whole ms.
    assert 0 < interruption.played_ms <= interruption.received_ms
    assert interruption.audio_end_ms == math.floor(interruption.played_ms)
    [truncate] = sent_frames(session, "conversation.item.truncate")
    assert truncate == {"type": "conversation.item.truncate", "event_id": truncate["event_id"],
                        "item_id": interruption.item_id, "content_index": 0,
                        "audio_end_ms": interruption.audio_end_ms}
    # The server accepted it (conversation.item.truncated), and Playback knows.
    heard = session.playback[interruption.item_id]  # type: ignore[index]
    assert heard.truncated_ms == interruption.audio_end_ms == heard.played_ms
    # cancel before truncate, as protocol.md §5 (g) has it; no output_audio_buffer.clear.
    order = [json.loads(e.text)["type"] for e in session.tape  # type: ignore[union-attr]
             if e.direction == "client"]
    assert order.index("response.cancel") < order.index("conversation.item.truncate")
    assert "output_audio_buffer.clear" not in order
    assert not session.errors


def test_a_players_position_beyond_the_audio_received_is_clamped() -> None:
    async def scenario() -> tuple[rt.RealtimeSession, Interruption]:
        async with MockServer(seed=1, pace="realtime") as mock, rt.connect(
                mock.url, record=True) as session:
            await speaking(session, 200)
            playing = session.playback.playing
            assert playing is not None
            session.playback.played(playing.item_id, playing.received_ms + 5000)
            return session, await session.interrupt()

    session, interruption = run(scenario())
    assert interruption.played_ms > interruption.received_ms > 0
    assert interruption.audio_end_ms == math.floor(interruption.received_ms)
    assert interruption.truncated and "were received: truncated at" in interruption.reason
    [truncate] = sent_frames(session, "conversation.item.truncate")
    assert truncate["audio_end_ms"] == interruption.audio_end_ms
    assert not session.errors  # no "Audio content of X ms is already shorter than Y ms"


def test_interrupting_before_any_audio_cancels_and_skips_the_truncate() -> None:
    async def scenario() -> tuple[rt.RealtimeSession, Interruption, Any]:
        async with MockServer(seed=1, pace="realtime") as mock, rt.connect(
                mock.url, record=True) as session:
            handle = await session.send(rt.create_response(), wait=True)
            interruption = await session.interrupt()
            return session, interruption, handle

    session, interruption, handle = run(scenario())
    assert interruption.response_id == handle.reply.response.id and interruption.cancelled
    assert (interruption.audio_end_ms, interruption.truncated, interruption.played_ms) == (
        None, False, 0)
    assert "nothing was played (0 ms)" in interruption.reason
    assert sent_frames(session, "conversation.item.truncate") == []
    assert len(sent_frames(session, "response.cancel")) == 1
    assert not session.errors  # no "Only model output audio messages can be truncated"


def test_interrupt_waits_for_a_response_create_still_on_its_way() -> None:
    async def scenario() -> tuple[Interruption, Any]:
        async with MockServer(seed=1, pace="realtime") as mock, rt.connect(mock.url) as session:
            await session.send(rt.create_response())  # not answered yet
            interruption = await session.interrupt()
            return interruption, session

    interruption, session = run(scenario())
    assert interruption.response_id is not None and interruption.cancelled
    assert not session.errors  # not "Cancellation failed: no active response found"


def test_interrupt_with_nothing_going_on_sends_nothing() -> None:
    async def scenario() -> tuple[rt.RealtimeSession, Interruption, int]:
        async with MockServer(seed=1) as mock, rt.connect(mock.url) as session:
            before = session.protocol.sent
            return session, await session.interrupt(), before

    session, interruption, before = run(scenario())
    assert session.protocol.sent == before
    assert interruption == Interruption(None, None, 0.0, 0.0, reason=(
        "nothing to interrupt: no response is active and no audio is playing"))


def test_say_with_interrupt_stops_the_assistant_first() -> None:
    async def scenario() -> tuple[rt.RealtimeSession, rt.Reply]:
        async with MockServer(seed=1, pace="realtime") as mock, rt.connect(
                mock.url, record=True) as session:
            await speaking(session, 200)
            reply = await session.say("Actually, just say hi.", interrupt=True,
                                      output_modalities=["text"])
            return session, reply

    session, reply = run(scenario())
    assert reply.status == "completed" and reply.text
    order = [json.loads(e.text)["type"] for e in session.tape  # type: ignore[union-attr]
             if e.direction == "client"]
    tail = order[order.index("response.cancel"):]
    assert tail == ["response.cancel", "conversation.item.truncate", "conversation.item.create",
                    "response.create"]
    assert not session.errors  # no conversation_already_has_active_response
