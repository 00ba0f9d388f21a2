"""session.last_update: what a session.update asked for against what the server put in effect."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Coroutine
from typing import Any

import pytest

import realtime_nb as rt
from realtime_nb.mock import MockServer
from realtime_nb.state.session_diff import DiffEntry, SessionUpdates, diff_session


def run(scenario: Coroutine[Any, Any, Any], timeout: float = 30.0) -> Any:
    async def boxed() -> Any:
        return await asyncio.wait_for(scenario, timeout)

    return asyncio.run(boxed())


def updated(session: dict[str, Any]) -> Any:
    return rt.parse_server_event({"type": "session.updated", "event_id": "event_1",
                                  "session": {"type": "realtime", **session}})


def test_only_the_fields_sent_are_compared_leaf_by_leaf() -> None:
    requested = {
        "type": "realtime",
        "instructions": "Be brief.",
        "max_output_tokens": 8000,                      # clamped by the server
        "audio": {"output": {"voice": "marin", "speed": 1.0},
                  "input": {"turn_detection": {"type": "server_vad",
                                               "silence_duration_ms": 400},
                            "noise_reduction": {"type": "far_field"}}},  # dropped
        "tracing": "auto",                              # changed
        "tools": [{"type": "function", "name": "kept"}, {"type": "function", "name": "gone"}],
    }
    effective = {
        "type": "realtime", "model": "gpt-realtime", "instructions": "Be brief.",
        "max_output_tokens": 4096,
        "audio": {"output": {"voice": "marin", "speed": 1, "format": {"type": "audio/pcm"}},
                  "input": {"turn_detection": {"type": "server_vad", "threshold": 0.5,
                                               "silence_duration_ms": 400}}},
        "tracing": None,
        "tools": [{"type": "function", "name": "kept", "parameters": {"type": "object"}}],
    }
    assert diff_session(requested, effective) == [
        DiffEntry("max_output_tokens", 8000, 4096, "clamped"),
        DiffEntry("audio.input.noise_reduction.type", "far_field", None, "dropped"),
        DiffEntry("tracing", "auto", None, "dropped"),
        DiffEntry("tools.gone", {"type": "function", "name": "gone"}, None, "dropped"),
    ]
    assert diff_session({"tracing": None}, {"tracing": "auto"}) == [
        DiffEntry("tracing", None, "auto", "changed")]
    # A bool is not a number here, and 400 is 400.0.
    assert diff_session({"a": True, "b": 400}, {"a": 1, "b": 400.0}) == [
        DiffEntry("a", True, 1, "changed")]
    assert diff_session({"output_modalities": ["text"]}, {"output_modalities": ["text"]}) == []
    assert diff_session({"instructions": "x"}, {"instructions": "x"}, refused=True) == []
    assert diff_session({"instructions": "y"}, {"instructions": "x"}, refused=True) == [
        DiffEntry("instructions", "y", "x", "refused")]


def test_the_record_pairs_each_update_with_its_answer_and_warns_once() -> None:
    updates = SessionUpdates()
    assert updates.last is None and updates.diff == [] and updates.error is None
    updates.received(updated({"instructions": "Old.",
                              "audio": {"output": {"voice": "alloy", "speed": 1.0}}}))
    first = rt.session_update({"instructions": "New.", "audio": {"output": {"speed": 1.5}}})
    updates.sent(first.with_event_id("evt_1"))
    assert updates.last is not None and updates.last.pending
    assert updates.requested == {"type": "realtime", "instructions": "New.",
                                 "audio": {"output": {"speed": 1.5}}}
    with pytest.warns(rt.SessionDiffWarning) as caught:
        updates.received(updated({"instructions": "New.",
                                  "audio": {"output": {"voice": "alloy", "speed": 1.2}}}))
    assert len(caught) == 1
    assert str(caught[0].message) == (
        "The server did not apply session.update as asked: audio.output.speed: asked 1.5, "
        "clamped -> 1.2. See session.last_update.diff.")
    assert updates.diff == [DiffEntry("audio.output.speed", 1.5, 1.2, "clamped")]
    assert updates.effective is not None and updates.effective["instructions"] == "New."
    assert not updates.last.pending and updates.error is None

    # A refused update: the error names it; nothing of it applies.
    updates.sent(rt.session_update({"instructions": "Newer."}).with_event_id("evt_2"))
    with pytest.warns(rt.SessionDiffWarning, match=r"refused \(invalid_value: no\)"):
        updates.received(rt.parse_server_event({"type": "error", "event_id": "event_2", "error": {
            "type": "invalid_request_error", "code": "invalid_value", "message": "no",
            "event_id": "evt_2"}}))
    assert updates.error.code == "invalid_value"
    assert updates.diff == [DiffEntry("instructions", "Newer.", "New.", "refused")]
    assert updates.effective is None and len(updates.records) == 2
    assert "refused diff=1" in repr(updates)

    # A tool the server does not list: the model cannot call it.
    updates.sent(rt.session_update({"tools": [{"type": "function", "name": "get_weather"}]}))
    with pytest.warns(rt.SessionDiffWarning, match="tools.get_weather dropped .*cannot call it"):
        updates.received(updated({"instructions": "New.", "tools": []}))

    # An update applied as asked: no warning. An error naming another event: ignored.
    updates.sent(rt.session_update({"instructions": "Last."}).with_event_id("evt_3"))
    updates.received(rt.parse_server_event({"type": "error", "event_id": "event_3", "error": {
        "type": "invalid_request_error", "message": "other", "event_id": "evt_other"}}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        updates.received(updated({"instructions": "Last."}))
    assert updates.diff == [] and updates.error is None and len(updates.records) == 4


def test_a_voice_change_after_audio_is_refused_and_reported() -> None:
    async def scenario() -> rt.RealtimeSession:
        async with MockServer(seed=4) as mock, rt.connect(mock.url) as session:
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # applied as asked: no warning
                await session.update(instructions="Be brief.", audio={"output": {"speed": 1.1}})
            assert session.last_update.diff == [] and session.last_update.error is None
            await session.say("Hello")  # the model speaks: its voice is now fixed
            with pytest.warns(rt.SessionDiffWarning, match="cannot_update_voice"), \
                    pytest.raises(rt.ServerError, match="cannot_update_voice"):
                await session.update(audio={"output": {"voice": "marin"}})
            return session

    session = run(scenario())
    last = session.last_update
    assert last.error.code == "cannot_update_voice"
    assert last.requested == {"type": "realtime", "audio": {"output": {"voice": "marin"}}}
    assert last.diff == [DiffEntry("audio.output.voice", "marin", "alloy", "refused")]
    assert last.effective is None
    assert session.session.audio.output.voice == "alloy"
    assert [record.error is None for record in last.records] == [True, False]
