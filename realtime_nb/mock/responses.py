"""One response of the mock model as a stream of server events (no I/O).

A :class:`ResponseRun` is created by the session for each ``response.create``
(or server-VAD turn). Its :meth:`~ResponseRun.events` generator yields every
event of the real sequence (protocol.md §5 c, d, f) with the time, relative to
the start of the response, at which a real-time pace would send it; the server
decides whether to wait for those times (``--pace realtime``) or not
(``--pace fast``). :meth:`~ResponseRun.cancel` may be called between two steps:
the generator then closes what it opened with the usual ``.done`` events and
ends with ``response.done`` (``status: "cancelled"``), as the service does.

An item ends as the live service ends it (protocol.md §5 (c), [llmgw]): GA's
``conversation.item.done`` comes *before* ``response.output_item.done``, then
``response.done``, then, :data:`RATE_LIMITS_AFTER_MS` later, ``rate_limits.updated``.
Beta has no ``conversation.item.done``; its order is the beta capture's. GA text
and transcript deltas carry an ``obfuscation`` string; beta's never did.

Any :class:`EventStream` (a response, or an input transcription from
:mod:`realtime_nb.mock.transcription`) is driven by the server the same way.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import msgspec
import numpy as np

from ..audio.clip import Audio
from ..audio.formats import FormatType, bytes_per_ms, format_type
from ..wire import (
    UNSET,
    AudioFormat,
    CachedTokenDetails,
    ContentPartInfo,
    Dialect,
    FunctionCall,
    InputTokenDetails,
    Item,
    Message,
    OutputAudio,
    OutputText,
    OutputTokenDetails,
    RateLimit,
    RateLimitsUpdated,
    Response,
    ResponseAudio,
    ResponseAudioOutput,
    ResponseContentPartAdded,
    ResponseContentPartDone,
    ResponseCreated,
    ResponseDone,
    ResponseFunctionCallArgumentsDelta,
    ResponseFunctionCallArgumentsDone,
    ResponseOutputAudioDelta,
    ResponseOutputAudioDone,
    ResponseOutputAudioTranscriptDelta,
    ResponseOutputAudioTranscriptDone,
    ResponseOutputItemAdded,
    ResponseOutputItemDone,
    ResponseOutputTextDelta,
    ResponseOutputTextDone,
    ServerEvent,
    StatusDetails,
    StatusError,
    UnsetType,
    Usage,
)
from .conversation import Conversation, item_added, item_finished, server_view
from .ids import IdFactory
from .responder import Reply
from .speech import speech_duration_ms, synthesize
from .usage import InputUsage, audio_tokens_out, count_tokens

__all__ = [
    "Emit",
    "EventStream",
    "ResponsePlan",
    "ResponseRun",
    "with_event_ids",
    "AUDIO_CHUNK_MS",
    "TOKEN_INTERVAL_MS",
    "MODEL_MAX_OUTPUT_TOKENS",
    "RATE_LIMITS_AFTER_MS",
]

AUDIO_CHUNK_MS = 100
"""Audio per ``response.output_audio.delta``: 100 ms (4,800 bytes of PCM16)."""

MODEL_MAX_OUTPUT_TOKENS = 4096
"""Most output tokens a response has, whatever it is asked (protocol.md §6). It also
bounds the audio one response synthesizes (about 200 s)."""

TOKEN_INTERVAL_MS = 25.0
"""Time between text deltas at real-time pace (40 tokens per second)."""

RATE_LIMITS_AFTER_MS = 40.0
"""How long after ``response.done`` ``rate_limits.updated`` follows at real-time pace
(43 ms in the live capture, protocol.md §5 (c))."""


@dataclass(frozen=True)
class Emit:
    """One server event and the time (ms after its stream began) a real-time pace sends it."""

    event: ServerEvent
    at_ms: float


class EventStream(Protocol):
    """A timed stream of server events that the server sends at its pace, beside the others.

    A response is one; an input transcription, which runs beside the response to
    the same turn, is another.
    """

    waker: Callable[[], None] | None
    """Set by the I/O layer: called when a paced wait should end early (a cancel)."""

    def events(self) -> Iterator[Emit]:
        """Every event of the stream, in order, each with its time."""
        ...


def with_event_ids(emits: Iterable[Emit], ids: IdFactory) -> Iterator[Emit]:
    """``emits`` with a fresh server ``event_id`` (``event_…``) on each event."""
    for emit in emits:
        yield Emit(msgspec.structs.replace(emit.event, event_id=ids.new("event")), emit.at_ms)


@dataclass
class ResponsePlan:
    """Everything a response needs, fixed when it is created.

    Attributes:
        conversation: the default conversation, or ``None`` for an out-of-band
            response (``conversation: "none"``), whose output is not stored.
        rate_limit: ``(limit, remaining_before)`` tokens, as ``rate_limits.updated``
            reports them.
        enforce_rate_limit: fail with ``rate_limit_exceeded`` when the input needs
            more than ``remaining_before`` (the token-budget fault; otherwise the
            mock reports limits but never refuses).
    """

    response_id: str
    dialect: Dialect
    reply: Reply
    modality: str
    voice: Any
    output_format: AudioFormat
    max_output_tokens: int | str
    metadata: dict[str, str] | None
    input_usage: InputUsage
    conversation: Conversation | None
    conversation_id: str | None
    temperature: float | None = None
    latency_ms: float = 0.0
    rate_limit: tuple[int, int] = (40_000, 40_000)
    enforce_rate_limit: bool = False
    on_audio: Callable[[], None] = field(default=lambda: None)
    """Called when the first audio delta is generated (the session then locks the voice)."""
    obfuscation: Callable[[], str] | None = None
    """Makes the padding of each text and transcript delta (GA); ``None``: no padding (beta)."""


class ResponseRun:
    """A response in progress: pull its events with :meth:`events`, stop it with :meth:`cancel`."""

    def __init__(self, plan: ResponsePlan, ids: IdFactory,
                 on_done: Callable[[ResponseRun], None]) -> None:
        self.plan = plan
        self.id = plan.response_id
        self._ids = ids
        self._on_done = on_done
        self._cancel_reason: str | None = None
        self.finished = False
        self.waker: Callable[[], None] | None = None
        """Set by the I/O layer: called by :meth:`cancel` so a paced wait ends early."""
        self.output: list[Item] = []
        self.used_tokens = 0
        self.then: Callable[[], ResponseRun | None] | None = None
        """Set by the session: a response to stream right after this one ends (the
        turn that interrupted it), or ``None``."""

    @property
    def cancelling(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._cancel_reason is not None

    def cancel(self, reason: str = "client_cancelled") -> None:
        """Ask the response to stop (``"client_cancelled"`` or ``"turn_detected"``)."""
        if self._cancel_reason is None and not self.finished:
            self._cancel_reason = reason
            if self.waker is not None:
                self.waker()

    # -- the stream -----------------------------------------------------------------------

    def _response(self, status: str, **fields: Any) -> Response:
        plan = self.plan
        beta = plan.dialect == "beta"
        return Response(
            id=self.id, object="realtime.response", status=status,  # type: ignore[arg-type]
            conversation_id=plan.conversation_id, output_modalities=[plan.modality],  # type: ignore[list-item]
            audio=ResponseAudio(output=ResponseAudioOutput(format=plan.output_format,
                                                           voice=plan.voice)),
            max_output_tokens=plan.max_output_tokens,  # type: ignore[arg-type]
            metadata=plan.metadata,
            temperature=plan.temperature if beta and plan.temperature is not None else UNSET,
            **fields,
        )

    def events(self) -> Iterator[Emit]:
        """Every event of the response, in the service's order, each with its pace time.

        Each event gets its server ``event_id`` as it is produced.
        """
        yield from with_event_ids(self._events(), self._ids)
        follow = self.then() if self.then is not None else None
        if follow is not None:
            # Same stream, so it starts only after this one's response.done, as on the
            # service; its pace times restart at its own response.created.
            follow.waker = self.waker
            yield from follow.events()

    def _events(self) -> Iterator[Emit]:
        try:
            yield Emit(ResponseCreated(response=self._response(
                "in_progress", status_details=None, output=[], usage=None)), 0.0)
            limit, remaining = self.plan.rate_limit
            if self.plan.enforce_rate_limit and (
                    remaining <= 0 or self.plan.input_usage.total > remaining):
                yield from self._fail_rate_limited(limit)
                return
            if self.plan.reply.tool_call is not None:
                yield from self._function_call()
            else:
                yield from self._message()
        finally:
            self._complete()

    def _complete(self) -> None:
        """The response is over: the session may start another (once only)."""
        if not self.finished:
            self.finished = True
            self._on_done(self)

    def _item_events(self, item: Item, at: float, *, done: bool) -> Iterator[Emit]:
        conversation = self.plan.conversation
        if conversation is None:
            return
        item_id = getattr(item, "id", "")
        if not done:
            previous = conversation.last_id
            conversation.insert(item)
            yield Emit(item_added(item, previous, self.plan.dialect), at)
            return
        conversation.replace(item)
        finished = item_finished(item, conversation.previous_id(item_id), self.plan.dialect) if (
            item_id in conversation) else None
        if finished is not None:
            yield Emit(finished, at)

    def _padding(self) -> str | UnsetType:
        """The ``obfuscation`` of the next text or transcript delta (none in beta)."""
        make = self.plan.obfuscation
        return make() if make is not None else UNSET

    def _item_done(self, final: Item, at: float) -> Iterator[Emit]:
        """The end of an output item: the conversation's ``conversation.item.done`` (GA),
        then ``response.output_item.done``, the live service's order [llmgw]."""
        yield from self._item_events(final, at, done=True)
        yield Emit(ResponseOutputItemDone(response_id=self.id, output_index=0,
                                          item=server_view(final)), at)

    def _budget(self, text: str, audio: bool) -> tuple[str, bool]:
        """``text`` cut to the output-token cap, and whether it was cut."""
        cap = self.plan.max_output_tokens
        if not isinstance(cap, int):  # "inf" is the model's own maximum
            cap = MODEL_MAX_OUTPUT_TOKENS
        if self._output_tokens(text, audio) <= cap:
            return text, False
        words = text.split(" ")
        # The longest word prefix within the cap (token counts grow with the prefix).
        low, high = 0, len(words)
        while low < high:
            middle = (low + high + 1) // 2
            if self._output_tokens(" ".join(words[:middle]), audio) <= cap:
                low = middle
            else:
                high = middle - 1
        return " ".join(words[:low]), True

    @staticmethod
    def _output_tokens(text: str, audio: bool) -> int:
        tokens = count_tokens(text)
        if audio:
            tokens += audio_tokens_out(speech_duration_ms(text))
        return tokens

    def _usage(self, text_out: int, audio_out: int) -> Usage:
        inp = self.plan.input_usage
        cached = inp.cached_text_tokens + inp.cached_audio_tokens
        details: dict[str, Any] = dict(text_tokens=inp.text_tokens,
                                       audio_tokens=inp.audio_tokens, cached_tokens=cached)
        if self.plan.dialect == "ga":
            input_details = InputTokenDetails(
                **details, image_tokens=0,
                cached_tokens_details=CachedTokenDetails(
                    text_tokens=inp.cached_text_tokens, audio_tokens=inp.cached_audio_tokens,
                    image_tokens=0))
        else:
            input_details = InputTokenDetails(**details)
        output = text_out + audio_out
        self.used_tokens = inp.total + output
        return Usage(total_tokens=inp.total + output, input_tokens=inp.total,
                     output_tokens=output, input_token_details=input_details,
                     output_token_details=OutputTokenDetails(text_tokens=text_out,
                                                             audio_tokens=audio_out))

    def _finish(self, status: str, at: float, reason: str | None, usage: Usage,
                error: StatusError | None = None) -> Iterator[Emit]:
        details = None
        if status != "completed":
            details = StatusDetails(type=status, reason=reason,  # type: ignore[arg-type]
                                    error=error if error is not None else UNSET)
        output = [server_view(item) for item in self.output]
        # Over as soon as response.done exists: a client that reacts to it with a new
        # response.create must not find this one still active.
        self._complete()
        yield Emit(ResponseDone(response=self._response(
            status, status_details=details, output=output, usage=usage)), at)
        limit, remaining = self.plan.rate_limit
        left = max(0, remaining - self.used_tokens)
        yield Emit(RateLimitsUpdated(rate_limits=[RateLimit(
            name="tokens", limit=limit, remaining=left,
            reset_seconds=round((limit - left) * 60 / limit, 3) if limit else 0.0)]),
            at + RATE_LIMITS_AFTER_MS)

    def _fail_rate_limited(self, limit: int) -> Iterator[Emit]:
        error = StatusError(type="rate_limit_exceeded", code="rate_limit_exceeded",
                            message=f"Rate limit reached for tokens: limit {limit}. "
                                    "Please try again later.")
        self.used_tokens = 0
        yield from self._finish("failed", 0.0, None, Usage(
            total_tokens=0, input_tokens=0, output_tokens=0), error)

    # -- an assistant message (text, or audio with transcript) -------------------------------

    def _message(self) -> Iterator[Emit]:
        plan = self.plan
        audio = plan.modality == "audio"
        text, cut = self._budget(plan.reply.text, audio)
        item_id = self._ids.new("item")
        item = Message(id=item_id, object="realtime.item" if plan.dialect == "beta" else UNSET,
                       role="assistant", status="in_progress", content=[])
        self.output.append(item)
        common = dict(response_id=self.id, item_id=item_id, output_index=0, content_index=0)
        yield Emit(ResponseOutputItemAdded(response_id=self.id, output_index=0, item=item), 0.0)
        yield from self._item_events(item, 0.0, done=False)
        part_kind = "audio" if audio else "text"
        yield Emit(ResponseContentPartAdded(
            **common, part=ContentPartInfo(type=part_kind, transcript="") if audio  # type: ignore[arg-type]
            else ContentPartInfo(type="text", text="")), plan.latency_ms)
        words = _deltas(text)
        said: list[str] = []
        audio_bytes = bytearray()
        self._live(item, said, audio_bytes if audio else None)
        at = plan.latency_ms
        if audio:
            per_ms = bytes_per_ms(plan.output_format)
            chunk = int(AUDIO_CHUNK_MS * per_ms)
            total_ms = float(speech_duration_ms(text))
            word_times = _word_times(words, total_ms)
            next_word = 0
            if words:  # the first word can go out before the audio is made
                said.append(words[0])
                yield Emit(ResponseOutputAudioTranscriptDelta(
                    **common, delta=words[0], obfuscation=self._padding()), at)  # type: ignore[arg-type]
                next_word = 1
            wire_audio, encoded = _speech_audio(text, str(plan.voice),
                                                format_type(plan.output_format), chunk)
            for start, delta in zip(range(0, len(wire_audio), chunk), encoded, strict=True):
                if self.cancelling:
                    break
                chunk_ms = start / per_ms
                at = plan.latency_ms + chunk_ms
                while next_word < len(words) and word_times[next_word] <= chunk_ms + AUDIO_CHUNK_MS:
                    said.append(words[next_word])
                    yield Emit(ResponseOutputAudioTranscriptDelta(
                        **common, delta=words[next_word], obfuscation=self._padding()),  # type: ignore[arg-type]
                        at)
                    next_word += 1
                piece = wire_audio[start:start + chunk]
                audio_bytes += piece
                if start == 0:
                    plan.on_audio()
                yield Emit(ResponseOutputAudioDelta(
                    **common, delta=delta), at)  # type: ignore[arg-type]
            if not self.cancelling:
                said += words[next_word:]
                at = plan.latency_ms + total_ms
            transcript = "".join(said)
            yield Emit(ResponseOutputAudioDone(**common), at)  # type: ignore[arg-type]
            yield Emit(ResponseOutputAudioTranscriptDone(**common, transcript=transcript), at)  # type: ignore[arg-type]
            part = ContentPartInfo(type="audio", transcript=transcript)
            final_part: Any = OutputAudio(audio=base64.b64encode(bytes(audio_bytes)).decode(),
                                          transcript=transcript)
            text_out = count_tokens(transcript)
            audio_out = audio_tokens_out(len(audio_bytes) / per_ms)
        else:
            for index, word in enumerate(words):
                if self.cancelling:
                    break
                at = plan.latency_ms + index * TOKEN_INTERVAL_MS
                said.append(word)
                yield Emit(ResponseOutputTextDelta(
                    **common, delta=word, obfuscation=self._padding()), at)  # type: ignore[arg-type]
            transcript = "".join(said)
            yield Emit(ResponseOutputTextDone(**common, text=transcript), at)  # type: ignore[arg-type]
            part = ContentPartInfo(type="text", text=transcript)
            final_part = OutputText(text=transcript)
            text_out, audio_out = count_tokens(transcript), 0
        if plan.conversation is not None:
            plan.conversation.set_live(item_id, None)
        yield Emit(ResponseContentPartDone(**common, part=part), at)  # type: ignore[arg-type]
        if self.cancelling:
            status, reason = "cancelled", self._cancel_reason
        elif cut:
            status, reason = "incomplete", "max_output_tokens"
        else:
            status, reason = "completed", None
        final = msgspec.structs.replace(
            item, status="completed" if status == "completed" else "incomplete",
            content=[final_part])
        self.output[0] = final
        yield from self._item_done(final, at)
        yield from self._finish(status, at, reason, self._usage(text_out, audio_out))

    def _live(self, item: Message, said: list[str], audio: bytearray | None) -> None:
        """Show the item as generated so far to anyone reading the conversation
        (retrieve, truncate), building it only when asked."""
        conversation = self.plan.conversation
        if conversation is None:
            return

        def current() -> Message:
            text = "".join(said)
            part: Any = (OutputAudio(audio=base64.b64encode(audio).decode(), transcript=text)
                         if audio is not None else OutputText(text=text))
            return msgspec.structs.replace(item, content=[part])

        item_id = item.id
        if isinstance(item_id, str):
            conversation.set_live(item_id, current)

    # -- a function call ------------------------------------------------------------------

    def _function_call(self) -> Iterator[Emit]:
        plan = self.plan
        call = plan.reply.tool_call
        assert call is not None
        item_id, call_id = self._ids.new("item"), self._ids.new("call")
        item = FunctionCall(id=item_id, object="realtime.item" if plan.dialect == "beta" else UNSET,
                            call_id=call_id, name=call.name, arguments="", status="in_progress")
        self.output.append(item)
        yield Emit(ResponseOutputItemAdded(response_id=self.id, output_index=0, item=item), 0.0)
        yield from self._item_events(item, 0.0, done=False)
        arguments = ""
        at = plan.latency_ms
        for index, piece in enumerate(_chunks(call.arguments, 8)):
            if self.cancelling:
                break
            at = plan.latency_ms + index * TOKEN_INTERVAL_MS
            arguments += piece
            yield Emit(ResponseFunctionCallArgumentsDelta(
                response_id=self.id, item_id=item_id, output_index=0, call_id=call_id,
                delta=piece), at)
        name = call.name if plan.dialect == "ga" else UNSET
        yield Emit(ResponseFunctionCallArgumentsDone(
            response_id=self.id, item_id=item_id, output_index=0, call_id=call_id,
            arguments=arguments, name=name), at)
        status = "cancelled" if self.cancelling else "completed"
        final = msgspec.structs.replace(item, arguments=arguments,
                                        status="completed" if status == "completed"
                                        else "incomplete")
        self.output[0] = final
        yield from self._item_done(final, at)
        yield from self._finish(status, at, self._cancel_reason,
                                self._usage(count_tokens(arguments), 0))


def _deltas(text: str) -> list[str]:
    """Text split the way deltas arrive: each word with the space before it."""
    words = text.split(" ")
    return [words[0], *(" " + word for word in words[1:])] if text else []


def _word_times(words: list[str], total_ms: float) -> list[float]:
    """When each word starts in the synthesized audio, proportional to its offset in the text."""
    length = sum(len(w) for w in words) or 1
    times, offset = [], 0
    for word in words:
        times.append(total_ms * offset / length)
        offset += len(word)
    return times


def _chunks(text: str, size: int) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


@functools.lru_cache(maxsize=256)
def _speech_audio(text: str, voice: str, fmt: FormatType,
                  chunk: int) -> tuple[bytes, tuple[str, ...]]:
    """The model's speech for ``text`` in an output format, and its base64 deltas.

    Cached: the same words in the same voice sound the same (as with a real TTS),
    demos repeat themselves, and base64 is most of the cost of an audio delta.
    """
    audio = _encode_output(synthesize(text, voice=voice), fmt)
    deltas = tuple(base64.b64encode(audio[i:i + chunk]).decode("ascii")
                   for i in range(0, len(audio), chunk))
    return audio, deltas


def _encode_output(pcm: np.ndarray[Any, Any], fmt: FormatType) -> bytes:
    """Model audio (24 kHz PCM16) in an output format: G.711 is resampled to 8 kHz."""
    return Audio(pcm).to_wire(fmt)
