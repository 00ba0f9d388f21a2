"""PCM16 audio in the forms users have it, turned into the base64 text the wire carries.

The Realtime API's ``audio/pcm`` format is 16-bit signed little-endian mono at
24 kHz: 48 bytes per millisecond. This module only encodes and checks; it does
not resample (that is the audio helpers' job, a layer up).

>>> import numpy as np
>>> to_base64(np.array([0.0, 1.0, -1.0]))
'AAD/fwGA'
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import numpy as np

from ..errors import EventValidationError

__all__ = [
    "PCM_RATE",
    "PCM_BYTES_PER_MS",
    "AudioLike",
    "as_pcm16",
    "to_base64",
    "pcm16_bytes",
    "duration_ms",
]

PCM_RATE = 24_000
"""Sample rate of the API's PCM format, in Hz."""

PCM_BYTES_PER_MS = PCM_RATE * 2 // 1000
"""Bytes of PCM16 mono audio per millisecond (48)."""

AudioLike = bytes | bytearray | memoryview | str | np.ndarray[Any, Any]
"""Audio as accepted by :func:`to_base64`."""

def pcm16_bytes(audio: bytes | bytearray | memoryview | np.ndarray[Any, Any], param: str = "audio"
                ) -> bytes:
    """PCM16 little-endian bytes from raw bytes or a numpy array.

    Integer arrays must be int16; float arrays must lie in [-1, 1] and are
    scaled to int16 (values are rounded, so 1.0 becomes 32767). Arrays must be
    one-dimensional (mono).

    Raises:
        EventValidationError: odd byte length, wrong dtype, more than one
            channel, NaN, or floats outside [-1, 1].
    """
    if isinstance(audio, np.ndarray):
        return _array_to_pcm16(audio, param)
    data = bytes(audio)
    if len(data) % 2:
        raise EventValidationError(
            f"Invalid '{param}': PCM16 audio needs an even number of bytes, got {len(data)}.",
            param=param,
        )
    return data


def _array_to_pcm16(array: np.ndarray[Any, Any], param: str) -> bytes:
    if array.ndim != 1:
        raise EventValidationError(
            f"Invalid '{param}': expected mono audio (a 1-D array), got shape {array.shape}.",
            param=param,
        )
    if array.dtype.kind == "i" and array.dtype.itemsize == 2:  # int16 in either byte order
        return array.astype("<i2", copy=False).tobytes()
    if np.issubdtype(array.dtype, np.floating):
        if array.size and not np.all(np.isfinite(array)):
            raise EventValidationError(
                f"Invalid '{param}': float audio contains NaN or infinity.", param=param
            )
        if array.size and (array.max() > 1.0 or array.min() < -1.0):
            raise EventValidationError(
                f"Invalid '{param}': float audio must lie in [-1, 1], got"
                f" [{float(array.min()):g}, {float(array.max()):g}].",
                param=param,
            )
        scaled = np.rint(array * 32767.0).astype("<i2")
        return scaled.tobytes()
    raise EventValidationError(
        f"Invalid '{param}': expected an int16 or float array, got dtype {array.dtype}.",
        param=param,
        allowed=("int16", "float32", "float64"),
        code="invalid_type",
    )


def as_pcm16(audio: AudioLike, param: str = "audio") -> bytes:
    """PCM16 little-endian bytes from bytes, a numpy array or base64 text.

    Raises:
        EventValidationError: invalid base64, odd byte length, bad array, other types.
    """
    if isinstance(audio, str):
        try:
            data = binascii.a2b_base64(audio, strict_mode=True)
        except (binascii.Error, ValueError) as error:
            raise EventValidationError(
                f"Invalid '{param}': not valid base64 ({error}).", param=param
            ) from None
        return pcm16_bytes(data, param)
    if not isinstance(audio, (bytes, bytearray, memoryview, np.ndarray)):
        raise EventValidationError(
            f"Invalid '{param}': expected bytes, a base64 str or a numpy array,"
            f" got {type(audio).__name__}.",
            param=param,
            code="invalid_type",
        )
    return pcm16_bytes(audio, param)


def to_base64(audio: AudioLike, param: str = "audio") -> str:
    """The base64 text of PCM16 audio given as bytes, a numpy array or base64 text.

    A ``str`` is taken to be base64 already: it is checked (strict alphabet and
    padding, an even number of decoded bytes) and returned unchanged.

    Raises:
        EventValidationError: invalid base64, odd byte length, bad array.
    """
    if isinstance(audio, str):
        as_pcm16(audio, param)  # checks it
        return audio
    return base64.b64encode(as_pcm16(audio, param)).decode("ascii")


def duration_ms(num_bytes: int) -> float:
    """How long ``num_bytes`` of 24 kHz PCM16 mono audio lasts, in milliseconds.

    >>> duration_ms(48_000)
    1000.0
    """
    return num_bytes / PCM_BYTES_PER_MS
