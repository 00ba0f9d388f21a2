"""Benchmark: audio conversions, against real time, and the resampler's accuracy.

1. **File to the API's PCM.** ``--minutes`` (10) of 44.1 kHz stereo 32-bit float WAV,
   generated into a temporary file (a voice-band mix of tones with noise and a slow
   amplitude envelope, deterministic), read by ``realtime_nb.load_audio(path)``: read,
   mixed to mono, resampled to 24 kHz by soxr (HQ), converted to PCM16. The file is
   read once before timing, so the page cache holds it as it would a file just saved.
2. **To G.711.** The resulting clip to 8 kHz μ-law and A-law with ``clip.to_g711(law)``
   (soxr 24 -> 8 kHz, then the table encoder): what ``send_audio`` does for an
   ``audio/pcmu`` / ``audio/pcma`` session.
3. **Resampler accuracy.** The signal-to-noise ratio of a 1 kHz sine at half scale,
   44.1 kHz -> 24 kHz through ``load_audio``, against the ideal sine at 24 kHz (the first
   and last 50 ms, the filter's edges, left out), as ``tests/test_audio.py`` measures it.

Each conversion's time is the best of ``--repeat`` runs (``time.perf_counter``). The
speed is "x real time": seconds of audio per second of work. Targets: at least 1,000x
real time for each conversion and an SNR of at least 80 dB. Each is printed PASS or
MISS; the exit status is 1 if any misses, else 0.

Run: ``.venv/bin/python benchmarks/audio.py [--minutes M] [--repeat K]``.
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import soundfile
import soxr

import realtime_nb as rt

RATE = 44_100
TARGET_X_REALTIME = 1_000.0
TARGET_SNR_DB = 80.0
BLOCK_S = 30  # the file is written in blocks of this many seconds, to bound memory
SEED = 7


def write_test_file(path: Path, minutes: float) -> float:
    """A deterministic 44.1 kHz stereo float WAV of ``minutes``; returns its seconds."""
    rng = np.random.default_rng(SEED)
    total = round(minutes * 60 * RATE)
    with soundfile.SoundFile(path, "w", RATE, 2, subtype="FLOAT") as out:
        for start in range(0, total, BLOCK_S * RATE):
            t = np.arange(start, min(total, start + BLOCK_S * RATE)) / RATE
            envelope = 0.5 + 0.4 * np.sin(2 * np.pi * 0.7 * t)  # syllable-like swells
            voice = sum(amp * np.sin(2 * np.pi * hz * t) for hz, amp in
                        ((140, 0.3), (730, 0.2), (1090, 0.1), (2440, 0.05)))
            left = envelope * voice + 0.01 * rng.standard_normal(t.size)
            right = 0.9 * left + 0.01 * rng.standard_normal(t.size)
            out.write(np.stack([left, right], axis=1).astype(np.float32) * 0.8)
    return total / RATE


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Best wall time in seconds of ``fn()`` over ``repeat`` runs, and its last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        result = None
        gc.collect()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def sine(rate: int, seconds: float, hz: float = 1000.0, amplitude: float = 0.5) -> Any:
    t = np.arange(round(rate * seconds)) / rate
    return amplitude * np.sin(2 * np.pi * hz * t)


def snr_db(clip: rt.Audio, hz: float = 1000.0, amplitude: float = 0.5,
           edge_ms: float = 50.0) -> float:
    """A clip of a sine against the ideal sine at the clip's rate, leaving out the edges
    (the same measure as ``tests/test_audio.py``)."""
    # 32768: the scale load_audio reads and writes int16 with.
    reference = sine(clip.rate, clip.duration_ms / 1000, hz, amplitude) * 32768
    got = clip.samples.astype(np.float64)
    edge = round(edge_ms * clip.rate / 1000)
    reference, got = reference[edge:-edge], got[edge:-edge]
    return float(10 * np.log10(np.sum(reference**2) / np.sum((got - reference) ** 2)))


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"Python {platform.python_version()}, numpy {np.__version__}, soxr {soxr.__version__}, "
          f"soundfile {soundfile.__version__}, {platform.machine()}")
    misses = 0
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "long.wav"
        seconds = write_test_file(path, args.minutes)
        size = path.stat().st_size
        path.read_bytes()  # into the page cache, as a file just saved would be
        print(f"\n{seconds / 60:g} minutes of 44.1 kHz stereo float WAV ({size / 1e6:,.0f} MB), "
              f"best of {args.repeat}")
        print(f"  {'conversion':<48} {'best s':>8} {'x real time':>12}")
        load_s, clip = best_of(lambda: rt.load_audio(path), args.repeat)
        assert isinstance(clip, rt.Audio) and clip.rate == 24_000
        assert abs(clip.duration_ms - seconds * 1000) <= 1
        rows = [("load_audio(path): WAV -> 24 kHz PCM16 mono", load_s)]
        for law in ("ulaw", "alaw"):
            g711_s, encoded = best_of(lambda law=law: clip.to_g711(law), args.repeat)
            assert abs(len(encoded) - seconds * 8000) <= 2
            rows.append((f"clip.to_g711({law!r}): 24 kHz PCM16 -> 8 kHz G.711", g711_s))
        for name, took in rows:
            speed = seconds / took
            ok = speed >= TARGET_X_REALTIME
            misses += not ok
            print(f"  {name:<48} {took:>8.3f} {speed:>11,.0f}x  {verdict(ok)} "
                  f"(target >= {TARGET_X_REALTIME:,.0f}x)")
    tone = rt.load_audio(sine(RATE, 2.0), rate=RATE)
    snr = snr_db(tone)
    ok = snr >= TARGET_SNR_DB
    misses += not ok
    print(f"\nResampler: 1 kHz sine at -6 dBFS, 44.1 -> 24 kHz (soxr HQ): SNR {snr:.1f} dB  "
          f"{verdict(ok)} (target >= {TARGET_SNR_DB:.0f} dB)")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
