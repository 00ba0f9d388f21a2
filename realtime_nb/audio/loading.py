"""Audio in whatever form a user has it, as a clip the Realtime API takes.

:func:`load_audio` reads files (WAV of any rate, channel count and sample
format; FLAC, OGG and MP3 as well) with ``soundfile``, takes bytes and numpy
arrays, mixes to mono and resamples with ``soxr``'s anti-aliasing resampler.
Wrong rates and hand-made base64 are where people lose most time with the API;
this is the one call that gets it right.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from .clip import Audio, _to_int16
from .pcm import PCM_RATE

__all__ = ["load_audio", "AudioSource"]

AudioSource = str | os.PathLike[str] | IO[bytes] | bytes | bytearray | memoryview | np.ndarray[
    Any, Any]
"""What :func:`load_audio` reads: a path, a binary file object, bytes or a numpy array."""

# What the first bytes of the containers soundfile reads look like; other bytes are raw PCM.
_CONTAINERS = (b"RIFF", b"RIFX", b"RF64", b"fLaC", b"OggS", b"ID3", b"FORM", b"\xff\xfb",
               b"\xff\xf3", b"\xff\xf2")


def load_audio(source: AudioSource, *, rate: int | None = None,
               to_rate: int = PCM_RATE) -> Audio:
    """Read audio and return it as a PCM16 mono :class:`Audio` clip at ``to_rate``.

    Args:
        source: a path or a binary file object (WAV with 8/16/24/32-bit integer or
            32/64-bit float samples and any number of channels; FLAC, OGG, MP3);
            the bytes of such a file; raw PCM16 little-endian bytes (with
            ``rate=``); or a numpy array (with ``rate=``), shaped ``(frames,)`` or
            ``(frames, channels)`` as soundfile returns it, integer or float.
        rate: the sample rate of raw PCM16 bytes and arrays; bytes given with a rate
            are raw PCM16 (files carry their own rate: give their bytes without one).
        to_rate: the rate of the clip returned: 24 kHz, the API's, by default.

    Channels are averaged to mono; floats are clipped to [-1, 1]; the rate is
    converted with soxr's high-quality anti-aliasing resampler.

    >>> import numpy as np
    >>> load_audio(np.zeros((44_100, 2), dtype=np.float32), rate=44_100)
    Audio(1,000 ms, 24 kHz)

    Raises:
        FileNotFoundError: the path does not exist.
        ValueError: the data is not audio soundfile can read, it is empty, or raw
            bytes or an array came without ``rate=``; the message says which.
    """
    frames, source_rate = _read(source, rate)
    if frames.size == 0:
        raise ValueError(f"{_describe(source)} holds no audio (0 samples)")
    mono = np.clip(_mono(frames), -1.0, 1.0)  # a new array: the caller's is never changed
    if source_rate != to_rate:
        import soxr  # loaded on first use: building events needs no resampler

        mono = soxr.resample(mono, source_rate, to_rate, quality="HQ")
    return Audio(_to_int16(mono), to_rate)


def _read(source: AudioSource, rate: int | None) -> tuple[npt.NDArray[np.floating[Any]], int]:
    """The samples as floats in [-1, 1] (``(frames,)`` or ``(frames, channels)``) and the rate."""
    if rate is not None and (not isinstance(rate, int) or isinstance(rate, bool) or rate <= 0):
        raise ValueError(f"rate must be a positive whole number of Hz, got {rate!r}")
    if isinstance(source, np.ndarray):
        if rate is None:
            raise ValueError("a numpy array needs its sample rate: load_audio(array, rate=44100)")
        return _array_floats(source), rate
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        # With rate= the bytes are raw PCM16 whatever they start with: a first sample of
        # -1025 reads as an MP3 frame header, and sniffing would decode noise as MP3.
        if rate is not None or not data.startswith(_CONTAINERS):
            if rate is None:
                raise ValueError(
                    f"{len(data):,} bytes that are not an audio file (WAV, FLAC, OGG, MP3): "
                    "for raw PCM16 bytes, pass their rate (load_audio(data, rate=24000))")
            if len(data) % 2:
                raise ValueError(f"raw PCM16 audio has an even number of bytes, got {len(data)}")
            return np.frombuffer(data, dtype="<i2") / 32768.0, rate
        return _read_file(io.BytesIO(data), "the bytes given")
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.exists():
            raise FileNotFoundError(f"no such audio file: {path}")
        return _read_file(path, str(path))
    if hasattr(source, "read"):
        return _read_file(source, getattr(source, "name", "the file object"))
    raise TypeError(f"load_audio reads a path, a file object, bytes or a numpy array, "
                    f"not {type(source).__name__}")


def _read_file(file: Path | IO[bytes], shown: str) -> tuple[npt.NDArray[np.floating[Any]], int]:
    import soundfile  # loaded on first use: building events needs no codec library

    try:
        samples, rate = soundfile.read(file, dtype="float32", always_2d=False)
    except soundfile.LibsndfileError as error:
        raise ValueError(f"{shown} is not audio soundfile can read (WAV, FLAC, OGG, MP3): "
                         f"{error.error_string}") from None
    except (RuntimeError, TypeError) as error:  # soundfile's other ways of saying "not audio"
        raise ValueError(f"{shown} is not audio soundfile can read (WAV, FLAC, OGG, MP3): "
                         f"{error}") from None
    return samples, int(rate)


def _mono(frames: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.float32]:
    """The channels' average, in float32.

    float32 holds 24 bits, more than the 16 the clip keeps, and halves the memory
    traffic: 10 minutes of 44.1 kHz stereo load at over 1,000x real time
    (benchmarks/audio.py). Channels are added column by column, which numpy does
    at memory speed, unlike ``mean(axis=1)`` over short rows.
    """
    if frames.ndim == 1:
        return frames.astype(np.float32, copy=False)
    mono = frames[:, 0].astype(np.float32)  # a copy
    for channel in range(1, frames.shape[1]):
        mono += frames[:, channel]
    if frames.shape[1] > 1:
        mono *= np.float32(1 / frames.shape[1])
    return mono


def _array_floats(array: np.ndarray[Any, Any]) -> npt.NDArray[np.floating[Any]]:
    """An integer or float array as floats in [-1, 1] (floats beyond are clipped later)."""
    if array.ndim not in (1, 2):
        raise ValueError(f"expected audio shaped (frames,) or (frames, channels), "
                         f"got shape {array.shape}")
    kind = array.dtype.kind
    if kind == "f":
        if array.size and not np.all(np.isfinite(array)):
            raise ValueError("the audio contains NaN or infinity")
        return array.astype(np.float64, copy=False)
    if kind == "i":
        return array / float(2 ** (8 * array.dtype.itemsize - 1))
    if kind == "u":  # unsigned samples (8-bit WAV style): silence is mid-scale
        half = float(2 ** (8 * array.dtype.itemsize - 1))
        return (array.astype(np.float64) - half) / half
    raise ValueError(f"expected integer or float samples, got dtype {array.dtype}")


def _describe(source: AudioSource) -> str:
    if isinstance(source, str | os.PathLike):
        return str(source)
    if isinstance(source, np.ndarray):
        return "the array"
    if isinstance(source, bytes | bytearray | memoryview):
        return "the bytes given"
    return str(getattr(source, "name", "the file object"))
