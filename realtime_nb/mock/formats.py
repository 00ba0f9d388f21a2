"""What an audio format means in numbers: sample rate and bytes per millisecond.

One place for both directions (input buffer and model audio): PCM16 is 24 kHz,
48 bytes per ms; G.711 (μ-law or A-law) is 8 kHz, one byte per sample.

>>> from realtime_nb.wire import AudioPCM, AudioPCMU
>>> bytes_per_ms(AudioPCM()), bytes_per_ms(AudioPCMU()), sample_rate(AudioPCMU())
(48, 8, 8000)
"""

from __future__ import annotations

from typing import Literal

from ..audio.g711 import G711_RATE
from ..audio.pcm import PCM_BYTES_PER_MS, PCM_RATE
from ..wire import AudioFormat, AudioPCMA, AudioPCMU

__all__ = ["FormatKey", "format_key", "sample_rate", "bytes_per_ms"]

FormatKey = Literal["pcm", "pcmu", "pcma"]
"""A format as a plain, hashable name (used as a cache key)."""


def format_key(fmt: AudioFormat) -> FormatKey:
    """``"pcmu"``, ``"pcma"`` or ``"pcm"``."""
    if isinstance(fmt, AudioPCMU):
        return "pcmu"
    return "pcma" if isinstance(fmt, AudioPCMA) else "pcm"


def sample_rate(fmt: AudioFormat) -> int:
    """Samples per second: 8,000 for G.711, 24,000 for PCM16."""
    return G711_RATE if isinstance(fmt, (AudioPCMU, AudioPCMA)) else PCM_RATE


def bytes_per_ms(fmt: AudioFormat) -> int:
    """Bytes per millisecond: 8 for G.711, 48 for PCM16."""
    return G711_RATE // 1000 if isinstance(fmt, (AudioPCMU, AudioPCMA)) else PCM_BYTES_PER_MS
