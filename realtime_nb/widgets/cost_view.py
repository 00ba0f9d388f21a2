"""What the responses cost and how long they took: the usage table and a timeline.

:class:`CostView` draws ``session.usage`` (one row per finished response: input
and output tokens by modality, cached against uncached input, the estimated
cost, and the running total) with the date its prices were read, and below it a
small inline SVG timeline: one bar per response, from the request to
``response.done``, marked where the first delta and the first audio came, on a
shared scale in milliseconds.

Nothing here changes between responses except the response in progress, so a
refresh with as many responses and rows as last time, none of them active,
draws nothing at all.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from ..state.responses import ResponseState
from ..state.usage import PRICES_AS_OF, Prices, UsageTable
from .view import View

if TYPE_CHECKING:
    from ..connection.session import RealtimeSession

__all__ = ["CostView", "Timing", "timing_of", "timeline_svg", "nice_step"]

_WIDTH = 560  # px of the timeline; the bars get what the labels leave
_LABEL = 150
_ROW = 18

_COLORS = {"wait": "#cfd8e3", "text": "#7aa6d6", "audio": "#3b7a57"}


@dataclass(frozen=True)
class Timing:
    """One response's milestones in ms from its start, for the timeline.

    The start is the ``response.create`` that asked for it, or ``response.created``
    for one the server started itself (a voice turn), as ``session.usage`` counts.

    Attributes:
        response_id: the response.
        status: its status (``None`` before any event said).
        first_delta_ms, first_audio_ms, done_ms: the milestones (``None`` until reached).
        out_of_band: made with ``conversation: "none"``.
    """

    response_id: str
    status: str | None
    first_delta_ms: float | None
    first_audio_ms: float | None
    done_ms: float | None
    out_of_band: bool = False

    @property
    def end_ms(self) -> float:
        """Where its bar ends: ``done_ms``, or the latest milestone while in progress."""
        known = [ms for ms in (self.first_delta_ms, self.first_audio_ms, self.done_ms)
                 if ms is not None]
        return max(known, default=0.0)


def timing_of(response: ResponseState) -> Timing:
    """The :class:`Timing` of a response the conversation followed."""
    return Timing(response.id, response.status, response.first_delta_ms,
                  response.first_audio_ms, response.done_ms if response.done else None,
                  out_of_band=response.out_of_band)


def nice_step(span_ms: float, ticks: int = 5) -> float:
    """A round tick spacing (1, 2 or 5 times a power of ten) giving about ``ticks`` ticks
    over ``span_ms``.

    >>> nice_step(43), nice_step(3700), nice_step(0)
    (10.0, 1000.0, 1.0)
    """
    if span_ms <= 0:
        return 1.0
    raw = span_ms / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1.0, 2.0, 5.0, 10.0):
        if raw <= factor * power:
            return factor * power
    return 10.0 * power  # pragma: no cover - the loop always returns


def _x(ms: float, scale: float) -> float:
    return round(_LABEL + ms * scale, 1)


def _row(index: int, timing: Timing, scale: float) -> str:
    y = 14 + index * _ROW
    title = html.escape(
        f"{timing.response_id} ({timing.status or '?'}): "
        + ", ".join(f"{name} {value:,.0f} ms" for name, value in (
            ("first delta", timing.first_delta_ms), ("first audio", timing.first_audio_ms),
            ("done", timing.done_ms)) if value is not None), quote=True)
    label = timing.response_id if len(timing.response_id) <= 20 else (
        "…" + timing.response_id[-19:])
    shown = html.escape(label + (" (oob)" if timing.out_of_band else ""))
    parts = [f'<g class="rtnb-tl-row" data-response="{html.escape(timing.response_id, True)}">'
             f"<title>{title}</title>"
             f'<text x="0" y="{y + 10}" font-size="10">{shown}</text>']
    end = timing.end_ms
    # Waiting (request to first delta), then output, audio from its first delta.
    first = timing.first_delta_ms if timing.first_delta_ms is not None else end
    segments = [("wait", 0.0, first), ("text", first, end)]
    if timing.first_audio_ms is not None:
        segments = [("wait", 0.0, first), ("text", first, timing.first_audio_ms),
                    ("audio", timing.first_audio_ms, end)]
    for kind, start, stop in segments:
        if stop > start:
            width = max(0.5, round((stop - start) * scale, 1))
            parts.append(f'<rect x="{_x(start, scale)}" y="{y}" width="{width}" height="12" '
                         f'fill="{_COLORS[kind]}"/>')
    if timing.done_ms is None:  # still in progress: an open end
        parts.append(f'<text x="{_x(end, scale) + 3}" y="{y + 10}" font-size="10">…</text>')
    else:
        parts.append(f'<text x="{_x(end, scale) + 3}" y="{y + 10}" font-size="10">'
                     f"{timing.done_ms:,.0f} ms</text>")
    parts.append("</g>")
    return "".join(parts)


def timeline_svg(timings: list[Timing]) -> str:
    """An inline SVG: one bar per response on a shared ms scale (empty string for none).

    Each bar runs from the request to ``response.done``: light until the first
    delta, then blue for output, green from the first audio; hovering a bar
    lists its milestones.
    """
    if not timings:
        return ""
    span = max(t.end_ms for t in timings)
    step = nice_step(span)
    axis_ms = max(step, math.ceil(span / step) * step)
    scale = (_WIDTH - _LABEL - 60) / axis_ms
    height = 14 + len(timings) * _ROW + 16
    rows = "".join(_row(index, timing, scale) for index, timing in enumerate(timings))
    bottom = height - 14
    ticks = []
    for k in range(round(axis_ms / step) + 1):
        ms = k * step
        x = _x(ms, scale)
        ticks.append(f'<line x1="{x}" y1="10" x2="{x}" y2="{bottom}" stroke="#eee"/>'
                     f'<text x="{x}" y="{height - 2}" font-size="9" text-anchor="middle">'
                     f"{ms:,.0f}</text>")
    legend = "".join(
        f'<rect x="{_LABEL + i * 90}" y="0" width="8" height="8" fill="{color}"/>'
        f'<text x="{_LABEL + i * 90 + 11}" y="8" font-size="9">{name}</text>'
        for i, (name, color) in enumerate((("to 1st delta", _COLORS["wait"]),
                                           ("output", _COLORS["text"]),
                                           ("audio", _COLORS["audio"]))))
    return (f'<svg class="rtnb-timeline" xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" '
            f'height="{height}" viewBox="0 0 {_WIDTH} {height}" font-family="sans-serif">'
            f"{legend}{''.join(ticks)}{rows}"
            f'<text x="{_WIDTH - 2}" y="{height - 2}" font-size="9" text-anchor="end">ms</text>'
            "</svg>")


def _prices_note(usage: UsageTable) -> str:
    if isinstance(usage.prices, Prices):
        source = "the prices given to this session"
    else:
        source = f"OpenAI's published prices as of {PRICES_AS_OF} (check them: they change)"
    total = usage.total
    cost = "-" if total.cost_usd is None else f"${total.cost_usd:.6f}"
    note = (f"<b>{total.responses}</b> responses, <b>{total.input_tokens:,}</b> in / "
            f"<b>{total.output_tokens:,}</b> out tokens, estimated <b>{cost}</b>")
    if total.unpriced:
        note += f" ({total.unpriced} without a price)"
    if usage.budget_usd is not None:
        note += f"; budget ${usage.budget_usd:.2f}"
    return (f"<div>{note}</div><div style='opacity:.7;font-size:smaller'>Costs estimated from "
            f"{html.escape(source)}; input transcription is billed apart.</div>")


class CostView(View):
    """``session.usage`` as a table with totals, and each response's timings as a timeline.

    Attributes:
        widget: the root ``VBox`` (class ``rtnb-cost``).
        summary: the totals and where the prices come from (``HTML``).
        table: the usage table, one row per finished response and the total (``HTML``).
        timeline: the inline SVG timeline (``HTML``).
        redraws: how many refreshes drew anything (a refresh with nothing new draws
            nothing).
        timeline_rows: how many of the latest responses the timeline shows (the table
            keeps every one).
    """

    timeline_rows = 30

    def __init__(self) -> None:
        super().__init__()
        self.summary = widgets.HTML()
        self.table = widgets.HTML()
        self.timeline = widgets.HTML()
        self.widget = widgets.VBox([self.summary, self.table, self.timeline])
        self.widget.add_class("rtnb-cost")
        self.redraws = 0
        self._drawn: tuple[Any, ...] | None = None

    def attach(self, session: RealtimeSession | None) -> None:
        """Draw ``session``'s usage from now on."""
        self._drawn = None
        super().attach(session)

    def refresh(self) -> None:
        """Draw the table and the timeline, unless nothing about them can have changed."""
        session = self.session
        if session is None:
            self._drawn = None
            self.summary.value = "<i>Not connected.</i>"
            self.table.value = self.timeline.value = ""
            return
        usage = session.usage
        responses = session.conversation.responses
        active = any(not response.done for response in responses)
        # The rows list is replaced when prices change (all costs again): its identity counts.
        key = (len(responses), usage.rows, len(usage.rows), usage.budget_usd, usage.prices,
               self.timeline_rows)
        drawn = self._drawn
        if not active and drawn is not None and len(drawn) == len(key) and all(
                a is b or a == b for a, b in zip(drawn, key, strict=True)):
            return
        self._drawn = key
        self.redraws += 1
        self.summary.value = _prices_note(usage)
        self.table.value = f'<div class="rtnb-usage">{usage._repr_html_()}</div>'
        shown = responses[-self.timeline_rows:]
        older = len(responses) - len(shown)
        note = (f"<div style='opacity:.7;font-size:smaller'>Timeline: the latest {len(shown)} "
                f"of {len(responses)} responses.</div>") if older else ""
        self.timeline.value = note + timeline_svg([timing_of(response) for response in shown])
