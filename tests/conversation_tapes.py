"""Recorded event sequences from the mock, for the conversation state's tests.

:class:`Recorder` drives a :class:`~realtime_nb.mock.MockSession` without sockets
and keeps every frame both ways as the wire's JSON, in order: a tape as
``connect(record=True)`` would make it, with deterministic ids (a fixed seed)
and client ``event_id``s ``c1``, ``c2``... A response can be streamed in part, to
cut it (cancel, barge-in) mid-way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

import realtime_nb as rt
from realtime_nb.mock import MockSession
from realtime_nb.mock.responses import ResponseRun

JSON = dict[str, Any]

WEATHER_TOOL: JSON = {
    "type": "function", "name": "get_weather", "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                   "required": ["city"]}}


class Recorder:
    """Client events in, every frame both ways kept (``frames``: ``(direction, json)``)."""

    def __init__(self, dialect: rt.Dialect = "ga", *, seed: int = 7, **options: Any) -> None:
        self.dialect: rt.Dialect = dialect
        self.mock = MockSession(dialect=dialect, seed=seed, now=lambda: 1_900_000_000.0,
                                **options)
        self.frames: list[tuple[str, str]] = []
        self._sent = 0
        for event in self.mock.opening():
            self._server(event)

    def _server(self, event: Any) -> None:
        self.frames.append(("server", event.to_json(self.dialect)))

    def send(self, event: rt.ClientEvent | JSON, *, stream: bool = True) -> list[ResponseRun]:
        """Send one client event; stream the responses it starts unless ``stream=False``
        (then stream them with :meth:`stream`). Returns the responses started."""
        self._sent += 1
        if isinstance(event, dict):
            event = rt.parse_client_event({**event, "event_id": f"c{self._sent}"}, "ga")
        elif event.event_id is None:
            event = event.with_event_id(f"c{self._sent}")
        text = event.to_json(self.dialect)
        self.frames.append(("client", text))
        step = self.mock.receive(text)
        for reply in step.events:
            self._server(reply)
        if stream:
            # Responses, and the input transcriptions that run beside them (newer mocks).
            for started in getattr(step, "streams", step.runs):
                self.stream(started)
        return step.runs

    def stream(self, run: Any, count: int | None = None,
               events: Iterator[Any] | None = None) -> Iterator[Any]:
        """Record ``count`` more events of ``run`` (a response, or any timed stream; all
        when ``None``); returns the iterator, to go on with (pass it back as ``events``)."""
        events = events if events is not None else run.events()
        for taken, emit in enumerate(events, 1):
            self._server(emit.event)
            if count is not None and taken >= count:
                break
        return events

    def stream_until(self, run: Any, kind: str) -> Iterator[Any]:
        """Record ``run``'s events up to the first of GA ``type`` ``kind``; returns the
        iterator, to go on with."""
        events = run.events()
        for emit in events:
            self._server(emit.event)
            if emit.event.type == kind:
                break
        return events

    def turn(self, text: str, **response: Any) -> None:
        """A user text message, then a response."""
        self.send(rt.create_item(rt.user_text(text)))
        self.send(rt.create_response(**response))

    # -- reading the recording --------------------------------------------------------------

    @property
    def server(self) -> list[str]:
        """The server frames, in order."""
        return [text for direction, text in self.frames if direction == "server"]

    def server_events(self) -> list[Any]:
        """The server frames parsed (GA-typed, whatever the dialect)."""
        return [rt.parse_server_event(text, self.dialect) for text in self.server]

    def of_type(self, kind: str) -> list[JSON]:
        """The server events of a GA ``type``, as plain values (GA names)."""
        return [msgspec.to_builtins(event) for event in self.server_events()
                if event.type == kind]

    def tape(self) -> rt.Tape:
        """The recording as a :class:`~realtime_nb.Tape` (a millisecond between frames)."""
        tape = rt.Tape("mock (MockSession)", self.dialect)
        for index, (direction, text) in enumerate(self.frames):
            tape.add(direction, text, at=index / 1000)  # type: ignore[arg-type]
        return tape

    def conversation(self, **options: Any) -> rt.Conversation:
        """The recording replayed into a :class:`~realtime_nb.Conversation`."""
        return rt.Conversation.from_tape(self.tape(), **options)


def snapshot(conversation: rt.Conversation, *, audio: bool = True) -> list[JSON]:
    """What the conversation shows of its items, comparable across replays."""
    rows = []
    for item in conversation.items:
        row: JSON = {"id": item.id, "type": item.type, "role": item.role,
                     "status": item.status, "text": item.text,
                     "transcript": item.transcript, "call_id": item.call_id,
                     "name": item.name, "arguments": item.arguments, "output": item.output,
                     "truncated": item.truncated}
        if audio:
            row["audio_ms"] = item.audio_ms
        rows.append(row)
    return rows


def responses(conversation: rt.Conversation) -> list[tuple[str, str | None, bool, list[str]]]:
    """Each response's id, status, out-of-band flag and output item ids."""
    return [(r.id, r.status, r.out_of_band, r.output) for r in conversation.responses]


def set_tools(recorder: Recorder, *tools: JSON) -> None:
    """Give the mock session function tools."""
    recorder.send(rt.session_update({"tools": list(tools)}))
