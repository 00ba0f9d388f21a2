"""An immutable clip of PCM16 mono audio: what the Realtime API sends and hears.

:class:`Audio` is what :func:`~realtime_nb.audio.load_audio` returns and what a
reply's audio is given as. It slices by milliseconds, concatenates, converts to
the wire formats (PCM16 bytes, G.711) and, in a notebook, shows a player.

>>> import numpy as np
>>> clip = Audio(np.zeros(24_000, dtype=np.int16))
>>> clip
Audio(1,000 ms, 24 kHz)
>>> clip[250:750].duration_ms
500.0
>>> len((clip + clip).to_bytes())
96000
"""

from __future__ import annotations

import base64
import io
import wave
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from .formats import format_type, sample_rate
from .g711 import alaw_to_pcm16, pcm16_to_alaw, pcm16_to_ulaw, ulaw_to_pcm16
from .pcm import PCM_RATE

__all__ = ["Audio", "G711_RATE"]

G711_RATE = 8_000
"""Sample rate of G.711 (``audio/pcmu``, ``audio/pcma``), in Hz."""

_PLAYER_LIMIT_S = 600
"""Longest clip the notebook player embeds; a longer one would put tens of megabytes
of base64 into the notebook file."""


class Audio:
    """An immutable clip of PCM16 mono audio at ``rate`` Hz (24 kHz, the API's rate).

    Args:
        samples: int16 samples (copied, then read-only: a clip never changes).
        rate: samples per second.

    Slicing takes milliseconds: ``clip[500:1500]`` is the second from 0.5 s.
    ``a + b`` joins two clips of the same rate. ``bytes(clip)`` and
    :meth:`to_bytes` give PCM16 little-endian bytes, as the wire carries them.
    """

    __slots__ = ("_samples", "rate")

    def __init__(self, samples: npt.ArrayLike, rate: int = PCM_RATE) -> None:
        array = np.array(samples, dtype=np.int16, copy=True)
        if array.ndim != 1:
            raise ValueError(f"Audio is mono: expected 1-D samples, got shape {array.shape}. "
                             "Use rt.load_audio(array, rate=...) to mix channels down.")
        if not isinstance(rate, int) or isinstance(rate, bool) or rate <= 0:
            raise ValueError(f"rate must be a positive whole number of Hz, got {rate!r}")
        array.flags.writeable = False
        self._samples = array
        self.rate = rate

    @classmethod
    def from_bytes(cls, data: bytes | bytearray | memoryview, rate: int = PCM_RATE) -> Audio:
        """A clip of raw PCM16 little-endian mono bytes (what the wire's base64 decodes to)."""
        if len(data) % 2:
            raise ValueError(f"PCM16 audio has an even number of bytes, got {len(data)}")
        return cls(np.frombuffer(bytes(data), dtype="<i2"), rate)

    @classmethod
    def from_wire(cls, data: bytes | bytearray | memoryview, format: Any = "audio/pcm") -> Audio:
        """A clip of audio as the wire carries it in ``format`` (decoded base64).

        ``format`` is a GA ``type`` (``"audio/pcm"``, ``"audio/pcmu"``,
        ``"audio/pcma"``), a beta name or a format value. PCM16 gives a 24 kHz
        clip; G.711 is decoded to PCM16 at its own 8 kHz (no resampling, nothing
        invented): a reply's or an item's audio is this.

        >>> Audio.from_wire(bytes(800), "audio/pcmu")
        Audio(100 ms, 8 kHz)
        """
        kind = format_type(format)
        if kind == "audio/pcmu":
            return cls.from_bytes(ulaw_to_pcm16(data), sample_rate(kind))
        if kind == "audio/pcma":
            return cls.from_bytes(alaw_to_pcm16(data), sample_rate(kind))
        return cls.from_bytes(data, sample_rate(kind))

    def to_wire(self, format: Any = "audio/pcm") -> bytes:
        """The clip as ``input_audio_buffer.append`` carries it in ``format``: PCM16 at
        24 kHz, or G.711 at 8 kHz; resampled first when the clip's rate differs.

        >>> len(Audio(np.zeros(24_000, dtype=np.int16)).to_wire("audio/pcma"))
        8000
        """
        kind = format_type(format)
        if kind == "audio/pcmu":
            return self.to_g711("ulaw")
        if kind == "audio/pcma":
            return self.to_g711("alaw")
        return self.resampled(sample_rate(kind)).to_bytes()

    @property
    def samples(self) -> npt.NDArray[np.int16]:
        """The samples, int16, read-only."""
        return self._samples

    @property
    def duration_ms(self) -> float:
        """How long the clip lasts, in milliseconds."""
        return self._samples.size * 1000.0 / self.rate

    def to_bytes(self) -> bytes:
        """PCM16 little-endian bytes, as ``input_audio_buffer.append`` carries them."""
        return self._samples.astype("<i2", copy=False).tobytes()

    __bytes__ = to_bytes

    def to_g711(self, law: Literal["ulaw", "alaw"]) -> bytes:
        """The clip as G.711 at 8 kHz (``audio/pcmu`` for ``"ulaw"``, ``audio/pcma`` for
        ``"alaw"``), resampled first when its rate is not 8 kHz."""
        encoders = {"ulaw": pcm16_to_ulaw, "alaw": pcm16_to_alaw}
        if law not in encoders:
            raise ValueError(f"law must be 'ulaw' or 'alaw', got {law!r}")
        return encoders[law](self.resampled(G711_RATE).to_bytes())

    def resampled(self, rate: int) -> Audio:
        """The clip at another rate, through soxr's anti-aliasing resampler (high quality)."""
        if rate == self.rate:
            return self
        import soxr  # loaded on first use: building events needs no resampler

        floats = self._samples.astype(np.float32) / 32768.0
        converted = soxr.resample(floats, self.rate, rate, quality="HQ")
        return Audio(_to_int16(converted), rate)

    def save(self, path: str | Path) -> Path:
        """Write the clip as a 16-bit mono WAV file; returns the path."""
        target = Path(path)
        target.write_bytes(self.to_wav())
        return target

    def to_wav(self) -> bytes:
        """The clip as the bytes of a 16-bit mono WAV file."""
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(self.rate)
            out.writeframes(self.to_bytes())
        return buffer.getvalue()

    def __getitem__(self, span: slice) -> Audio:
        if not isinstance(span, slice) or span.step not in (None, 1):
            raise TypeError("Audio is sliced by milliseconds: clip[start_ms:end_ms]")
        start, stop, _ = slice(self._index(span.start, 0), self._index(span.stop, None)).indices(
            self._samples.size)
        return Audio(self._samples[start:stop], self.rate)

    def _index(self, ms: float | None, default: int | None) -> int | None:
        if ms is None:
            return default
        return round(ms * self.rate / 1000)

    def __add__(self, other: object) -> Audio:
        if not isinstance(other, Audio):
            return NotImplemented
        if other.rate != self.rate:
            raise ValueError(f"cannot join clips of {self.rate} Hz and {other.rate} Hz; "
                             "resample one first (clip.resampled(rate))")
        return Audio(np.concatenate([self._samples, other._samples]), self.rate)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Audio):
            return NotImplemented
        return self.rate == other.rate and np.array_equal(self._samples, other._samples)

    __hash__ = None  # type: ignore[assignment]  # equal by value, like an array

    def __bool__(self) -> bool:
        return self._samples.size > 0

    def __repr__(self) -> str:
        rate = f"{self.rate / 1000:g} kHz"
        return f"Audio({self.duration_ms:,.0f} ms, {rate})"

    def _repr_html_(self) -> str:
        """A player in a notebook (an ``<audio>`` element with the clip as a WAV data URL)."""
        label = f"{self.duration_ms:,.0f} ms, {self.rate / 1000:g} kHz"
        if self._samples.size > _PLAYER_LIMIT_S * self.rate:
            return f"<div>Audio ({label}): too long to embed; use clip.save(path)</div>"
        data = base64.b64encode(self.to_wav()).decode("ascii")
        return (f'<audio controls preload="none" title="{label}" '
                f'src="data:audio/wav;base64,{data}"></audio>')

    def plot(self, ax: Any = None) -> Any:
        """Draw the waveform (amplitude against ms) with matplotlib; returns the axes.

        Raises:
            ImportError: matplotlib is not installed (``pip install matplotlib``).
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError:
            raise ImportError("Audio.plot() needs matplotlib: pip install matplotlib") from None
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 2))
        times = np.arange(self._samples.size) * 1000.0 / self.rate
        ax.plot(times, self._samples / 32768.0, linewidth=0.5)
        ax.set_xlabel("ms")
        ax.set_ylim(-1, 1)
        return ax


def _to_int16(floats: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.int16]:
    """Float samples in [-1, 1] (clipped there) as int16.

    The scale is 32768, the inverse of reading int16 as ``x / 32768`` (as soundfile
    does), so PCM16 that goes through floats unchanged comes back bit for bit; +1.0
    clips to 32767.
    """
    # One float32 temporary, scaled, clipped and rounded in place: this runs on every
    # sample of every file loaded.
    scaled = np.multiply(floats, 32768.0, dtype=np.float32)
    np.clip(scaled, -32768.0, 32767.0, out=scaled)
    np.rint(scaled, out=scaled)
    result: npt.NDArray[np.int16] = scaled.astype(np.int16)
    return result
