"""session.usage: tokens by modality, cached vs uncached, cost, latency, and the budget.

The cost tests feed hand-made events with known token counts to a table with
known prices and compare with sums worked out by hand; the clock is a fake one,
so timings are exact too. The budget and the wiring run against the mock.
"""

from __future__ import annotations

import asyncio
import sys
import types
import warnings
from collections.abc import Coroutine
from typing import Any

import pytest

import realtime_nb as rt
from realtime_nb.mock import MockServer
from realtime_nb.state.usage import PRICES_AS_OF, UsageTable, prices_for

# Round prices, so that every cost below can be checked by hand.
ROUND = rt.Prices(text_input=10.0, cached_text_input=1.0, text_output=20.0, audio_input=100.0,
                  cached_audio_input=2.0, audio_output=200.0, image_input=50.0,
                  cached_image_input=5.0)

# The usage of a GA capture (protocol.md §4.4).
CAPTURED = {"total_tokens": 320, "input_tokens": 132, "output_tokens": 188,
            "input_token_details": {"text_tokens": 59, "audio_tokens": 73, "image_tokens": 0,
                                    "cached_tokens": 64,
                                    "cached_tokens_details": {"text_tokens": 0,
                                                              "audio_tokens": 64,
                                                              "image_tokens": 0}},
            "output_token_details": {"text_tokens": 41, "audio_tokens": 147}}


def run(scenario: Coroutine[Any, Any, Any], timeout: float = 30.0) -> Any:
    async def boxed() -> Any:
        return await asyncio.wait_for(scenario, timeout)

    return asyncio.run(boxed())


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def event(data: dict[str, Any]) -> Any:
    return rt.parse_server_event({"event_id": "event_1", **data})


def created(response_id: str) -> Any:
    return event({"type": "response.created",
                  "response": {"id": response_id, "status": "in_progress"}})


def delta(kind: str, response_id: str) -> Any:
    return event({"type": kind, "response_id": response_id, "item_id": "item_1",
                  "output_index": 0, "content_index": 0, "delta": "AAAA"})


def done(response_id: str, usage: dict[str, Any] | None, status: str = "completed") -> Any:
    response: dict[str, Any] = {"id": response_id, "status": status}
    if usage is not None:
        response["usage"] = usage
    return event({"type": "response.done", "response": response})


def test_the_cost_of_a_captured_usage_worked_out_by_hand() -> None:
    usage = UsageTable(model="gpt-realtime", prices=ROUND)
    # text: 59 uncached x 10; audio: (73 - 64) uncached x 100 + 64 cached x 2;
    # output: 41 text x 20 + 147 audio x 200; per million.
    by_hand = (59 * 10 + 9 * 100 + 64 * 2 + 41 * 20 + 147 * 200) / 1e6
    assert by_hand == 0.031838
    assert usage.cost(CAPTURED) == 0.031838
    # The same usage at the published gpt-realtime prices (4 / 32 / 0.40 / 16 / 64).
    published = UsageTable(model="gpt-realtime")
    assert published.cost(CAPTURED) == (59 * 4 + 9 * 32 + 64 * 0.4 + 41 * 16 + 147 * 64) / 1e6
    assert published.cost(CAPTURED) == 0.0106136


def test_cached_tokens_are_a_part_of_the_input_not_extra() -> None:
    usage = UsageTable(model="m", prices={"m": ROUND})
    all_cached = {"input_tokens": 1000, "output_tokens": 0,
                  "input_token_details": {"text_tokens": 1000, "cached_tokens": 1000,
                                          "cached_tokens_details": {"text_tokens": 1000}}}
    assert usage.cost(all_cached) == 1000 * 1.0 / 1e6  # all at the cached price, nothing more
    # Beta reports cached_tokens without a split: taken as text first, then audio.
    beta = {"input_tokens": 300, "output_tokens": 10,
            "input_token_details": {"text_tokens": 100, "audio_tokens": 200,
                                    "cached_tokens": 150},
            "output_token_details": {"text_tokens": 10, "audio_tokens": 0}}
    assert usage.cost(beta) == (100 * 1.0 + 50 * 2.0 + 150 * 100 + 10 * 20) / 1e6
    # Images, and a usage with no split at all (priced as text).
    image = {"input_tokens": 30, "output_tokens": 0,
             "input_token_details": {"image_tokens": 30, "cached_tokens": 10,
                                     "cached_tokens_details": {"image_tokens": 10}}}
    assert usage.cost(image) == (20 * 50 + 10 * 5) / 1e6
    assert usage.cost({"input_tokens": 7, "output_tokens": 3}) == (7 * 10 + 3 * 20) / 1e6


def test_rows_timings_totals_and_the_table() -> None:
    clock = Clock()
    usage = UsageTable(model="gpt-realtime", prices=ROUND, clock=clock)
    usage.sent(rt.create_response().with_event_id("evt_1"))  # at 100.0
    clock.now = 100.1
    usage.received(created("resp_1"))
    clock.now = 100.25
    usage.received(delta("response.output_audio_transcript.delta", "resp_1"))
    clock.now = 100.4
    usage.received(delta("response.output_audio.delta", "resp_1"))
    usage.received(delta("response.output_text.delta", "resp_other"))  # not this response's
    clock.now = 100.9
    usage.received(done("resp_1", CAPTURED))
    # A response voice activity started (no response.create): timed from response.created.
    clock.now = 200.0
    usage.received(created("resp_2"))
    clock.now = 200.5
    usage.received(done("resp_2", {"input_tokens": 10, "output_tokens": 5,
                                   "input_token_details": {"text_tokens": 10},
                                   "output_token_details": {"text_tokens": 5}}, "cancelled"))

    first, second = usage.rows
    assert (first.response_id, first.status, first.model) == ("resp_1", "completed",
                                                              "gpt-realtime")
    assert (first.input_text, first.input_audio, first.input_image) == (59, 73, 0)
    assert (first.cached_tokens, first.cached_text, first.cached_audio) == (64, 0, 64)
    assert first.uncached_input == 132 - 64 == 68
    assert (first.output_text, first.output_audio) == (41, 147)
    assert first.cost_usd == 0.031838
    assert (first.first_delta_ms, first.first_audio_ms, first.done_ms) == (250.0, 400.0, 900.0)
    assert (second.status, second.first_delta_ms, second.done_ms) == ("cancelled", None, 500.0)
    assert second.cost_usd == (10 * 10 + 5 * 20) / 1e6

    total = usage.total
    assert (total.responses, total.input_tokens, total.output_tokens) == (2, 142, 193)
    assert (total.cached_tokens, total.uncached_input) == (64, 78)
    assert total.cost_usd == 0.032038 == usage.spent_usd and total.unpriced == 0

    lines = repr(usage).splitlines()
    assert len(lines) == 4 and len({len(line) for line in lines[:3]}) == 1  # aligned
    assert lines[0].split()[:3] == ["response", "status", "in"] and "cost $" in lines[0]
    assert lines[1].split()[:4] == ["resp_1", "completed", "132", "59"]
    assert "0.031838" in lines[1] and lines[1].endswith("900.0")
    assert lines[3].split()[:5] == ["total", "2", "resp.", "142", "69"]
    assert "0.032038" in lines[3]
    page = usage._repr_html_()
    assert page.startswith("<table>") and page.count("<tr>") == 4
    assert "<td>resp_2</td>" in page and "<td>0.032038</td>" in page
    assert repr(UsageTable()) == "<UsageTable: no response yet>"


def test_a_refused_response_create_does_not_time_the_next_response() -> None:
    clock = Clock()
    usage = UsageTable(model="gpt-realtime", prices=ROUND, clock=clock)
    usage.sent(rt.create_response().with_event_id("evt_refused"))
    usage.received(event({"type": "error", "error": {
        "type": "invalid_request_error", "message": "busy", "event_id": "evt_refused"}}))
    clock.now = 101.0
    usage.sent(rt.create_response().with_event_id("evt_2"))
    clock.now = 101.2
    usage.received(created("resp_1"))
    clock.now = 101.5
    usage.received(done("resp_1", None))
    assert usage.rows[0].done_ms == 500.0 and usage.rows[0].cost_usd == 0.0


def test_an_unknown_model_has_no_cost_and_warns_once() -> None:
    usage = UsageTable(model="my-finetune", budget_usd=1.0)
    with pytest.warns(UserWarning, match="No price known for model 'my-finetune'") as caught:
        usage.received(created("resp_1"))
        usage.received(done("resp_1", CAPTURED))
        usage.received(created("resp_2"))
        usage.received(done("resp_2", CAPTURED))
    assert len(caught) == 1 and "budget cannot be enforced" in str(caught[0].message)
    assert [row.cost_usd for row in usage.rows] == [None, None]
    assert usage.total.cost_usd is None and usage.total.unpriced == 2
    assert repr(usage).splitlines()[1].split()[11] == "-"  # the cost column
    # Prices given later price the rows so far.
    usage.prices = {"my-finetune": ROUND}
    assert [row.cost_usd for row in usage.rows] == [0.031838] * 2
    assert usage.total.cost_usd == 0.063676


def test_the_price_table_and_overrides() -> None:
    assert PRICES_AS_OF == "2026-12-01"
    families = {"gpt-realtime", "gpt-realtime-mini", "gpt-4o-realtime-preview",
                "gpt-4o-mini-realtime-preview"}
    assert families <= set(rt.PRICES)
    realtime = rt.PRICES["gpt-realtime"]
    assert (realtime.text_input, realtime.cached_text_input, realtime.text_output) == (
        4.0, 0.4, 16.0)
    assert (realtime.audio_input, realtime.cached_audio_input, realtime.audio_output) == (
        32.0, 0.4, 64.0)
    assert prices_for("gpt-realtime-2025-08-28") is realtime
    assert prices_for("gpt-4o-mini-realtime-preview-2024-12-17") is rt.PRICES[
        "gpt-4o-mini-realtime-preview"]
    assert prices_for("gpt-realtime-9") is None and prices_for(None) is None
    usage = UsageTable(model="gpt-realtime", prices=ROUND)
    assert usage.prices is ROUND  # one price for whatever model
    usage.prices = {"gpt-realtime": ROUND}
    assert isinstance(usage.prices, dict) and usage.prices["gpt-realtime-mini"] is rt.PRICES[
        "gpt-realtime-mini"]
    usage.prices = None
    assert usage.prices == rt.PRICES
    with pytest.raises(TypeError, match=r"realtime_nb\.Prices"):
        usage.prices = {"gpt-realtime": 4.0}  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="got float"):
        usage.prices = 4.0  # type: ignore[assignment]


def test_to_pandas_without_pandas_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # what an absent package looks like
    with pytest.raises(ImportError, match="pip install pandas"):
        UsageTable().to_pandas()


def test_to_pandas_builds_one_record_per_row(monkeypatch: pytest.MonkeyPatch) -> None:
    # pandas is not a dependency: a stand-in module shows what the method hands it.
    built: list[tuple[list[dict[str, Any]], list[str]]] = []
    fake = types.ModuleType("pandas")

    class DataFrame:
        @classmethod
        def from_records(cls, records: list[dict[str, Any]], columns: list[str]) -> str:
            built.append((records, columns))
            return "frame"

    fake.DataFrame = DataFrame  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pandas", fake)
    usage = UsageTable(model="gpt-realtime", prices=ROUND)
    usage.received(created("resp_1"))
    usage.received(done("resp_1", CAPTURED))
    assert usage.to_pandas() == "frame"
    [(records, columns)] = built
    assert columns[0] == "response_id" and columns[-1] == "uncached_input"
    assert records[0]["cost_usd"] == 0.031838 and records[0]["uncached_input"] == 68


def test_usage_follows_a_session_and_the_budget_refuses_before_sending() -> None:
    async def scenario() -> rt.RealtimeSession:
        async with MockServer(seed=2) as mock, rt.connect(
                mock.url, budget_usd=1e-9, prices={"gpt-realtime": ROUND}) as session:
            reply = await session.say("Hello", output_modalities=["text"])
            [row] = session.usage.rows
            assert row.response_id == reply.response_id and row.model == "gpt-realtime"
            assert row.input_tokens == reply.usage.input_tokens
            assert row.output_tokens == reply.usage.output_tokens
            assert row.cost_usd is not None and row.cost_usd > 1e-9
            assert row.done_ms is not None and row.first_delta_ms is not None
            assert 0 <= row.first_delta_ms <= row.done_ms and row.first_audio_ms is None
            sent = session.protocol.sent
            with pytest.raises(rt.BudgetExceeded) as spent:
                await session.send(rt.create_response())
            assert spent.value.budget_usd == 1e-9 and spent.value.spent_usd == row.cost_usd
            with pytest.raises(rt.BudgetExceeded):
                await session.say("Hello again")  # not even the message goes out
            assert session.protocol.sent == sent
            session.usage.budget_usd = None  # raised: responses go out again
            await session.respond(output_modalities=["text"])
            assert len(session.usage.rows) == 2
            return session

    session = run(scenario())
    assert session.usage.total.responses == 2


def test_connect_without_prices_uses_the_table() -> None:
    async def scenario() -> rt.RealtimeSession:
        async with MockServer(seed=2) as mock, rt.connect(mock.url) as session:
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # gpt-realtime has a price: no warning
                await session.say("Hello")
            return session

    session = run(scenario())
    [row] = session.usage.rows
    assert session.usage.prices == rt.PRICES and row.cost_usd is not None
    assert row.first_audio_ms is not None and row.output_audio > 0
