"""The mock server driven end to end by the official ``openai`` SDK (3.57.0), GA and beta.

Each scenario connects with the SDK's own client (``client.realtime.connect`` or
``client.beta.realtime.connect``), reads every server event as raw JSON, validates it
exactly against the SDK's server-event union of its dialect (no unknown keys, exact
dump; see :func:`tests.mock_sdk_helpers.check_event`) and compares the sequence of
event types with protocol.md §5. Runs of one ``*.delta`` type are collapsed; the
interleaving of audio and transcript deltas is not assumed.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from openai import AsyncAzureOpenAI, AsyncOpenAI
from websockets.exceptions import ConnectionClosed

from realtime_nb.mock import MockServer, Rule, Script
from realtime_nb.mock.speech import speech_with_silence, synthesize

from .mock_sdk_helpers import (
    AUDIO_RESPONSE,
    DIALECTS,
    FUNCTION_CALL_RESPONSE,
    JSON,
    MANUAL_COMMIT,
    NAMES,
    OUT_OF_BAND_TEXT_RESPONSE,
    TEXT_RESPONSE,
    USER_ITEM,
    VAD_TURN,
    Wire,
    check_error,
    check_event,
    check_one_response,
    check_usage,
    connect,
    every,
    first,
    mock_server,
    port_of,
    run,
    shape,
    text_only,
    types,
    with_audio,
)

dialects = pytest.mark.parametrize("dialect", DIALECTS)

BYTES_PER_MS = 48  # PCM16 mono 24 kHz (protocol.md §6)

WEATHER_TOOL: JSON = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather for a city.",
    "parameters": {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["city", "unit"],
    },
}

SHORT = Script(rules=[Rule(match=".", reply="Sure, one moment.")])
"""A short reply, for scenarios where the reply's content does not matter."""


def assistant_item_id(events: list[JSON]) -> str:
    item = first(events, "response.output_item.added")["item"]
    assert item["type"] == "message" and item["role"] == "assistant"
    return str(item["id"])


# -- 1. connect ---------------------------------------------------------------------------------


@dialects
def test_connect_sends_session_created_and_beta_a_conversation(dialect: str) -> None:
    """GA opens with ``session.created`` alone, as the live service does; the legacy beta
    dialect follows it with ``conversation.created`` (protocol.md §5 (a))."""
    # A model from each dialect's SDK list (beta's model field is a closed Literal).
    model = "gpt-realtime-mini" if dialect == "ga" else "gpt-4o-realtime-preview"

    async def scenario() -> None:
        async with mock_server(dialect, seed=1) as server, connect(server, dialect, model) as wire:
            created, conversation = await wire.opening()
            session = created["session"]
            assert session["model"] == model
            assert session["id"].startswith("sess_")
            assert isinstance(session["expires_at"], int)
            if dialect == "ga":
                assert session["type"] == "realtime"
                assert conversation is None
                assert await wire.barrier() == []  # and nothing else follows it
                return
            assert "type" not in session
            assert conversation is not None
            assert conversation["conversation"]["id"].startswith("conv_")
            assert conversation["conversation"]["object"] == "realtime.conversation"
            assert server.sessions[0].conversation.id == conversation["conversation"]["id"]

    run(scenario)


def test_the_sdk_beta_client_is_refused_unless_legacy_beta() -> None:
    """``client.beta.realtime.connect`` gets what today's service sends a beta handshake
    (protocol.md top note): one error, then close 4000; ``legacy_beta`` still serves it."""
    lines: list[str] = []

    async def scenario() -> None:
        async with MockServer(seed=1, on_connect=lines.append) as server, connect(
                server, "beta", "gpt-4o-realtime-preview") as wire:
            error = check_error(await wire.recv(), event_id=None, code="beta_api_shape_disabled")
            assert error["message"] == ("The Realtime Beta API is no longer supported. Please use"
                                        " /v1/realtime for the GA API.")
            assert error["param"] is None
            with pytest.raises(ConnectionClosed) as closed:
                await wire.recv()
            assert closed.value.rcvd is not None
            assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (
                4000, "invalid_request_error.beta_api_shape_disabled")
            assert server.sessions == []
        async with MockServer(seed=1, legacy_beta=True) as server, connect(
                server, "beta", "gpt-4o-realtime-preview") as wire:
            created, _ = await wire.opening()
            assert created["session"]["model"] == "gpt-4o-realtime-preview"
            assert server.sessions[0].dialect == "beta"

    run(scenario)
    assert len(lines) == 1 and lines[0].startswith("connection 1: beta model=gpt-4o-realtime")


# -- 2. session.update ----------------------------------------------------------------------------


@dialects
def test_session_update_merges_into_the_full_session(dialect: str) -> None:
    async def scenario() -> None:
        async with mock_server(dialect, seed=1) as server, connect(server, dialect) as wire:
            created, _ = await wire.opening()
            expected = json.loads(json.dumps(created["session"]))
            if dialect == "ga":
                first_update: JSON = {"type": "realtime", "instructions": "Be terse.",
                                      "audio": {"output": {"voice": "coral"}}}
                expected["instructions"] = "Be terse."
                expected["audio"]["output"]["voice"] = "coral"
            else:
                first_update = {"instructions": "Be terse.", "voice": "coral"}
                expected["instructions"] = "Be terse."
                expected["voice"] = "coral"
            await wire.conn.session.update(session=first_update, event_id="update-1")
            [updated] = await wire.until_type("session.updated")
            assert updated["event_id"] != "update-1"  # success replies do not echo it (§2.1)
            assert updated["session"] == expected  # full session, other defaults kept

            # A later update of one field keeps the earlier change.
            if dialect == "ga":
                second = await wire.update_session(
                    {"type": "realtime", "output_modalities": ["text"]})
                expected["output_modalities"] = ["text"]
            else:
                second = await wire.update_session({"modalities": ["text"]})
                expected["modalities"] = ["text"]
            assert second == expected

    run(scenario)


def test_session_update_without_type_is_refused_whole() -> None:
    """GA: ``session.type`` is required; a refused update applies nothing (§5 b)."""

    async def scenario() -> None:
        async with MockServer(seed=1) as server, connect(server, "ga") as wire:
            created, _ = await wire.opening()
            await wire.conn.send({"type": "session.update", "event_id": "no-type",
                                  "session": {"instructions": "Ignored."}})
            [error] = await wire.until_error("no-type")
            info = check_error(error, event_id="no-type", code="missing_required_parameter")
            assert info["param"] == "session.type"
            unchanged = await wire.update_session({"type": "realtime"})
            assert unchanged == created["session"]

    run(scenario)


# -- 3. text reply --------------------------------------------------------------------------------


@dialects
def test_text_reply(dialect: str) -> None:
    async def scenario() -> None:
        async with mock_server(dialect, seed=1) as server, connect(server, dialect) as wire:
            await wire.opening()
            user = (await wire.add_user_text("Hello there"))[0]["item"]
            await wire.conn.response.create(response=text_only(dialect))
            events = await wire.response()
            assert shape(events, dialect) == TEXT_RESPONSE[dialect]
            check_one_response(events)

            names = NAMES[dialect]
            deltas = "".join(e["delta"] for e in every(events, names["text_delta"]))
            text = first(events, names["text_done"])["text"]
            assert deltas == text and "Hello there" in text
            assert first(events, "response.content_part.added")["part"] == {
                "type": "text", "text": ""}
            assert first(events, "response.content_part.done")["part"] == {
                "type": "text", "text": text}
            added = events[2]
            assert added["previous_item_id"] == user["id"]
            item = first(events, "response.output_item.done")["item"]
            part_type = "output_text" if dialect == "ga" else "text"
            assert item["content"] == [{"type": part_type, "text": text}]
            assert item["status"] == "completed"

            done = first(events, "response.done")["response"]
            assert done["status"] == "completed"
            assert done["output"] == [item]
            modalities = "output_modalities" if dialect == "ga" else "modalities"
            assert done[modalities] == ["text"]
            check_usage(done["usage"], dialect)
            assert done["usage"]["output_token_details"]["audio_tokens"] == 0
            limits = events[-1]["rate_limits"]
            assert limits and all(limit["name"] in ("requests", "tokens") for limit in limits)

    run(scenario)


# -- 4. audio reply -------------------------------------------------------------------------------


@dialects
def test_audio_reply(dialect: str) -> None:
    async def scenario() -> None:
        async with mock_server(dialect, seed=1) as server, connect(server, dialect) as wire:
            await wire.opening()
            await wire.add_user_text("Hello there")
            await wire.conn.response.create(response=with_audio(dialect))
            events = await wire.response()
            assert shape(events, dialect) == AUDIO_RESPONSE[dialect]
            check_one_response(events)

            names = NAMES[dialect]
            chunks = [base64.b64decode(e["delta"]) for e in every(events, names["audio_delta"])]
            assert all(len(chunk) % 2 == 0 for chunk in chunks)  # whole PCM16 samples
            pcm = b"".join(chunks)
            assert len(pcm) > 0 and any(pcm)
            transcript = first(events, names["transcript_done"])["transcript"]
            spoken = "".join(e["delta"] for e in every(events, names["transcript_delta"]))
            assert spoken == transcript and "Hello there" in transcript
            # Roughly the time it takes to say the transcript: 8 to 25 characters a second.
            duration_ms = len(pcm) / BYTES_PER_MS
            assert 40 * len(transcript) <= duration_ms <= 125 * len(transcript), (
                duration_ms, len(transcript))

            assert first(events, "response.content_part.added")["part"] == {
                "type": "audio", "transcript": ""}
            assert first(events, "response.content_part.done")["part"] == {
                "type": "audio", "transcript": transcript}
            item = first(events, "response.output_item.done")["item"]
            part_type = "output_audio" if dialect == "ga" else "audio"
            assert item["content"] == [{"type": part_type, "transcript": transcript}]

            done = first(events, "response.done")["response"]
            assert done["status"] == "completed"
            if dialect == "ga":
                assert done["output_modalities"] == ["audio"]
                assert done["audio"]["output"]["voice"] == "alloy"
                assert done["audio"]["output"]["format"] == {"type": "audio/pcm", "rate": 24000}
            else:
                assert "audio" in done["modalities"]
                assert done["voice"] == "alloy"
                assert done["output_audio_format"] == "pcm16"
            check_usage(done["usage"], dialect)
            assert done["usage"]["output_token_details"]["audio_tokens"] > 0

    run(scenario)


# -- 5. server VAD turn ---------------------------------------------------------------------------

LEAD_MS = 600
TAIL_MS = 800
PREFIX_PADDING_MS = 300  # the default
SPOKEN = "Hello there, how are you"


def check_vad_turn(turn: list[JSON], dialect: str) -> str:
    """The VAD part of a turn (§5 e); returns the user item id."""
    assert types(turn) == VAD_TURN[dialect]
    started, stopped, committed = turn[:3]
    item_id = started["item_id"]
    assert item_id.startswith("item_")
    assert stopped["item_id"] == committed["item_id"] == item_id
    # audio_start_ms includes the prefix padding (§5 e).
    assert abs(started["audio_start_ms"] - (LEAD_MS - PREFIX_PADDING_MS)) <= 60, started
    speech_ms = len(synthesize(SPOKEN)) * 1000 // 24000
    end_ms = stopped["audio_end_ms"]
    assert LEAD_MS + speech_ms - 300 <= end_ms <= LEAD_MS + speech_ms + TAIL_MS, (end_ms, speech_ms)
    for event in turn[3:]:
        item = event["item"]
        assert item["id"] == item_id
        assert item["type"] == "message" and item["role"] == "user"
        assert item["content"] == [{"type": "input_audio", "transcript": None}]
    return str(item_id)


def turn_audio() -> bytes:
    return speech_with_silence(SPOKEN, lead_ms=LEAD_MS, tail_ms=TAIL_MS).tobytes()


@dialects
def test_server_vad_turn_starts_a_response(dialect: str) -> None:
    async def scenario() -> None:
        async with mock_server(dialect, seed=1, script=SHORT) as server, connect(
                server, dialect) as wire:
            await wire.opening()
            await wire.append_audio(turn_audio())
            turn = await wire.until_type(USER_ITEM[dialect][-1])
            item_id = check_vad_turn(turn, dialect)
            # Nothing but a full response follows (the default session has audio output).
            response = await wire.response()
            assert shape(response, dialect) == AUDIO_RESPONSE[dialect]
            check_one_response(response)
            assert response[2]["previous_item_id"] == item_id
            assert first(response, "response.done")["response"]["status"] == "completed"

    run(scenario)


@dialects
def test_server_vad_turn_without_create_response(dialect: str) -> None:
    async def scenario() -> None:
        async with mock_server(dialect, seed=1, script=SHORT) as server, connect(
                server, dialect) as wire:
            await wire.opening()
            vad = {"type": "server_vad", "create_response": False}
            if dialect == "ga":
                session = await wire.update_session(
                    {"type": "realtime", "audio": {"input": {"turn_detection": vad}}})
                detection = session["audio"]["input"]["turn_detection"]
            else:
                session = await wire.update_session({"turn_detection": vad})
                detection = session["turn_detection"]
            assert detection["create_response"] is False
            assert detection["prefix_padding_ms"] == PREFIX_PADDING_MS

            await wire.append_audio(turn_audio())
            turn = await wire.until_type(USER_ITEM[dialect][-1])
            item_id = check_vad_turn(turn, dialect)
            later = await wire.barrier()
            assert later == [], types(later)  # no response started
            assert [getattr(i, "id", None) for i in server.sessions[0].conversation] == [item_id]

    run(scenario)


@dialects
def test_barge_in_cancels_the_response_and_answers_the_new_turn(dialect: str) -> None:
    """Speech during a response cancels it (``turn_detected``); the new turn, once
    committed, gets its own response (create_response is true) (§5 e "Barge-in")."""
    script = Script(rules=[Rule(match="Tell me a story", reply="Once upon a time " * 60)],
                    respond=lambda turn: "Okay.")

    async def scenario() -> None:
        # Real-time pace keeps the first response running while the user speaks.
        async with mock_server(dialect, seed=1, pace="realtime", script=script) as server, connect(
                server, dialect) as wire:
            await wire.opening()
            await wire.update_session({"type": "realtime", "output_modalities": ["text"]}
                                      if dialect == "ga" else {"modalities": ["text"]})
            await wire.add_user_text("Tell me a story")
            await wire.conn.response.create()
            events = await wire.until_type(NAMES[dialect]["text_delta"])
            story = events[0]["response"]["id"]

            await wire.append_audio(turn_audio())  # the whole utterance, as fast as it goes
            user_item = USER_ITEM[dialect][-1]
            while not (any(e["type"] == "response.done" for e in events)
                       and any(e["type"] == user_item and e["item"]["role"] == "user"
                               for e in events[1:])):
                events.append(await wire.recv())
            interrupted = first(events, "response.done")["response"]
            assert interrupted["id"] == story
            assert interrupted["status"] == "cancelled"
            assert interrupted["status_details"] == {"type": "cancelled",
                                                     "reason": "turn_detected"}
            started = first(events, "input_audio_buffer.speech_started")
            assert events.index(started) < events.index(first(events, "response.done"))
            turn = [e for e in events if e["type"].startswith("input_audio_buffer.")
                    or (e["type"] in USER_ITEM[dialect] and e["item"]["role"] == "user")]
            check_vad_turn(turn, dialect)

            # A new response answers the new turn.
            events += await wire.barrier()
            answers = [e for e in every(events, "response.created")
                       if e["response"]["id"] != story]
            assert len(answers) == 1, types(events)
            # One response at a time in the default conversation: after the story's end.
            story_done = first(events, "response.done")
            assert events.index(story_done) < events.index(answers[0]), types(events)
            answer = events[events.index(answers[0]):]
            if not every(answer, "response.done"):
                answer += await wire.until_type("response.done")
            answer.append(await wire.recv())
            assert shape(answer, dialect) == TEXT_RESPONSE[dialect], types(answer)
            check_one_response(answer)
            assert first(answer, "response.done")["response"]["status"] == "completed"
            assert server.sessions[0].active is None

    run(scenario)


# -- 6. manual commit -----------------------------------------------------------------------------


@dialects
def test_manual_commit(dialect: str) -> None:
    async def scenario() -> None:
        async with mock_server(dialect, seed=1) as server, connect(server, dialect) as wire:
            await wire.opening()
            session = await wire.manual_turns()
            if dialect == "ga":
                assert session["audio"]["input"]["turn_detection"] is None
            else:
                assert session["turn_detection"] is None

            speech = synthesize("Hello there").tobytes()  # 715 ms
            await wire.append_audio(speech)
            await wire.conn.input_audio_buffer.commit(event_id="commit-1")
            events = await wire.until_type(USER_ITEM[dialect][-1])
            assert types(events) == MANUAL_COMMIT[dialect]
            committed = events[0]
            assert committed["item_id"].startswith("item_")
            assert committed.get("previous_item_id") is None
            for event in events[1:]:
                assert event["item"]["id"] == committed["item_id"]
                assert event["item"]["content"] == [{"type": "input_audio", "transcript": None}]
            assert await wire.barrier() == []  # a commit does not create a response (§2.2)

            # Under 100 ms buffered: refused, linked to the commit's event_id.
            await wire.append_audio(speech[: 50 * BYTES_PER_MS])
            await wire.conn.input_audio_buffer.commit(event_id="commit-2")
            [error] = await wire.until_error("commit-2")
            check_error(error, event_id="commit-2", code="input_audio_buffer_commit_empty")
            assert len(server.sessions[0].conversation) == 1

            # Nothing buffered at all after a clear: refused too.
            await wire.conn.input_audio_buffer.clear()
            assert types(await wire.until_type("input_audio_buffer.cleared")) == [
                "input_audio_buffer.cleared"]
            await wire.conn.input_audio_buffer.commit(event_id="commit-3")
            [error] = await wire.until_error("commit-3")
            check_error(error, event_id="commit-3", code="input_audio_buffer_commit_empty")

    run(scenario)


# -- 7. function call -----------------------------------------------------------------------------


@dialects
def test_function_call_round_trip(dialect: str) -> None:
    async def scenario() -> None:
        async with mock_server(dialect, seed=1) as server, connect(server, dialect) as wire:
            await wire.opening()
            patch: JSON = {"tools": [WEATHER_TOOL]}
            if dialect == "ga":
                patch["type"] = "realtime"
            session = await wire.update_session(patch)
            assert session["tools"] == [WEATHER_TOOL]
            await wire.add_user_text("What's the weather in Paris?")
            await wire.conn.response.create(response=text_only(dialect))
            events = await wire.response()
            assert shape(events, dialect) == FUNCTION_CALL_RESPONSE[dialect]
            check_one_response(events)

            added = first(events, "response.output_item.added")["item"]
            assert added["type"] == "function_call" and added["status"] == "in_progress"
            assert added["name"] == "get_weather" and added["arguments"] == ""
            call_id = added["call_id"]
            deltas = every(events, "response.function_call_arguments.delta")
            done = first(events, "response.function_call_arguments.done")
            for event in [*deltas, done]:
                assert event["call_id"] == call_id and event["item_id"] == added["id"]
            arguments = done["arguments"]
            assert "".join(e["delta"] for e in deltas) == arguments
            parsed = json.loads(arguments)
            assert isinstance(parsed, dict)
            assert set(WEATHER_TOOL["parameters"]["required"]) <= set(parsed)
            assert parsed["city"] == "Paris"
            assert parsed["unit"] in ("celsius", "fahrenheit")
            if dialect == "ga":
                assert done["name"] == "get_weather"
            else:
                assert "name" not in done
            item = first(events, "response.output_item.done")["item"]
            assert item["type"] == "function_call" and item["status"] == "completed"
            assert (item["call_id"], item["name"], item["arguments"]) == (
                call_id, "get_weather", arguments)
            response = first(events, "response.done")["response"]
            assert response["status"] == "completed" and response["output"] == [item]
            check_usage(response["usage"], dialect)

            # The output does not trigger a response by itself (§5 f).
            output = {"type": "function_call_output", "call_id": call_id,
                      "output": json.dumps({"temperature_c": 21})}
            await wire.conn.conversation.item.create(item=output)
            events = await wire.until_type(USER_ITEM[dialect][-1])
            assert types(events) == USER_ITEM[dialect]
            assert events[0]["item"]["call_id"] == call_id
            assert events[0]["previous_item_id"] == item["id"]
            assert await wire.barrier() == []

            await wire.conn.response.create(response=text_only(dialect))
            events = await wire.response()
            assert shape(events, dialect) == TEXT_RESPONSE[dialect]
            text = first(events, NAMES[dialect]["text_done"])["text"]
            assert "get_weather" in text and "21" in text
            assert len(server.sessions[0].conversation) == 4

    run(scenario)


# -- 8. truncate ----------------------------------------------------------------------------------

TRUNCATE_TOO_LONG = re.compile(r"^Audio content of (\d+)ms is already shorter than (\d+)ms$")


@dialects
def test_truncate(dialect: str) -> None:
    async def scenario() -> None:
        async with mock_server(dialect, seed=1) as server, connect(server, dialect) as wire:
            await wire.opening()
            user_id = (await wire.add_user_text("Hello there"))[0]["item"]["id"]
            await wire.conn.response.create(response=with_audio(dialect))
            events = await wire.response()
            assert shape(events, dialect) == AUDIO_RESPONSE[dialect]
            item_id = assistant_item_id(events)
            names = NAMES[dialect]
            pcm = b"".join(base64.b64decode(e["delta"])
                           for e in every(events, names["audio_delta"]))
            audio_ms = len(pcm) // BYTES_PER_MS
            assert audio_ms > 300

            # Past the end of the audio: refused, and the message names both lengths.
            too_long = audio_ms + 1000
            await wire.conn.conversation.item.truncate(
                item_id=item_id, content_index=0, audio_end_ms=too_long, event_id="trunc-long")
            [error] = await wire.until_error("trunc-long")
            info = check_error(error, event_id="trunc-long")
            match = TRUNCATE_TOO_LONG.match(info["message"])
            assert match, info["message"]
            assert abs(int(match.group(1)) - audio_ms) <= 1
            assert int(match.group(2)) == too_long

            # A user item: refused.
            await wire.conn.conversation.item.truncate(
                item_id=user_id, content_index=0, audio_end_ms=100, event_id="trunc-user")
            [error] = await wire.until_error("trunc-user")
            info = check_error(error, event_id="trunc-user", code="unsupported_content_type")
            assert info["message"] == "Only model output audio messages can be truncated"

            await wire.conn.conversation.item.truncate(
                item_id=item_id, content_index=0, audio_end_ms=300, event_id="trunc-ok")
            [truncated] = await wire.until_type("conversation.item.truncated")
            assert truncated == {"type": "conversation.item.truncated",
                                 "event_id": truncated["event_id"], "item_id": item_id,
                                 "content_index": 0, "audio_end_ms": 300}

            await wire.conn.conversation.item.retrieve(item_id=item_id)
            [retrieved] = await wire.until_type("conversation.item.retrieved")
            item = retrieved["item"]
            assert item["id"] == item_id and item["role"] == "assistant"
            [part] = item["content"]
            assert part["type"] == ("output_audio" if dialect == "ga" else "audio")
            kept = base64.b64decode(part["audio"])
            assert len(kept) == 300 * BYTES_PER_MS
            assert kept == pcm[: 300 * BYTES_PER_MS]
            assert not part.get("transcript")  # the unheard transcript is removed (§5 g)

    run(scenario)


# -- 9. cancel ------------------------------------------------------------------------------------


@dialects
def test_cancel_and_active_response_errors(dialect: str) -> None:
    async def scenario() -> None:
        # Real-time pace keeps the response running while the client acts on it.
        async with mock_server(dialect, seed=1, pace="realtime", script=SHORT) as server, connect(
                server, dialect) as wire:
            events = await wire.start_text_response()

            # Only one response may write to the default conversation (§5 i).
            await wire.conn.response.create(response=text_only(dialect), event_id="create-2")
            events += await wire.until_error("create-2")
            response_id = first(events, "response.created")["response"]["id"]
            error = check_error(events[-1], event_id="create-2",
                                code="conversation_already_has_active_response")
            assert response_id in error["message"]

            await wire.conn.response.cancel(event_id="cancel-1")
            events += await wire.response()
            errors = every(events, "error")
            assert len(errors) == 1
            assert not [e for e in events if e["type"] == "error"
                        and e["error"].get("event_id") == "cancel-1"]
            # Open parts are closed with their .done events (§5 h); deltas may or may not
            # have been sent before the cancel arrived, so they are left out here.
            names = NAMES[dialect]
            flow = [t for t in shape(events, dialect) if t not in ("error", names["text_delta"])]
            item_added = "conversation.item.added" if dialect == "ga" else (
                "conversation.item.created")
            expected = ["response.created", "response.output_item.added", item_added,
                        "response.content_part.added", names["text_done"],
                        "response.content_part.done",
                        *(["conversation.item.done"] if dialect == "ga" else []),
                        "response.output_item.done", "response.done", "rate_limits.updated"]
            # Whether the content part was opened before the cancel landed is a race.
            unopened = [t for t in expected if t not in (
                "response.content_part.added", names["text_done"], "response.content_part.done")]
            assert flow in (expected, unopened), flow
            check_one_response([e for e in events if e["type"] != "error"])
            done = first(events, "response.done")["response"]
            assert done["status"] == "cancelled"
            assert done["status_details"] == {"type": "cancelled", "reason": "client_cancelled"}

            # Nothing to cancel any more (§2.2).
            await wire.conn.response.cancel(event_id="cancel-2")
            [error] = await wire.until_error("cancel-2")
            check_error(error, event_id="cancel-2", code="response_cancel_not_active")
            assert server.sessions[0].active is None

    run(scenario)


# -- 10. delete / retrieve / insert position ------------------------------------------------------


@dialects
def test_retrieve_delete_and_item_positions(dialect: str) -> None:
    async def scenario() -> None:
        async with mock_server(dialect, seed=1) as server, connect(server, dialect) as wire:
            await wire.opening()
            conversation = server.sessions[0].conversation

            def order() -> list[str]:
                return [str(getattr(item, "id", "")) for item in conversation]

            first_item = (await wire.add_user_text("First"))[0]["item"]
            await wire.conn.conversation.item.retrieve(item_id=first_item["id"])
            [retrieved] = await wire.until_type("conversation.item.retrieved")
            assert retrieved["item"] == first_item

            second_item = (await wire.add_user_text("Second"))[0]
            assert second_item["previous_item_id"] == first_item["id"]

            await wire.conn.conversation.item.delete(item_id=first_item["id"])
            [deleted] = await wire.until_type("conversation.item.deleted")
            assert deleted["item_id"] == first_item["id"]
            assert order() == [second_item["item"]["id"]]

            # Unknown ids: an error linked to the client event, nothing else.
            await wire.conn.conversation.item.retrieve(item_id=first_item["id"],
                                                       event_id="retrieve-gone")
            [error] = await wire.until_error("retrieve-gone")
            check_error(error, event_id="retrieve-gone")
            await wire.conn.conversation.item.delete(item_id="item_nope", event_id="delete-nope")
            [error] = await wire.until_error("delete-nope")
            check_error(error, event_id="delete-nope")

            # previous_item_id "root" inserts at the beginning.
            events = await wire.add_user_text("Zeroth", previous_item_id="root")
            zeroth = events[0]["item"]["id"]
            assert all(e.get("previous_item_id") is None for e in events)
            assert order() == [zeroth, second_item["item"]["id"]]

            # An unknown previous_item_id: error, and nothing added.
            item = {"type": "message", "role": "user",
                    "content": [{"type": "input_text", "text": "Lost"}]}
            await wire.conn.conversation.item.create(item=item, previous_item_id="item_nope",
                                                     event_id="create-lost")
            [error] = await wire.until_error("create-lost")
            check_error(error, event_id="create-lost")
            assert await wire.barrier() == []
            assert order() == [zeroth, second_item["item"]["id"]]

    run(scenario)


# -- 11. out-of-band response ---------------------------------------------------------------------


@dialects
def test_out_of_band_response(dialect: str) -> None:
    async def scenario() -> None:
        async with mock_server(dialect, seed=1) as server, connect(server, dialect) as wire:
            await wire.opening()
            await wire.add_user_text("Hello there")
            conversation = server.sessions[0].conversation
            before = [(getattr(i, "id", None), i) for i in conversation]

            params: Any = {
                **text_only(dialect),
                "conversation": "none",
                "metadata": {"purpose": "summary"},
                "input": [{"type": "message", "role": "user",
                           "content": [{"type": "input_text", "text": "Summarize please"}]}],
            }
            await wire.conn.response.create(response=params)
            events = await wire.response()
            assert shape(events, dialect) == OUT_OF_BAND_TEXT_RESPONSE[dialect]
            assert not [e for e in events if e["type"].startswith("conversation.item.")]
            check_one_response(events)
            created = first(events, "response.created")["response"]
            done = first(events, "response.done")["response"]
            for response in (created, done):
                assert response["conversation_id"] is None
                assert response["metadata"] == {"purpose": "summary"}
            assert done["status"] == "completed"
            # The reply answers the response's own input, not the conversation.
            text = first(events, NAMES[dialect]["text_done"])["text"]
            assert "Summarize please" in text and "Hello there" not in text
            check_usage(done["usage"], dialect)

            assert [(getattr(i, "id", None), i) for i in conversation] == before

    run(scenario)


@dialects
def test_out_of_band_response_runs_alongside_an_active_one(dialect: str) -> None:
    """Only in-band responses are exclusive; an out-of-band one may run in parallel (§2.4)."""

    async def scenario() -> None:
        async with mock_server(dialect, seed=1, pace="realtime", script=SHORT) as server, connect(
                server, dialect) as wire:
            events = await wire.start_text_response()
            in_band = events[0]["response"]["id"]
            params: Any = {**text_only(dialect), "conversation": "none",
                           "metadata": {"lane": "side"}, "input": []}
            await wire.conn.response.create(response=params, event_id="side")
            events += await wire.until(lambda e: e["type"] == "response.created"
                                       and e["response"]["id"] != in_band)
            await wire.conn.response.cancel()  # the in-band one: ends the test sooner
            while len(every(events, "response.done")) < 2:
                events.append(await wire.recv())
            events.append(await wire.recv())
            assert every(events, "error") == []
            side = every(events, "response.created")[1]["response"]["id"]
            by_response: dict[str, list[JSON]] = {in_band: [], side: []}
            for event in events:
                owner = event.get("response_id") or event.get("response", {}).get("id")
                if owner is None and event["type"].startswith("conversation.item."):
                    owner = in_band  # only the in-band response writes to the conversation
                if owner is not None:
                    by_response[owner].append(event)
            side_events = by_response[side]
            assert shape(side_events, dialect) == OUT_OF_BAND_TEXT_RESPONSE[dialect][:-1]
            check_one_response(side_events)
            side_done = first(side_events, "response.done")["response"]
            assert side_done["status"] == "completed"
            assert side_done["metadata"] == {"lane": "side"}
            in_band_done = first(by_response[in_band], "response.done")["response"]
            assert in_band_done["status"] == "cancelled"
            assert len(server.sessions[0].conversation) == 2

    run(scenario)


# -- 12. Azure preview path -----------------------------------------------------------------------


def test_azure_preview_path() -> None:
    lines: list[str] = []

    async def scenario() -> None:
        async with MockServer(seed=1, on_connect=lines.append) as server:
            port = port_of(server)
            client = AsyncAzureOpenAI(
                api_key="azure-key", azure_endpoint=f"http://127.0.0.1:{port}",
                api_version="2025-04-01-preview",
                websocket_base_url=f"ws://127.0.0.1:{port}/openai")
            async with client.realtime.connect(model="my-deploy") as conn:
                wire = Wire(conn, "ga")
                created, _ = await wire.opening()
                assert created["session"]["model"] == "my-deploy"
                await wire.add_user_text("Hello there")
                await conn.response.create(response=text_only("ga"))
                events = await wire.response()
                assert shape(events, "ga") == TEXT_RESPONSE["ga"]
            await client.close()

    run(scenario)
    assert len(lines) == 1 and "model=my-deploy" in lines[0]


def test_transcription_session_transcribes_and_never_answers() -> None:
    """GA ``?intent=transcription``: turns are committed and transcribed, no response runs."""

    async def scenario() -> None:
        script = Script(transcripts=["please book a table"])
        async with MockServer(seed=1, script=script) as server, connect(
                server, "ga", extra_query={"intent": "transcription"}) as wire:
            created, _ = await wire.opening()
            session = created["session"]
            assert session["type"] == "transcription"
            assert session["audio"]["input"]["transcription"] is None  # no model until set
            updated = await wire.update_session({"type": "transcription", "audio": {"input": {
                "transcription": {"model": "whisper-1", "language": "en"}}}})
            assert updated["audio"]["input"]["transcription"] == {"model": "whisper-1",
                                                                  "language": "en"}
            assert updated["audio"]["input"]["turn_detection"]["type"] == "server_vad"

            await wire.append_audio(turn_audio())
            events = await wire.until_type(
                "conversation.item.input_audio_transcription.completed")
            kinds = types(events)
            assert kinds[:5] == ["input_audio_buffer.speech_started",
                                 "input_audio_buffer.speech_stopped",
                                 "input_audio_buffer.committed", "conversation.item.added",
                                 "conversation.item.done"]
            completed = events[-1]
            assert completed["transcript"] == "please book a table"
            assert completed["usage"]["type"] == "duration"  # whisper-1 bills by time
            assert await wire.barrier() == []  # no response.created: it never answers

            await wire.conn.response.create(event_id="no_responses")
            error = (await wire.until_error("no_responses"))[-1]["error"]
            assert "transcription session" in error["message"]
            await wire.conn.session.update(session={"type": "realtime"}, event_id="no_switch")
            error = (await wire.until_error("no_switch"))[-1]["error"]
            assert error["param"] == "session.type"

    run(scenario)


def test_azure_ga_path() -> None:
    # The Azure GA endpoint is plain OpenAI with base_url ".../openai/v1" (protocol.md §1.1).
    lines: list[str] = []

    async def scenario() -> None:
        async with MockServer(seed=1, on_connect=lines.append) as server:
            client = AsyncOpenAI(api_key="azure-key",
                                 base_url=f"http://127.0.0.1:{port_of(server)}/openai/v1")
            async with client.realtime.connect(model="my-ga-deploy") as conn:
                wire = Wire(conn, "ga")
                created, _ = await wire.opening()
                assert created["session"]["model"] == "my-ga-deploy"
            await client.close()

    run(scenario)
    assert len(lines) == 1 and "model=my-ga-deploy" in lines[0]


# -- 13. require_key ------------------------------------------------------------------------------

RIGHT_KEY = "sk-right-key-4f1c9a"
WRONG_KEY = "sk-WRONG-key-7d2e0b-secret"


@dialects
def test_require_key_accepts_the_right_key(dialect: str) -> None:
    async def scenario() -> None:
        async with mock_server(dialect, seed=1, require_key=RIGHT_KEY,
                               on_connect=lambda line: None) as server, connect(
                server, dialect, api_key=RIGHT_KEY) as wire:
            await wire.opening()
            await wire.add_user_text("Hello there")

    run(scenario)


@dialects
def test_require_key_refuses_a_wrong_key(dialect: str) -> None:
    lines: list[str] = []
    sent: list[bytes] = []

    async def scenario() -> None:
        async with mock_server(dialect, seed=1, require_key=RIGHT_KEY, on_connect=lines.append) as (
                server), connect(server, dialect, api_key=WRONG_KEY) as wire:
            handshake = wire.conn._connection.response  # the server's HTTP 101 answer
            sent.append(str(handshake.headers).encode() + bytes(handshake.body or b""))
            error = await wire.recv()
            check_error(error, event_id=None, code="invalid_api_key")
            with pytest.raises(ConnectionClosed) as closed:
                await wire.recv()
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 3000
            sent.append(closed.value.rcvd.reason.encode())
            sent.extend(wire.frames)
            assert server.sessions == []

    run(scenario)
    assert len(lines) == 1
    everything = b"\n".join(sent) + "\n".join(lines).encode()
    assert WRONG_KEY.encode() not in everything
    assert RIGHT_KEY.encode() not in everything


# -- the validator itself -------------------------------------------------------------------------


def test_check_event_rejects_unknown_keys() -> None:
    """The per-event check is strict: an extra key anywhere fails it."""
    event = {"type": "input_audio_buffer.cleared", "event_id": "event_1"}
    check_event(event, "ga")
    with pytest.raises(AssertionError):
        check_event({**event, "surprise": 1}, "ga")

