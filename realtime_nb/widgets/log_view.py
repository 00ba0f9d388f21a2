"""The panel's event log: every event both ways, filtered, searched, expanded, exported.

:class:`LogView` draws an :class:`~realtime_nb.state.EventLog` (the log hears the
events; the view only reads it): a line per entry, newest last, in an
``ipywidgets.Select``, with the time, an arrow (↑ sent by the client, ↓
received from the server), the type and a short summary (a count for
collapsed deltas). Above it, a filter by types or globs (``response.*,
error``), a search box and a direction toggle; beside it, counts per type.
Selecting a line shows its JSON, audio summarised, and for an error or the
client event that caused it, a button that selects the other one. **Export
JSONL** writes the kept events to ``realtime_nb-events-<UTC time>.jsonl`` in
the working directory.

A refresh with the log's version and the filter unchanged draws nothing; when
the log changed, it lists only the newest ``visible`` matching entries, so a
long session costs a redraw of a few hundred short lines.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from ..state.event_log import EventLog, LogEntry
from .view import View, export_path

if TYPE_CHECKING:
    from ..connection.session import RealtimeSession

__all__ = ["LogView", "line_of", "CAUSE_MARK", "ERROR_MARK"]

CAUSE_MARK = "⚠"
"""Marks a client line one of whose events caused an error."""

ERROR_MARK = "✖"
"""Marks an ``error`` line."""

_ARROWS = {"client": "↑", "server": "↓"}

_LINE_WIDTH = 180
"""Characters of a line at most: a select shows one row per option, never wrapped."""

_STYLE = ("<style>.rtnb-log-lines select{font-family:var(--jp-code-font-family,monospace);"
          "font-size:12px}.rtnb-log-detail pre{max-height:24em;overflow:auto;"
          "white-space:pre-wrap;word-break:break-all;font-size:12px;margin:0}</style>")


def line_of(entry: LogEntry) -> str:
    """The line of ``entry`` in the list: local time, arrow, marks, type and summary."""
    clock = datetime.fromtimestamp(entry.time).strftime("%H:%M:%S.%f")[:-3]
    mark = ""
    if entry.type == "error":
        mark = ERROR_MARK + " "
    elif entry.caused_errors:
        mark = CAUSE_MARK + " "
    line = f"{clock} {_ARROWS[entry.direction]} {mark}{entry.type} {entry.summary}"
    return line if len(line) <= _LINE_WIDTH else line[: _LINE_WIDTH - 1] + "…"


def _patterns(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class LogView(View):
    """The event log part of the panel; see the module doc.

    Args:
        log: the log to draw (the panel's; it must be fed by the session, e.g.
            ``session.observe(log)``).
        visible: lines listed at most: the newest that match the filter (a
            selected line stays listed while it is in the log).

    Attributes:
        types, search, direction: the filter widgets (types or globs separated by
            commas; a substring; ``"both"``, ``"client"`` or ``"server"``).
        lines: the ``Select`` of lines; its value is the selected entry's ``seq``.
        detail: the selected entry's JSON.
        link: selects the error's cause, or the error a client event caused.
        counts, status: counts per type; events seen, kept and dropped.
        export, export_note: the export button and where it wrote.
        exported: the path of the last export, if any.
    """

    def __init__(self, log: EventLog, *, visible: int = 300) -> None:
        super().__init__()
        self.log = log
        self.visible = visible
        self.exported: Path | None = None
        self.types = widgets.Text(placeholder="types or globs: response.*, error",
                                  description="Types", layout=widgets.Layout(flex="1 1 50%"))
        self.search = widgets.Text(placeholder="text in type, summary or JSON",
                                   description="Search", layout=widgets.Layout(flex="1 1 50%"))
        self.direction = widgets.ToggleButtons(
            options=[("both", "both"), ("↑ client", "client"), ("↓ server", "server")],
            value="both", style={"button_width": "6em"})
        self.counts = widgets.HTML()
        self.lines = widgets.Select(options=[], rows=16, layout=widgets.Layout(width="100%"))
        self.lines.add_class("rtnb-log-lines")
        self.detail = widgets.HTML()
        self.detail.add_class("rtnb-log-detail")
        self.link = widgets.Button(description="Show cause", disabled=True,
                                   layout=widgets.Layout(width="auto"))
        self.status = widgets.HTML()
        self.export = widgets.Button(description="Export JSONL", icon="download",
                                     layout=widgets.Layout(width="auto"))
        self.export_note = widgets.HTML()
        self.widget = widgets.VBox([
            widgets.HTML(_STYLE),
            widgets.HBox([self.types, self.search]),
            widgets.HBox([self.direction, self.status]),
            self.counts,
            self.lines,
            widgets.HBox([self.link, self.export, self.export_note]),
            self.detail,
        ])
        self.widget.add_class("rtnb-log")
        self._selected: int | None = None  # seq of the selected entry
        self._shown: dict[int, LogEntry] = {}
        self._drawn: tuple[Any, ...] | None = None
        self._drawing = False  # our own option changes move the selection: not the user's
        for box in (self.types, self.search, self.direction):
            box.observe(self._filter_changed, names="value")
        self.lines.observe(self._line_selected, names="value")
        self.link.on_click(self._follow_link)
        self.export.on_click(self._export_clicked)
        self.refresh()

    # -- View -----------------------------------------------------------------------------

    def attach(self, session: RealtimeSession | None) -> None:
        """Draw the log for ``session``: its JSON is shown and exported in that
        session's dialect."""
        dialect = getattr(getattr(session, "target", None), "dialect", None)
        if dialect in ("ga", "beta"):
            self.log.dialect = dialect
        super().attach(session)

    def refresh(self) -> None:
        """Redraw when the log or the filter changed since the last draw; else nothing."""
        key = (self.log.version, self.log.dialect, self.types.value, self.search.value,
               self.direction.value, self.visible)
        if key == self._drawn:
            return
        self._drawn = key
        self._draw()

    # -- drawing --------------------------------------------------------------------------

    def _draw(self) -> None:
        log = self.log
        shown = log.entries(_patterns(self.types.value), self.search.value,
                            self.direction.value, limit=self.visible)
        selected = log.find(self._selected) if self._selected is not None else None
        if selected is None:
            self._selected = None
        elif all(entry.seq != selected.seq for entry in shown):
            # The selected line stays listed, in its place, whatever the filter and window.
            shown = sorted([*shown, selected], key=lambda entry: entry.seq)
        self._shown = {entry.seq: entry for entry in shown}
        options = [(line_of(entry), entry.seq) for entry in shown]
        self._set_lines(options)
        self._draw_counts()
        with self.status.hold_sync():
            self.status.value = (
                f"<span class='rtnb-log-status'>{log.total:,} events, {log.kept:,} kept, "
                f"{log.dropped:,} dropped (capacity {log.capacity:,})</span>")
        self._draw_detail()

    def _set_lines(self, options: Sequence[tuple[str, int]]) -> None:
        lines = self.lines
        self._drawing = True
        try:
            with lines.hold_sync():
                if tuple(lines.options) != tuple(options):
                    lines.options = options
                if lines.value != self._selected:
                    lines.value = self._selected
        finally:
            self._drawing = False

    def _draw_counts(self) -> None:
        log = self.log
        directions = log.directions
        parts = [f"↑ {directions['client']:,} client · ↓ {directions['server']:,} server"]
        parts += [f"<code>{html.escape(kind)}</code>&nbsp;{count:,}"
                  for kind, count in log.counts.most_common()]
        text = ("<div class='rtnb-log-counts' style='font-size:85%;line-height:1.4'>"
                + " · ".join(parts) + "</div>")
        with self.counts.hold_sync():
            self.counts.value = text

    def _draw_detail(self) -> None:
        entry = self._shown.get(self._selected) if self._selected is not None else None
        if entry is None:
            text = "<i>Select a line to see its event.</i>"
            description, disabled, tooltip = "Show cause", True, ""
        else:
            note = entry.link_note
            text = (f"<div class='rtnb-log-link'>{html.escape(note)}</div>" if note else "")
            text += f"<pre>{html.escape(entry.json(self.log.dialect), quote=False)}</pre>"
            description, disabled, tooltip = "Show cause", True, note
            if entry.cause_event_id is not None:
                cause = entry.cause
                disabled = cause is None or entry.cause_dropped
            elif entry.caused_errors:
                description = "Show error"
                disabled = not entry.caused_errors[0].kept
        with self.detail.hold_sync():
            self.detail.value = text
        with self.link.hold_sync():
            self.link.description = description
            self.link.disabled = disabled
            self.link.tooltip = tooltip

    # -- user actions (widget callbacks: they draw at once) --------------------------------

    def _filter_changed(self, change: dict[str, Any]) -> None:
        self.refresh()

    def _line_selected(self, change: dict[str, Any]) -> None:
        if self._drawing:
            return
        self._selected = change["new"]
        self._draw_detail()

    def linked(self) -> LogEntry | None:
        """The entry the link button leads to from the selected one, if it is in the log:
        an error's cause, or the first error a client entry caused."""
        entry = self._shown.get(self._selected) if self._selected is not None else None
        if entry is None:
            return None
        if entry.cause_event_id is not None:
            target = None if entry.cause_dropped else entry.cause
        else:
            target = entry.caused_error
        return target if target is not None and target.kept else None

    def select(self, entry: LogEntry | None) -> None:
        """Select ``entry`` (listed even if the filter hides it) and show it; ``None``
        clears the selection."""
        self._selected = None if entry is None else entry.seq
        self._drawn = None
        self.refresh()

    def _follow_link(self, button: Any = None) -> None:
        target = self.linked()
        if target is not None:
            self.select(target)

    def export_jsonl(self, directory: str | Path | None = None) -> Path:
        """Write the kept events (audio whole) to ``realtime_nb-events-<UTC time>.jsonl``
        in ``directory`` (default: the working directory); returns the path."""
        path = export_path("events", ".jsonl", directory)
        count = self.log.to_jsonl(path)
        self.exported = path
        with self.export_note.hold_sync():
            self.export_note.value = (f"Wrote {count:,} events to "
                                      f"<code>{html.escape(str(path))}</code>")
        return path

    def _export_clicked(self, button: Any = None) -> None:
        try:
            self.export_jsonl()
        except OSError as error:
            with self.export_note.hold_sync():
                self.export_note.value = (f"<span style='color:#b00'>Export failed: "
                                          f"{html.escape(str(error))}</span>")
