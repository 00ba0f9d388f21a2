"""The control panel: build, send, watch and hear a Realtime session from one widget.

Stock ipywidgets 8, no front-end build step. :class:`ControlPanel` is the whole
panel; each of its parts is a :class:`View` that draws state the session keeps
already, redrawn in batches by a :class:`Refresher`, and each part works alone
on a session too::

    log = rt.EventLog()
    session.observe(log)
    view = LogView(log)
    view.attach(session)
    display(view.widget)       # redraw with view.refresh(), or a Refresher([view])
"""

from __future__ import annotations

from .connection_bar import ConnectionBar
from .conversation_view import ConversationView
from .cost_view import CostView
from .forms import EventForm, EventForms
from .log_view import LogView
from .panel import ControlPanel
from .state_view import SessionStateView
from .view import Refresher, View, start_task

__all__ = [
    "ControlPanel",
    "ConnectionBar",
    "EventForm",
    "EventForms",
    "LogView",
    "ConversationView",
    "SessionStateView",
    "CostView",
    "View",
    "Refresher",
    "start_task",
]
