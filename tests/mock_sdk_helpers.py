"""Driving the mock server with the official ``openai`` SDK, checking every raw event.

Used by :mod:`tests.test_mock_sdk`. A :class:`Wire` wraps one SDK connection: every
frame it receives is decoded from the raw bytes (``recv_bytes``), validated exactly
against the SDK server-event union of the connection's dialect, and kept, so a test
can compare the sequence of event types with protocol.md §5.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from openai import AsyncOpenAI
from openai.types.beta.realtime.realtime_server_event import (
    RealtimeServerEvent as BetaServerEvent,
)
from openai.types.realtime.realtime_server_event import RealtimeServerEvent as GaServerEvent

from realtime_nb.mock import MockServer

from .sdk import SdkUnions

JSON = dict[str, Any]

SDK = SdkUnions({"ga": GaServerEvent, "beta": BetaServerEvent})

DIALECTS = ("ga", "beta")

RECV_TIMEOUT_S = 10.0
"""Generous: only a hung mock hits it (a failure, not a timing assertion)."""

TEST_TIMEOUT_S = 30.0

# Keys the server puts on the session object of session.created/updated that the SDK
# model used by those events does not declare (protocol.md §3.1 "Extra fields seen on
# the wire", §4.1.1 "server-only"; beta: §4.1.2 "A real beta session.created also
# carried object, expires_at" -- the beta SDK ``Session`` declares ``id`` but not these).
SESSION_SERVER_KEYS: dict[str, tuple[str, ...]] = {
    "ga": ("id", "object", "expires_at"),
    "beta": ("object", "expires_at"),
}


def check_session_object(session: JSON) -> None:
    """The server-only session keys are present and well-formed."""
    assert isinstance(session.get("id"), str) and session["id"].startswith("sess_"), session
    expected = ("realtime.transcription_session" if session.get("type") == "transcription"
                else "realtime.session")
    assert session.get("object") == expected, session
    expires_at = session.get("expires_at")
    assert isinstance(expires_at, int) and not isinstance(expires_at, bool), session
    assert expires_at > 1_600_000_000, expires_at


# Deltas the GA service pads with an ``obfuscation`` string that no SDK model declares
# (protocol.md §5 (c) [llmgw], §3.1 "Extra fields seen on the wire"); beta never had it.
PADDED_DELTAS = frozenset({
    "response.output_text.delta",
    "response.output_audio_transcript.delta",
    "conversation.item.input_audio_transcription.delta",
})


def check_obfuscation(event: JSON, dialect: str) -> None:
    """A GA text delta carries a padding string of letters and digits; a beta one none."""
    if dialect == "ga" and event.get("type") in PADDED_DELTAS:
        padding = event.get("obfuscation")
        assert isinstance(padding, str) and (padding.isalnum() or padding == ""), event
        assert len(padding) <= 16, event
    else:
        assert "obfuscation" not in event, event


def check_event(event: JSON, dialect: str) -> None:
    """Validate one raw server event exactly against the SDK union of ``dialect``."""
    assert isinstance(event.get("event_id"), str) and event["event_id"].startswith("event_"), (
        event)
    data = event
    if event.get("type") in ("session.created", "session.updated"):
        check_session_object(event["session"])
        data = copy.deepcopy(event)
        for key in SESSION_SERVER_KEYS[dialect]:
            del data["session"][key]
    check_obfuscation(event, dialect)
    if "obfuscation" in event:
        data = {key: value for key, value in data.items() if key != "obfuscation"}
    SDK.validate(data, dialect)


def run(coro_fn: Callable[[], Awaitable[None]]) -> None:
    """Run one async scenario on a fresh event loop, with an overall guard."""

    async def guarded() -> None:
        await asyncio.wait_for(coro_fn(), TEST_TIMEOUT_S)

    asyncio.run(guarded())


def mock_server(dialect: str, **options: Any) -> MockServer:
    """A mock that serves ``dialect``: beta only with ``legacy_beta``, since by default the
    mock refuses a beta handshake as the service does (``beta_api_shape_disabled``)."""
    return MockServer(legacy_beta=dialect == "beta", **options)


def port_of(server: MockServer) -> int:
    port = urlsplit(server.url).port
    assert port is not None
    return port


def client_for(server: MockServer, dialect: str, api_key: str = "sk-test") -> AsyncOpenAI:
    """An SDK client for the mock (protocol.md §1.3: GA works from ``base_url`` alone;
    beta needs ``websocket_base_url`` because it forces ``wss`` otherwise)."""
    port = port_of(server)
    base_url = f"http://127.0.0.1:{port}/v1"
    if dialect == "ga":
        return AsyncOpenAI(api_key=api_key, base_url=base_url)
    return AsyncOpenAI(api_key=api_key, base_url=base_url,
                       websocket_base_url=f"ws://127.0.0.1:{port}/v1")


class Wire:
    """One SDK connection; every server event received is validated and recorded."""

    def __init__(self, conn: Any, dialect: str) -> None:
        self.conn = conn
        self.dialect = dialect
        self.events: list[JSON] = []
        self.frames: list[bytes] = []
        self._event_ids: set[str] = set()
        self._barriers = 0

    async def recv(self) -> JSON:
        raw = await asyncio.wait_for(self.conn.recv_bytes(), RECV_TIMEOUT_S)
        self.frames.append(raw)
        event = json.loads(raw)
        assert isinstance(event, dict)
        check_event(event, self.dialect)
        assert event["event_id"] not in self._event_ids, f"event_id reused: {event['event_id']}"
        self._event_ids.add(event["event_id"])
        self.events.append(event)
        return event

    async def until(self, predicate: Callable[[JSON], bool]) -> list[JSON]:
        """Events up to and including the first one ``predicate`` accepts."""
        got: list[JSON] = []
        while True:
            event = await self.recv()
            got.append(event)
            if predicate(event):
                return got

    async def until_type(self, event_type: str) -> list[JSON]:
        return await self.until(lambda e: e["type"] == event_type)

    async def until_error(self, event_id: str) -> list[JSON]:
        """Events up to and including the ``error`` linked to client event ``event_id``."""
        return await self.until(
            lambda e: e["type"] == "error" and e["error"].get("event_id") == event_id)

    async def opening(self) -> tuple[JSON, JSON | None]:
        """``session.created``, and beta's ``conversation.created`` (a GA session opens
        with ``session.created`` alone, protocol.md §5 (a))."""
        first = await self.recv()
        assert first["type"] == "session.created", first
        if self.dialect == "ga":
            return first, None
        second = await self.recv()
        assert second["type"] == "conversation.created", second
        return first, second

    async def response(self) -> list[JSON]:
        """Events up to ``response.done`` and the one event after it (``rate_limits.updated``)."""
        events = await self.until_type("response.done")
        events.append(await self.recv())
        return events

    async def barrier(self) -> list[JSON]:
        """Events sent before the server answered two sequential probe requests.

        A probe is a retrieve of an unknown item, which only produces a linked error
        and changes nothing (protocol.md §5 i). Waiting for one reply before sending the
        second makes the server go idle in between, so anything it had already decided
        to send (a response it started, say) is sent before the second reply.
        """
        got: list[JSON] = []
        for _ in range(2):
            self._barriers += 1
            tag = f"barrier-{self._barriers}"
            await self.conn.conversation.item.retrieve(item_id="item_probe_unknown",
                                                       event_id=tag)
            events = await self.until_error(tag)
            assert events[-1]["error"]["type"] == "invalid_request_error"
            got.extend(events[:-1])
        return got

    async def update_session(self, session: JSON) -> JSON:
        await self.conn.session.update(session=session)
        events = await self.until_type("session.updated")
        assert [e["type"] for e in events] == ["session.updated"], events
        updated: JSON = events[-1]["session"]
        return updated

    async def manual_turns(self) -> JSON:
        """Turn server VAD off (``turn_detection: null``)."""
        if self.dialect == "ga":
            return await self.update_session(
                {"type": "realtime", "audio": {"input": {"turn_detection": None}}})
        return await self.update_session({"turn_detection": None})

    async def add_user_text(self, text: str, **kwargs: Any) -> list[JSON]:
        """Create a user text message; returns its item events."""
        item = {"type": "message", "role": "user",
                "content": [{"type": "input_text", "text": text}]}
        await self.conn.conversation.item.create(item=item, **kwargs)
        last = "conversation.item.done" if self.dialect == "ga" else "conversation.item.created"
        events = await self.until_type(last)
        assert types(events) == USER_ITEM[self.dialect], types(events)
        return events

    async def start_text_response(self) -> list[JSON]:
        """Open the session with manual turns, ask for a text reply, and return the
        events up to its ``response.created`` (the response is then still running)."""
        await self.opening()
        await self.manual_turns()
        await self.add_user_text("Hello there")
        await self.conn.response.create(response=text_only(self.dialect))
        return await self.until_type("response.created")

    async def append_audio(self, pcm: bytes, chunk_bytes: int = 4800) -> None:
        for start in range(0, len(pcm), chunk_bytes):
            piece = pcm[start:start + chunk_bytes]
            await self.conn.input_audio_buffer.append(audio=base64.b64encode(piece).decode())


@contextlib.asynccontextmanager
async def connect(server: MockServer, dialect: str, model: str = "gpt-realtime",
                  api_key: str = "sk-test", **options: Any) -> AsyncIterator[Wire]:
    client = client_for(server, dialect, api_key)
    realtime: Any = client.realtime if dialect == "ga" else client.beta.realtime
    async with realtime.connect(model=model, **options) as conn:
        yield Wire(conn, dialect)
    await client.close()


# -- response parameters per dialect ----------------------------------------------------------


def text_only(dialect: str) -> Any:
    return {"output_modalities": ["text"]} if dialect == "ga" else {"modalities": ["text"]}


def with_audio(dialect: str) -> Any:
    """Audio output (beta: ``["text", "audio"]``; "To disable audio, set this to ["text"]")."""
    return {"output_modalities": ["audio"]} if dialect == "ga" else {
        "modalities": ["text", "audio"]}


# -- event names per dialect (protocol.md §3.3) -------------------------------------------------

NAMES: dict[str, dict[str, str]] = {
    "ga": {
        "text_delta": "response.output_text.delta",
        "text_done": "response.output_text.done",
        "audio_delta": "response.output_audio.delta",
        "audio_done": "response.output_audio.done",
        "transcript_delta": "response.output_audio_transcript.delta",
        "transcript_done": "response.output_audio_transcript.done",
    },
    "beta": {
        "text_delta": "response.text.delta",
        "text_done": "response.text.done",
        "audio_delta": "response.audio.delta",
        "audio_done": "response.audio.done",
        "transcript_delta": "response.audio_transcript.delta",
        "transcript_done": "response.audio_transcript.done",
    },
}

AUDIO_BLOCK = "<audio and transcript deltas and .done, any interleaving>"

# -- expected sequences (protocol.md §5), written out per dialect ---------------------------------

USER_ITEM: dict[str, list[str]] = {
    "ga": ["conversation.item.added", "conversation.item.done"],
    "beta": ["conversation.item.created"],
}

TEXT_RESPONSE: dict[str, list[str]] = {  # §5 (c)
    "ga": [
        "response.created",
        "response.output_item.added",
        "conversation.item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "conversation.item.done",  # before output_item.done, as live [llmgw]
        "response.output_item.done",
        "response.done",
        "rate_limits.updated",
    ],
    "beta": [
        "response.created",
        "response.output_item.added",
        "conversation.item.created",
        "response.content_part.added",
        "response.text.delta",
        "response.text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.done",
        "rate_limits.updated",
    ],
}

AUDIO_RESPONSE: dict[str, list[str]] = {  # §5 (d)
    "ga": [
        "response.created",
        "response.output_item.added",
        "conversation.item.added",
        "response.content_part.added",
        AUDIO_BLOCK,
        "response.content_part.done",
        "conversation.item.done",
        "response.output_item.done",
        "response.done",
        "rate_limits.updated",
    ],
    "beta": [
        "response.created",
        "response.output_item.added",
        "conversation.item.created",
        "response.content_part.added",
        AUDIO_BLOCK,
        "response.content_part.done",
        "response.output_item.done",
        "response.done",
        "rate_limits.updated",
    ],
}

FUNCTION_CALL_RESPONSE: dict[str, list[str]] = {  # §5 (f)
    "ga": [
        "response.created",
        "response.output_item.added",
        "conversation.item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "conversation.item.done",
        "response.output_item.done",
        "response.done",
        "rate_limits.updated",
    ],
    "beta": [
        "response.created",
        "response.output_item.added",
        "conversation.item.created",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.done",
        "rate_limits.updated",
    ],
}

OUT_OF_BAND_TEXT_RESPONSE: dict[str, list[str]] = {  # §2.4: nothing written to the conversation
    "ga": [
        "response.created",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.done",
        "rate_limits.updated",
    ],
    "beta": [
        "response.created",
        "response.output_item.added",
        "response.content_part.added",
        "response.text.delta",
        "response.text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.done",
        "rate_limits.updated",
    ],
}

VAD_TURN: dict[str, list[str]] = {  # §5 (e)
    "ga": [
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
        "conversation.item.added",
        "conversation.item.done",
    ],
    "beta": [
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
        "conversation.item.created",
    ],
}

MANUAL_COMMIT: dict[str, list[str]] = {  # §5 (e) manual mode
    "ga": ["input_audio_buffer.committed", "conversation.item.added", "conversation.item.done"],
    "beta": ["input_audio_buffer.committed", "conversation.item.created"],
}


def types(events: Sequence[JSON]) -> list[str]:
    return [e["type"] for e in events]


def shape(events: Sequence[JSON], dialect: str) -> list[str]:
    """Event types with runs of the same ``*.delta`` collapsed to one, and the audio part
    of an audio response (audio and transcript deltas and their two ``.done`` events, whose
    interleaving and relative order are undocumented) checked and replaced by
    :data:`AUDIO_BLOCK`."""
    names = NAMES[dialect]
    audio_kinds = {names["audio_delta"], names["transcript_delta"], names["audio_done"],
                   names["transcript_done"]}
    out: list[str] = []
    block: list[str] = []

    def flush() -> None:
        if block:
            check_audio_block(block, dialect)
            out.append(AUDIO_BLOCK)
            block.clear()

    for kind in types(events):
        if kind in audio_kinds:
            block.append(kind)
            continue
        flush()
        if kind.endswith(".delta") and out and out[-1] == kind:
            continue
        out.append(kind)
    flush()
    return out


def check_audio_block(block: list[str], dialect: str) -> None:
    names = NAMES[dialect]
    for delta, done in (("audio_delta", "audio_done"), ("transcript_delta", "transcript_done")):
        assert block.count(names[done]) == 1, block
        assert names[delta] in block, f"no {names[delta]} in {block}"
        last_delta = max(i for i, kind in enumerate(block) if kind == names[delta])
        assert last_delta < block.index(names[done]), block


def first(events: Sequence[JSON], event_type: str) -> JSON:
    for event in events:
        if event["type"] == event_type:
            return event
    raise AssertionError(f"no {event_type} in {types(events)}")


def every(events: Sequence[JSON], event_type: str) -> list[JSON]:
    return [e for e in events if e["type"] == event_type]


def check_error(event: JSON, *, event_id: str | None, code: str | None = None) -> JSON:
    """An ``error`` event linked to ``event_id`` (protocol.md §4.5, §5 i)."""
    assert event["type"] == "error", event
    error: JSON = event["error"]
    assert error["type"] == "invalid_request_error", error
    assert isinstance(error["message"], str) and error["message"], error
    assert error.get("event_id") == event_id, error
    if code is not None:
        assert error.get("code") == code, error
    return error


def check_usage(usage: JSON, dialect: str) -> None:
    """``response.done`` usage adds up: total = input + output; input and output are the
    sums of their token details."""
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"], usage
    inp = usage["input_token_details"]
    image = inp.get("image_tokens", 0) if dialect == "ga" else 0
    assert usage["input_tokens"] == inp["text_tokens"] + inp["audio_tokens"] + image, usage
    out = usage["output_token_details"]
    assert usage["output_tokens"] == out["text_tokens"] + out["audio_tokens"], usage
    assert usage["input_tokens"] > 0 and usage["output_tokens"] > 0, usage


def check_one_response(events: Sequence[JSON]) -> str:
    """The events of one single-item response agree with each other: every
    response-scoped event names the response of ``response.created`` and its one output
    item; ``response.created`` starts empty (§4.4); the conversation's copies of the item
    (GA ``added``/``done``, beta ``created``) match the response's."""
    created = first(events, "response.created")["response"]
    response_id = created["id"]
    assert response_id.startswith("resp_"), response_id
    assert created["status"] == "in_progress" and created["output"] == [], created
    assert created["usage"] is None and created["status_details"] is None, created
    added = first(events, "response.output_item.added")["item"]
    assert added["id"].startswith("item_") and added["status"] == "in_progress", added
    item_done = first(events, "response.output_item.done")["item"]
    assert item_done["id"] == added["id"]
    for event in events:
        if "response_id" in event:
            assert event["response_id"] == response_id, event
            assert event["output_index"] == 0, event
        if "item_id" in event and event["type"].startswith("response."):
            assert event["item_id"] == added["id"], event
        if "content_index" in event and event["type"].startswith("response."):
            assert event["content_index"] == 0, event
        if event["type"] in ("conversation.item.added", "conversation.item.created"):
            assert event["item"] == added, (event, added)
        if event["type"] == "conversation.item.done":
            assert event["item"] == item_done, (event, item_done)
    done = first(events, "response.done")["response"]
    assert done["id"] == response_id
    assert done["output"] == [item_done]
    for key in ("conversation_id", "metadata", "max_output_tokens"):
        assert done[key] == created[key], key
    return str(response_id)
