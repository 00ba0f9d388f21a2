"""Clips and loading: every file format and sample format, resampling accuracy, bad input."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np
import pytest
import soundfile

import realtime_nb as rt
from realtime_nb.audio import G711_RATE
from realtime_nb.audio.g711 import alaw_to_pcm16, ulaw_to_pcm16


def sine(rate: int, seconds: float = 1.0, hz: float = 1000.0, amplitude: float = 0.5,
         channels: int = 1) -> np.ndarray:
    t = np.arange(round(rate * seconds)) / rate
    mono = amplitude * np.sin(2 * np.pi * hz * t)
    return mono if channels == 1 else np.repeat(mono[:, None], channels, axis=1)


def snr_db(clip: rt.Audio, hz: float = 1000.0, amplitude: float = 0.5,
           edge_ms: float = 50.0) -> float:
    """Signal-to-noise of a clip of a sine against the ideal sine at the clip's rate,
    leaving out the filter's start and end."""
    # 32768: the scale load_audio reads and writes int16 with.
    reference = sine(clip.rate, clip.duration_ms / 1000, hz, amplitude) * 32768
    got = clip.samples.astype(np.float64)
    edge = round(edge_ms * clip.rate / 1000)
    reference, got = reference[edge:-edge], got[edge:-edge]
    return float(10 * np.log10(np.sum(reference**2) / np.sum((got - reference) ** 2)))


# -- files of every kind -------------------------------------------------------------------


@pytest.mark.parametrize("subtype", ["PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"])
@pytest.mark.parametrize("channels", [1, 2, 6])
@pytest.mark.parametrize("rate", [8_000, 16_000, 24_000, 44_100, 48_000])
def test_wav_of_any_sample_format_channels_and_rate_loads_as_24k_mono(
        subtype: str, channels: int, rate: int, tmp_path: Path) -> None:
    path = tmp_path / "in.wav"
    soundfile.write(path, sine(rate, 0.5, channels=channels), rate, subtype=subtype)
    clip = rt.load_audio(path)
    assert clip.rate == 24_000 and clip.samples.dtype == np.int16
    assert clip.duration_ms == pytest.approx(500, abs=1)
    # The tone survives: 8-bit input limits the accuracy, the rest is near perfect.
    assert snr_db(clip) > (35 if subtype == "PCM_U8" else 70)


@pytest.mark.parametrize(("fmt", "minimum_db"), [("FLAC", 70), ("OGG", 15)])
def test_flac_and_ogg_load_too(fmt: str, minimum_db: float, tmp_path: Path) -> None:
    path = tmp_path / f"in.{fmt.lower()}"
    soundfile.write(path, sine(44_100, 0.5, channels=2), 44_100, format=fmt)
    clip = rt.load_audio(path)
    assert clip.duration_ms == pytest.approx(500, abs=1)
    assert snr_db(clip) > minimum_db  # Vorbis is lossy


def test_file_objects_wav_bytes_raw_bytes_and_arrays_all_load(tmp_path: Path) -> None:
    tone = sine(16_000, 0.25)
    path = tmp_path / "in.wav"
    soundfile.write(path, tone, 16_000, subtype="PCM_16")
    from_path = rt.load_audio(path)
    with path.open("rb") as file:
        assert rt.load_audio(file) == from_path
    assert rt.load_audio(path.read_bytes()) == from_path
    assert rt.load_audio(str(path)) == from_path
    samples, _ = soundfile.read(path, dtype="int16")
    assert rt.load_audio(samples.astype("<i2").tobytes(), rate=16_000) == from_path
    assert rt.load_audio(samples, rate=16_000) == from_path
    floats = rt.load_audio(tone.astype(np.float32), rate=16_000)
    assert np.max(np.abs(floats.samples.astype(int) - from_path.samples)) <= 1


def test_already_24k_mono_pcm16_passes_through_unchanged() -> None:
    samples = (np.arange(2400) % 200 - 100).astype(np.int16) * 100
    clip = rt.load_audio(samples.tobytes(), rate=24_000)
    assert np.array_equal(clip.samples, samples)


def test_floats_beyond_full_scale_are_clipped_and_channels_averaged() -> None:
    stereo = np.stack([np.full(240, 3.0), np.full(240, -1.0)], axis=1)
    assert set(rt.load_audio(stereo, rate=24_000).samples.tolist()) == {32767}
    assert set(rt.load_audio(stereo * -1, rate=24_000).samples.tolist()) == {-32768}
    left_right = np.stack([np.full(240, 0.5), np.full(240, -0.5)], axis=1)
    assert set(rt.load_audio(left_right, rate=24_000).samples.tolist()) == {0}


def test_resampling_44k1_to_24k_keeps_a_1khz_tone_above_80_db() -> None:
    clip = rt.load_audio(sine(44_100, 2.0), rate=44_100)
    measured = snr_db(clip)
    assert measured >= 80, measured


def test_resampling_removes_what_24k_cannot_hold() -> None:
    # A 15 kHz tone at 48 kHz is above 24 kHz's Nyquist limit: an anti-aliasing resampler
    # removes it rather than folding it down to 9 kHz.
    clip = rt.load_audio(sine(48_000, 1.0, hz=15_000), rate=48_000)
    rms = float(np.sqrt(np.mean(clip.samples[1200:-1200].astype(np.float64) ** 2)))
    assert rms < 0.001 * 32767


# -- bad input ------------------------------------------------------------------------------


def test_bad_input_says_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such audio file"):
        rt.load_audio(tmp_path / "missing.wav")
    text = tmp_path / "notes.wav"
    text.write_text("these are not samples")
    with pytest.raises(ValueError, match="is not audio soundfile can read"):
        rt.load_audio(text)
    with pytest.raises(ValueError, match="pass their rate"):
        rt.load_audio(b"\x00\x01" * 100)
    with pytest.raises(ValueError, match="needs its sample rate"):
        rt.load_audio(np.zeros(100))
    with pytest.raises(ValueError, match="holds no audio"):
        rt.load_audio(np.zeros(0), rate=24_000)
    empty = tmp_path / "empty.wav"
    soundfile.write(empty, np.zeros(0), 24_000)
    with pytest.raises(ValueError, match="holds no audio"):
        rt.load_audio(empty)
    with pytest.raises(ValueError, match="even number of bytes"):
        rt.load_audio(b"\x00" * 3, rate=24_000)
    with pytest.raises(ValueError, match="NaN or infinity"):
        rt.load_audio(np.array([0.0, np.nan]), rate=24_000)
    with pytest.raises(ValueError, match="rate must be a positive"):
        rt.load_audio(np.zeros(10), rate=0)
    with pytest.raises(ValueError, match="shaped"):
        rt.load_audio(np.zeros((2, 2, 2)), rate=24_000)
    with pytest.raises(TypeError, match="not int"):
        rt.load_audio(42)  # type: ignore[arg-type]


# -- the clip -------------------------------------------------------------------------------


def test_a_clip_slices_by_ms_joins_and_is_immutable() -> None:
    clip = rt.Audio(np.arange(24_000) % 1000)
    assert clip[:100].samples.size == 2400 and clip[-100:].duration_ms == 100
    assert clip[100:300] == rt.Audio(np.arange(2400, 7200) % 1000)
    assert (clip[:500] + clip[500:]) == clip
    with pytest.raises(ValueError, match="read-only"):
        clip.samples[0] = 1
    with pytest.raises(ValueError, match="cannot join clips of 24000 Hz and 8000 Hz"):
        clip + rt.Audio(np.zeros(8), rate=8000)
    with pytest.raises(TypeError, match="milliseconds"):
        clip[5]  # type: ignore[index]
    assert not rt.Audio(np.zeros(0)) and clip
    assert repr(clip) == "Audio(1,000 ms, 24 kHz)"


def test_to_bytes_and_wav_round_trip(tmp_path: Path) -> None:
    clip = rt.load_audio(sine(24_000, 0.1), rate=24_000)
    assert bytes(clip) == clip.to_bytes() and len(clip.to_bytes()) == 4800
    assert rt.Audio.from_bytes(clip.to_bytes()) == clip
    path = clip.save(tmp_path / "out.wav")
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 24_000)
    assert rt.load_audio(path) == clip


@pytest.mark.parametrize(("law", "decode"), [("ulaw", ulaw_to_pcm16), ("alaw", alaw_to_pcm16)])
def test_g711_is_8khz_and_decodes_back_to_the_tone(law: str, decode: object) -> None:
    clip = rt.load_audio(sine(24_000, 1.0), rate=24_000)
    encoded = clip.to_g711(law)  # type: ignore[arg-type]
    assert len(encoded) == G711_RATE  # one byte per sample, 8 kHz
    back = rt.Audio.from_bytes(decode(encoded), rate=G711_RATE)  # type: ignore[operator]
    assert snr_db(back) > 30  # G.711's companding keeps about 38 dB on a tone
    with pytest.raises(ValueError, match="'ulaw' or 'alaw'"):
        clip.to_g711("mulaw")  # type: ignore[arg-type]


def test_the_notebook_player_embeds_a_wav() -> None:
    clip = rt.load_audio(sine(24_000, 0.05), rate=24_000)
    html = clip._repr_html_()
    assert html.startswith('<audio controls preload="none" title="50 ms, 24 kHz" ')
    data = html.split("base64,", 1)[1].split('"', 1)[0]
    import base64

    with wave.open(io.BytesIO(base64.b64decode(data))) as wav:
        assert wav.getnframes() == 1200


def test_plot_draws_the_waveform() -> None:
    import matplotlib
    matplotlib.use("Agg")
    ax = rt.Audio(np.zeros(240)).plot()
    assert ax.get_xlabel() == "ms"


def test_raw_bytes_with_a_rate_are_never_sniffed_as_a_file() -> None:
    # -1025 is 0xFBFF: little-endian, the bytes start with an MP3 frame header.
    samples = np.full(9600, -1025, dtype="<i2")
    clip = rt.load_audio(samples.tobytes(), rate=24_000)
    assert clip.duration_ms == 400 and set(clip.samples.tolist()) == {-1025}
    riff = np.frombuffer(b"RIFF" * 100, dtype="<i2")  # a first sample pair spelling RIFF
    assert np.array_equal(rt.load_audio(riff.tobytes(), rate=24_000).samples, riff)
