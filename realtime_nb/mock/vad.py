"""A sans-I/O energy voice-activity detector that emulates the Realtime API's server VAD.

The mock server needs ``input_audio_buffer.speech_started`` and ``speech_stopped``
events at believable times when a client streams audio with
``turn_detection: {"type": "server_vad", ...}``. The real service runs a neural
detector; this one compares each 10 ms frame's loudness with a level derived from
``threshold``, which is enough for synthesized or recorded test speech, costs
almost nothing and is fully deterministic. It does no I/O: feed it samples, get
events back.

Semantics, chosen to mirror the service:

* Times are absolute milliseconds from the start of all audio fed since the
  detector was created (or last reset with ``keep_position=False``), not from
  the last turn.
* A frame is *voiced* when its RMS level in dBFS exceeds
  ``-60 + 50 * threshold``: the default 0.5 gives -35 dBFS, 0 gives -60 dBFS
  (anything but near-silence), 1 gives -10 dBFS (only very loud audio). Digital
  silence is never voiced.
* Speech starts after three consecutive voiced frames (30 ms), so a click does
  not open a turn. ``audio_start_ms`` is the start of the first of them minus
  ``prefix_padding_ms``, clamped at 0, because the service includes the padding.
* Speech stops after ``silence_duration_ms`` of consecutive unvoiced frames.
  ``audio_end_ms`` is the end of the last voiced frame, i.e. where the speech
  ended; the decision itself is made ``silence_duration_ms`` later, so a caller
  wanting the point where the silence timer fired adds that back.

>>> import numpy as np
>>> vad = EnergyVad(silence_duration_ms=200)
>>> tone = (8000 * np.sin(np.arange(24_000) * 0.1)).astype(np.int16)  # 1 s, about -15 dBFS
>>> vad.feed(np.zeros(12_000, np.int16)) + vad.feed(tone) + vad.feed(np.zeros(12_000, np.int16))
[SpeechStarted(audio_start_ms=200), SpeechStopped(audio_end_ms=1500)]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "SpeechStarted",
    "SpeechStopped",
    "VadEvent",
    "EnergyVad",
    "threshold_to_dbfs",
    "FRAME_MS",
]

FRAME_MS = 10
"""Length of one analysis frame, in milliseconds."""

_START_FRAMES = 3  # voiced frames in a row needed to open a turn: 30 ms, longer than a click
_FULL_SCALE = 32768.0
_BLOCK_FRAMES = 6000  # frames analysed per numpy pass, to bound temporary memory on long feeds


@dataclass(frozen=True)
class SpeechStarted:
    """Speech began; ``audio_start_ms`` already includes the prefix padding."""

    audio_start_ms: int


@dataclass(frozen=True)
class SpeechStopped:
    """Speech ended at ``audio_end_ms`` (the end of the last voiced frame)."""

    audio_end_ms: int


VadEvent = SpeechStarted | SpeechStopped
"""An event returned by :meth:`EnergyVad.feed`."""


def threshold_to_dbfs(threshold: float) -> float:
    """The RMS level in dBFS a frame must exceed to count as voiced at ``threshold``.

    >>> threshold_to_dbfs(0.5)
    -35.0
    >>> threshold_to_dbfs(0.0), threshold_to_dbfs(1.0)
    (-60.0, -10.0)
    """
    return -60.0 + 50.0 * threshold


class EnergyVad:
    """Energy-based stand-in for the Realtime API's ``server_vad`` turn detection.

    Args:
        threshold: 0..1; higher needs louder audio (see :func:`threshold_to_dbfs`).
        prefix_padding_ms: audio kept before detected speech, reported in
            ``audio_start_ms``.
        silence_duration_ms: silence needed to end speech.
        rate: sample rate of the fed audio in Hz; a multiple of 100 so frames
            are whole samples.

    Raises:
        ValueError: a parameter is out of range.

    >>> vad = EnergyVad()
    >>> vad.feed(np.zeros(2400, np.int16)), vad.position_ms, vad.in_speech
    ([], 100, False)
    """

    def __init__(
        self,
        *,
        threshold: float = 0.5,
        prefix_padding_ms: int = 300,
        silence_duration_ms: int = 500,
        rate: int = 24000,
    ) -> None:
        if rate <= 0 or rate % 100:
            raise ValueError(f"rate must be a positive multiple of 100 Hz, got {rate}.")
        self._rate = rate
        self._frame = rate * FRAME_MS // 1000
        self._threshold = 0.5
        self._prefix_padding_ms = 300
        self._silence_duration_ms = 500
        self._energy_floor = 0.0
        self.configure(
            threshold=threshold,
            prefix_padding_ms=prefix_padding_ms,
            silence_duration_ms=silence_duration_ms,
        )
        self._remainder: npt.NDArray[np.int16] = np.zeros(0, np.int16)
        self._frames_done = 0  # whole frames analysed since the start
        self.reset(keep_position=False)

    @property
    def threshold(self) -> float:
        """Current threshold (0..1)."""
        return self._threshold

    @property
    def prefix_padding_ms(self) -> int:
        """Current prefix padding, in ms."""
        return self._prefix_padding_ms

    @property
    def silence_duration_ms(self) -> int:
        """Current silence needed to end speech, in ms."""
        return self._silence_duration_ms

    @property
    def rate(self) -> int:
        """Sample rate of the fed audio, in Hz."""
        return self._rate

    @property
    def in_speech(self) -> bool:
        """Whether speech has started and not yet stopped."""
        return self._in_speech

    @property
    def position_ms(self) -> int:
        """Milliseconds of audio fed so far (rounded down), including a partial frame."""
        samples = self._frames_done * self._frame + len(self._remainder)
        return samples * 1000 // self._rate

    def configure(
        self,
        *,
        threshold: float | None = None,
        prefix_padding_ms: int | None = None,
        silence_duration_ms: int | None = None,
    ) -> None:
        """Change parameters mid-stream; ``None`` keeps the current value.

        Changes apply from the next frame analysed (including audio already fed
        but short of a whole frame). A shorter ``silence_duration_ms`` can end an
        ongoing silence at once; the event then comes from the next :meth:`feed`.

        Raises:
            ValueError: a parameter is out of range (nothing is changed then).
        """
        if threshold is not None and not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must lie in [0, 1], got {threshold}.")
        if prefix_padding_ms is not None and prefix_padding_ms < 0:
            raise ValueError(f"prefix_padding_ms must be >= 0, got {prefix_padding_ms}.")
        if silence_duration_ms is not None and silence_duration_ms < 0:
            raise ValueError(f"silence_duration_ms must be >= 0, got {silence_duration_ms}.")
        if threshold is not None:
            self._threshold = float(threshold)
            # Compare mean squares rather than decibels: no log per frame.
            level = _FULL_SCALE * 10.0 ** (threshold_to_dbfs(self._threshold) / 20.0)
            self._energy_floor = level * level
        if prefix_padding_ms is not None:
            self._prefix_padding_ms = int(prefix_padding_ms)
        if silence_duration_ms is not None:
            self._silence_duration_ms = int(silence_duration_ms)

    def reset(self, *, keep_position: bool = True) -> None:
        """Forget speech state, e.g. after the buffer is cleared or committed by hand.

        No event is emitted for a turn that was in progress. With
        ``keep_position`` (the default) times keep counting from the first audio
        ever fed, as the service's do; otherwise the clock and any partial frame
        are dropped too and the detector is as new.
        """
        self._in_speech = False
        self._voiced_run = 0  # voiced frames in a row while waiting for speech
        self._run_start = 0  # frame index where that run began
        self._silent_run = 0  # unvoiced frames in a row during speech
        self._last_voiced_end_ms = 0
        if not keep_position:
            self._remainder = np.zeros(0, np.int16)
            self._frames_done = 0

    def feed(self, samples: npt.NDArray[Any]) -> list[VadEvent]:
        """Analyse more int16 mono samples, of any length; return the events they caused.

        Samples short of a whole 10 ms frame are kept until the next call, so
        chunking never changes the result.

        Raises:
            ValueError: ``samples`` is not a one-dimensional int16 array.
        """
        if samples.ndim != 1 or samples.dtype.kind != "i" or samples.dtype.itemsize != 2:
            raise ValueError(
                f"feed() takes a 1-D int16 array, got dtype {samples.dtype}, shape {samples.shape}."
            )
        events: list[VadEvent] = []
        if self._in_speech and self._silent_run >= self._silence_frames():
            # configure() shortened the silence needed while one was under way.
            self._stop(events)
        data = np.concatenate((self._remainder, samples.astype(np.int16, copy=False)))
        usable = len(data) - len(data) % self._frame
        self._remainder = data[usable:].copy()
        step = _BLOCK_FRAMES * self._frame
        for begin in range(0, usable, step):
            block = data[begin : min(begin + step, usable)]
            frames = block.reshape(-1, self._frame).astype(np.float32)
            mean_square = np.einsum("ij,ij->i", frames, frames) / self._frame
            self._run_states((mean_square > self._energy_floor).tolist(), events)
        return events

    def _run_states(self, voiced: list[bool], events: list[VadEvent]) -> None:
        # Only this loop is per frame; it touches a few ints, so it stays cheap.
        silence_frames = self._silence_frames()
        index = self._frames_done
        for is_voiced in voiced:
            if self._in_speech:
                if is_voiced:
                    self._silent_run = 0
                    self._last_voiced_end_ms = (index + 1) * FRAME_MS
                else:
                    self._silent_run += 1
                    if self._silent_run >= silence_frames:
                        self._stop(events)
            elif is_voiced:
                if self._voiced_run == 0:
                    self._run_start = index
                self._voiced_run += 1
                if self._voiced_run >= _START_FRAMES:
                    start = max(0, self._run_start * FRAME_MS - self._prefix_padding_ms)
                    events.append(SpeechStarted(start))
                    self._in_speech = True
                    self._silent_run = 0
                    self._last_voiced_end_ms = (index + 1) * FRAME_MS
            else:
                self._voiced_run = 0
            index += 1
        self._frames_done = index

    def _silence_frames(self) -> int:
        # At least one frame: even a zero silence duration needs one unvoiced frame to notice.
        return max(1, math.ceil(self._silence_duration_ms / FRAME_MS))

    def _stop(self, events: list[VadEvent]) -> None:
        events.append(SpeechStopped(self._last_voiced_end_ms))
        self._in_speech = False
        self._voiced_run = 0
        self._silent_run = 0
