"""The spoken clips tests and demos use: espeak-ng when installed, committed WAVs otherwise."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

import realtime_nb as rt
from realtime_nb.mock.vad import EnergyVad
from tests import speech as clips

# ~65 ms a character is a normal speaking rate; espeak-ng's default is a little faster.
PLAUSIBLE_MS_PER_CHAR = (30, 110)


def assert_plausible_speech(clip: rt.Audio, text: str) -> None:
    assert clip.rate == 24_000
    low, high = PLAUSIBLE_MS_PER_CHAR
    assert low * len(text) < clip.duration_ms < high * len(text), clip
    samples = clip.samples.astype(np.float64) / 32768
    rms_db = 20 * np.log10(np.sqrt(np.mean(samples**2)))
    assert -35 < rms_db < -6, rms_db  # a voice, neither silence nor a square wave
    # The mock's server VAD (default threshold) hears one turn in it, followed by silence.
    vad = EnergyVad(silence_duration_ms=500)
    events = vad.feed(clip.samples) + vad.feed(np.zeros(24_000, np.int16))
    assert [type(e).__name__ for e in events] == ["SpeechStarted", "SpeechStopped"]


@pytest.mark.parametrize("text", list(clips.PHRASES))
def test_the_committed_clips_are_small_16k_mono_speech(text: str) -> None:
    path = clips.SPEECH_DIR / clips.PHRASES[text]
    info = soundfile.info(path)
    assert (info.samplerate, info.channels, info.subtype) == (16_000, 1, "PCM_16")
    assert 1000 <= info.duration * 1000 <= 2000  # one to two seconds each
    assert_plausible_speech(clips.committed_speech(text), text)


def test_the_committed_clips_stay_well_under_200_kb() -> None:
    total = sum(path.stat().st_size for path in clips.SPEECH_DIR.glob("*.wav"))
    assert total < 160_000, total
    assert sorted(p.name for p in clips.SPEECH_DIR.glob("*.wav")) == sorted(
        clips.PHRASES.values())


def test_without_espeak_speech_comes_from_the_committed_clip(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clips, "espeak_available", lambda: False)
    text = "Wait, stop."
    assert clips.speech(text) == clips.committed_speech(text)
    with pytest.raises(LookupError, match="no committed clip says 'Something else'.*"
                                          r"committed phrases: 'Hello, can you hear me\?'"):
        clips.speech("Something else")


# Only where espeak-ng is installed (Debian: apt-get install espeak-ng); elsewhere the
# committed clips above are what the tests use, and this is skipped.
@pytest.mark.skipif(not clips.espeak_available(), reason="espeak-ng is not installed")
@pytest.mark.parametrize("text", [*clips.PHRASES, "Any other sentence works as well."])
def test_espeak_speaks_any_text(text: str) -> None:
    clip = clips.speech(text)
    assert_plausible_speech(clip, text)
    if text in clips.PHRASES:
        # The committed clip was made the same way, at 16 kHz: same length within a sample.
        assert clip.duration_ms == pytest.approx(clips.committed_speech(text).duration_ms,
                                                 abs=0.1)
