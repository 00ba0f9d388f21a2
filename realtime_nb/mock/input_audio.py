"""The input audio buffer: what ``input_audio_buffer.append`` fills and ``commit`` empties.

Audio is kept in the session's input format (PCM16 at 24 kHz, or G.711 at
8 kHz) together with its position on the session's audio timeline, because the
service measures ``audio_start_ms``/``audio_end_ms`` from the first byte ever
appended, not from the last commit.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..audio.formats import bytes_per_ms
from ..audio.g711 import alaw_to_pcm16, ulaw_to_pcm16
from ..wire import AudioFormat, AudioPCMA, AudioPCMU

__all__ = ["InputAudioBuffer", "MAX_APPEND_BYTES", "MAX_BUFFERED_MS", "MIN_COMMIT_MS"]

MAX_APPEND_BYTES = 15 * 1024 * 1024
"""Most decoded audio one ``append`` may carry: 15 MiB (SDK docstring)."""

MAX_BUFFERED_MS = 10 * 60 * 1000
"""Most audio the buffer holds before appends are refused: 10 minutes (29 MB of PCM16).

The service does not document its own cap; this one bounds a session's memory.
"""

MIN_COMMIT_MS = 100
"""Least audio a commit accepts, in ms (the service's error message says 100 ms)."""


class InputAudioBuffer:
    """Appended audio not yet committed, placed on the session's audio timeline.

    >>> from realtime_nb.wire import AudioPCM
    >>> buffer = InputAudioBuffer(AudioPCM())
    >>> _ = buffer.append(bytes(4800))
    >>> buffer.buffered_ms, buffer.end_ms
    (100.0, 100.0)
    """

    def __init__(self, fmt: AudioFormat) -> None:
        self.format = fmt
        self._data = bytearray()
        self.start_ms = 0.0
        """Timeline position of the first buffered byte."""

    @property
    def bytes_per_ms(self) -> int:
        """Bytes per millisecond in the current format."""
        return bytes_per_ms(self.format)

    @property
    def buffered_ms(self) -> float:
        """How much audio is buffered, in ms."""
        return len(self._data) / self.bytes_per_ms

    @property
    def end_ms(self) -> float:
        """Timeline position just after the last buffered byte."""
        return self.start_ms + self.buffered_ms

    def set_format(self, fmt: AudioFormat) -> None:
        """Switch format; audio buffered in the old format is dropped (it cannot be mixed)."""
        if type(fmt) is not type(self.format):
            self.start_ms = self.end_ms
            self._data.clear()
        self.format = fmt

    def append(self, data: bytes) -> np.ndarray[Any, Any]:
        """Buffer ``data``; return it as int16 samples at the format's rate, for the VAD."""
        self._data += data
        if isinstance(self.format, AudioPCMU):
            data = ulaw_to_pcm16(data)
        elif isinstance(self.format, AudioPCMA):
            data = alaw_to_pcm16(data)
        return np.frombuffer(data, dtype="<i2")

    def _offset(self, ms: float) -> int:
        step = 2 if self.bytes_per_ms == 48 else 1
        offset = round((ms - self.start_ms) * self.bytes_per_ms)
        return max(0, min(len(self._data), offset - offset % step))

    def take(self, from_ms: float | None = None, until_ms: float | None = None) -> bytes:
        """Remove and return the audio in ``[from_ms, until_ms)`` (default: all of it).

        Audio before ``from_ms`` is discarded; audio after ``until_ms`` stays buffered.
        """
        start = 0 if from_ms is None else self._offset(from_ms)
        end = len(self._data) if until_ms is None else self._offset(until_ms)
        taken = bytes(self._data[start:max(start, end)])
        consumed = max(start, end)
        del self._data[:consumed]
        self.start_ms += consumed / self.bytes_per_ms
        return taken

    def drop_before(self, ms: float) -> None:
        """Forget audio older than ``ms`` (used while no speech is in progress)."""
        cut = self._offset(ms)
        if cut:
            del self._data[:cut]
            self.start_ms += cut / self.bytes_per_ms

    def clear(self) -> None:
        """Drop everything buffered; the timeline keeps counting."""
        self.start_ms = self.end_ms
        self._data.clear()
