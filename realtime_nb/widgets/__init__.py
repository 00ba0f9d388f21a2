"""The control panel: build, send, watch and hear a Realtime session from one widget.

Stock ipywidgets 8, no front-end build step. Each part of the panel is a
:class:`~realtime_nb.widgets.view.View` that draws state the session already
keeps; a :class:`~realtime_nb.widgets.view.Refresher` redraws them in batches.
"""

from __future__ import annotations

from .panel import ControlPanel
from .view import Refresher, View

__all__ = ["ControlPanel", "Refresher", "View"]
