"""Audio through a session: formats, chunks, ``send_audio`` (pacing, progress, G.711),
spoken clips through the mock's server VAD, and replies' audio as clips.

Every scenario runs in a fresh event loop with a time box; no assertion depends on
how fast anything runs (pacing is checked with an injected clock, or as a lower
bound: a chunk never leaves before its time).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import realtime_nb as rt
from realtime_nb.audio.chunks import MAX_APPEND_BYTES, chunk_bytes, chunks
from realtime_nb.audio.formats import bytes_per_ms, format_type, sample_rate, session_format
from realtime_nb.audio.g711 import alaw_to_pcm16, pcm16_to_alaw, pcm16_to_ulaw, ulaw_to_pcm16
from realtime_nb.connection import audio as session_audio
from realtime_nb.mock import MockServer
from realtime_nb.state.observer import Observer
from realtime_nb.wire import AudioPCMA, AudioPCMU
from tests.speech import speech

FORMATS = {"audio/pcm": None, "audio/pcmu": "ulaw", "audio/pcma": "alaw"}
NO_VAD: dict[str, Any] = {"input": {"turn_detection": None}}


def run(scenario: Coroutine[Any, Any, Any], timeout: float = 30.0) -> Any:
    async def boxed() -> Any:
        return await asyncio.wait_for(scenario, timeout)

    return asyncio.run(boxed())


def tone(ms: float, rate: int = 24_000, hz: float = 440.0) -> rt.Audio:
    t = np.arange(round(ms * rate / 1000)) / rate
    return rt.Audio(np.rint(8000 * np.sin(2 * np.pi * hz * t)), rate)


def silence(ms: float, rate: int = 24_000) -> rt.Audio:
    return rt.Audio(np.zeros(round(ms * rate / 1000)), rate)


def appended(sent: Any) -> list[bytes]:
    return [h.event.audio for h in sent.handles if h.event.type == "input_audio_buffer.append"]


# -- formats and chunks, without a session --------------------------------------------------------


def test_formats_by_type_beta_name_and_value() -> None:
    assert [format_type(f) for f in ("audio/pcmu", "g711_alaw", "pcm16", None, rt.UNSET,
                                     AudioPCMU(), rt.AudioPCM())] == [
        "audio/pcmu", "audio/pcma", "audio/pcm", "audio/pcm", "audio/pcm", "audio/pcmu",
        "audio/pcm"]
    assert [(sample_rate(f), bytes_per_ms(f)) for f in FORMATS] == [(24_000, 48), (8000, 8),
                                                                   (8000, 8)]
    with pytest.raises(ValueError, match="Unknown audio format 'mp3': expected one of "
                                         "'audio/pcm', 'audio/pcmu', 'audio/pcma'"):
        format_type("mp3")
    session = rt.Session(audio=rt.AudioConfig(input=rt.AudioInput(format=AudioPCMA())))
    assert session_format(session, "input") == "audio/pcma"
    assert session_format(session, "output") == "audio/pcm"


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_a_clip_goes_to_the_wire_and_back_in_every_format(fmt: str) -> None:
    clip = tone(500)
    wire = clip.to_wire(fmt)
    assert len(wire) == 500 * bytes_per_ms(fmt)
    back = rt.Audio.from_wire(wire, fmt)
    assert back.rate == sample_rate(fmt) and back.duration_ms == 500
    if fmt == "audio/pcm":
        assert back == clip and wire == bytes(clip)
    else:
        assert wire == clip.to_g711(FORMATS[fmt])  # type: ignore[arg-type]
    # A clip at another rate is resampled on the way out.
    assert len(tone(500, rate=44_100).to_wire(fmt)) == 500 * bytes_per_ms(fmt)


@pytest.mark.parametrize(("fmt", "chunk_ms", "sizes"), [
    ("audio/pcm", 100, [4800, 4800, 2400]),
    ("audio/pcm", 250, [12_000]),
    ("audio/pcm", 1000, [12_000]),
    ("audio/pcm", 20, [960] * 12 + [480]),
    ("audio/pcmu", 100, [800, 800, 400]),
    ("audio/pcma", 40, [320] * 6 + [80]),
])
def test_chunks_are_chunk_ms_each_and_the_last_holds_the_rest(
        fmt: str, chunk_ms: float, sizes: list[int]) -> None:
    clip = tone(250)
    pieces = chunks(clip, fmt, chunk_ms)
    assert [len(piece) for piece in pieces] == sizes and len(pieces) == len(sizes)
    assert b"".join(pieces) == clip.to_wire(fmt) and pieces.duration_ms == 250
    assert len(chunks(silence(0), fmt, chunk_ms)) == 0


def test_chunk_ms_is_checked_and_a_chunk_over_15_mib_is_never_built() -> None:
    assert chunk_bytes("audio/pcm", 327_680) == MAX_APPEND_BYTES  # 15 MiB exactly
    assert chunk_bytes("audio/pcmu", 1_966_080) == MAX_APPEND_BYTES
    for fmt, too_long in (("audio/pcm", 327_681), ("audio/pcmu", 1_966_081)):
        with pytest.raises(rt.EventValidationError, match=r"Invalid 'chunk_ms': expected from "
                           r".* ms \(one sample\) to [\d,]+ ms \(15 MiB of audio/pcm.? per "
                           r"append\), got") as error:
            chunk_bytes(fmt, too_long)
        assert error.value.param == "chunk_ms"
    for bad in (0, -100, 0.01, float("nan"), float("inf")):
        with pytest.raises(rt.EventValidationError, match="'chunk_ms'"):
            chunk_bytes("audio/pcm", bad)
    with pytest.raises(rt.EventValidationError, match="got str") as typed:
        chunk_bytes("audio/pcm", "100")  # type: ignore[arg-type]
    assert typed.value.code == "invalid_type"

    # A huge chunk_ms on a big clip fails before the clip is encoded.
    class Exploding(rt.Audio):
        def to_wire(self, format: Any = "audio/pcm") -> bytes:
            raise AssertionError("encoded before chunk_ms was checked")

    with pytest.raises(rt.EventValidationError):
        chunks(Exploding(np.zeros(10)), "audio/pcm", 400_000)


def test_g711_tables_every_code_decodes_to_a_value_that_encodes_back_to_it() -> None:
    # The decode and encode tables agree code for code (tests/test_mock_audio.py checks
    # known values and audioop); μ-law's negative zero (0x7f) is positive zero's value.
    codes = bytes(range(256))
    assert pcm16_to_alaw(alaw_to_pcm16(codes)) == codes
    assert pcm16_to_ulaw(ulaw_to_pcm16(codes)) == codes.replace(b"\x7f", b"\xff")


# -- send_audio against the mock ----------------------------------------------------------------


class Stamps(Observer):
    """When each append was written, by the given clock."""

    def __init__(self, clock: Any) -> None:
        self.clock = clock
        self.at: list[float] = []

    def sent(self, event: Any) -> None:
        if event.type == "input_audio_buffer.append":
            self.at.append(self.clock())


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_send_audio_appends_chunks_in_the_sessions_input_format_and_commits(fmt: str) -> None:
    clip = tone(1050)

    async def scenario() -> tuple[Any, list[Any], Any]:
        async with MockServer(seed=1) as mock, rt.connect(mock.url) as session:
            effective = await session.update(audio={"input": {"format": {"type": fmt},
                                                              "turn_detection": None}})
            assert session_format(effective, "input") == fmt
            sent = await session.send_audio(clip, commit=True)
            item = mock.sessions[0].conversation.get(sent.committed.item_id)
            return sent, appended(sent), item

    sent, pieces, item = run(scenario())
    per_ms = bytes_per_ms(fmt)
    assert [len(p) for p in pieces] == [100 * per_ms] * 10 + [50 * per_ms]
    assert b"".join(pieces) == clip.to_wire(fmt)
    assert (sent.chunks, sent.bytes, sent.duration_ms, sent.format) == (
        11, 1050 * per_ms, 1050, fmt)
    assert sent.committed.type == "input_audio_buffer.committed"
    assert sent.handles[-1].event.type == "input_audio_buffer.commit"
    # The server holds exactly what was sent: the user item's audio is the clip, in fmt.
    import base64
    assert base64.b64decode(item.content[0].audio) == clip.to_wire(fmt)


def test_send_audio_takes_what_load_audio_reads(tmp_path: Path) -> None:
    path = tone(300, rate=16_000).save(tmp_path / "clip.wav")

    async def scenario() -> list[Any]:
        async with MockServer(seed=1) as mock, rt.connect(mock.url) as session:
            await session.update(audio=NO_VAD)
            return [await session.send_audio(path),
                    await session.send_audio(str(path), chunk_ms=50),
                    await session.send_audio(np.zeros(4800, np.float32), rate=48_000),
                    await session.send_audio(bytes(4800), rate=24_000)]

    by_path, by_str, array, raw = run(scenario())
    assert (by_path.chunks, by_path.duration_ms) == (3, 300)
    assert (by_str.chunks, by_str.duration_ms) == (6, 300)
    assert (array.chunks, array.duration_ms, raw.duration_ms) == (1, 100, 100)
    assert "handles" not in repr(by_path)


def test_send_audio_refuses_what_is_not_audio_before_sending(tmp_path: Path) -> None:
    async def scenario() -> rt.RealtimeSession:
        async with MockServer(seed=1) as mock, rt.connect(mock.url) as session:
            with pytest.raises(TypeError, match=r"send_audio sends an rt\.Audio clip or what "
                                                r"rt\.load_audio reads .*not dict"):
                await session.send_audio({"audio": "no"})
            with pytest.raises(FileNotFoundError, match="no such audio file"):
                await session.send_audio(tmp_path / "missing.wav")
            with pytest.raises(ValueError, match="pass their rate"):
                await session.send_audio(b"\x00\x01" * 100)
            with pytest.raises(ValueError, match="an Audio clip knows its rate"):
                await session.send_audio(tone(100), rate=16_000)
            for bad in (0, -5):
                with pytest.raises(rt.EventValidationError, match="Invalid 'chunk_ms'"):
                    await session.send_audio(tone(100), chunk_ms=bad)
            with pytest.raises(rt.EventValidationError, match=r"to 327,680 ms \(15 MiB"):
                await session.send_audio(tone(100), chunk_ms=400_000)
            return session

    session = run(scenario())
    assert not any(e.type == "input_audio_buffer.append" for e in session.unsent)
    assert session.protocol.sent == 0  # nothing at all went out


def test_send_audio_commit_errors_are_raised() -> None:
    async def scenario() -> None:
        async with MockServer(seed=1) as mock, rt.connect(mock.url) as session:
            await session.update(audio=NO_VAD)
            with pytest.raises(rt.ServerError, match="buffer too small"):
                await session.send_audio(tone(40), commit=True)  # under the 100 ms minimum

    run(scenario())


def test_realtime_pacing_sends_chunk_k_at_k_times_chunk_ms() -> None:
    # An injected clock and sleep: the schedule is exact and the test takes no time.
    now = [100.0]
    slept: list[float] = []

    def clock() -> float:
        return now[0]

    async def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))
        now[0] += seconds

    async def scenario() -> tuple[list[float], Any]:
        async with MockServer(seed=1) as mock, rt.connect(mock.url) as session:
            await session.update(audio=NO_VAD)
            stamps = session.observe(Stamps(clock))
            assert isinstance(stamps, Stamps)
            sent = await session_audio.send_audio(session, tone(450), chunk_ms=100,
                                                  realtime=True, clock=clock, sleep=sleep)
            return stamps.at, sent

    at, sent = run(scenario())
    assert sent.chunks == 5
    assert [round(t - 100.0, 6) for t in at] == [0.0, 0.1, 0.2, 0.3, 0.4]
    assert slept == [0.1] * 4
    # Without realtime=True nothing sleeps.
    slept.clear()

    async def fast() -> None:
        async with MockServer(seed=1) as mock, rt.connect(mock.url) as session:
            await session_audio.send_audio(session, tone(450), clock=clock, sleep=sleep)

    run(fast())
    assert slept == []


def test_realtime_pacing_with_the_real_clock_never_sends_a_chunk_early() -> None:
    async def scenario() -> list[float]:
        async with MockServer(seed=1) as mock, rt.connect(mock.url) as session:
            await session.update(audio=NO_VAD)
            stamps = session.observe(Stamps(time.monotonic))
            assert isinstance(stamps, Stamps)
            start = time.monotonic()
            await session.send_audio(tone(200), chunk_ms=50, realtime=True)
            return [t - start for t in stamps.at]

    at = run(scenario())
    assert len(at) == 4 and at == sorted(at)
    for k, offset in enumerate(at):
        assert offset >= k * 0.050 - 0.002  # not before its time (a lower bound only)


@pytest.mark.parametrize(("ms", "progress", "shown"), [
    (6000, None, True), (5000, None, False), (6000, False, False), (300, True, True)])
def test_a_progress_bar_shows_for_clips_over_5_s(
        ms: float, progress: bool | None, shown: bool, capsys: pytest.CaptureFixture[str]
        ) -> None:
    async def scenario() -> None:
        async with MockServer(seed=1) as mock, rt.connect(mock.url) as session:
            await session.update(audio=NO_VAD)
            await session.send_audio(silence(ms), progress=progress)

    run(scenario())
    err = capsys.readouterr().err  # tqdm writes text to stderr outside a notebook
    assert ("send_audio" in err) is shown, err
    if shown:
        assert f"{ms:.0f}/{ms:.0f}" in err.replace(",", "")


# -- spoken clips through server VAD -------------------------------------------------------------


def test_a_spoken_clip_through_server_vad_gives_a_turn_a_transcript_and_a_reply() -> None:
    clip = speech("Hello, can you hear me?") + silence(1000)

    async def scenario() -> tuple[list[str], Any, Any, Any]:
        async with MockServer(seed=1) as mock, rt.connect(mock.url) as session:
            effective = await session.update(audio={"input": {
                "transcription": {"model": "gpt-4o-transcribe"},
                "turn_detection": {"type": "server_vad", "silence_duration_ms": 500}}})
            assert isinstance(effective.audio.input.turn_detection, rt.ServerVad)
            sent = await session.send_audio(clip)
            first = sent.handles[0]
            started = await session.wait_for("input_audio_buffer.speech_started", after=first)
            stopped = await session.wait_for("input_audio_buffer.speech_stopped", after=first)
            heard = await session.wait_for(
                "conversation.item.input_audio_transcription.completed", after=first)
            done = await session.wait_for("response.done", after=first)
            return [started.item_id, stopped.item_id, heard.item_id], started, stopped, (
                heard, done)

    ids, started, stopped, (heard, done) = run(scenario())
    assert len(set(ids)) == 1  # one turn, one item
    # The turn is where the clip has speech: from its start to about where the silence begins.
    assert 0 <= started.audio_start_ms < 300
    speech_ms = clip.duration_ms - 1000
    assert speech_ms - 600 < stopped.audio_end_ms < clip.duration_ms
    assert heard.transcript  # the mock describes what it heard
    assert done.response.status == "completed"
    assert done.response.output[0].content[0].transcript


# -- replies' audio --------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "rate"), [("audio/pcm", 24_000), ("audio/pcmu", 8000),
                                           ("audio/pcma", 8000)])
def test_a_replys_audio_is_a_clip_at_the_output_formats_rate(fmt: str, rate: int) -> None:
    async def scenario() -> rt.Reply:
        async with MockServer(seed=1) as mock, rt.connect(mock.url) as session:
            await session.update(audio={"output": {"format": {"type": fmt}}})
            return await session.say("Hello")

    reply = run(scenario())
    assert isinstance(reply.audio, rt.Audio) and reply.audio.rate == rate
    # The clip is the deltas, decoded: its length is theirs, at the format's rate.
    import base64
    wire = b"".join(base64.b64decode(e.delta) for e in reply.events
                    if e.type == "response.output_audio.delta")
    assert reply.audio == rt.Audio.from_wire(wire, fmt)
    assert reply.audio.duration_ms == len(wire) / bytes_per_ms(fmt) > 500
    assert len(bytes(reply.audio)) == 2 * reply.audio.samples.size
    assert reply.audio._repr_html_().startswith("<audio controls")
    assert f"audio=<{len(wire):,} bytes" in repr(reply)


def test_a_text_replys_audio_is_an_empty_clip() -> None:
    async def scenario() -> rt.Reply:
        async with MockServer(seed=1) as mock, rt.connect(mock.url) as session:
            return await session.say("Hello", output_modalities=["text"])

    reply = run(scenario())
    assert not reply.audio and reply.audio.duration_ms == 0 and bytes(reply.audio) == b""
    assert "audio=" not in repr(reply)
    assert json.loads(json.dumps(reply.text))  # text came instead


def test_send_audio_and_interrupt_as_plain_calls() -> None:
    mock = MockServer.start_in_background(seed=4)
    try:
        session = rt.run(rt.connect(mock.url))
        session.sync.update(audio=NO_VAD)
        sent = session.sync.send_audio(speech("Wait, stop."), commit=True)
        reply = session.sync.respond()
        stopped = session.sync.interrupt()
        session.sync.close()
    finally:
        mock.stop()
    assert sent.committed.type == "input_audio_buffer.committed" and reply.audio
    # The reply was over (nothing to cancel), but its audio was still being heard (the
    # 1x clock): it is cut where the listener was.
    assert stopped.response_id is None and stopped.item_id == reply.item_id
    assert stopped.truncated or stopped.audio_end_ms is None
    assert not session.errors
