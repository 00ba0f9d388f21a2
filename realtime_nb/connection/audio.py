"""Audio through a session: send a clip as appends, and interrupt what is being heard.

The logic lives below: :mod:`realtime_nb.audio.chunks` cuts a clip in the
session's input format, :class:`~realtime_nb.state.playback.Playback` knows
what was heard and plans an interruption. This module only sends, paces and
waits; :class:`~realtime_nb.connection.session.RealtimeSession` calls it from
``send_audio`` and ``interrupt``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..audio import Audio, load_audio
from ..audio.chunks import chunks
from ..audio.formats import FormatType, session_format
from ..builders import cancel_response, commit_audio, truncate_item
from ..errors import ServerError
from ..state.playback import Interruption
from ..wire.client_events import InputAudioBufferAppend

if TYPE_CHECKING:
    from .session import RealtimeSession, SendHandle

__all__ = ["SentAudio", "send_audio", "interrupt", "PROGRESS_AFTER_MS"]

logger = logging.getLogger("realtime_nb.session")

PROGRESS_AFTER_MS = 5_000
"""Clips longer than this (5 s) show a progress bar while they are sent, unless told not to."""


@dataclass(frozen=True)
class SentAudio:
    """What :meth:`RealtimeSession.send_audio` sent.

    Attributes:
        chunks: how many ``input_audio_buffer.append`` events.
        bytes: the audio's size in ``format`` (decoded, as the service counts it).
        duration_ms: how long the audio lasts.
        format: the session's input format it was sent in (GA ``type``).
        committed: the ``input_audio_buffer.committed`` that answered the commit, if
            one was asked for.
        handles: the appends (and the commit), in order of sending.
    """

    chunks: int
    bytes: int
    duration_ms: float
    format: FormatType
    committed: Any = None
    handles: tuple[SendHandle, ...] = field(default=(), repr=False)

    def __repr__(self) -> str:
        committed = ""
        if self.committed is not None:
            committed = f", committed {getattr(self.committed, 'item_id', '?')}"
        return (f"SentAudio({self.chunks:,} chunks, {self.bytes:,} bytes, "
                f"{self.duration_ms:,.0f} ms {self.format}{committed})")


def _as_audio(audio: Any, rate: int | None) -> Audio:
    if isinstance(audio, Audio):
        if rate is not None:
            raise ValueError("rate= is for raw bytes and arrays; an Audio clip knows its rate")
        return audio
    try:
        return load_audio(audio, rate=rate)
    except TypeError:
        raise TypeError(f"send_audio sends an rt.Audio clip or what rt.load_audio reads (a path, "
                        f"a file object, bytes, a numpy array), not {type(audio).__name__}"
                        ) from None


async def send_audio(session: RealtimeSession, audio: Any, *, rate: int | None = None,
                     chunk_ms: float = 100, realtime: bool = False, commit: bool = False,
                     progress: bool | None = None, timeout: float | None = 30.0,
                     clock: Callable[[], float] = time.monotonic,
                     sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> SentAudio:
    """See :meth:`RealtimeSession.send_audio`; ``clock`` and ``sleep`` pace ``realtime=True``
    (injectable for tests)."""
    fmt = session_format(session.session, "input")
    # Decoding a file, resampling and encoding take a while for long clips: in a worker
    # thread, so the session keeps receiving (and answering pings) meanwhile.
    clip = await asyncio.to_thread(_as_audio, audio, rate)
    pieces = await asyncio.to_thread(chunks, clip, fmt, chunk_ms)  # checks chunk_ms first
    show = progress if progress is not None else clip.duration_ms > PROGRESS_AFTER_MS
    bar = _progress_bar(round(pieces.duration_ms), show)
    handles: list[SendHandle] = []
    step_s = chunk_ms / 1000
    start = clock()
    try:
        for index, piece in enumerate(pieces):
            if realtime and index:
                # Chunk k leaves at start + k * chunk_ms: as a microphone would deliver it.
                delay = start + index * step_s - clock()
                if delay > 0:
                    await sleep(delay)
            handles.append(await session.send(InputAudioBufferAppend(audio=piece)))
            if bar is not None:
                bar.update(min(round(chunk_ms), round(pieces.duration_ms) - bar.n))
    finally:
        if bar is not None:
            bar.close()
    committed = None
    if commit:
        handle = await session.send(commit_audio(), wait=True, timeout=timeout)
        handles.append(handle)
        committed = handle.reply
    return SentAudio(len(pieces), len(pieces.data), pieces.duration_ms, pieces.format,
                     committed, tuple(handles))


def _progress_bar(total_ms: int, show: bool) -> Any:
    if not show:
        return None
    # A widget in a notebook, text on stderr elsewhere.
    from tqdm.auto import tqdm  # type: ignore[import-untyped]

    return tqdm(total=total_ms, unit="ms", desc="send_audio", leave=True)


async def interrupt(session: RealtimeSession, *, timeout: float | None = 10.0) -> Interruption:
    """See :meth:`RealtimeSession.interrupt`."""
    playback = session.playback
    if playback.active_response is None and playback.requested:
        # A response.create is on its way: what it starts is what must stop (cancelling
        # before response.created finds nothing active: livekit/agents PR #6244).
        with contextlib.suppress(TimeoutError):
            await session.wait_for("response.created", timeout=timeout)
    plan = playback.plan_interrupt()
    playback.stop()  # the listener hears nothing more from here
    cancel: SendHandle | None = None
    if plan.response_id is not None:
        cancel = await session.send(cancel_response(plan.response_id))
    truncate: SendHandle | None = None
    if plan.audio_end_ms is not None and plan.item_id is not None:
        truncate = await session.send(truncate_item(plan.item_id, 0, plan.audio_end_ms))
    # output_audio_buffer.clear is for WebRTC and SIP only: over a WebSocket the service
    # refuses it (protocol.md §2.2), and the audio plays here, where playback.stop() ended it.
    result = plan
    if cancel is not None:
        try:
            await cancel.wait(timeout)
            result = dataclasses.replace(result, cancelled=True)
        except ServerError as error:  # it finished meanwhile: nothing left to cancel
            logger.info("interrupt: the cancel was refused (%s)", error)
    if truncate is not None:
        try:
            await truncate.wait(timeout)
            result = dataclasses.replace(result, truncated=True)
        except ServerError as error:
            logger.warning("interrupt: the server refused the truncate: %s", error)
            why = f"the server refused the truncate: {error}"
            result = dataclasses.replace(
                result, reason=f"{result.reason}; {why}" if result.reason else why)
    return result
