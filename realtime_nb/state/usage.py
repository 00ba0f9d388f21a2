"""What each response cost, in tokens, dollars and milliseconds; and a budget.

:class:`UsageTable` (``session.usage``) keeps one :class:`UsageRow` per finished
response: input and output tokens by modality, the cached part of the input
(a *part* of ``input_tokens``, priced lower, never on top), its cost from a
price table, and how long the response took to start, to speak and to finish,
measured from the ``response.create`` that asked for it. ``repr`` is a small
aligned table; in a notebook it is an HTML table; :meth:`UsageTable.to_pandas` gives
a DataFrame when pandas is installed.

With a budget (``connect(budget_usd=...)``), a ``response.create`` sent once the
estimated cost reached it is refused with :class:`~realtime_nb.BudgetExceeded`
before it leaves.

>>> usage = UsageTable(model="gpt-realtime", prices={"gpt-realtime": Prices(
...     text_input=4.0, cached_text_input=0.4, text_output=16.0, audio_input=32.0,
...     cached_audio_input=0.4, audio_output=64.0, image_input=5.0)})
>>> usage.cost({"input_tokens": 1000, "output_tokens": 100, "input_token_details": {
...     "text_tokens": 1000, "cached_tokens": 500,
...     "cached_tokens_details": {"text_tokens": 500}},
...     "output_token_details": {"text_tokens": 100}})
0.0038
"""

from __future__ import annotations

import html
import importlib
import re
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import msgspec

from ..errors import BudgetExceeded
from ..wire.base import UNSET, ClientEvent
from .conversation import Conversation
from .observer import Observer

__all__ = ["Prices", "PRICES", "PRICES_AS_OF", "TokenCounts", "UsageRow", "UsageTotal",
           "UsageTable", "prices_for"]


@dataclass(frozen=True)
class Prices:
    """US dollars per million tokens, by modality, for one model.

    ``cached_image_input`` defaults to ``image_input`` (no discount) when a model's
    page lists none.
    """

    text_input: float
    cached_text_input: float
    text_output: float
    audio_input: float
    cached_audio_input: float
    audio_output: float
    image_input: float = 0.0
    cached_image_input: float | None = None


PRICES_AS_OF = "2026-12-01"
"""The day the prices in :data:`PRICES` were read from OpenAI's model pages."""

_REALTIME = Prices(text_input=4.00, cached_text_input=0.40, text_output=16.00,
                   audio_input=32.00, cached_audio_input=0.40, audio_output=64.00,
                   image_input=5.00, cached_image_input=0.50)
_REALTIME_2 = replace(_REALTIME, text_output=24.00)
_REALTIME_MINI = Prices(text_input=0.60, cached_text_input=0.06, text_output=2.40,
                        audio_input=10.00, cached_audio_input=0.30, audio_output=20.00,
                        image_input=0.80, cached_image_input=0.08)

PRICES: dict[str, Prices] = {
    "gpt-realtime": _REALTIME,
    "gpt-realtime-1.5": _REALTIME,
    "gpt-realtime-2": _REALTIME_2,
    "gpt-realtime-2.1": _REALTIME_2,
    "gpt-realtime-mini": _REALTIME_MINI,
    "gpt-realtime-2.1-mini": _REALTIME_MINI,
    "gpt-4o-realtime-preview": Prices(
        text_input=5.00, cached_text_input=2.50, text_output=20.00,
        audio_input=40.00, cached_audio_input=2.50, audio_output=80.00),
    "gpt-4o-mini-realtime-preview": Prices(
        text_input=0.60, cached_text_input=0.30, text_output=2.40,
        audio_input=10.00, cached_audio_input=0.30, audio_output=20.00),
}
"""Realtime prices in US dollars per million tokens, per model, as of :data:`PRICES_AS_OF`.

Source: the "Pricing" section of the models' pages on developers.openai.com
(``/api/docs/models/<model>`` and ``/api/docs/models/compare``), read on 2026-12-01:

* ``gpt-realtime-1.5``: text 4.00 / cached 0.40 / output 16.00; audio 32.00 / 0.40 /
  64.00; image 5.00 / cached 0.50. ``gpt-realtime``: text 4.00 / 0.40 / 16.00 on the
  compare page; its audio and image prices are taken to be gpt-realtime-1.5's.
* ``gpt-realtime-2``, ``gpt-realtime-2.1``: as gpt-realtime-1.5, but text output 24.00.
* ``gpt-realtime-2.1-mini``: text 0.60 / 0.06 / 2.40; audio 10.00 / 0.30 / 20.00; image
  0.80 / 0.08. ``gpt-realtime-mini``: text input 0.60 on that page's comparison; the
  rest taken to be gpt-realtime-2.1-mini's.
* ``gpt-4o-realtime-preview``: text 5.00 / 2.50 / 20.00; audio 40.00 / 2.50 / 80.00
  (the 2024-12-17 and later snapshots; the first, 2024-10-01, cost more).
* ``gpt-4o-mini-realtime-preview``: text 0.60 / 0.30 / 2.40; audio 10.00 / 0.30 / 20.00.

A dated snapshot (``gpt-realtime-mini-2025-10-06``) takes its family's price. Prices
change: check the pages, and give a session your own (``connect(prices=...)`` or
``session.usage.prices = ...``) with a :class:`Prices` or a table like this one.
Input transcription is billed apart (by its own model) and is not included.
"""

_DATE = re.compile(r"-\d{4}-\d{2}-\d{2}$")


def prices_for(model: str | None, table: Mapping[str, Prices] = PRICES) -> Prices | None:
    """The prices of ``model`` in ``table``: its own entry, or its family's for a dated
    snapshot; ``None`` when the table has neither.

    >>> prices_for("gpt-realtime-mini-2025-12-15") is PRICES["gpt-realtime-mini"]
    True
    >>> prices_for("gpt-realtime-7") is None
    True
    """
    if not model:
        return None
    return table.get(model) or table.get(_DATE.sub("", model))


@dataclass(frozen=True, kw_only=True)
class TokenCounts:
    """Token counts by kind, as ``response.done``'s ``usage`` reports them.

    ``cached_*`` tokens are part of the input counts.
    """

    input_tokens: int
    output_tokens: int
    input_text: int
    input_audio: int
    input_image: int
    cached_tokens: int
    cached_text: int
    cached_audio: int
    cached_image: int
    output_text: int
    output_audio: int

    @property
    def uncached_input(self) -> int:
        """Input tokens billed at the full price: ``input_tokens - cached_tokens``."""
        return self.input_tokens - self.cached_tokens


_SUMMED = tuple(f.name for f in fields(TokenCounts))


@dataclass(frozen=True, kw_only=True)
class UsageRow(TokenCounts):
    """One finished response's tokens, cost and timings.

    Token counts come from ``response.done``'s ``usage``. ``cached_*`` tokens are
    part of the input counts; ``uncached_input`` is ``input_tokens - cached_tokens``.
    Timings are milliseconds from the ``response.create`` that asked for the
    response (from ``response.created`` for one that voice activity started),
    ``None`` when the event never came.

    Attributes:
        response_id, status: the response's id and final status.
        model: the model it was priced as.
        cost_usd: its estimated cost, ``None`` when the model has no price.
    """

    response_id: str
    status: str
    model: str | None
    cost_usd: float | None
    first_delta_ms: float | None
    first_audio_ms: float | None
    done_ms: float | None


@dataclass(frozen=True, kw_only=True)
class UsageTotal(TokenCounts):
    """The sums of every row's token counts, and of their costs.

    ``cost_usd`` sums the rows that have one (``None`` when none has);
    ``unpriced`` counts the rows without.
    """

    responses: int
    cost_usd: float | None
    unpriced: int = 0


def _count(details: Any, key: str) -> int:
    value = details.get(key) if isinstance(details, Mapping) else None
    return value if isinstance(value, int) else 0


_COLUMNS: tuple[tuple[str, str], ...] = (
    ("response", "response_id"), ("status", "status"), ("in", "input_tokens"),
    ("in text", "input_text"), ("in audio", "input_audio"), ("in image", "input_image"),
    ("cached", "cached_tokens"), ("uncached", "uncached_input"), ("out", "output_tokens"),
    ("out text", "output_text"), ("out audio", "output_audio"), ("cost $", "cost_usd"),
    ("1st delta ms", "first_delta_ms"), ("1st audio ms", "first_audio_ms"),
    ("done ms", "done_ms"),
)


def _cell(value: Any, name: str = "") -> str:
    if value is None:
        return "-"
    if name == "cost_usd":
        return f"{value:.6f}"
    if isinstance(value, float):
        return f"{value:.1f}"  # milliseconds
    return str(value)


class UsageTable(Observer):
    """``session.usage``: one :class:`UsageRow` per finished response, their total, a budget.

    Args:
        model: the model to price responses as until the server names one
            (``session.created`` and ``session.updated`` carry it).
        prices: a :class:`Prices` for every response, or a table by model
            (merged over :data:`PRICES`); ``None`` for :data:`PRICES`.
        budget_usd: refuse ``response.create`` once the estimated cost reaches this.
        conversation: where the responses' timings come from: the session's
            :class:`~realtime_nb.Conversation`, fed before this table. Without one,
            the table keeps a conversation of its own and feeds it what it is fed.
        clock: the time in seconds for that conversation of its own
            (``time.perf_counter``); tests give their own.

    Attributes:
        rows: one per finished response, oldest first.
        budget_usd: the budget (``None``: none); may be changed at any time.
    """

    def __init__(self, *, model: str | None = None,
                 prices: Prices | Mapping[str, Prices] | None = None,
                 budget_usd: float | None = None,
                 conversation: Conversation | None = None,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.rows: list[UsageRow] = []
        self.budget_usd = budget_usd
        self.model = model
        # The conversation already pairs each response with its request and times it;
        # the session's is shared, a table on its own feeds one of its own.
        self._own = conversation is None
        self.conversation = Conversation(clock=clock) if conversation is None else conversation
        self._warned: set[str] = set()
        self._prices: Prices | dict[str, Prices] = PRICES
        self.prices = prices

    # -- prices ------------------------------------------------------------------------------

    @property
    def prices(self) -> Prices | dict[str, Prices]:
        """A :class:`Prices` for every model, or the table by model in use.

        Setting it (a :class:`Prices`, a table merged over :data:`PRICES`, or
        ``None`` for :data:`PRICES`) prices the rows so far again.
        """
        return self._prices

    @prices.setter
    def prices(self, prices: Prices | Mapping[str, Prices] | None) -> None:
        if prices is None:
            self._prices = dict(PRICES)
        elif isinstance(prices, Prices):
            self._prices = prices
        elif isinstance(prices, Mapping):
            bad = [key for key, value in prices.items() if not isinstance(value, Prices)]
            if bad:
                raise TypeError(f"prices[{bad[0]!r}] must be a realtime_nb.Prices")
            self._prices = {**PRICES, **prices}
        else:
            raise TypeError("prices must be a realtime_nb.Prices, a dict of them by model, "
                            f"or None; got {type(prices).__name__}")
        self.rows = [replace(row, cost_usd=self._cost_of(row)) for row in self.rows]

    def _price(self, model: str | None) -> Prices | None:
        if isinstance(self._prices, Prices):
            return self._prices
        found = prices_for(model, self._prices)
        if found is None and (model or "") not in self._warned:
            self._warned.add(model or "")
            budget = (" The budget cannot be enforced for it." if self.budget_usd is not None
                      else "")
            warnings.warn(f"No price known for model {model!r}: its cost is left out (None). "
                          "Give one with session.usage.prices = {model: rt.Prices(...)}."
                          + budget, stacklevel=2)
        return found

    def cost(self, usage: Any, model: str | None = None) -> float | None:
        """The cost in US dollars of one response's ``usage`` (the wire value or a dict).

        Each modality's input is priced in two parts, the cached tokens at the
        cached price and the rest at the full price; when the usage does not say
        how the cached tokens split (beta), they are taken as text first, then
        audio. ``None`` when the model has no price.
        """
        row = self._row("", "", model if model is not None else self.model, _plain(usage),
                        None, None, None, priced=False)
        return self._cost_of(row)

    def _cost_of(self, row: UsageRow) -> float | None:
        prices = self._price(row.model)
        if prices is None:
            return None
        cached_image = (prices.cached_image_input if prices.cached_image_input is not None
                        else prices.image_input)
        dollars = (
            (row.input_text - row.cached_text) * prices.text_input
            + row.cached_text * prices.cached_text_input
            + (row.input_audio - row.cached_audio) * prices.audio_input
            + row.cached_audio * prices.cached_audio_input
            + (row.input_image - row.cached_image) * prices.image_input
            + row.cached_image * cached_image
            + row.output_text * prices.text_output
            + row.output_audio * prices.audio_output
        ) / 1_000_000
        return round(dollars, 12)  # float noise off: 0.0039, not 0.0039000000000000003

    # -- totals ------------------------------------------------------------------------------

    @property
    def total(self) -> UsageTotal:
        """The sums over :attr:`rows`, cost included."""
        sums = {name: sum(getattr(row, name) for row in self.rows) for name in _SUMMED}
        costs = [row.cost_usd for row in self.rows if row.cost_usd is not None]
        return UsageTotal(responses=len(self.rows), **sums,
                          cost_usd=round(sum(costs), 12) if costs else None,
                          unpriced=len(self.rows) - len(costs))

    @property
    def spent_usd(self) -> float:
        """The estimated cost so far (rows without a price count as 0)."""
        return self.total.cost_usd or 0.0

    # -- following the session ---------------------------------------------------------------

    def before_send(self, event: ClientEvent, *, check: bool = True) -> None:
        """Refuse ``response.create`` once the budget is spent (unless ``check=False``)."""
        if (check and event.type == "response.create" and self.budget_usd is not None
                and self.spent_usd >= self.budget_usd):
            raise BudgetExceeded(self.spent_usd, self.budget_usd)

    def sent(self, event: ClientEvent) -> None:
        """Feed the table's own conversation (the session feeds a shared one itself)."""
        if self._own:
            self.conversation.sent(event)

    def received(self, event: Any) -> None:
        """Follow the model, and add a row at each ``response.done``."""
        if self._own:
            self.conversation.received(event)
        kind = event.type
        if kind in ("session.created", "session.updated"):
            model = getattr(event.session, "model", None)
            if isinstance(model, str):
                self.model = model
        elif kind == "response.done":
            self._done(event.response)

    def _done(self, response: Any) -> None:
        response_id = str(response.id)
        timed = self.conversation._responses.get(response_id)

        def ms(value: float | None) -> float | None:
            return None if value is None else round(value, 3)

        usage = _plain(response.usage)
        status = response.status if isinstance(response.status, str) else ""
        self.rows.append(self._row(
            response_id, status, self.model, usage,
            *((None, None, None) if timed is None else
              (ms(timed.first_delta_ms), ms(timed.first_audio_ms), ms(timed.done_ms)))))

    def _row(self, response_id: str, status: str, model: str | None, usage: Any,
             first_delta_ms: float | None, first_audio_ms: float | None,
             done_ms: float | None, *, priced: bool = True) -> UsageRow:
        usage = usage if isinstance(usage, Mapping) else {}
        inputs = usage.get("input_token_details") or {}
        outputs = usage.get("output_token_details") or {}
        cached_split = inputs.get("cached_tokens_details") or {}
        input_tokens = _count(usage, "input_tokens")
        output_tokens = _count(usage, "output_tokens")
        if inputs:
            input_text = _count(inputs, "text_tokens")
            input_audio = _count(inputs, "audio_tokens")
            input_image = _count(inputs, "image_tokens")
        else:  # no split at all: price it all as text
            input_text, input_audio, input_image = input_tokens, 0, 0
        cached = _count(inputs, "cached_tokens")
        if cached_split:
            cached_text = _count(cached_split, "text_tokens")
            cached_audio = _count(cached_split, "audio_tokens")
            cached_image = _count(cached_split, "image_tokens")
        else:  # beta: the cached tokens are not split; text first, then audio
            cached_text = min(cached, input_text)
            cached_audio = min(cached - cached_text, input_audio)
            cached_image = 0
        if outputs:
            output_text = _count(outputs, "text_tokens")
            output_audio = _count(outputs, "audio_tokens")
        else:
            output_text, output_audio = output_tokens, 0
        row = UsageRow(
            response_id=response_id, status=status, model=model, input_tokens=input_tokens,
            output_tokens=output_tokens, input_text=input_text, input_audio=input_audio,
            input_image=input_image, cached_tokens=cached, cached_text=cached_text,
            cached_audio=cached_audio, cached_image=cached_image, output_text=output_text,
            output_audio=output_audio, cost_usd=None, first_delta_ms=first_delta_ms,
            first_audio_ms=first_audio_ms, done_ms=done_ms)
        return replace(row, cost_usd=self._cost_of(row)) if priced else row

    # -- showing -----------------------------------------------------------------------------

    def _table(self) -> tuple[list[str], list[list[str]]]:
        header = [title for title, _ in _COLUMNS]
        body = [[_cell(getattr(row, name), name) for _, name in _COLUMNS] for row in self.rows]
        total = self.total
        body.append(["total", f"{total.responses} resp."]
                    + [_cell(getattr(total, name), name) for _, name in _COLUMNS[2:12]]
                    + ["", "", ""])
        return header, body

    def __repr__(self) -> str:
        if not self.rows:
            return "<UsageTable: no response yet>"
        header, body = self._table()
        widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
        lines = ["  ".join(text.ljust(widths[i]) if i < 2 else text.rjust(widths[i])
                           for i, text in enumerate(line)).rstrip()
                 for line in [header, *body]]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        header, body = self._table()
        head = "".join(f"<th>{html.escape(text)}</th>" for text in header)
        rows = "".join("<tr>" + "".join(f"<td>{html.escape(text)}</td>" for text in line)
                       + "</tr>" for line in body)
        note = "" if self.rows else "<caption>no response yet</caption>"
        return f"<table>{note}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"

    def to_pandas(self) -> Any:
        """The rows as a pandas DataFrame (one row per response, ``uncached_input`` included).

        Raises:
            ImportError: pandas is not installed (it is not a dependency).
        """
        try:
            pandas = importlib.import_module("pandas")
        except ImportError:
            raise ImportError("session.usage.to_pandas() needs pandas, which realtime_nb does not "
                              "install: pip install pandas") from None
        records = [{**{f.name: getattr(row, f.name) for f in fields(row)},
                    "uncached_input": row.uncached_input} for row in self.rows]
        columns = ["response_id", "status", "model", *_SUMMED, "cost_usd", "first_delta_ms",
                   "first_audio_ms", "done_ms", "uncached_input"]
        return pandas.DataFrame.from_records(records, columns=columns)


def _plain(usage: Any) -> Any:
    """A usage as plain dicts, whether the wire value or already a dict."""
    if usage is None or usage is UNSET or isinstance(usage, Mapping):
        return None if usage is UNSET else usage
    try:
        return msgspec.to_builtins(usage)
    except TypeError:
        return None
