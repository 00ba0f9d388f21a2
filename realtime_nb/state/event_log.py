"""The session's events, both ways, as a bounded log to filter, read and export.

:class:`EventLog` is an :class:`~realtime_nb.state.observer.Observer` that keeps
every client event sent (``sent``, direction ``"client"``) and every server
event received (``received``, direction ``"server"``) in order, newest last, as
:class:`LogEntry` lines. It is what the control panel's log view draws, and it
works alone: ``session.observe(EventLog())``, or ``EventLog.from_tape(tape)``.

What it promises:

* **Deltas collapse.** Consecutive events of one ``*.delta`` type for the same
  item and response, with nothing else logged in between, are one entry with a
  count, and so are consecutive ``input_audio_buffer.append``: a spoken reply
  is one line ``response.output_audio.delta ×240  480,000 bytes · 10,000 ms``,
  not 240.
* **Audio is summarised, never shown as base64.** Summaries and the JSON of
  :meth:`LogEntry.json` put ``"<base64: 48,000 bytes, 1,000 ms PCM16 24 kHz>"``
  where the audio was, in the session's formats (followed from
  ``session.created`` / ``session.updated``). Other long strings stay whole.
* **Errors point at their cause.** An ``error`` names the client event that
  caused it (``error.event_id``); the two entries are linked both ways
  (:attr:`LogEntry.cause`, :attr:`LogEntry.caused_error`), and
  :attr:`LogEntry.link_note` says when the cause sits inside a collapsed
  entry or was dropped from the log.
* **Bounded.** At most :attr:`EventLog.capacity` events are kept (5,000 by
  default; the oldest go first, a collapsed entry losing its oldest events
  before the entry itself goes). :attr:`EventLog.dropped` says how many went;
  :attr:`EventLog.counts` counts every event ever seen, by type.
* **Cheap to feed.** ``sent`` and ``received`` run for every event of a long
  audio reply: they keep the typed event, its times and a few counters, and
  nothing else. Summaries and JSON are made when an entry is drawn, and cached
  until it changes. :attr:`EventLog.version` changes with every change, so a
  view can skip a redraw when nothing happened.

>>> from realtime_nb.codec import parse_server_event
>>> log = EventLog()
>>> for n in range(3):
...     log.received(parse_server_event({"type": "response.output_audio.delta",
...         "event_id": f"e{n}", "response_id": "r1", "item_id": "i1", "output_index": 0,
...         "content_index": 0, "delta": "AAAA" * 1600}))
>>> [str(entry) for entry in log]
['response.output_audio.delta ×3  14,400 bytes · 300 ms']
"""  # noqa: RUF002 - the multiplication sign is what the log shows

from __future__ import annotations

import contextlib
import fnmatch
import json
import re
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, Literal

import msgspec

from ..audio.formats import FormatType, bytes_per_ms, session_format
from ..codec import UnknownServerEvent, parse_client_event, parse_server_event
from ..errors import DecodeError, EventValidationError
from ..tape import Tape
from ..wire.base import ClientEvent, Dialect, check_dialect
from ..wire.reprs import describe_audio
from .items import base64_length
from .observer import Observer

__all__ = ["EventLog", "LogEntry", "Direction", "AudioExport", "DEFAULT_CAPACITY", "TIMES",
           "audio_marker"]

Direction = Literal["client", "server"]
"""Who sent an event: ``"client"`` (sent by this side) or ``"server"`` (received)."""

AudioExport = Literal["full", "summary"]
"""How :meth:`EventLog.to_jsonl` writes audio: the base64 whole, or a short marker."""

DEFAULT_CAPACITY = 5000
"""Events an :class:`EventLog` keeps unless told otherwise: minutes of a spoken session."""

_Record = tuple[int, float, float, Any]
"""One kept event: (sequence number, monotonic time, wall time, the typed event)."""

_APPEND = "input_audio_buffer.append"
_APPEND_KEY = ("client", _APPEND)
"""The collapse key of client audio appends (they name no item or response)."""

_OUTPUT_AUDIO_DELTAS = frozenset({"response.output_audio.delta", "response.audio.delta"})
"""Server events whose ``delta`` is base64 audio in the session's output format (GA and
beta names: parsed events carry the GA one, an unknown event's raw dict may carry either)."""

_AUDIO_KEY = frozenset({"audio"})
_AUDIO_OR_DELTA = frozenset({"audio", "delta"})

_GONE_MEMORY = 10_000
"""Ids of dropped client events remembered, so that a late ``error`` can still say that
its cause was logged and dropped (rather than never seen)."""

_SUMMARY_WIDTH = 160
"""Characters of a generic summary: about one line of the log."""

_TEXT_HEAD = 80
"""Characters of a text delta's joined text shown in its summary."""

TIMES = "\N{MULTIPLICATION SIGN}"
"""The mark before a collapsed entry's count: the multiplication sign (written as an
escape here, since the linter takes the sign itself for a letter x)."""


def _audio_size(value: Any) -> int:
    """Bytes of audio held as raw bytes (a built append) or base64 text (on the wire)."""
    if isinstance(value, bytes | bytearray | memoryview):
        return len(value)
    return base64_length(value) if isinstance(value, str) else 0


def _ms(size: int, fmt: FormatType) -> float:
    return size / bytes_per_ms(fmt)


def audio_marker(text: str, fmt: FormatType) -> str:
    """The short stand-in for base64 audio ``text`` in summaries and shown JSON (as the
    wire models' reprs write it).

    >>> audio_marker("AAAA" * 16_000, "audio/pcm")
    '<base64: 48,000 bytes, 1,000 ms PCM16 24 kHz>'
    """
    return f"<base64: {describe_audio(base64_length(text), fmt)}>"


def _summarised(data: Any, kind: str, formats: tuple[FormatType, FormatType]) -> Any:
    """A copy of an event's dict with every base64 audio string replaced by its marker.

    ``audio`` (appends, content parts) is audio wherever it holds a string;
    ``delta`` only at the top of an output audio delta (text deltas share the name).
    The format is the input's, except in output audio deltas and in assistant
    audio content parts (``output_audio``, beta ``audio``).
    """
    top = formats[1] if kind in _OUTPUT_AUDIO_DELTAS else formats[0]
    keys = _AUDIO_OR_DELTA if kind in _OUTPUT_AUDIO_DELTAS else _AUDIO_KEY
    return _walk(data, top, formats, keys)


def _walk(value: Any, fmt: FormatType, formats: tuple[FormatType, FormatType],
          keys: frozenset[str]) -> Any:
    if type(value) is dict:
        part = value.get("type")
        if part == "input_audio":
            fmt = formats[0]
        elif part in ("output_audio", "audio"):
            fmt = formats[1]
        return {key: (audio_marker(item, fmt) if key in keys and type(item) is str
                      else _walk(item, fmt, formats, _AUDIO_KEY))
                for key, item in value.items()}
    if type(value) is list:
        return [_walk(item, fmt, formats, _AUDIO_KEY) for item in value]
    return value


def _event_dict(event: Any, dialect: Dialect) -> dict[str, Any]:
    """The event as its JSON object in ``dialect``; in the other dialect when it has no
    form there (a GA-only field shown for a beta session, or the reverse); as its fields
    are held when neither takes it. Showing an event must never fail."""
    for name in (dialect, "beta" if dialect == "ga" else "ga"):
        try:
            data: dict[str, Any] = event.to_dict(name)
        except EventValidationError:
            continue
        return data
    raw: dict[str, Any] = msgspec.to_builtins(event)
    return raw


def _iso(wall: float) -> str:
    return datetime.fromtimestamp(wall, UTC).isoformat(timespec="milliseconds")


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _brief(value: Any) -> str:
    """A value as a summary shows it: strings bare when short and plain, else JSON."""
    if isinstance(value, str) and value and len(value) <= 40 and " " not in value:
        return value
    return json.dumps(value, ensure_ascii=False)


def _item_brief(item: Any) -> str:
    """An item in a few words: ``message user "Hi"``, ``function_call get_weather(...)``."""
    if not isinstance(item, dict):
        return _brief(item)
    words = [str(item.get(key)) for key in ("type", "role", "name", "call_id", "status")
             if isinstance(item.get(key), str)]
    for part in item.get("content") or ():
        if isinstance(part, dict):
            for key in ("text", "transcript", "audio"):
                value = part.get(key)
                if isinstance(value, str):
                    words.append(_brief(_cut(value, 60)))
                    break
    for key in ("arguments", "output"):
        value = item.get(key)
        if isinstance(value, str):
            words.append(_brief(_cut(value, 60)))
    return " ".join(words)


class LogEntry:
    """One line of an :class:`EventLog`: an event, or a run of collapsed deltas.

    Attributes:
        seq: the sequence number of the entry's first event (its name in the log;
            it stays when older events of a collapsed entry are dropped).
        direction: ``"client"`` or ``"server"``.
        type: the events' ``type`` (GA name).
        event_id: the first event's ``event_id`` (a client event's own id, or the
            server's id for a server event; ``None`` when it had none).
        dropped: events of this entry dropped from the log (the oldest first).
        kept: whether the entry is still in its log.
        cause: for an ``error``, the client entry holding the event that caused
            it (``None`` if the error names none, or one never logged); it may
            since have been dropped (see :attr:`cause_dropped`).
        cause_event_id: the ``error.event_id`` the error named, if any.
        cause_seq: the sequence number of the causing event, when it was logged.
        caused_errors: for a client entry, the ``error`` entries its events caused.
    """

    __slots__ = ("_cache", "_formats", "_key", "_records", "cause", "cause_event_id",
                 "cause_seq", "caused_errors", "direction", "dropped", "event_id", "kept",
                 "seq", "type")

    def __init__(self, record: _Record, direction: Direction, kind: str,
                 key: tuple[Any, ...] | None, formats: tuple[FormatType, FormatType]) -> None:
        self._records: deque[_Record] = deque((record,))
        self._key = key  # what a following event must match to join this entry
        self._formats = formats  # the session's (input, output) audio formats back then
        self._cache: dict[Any, Any] = {}
        self.seq = record[0]
        self.direction: Direction = direction
        self.type = kind
        self.event_id: str | None = record[3].event_id or None
        self.dropped = 0
        self.kept = True
        self.cause: LogEntry | None = None
        self.cause_event_id: str | None = None
        self.cause_seq: int | None = None
        self.caused_errors: list[LogEntry] = []

    # -- what it holds --------------------------------------------------------------------

    @property
    def count(self) -> int:
        """Events of this entry still kept (1 unless collapsed)."""
        return len(self._records)

    @property
    def collapsed(self) -> bool:
        """Whether this entry stands for more than one event (some may be dropped since)."""
        return len(self._records) + self.dropped > 1

    @property
    def events(self) -> list[Any]:
        """The kept events, oldest first (typed client or server events)."""
        return [record[3] for record in tuple(self._records)]

    @property
    def event(self) -> Any:
        """The first kept event (``None`` once every event of the entry was dropped)."""
        records = self._records
        return records[0][3] if records else None

    @property
    def seqs(self) -> list[int]:
        """The sequence numbers of the kept events."""
        return [record[0] for record in tuple(self._records)]

    @property
    def time(self) -> float:
        """Wall-clock time (epoch seconds) of the first kept event (of the last one dropped,
        once all were)."""
        records = self._records
        return records[0][2] if records else float(self._cache.get("wall", 0.0))

    @property
    def monotonic(self) -> float:
        """Monotonic time (seconds) of the first kept event (as :attr:`time`)."""
        records = self._records
        return records[0][1] if records else float(self._cache.get("mono", 0.0))

    @property
    def last_time(self) -> float:
        """Wall-clock time of the last kept event."""
        records = self._records
        return records[-1][2] if records else self.time

    @property
    def audio_format(self) -> FormatType:
        """The format its audio is in, if it carries any: the session's input format
        for client events and user audio, its output format for output audio deltas."""
        return self._formats[1] if self.type in _OUTPUT_AUDIO_DELTAS else self._formats[0]

    # -- links ----------------------------------------------------------------------------

    @property
    def caused_error(self) -> LogEntry | None:
        """The first ``error`` entry caused by one of this entry's events, if any."""
        return self.caused_errors[0] if self.caused_errors else None

    def _holds(self, seq: int | None) -> bool:
        """Whether the event numbered ``seq`` is still kept in this entry."""
        records = self._records
        return (seq is not None and self.kept and bool(records)
                and records[0][0] <= seq <= records[-1][0])

    @property
    def cause_dropped(self) -> bool:
        """For an error: its cause was logged but has been dropped from the log since."""
        return self.cause is not None and not self.cause._holds(self.cause_seq)

    @property
    def link_note(self) -> str:
        """What the error links of this entry say, in a sentence (``""`` for none).

        For an error, where its cause is: here, inside a collapsed entry, dropped,
        or never logged; for a client entry, which errors its events caused.
        """
        notes: list[str] = []
        cause = self.cause
        if self.cause_event_id is not None:
            named = f"client event {self.cause_event_id}"
            if cause is None:
                notes.append(f"Caused by {named}, which is not in this log.")
            else:
                where = f"Caused by {cause.type} {self.cause_event_id} (#{self.cause_seq})"
                if self.cause_dropped:
                    notes.append(f"{where}, since dropped from the log (over capacity).")
                elif cause.collapsed:
                    notes.append(f"{where}, one of the {TIMES}{cause.count} collapsed in "
                                 f"entry #{cause.seq}.")
                else:
                    notes.append(f"{where}.")
        for error in self.caused_errors:
            text = error._error_text()
            which = f"#{error.cause_seq} ({error.cause_event_id})" if self.collapsed else ""
            event = f"Event {which} of this entry" if which else "This event"
            gone = "" if error.kept else " (since dropped from the log)"
            notes.append(f"{event} caused error #{error.seq}{gone}: {text}")
        return " ".join(notes)

    def _error_text(self) -> str:
        error = getattr(self.event, "error", None)
        if error is None:
            return ""
        code = getattr(error, "code", None)
        code_text = f" ({code})" if isinstance(code, str) else ""
        return f"{getattr(error, 'type', '')}{code_text}: {getattr(error, 'message', '')}"

    # -- drawn lazily ---------------------------------------------------------------------

    def _state(self) -> tuple[Any, ...]:
        """What the drawn forms depend on: the kept events and the links."""
        records = self._records
        if not records:
            return (None, None, len(self.caused_errors), self.cause_dropped, self.kept)
        return (records[0][0], records[-1][0], len(self.caused_errors), self.cause_dropped,
                self.kept)

    def _cached(self, name: str, make: Callable[[], Any], *extra: Any) -> Any:
        key = (name, *extra)
        state = self._state()
        hit = self._cache.get(key)
        if hit is not None and hit[0] == state:
            return hit[1]
        value = make()
        self._cache[key] = (state, value)
        return value

    def _audio_bytes(self) -> int:
        """Total audio bytes of the kept events, summed incrementally across redraws
        (a reply's entry grows at every redraw; only its new events are measured)."""
        records = tuple(self._records)
        if not records:
            return 0
        field = "audio" if self.type == _APPEND else "delta"
        first, last = records[0][0], records[-1][0]
        total: int
        done = self._cache.get("bytes")
        if done is not None and done[0] == first:
            _, upto, total = done
            index = len(records)
            while index and records[index - 1][0] > upto:
                index -= 1
            new = records[index:]
        else:
            total, new = 0, records
        for record in new:
            event = record[3]
            total += _audio_size(event.raw.get(field) if type(event) is UnknownServerEvent
                                 else getattr(event, field, None))
        self._cache["bytes"] = (first, last, total)
        return total

    @property
    def is_audio(self) -> bool:
        """Whether this entry's events are audio appends or output audio deltas."""
        return self.type == _APPEND or self.type in _OUTPUT_AUDIO_DELTAS

    def _is_text_delta(self) -> bool:
        return self.type.endswith(".delta") and not self.is_audio

    def text(self) -> str:
        """The joined ``delta`` text of a text delta entry (``""`` for any other)."""
        if not self._is_text_delta():
            return ""

        def join() -> str:
            parts = []
            for record in tuple(self._records):
                event = record[3]
                delta = (event.raw.get("delta") if type(event) is UnknownServerEvent
                         else getattr(event, "delta", None))
                if isinstance(delta, str):
                    parts.append(delta)
            return "".join(parts)

        text: str = self._cached("text", join)
        return text

    @property
    def summary(self) -> str:
        """A short description of the entry, after its type: audio sizes, text, the error,
        the item; with ``×N`` first for a collapsed entry."""  # noqa: RUF002
        summary: str = self._cached("summary", self._summarise)
        return summary

    def _summarise(self) -> str:
        count = f"{TIMES}{self.count}" if self.collapsed else ""
        if self.dropped:
            count += f" (+{self.dropped} dropped)"
        if not self._records:
            return (count + "  " if count else "") + "(dropped)"
        if self.is_audio:
            size = self._audio_bytes()
            fmt = self.audio_format
            shown = f"{size:,} bytes · {_ms(size, fmt):,.0f} ms"
            if fmt != "audio/pcm":
                shown += f" {fmt}"
        elif self._is_text_delta():
            text = self.text()
            shown = json.dumps(_cut(text, _TEXT_HEAD), ensure_ascii=False)
            if len(text) > _TEXT_HEAD:
                shown += f" ({len(text):,} chars)"
        else:
            shown = self._describe()
        return f"{count}  {shown}" if count else shown

    def _describe(self) -> str:
        """The summary of a single event that is neither audio nor a text delta."""
        event = self.event
        if self.type == "error":
            text = self._error_text()
            return f"{text}  ← {self.cause_event_id}" if self.cause_event_id else text
        data = _summarised(_event_dict(event, "ga"), self.type, self._formats)
        session = data.get("session")
        if self.type == "session.update" and isinstance(session, dict):
            # What the update changes: every field it sets, shortly.
            return _cut(" ".join(f"{key}={_cut(_brief(value), 60)}"
                                 for key, value in session.items() if key != "type"),
                        _SUMMARY_WIDTH)
        if self.type in ("session.created", "session.updated") and isinstance(session, dict):
            # What a reader looks for first: which session, which model, which formats.
            audio = session.get("audio")
            parts = [f"{key}={_brief(session[key])}" for key in
                     ("id", "model", "output_modalities") if key in session]
            for side in ("input", "output"):
                config = audio.get(side) if isinstance(audio, dict) else None
                fmt = config.get("format") if isinstance(config, dict) else None
                if isinstance(fmt, dict) and "type" in fmt:
                    parts.append(f"{side}={fmt['type']}")
            return _cut(" ".join(parts), _SUMMARY_WIDTH)
        parts = []
        for key, value in data.items():
            if key in ("type", "event_id"):
                continue
            if key == "item":
                parts.append(f"item={_item_brief(value)}")
            elif key == "response" and isinstance(value, dict):
                words = [f"{name}={_brief(value[name])}" for name in ("id", "status")
                         if name in value]
                usage = value.get("usage")
                if isinstance(usage, dict):
                    words.append(f"tokens={usage.get('input_tokens')}→"
                                 f"{usage.get('output_tokens')}")
                parts.append(f"response({' '.join(words)})")
            else:
                parts.append(f"{key}={_cut(_brief(value), 60)}")
        return _cut(" ".join(parts), _SUMMARY_WIDTH)

    def to_dict(self, dialect: Dialect = "ga") -> dict[str, Any]:
        """The entry as the expand view shows it: its place, its event with audio
        summarised (or, when collapsed, the count, the totals and the first and last
        events), and its error links. JSON-ready."""
        records = tuple(self._records)
        data: dict[str, Any] = {
            "seq": records[0][0] if records else self.seq,
            "time": _iso(records[0][2]) if records else None,
            "direction": self.direction,
            "type": self.type,
        }
        if self.event_id is not None:
            data["event_id"] = self.event_id
        if len(records) == 1 and not self.dropped:
            data["event"] = _summarised(_event_dict(records[0][3], dialect), self.type,
                                        self._formats)
        else:
            data["count"] = len(records)
            if self.dropped:
                data["dropped"] = self.dropped
            if self.is_audio:
                size = self._audio_bytes()
                data["audio"] = {"bytes": size, "ms": round(_ms(size, self.audio_format), 3),
                                 "format": self.audio_format}
            elif self._is_text_delta():
                data["text"] = self.text()
            for name, record in (("first", records[:1]), ("last", records[-1:])):
                for seq, _, wall, event in record:
                    data[name] = {"seq": seq, "time": _iso(wall), "event": _summarised(
                        _event_dict(event, dialect), self.type, self._formats)}
        if self.cause_event_id is not None:
            data["cause"] = {"event_id": self.cause_event_id, "seq": self.cause_seq,
                             "type": self.cause.type if self.cause is not None else None,
                             "note": self.link_note}
        if self.caused_errors:
            data["caused_errors"] = [{"seq": error.seq, "error": error._error_text()}
                                     for error in self.caused_errors]
        return data

    def json(self, dialect: Dialect = "ga") -> str:
        """:meth:`to_dict` as indented JSON (cached until the entry changes)."""
        text: str = self._cached(
            "json", lambda: json.dumps(self.to_dict(dialect), indent=2, ensure_ascii=False),
            dialect)
        return text

    def _haystack(self, dialect: Dialect) -> str:
        """What a search looks in, lower-cased: type, summary, JSON, joined delta text."""
        text: str = self._cached("haystack", lambda: "\n".join(
            (self.type, self.summary, self.json(dialect), self.text())).lower(), dialect)
        return text

    def __str__(self) -> str:
        return f"{self.type} {self.summary}"

    def __repr__(self) -> str:
        arrow = "↑" if self.direction == "client" else "↓"
        return f"<LogEntry #{self.seq} {arrow} {_cut(str(self), 100)}>"


@lru_cache(maxsize=64)
def _type_matcher(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex for exact types and ``fnmatch`` globs (``None``: no pattern, all match)."""
    if not patterns:
        return None
    return re.compile("|".join(fnmatch.translate(pattern) for pattern in patterns),
                      re.IGNORECASE)


def _patterns(types: str | Iterable[str] | None) -> tuple[str, ...]:
    if types is None:
        return ()
    if isinstance(types, str):
        types = types.split(",")
    return tuple(sorted({text.strip() for text in types if text.strip()}))


class EventLog(Observer):
    """The session's events both ways, newest last, collapsed and bounded; see the module doc.

    Args:
        capacity: events kept at most (settable later; the oldest go first).
        dialect: the dialect event JSON is shown and exported in (settable;
            the panel sets its session's).
        clock: monotonic seconds (injectable for tests).
        wall_clock: epoch seconds (injectable for tests).

    Iterating gives the entries, oldest first; ``len(log)`` is their number.

    Attributes:
        counts: events ever seen, by type (dropped ones included).
        version: bumped on every change (an event, a capacity change).
        dialect: as above.
    """

    def __init__(self, *, capacity: int = DEFAULT_CAPACITY, dialect: Dialect = "ga",
                 clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time) -> None:
        check_dialect(dialect)
        self._capacity = self._check_capacity(capacity)
        self.dialect: Dialect = dialect
        self._clock = clock
        self._wall = wall_clock
        self._entries: deque[LogEntry] = deque()
        self._last: LogEntry | None = None  # the entry a delta may join
        self._seq = 0
        self._kept = 0
        self._dropped = 0
        self._client = 0
        self._server = 0
        self._formats: tuple[FormatType, FormatType] = ("audio/pcm", "audio/pcm")
        # Kept client events by event_id (with their seq), for the errors that name them;
        # dropped ones move to a bounded memory, so a late error can say so.
        self._client_ids: dict[str, tuple[LogEntry, int]] = {}
        self._gone_ids: OrderedDict[str, tuple[LogEntry, int]] = OrderedDict()
        self.counts: Counter[str] = Counter()
        self.version = 0

    @staticmethod
    def _check_capacity(capacity: int) -> int:
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 0:
            raise ValueError(f"capacity must be a whole number of events >= 0, got {capacity!r}")
        return capacity

    # -- what the session feeds (the hot path: no formatting, no JSON, no base64) --------

    def sent(self, event: ClientEvent) -> None:
        """Log a client event as it is written (appends in a row collapse)."""
        kind: str = event.type
        self._seq = seq = self._seq + 1
        record = (seq, self._clock(), self._wall(), event)
        self.counts[kind] += 1
        self._client += 1
        self.version += 1
        event_id = event.event_id
        if kind == _APPEND:
            last = self._last
            if last is not None and last._key is _APPEND_KEY:
                last._records.append(record)
                if event_id:
                    self._client_ids[event_id] = (last, seq)
                self._kept += 1
                if self._kept > self._capacity:
                    self._drop()
                return
            key: tuple[Any, ...] | None = _APPEND_KEY
        else:
            key = None
        entry = LogEntry(record, "client", kind, key, self._formats)
        self._entries.append(entry)
        self._last = entry
        if event_id:
            self._client_ids[event_id] = (entry, seq)
        self._kept += 1
        if self._kept > self._capacity:
            self._drop()

    def received(self, event: Any) -> None:
        """Log a server event (deltas in a row for one item and response collapse)."""
        kind: str = event.type
        self._seq = seq = self._seq + 1
        record = (seq, self._clock(), self._wall(), event)
        self.counts[kind] += 1
        self._server += 1
        self.version += 1
        if kind.endswith(".delta"):
            if type(event) is UnknownServerEvent:
                raw = event.raw
                key: tuple[Any, ...] | None = (kind, raw.get("item_id"), raw.get("response_id"))
            else:
                key = (kind, getattr(event, "item_id", None), getattr(event, "response_id", None))
            last = self._last
            if last is not None and last._key == key:
                last._records.append(record)
                self._kept += 1
                if self._kept > self._capacity:
                    self._drop()
                return
        else:
            key = None
        entry = LogEntry(record, "server", kind, key, self._formats)
        self._entries.append(entry)
        self._last = entry
        self._kept += 1
        if kind == "error":
            self._link(entry, event)
        elif kind == "session.created" or kind == "session.updated":
            self._follow_formats(event)
        if self._kept > self._capacity:
            self._drop()

    def _follow_formats(self, event: Any) -> None:
        session = getattr(event, "session", None)
        # A format this version does not know: keep measuring in the last one known.
        with contextlib.suppress(ValueError):
            self._formats = (session_format(session, "input"), session_format(session, "output"))

    def _link(self, entry: LogEntry, event: Any) -> None:
        """Link an error to the client event it names, kept, collapsed or dropped."""
        cause_id = getattr(getattr(event, "error", None), "event_id", None)
        if not isinstance(cause_id, str) or not cause_id:
            return
        entry.cause_event_id = cause_id
        found = self._client_ids.get(cause_id) or self._gone_ids.get(cause_id)
        if found is not None:
            cause, entry.cause_seq = found
            entry.cause = cause
            cause.caused_errors.append(entry)

    def _drop(self) -> None:
        """Drop the oldest events until no more than ``capacity`` are kept."""
        entries = self._entries
        while self._kept > self._capacity and entries:
            entry = entries[0]
            seq, mono, wall, event = entry._records.popleft()
            self._kept -= 1
            self._dropped += 1
            entry.dropped += 1
            if entry.direction == "client":
                event_id = event.event_id
                found = self._client_ids.get(event_id) if event_id else None
                if found is not None and found[1] == seq:
                    del self._client_ids[event_id]
                    self._gone_ids[event_id] = found
                    if len(self._gone_ids) > _GONE_MEMORY:
                        self._gone_ids.popitem(last=False)
            if not entry._records:
                entries.popleft()
                entry.kept = False
                entry._cache["wall"], entry._cache["mono"] = wall, mono
                if self._last is entry:
                    self._last = None

    # -- size -----------------------------------------------------------------------------

    @property
    def capacity(self) -> int:
        """Events kept at most; setting a smaller one drops the oldest at once."""
        return self._capacity

    @capacity.setter
    def capacity(self, capacity: int) -> None:
        self._capacity = self._check_capacity(capacity)
        self._drop()
        self.version += 1

    @property
    def total(self) -> int:
        """Events ever logged, both ways (kept and dropped)."""
        return self._seq

    @property
    def kept(self) -> int:
        """Events kept now (at most :attr:`capacity`)."""
        return self._kept

    @property
    def dropped(self) -> int:
        """Events dropped to stay within :attr:`capacity`."""
        return self._dropped

    @property
    def directions(self) -> Counter[str]:
        """Events ever logged per direction: ``{"client": n, "server": m}``."""
        return Counter({"client": self._client, "server": self._server})

    @property
    def formats(self) -> tuple[FormatType, FormatType]:
        """The session's (input, output) audio formats, as last announced by the server."""
        return self._formats

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[LogEntry]:
        return iter(tuple(self._entries))

    def __repr__(self) -> str:
        return (f"<EventLog {self._seq:,} events ({self._kept:,} kept, {self._dropped:,} "
                f"dropped) in {len(self._entries):,} entries>")

    # -- queries --------------------------------------------------------------------------

    def entries(self, types: str | Iterable[str] | None = None, search: str = "",
                direction: str | None = None, *, limit: int | None = None) -> list[LogEntry]:
        """The entries that match, newest last.

        Args:
            types: exact types or ``fnmatch`` globs (``"response.*"``), as a list or
                a comma-separated string; ``None`` or empty: every type.
            search: a case-insensitive substring of the type, the summary, the
                entry's JSON (audio summarised) or a text delta's joined text.
            direction: ``"client"``, ``"server"``, or ``None`` / ``"both"``.
            limit: at most this many, the newest (a view's window: it stops early).

        Raises:
            ValueError: an unknown direction.
        """
        if direction in (None, "", "both"):
            direction = None
        elif direction not in ("client", "server"):
            raise ValueError(f"direction must be 'client', 'server' or 'both', got {direction!r}")
        matcher = _type_matcher(_patterns(types))
        needle = search.strip().lower()
        dialect = self.dialect
        found: list[LogEntry] = []
        if limit is not None and limit <= 0:
            return found
        for entry in reversed(self._entries):
            if direction is not None and entry.direction != direction:
                continue
            if matcher is not None and matcher.match(entry.type) is None:
                continue
            if needle and needle not in entry._haystack(dialect):
                continue
            found.append(entry)
            if limit is not None and len(found) >= limit:
                break
        found.reverse()
        return found

    def find(self, seq: int) -> LogEntry | None:
        """The kept entry named ``seq`` (its first event's number), or ``None``."""
        for entry in reversed(self._entries):
            if entry.seq == seq:
                return entry
            if entry.seq < seq:
                break
        return None

    # -- export ---------------------------------------------------------------------------

    def to_jsonl(self, path_or_file: str | Path | IO[str], *,
                 audio: AudioExport = "full") -> int:
        """Write the kept events as JSON Lines, oldest first; returns how many.

        Each line is ``{"seq", "time", "direction", "type", "event"}``: ``time`` in
        epoch seconds, ``event`` the event's JSON object in :attr:`dialect` (GA
        where it has no form there) with its audio whole (``audio="full"``) or
        replaced by a marker (``"summary"``).
        """
        if audio not in ("full", "summary"):
            raise ValueError(f"audio must be 'full' or 'summary', got {audio!r}")
        if isinstance(path_or_file, str | Path):
            with Path(path_or_file).open("w", encoding="utf-8") as out:
                return self._write_jsonl(out, audio)
        return self._write_jsonl(path_or_file, audio)

    def _write_jsonl(self, out: IO[str], audio: AudioExport) -> int:
        written = 0
        dialect = self.dialect
        for entry in tuple(self._entries):
            for seq, _, wall, event in tuple(entry._records):
                data = _event_dict(event, dialect)
                if audio == "summary":
                    data = _summarised(data, entry.type, entry._formats)
                line = {"seq": seq, "time": wall, "direction": entry.direction,
                        "type": entry.type, "event": data}
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
                written += 1
        return written

    @classmethod
    def from_tape(cls, tape: Tape, *, capacity: int = DEFAULT_CAPACITY) -> EventLog:
        """A log of a recorded session (``connect(record=True)``, :meth:`Tape.load`).

        Times come from the tape (its start plus each frame's offset). A client
        frame that does not parse is logged as it was, untyped, like an unknown
        server event.
        """
        now = [0.0]
        dialect: Dialect = "beta" if tape.dialect == "beta" else "ga"
        log = cls(capacity=capacity, dialect=dialect, clock=lambda: now[0],
                  wall_clock=lambda: tape.started + now[0])
        for frame in tape:
            now[0] = frame.at
            try:
                data = json.loads(frame.text)
            except ValueError:
                continue  # not JSON: nothing to log as an event
            if not isinstance(data, dict):
                continue
            if frame.direction == "client":
                try:
                    log.sent(parse_client_event(data, dialect))
                except (DecodeError, EventValidationError):
                    log.sent(UnknownServerEvent(data))  # type: ignore[arg-type]
            else:
                try:
                    log.received(parse_server_event(data, dialect))
                except DecodeError:
                    log.received(UnknownServerEvent(data))
        log._clock, log._wall = time.monotonic, time.time
        return log
