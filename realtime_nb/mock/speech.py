"""Speech-like audio synthesized from text, for the mock server and for tests.

The mock server streams assistant audio alongside the transcript, and tests
drive server VAD with user audio; neither needs intelligible words, but both
need audio that *behaves* like speech: voiced for about as long as the text
would take to say, in word-sized bursts with short gaps, loud enough for a VAD
and with a pitch and vowel colour that sound like a voice. Real text-to-speech
would be a heavy dependency; this is a few numpy operations.

How it sounds: each word becomes one or more syllables, each a train of glottal
pulses (f0 between 100 and 220 Hz, fixed per voice name, drifting gently and
declining over the utterance) filtered through three formant resonances of a
vowel taken from the word's spelling. Pulses are rendered by adding one short
impulse response per pulse, so the cost is proportional to the number of pulses,
not to samples times harmonics. Output is 24 kHz PCM16 peaking at -4 dBFS (up to
about 2 dB lower, so that no 10 ms stretch is louder than -12 dBFS RMS): voiced
frames sit far above the -35 dBFS that :class:`~realtime_nb.mock.vad.EnergyVad`
needs at its default threshold and below the -10.5 dBFS it needs at 0.99.

Everything is deterministic for a given text, seed and voice.

>>> audio = synthesize("Hello there")
>>> audio.dtype, len(audio) == speech_duration_ms("Hello there") * 24
(dtype('int16'), True)
"""

from __future__ import annotations

import math
import re
import zlib

import numpy as np
import numpy.typing as npt

from ..audio.pcm import PCM_RATE

__all__ = [
    "SPEECH_RATE",
    "speech_duration_ms",
    "synthesize",
    "speech_with_silence",
    "silence",
]

SPEECH_RATE = PCM_RATE
"""Sample rate of the synthesized audio, in Hz (the API's PCM rate)."""

_MS_PER_CHAR = 65  # about 15 characters a second, a typical speaking rate
_MIN_MS = 200  # even "a" takes a moment to say
_PEAK = 32767 * 10 ** (-4 / 20)  # -4 dBFS: loud, with headroom
# No 10 ms window louder than -12 dBFS RMS, so EnergyVad at threshold 0.99 (-10.5 dBFS)
# never fires: the -4 dBFS peak target gives way when a pitch-dense voice gets close.
_MAX_RMS = 32767 * 10 ** (-12 / 20)
_IR_SAMPLES = 288  # 12 ms: the formant ringing has decayed by then
_WORD = re.compile(r"\w+(?:['\u2019-]\w+)*")  # apostrophes and hyphens join words
_VOWEL_GROUP = re.compile(r"[aeiouy]+", re.IGNORECASE)

# (F1, F2, F3) in Hz of an adult male voice; higher voices scale them up.
_VOWELS: dict[str, tuple[float, float, float]] = {
    "a": (730.0, 1090.0, 2440.0),
    "e": (530.0, 1840.0, 2480.0),
    "i": (270.0, 2290.0, 3010.0),
    "o": (570.0, 840.0, 2410.0),
    "u": (300.0, 870.0, 2240.0),
    "y": (390.0, 1990.0, 2550.0),
}
_VOWEL_NAMES = tuple(_VOWELS)
_FORMANT_GAINS = np.array([1.0, 0.5, 0.25])  # higher formants are weaker in speech
_FORMANT_BANDWIDTHS = np.array([80.0, 100.0, 140.0])


def speech_duration_ms(text: str) -> int:
    """How long :func:`synthesize` takes to say ``text``, in milliseconds.

    65 ms per character (spaces and punctuation included, as they are the pauses),
    at least 200 ms for any non-empty text, 0 for the empty string.

    >>> speech_duration_ms(""), speech_duration_ms("Hi"), speech_duration_ms("Hello world")
    (0, 200, 715)
    """
    if not text:
        return 0
    return max(_MIN_MS, _MS_PER_CHAR * len(text))


def silence(ms: int) -> npt.NDArray[np.int16]:
    """``ms`` milliseconds of digital silence at :data:`SPEECH_RATE`.

    Raises:
        ValueError: ``ms`` is negative.

    >>> silence(10).shape
    (240,)
    """
    if ms < 0:
        raise ValueError(f"ms must be >= 0, got {ms}.")
    return np.zeros(ms * SPEECH_RATE // 1000, np.int16)


def speech_with_silence(
    text: str, *, lead_ms: int = 300, tail_ms: int = 800, seed: int = 0, voice: str = "alloy"
) -> npt.NDArray[np.int16]:
    """Silence, then ``synthesize(text)``, then silence: one whole user turn for a VAD.

    Raises:
        ValueError: ``lead_ms`` or ``tail_ms`` is negative.

    >>> len(speech_with_silence("Hi", lead_ms=100, tail_ms=100)) // 24
    400
    """
    return np.concatenate(
        (silence(lead_ms), synthesize(text, seed=seed, voice=voice), silence(tail_ms))
    )


def synthesize(text: str, *, seed: int = 0, voice: str = "alloy") -> npt.NDArray[np.int16]:
    """Speech-like int16 audio at 24 kHz lasting exactly ``speech_duration_ms(text)``.

    Each character gets an equal share of the time; runs of letters and digits
    are voiced, everything else (spaces, punctuation) is silence. Text without
    any letter or digit therefore gives silence of the same duration. ``voice``
    picks the pitch and vocal-tract size; ``seed`` varies stress and jitter.

    >>> a = synthesize("One two", seed=1)
    >>> bool((a == synthesize("One two", seed=1)).all()), bool((a == synthesize("One two")).all())
    (True, False)
    >>> len(synthesize(""))
    0
    """
    samples = speech_duration_ms(text) * SPEECH_RATE // 1000
    if samples == 0:
        return np.zeros(0, np.int16)
    rng = np.random.default_rng([seed & 0xFFFFFFFF, _crc(text), _crc(voice)])
    f0 = _voice_f0(voice)
    per_char = samples / len(text)

    syllables = _syllables(text, per_char, rng)
    if not syllables:
        return np.zeros(samples, np.int16)
    starts = np.array([s[0] for s in syllables])
    ends = np.array([s[1] for s in syllables])
    vowels = np.array([s[2] for s in syllables])
    levels = np.array([s[3] for s in syllables])

    pulses = _pulse_positions(samples, f0, rng)
    which = np.searchsorted(starts, pulses, side="right") - 1
    inside = (which >= 0) & (pulses < ends[np.maximum(which, 0)])
    pulses, which = pulses[inside], which[inside]

    # Syllable nucleus loudest, consonant-like dips between syllables of a word.
    where = (pulses - starts[which]) / (ends[which] - starts[which])
    amplitude = levels[which] * (0.45 + 0.55 * np.sin(np.pi * where) ** 0.7)
    amplitude *= 1.0 + 0.04 * rng.standard_normal(len(pulses))  # shimmer

    responses = _impulse_responses(f0)
    index = pulses[:, None] + np.arange(_IR_SAMPLES)[None, :]
    weights = amplitude[:, None] * responses[vowels[which]]
    summed = np.bincount(index.ravel(), weights.ravel(), minlength=samples + _IR_SAMPLES)
    out = summed[:samples].astype(np.float64, copy=False)

    out *= _word_envelope(text, per_char, samples)
    peak = float(np.max(np.abs(out)))
    if peak > 0:
        out *= min(_PEAK / peak, _loudness_limit(out))
    return np.rint(out).astype(np.int16)


def _loudness_limit(audio: npt.NDArray[np.float64]) -> float:
    """The gain that brings the loudest 10 ms window (at any 1 ms offset) to _MAX_RMS."""
    window = SPEECH_RATE // 100
    energy = np.concatenate(([0.0], np.cumsum(audio * audio)))
    offsets = np.arange(0, max(len(audio) - window, 0) + 1, SPEECH_RATE // 1000)
    ends = np.minimum(offsets + window, len(audio))
    loudest = float(np.max(energy[ends] - energy[offsets])) / window
    return _MAX_RMS / math.sqrt(loudest) if loudest > 0 else math.inf


def _crc(text: str) -> int:
    # Python's hash() is salted per process; a CRC keeps output reproducible.
    return zlib.crc32(text.encode("utf-8"))


def _voice_f0(voice: str) -> float:
    return 100.0 + _crc(voice.lower()) % 121


def _syllables(
    text: str, per_char: float, rng: np.random.Generator
) -> list[tuple[int, int, int, float]]:
    """(start, end, vowel index, level) of every syllable, in order."""
    result: list[tuple[int, int, int, float]] = []
    for match in _WORD.finditer(text):
        start, end = round(match.start() * per_char), round(match.end() * per_char)
        groups = [g[0].lower() for g in _VOWEL_GROUP.findall(match.group())]
        # Syllables of at least 80 ms; words without Latin vowels get one per ~180 ms.
        count = len(groups) or round((end - start) / (0.18 * SPEECH_RATE))
        count = max(1, min(count, (end - start) // (SPEECH_RATE * 80 // 1000)))
        bounds = np.linspace(start, end, count + 1).round().astype(int)
        for k in range(count):
            if k < len(groups):
                vowel = _VOWEL_NAMES.index(groups[k])
            else:
                vowel = int(rng.integers(len(_VOWEL_NAMES)))
            level = float(rng.uniform(0.6, 1.0))
            result.append((int(bounds[k]), int(bounds[k + 1]), vowel, level))
    return result


def _pulse_positions(samples: int, f0: float, rng: np.random.Generator) -> npt.NDArray[np.int64]:
    """Sample indices of glottal pulses over the whole utterance."""
    # Work on a 1 ms grid: pitch moves slowly, and interpolation places pulses exactly.
    ms = np.arange(samples * 1000 // SPEECH_RATE + 2, dtype=np.float64)
    seconds = ms / 1000.0
    total = max(seconds[-1], 1e-3)
    drift = 0.06 * np.sin(2 * np.pi * 0.8 * seconds + rng.uniform(0, 2 * np.pi))
    contour = f0 * (1.0 + drift) * (1.0 - 0.12 * seconds / total)  # declination
    cycles = np.concatenate(([0.0], np.cumsum(contour[:-1]) / 1000.0))
    times_ms = np.interp(np.arange(math.floor(cycles[-1])), cycles, ms)
    times_ms += rng.normal(0.0, 0.05, len(times_ms))  # jitter, about 1% of a period
    positions = np.rint(times_ms * SPEECH_RATE / 1000).astype(np.int64)
    return positions[(positions >= 0) & (positions < samples)]


def _impulse_responses(f0: float) -> npt.NDArray[np.float64]:
    """One vocal-tract impulse response per vowel, peak-normalized, shape (vowels, samples)."""
    # Higher-pitched voices usually come from shorter vocal tracts: raise formants too.
    stretch = 1.0 + 0.25 * (f0 - 100.0) / 120.0
    t = np.arange(_IR_SAMPLES) / SPEECH_RATE
    formants = np.array([_VOWELS[name] for name in _VOWEL_NAMES]) * stretch  # (vowels, 3)
    decay = np.exp(-np.pi * _FORMANT_BANDWIDTHS[:, None] * t)  # (3, samples)
    ringing = np.sin(2 * np.pi * formants[:, :, None] * t)  # (vowels, 3, samples)
    responses = np.asarray(
        np.einsum("f,fs,vfs->vs", _FORMANT_GAINS, decay, ringing), dtype=np.float64
    )
    responses /= np.max(np.abs(responses), axis=1, keepdims=True)
    return responses


def _word_envelope(text: str, per_char: float, samples: int) -> npt.NDArray[np.float64]:
    """1 inside words, 0 between them, with short raised-cosine edges."""
    envelope = np.zeros(samples)
    attack_full = SPEECH_RATE * 8 // 1000
    release_full = SPEECH_RATE * 20 // 1000
    for match in _WORD.finditer(text):
        start, end = round(match.start() * per_char), round(match.end() * per_char)
        envelope[start:end] = 1.0
        attack = min(attack_full, (end - start) // 4)
        release = min(release_full, (end - start) // 4)
        if attack:
            envelope[start : start + attack] = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, attack))
        if release:
            envelope[end - release : end] = 0.5 + 0.5 * np.cos(np.linspace(0, np.pi, release))
    return envelope
