"""A clip cut into ``input_audio_buffer.append`` payloads, in the session's input format.

:func:`chunks` encodes a clip once (resampled to 24 kHz PCM16, or to 8 kHz
G.711) and cuts it into pieces of ``chunk_ms``; the session sends one
``append`` per piece. :func:`chunk_bytes` checks ``chunk_ms`` first: a piece
over the service's 15 MiB per append is never built. No I/O here.

>>> import numpy as np
>>> from realtime_nb.audio import Audio
>>> clip = Audio(np.zeros(6_000, dtype=np.int16))          # 250 ms at 24 kHz
>>> [len(piece) for piece in chunks(clip, "audio/pcm", 100)]
[4800, 4800, 2400]
>>> [len(piece) for piece in chunks(clip, "audio/pcmu", 100)]
[800, 800, 400]
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import EventValidationError
from .clip import Audio
from .formats import FormatType, bytes_per_ms, format_type, sample_rate, sample_width

__all__ = ["MAX_APPEND_BYTES", "Chunks", "chunk_bytes", "chunks"]

MAX_APPEND_BYTES = 15 * 1024 * 1024
"""Most audio one ``input_audio_buffer.append`` may carry, decoded: 15 MiB (protocol.md §6).

The service refuses more; 15 MiB is 327,680 ms of PCM16, or 1,966,080 ms of G.711.
"""


def chunk_bytes(fmt: Any, chunk_ms: float) -> int:
    """How many bytes of ``fmt`` one piece of ``chunk_ms`` holds (whole samples).

    Raises:
        EventValidationError: ``chunk_ms`` is not a number, is not above 0, holds
            less than one sample, or makes a piece over 15 MiB (``param="chunk_ms"``;
            the message gives the allowed range for the format).

    >>> chunk_bytes("audio/pcm", 100), chunk_bytes("audio/pcmu", 20)
    (4800, 160)
    """
    kind = format_type(fmt)
    rate, width = sample_rate(kind), sample_width(kind)
    shortest = 1000 / rate
    longest = MAX_APPEND_BYTES // bytes_per_ms(kind)
    allowed = (f"from {shortest:.3g} ms (one sample) to {longest:,} ms "
               f"(15 MiB of {kind} per append)")
    if isinstance(chunk_ms, bool) or not isinstance(chunk_ms, int | float):
        raise EventValidationError(
            f"Invalid 'chunk_ms': expected a number of milliseconds {allowed}, "
            f"got {type(chunk_ms).__name__}.", param="chunk_ms", code="invalid_type")
    samples = math.floor(chunk_ms * rate / 1000 + 1e-9) if math.isfinite(chunk_ms) else 0
    if not chunk_ms > 0 or samples < 1 or samples * width > MAX_APPEND_BYTES:
        raise EventValidationError(
            f"Invalid 'chunk_ms': expected {allowed}, got {chunk_ms!r}.", param="chunk_ms")
    return samples * width


@dataclass(frozen=True)
class Chunks:
    """A clip encoded in one format and cut into pieces: iterate for the pieces.

    Attributes:
        data: the whole clip in ``format``, as the wire carries it.
        format: the format's GA ``type``.
        chunk_ms: the duration of every piece but the last.
        size: bytes per piece (the last may be shorter).
    """

    data: bytes = field(repr=False)
    format: FormatType
    chunk_ms: float
    size: int

    def __len__(self) -> int:
        return -(-len(self.data) // self.size)

    def __iter__(self) -> Iterator[bytes]:
        view = memoryview(self.data)
        for start in range(0, len(self.data), self.size):
            yield bytes(view[start:start + self.size])

    @property
    def duration_ms(self) -> float:
        """How long the whole clip lasts, in milliseconds."""
        return len(self.data) / bytes_per_ms(self.format)


def chunks(audio: Audio, fmt: Any, chunk_ms: float = 100) -> Chunks:
    """``audio`` in ``fmt`` (see :meth:`Audio.to_wire`), in pieces of ``chunk_ms``; the
    last piece holds what is left.

    ``chunk_ms`` is checked before anything is encoded (see :func:`chunk_bytes`).
    """
    kind = format_type(fmt)
    size = chunk_bytes(kind, chunk_ms)
    return Chunks(audio.to_wire(kind), kind, chunk_ms, size)
