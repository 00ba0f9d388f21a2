"""G.711 μ-law and A-law codecs for the API's ``audio/pcmu`` and ``audio/pcma`` formats.

The Realtime API also speaks telephone audio: 8 kHz G.711, one byte per sample.
:mod:`audioop` used to convert it, but it left the standard library in Python
3.13, so this module implements the ITU-T G.711 algorithms itself (the classic
Sun Microsystems reference code, which is what ``audioop`` used too), vectorized
with numpy. Decoding is a 256-entry table lookup; encoding is a 65,536-entry
table lookup indexed by the 16-bit sample, so both run at memory speed.

Only numpy and the standard library are imported: this is the codec layer, below
everything but the error and wire modules. It neither resamples nor does base64.

>>> import numpy as np
>>> pcm = np.array([0, 4096, -1000], dtype="<i2").tobytes()
>>> np.frombuffer(ulaw_to_pcm16(pcm16_to_ulaw(pcm)), "<i2").tolist()  # within one step
[0, 4092, -988]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "G711_RATE",
    "ulaw_to_pcm16",
    "alaw_to_pcm16",
    "pcm16_to_ulaw",
    "pcm16_to_alaw",
]

G711_RATE = 8000
"""Sample rate of G.711 audio (``audio/pcmu`` and ``audio/pcma``), in Hz."""

_BytesLike = bytes | bytearray | memoryview

# Segment end points of the reference encoder: the magnitude's segment is the
# first entry it does not exceed (μ-law works on 14-bit magnitudes plus a bias
# of 33, A-law on 13-bit magnitudes).
_ULAW_SEG_END = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF], dtype=np.int32)
_ALAW_SEG_END = np.array([0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF], dtype=np.int32)
_ULAW_BIAS = 0x84
_ULAW_CLIP = 8159


def _ulaw_decode_table() -> npt.NDArray[np.int16]:
    code = ~np.arange(256, dtype=np.int32) & 0xFF  # codes are stored inverted
    magnitude = (((code & 0x0F) << 3) + _ULAW_BIAS) << ((code & 0x70) >> 4)
    return np.where(code & 0x80, _ULAW_BIAS - magnitude, magnitude - _ULAW_BIAS).astype("<i2")


def _alaw_decode_table() -> npt.NDArray[np.int16]:
    code = np.arange(256, dtype=np.int32) ^ 0x55  # even bits are stored inverted
    segment = (code & 0x70) >> 4
    mantissa = (code & 0x0F) << 4
    magnitude = np.where(
        segment == 0, mantissa + 8, (mantissa + 0x108) << np.maximum(segment - 1, 0)
    )
    return np.where(code & 0x80, magnitude, -magnitude).astype("<i2")


def _all_samples() -> npt.NDArray[np.int32]:
    # Every int16 value, ordered by its unsigned 16-bit pattern, so that the
    # encode tables can be indexed with ``samples.view(np.uint16)``.
    return np.arange(65536, dtype=np.uint16).view(np.int16).astype(np.int32)


def _ulaw_encode_table() -> npt.NDArray[np.uint8]:
    value = _all_samples() >> 2  # the reference encoder works on 14 bits
    negative = value < 0
    mask = np.where(negative, 0x7F, 0xFF)
    magnitude = np.minimum(np.where(negative, -value, value), _ULAW_CLIP) + (_ULAW_BIAS >> 2)
    segment = np.searchsorted(_ULAW_SEG_END, magnitude).astype(np.int32)
    code = (np.minimum(segment, 7) << 4) | ((magnitude >> (segment + 1)) & 0x0F)
    code = np.where(segment >= 8, 0x7F, code)  # past the last segment: the largest code
    return (code ^ mask).astype(np.uint8)


def _alaw_encode_table() -> npt.NDArray[np.uint8]:
    value = _all_samples() >> 3  # the reference encoder works on 13 bits
    negative = value < 0
    mask = np.where(negative, 0x55, 0xD5)
    magnitude = np.where(negative, -value - 1, value)  # so -1 maps next to +0, as G.711 says
    segment = np.searchsorted(_ALAW_SEG_END, magnitude).astype(np.int32)
    shift = np.where(segment < 2, 1, segment)
    code = (np.minimum(segment, 7) << 4) | ((magnitude >> shift) & 0x0F)
    code = np.where(segment >= 8, 0x7F, code)
    return (code ^ mask).astype(np.uint8)


_ULAW_DECODE = _ulaw_decode_table()
_ALAW_DECODE = _alaw_decode_table()
_ULAW_ENCODE = _ulaw_encode_table()
_ALAW_ENCODE = _alaw_encode_table()


def _samples_of(data: _BytesLike) -> npt.NDArray[np.uint16]:
    size = memoryview(data).nbytes
    if size % 2:
        raise ValueError(f"PCM16 audio needs an even number of bytes, got {size}.")
    # Little-endian on every host; the unsigned view is the encode tables' index.
    return np.frombuffer(data, dtype="<u2")


def ulaw_to_pcm16(data: _BytesLike) -> bytes:
    """Decode G.711 μ-law bytes to PCM16 (signed 16-bit little-endian), sample for sample.

    >>> import numpy as np
    >>> np.frombuffer(ulaw_to_pcm16(bytes([0xFF, 0x00, 0x80])), "<i2").tolist()
    [0, -32124, 32124]
    """
    codes = np.frombuffer(data, dtype=np.uint8)
    return _ULAW_DECODE[codes].tobytes()


def alaw_to_pcm16(data: _BytesLike) -> bytes:
    """Decode G.711 A-law bytes to PCM16 (signed 16-bit little-endian), sample for sample.

    >>> import numpy as np
    >>> np.frombuffer(alaw_to_pcm16(bytes([0xD5, 0x55, 0xAA, 0x2A])), "<i2").tolist()
    [8, -8, 32256, -32256]
    """
    codes = np.frombuffer(data, dtype=np.uint8)
    return _ALAW_DECODE[codes].tobytes()


def pcm16_to_ulaw(data: _BytesLike) -> bytes:
    """Encode PCM16 (signed 16-bit little-endian) to G.711 μ-law, one byte per sample.

    Values beyond μ-law's range (about ±32124) clip to the largest code.

    Raises:
        ValueError: ``data`` has an odd number of bytes.

    >>> pcm16_to_ulaw(b"\\x00\\x00\\x00\\x80\\xff\\x7f").hex()
    'ff0080'
    """
    return _ULAW_ENCODE[_samples_of(data)].tobytes()


def pcm16_to_alaw(data: _BytesLike) -> bytes:
    """Encode PCM16 (signed 16-bit little-endian) to G.711 A-law, one byte per sample.

    Raises:
        ValueError: ``data`` has an odd number of bytes.

    >>> pcm16_to_alaw(b"\\x00\\x00\\xff\\xff\\xff\\x7f\\x00\\x80").hex()
    'd555aa2a'
    """
    return _ALAW_ENCODE[_samples_of(data)].tobytes()
