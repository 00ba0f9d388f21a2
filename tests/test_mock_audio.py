"""The audio building blocks under the mock server: G.711, the energy VAD, synthetic speech."""

from __future__ import annotations

import importlib
import warnings
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from realtime_nb.audio.g711 import (
    G711_RATE,
    alaw_to_pcm16,
    pcm16_to_alaw,
    pcm16_to_ulaw,
    ulaw_to_pcm16,
)
from realtime_nb.mock.speech import (
    SPEECH_RATE,
    silence,
    speech_duration_ms,
    speech_with_silence,
    synthesize,
)
from realtime_nb.mock.vad import EnergyVad, SpeechStarted, SpeechStopped, VadEvent

ALL_PCM = np.arange(-32768, 32768, dtype="<i2")
TEXT = "Hello there, how are you doing today"


def pcm(values: Any) -> bytes:
    return np.asarray(values, dtype="<i2").tobytes()


def samples(data: bytes) -> npt.NDArray[np.int16]:
    return np.frombuffer(data, dtype="<i2")


def frame_dbfs(audio: npt.NDArray[np.int16]) -> npt.NDArray[np.float64]:
    frames = audio[: len(audio) // 240 * 240].reshape(-1, 240).astype(np.float64)
    mean_square = np.maximum((frames**2).mean(axis=1), 1e-12)
    return np.asarray(10 * np.log10(mean_square / 32768.0**2), dtype=np.float64)


# --- G.711 -------------------------------------------------------------------------------


def test_g711_rate() -> None:
    assert G711_RATE == 8000


@pytest.mark.parametrize(
    ("code", "value"),
    [(0xFF, 0), (0x7F, 0), (0x00, -32124), (0x80, 32124), (0xF0, 120), (0x70, -120)],
)
def test_ulaw_decode_known_values(code: int, value: int) -> None:
    assert samples(ulaw_to_pcm16(bytes([code]))).tolist() == [value]


@pytest.mark.parametrize(
    ("code", "value"),
    [(0xD5, 8), (0x55, -8), (0xAA, 32256), (0x2A, -32256), (0xD4, 24), (0x80, 5504)],
)
def test_alaw_decode_known_values(code: int, value: int) -> None:
    assert samples(alaw_to_pcm16(bytes([code]))).tolist() == [value]


def test_encode_known_values() -> None:
    extremes = pcm([0, -1, 32767, -32768, 8])
    assert pcm16_to_ulaw(extremes) == bytes([0xFF, 0x7E, 0x80, 0x00, 0xFE])
    assert pcm16_to_alaw(extremes) == bytes([0xD5, 0x55, 0xAA, 0x2A, 0xD5])


def test_one_sample_per_byte_and_empty_input() -> None:
    assert len(ulaw_to_pcm16(bytes(range(256)))) == 512
    assert len(pcm16_to_alaw(ALL_PCM.tobytes())) == 65536
    for codec in (ulaw_to_pcm16, alaw_to_pcm16, pcm16_to_ulaw, pcm16_to_alaw):
        assert codec(b"") == b""


def test_decode_is_odd_symmetric_and_monotonic() -> None:
    for decode, sign in ((ulaw_to_pcm16, 0x80), (alaw_to_pcm16, 0x80)):
        positive = samples(decode(bytes(code | sign for code in range(128))))
        negative = samples(decode(bytes(range(128))))
        assert (positive == -negative).all()
        assert len(set(positive.tolist())) == 128
    # μ-law codes are stored inverted: larger codes are quieter.
    assert (np.diff(samples(ulaw_to_pcm16(bytes(range(0x80, 0x100)))).astype(int)) < 0).all()


@pytest.mark.parametrize(
    ("encode", "decode", "limit"),
    [(pcm16_to_ulaw, ulaw_to_pcm16, 32124), (pcm16_to_alaw, alaw_to_pcm16, 32256)],
)
def test_round_trip_within_one_quantization_step(encode: Any, decode: Any, limit: int) -> None:
    levels = np.unique(samples(decode(bytes(range(256)))).astype(np.int64))
    steps = np.diff(levels)
    decoded = samples(decode(encode(ALL_PCM.tobytes()))).astype(np.int64)
    original = ALL_PCM.astype(np.int64)
    in_range = np.abs(original) <= limit
    # The step around a value: the gap between the decode levels on either side of it.
    where = np.clip(np.searchsorted(levels, original[in_range]), 1, len(levels) - 1)
    assert (np.abs(decoded[in_range] - original[in_range]) <= steps[where - 1]).all()
    assert (decoded[~in_range] == np.sign(original[~in_range]) * limit).all()
    # Decoded levels are fixed points: encoding them again returns them unchanged.
    assert decode(encode(levels.astype("<i2").tobytes())) == levels.astype("<i2").tobytes()


def test_encode_rejects_odd_byte_counts() -> None:
    with pytest.raises(ValueError, match="even number of bytes"):
        pcm16_to_ulaw(b"\x00")
    with pytest.raises(ValueError, match="even number of bytes"):
        pcm16_to_alaw(b"\x00\x00\x00")


def test_codecs_accept_bytearray_and_memoryview() -> None:
    data = ALL_PCM[::97].tobytes()
    assert pcm16_to_ulaw(bytearray(data)) == pcm16_to_ulaw(memoryview(data)) == pcm16_to_ulaw(data)


def test_matches_audioop() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        # The standard library's until 3.12; the audioop-lts test dependency from 3.13.
        audioop = importlib.import_module("audioop")
    data = ALL_PCM.tobytes()
    assert pcm16_to_ulaw(data) == audioop.lin2ulaw(data, 2)
    assert pcm16_to_alaw(data) == audioop.lin2alaw(data, 2)
    assert ulaw_to_pcm16(bytes(range(256))) == audioop.ulaw2lin(bytes(range(256)), 2)
    assert alaw_to_pcm16(bytes(range(256))) == audioop.alaw2lin(bytes(range(256)), 2)


# --- EnergyVad ---------------------------------------------------------------------------


def feed_in_chunks(vad: EnergyVad, audio: npt.NDArray[np.int16], size: int) -> list[VadEvent]:
    events: list[VadEvent] = []
    for start in range(0, len(audio), size):
        events += vad.feed(audio[start : start + size])
    return events


def test_vad_one_turn_on_speech_with_silence() -> None:
    lead, padding = 600, 300
    audio = speech_with_silence(TEXT, lead_ms=lead, tail_ms=800)
    vad = EnergyVad(prefix_padding_ms=padding)
    events = vad.feed(audio)
    assert [type(event) for event in events] == [SpeechStarted, SpeechStopped]
    start, stop = events
    assert isinstance(start, SpeechStarted) and isinstance(stop, SpeechStopped)
    assert lead - padding <= start.audio_start_ms <= lead - padding + 20
    speech_end = lead + speech_duration_ms(TEXT)
    assert speech_end - 60 <= stop.audio_end_ms <= speech_end
    assert not vad.in_speech


def test_vad_stays_in_speech_until_the_silence_is_long_enough() -> None:
    vad = EnergyVad(silence_duration_ms=500)
    events = vad.feed(speech_with_silence(TEXT, lead_ms=300, tail_ms=400))
    assert [type(event) for event in events] == [SpeechStarted]
    assert vad.in_speech
    assert [type(event) for event in vad.feed(silence(100))] == [SpeechStopped]


@pytest.mark.parametrize("size", [37, 240, 2400, 100_000])
def test_vad_chunking_does_not_change_events(size: int) -> None:
    audio = np.concatenate(
        (speech_with_silence("First part here", lead_ms=250), speech_with_silence("and more"))
    )
    expected = EnergyVad().feed(audio)
    assert len(expected) == 4
    assert feed_in_chunks(EnergyVad(), audio, size) == expected


def test_vad_high_threshold_and_silence_detect_nothing() -> None:
    audio = speech_with_silence(TEXT)
    assert EnergyVad(threshold=0.99).feed(audio) == []
    assert EnergyVad(threshold=0.0).feed(silence(5000)) == []


def test_vad_ignores_a_click() -> None:
    audio = silence(1000)
    audio[12_000:12_300] = 20_000  # 12.5 ms: touches two frames, fewer than three
    assert EnergyVad().feed(audio) == []


@pytest.mark.parametrize(("silence_ms", "turns"), [(800, 1), (200, 2)])
def test_vad_silence_duration_merges_or_splits(silence_ms: int, turns: int) -> None:
    gap_ms = 400
    audio = np.concatenate(
        (
            speech_with_silence("Good morning", lead_ms=300, tail_ms=gap_ms),
            speech_with_silence("to you all", lead_ms=0, tail_ms=1000),
        )
    )
    events = EnergyVad(silence_duration_ms=silence_ms).feed(audio)
    assert [type(event) for event in events] == [SpeechStarted, SpeechStopped] * turns


def test_vad_prefix_padding_clamps_at_zero() -> None:
    events = EnergyVad(prefix_padding_ms=300).feed(speech_with_silence("Hello", lead_ms=100))
    assert events[0] == SpeechStarted(0)
    events = EnergyVad(prefix_padding_ms=0).feed(speech_with_silence("Hello", lead_ms=0))
    assert events[0] == SpeechStarted(0)


def test_vad_times_are_absolute_across_turns() -> None:
    vad = EnergyVad(prefix_padding_ms=0)
    first = vad.feed(speech_with_silence("Hi there", lead_ms=500, tail_ms=1000))
    second = vad.feed(speech_with_silence("Hi there", lead_ms=500, tail_ms=1000))
    assert len(first) == len(second) == 2
    offset = 500 + speech_duration_ms("Hi there") + 1000  # whole frames: same alignment
    assert offset % 10 == 0
    assert [_time(event) + offset for event in first] == [_time(event) for event in second]


def _time(event: VadEvent) -> int:
    return event.audio_start_ms if isinstance(event, SpeechStarted) else event.audio_end_ms


def test_vad_position_counts_all_audio() -> None:
    vad = EnergyVad()
    assert vad.position_ms == 0
    vad.feed(silence(1000))
    assert vad.position_ms == 1000
    vad.feed(np.zeros(36, np.int16))  # 1.5 ms: a partial frame still counts
    assert vad.position_ms == 1001
    vad.feed(speech_with_silence("Hi"))
    assert vad.position_ms == 1001 + 300 + 200 + 800
    assert EnergyVad(rate=8000).feed(np.zeros(8000, np.int16)) == []


def test_vad_reset() -> None:
    vad = EnergyVad(prefix_padding_ms=0)
    vad.feed(speech_with_silence(TEXT, lead_ms=1000, tail_ms=0))
    assert vad.in_speech
    vad.reset()
    assert not vad.in_speech
    assert vad.position_ms == 1000 + speech_duration_ms(TEXT)
    # No stop for the forgotten turn; the next one is timed from the very start.
    events = vad.feed(speech_with_silence("Hi", lead_ms=500))
    assert [type(event) for event in events] == [SpeechStarted, SpeechStopped]
    start = 1000 + speech_duration_ms(TEXT) + 500
    assert start <= _time(events[0]) <= start + 20
    vad.reset(keep_position=False)
    assert vad.position_ms == 0
    assert 500 <= _time(vad.feed(speech_with_silence("Hi", lead_ms=500))[0]) <= 520


def test_vad_configure_mid_stream() -> None:
    vad = EnergyVad()
    audio = speech_with_silence(TEXT)
    vad.configure(threshold=0.99)
    assert vad.feed(audio) == []
    vad.configure(threshold=0.5, prefix_padding_ms=0, silence_duration_ms=2000)
    assert (vad.threshold, vad.prefix_padding_ms, vad.silence_duration_ms) == (0.5, 0, 2000)
    events = vad.feed(speech_with_silence(TEXT, tail_ms=1000))
    assert [type(event) for event in events] == [SpeechStarted]
    # Shortening the silence ends the turn already silent for 1000 ms, on the next feed.
    vad.configure(silence_duration_ms=500)
    assert [type(event) for event in vad.feed(np.zeros(0, np.int16))] == [SpeechStopped]


def test_vad_rejects_bad_parameters_and_input() -> None:
    with pytest.raises(ValueError, match="threshold"):
        EnergyVad(threshold=1.5)
    with pytest.raises(ValueError, match="prefix_padding_ms"):
        EnergyVad(prefix_padding_ms=-1)
    with pytest.raises(ValueError, match="silence_duration_ms"):
        EnergyVad().configure(silence_duration_ms=-10)
    with pytest.raises(ValueError, match="rate"):
        EnergyVad(rate=22050)
    with pytest.raises(ValueError, match="int16"):
        EnergyVad().feed(np.zeros(10, np.float32))
    with pytest.raises(ValueError, match="int16"):
        EnergyVad().feed(np.zeros((10, 2), np.int16))


def test_vad_accepts_big_endian_int16() -> None:
    audio = speech_with_silence("Hello")
    assert EnergyVad().feed(audio.astype(">i2")) == EnergyVad().feed(audio)


# --- synthetic speech --------------------------------------------------------------------


def test_speech_duration() -> None:
    assert SPEECH_RATE == 24000
    assert speech_duration_ms("") == 0
    assert speech_duration_ms("a") >= 200
    durations = [speech_duration_ms("x" * n) for n in (10, 20, 40, 80)]
    assert durations == sorted(durations) and len(set(durations)) == 4
    assert 55 * 80 <= durations[-1] <= 75 * 80


@pytest.mark.parametrize("text", ["", "a", "Hi", TEXT, "?!", "你好世界", "It's 3 o'clock."])
def test_synthesize_length_and_dtype(text: str) -> None:
    audio = synthesize(text)
    assert audio.dtype == np.int16 and audio.ndim == 1
    assert len(audio) == speech_duration_ms(text) * 24


def test_synthesize_is_deterministic() -> None:
    assert (synthesize(TEXT, seed=3, voice="echo") == synthesize(TEXT, seed=3, voice="echo")).all()
    assert (synthesize(TEXT) != synthesize(TEXT, seed=1)).any()
    assert (synthesize(TEXT) != synthesize(TEXT, voice="shimmer")).any()


@pytest.mark.parametrize("voice", ["alloy", "ash", "ballad", "coral", "echo", "sage", "verse"])
@pytest.mark.parametrize("text", ["Hi", TEXT])
def test_synthesize_level(voice: str, text: str) -> None:
    audio = synthesize(text, voice=voice, seed=7)
    peak_db = 20 * np.log10(np.abs(audio.astype(np.int32)).max() / 32768)
    assert -6.5 <= peak_db <= -3.0
    levels = frame_dbfs(audio)
    assert levels.max() < -10.5  # EnergyVad(threshold=0.99) must stay silent
    voiced = levels[levels > -35]
    assert len(voiced) >= 0.6 * len(levels)  # mostly voiced, with gaps between words
    assert np.median(voiced) > -25


def test_synthesize_has_gaps_between_words() -> None:
    levels = frame_dbfs(synthesize("one two three four five six"))
    assert (levels < -60).sum() >= 5


def test_synthesize_without_letters_is_silent() -> None:
    assert not synthesize("?!").any()
    assert not synthesize("   ").any()


def test_speech_with_silence_and_silence() -> None:
    audio = speech_with_silence("Hi", lead_ms=100, tail_ms=250, seed=2)
    assert len(audio) == (100 + 200 + 250) * 24
    assert not audio[: 100 * 24].any() and not audio[-250 * 24 :].any()
    assert (audio[100 * 24 : 300 * 24] == synthesize("Hi", seed=2)).all()
    assert silence(0).shape == (0,)
    assert silence(15).dtype == np.int16 and not silence(15).any()
    with pytest.raises(ValueError):
        silence(-1)
