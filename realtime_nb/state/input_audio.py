"""The input audio buffer as the client sees it: what was appended, and what became items.

:class:`InputBuffer` counts the audio appended since the last commit or clear
(what ``input_audio_buffer.commit`` would turn into an item: the service refuses
less than 100 ms), follows the voice activity turns (``speech_started``,
``speech_stopped``, ``timeout_triggered``, in whatever order they come) and keeps
the appended chunks, so that the user item a commit makes gets its audio: all
of the buffer for a manual commit, the span of the turn for a voice activity
commit (measured from the first audio appended in the session).

>>> buffer = InputBuffer()
>>> buffer.append(bytes(3600))  # 3,600 bytes of PCM16 24 kHz
>>> buffer.ms
75.0
>>> chunks, start_ms, end_ms = buffer.commit("item_1")
>>> len(chunks), start_ms, end_ms, buffer.ms
(1, 0.0, None, 0.0)
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from ..audio.formats import bytes_per_ms

__all__ = ["InputBuffer", "SpeechSegment", "VAD_RETAIN_MS"]

VAD_RETAIN_MS = 60_000
"""Appended audio kept, with voice activity detection on, while no speech is heard.

The silence between turns never becomes an item; a speech turn reaches back only
``prefix_padding_ms`` before the speech was heard. A minute keeps any turn whole
and bounds the memory of a microphone left open for hours.
"""


@dataclass
class SpeechSegment:
    """Speech the server's voice activity detection heard, in ms from the session's first
    appended audio (``end_ms`` is ``None`` while the user is still speaking).

    Attributes:
        item_id: the user item the turn becomes.
        start_ms, end_ms: from ``speech_started`` (prefix padding included) and
            ``speech_stopped`` (``None`` until that event came).
        speech: ``False`` for silence that ``idle_timeout_ms`` made a turn of.
    """

    item_id: str
    start_ms: int | None = None
    end_ms: int | None = None
    speech: bool = True

    @property
    def duration_ms(self) -> int | None:
        """How long the speech lasted, once both ends are known."""
        if self.start_ms is None or self.end_ms is None:
            return None
        return self.end_ms - self.start_ms


class InputBuffer:
    """Audio appended (``input_audio_buffer.append``), counted and kept for the next item.

    Args:
        audio_format: the session's input format (GA ``type``), which sets how many
            bytes a millisecond takes.
        keep_audio: keep the chunks (for items' audio); ``False`` only counts.
    """

    def __init__(self, audio_format: str = "audio/pcm", *, keep_audio: bool = True) -> None:
        self.audio_format = audio_format
        self.keep_audio = keep_audio
        self.vad = False
        self.total_bytes = 0  # every byte appended in the session
        self.buffered_bytes = 0  # since the last commit or clear
        self._floor = 0  # audio before this offset went into an item already
        # (absolute offset of the chunk's first byte, the bytes, their length)
        self._chunks: deque[tuple[int, bytes, int]] = deque()
        self._turns: dict[str, SpeechSegment] = {}  # voice turns, by the item they become

    @property
    def per_ms(self) -> int:
        """Bytes per millisecond of the input format."""
        return bytes_per_ms(self.audio_format)

    @property
    def ms(self) -> float:
        """Milliseconds appended since the last commit or clear."""
        return self.buffered_bytes / self.per_ms

    def append(self, audio: bytes) -> None:
        """Count (and keep) one appended chunk of audio."""
        size = len(audio)
        if self.keep_audio:
            chunks = self._chunks
            chunks.append((self.total_bytes, audio, size))
            if self.vad:
                horizon = self.total_bytes - VAD_RETAIN_MS * self.per_ms
                while chunks and chunks[0][0] + chunks[0][2] < horizon:
                    chunks.popleft()
        self.total_bytes += size
        self.buffered_bytes += size

    def clear(self) -> None:
        """The buffer was emptied (``input_audio_buffer.cleared``)."""
        self._chunks.clear()
        self.buffered_bytes = 0
        self._floor = self.total_bytes

    @property
    def speech(self) -> list[SpeechSegment]:
        """The speech heard, in time order."""
        heard = [turn for turn in self._turns.values() if turn.speech]
        return sorted(heard, key=lambda turn: (turn.start_ms if turn.start_ms is not None
                                               else turn.end_ms or 0))

    def _turn(self, item_id: str) -> SpeechSegment:
        turn = self._turns.get(item_id)
        if turn is None:
            turn = self._turns[item_id] = SpeechSegment(item_id)
        return turn

    def speech_started(self, item_id: str, start_ms: int) -> None:
        """Speech was heard from ``start_ms``: what came before never becomes an item."""
        self._turn(item_id).start_ms = start_ms
        start = start_ms * self.per_ms
        chunks = self._chunks
        while chunks and chunks[0][0] + chunks[0][2] <= start:
            chunks.popleft()

    def speech_stopped(self, item_id: str, end_ms: int) -> None:
        """The speech of ``item_id``'s turn ended at ``end_ms``."""
        self._turn(item_id).end_ms = end_ms

    def timed_out(self, item_id: str, start_ms: int, end_ms: int) -> None:
        """``idle_timeout_ms`` made a turn of silence (it becomes ``item_id``)."""
        turn = self._turn(item_id)
        turn.start_ms, turn.end_ms, turn.speech = start_ms, end_ms, False

    def commit(self, item_id: str) -> tuple[list[bytes], float, float | None]:
        """The buffer became the item ``item_id``: its chunks and the span of them that is
        the item (ms from the first chunk's start; ``end_ms`` ``None`` for all of it).

        A voice activity turn's item is the turn's span (if both its ends are
        known); a manual commit's, everything buffered. Audio after a turn's end
        stays for the next one.
        """
        turn = self._turns.get(item_id)
        span = None
        if turn is not None and turn.start_ms is not None and turn.end_ms is not None:
            span = (turn.start_ms, turn.end_ms)
        chunks = self._chunks
        self.buffered_bytes = 0
        per_ms = self.per_ms
        if span is None:
            taken = list(chunks)
            chunks.clear()
            floor, self._floor = self._floor, self.total_bytes
            if not taken:
                return [], 0.0, None
            return [data for _, data, _ in taken], max(0, floor - taken[0][0]) / per_ms, None
        start, end = span[0] * per_ms, span[1] * per_ms
        self._floor = max(self._floor, end)
        taken = [chunk for chunk in chunks if chunk[0] + chunk[2] > start and chunk[0] < end]
        while chunks and chunks[0][0] + chunks[0][2] <= end:
            chunks.popleft()
        if not taken:
            return [], 0.0, None
        origin = taken[0][0]
        return ([data for _, data, _ in taken], max(0, start - origin) / per_ms,
                (end - origin) / per_ms)

    def reset(self) -> None:
        """A new session: nothing appended yet."""
        self._chunks.clear()
        self._turns.clear()
        self.total_bytes = self.buffered_bytes = self._floor = 0
