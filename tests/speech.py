"""Real spoken clips for tests and demos, made offline: ``speech(text) -> rt.Audio``.

Debian's ``espeak-ng`` speaks any text when it is installed (``apt-get install
espeak-ng``); without it, the phrases in :data:`PHRASES` come from small WAVs
committed in ``tests/data/speech/`` (16 kHz mono 16-bit, made by this module
with espeak-ng: ``python -m tests.speech`` writes them again). Nothing needs
the network.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import realtime_nb as rt

__all__ = ["PHRASES", "SPEECH_DIR", "speech", "espeak_available", "committed_speech"]

SPEECH_DIR = Path(__file__).resolve().parent / "data" / "speech"
"""Where the committed clips are."""

PHRASES = {
    "Hello, can you hear me?": "hello.wav",
    "What is the weather in Paris?": "weather.wav",
    "Wait, stop.": "stop.wav",
}
"""The phrases there is a committed clip of, and its file name."""

COMMITTED_RATE = 16_000
"""The committed clips' sample rate: plenty for speech, two thirds of 24 kHz's size."""


def espeak_available() -> bool:
    """Whether the ``espeak-ng`` command is installed."""
    return shutil.which("espeak-ng") is not None


def espeak(text: str) -> rt.Audio:
    """``text`` spoken by espeak-ng (its default voice, 22.05 kHz), as a 24 kHz clip."""
    wav = subprocess.run(["espeak-ng", "--stdout", text], check=True, capture_output=True,
                         timeout=30).stdout
    return rt.load_audio(wav)


def committed_speech(text: str) -> rt.Audio:
    """The committed clip of ``text``, as a 24 kHz clip.

    Raises:
        LookupError: there is no committed clip of ``text``; the message lists those there are.
    """
    name = PHRASES.get(text)
    if name is None:
        raise LookupError(f"no committed clip says {text!r} (and espeak-ng is not installed); "
                          f"committed phrases: {', '.join(map(repr, PHRASES))}")
    return rt.load_audio(SPEECH_DIR / name)


def speech(text: str) -> rt.Audio:
    """``text`` spoken: by espeak-ng if installed, else from the committed clip."""
    return espeak(text) if espeak_available() else committed_speech(text)


def write_committed() -> None:
    """Make the committed clips again with espeak-ng (16 kHz mono 16-bit WAV)."""
    SPEECH_DIR.mkdir(parents=True, exist_ok=True)
    for text, name in PHRASES.items():
        clip = espeak(text).resampled(COMMITTED_RATE)
        clip.save(SPEECH_DIR / name)
        print(f"{name}: {clip.duration_ms:,.0f} ms, {(SPEECH_DIR / name).stat().st_size:,} bytes")


if __name__ == "__main__":
    write_committed()
