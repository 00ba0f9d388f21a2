"""The wire's audio formats by name: rate, bytes per millisecond, and where a session says which.

A session's input and output audio are each in one of three formats
(``session.audio.input.format`` / ``session.audio.output.format``, GA names):

=============== ========================== ======== =============
``type``        what                       rate     bytes per ms
=============== ========================== ======== =============
``audio/pcm``   PCM16 little-endian, mono  24 kHz   48
``audio/pcmu``  G.711 μ-law                8 kHz    8
``audio/pcma``  G.711 A-law                8 kHz    8
=============== ========================== ======== =============

Every function here takes a format as the GA ``type`` string, as an
:class:`~realtime_nb.wire.AudioPCM` / ``AudioPCMU`` / ``AudioPCMA`` value, or as
the beta name (``"pcm16"``, ``"g711_ulaw"``, ``"g711_alaw"``); ``None`` and
``UNSET`` mean the API's default, ``audio/pcm``. No I/O, no numpy.

>>> bytes_per_ms("audio/pcmu"), sample_rate("g711_alaw"), format_type(None)
(8, 8000, 'audio/pcm')
"""

from __future__ import annotations

from typing import Any, Literal

from ..wire.base import UNSET, WireModel
from ..wire.reprs import AUDIO_FORMATS

__all__ = [
    "FormatType",
    "FORMAT_TYPES",
    "format_type",
    "sample_rate",
    "sample_width",
    "bytes_per_ms",
    "session_format",
]

FormatType = Literal["audio/pcm", "audio/pcmu", "audio/pcma"]
"""A GA audio format ``type``."""

FORMAT_TYPES: tuple[FormatType, ...] = ("audio/pcm", "audio/pcmu", "audio/pcma")
"""Every audio format the API knows, by GA ``type``."""

_BETA_NAMES: dict[str, FormatType] = {
    "pcm16": "audio/pcm", "g711_ulaw": "audio/pcmu", "g711_alaw": "audio/pcma"}


def format_type(fmt: Any) -> FormatType:
    """The GA ``type`` of ``fmt`` (a type string, a beta name, a format value, or
    ``None``/``UNSET`` for the default).

    Raises:
        ValueError: not an audio format of the API; the message lists those there are.
    """
    if isinstance(fmt, WireModel):
        tag = fmt.__struct_config__.tag
        fmt = tag if isinstance(tag, str) else fmt
    elif fmt is None or fmt is UNSET:
        return "audio/pcm"  # the API's default (wire.reprs.DEFAULT_AUDIO_FORMAT)
    if isinstance(fmt, str):
        if fmt in FORMAT_TYPES:
            return fmt
        if fmt in _BETA_NAMES:
            return _BETA_NAMES[fmt]
    raise ValueError(f"Unknown audio format {fmt!r}: expected one of "
                     f"{', '.join(repr(name) for name in FORMAT_TYPES)} "
                     f"(beta: {', '.join(repr(name) for name in _BETA_NAMES)}).")


def sample_rate(fmt: Any) -> int:
    """Samples per second: 24,000 for PCM16, 8,000 for G.711."""
    return AUDIO_FORMATS[format_type(fmt)][0]


def sample_width(fmt: Any) -> int:
    """Bytes per sample on the wire: 2 for PCM16, 1 for G.711."""
    return AUDIO_FORMATS[format_type(fmt)][1]


def bytes_per_ms(fmt: Any) -> int:
    """Bytes per millisecond on the wire: 48 for PCM16, 8 for G.711."""
    rate, width, _ = AUDIO_FORMATS[format_type(fmt)]
    return rate * width // 1000


def session_format(session: Any, direction: Literal["input", "output"]) -> FormatType:
    """The format of a session's input or output audio (``session.audio.<direction>.format``).

    ``session`` is what ``session.created`` / ``session.updated`` carry (GA
    names in both dialects), or ``None``; whatever the session does not say
    is the default, ``audio/pcm``.

    >>> from realtime_nb.wire import AudioConfig, AudioInput, AudioPCMU, Session
    >>> session_format(Session(audio=AudioConfig(input=AudioInput(format=AudioPCMU()))), "input")
    'audio/pcmu'
    >>> session_format(None, "output")
    'audio/pcm'
    """
    audio = getattr(session, "audio", None)
    side = getattr(audio, direction, None)
    return format_type(getattr(side, "format", None))
