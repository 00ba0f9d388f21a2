"""The Refresher: however many events arrive, views redraw at most once per interval."""

from __future__ import annotations

import asyncio
import logging

import pytest

from realtime_nb.widgets.view import Refresher, View


class Counting(View):
    def __init__(self, fail: bool = False) -> None:
        super().__init__()
        self.redraws = 0
        self.fail = fail

    def refresh(self) -> None:
        self.redraws += 1
        if self.fail:
            raise RuntimeError("broken view")


def test_a_burst_of_events_is_one_redraw() -> None:
    async def main() -> Counting:
        view = Counting()
        refresher = Refresher([view], interval=0.05, tick=None)
        for _ in range(10_000):
            refresher.received(object())
        assert view.redraws == 0 and refresher.stale  # nothing drawn inside the burst
        await asyncio.sleep(0.1)
        return view

    view = asyncio.run(main())
    assert view.redraws == 1


def test_a_steady_stream_redraws_once_per_interval() -> None:
    async def main() -> tuple[int, float]:
        view = Counting()
        refresher = Refresher([view], interval=0.05, tick=None)
        loop = asyncio.get_running_loop()
        start = loop.time()
        while loop.time() - start < 0.5:
            refresher.received(object())
            await asyncio.sleep(0.001)
        await asyncio.sleep(0.06)
        return view.redraws, loop.time() - start

    redraws, elapsed = asyncio.run(main())
    assert 2 <= redraws <= elapsed / 0.05 + 1


def test_without_a_loop_nothing_is_scheduled_and_flush_draws() -> None:
    view = Counting()
    refresher = Refresher([view], tick=None)
    refresher.received(object())
    assert view.redraws == 0 and refresher.stale
    refresher.flush()
    assert view.redraws == 1 and not refresher.stale and refresher.flushes == 1


def test_a_broken_view_is_logged_and_the_others_still_draw(
        caplog: pytest.LogCaptureFixture) -> None:
    broken, fine = Counting(fail=True), Counting()
    refresher = Refresher([broken, fine], tick=None)
    with caplog.at_level(logging.ERROR, logger="realtime_nb.widgets"):
        refresher.flush()
    assert fine.redraws == 1
    assert "Counting failed to redraw" in caplog.text


def test_ticking_stops_once_until_is_true() -> None:
    async def main() -> tuple[int, int]:
        view = Counting()
        refresher = Refresher([view], tick=0.02)
        done = False
        refresher.start_ticking(until=lambda: done)
        await asyncio.sleep(0.1)
        ticking = view.redraws
        done = True
        await asyncio.sleep(0.05)
        stopped_at = view.redraws
        await asyncio.sleep(0.1)
        assert view.redraws == stopped_at  # no timer left
        return ticking, stopped_at

    ticking, stopped_at = asyncio.run(main())
    assert ticking >= 2 and stopped_at >= ticking
