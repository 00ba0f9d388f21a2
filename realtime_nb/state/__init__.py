"""Protocol state without I/O, kept current by a session that feeds it events.

See :mod:`realtime_nb.state.observer` for how a session feeds each object.
"""

from .observer import Observer

__all__ = ["Observer"]
