"""A tape: every frame of a session, both ways, with its time, to save and read back.

``connect(..., record=True)`` gives the session a :class:`Tape`; each client
event is taped as it is written, each server event as it arrives, as the exact
JSON of the wire. ``tape.save("session.jsonl")`` writes one JSON object per
line: a header (where the session was connected, secrets masked), then one
line per frame. Known secrets are masked in every taped frame too, so a tape
can be shared.

>>> tape = Tape(target="mock ws://127.0.0.1:1/v1/realtime (ga)", dialect="ga")
>>> tape.add("client", '{"type":"input_audio_buffer.clear"}', at=0.5)
>>> [entry.type for entry in tape]
['input_audio_buffer.clear']
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .redaction import Secret, redact

__all__ = ["Tape", "TapeEntry", "Direction", "TAPE_FORMAT"]

TAPE_FORMAT = "realtime_nb.tape/1"
"""The ``format`` named in a tape file's header line."""

Direction = Literal["client", "server"]
"""Who sent a taped frame."""


@dataclass(frozen=True, slots=True)
class TapeEntry:
    """One taped frame.

    Attributes:
        direction: ``"client"`` or ``"server"``.
        at: seconds since the tape started.
        text: the frame's JSON text, secrets masked.
    """

    direction: Direction
    at: float
    text: str

    @property
    def type(self) -> str:
        """The event's ``type`` (``""`` if the frame is not a JSON object with one)."""
        try:
            kind = json.loads(self.text).get("type", "")
        except (ValueError, AttributeError):
            return ""
        return kind if isinstance(kind, str) else ""


class Tape:
    """The frames of one session, in order. Iterate it, index it, or :meth:`save` it.

    Args:
        target: where the session is connected, as shown (secrets masked).
        dialect: the session's dialect.
        secrets: secrets to mask in every frame taped.
    """

    def __init__(self, target: str = "", dialect: str = "ga",
                 secrets: Iterable[Secret] = ()) -> None:
        self.target = target
        self.dialect = dialect
        self.started = time.time()
        self._clock = time.perf_counter()
        self._secrets = tuple(secrets)
        self._entries: list[TapeEntry] = []

    def add(self, direction: Direction, text: str | bytes, at: float | None = None) -> None:
        """Tape one frame (``at``: seconds since the start; default: now)."""
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        if self._secrets:
            text = redact(text, self._secrets)
        when = time.perf_counter() - self._clock if at is None else at
        self._entries.append(TapeEntry(direction, when, text))

    def __iter__(self) -> Iterator[TapeEntry]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __getitem__(self, index: int) -> TapeEntry:
        return self._entries[index]

    def header(self) -> dict[str, Any]:
        """The first line of a saved tape."""
        return {"format": TAPE_FORMAT, "target": self.target, "dialect": self.dialect,
                "started": self.started}

    def save(self, path: str | Path) -> Path:
        """Write the tape as JSON Lines; returns the path."""
        path = Path(path)
        with path.open("w", encoding="utf-8") as out:
            out.write(json.dumps(self.header()) + "\n")
            for entry in self._entries:
                line = {"at": round(entry.at, 6), "from": entry.direction,
                        "event": json.loads(entry.text)}
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
        return path

    @classmethod
    def load(cls, path: str | Path) -> Tape:
        """Read a tape written by :meth:`save`.

        Raises:
            ValueError: the file is not a realtime_nb tape.
        """
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        header = json.loads(lines[0]) if lines else {}
        if not isinstance(header, dict) or header.get("format") != TAPE_FORMAT:
            raise ValueError(f"{path} is not a realtime_nb tape (no {TAPE_FORMAT!r} header).")
        tape = cls(header.get("target", ""), header.get("dialect", "ga"))
        tape.started = header.get("started", tape.started)
        for line in lines[1:]:
            item = json.loads(line)
            text = json.dumps(item["event"], separators=(",", ":"), ensure_ascii=False)
            tape.add(item["from"], text, at=item["at"])
        return tape

    def __repr__(self) -> str:
        return f"<Tape {len(self._entries)} frames from {self.target or 'a session'}>"
