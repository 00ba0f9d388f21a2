"""What a ``session.update`` asked for, against what the server put in effect.

The server answers ``session.update`` with the whole effective session (or an
``error`` when it refuses the update, which then changes nothing). Values can
differ from the request without an error: a number clamped, a field the model
does not support dropped, a tool missing. :class:`SessionUpdates`
(``session.last_update``) pairs each update with its answer and compares the
fields that were sent, leaf by leaf (``audio.output.voice``); any difference
becomes one :class:`~realtime_nb.SessionDiffWarning`.

>>> for entry in diff_session({"instructions": "Hi", "audio": {"output": {"speed": 3.0}}},
...                           {"instructions": "Hi", "audio": {"output": {"speed": 1.5}}}):
...     print(entry)
DiffEntry(path='audio.output.speed', requested=3.0, effective=1.5, reason='clamped')
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..errors import SessionDiffWarning
from ..wire.base import ClientEvent
from ..wire.client_events import SessionUpdate
from .observer import Observer

__all__ = ["DiffEntry", "UpdateRecord", "SessionUpdates", "diff_session", "UPDATE_MEMORY"]

UPDATE_MEMORY = 100
"""How many past updates :attr:`SessionUpdates.records` keeps (the oldest go first)."""

_MISSING: Any = object()


class DiffEntry(NamedTuple):
    """One field of an update that did not take effect as asked.

    Attributes:
        path: the field, dotted (``audio.output.voice``; a tool is ``tools.<name>``).
        requested: the value sent.
        effective: the value the server reports (``None`` when it reports none).
        reason: ``"clamped"`` (a number changed), ``"changed"`` (another value),
            ``"dropped"`` (not in the effective session) or ``"refused"`` (the
            update was refused and the field kept its value).
    """

    path: str
    requested: Any
    effective: Any
    reason: str


def diff_session(requested: Mapping[str, Any], effective: Mapping[str, Any] | None, *,
                 refused: bool = False) -> list[DiffEntry]:
    """The fields of ``requested`` (GA dict) that ``effective`` (GA dict) does not hold.

    Only the fields sent are compared, nested objects leaf by leaf; ``tools`` by
    name (a tool missing from the effective session is ``dropped``; its
    definition is not compared, since servers may normalise a schema). With
    ``refused=True``, ``effective`` is the session before the refused update,
    and every field that differs from the request is ``refused``.
    """
    entries: list[DiffEntry] = []
    _compare("", requested, effective if effective is not None else {}, entries, refused)
    return entries


def _compare(path: str, asked: Any, got: Any, entries: list[DiffEntry], refused: bool) -> None:
    if isinstance(asked, Mapping):
        if not asked and got is _MISSING:
            entries.append(DiffEntry(path, asked, None, "refused" if refused else "dropped"))
        for key, value in asked.items():
            if not path and key == "type":
                continue  # realtime/transcription: the kind of session, not a setting
            sub = f"{path}.{key}" if path else key
            inner = got.get(key, _MISSING) if isinstance(got, Mapping) else _MISSING
            if key == "tools" and not path and isinstance(value, list):
                _compare_tools(value, inner, entries, refused)
            else:
                _compare(sub, value, inner, entries, refused)
        return
    if _same(asked, got):
        return
    shown = None if got is _MISSING else got
    if refused:
        reason = "refused"
    elif got is _MISSING or (got is None and asked is not None):
        reason = "dropped"
    elif _number(asked) and _number(got):
        reason = "clamped"
    else:
        reason = "changed"
    entries.append(DiffEntry(path, asked, shown, reason))


def _compare_tools(asked: list[Any], got: Any, entries: list[DiffEntry], refused: bool) -> None:
    listed = {tool.get("name") for tool in got if isinstance(tool, Mapping)} if isinstance(
        got, list) else set()
    for tool in asked:
        name = tool.get("name") if isinstance(tool, Mapping) else None
        label = name if name is not None else tool.get("server_label", "?")
        missing = name not in listed if name is not None else not isinstance(got, list)
        if missing:
            entries.append(DiffEntry(f"tools.{label}", tool, None,
                                     "refused" if refused else "dropped"))


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same(asked: Any, got: Any) -> bool:
    if _number(asked) and _number(got):  # 400 and 400.0 are the same; 0.5 and 0.5000001 too
        return abs(float(asked) - float(got)) <= 1e-9 * max(1.0, abs(float(asked)))
    return type(asked) is type(got) and bool(asked == got)  # True is not 1 here


@dataclass(frozen=True)
class UpdateRecord:
    """One ``session.update`` and what came of it.

    Attributes:
        requested: the session sent (GA dict).
        effective: the session the server reported after it (GA dict), or
            ``None`` while unanswered or when refused.
        diff: each field that did not take effect as asked.
        error: the :class:`~realtime_nb.ServerError`-like ``error`` event's
            ``error`` when the update was refused, else ``None``.
        event_id: the ``session.update``'s ``event_id``.
    """

    requested: dict[str, Any]
    effective: dict[str, Any] | None = None
    diff: list[DiffEntry] = field(default_factory=list)
    error: Any = None
    event_id: str = ""

    @property
    def pending(self) -> bool:
        """Whether the server has not answered yet."""
        return self.effective is None and self.error is None


class SessionUpdates(Observer):
    """``session.last_update``: the latest ``session.update`` against the server's answer.

    Reading ``requested``, ``effective``, ``diff`` and ``error`` here reads
    those of the latest update (:attr:`last`); :attr:`records` keeps the
    earlier ones. A difference or a refusal warns once
    (:class:`~realtime_nb.SessionDiffWarning`) naming every field.

    Example, after a voice change once the model has spoken::

        await session.update(audio={"output": {"voice": "marin"}})  # ServerError
        session.last_update.error.code       # 'cannot_update_voice'
        session.last_update.diff             # [DiffEntry('audio.output.voice', 'marin',
                                             #            'alloy', 'refused')]
    """

    def __init__(self) -> None:
        self.records: list[UpdateRecord] = []
        self._pending: list[UpdateRecord] = []  # sent, not answered: oldest first
        self._current: dict[str, Any] | None = None  # the effective session (GA dict)

    @property
    def last(self) -> UpdateRecord | None:
        """The latest update's record (``None`` before the first)."""
        return self.records[-1] if self.records else None

    @property
    def requested(self) -> dict[str, Any] | None:
        """The session the latest update sent (GA dict)."""
        return self.last.requested if self.last else None

    @property
    def effective(self) -> dict[str, Any] | None:
        """The session the server reported after the latest update (GA dict)."""
        return self.last.effective if self.last else None

    @property
    def diff(self) -> list[DiffEntry]:
        """The latest update's fields that did not take effect as asked."""
        return list(self.last.diff) if self.last else []

    @property
    def error(self) -> Any:
        """The error that refused the latest update (its ``error`` object), or ``None``."""
        return self.last.error if self.last else None

    def sent(self, event: ClientEvent) -> None:
        """Start a record for each ``session.update`` sent."""
        if isinstance(event, SessionUpdate):
            record = UpdateRecord(event.session.to_dict(), event_id=event.event_id or "")
            self._pending.append(record)
            self._keep(record)

    def received(self, event: Any) -> None:
        """Pair ``session.updated`` and the ``error`` naming an update with their update."""
        kind = event.type
        if kind == "session.created":
            self._current = _session_dict(event)
            # A new connection (a reconnect): what the old one carried is answered by nobody.
            self._pending.clear()
        elif kind == "session.updated":
            effective = self._current = _session_dict(event)
            if not self._pending:
                return
            record = self._pending.pop(0)
            diff = diff_session(record.requested, effective)
            self._settle(record, UpdateRecord(record.requested, effective, diff,
                                              event_id=record.event_id))
        elif kind == "error":
            info = getattr(event, "error", None)
            cause = getattr(info, "event_id", None)
            refused = next((r for r in self._pending if cause and r.event_id == cause), None)
            if refused is None:
                return
            self._pending.remove(refused)
            diff = diff_session(refused.requested, self._current, refused=True)
            self._settle(refused, UpdateRecord(refused.requested, None, diff, info,
                                               refused.event_id))

    def _keep(self, record: UpdateRecord) -> None:
        self.records.append(record)
        if len(self.records) > UPDATE_MEMORY:
            del self.records[0]

    def _settle(self, old: UpdateRecord, new: UpdateRecord) -> None:
        for index in range(len(self.records) - 1, -1, -1):
            if self.records[index] is old:
                self.records[index] = new
                break
        if new.error is None and not new.diff:
            return
        fields = "; ".join(_describe(entry) for entry in new.diff) or "nothing changed"
        if new.error is not None:
            code = getattr(new.error, "code", None)
            message = getattr(new.error, "message", "") or "refused"
            text = (f"session.update was refused ({code + ': ' if code else ''}{message}); "
                    f"nothing of it applies: {fields}.")
        else:
            text = f"The server did not apply session.update as asked: {fields}."
        warnings.warn(text + " See session.last_update.diff.", SessionDiffWarning, stacklevel=2)

    def __repr__(self) -> str:
        last = self.last
        if last is None:
            return "<SessionUpdates: no session.update yet>"
        state = ("pending" if last.pending else "refused" if last.error is not None
                 else "applied")
        lines = [f"<SessionUpdates last={state} diff={len(last.diff)}>"]
        lines += [f"  {_describe(entry)}" for entry in last.diff]
        return "\n".join(lines)


def _describe(entry: DiffEntry) -> str:
    if entry.path.startswith("tools."):
        if entry.reason == "dropped":
            return f"{entry.path} dropped (not in the effective session: the model cannot call it)"
        return f"{entry.path} {entry.reason}"
    return f"{entry.path}: asked {entry.requested!r}, {entry.reason} -> {entry.effective!r}"


def _session_dict(event: Any) -> dict[str, Any] | None:
    session = getattr(event, "session", None)
    to_dict = getattr(session, "to_dict", None)
    return to_dict() if callable(to_dict) else None
