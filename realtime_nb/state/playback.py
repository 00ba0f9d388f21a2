"""What the listener has heard of each assistant audio item: the truncate's source of truth.

After an interruption, ``conversation.item.truncate`` must say how much of the
assistant's audio was *heard*, and never more than the audio the server sent
for that item: the service refuses the first mistake's consequence ("Audio
content of 6100ms is already shorter than 6185ms") and, before the first audio,
any truncate at all ("Only model output audio messages can be truncated").
Wall-clock time since the response began is the classic wrong answer
(pipecat#1963, openai-agents-python PR #4122).

:class:`Playback` is an :class:`~realtime_nb.state.observer.Observer` that
follows, per assistant audio item, the milliseconds *received* (from the sizes
of ``response.output_audio.delta`` in the output format) and the milliseconds
*played*. Played positions come from one of two sources:

* **a player** that calls :meth:`Playback.played` with its position (a speaker
  widget); from the first such call, only the player's word counts;
* otherwise **a clock**: a virtual speaker that plays the items one after the
  other at 1x, each from its first audio delta (or from the end of the item
  before it), and that waits when it has played everything received so far,
  as a real jitter buffer would. Code without a speaker thus truncates at a
  realistic point.

It also tracks the active responses (``response.created`` to ``response.done``)
and the ``response.create`` events not answered yet, which is what an
interruption needs to know. :meth:`Playback.plan_interrupt` says what an
interruption should send; the session carries it out
(``await session.interrupt()``) and returns an :class:`Interruption`.

Pure state with an injectable clock:

>>> now = [0.0]
>>> playback = Playback(clock=lambda: now[0])
>>> from realtime_nb.codec import parse_server_event
>>> playback.received(parse_server_event({"type": "response.output_audio.delta",
...     "event_id": "e1", "response_id": "r1", "item_id": "i1", "output_index": 0,
...     "content_index": 0, "delta": "AAAA" * 1600}))  # 4,800 bytes: 100 ms of PCM16
>>> now[0] = 0.04                                       # 40 ms later
>>> playback["i1"].received_ms, round(playback["i1"].played_ms)
(100.0, 40)
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from ..audio.formats import FormatType, bytes_per_ms, format_type, session_format
from ..wire.base import ClientEvent
from ..wire.reprs import base64_size
from .observer import Observer

__all__ = ["Playback", "ItemPlayback", "Interruption", "PlaybackSource"]

PlaybackSource = Literal["clock", "player"]
"""Where played positions come from: the 1x clock, or a player's reports."""

_NO_AUDIO_YET = ("no audio had arrived yet, so nothing was played (0 ms); the service "
                 "refuses to truncate before an item's first audio")

_TRACK_MEMORY = 1000
"""Items remembered (the oldest are forgotten first): hours of conversation."""


@dataclass(frozen=True)
class ItemPlayback:
    """One assistant audio item, as heard so far.

    Attributes:
        item_id: the assistant message.
        response_id: the response that made it.
        format: the audio's format on the wire (GA ``type``).
        received_ms: audio received for it so far, in ms.
        played_ms: audio played so far, in ms (a player's report may exceed
            ``received_ms``; a truncate never does).
        complete: all of its audio has arrived (``output_audio.done`` or ``response.done``).
        stopped: playback of it stopped (an interruption, a truncate, a delete).
        truncated_ms: where the server cut it (``conversation.item.truncated``), if it did.
    """

    item_id: str
    response_id: str
    format: FormatType
    received_ms: float
    played_ms: float
    complete: bool
    stopped: bool
    truncated_ms: int | None = None


@dataclass(frozen=True)
class Interruption:
    """What :meth:`RealtimeSession.interrupt` did (or, from :meth:`Playback.plan_interrupt`,
    is about to do).

    Attributes:
        response_id: the response cancelled (``None`` when none was active).
        item_id: the assistant item that was playing (``None`` when none was).
        played_ms: how much of it had been played, in ms.
        received_ms: how much of it had been received, in ms.
        audio_end_ms: the ``audio_end_ms`` sent with ``conversation.item.truncate``
            (the played ms, clamped to the received ms, whole ms rounded down);
            ``None`` when no truncate was sent.
        truncated: the server confirmed the truncate (``conversation.item.truncated``).
        cancelled: the server confirmed the cancel (a cancelled ``response.done``).
        reason: why the truncate was skipped, clamped or refused; ``""`` when it
            went as played.
    """

    response_id: str | None
    item_id: str | None
    played_ms: float
    received_ms: float
    audio_end_ms: int | None = None
    truncated: bool = False
    cancelled: bool = False
    reason: str = ""


class _Track:
    """An item's audio, mutable: what :class:`ItemPlayback` snapshots."""

    __slots__ = ("complete", "format", "item_id", "played_ms", "received_bytes",
                 "response_id", "stopped", "truncated_ms")

    def __init__(self, item_id: str, response_id: str, fmt: FormatType) -> None:
        self.item_id = item_id
        self.response_id = response_id
        self.format: FormatType = fmt
        self.received_bytes = 0
        self.played_ms = 0.0
        self.complete = False
        self.stopped = False
        self.truncated_ms: int | None = None

    @property
    def received_ms(self) -> float:
        return self.received_bytes / bytes_per_ms(self.format)

    @property
    def finished(self) -> bool:
        """Nothing more of it will be played."""
        return self.stopped or (self.complete and self.played_ms >= self.received_ms)

    def snapshot(self) -> ItemPlayback:
        # Played ms to the microsecond: clock differences carry float noise below that
        # (149.99999999997 for 150), which a truncate's rounding down would turn into 149.
        return ItemPlayback(self.item_id, self.response_id, self.format, self.received_ms,
                            round(self.played_ms, 3), self.complete, self.stopped,
                            self.truncated_ms)


class Playback(Observer):
    """Received and played milliseconds of every assistant audio item; see the module doc.

    Args:
        clock: seconds from any origin (``time.monotonic`` by default); the 1x
            clock plays by it. Tests pass their own.
        source: ``"clock"`` (default; becomes ``"player"`` at the first
            :meth:`played` call) or ``"player"`` from the start (a speaker that
            has not reported yet has played nothing).

    ``playback[item_id]`` is an :class:`ItemPlayback` (``KeyError`` if the item
    had no audio); :attr:`playing` is the item being heard now.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 source: PlaybackSource = "clock") -> None:
        if source not in ("clock", "player"):
            raise ValueError(f"source must be 'clock' or 'player', got {source!r}")
        self.clock = clock
        self.source: PlaybackSource = source
        self._tracks: OrderedDict[str, _Track] = OrderedDict()  # in order of first audio
        self._at = clock()  # where the clock's speaker last advanced to
        self._last_reported: str | None = None
        self._output_format: FormatType = "audio/pcm"
        self._active: OrderedDict[str, FormatType] = OrderedDict()  # response id -> format
        self._requested: OrderedDict[str, None] = OrderedDict()  # response.create event ids

    # -- what the session feeds -------------------------------------------------------------

    def sent(self, event: ClientEvent) -> None:
        """Note a ``response.create``: a response is coming, although not created yet."""
        if event.type == "response.create" and event.event_id is not None:
            self._requested[event.event_id] = None

    def received(self, event: Any) -> None:
        """Follow the session's output format, its responses and their audio."""
        kind = getattr(event, "type", None)
        if kind == "response.output_audio.delta":
            self._advance()
            track = self._track(event.item_id, event.response_id)
            size = base64_size(event.delta)
            track.received_bytes += size if size is not None else 0
        elif kind == "response.created":
            if self._requested:
                self._requested.popitem(last=False)
            response = event.response
            response_id = getattr(response, "id", None)
            if isinstance(response_id, str):
                output = getattr(getattr(response, "audio", None), "output", None)
                fmt = getattr(output, "format", None)
                self._active[response_id] = (format_type(fmt) if fmt is not None
                                             else self._output_format)
        elif kind == "response.output_audio.done":
            self._advance()
            done = self._tracks.get(event.item_id)
            if done is not None:
                done.complete = True
        elif kind == "response.done":
            self._advance()
            response_id = getattr(event.response, "id", None)
            self._active.pop(response_id, None)  # type: ignore[arg-type]
            for track in self._tracks.values():
                if track.response_id == response_id:
                    track.complete = True
        elif kind == "conversation.item.truncated":
            self._advance()
            cut = self._tracks.get(event.item_id)
            if cut is not None:
                cut.truncated_ms = event.audio_end_ms
                cut.played_ms = min(cut.played_ms, float(event.audio_end_ms))
                cut.stopped = True
        elif kind == "conversation.item.deleted":
            self._advance()
            deleted = self._tracks.get(event.item_id)
            if deleted is not None:
                deleted.stopped = True
        elif kind in ("session.created", "session.updated"):
            if kind == "session.created":
                self._new_session()
            self._output_format = session_format(event.session, "output")
        elif kind == "error":
            caused_by = getattr(getattr(event, "error", None), "event_id", None)
            if isinstance(caused_by, str):
                self._requested.pop(caused_by, None)

    def _new_session(self) -> None:
        """A new server session (after a reconnect): nothing of the old one plays on.

        Its responses will never send ``response.done`` and its items cannot be
        truncated any more; left active, they would be what ``interrupt()`` cancels
        and cuts, and the 1x clock would wait on them forever.
        """
        self._advance()
        self._active.clear()
        self._requested.clear()
        for track in self._tracks.values():
            track.complete = track.stopped = True

    def _track(self, item_id: str, response_id: str) -> _Track:
        track = self._tracks.get(item_id)
        if track is None:
            fmt = self._active.get(response_id, self._output_format)
            track = self._tracks[item_id] = _Track(item_id, response_id, fmt)
            if len(self._tracks) > _TRACK_MEMORY:
                self._tracks.popitem(last=False)
        return track

    # -- what a player reports ----------------------------------------------------------------

    def played(self, item_id: str, ms: float) -> None:
        """A player's position in ``item_id``'s audio, in ms from its start.

        From the first call on, played positions are the player's alone (the
        1x clock stops). A position beyond the audio received is kept as
        reported; :meth:`plan_interrupt` clamps it.
        """
        if not (isinstance(ms, int | float) and math.isfinite(ms) and ms >= 0):
            raise ValueError(f"played ms must be a finite number >= 0, got {ms!r}")
        if self.source == "clock":
            self._advance()
            self.source = "player"
        track = self._tracks.get(item_id)
        if track is None:  # audio this object never saw (fed late): nothing received
            track = self._track(item_id, "")
        track.played_ms = float(ms)
        self._last_reported = item_id

    def stop(self) -> None:
        """The speaker stops: every item's played position freezes where it is now
        (an interruption; audio still arriving for those items is not played)."""
        self._advance()
        for track in self._tracks.values():
            track.stopped = True

    # -- what there is to know ----------------------------------------------------------------

    def _advance(self) -> None:
        """Move the clock's speaker to now: it plays the items in order at 1x and waits
        (an underrun) at the end of what it has received of an item not complete."""
        now = self.clock()
        budget = (now - self._at) * 1000.0
        self._at = now
        if self.source != "clock" or budget <= 0:
            return
        for track in self._tracks.values():
            if track.finished:
                continue
            step = min(budget, track.received_ms - track.played_ms)
            if step > 0:
                track.played_ms += step
                budget -= step
            if budget <= 0 or not track.complete:
                return  # out of time, or waiting for more of this item

    def __getitem__(self, item_id: str) -> ItemPlayback:
        self._advance()
        return self._tracks[item_id].snapshot()

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._tracks

    @property
    def items(self) -> tuple[ItemPlayback, ...]:
        """Every assistant audio item followed, oldest first."""
        self._advance()
        return tuple(track.snapshot() for track in self._tracks.values())

    @property
    def playing(self) -> ItemPlayback | None:
        """The item being heard now (or waited for, mid-item), or ``None``."""
        self._advance()
        if self.source == "player":
            track = self._tracks.get(self._last_reported or "")
            return None if track is None or track.finished else track.snapshot()
        for track in self._tracks.values():
            if not track.finished:
                return track.snapshot()
        return None

    @property
    def active_response(self) -> str | None:
        """The latest response created and not done yet, or ``None``."""
        return next(reversed(self._active), None)

    @property
    def requested(self) -> int:
        """``response.create`` events sent and not answered yet (no ``response.created``
        nor error so far)."""
        return len(self._requested)

    def plan_interrupt(self) -> Interruption:
        """What interrupting now means: the response to cancel, and the truncate.

        The truncate is for the item being heard, at its played position clamped
        to what was received for it; it is skipped (``audio_end_ms=None``, with a
        ``reason``) when nothing of it was played, since the service refuses a
        truncate before an item's first audio. Nothing is changed: the session
        calls :meth:`stop` when it acts on the plan.
        """
        response_id = self.active_response
        track = self._playing_track()
        if track is None and response_id is not None:
            # Created but silent so far: its item, if audio began arriving this instant.
            track = next((t for t in reversed(self._tracks.values())
                          if t.response_id == response_id and not t.stopped), None)
        if track is None:
            reason = (f"no truncate: {_NO_AUDIO_YET}" if response_id is not None else
                      "nothing to interrupt: no response is active and no audio is playing")
            return Interruption(response_id, None, 0.0, 0.0, reason=reason)
        heard = track.snapshot()
        played, received = heard.played_ms, heard.received_ms
        end = math.floor(min(played, received))
        if end <= 0:
            why = _NO_AUDIO_YET if received <= 0 else "nothing of its audio was played yet (0 ms)"
            return Interruption(response_id, track.item_id, played, received,
                                reason=f"no truncate: {why}")
        reason = ""
        if played > received:
            reason = (f"played {played:,.0f} ms but only {received:,.0f} ms were received: "
                      f"truncated at {end:,} ms (the service refuses more)")
        return Interruption(response_id, track.item_id, played, received, audio_end_ms=end,
                            reason=reason)

    def _playing_track(self) -> _Track | None:
        snapshot = self.playing
        return None if snapshot is None else self._tracks[snapshot.item_id]

    def __repr__(self) -> str:
        now = self.playing
        shown = (f"playing {now.item_id} {now.played_ms:,.0f}/{now.received_ms:,.0f} ms"
                 if now is not None else "idle")
        active = f" active={self.active_response}" if self._active else ""
        return f"<Playback {self.source} {shown}{active} items={len(self._tracks)}>"
