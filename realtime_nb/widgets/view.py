"""The contract every part of the control panel keeps, and the clock that redraws them.

A panel part is a :class:`View`: a widget tree, a session it draws (which the
panel may swap on reconnecting elsewhere), and :meth:`View.refresh`, which
reads the session's state (``session.conversation``, ``session.usage``,
``session.playback``, the panel's :class:`~realtime_nb.state.EventLog`...) and
sets widget traits to match. Views never hear events themselves and never
write into an ``Output`` widget from the receive loop: in Jupyter that output
lands under whichever cell runs (ipywidgets#2358), and each event would be a
message to the browser.

:class:`Refresher` decides when views redraw. It is an
:class:`~realtime_nb.state.observer.Observer` of the session, so it hears every
event; an event only marks the views stale, and one redraw runs at most every
``interval`` seconds (0.1 s by default: about 10 updates a second however fast
events arrive), plus a slow tick for what moves with the clock (the time left,
the played position). Thousands of events a second thus cost the browser ten
batches a second.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
from collections.abc import Callable, Coroutine, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import ipywidgets as widgets

from ..state.observer import Observer
from ..wire.base import ClientEvent

if TYPE_CHECKING:
    from ..connection.session import RealtimeSession

__all__ = ["View", "Refresher", "Work", "start_task", "export_name", "export_path"]

logger = logging.getLogger("realtime_nb.widgets")

_T = TypeVar("_T")

Work = asyncio.Future[_T] | concurrent.futures.Future[_T]
"""What :func:`start_task` returns: a task on this thread's loop, or a future from another's."""


def start_task(session: RealtimeSession | None, work: Coroutine[Any, Any, _T]) -> Work[_T]:
    """Start ``work`` on ``session``'s event loop and return at once (for button callbacks).

    In a notebook a widget callback runs on the kernel's loop, which is the
    session's when it was made in a cell: the work becomes a task there. A
    session on another thread's loop (made from plain code) gets it through
    ``run_coroutine_threadsafe``. With no session (opening one), the work runs
    on this thread's loop, else on the shared background loop that runs sessions
    made outside any loop.

    Raises:
        RuntimeError: the session's loop is not running (closed, or never started);
            ``work`` is closed unstarted.
    """
    loop = session.loop if session is not None else None
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is not None and (loop is None or loop is running):
        return asyncio.ensure_future(work)
    if loop is None and session is None:
        from ..connection.sync import background_loop

        loop = background_loop()
    if loop is not None and loop.is_running():
        return asyncio.run_coroutine_threadsafe(work, loop)
    work.close()
    raise RuntimeError("The session's event loop is not running: connect again.")


def export_name(what: str, suffix: str, now: datetime | None = None) -> str:
    """The name of an export of ``what`` made at ``now`` (UTC; default: now).

    >>> export_name("events", ".jsonl", datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC))
    'realtime_nb-events-20250102T030405Z.jsonl'
    """
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"realtime_nb-{what}-{moment:%Y%m%dT%H%M%SZ}{suffix}"


def export_path(what: str, suffix: str, directory: str | Path | None = None) -> Path:
    """A path for a new export of ``what`` in ``directory`` (default: the working
    directory) that names nothing there yet: two exports in one second keep both."""
    folder = Path.cwd() if directory is None else Path(directory)
    name = export_name(what, suffix)
    path = folder / name
    copy = 1
    while path.exists():
        copy += 1
        path = folder / (name[: len(name) - len(suffix)] + f"-{copy}{suffix}")
    return path


class View:
    """Base of the panel's parts: ``widget`` to display, ``refresh()`` to redraw.

    Subclasses build their widgets in ``__init__`` and set ``self.widget``;
    :meth:`attach` is called with the panel's session whenever it changes
    (``None`` when disconnected), and :meth:`refresh` at most about ten times
    a second while events arrive. ``refresh`` must be cheap when nothing
    changed: traitlets sends nothing for a value equal to the current one, so
    a view may simply set every trait it shows; a view whose drawing is costly
    compares a version number first.
    """

    widget: widgets.Widget

    def __init__(self) -> None:
        self.session: RealtimeSession | None = None

    def attach(self, session: RealtimeSession | None) -> None:
        """Draw ``session`` from now on (``None``: no session; show that)."""
        self.session = session
        self.refresh()

    def refresh(self) -> None:
        """Set the widgets' traits from the current state (no I/O, no waiting)."""


class Refresher(Observer):
    """Redraws views in batches: at most once per ``interval`` while events arrive.

    Args:
        views: the views to redraw (more can be added with :meth:`add`).
        interval: the shortest time between two redraws, in seconds.
        tick: redraw this often even without events (the clock-driven parts:
            time left, played position); ``None`` for never.
        clock: a monotonic clock in seconds (injectable for tests).

    The redraw runs on the event loop the events arrive on (the session's);
    with no running loop (events fed by hand), call :meth:`flush` yourself.

    Attributes:
        flushes: how many redraws ran, for tests and the panel benchmark.
    """

    def __init__(self, views: Iterable[View] = (), *, interval: float = 0.1,
                 tick: float | None = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.views: list[View] = list(views)
        self.interval = interval
        self.tick = tick
        self._clock = clock
        self._last = -float("inf")
        self._scheduled: asyncio.TimerHandle | None = None
        self._ticker: asyncio.TimerHandle | None = None
        self._stale = False
        self.flushes = 0

    def add(self, view: View) -> View:
        """Redraw ``view`` too; returns it."""
        self.views.append(view)
        return view

    # Observer: an event only marks the views stale.
    def sent(self, event: ClientEvent) -> None:
        self.mark()

    def received(self, event: Any) -> None:
        self.mark()

    def mark(self) -> None:
        """Note that state changed: a redraw runs within ``interval`` seconds."""
        self._stale = True
        if self._scheduled is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # fed by hand: the caller flushes
        delay = max(0.0, self._last + self.interval - self._clock())
        self._scheduled = loop.call_later(delay, self.flush)

    def flush(self) -> None:
        """Redraw every view now (a view that fails is logged and skipped)."""
        if self._scheduled is not None:
            self._scheduled.cancel()
            self._scheduled = None
        self._stale = False
        self._last = self._clock()
        self.flushes += 1
        for view in self.views:
            try:
                view.refresh()
            except Exception:  # one broken part must not freeze the others
                logger.exception("The panel's %s failed to redraw", type(view).__name__)

    def start_ticking(self, until: Callable[[], bool] | None = None) -> None:
        """Redraw every ``tick`` seconds from now, on the running loop (if any), until
        ``until()`` is true (then once more, and no longer: a closed session's panel,
        left behind by a re-run cell, must not keep a timer, and itself, alive)."""
        self.stop_ticking()
        if self.tick is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return

        def tick() -> None:
            self.flush()
            if until is not None and until():
                self._ticker = None
                return
            self._ticker = loop.call_later(self.tick or 1.0, tick)

        self._ticker = loop.call_later(self.tick, tick)

    def stop_ticking(self) -> None:
        """Stop the clock-driven redraws (and any pending one)."""
        for handle in (self._ticker, self._scheduled):
            if handle is not None:
                handle.cancel()
        self._ticker = self._scheduled = None

    @property
    def stale(self) -> bool:
        """Whether events arrived since the last redraw."""
        return self._stale
