"""The transcription of one committed user audio turn, as a timed stream beside the response.

The service transcribes the user's audio with a side model while the realtime
model answers: the ``conversation.item.input_audio_transcription.delta`` events
and the ``completed`` one come about a second after the commit (first delta
1.19 s, completed 1.41 s in the live capture, protocol.md §5 (e) [llmgw]), so
the user's transcript usually lands *after* ``response.created``. A client that
waits for it before showing the reply is waiting on the wrong thing; the mock
teaches that by sending it late too.

A :class:`TranscriptionRun` is made by the session at the commit and driven by
the server like a :class:`~realtime_nb.mock.responses.ResponseRun` (it is an
:class:`~realtime_nb.mock.responses.EventStream`): at ``--pace realtime`` its
events wait for their times; at ``--pace fast`` they go out at once, but after
the head of a response that started with the same commit.

>>> from realtime_nb.mock.ids import IdFactory
>>> plan = TranscriptionPlan(item_id="item_1", transcript="Hello there.", model="whisper-1",
...                          audio_ms=1500, latency_ms=1000.0)
>>> run = TranscriptionRun(plan, IdFactory(seed=1))
>>> [(emit.event.type.rsplit(".", 1)[-1], emit.at_ms) for emit in run.events()]
[('delta', 1000.0), ('completed', 1200.0)]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..wire import (
    UNSET,
    DurationUsage,
    InputAudioTranscriptionCompleted,
    InputAudioTranscriptionDelta,
    TokenUsage,
    TokenUsageInputDetails,
)
from .ids import IdFactory
from .responses import Emit, with_event_ids
from .usage import audio_tokens_in, count_tokens

__all__ = [
    "TranscriptionPlan",
    "TranscriptionRun",
    "TRANSCRIPTION_LATENCY_MS",
    "TRANSCRIPTION_DELTA_INTERVAL_MS",
    "TRANSCRIPTION_COMPLETED_AFTER_MS",
    "BY_DURATION",
]

TRANSCRIPTION_LATENCY_MS = 900.0
"""Least time from the commit to the first transcript delta at real-time pace; the
session adds up to 300 ms of jitter. The live capture's client saw 1,190 ms, about
260 ms of it the round trip (protocol.md §5 (e))."""

TRANSCRIPTION_DELTA_INTERVAL_MS = 4.0
"""Time between transcript deltas: the live ones came in a burst (six in 22 ms)."""

TRANSCRIPTION_COMPLETED_AFTER_MS = 200.0
"""Time from the last delta to ``completed`` (about 200 ms live)."""

BY_DURATION = frozenset({"whisper-1"})
"""Transcription models billed by audio duration (``usage.type: "duration"``) rather than
tokens. They do not stream either: one delta with the whole transcript, then ``completed``."""


@dataclass(frozen=True)
class TranscriptionPlan:
    """What one transcription says and when, fixed at the commit.

    Attributes:
        item_id: the committed user item.
        transcript: what the side model "heard" (the script's transcript).
        model: the session's ``audio.input.transcription.model``.
        audio_ms: how much audio the item holds (for duration usage and audio tokens).
        latency_ms: time from the commit to the first delta at real-time pace.
        obfuscation: makes each delta's ``obfuscation`` (GA); ``None``: none (beta).
    """

    item_id: str
    transcript: str
    model: str
    audio_ms: float
    latency_ms: float
    obfuscation: Callable[[], str] | None = None


class TranscriptionRun:
    """One input transcription: its delta events and ``completed``, each with its time.

    The events, their ids and their padding are all made at once when the run is
    created, so a seed gives the same ids however the server interleaves this
    stream with a response's.

    Args:
        plan: what to say and when.
        ids: the session's id factory (each event gets an ``event_…`` id).
        on_completed: called with ``(item_id, transcript)`` just before
            ``completed`` is yielded, so the stored item carries its transcript from
            the moment the client hears of it.
    """

    def __init__(self, plan: TranscriptionPlan, ids: IdFactory,
                 on_completed: Callable[[str, str], None] | None = None) -> None:
        self.plan = plan
        self.item_id = plan.item_id
        self.waker: Callable[[], None] | None = None
        """Set by the I/O layer; nothing cancels a transcription, so it is never called."""
        self._on_completed = on_completed
        self._emits = list(with_event_ids(self._plan_events(), ids))

    def events(self) -> Iterator[Emit]:
        """The deltas, then ``completed``; the stored item gets its transcript in between."""
        *deltas, completed = self._emits
        yield from deltas
        if self._on_completed is not None:
            self._on_completed(self.plan.item_id, self.plan.transcript)
        yield completed

    def _pieces(self) -> list[str]:
        plan = self.plan
        if plan.model in BY_DURATION:
            return [plan.transcript]
        words = plan.transcript.split(" ")
        return [words[0], *(" " + word for word in words[1:])]

    def _plan_events(self) -> Iterator[Emit]:
        plan = self.plan
        at = plan.latency_ms
        for index, piece in enumerate(self._pieces()):
            at = plan.latency_ms + index * TRANSCRIPTION_DELTA_INTERVAL_MS
            padding = plan.obfuscation() if plan.obfuscation is not None else UNSET
            yield Emit(InputAudioTranscriptionDelta(
                item_id=plan.item_id, content_index=0, delta=piece, obfuscation=padding), at)
        yield Emit(InputAudioTranscriptionCompleted(
            item_id=plan.item_id, content_index=0, transcript=plan.transcript,
            usage=self._usage()), at + TRANSCRIPTION_COMPLETED_AFTER_MS)

    def _usage(self) -> TokenUsage | DurationUsage:
        """Duration for whisper-1; tokens (audio in, text out) for the gpt-4o-transcribe family,
        shaped like the live capture's ``usage`` (protocol.md §3.1)."""
        plan = self.plan
        if plan.model in BY_DURATION:
            return DurationUsage(seconds=round(plan.audio_ms / 1000, 3))
        audio_tokens = audio_tokens_in(plan.audio_ms)
        text_tokens = count_tokens(plan.transcript)
        return TokenUsage(input_tokens=audio_tokens, output_tokens=text_tokens,
                          total_tokens=audio_tokens + text_tokens,
                          input_token_details=TokenUsageInputDetails(
                              audio_tokens=audio_tokens, text_tokens=0))
