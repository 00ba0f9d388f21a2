"""One response, gathered: its text, transcript, audio, function calls, usage and timings.

:class:`ReplyCollector` is fed every server event after a ``response.create``
and keeps those of that response; :meth:`ReplyCollector.reply` gives the
:class:`Reply` once ``response.done`` has arrived. No I/O: the session feeds it.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from .audio.clip import Audio
from .audio.formats import sample_width
from .wire.base import UNSET, WireModel
from .wire.items import FunctionCall, Message
from .wire.reprs import DEFAULT_AUDIO_FORMAT, describe_audio, short_repr

if TYPE_CHECKING:
    from .state.tools import ToolCall

__all__ = ["Reply", "FunctionCallRequest", "ReplyCollector"]

_TEXT_DELTA = "response.output_text.delta"
_AUDIO_DELTA = "response.output_audio.delta"
_TRANSCRIPT_DELTA = "response.output_audio_transcript.delta"
_DELTAS = (_TEXT_DELTA, _AUDIO_DELTA, _TRANSCRIPT_DELTA, "response.function_call_arguments.delta")


@dataclass(frozen=True)
class FunctionCallRequest:
    """A function call the model asked for.

    Attributes:
        name: the function's name.
        call_id: the id to answer with (``realtime_nb.function_output(call_id, ...)``).
        arguments: the arguments as sent (JSON text).
        item_id: the call's conversation item.
    """

    name: str
    call_id: str
    arguments: str
    item_id: str = ""

    def parsed_arguments(self) -> Any:
        """The arguments decoded from JSON (raises ``ValueError`` if they are not JSON)."""
        return json.loads(self.arguments)

    def __repr__(self) -> str:
        # The dataclass repr, except that kilobytes of arguments are cut short like the
        # wire models' long strings.
        shown = ", ".join(f"{f.name}={short_repr(getattr(self, f.name))}" for f in fields(self)
                          if f.repr)
        return f"{type(self).__qualname__}({shown})"


@dataclass(frozen=True)
class Reply:
    """What one response produced. Timings are milliseconds from the request.

    Attributes:
        response_id: the response's id.
        status: ``completed``, ``cancelled``, ``incomplete`` or ``failed``.
        text: the text output (text modality), joined.
        transcript: the transcript of the audio output.
        audio: the audio output as an :class:`~realtime_nb.Audio` clip (a player in a
            notebook): PCM16 mono at 24 kHz, or at 8 kHz when the output format is
            G.711 (decoded to PCM16, not resampled). ``bytes(reply.audio)`` gives
            the PCM16 bytes; ``reply.audio.duration_ms`` how long it lasts. Empty
            (falsy) for a text reply.
        function_calls: the function calls asked for, in order.
        usage: the token usage reported in ``response.done`` (or ``None``).
        response: the final ``Response`` from ``response.done``.
        created_ms: time to ``response.created``.
        first_delta_ms: time to the first text, audio or arguments delta (``None`` if none).
        done_ms: time to ``response.done``.
        item_id: the assistant message item the response added (its audio is what
            ``conversation.item.truncate`` cuts after an interruption); ``""`` when
            the response added none (only function calls, or nothing).
        events: every event of the response, in order.
        tool_calls: the Python tools (``session.tools``) run on the way to this
            reply, each a :class:`~realtime_nb.ToolCall`: when they ran and the
            loop went on, this is the reply to their outputs.
    """

    response_id: str
    status: str
    text: str
    transcript: str
    audio: Audio
    function_calls: tuple[FunctionCallRequest, ...]
    usage: Any
    response: Any
    created_ms: float
    first_delta_ms: float | None
    done_ms: float
    item_id: str = ""
    events: tuple[Any, ...] = field(repr=False, default=())
    tool_calls: tuple[ToolCall, ...] = ()

    def __repr__(self) -> str:
        words = self.text or self.transcript
        shown = words if len(words) <= 60 else words[:57] + "..."
        parts = [f"status={self.status!r}", f"text={shown!r}"]
        if self.audio:
            audio_format = _output_format(self.response)
            # The size on the wire, as the events' reprs give it: G.711 is one byte a sample.
            wire_size = self.audio.samples.size * sample_width(audio_format)
            size = describe_audio(wire_size, audio_format)
            parts.append(f"audio=<{size}>")
        if self.function_calls:
            parts.append("calls=" + ",".join(c.name for c in self.function_calls))
        if self.tool_calls:
            parts.append("tools_ran=" + ",".join(c.name for c in self.tool_calls))
        total = getattr(self.usage, "total_tokens", UNSET)
        if total is not UNSET and total is not None:
            parts.append(f"tokens={total}")
        parts.append(f"done_ms={self.done_ms:.0f}")
        return f"Reply({', '.join(parts)})"


def _output_format(response: Any) -> str:
    """The ``type`` of the response's output audio format, as ``response.done`` reports it
    (the default, PCM16 24 kHz, when it does not)."""
    output = getattr(getattr(response, "audio", None), "output", None)
    audio_format = getattr(output, "format", None)
    if isinstance(audio_format, WireModel):
        tag = audio_format.__struct_config__.tag
        if isinstance(tag, str):
            return tag
    return DEFAULT_AUDIO_FORMAT


class ReplyCollector:
    """Gathers one response's events.

    Args:
        started: when the request left (any clock; timings are differences).
    """

    def __init__(self, started: float) -> None:
        self.started = started
        self.response_id: str | None = None
        self._events: list[Any] = []
        self._text: list[str] = []
        self._transcript: list[str] = []
        self._audio: list[str] = []
        self._created: float | None = None
        self._first_delta: float | None = None
        self._done: Any = None
        self._done_at: float = 0.0

    @property
    def done(self) -> bool:
        """Whether ``response.done`` for the response has arrived."""
        return self._done is not None

    def start(self, event: Any, at: float) -> None:
        """The ``response.created`` that answered the request: from now on, keep its events."""
        self.response_id = event.response.id
        self._created = at
        self._events.append(event)

    def feed(self, event: Any, at: float) -> bool:
        """Keep ``event`` if it belongs to the response; returns whether the response is done."""
        if self.response_id is None or self._done is not None:
            return self.done
        kind = event.type
        if kind == "response.done":
            if event.response.id != self.response_id:
                return False
            self._events.append(event)
            self._done = event.response
            self._done_at = at
            return True
        if getattr(event, "response_id", None) != self.response_id:
            return False
        self._events.append(event)
        if kind in _DELTAS and self._first_delta is None:
            self._first_delta = at
        if kind == _TEXT_DELTA:
            self._text.append(event.delta)
        elif kind == _TRANSCRIPT_DELTA:
            self._transcript.append(event.delta)
        elif kind == _AUDIO_DELTA:
            self._audio.append(event.delta)
        return False

    def reply(self) -> Reply:
        """The gathered :class:`Reply` (call once :attr:`done`)."""
        if self._done is None or self.response_id is None:
            raise RuntimeError("The response is not done yet.")
        response = self._done
        calls = []
        item_id = ""
        output = response.output if response.output is not UNSET else []
        for item in output:
            if isinstance(item, Message) and not item_id and item.id is not UNSET:
                item_id = item.id
            if isinstance(item, FunctionCall):
                calls.append(FunctionCallRequest(
                    item.name, item.call_id if item.call_id is not UNSET else "",
                    item.arguments, item.id if item.id is not UNSET else ""))
        usage = response.usage if response.usage is not UNSET else None
        status = response.status if response.status is not UNSET else ""

        def ms(at: float | None) -> float | None:
            return None if at is None else (at - self.started) * 1000.0

        return Reply(
            response_id=self.response_id,
            status=status,
            text="".join(self._text),
            transcript="".join(self._transcript),
            audio=Audio.from_wire(b"".join(base64.b64decode(chunk) for chunk in self._audio),
                                  _output_format(response)),
            function_calls=tuple(calls),
            usage=usage,
            response=response,
            created_ms=ms(self._created) or 0.0,
            first_delta_ms=ms(self._first_delta),
            done_ms=ms(self._done_at) or 0.0,
            item_id=item_id,
            events=tuple(self._events),
        )
