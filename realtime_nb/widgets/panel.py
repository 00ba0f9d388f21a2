"""``rt.ControlPanel``: build, send, watch and hear one Realtime session from a widget.

The panel is the parts (:mod:`realtime_nb.widgets`' views) plus the plumbing
between them and a session:

* the session feeds two observers the panel adds, the
  :class:`~realtime_nb.state.EventLog` and a
  :class:`~realtime_nb.widgets.view.Refresher`; everything else the views
  show, the session keeps already (conversation, playback, usage, the
  requested vs effective session);
* the refresher redraws the views at most ten times a second while events
  arrive, and once a second for the clock (time left, played position);
* buttons never wait for the server: forms send with ``send_nowait``, the
  Interrupt button and the say box start a task; what comes back is drawn by
  the next redraw. The kernel stays free for the notebook's own cells, which
  drive the same session through ``panel.session``.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from concurrent.futures import Future as ThreadFuture
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from ..connection.connect import Connecting, connect
from ..errors import ConnectError, RealtimeError
from ..state.event_log import EventLog
from .connection_bar import ConnectionBar
from .conversation_view import ConversationView
from .cost_view import CostView
from .forms import EventForms
from .log_view import LogView
from .state_view import SessionStateView
from .view import Refresher, View, Work, start_task

if TYPE_CHECKING:
    from ..connection.session import RealtimeSession

__all__ = ["ControlPanel"]

logger = logging.getLogger("realtime_nb.widgets")

AUDIO_PLACEHOLDER = ("Microphone and speaker: the browser audio widgets come here. Until then, "
                     "send a clip with <code>await panel.session.send_audio(...)</code> and play "
                     "each reply from the conversation.")


def _explain(error: BaseException) -> str:
    """One line for the status bar; a refused key gets words of its own."""
    status = getattr(error, "status", None)
    if status == 401:
        return f"The key was refused (401): check it, or the environment's key. {error}"
    if status == 403:
        return f"Access denied (403): this key may not use the Realtime API or model. {error}"
    return str(error) if isinstance(error, RealtimeError) else f"{type(error).__name__}: {error}"


class ControlPanel(widgets.VBox):  # type: ignore[misc]  # ipywidgets ships no types
    """A control panel on a Realtime session: every client event, the log, the conversation.

    ``rt.ControlPanel()`` in a cell opens it on the embedded mock (no key, no
    cost); ``ControlPanel(api_key=...)``, ``ControlPanel("wss://...")`` or
    ``ControlPanel(azure_endpoint=..., ...)`` take :func:`~realtime_nb.connect`'s
    arguments, and the connection bar changes them later. ``ControlPanel(session)``
    wraps a session opened in code. Either way :attr:`session` is the session the
    panel drives, so code in other cells and the panel act on the same one::

        panel = rt.ControlPanel()
        panel                                  # displays it
        session = await panel.connected()      # the session, once open
        await session.say("Hello")             # shows up in the panel too

    Args:
        session: an open :class:`~realtime_nb.RealtimeSession` to wrap (not closed
            by the panel unless you click Disconnect), or a URL, as
            :func:`~realtime_nb.connect` takes it.
        log_capacity: events kept by the event log (the oldest go first; it says
            how many).
        refresh_interval: the shortest time between two redraws, in seconds.
        connect_args: :func:`~realtime_nb.connect`'s arguments, for the panel's
            own session (``quiet=True`` unless given: the bar names the target).

    Attributes:
        events: the :class:`~realtime_nb.state.EventLog` the log view draws
            (``panel.events.to_jsonl(path)`` exports it; ``log`` is
            ipywidgets' own logger).
        connection, forms, log_view, conversation_view, state_view, cost_view:
            the parts, each a :class:`~realtime_nb.widgets.view.View`.
        audio_area: the place kept for the microphone and speaker widgets.
        refresher: what redraws the parts (``refresher.flushes`` counts redraws).
    """

    def __init__(self, session: RealtimeSession | str | None = None, *,
                 log_capacity: int = 5000, refresh_interval: float = 0.1,
                 **connect_args: Any) -> None:
        super().__init__()
        self.add_class("rtnb-panel")
        if isinstance(session, str):  # a URL, as connect("ws://...") takes it
            connect_args["url"], session = session, None
        connect_args.setdefault("quiet", True)
        self.events = EventLog(capacity=log_capacity)
        self.connection = ConnectionBar(self._connect_clicked, self._disconnect_clicked,
                                        initial=connect_args)
        self.forms = EventForms()
        self.log_view = LogView(self.events)
        self.conversation_view = ConversationView()
        self.state_view = SessionStateView()
        self.cost_view = CostView()
        self.audio_area = widgets.VBox([widgets.HTML(AUDIO_PLACEHOLDER)])
        self.audio_area.add_class("rtnb-audio")
        self.views: list[View] = [self.connection, self.forms, self.log_view,
                                  self.conversation_view, self.state_view, self.cost_view]
        self.refresher = Refresher(self.views, interval=refresh_interval)
        self._session: RealtimeSession | None = None
        self._owned = False  # whether the panel opened (and so may close) its session
        self._opening: Work[None] | None = None

        def titled(title: str, view: widgets.Widget) -> widgets.Widget:
            return widgets.VBox([widgets.HTML(f"<b>{html.escape(title)}</b>"), view])

        tabs = widgets.Tab(children=[self.state_view.widget, self.cost_view.widget,
                                     self.audio_area])
        for index, title in enumerate(("Session", "Cost & timing", "Audio")):
            tabs.set_title(index, title)
        def column(grow: int, *parts: widgets.Widget) -> widgets.Box:
            # Columns share a row by weight and wrap under each other on a narrow page.
            return widgets.Box(list(parts), layout=widgets.Layout(
                flex=f"{grow} 1 0", min_width="26em", padding="0 .4em"))

        row = widgets.Layout(flex_flow="row wrap", width="100%")
        self.children = (
            self.connection.widget,
            widgets.HBox([column(3, titled("Send", self.forms.widget)),
                          column(2, titled("Events", self.log_view.widget))], layout=row),
            widgets.HBox([column(1, widgets.VBox([
                titled("Conversation", self.conversation_view.widget),
                self.state_view.say_box, self.conversation_view.exports])),
                column(1, tabs)], layout=row),
        )
        for view in self.views:
            view.attach(None)
        if session is not None:
            self.attach(session)
        else:
            # connect() is called here, in the cell, so that re-running the cell closes
            # the session its previous run opened; the opening itself runs in the background.
            self._open(connect(**self.connection.connect_args()))

    # -- the session -------------------------------------------------------------------------

    @property
    def session(self) -> RealtimeSession | None:
        """The session the panel drives (``None`` until it is open; see :meth:`connected`)."""
        return self._session

    async def connected(self, timeout: float | None = 30.0) -> RealtimeSession:
        """Wait until the panel's session is open, and return it.

        Raises:
            ConnectError: the connection failed (the bar shows why too).
            TimeoutError: it did not open within ``timeout`` seconds.
        """
        opening = self._opening
        if opening is not None and not opening.done():
            waited = (asyncio.wrap_future(opening) if isinstance(opening, ThreadFuture)
                      else opening)
            await asyncio.wait_for(asyncio.shield(waited), timeout)
        if self._session is None:
            raise ConnectError(self.connection.failure or "The panel is not connected.")
        return self._session

    def attach(self, session: RealtimeSession) -> None:
        """Drive ``session`` from now on (the previous one is let go, and closed if the
        panel opened it). The log starts from the server events the session still holds."""
        self._detach()
        self._session = session
        self.connection.failure = ""
        for event in session.history:
            self.events.received(event)
        session.observe(self.events)
        session.observe(self.refresher)
        for view in self.views:
            view.attach(session)
        self.refresher.start_ticking(until=lambda: session.state == "closed")

    def _detach(self) -> None:
        old, self._session = self._session, None
        if old is None:
            return
        old.unobserve(self.events)
        old.unobserve(self.refresher)
        self.refresher.stop_ticking()
        if self._owned and old.state != "closed":
            # Its loop may have stopped (the interpreter is exiting): nothing left to close.
            with contextlib.suppress(RuntimeError):
                start_task(old, old.close())
        self._owned = False

    def _open(self, connecting: Connecting) -> None:
        self.connection.connecting = True
        self.connection.failure = ""
        self.connection.refresh()
        self._opening = start_task(None, self._finish_opening(connecting))

    async def _finish_opening(self, connecting: Connecting) -> None:
        try:
            session = await connecting
        except Exception as error:  # shown in the bar: a click has no caller to raise to
            self.connection.failure = _explain(error)
            logger.info("The panel could not connect: %s", self.connection.failure)
            return
        finally:
            self.connection.connecting = False
        self.attach(session)
        self._owned = True

    def _connect_clicked(self, args: dict[str, Any]) -> None:
        self._detach()
        for view in self.views:
            view.attach(None)
        try:
            connecting = connect(**args)
        except Exception as error:  # a target that cannot be right: said at once
            self.connection.failure = _explain(error)
            self.connection.refresh()
            return
        self._open(connecting)

    def _disconnect_clicked(self) -> None:
        session = self._session
        if session is not None:
            start_task(session, session.close())
        self.refresher.mark()

    def close(self) -> None:
        """Let go of the session (closing it if the panel opened it) and close the widgets."""
        self._detach()
        for view in self.views:
            view.attach(None)
        super().close()

    def __repr__(self) -> str:
        session = self._session
        where = session.target.describe() if session is not None else "no session"
        state = session.state if session is not None else (
            "connecting" if self.connection.connecting else "closed")
        return f"<ControlPanel {state} {where}>"
