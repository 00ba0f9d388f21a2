"""Re-running a notebook cell replaces the session that cell made before.

In Jupyter, ``session = await rt.connect()`` in a cell run twice would leave
the first session open, with its socket and receive task, and nothing left to
close it. So each session made from a cell is registered under the cell's
identity (its ``cellId`` from the front end when there is one, else the file
IPython compiled it to, which is named after its source), and a later run of
that cell closes the earlier sessions first; each run is told apart by its
request's id, so even runs that do not count in the history are. Sessions
made in one run of a cell (a loop making several) are all kept. Outside
IPython nothing is registered.

The request is read from the kernel's context variables, so a session made
by an event handler counts as made by the run of the cell that registered the
handler: handlers run in the context of their registration (see
:meth:`realtime_nb.handlers.Handler.run`).
"""

from __future__ import annotations

import sys
import weakref
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .session import RealtimeSession

__all__ = ["CellKey", "cell_key", "previous_sessions", "register"]

CellKey = str
"""Which cell made a session: its ``cellId``, or the file IPython compiled it to."""

_live: dict[CellKey, list[tuple[str, weakref.ref[RealtimeSession]]]] = {}


def _shell() -> Any:
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    get = getattr(ipython, "get_ipython", None)
    return get() if get is not None else None


def _cell_file(shell: Any, frame: FrameType | None) -> str | None:
    # The outermost frame compiled from a cell: a helper defined in another cell
    # (or a module) must not make the cells that call it close each other's sessions.
    cells = getattr(getattr(shell, "compile", None), "_filename_map", None) or {}
    found = None
    while frame is not None:
        if frame.f_code.co_filename in cells:
            found = frame.f_code.co_filename
        frame = frame.f_back
    return found


def cell_key(frame: FrameType | None) -> tuple[CellKey, str] | None:
    """The cell running ``frame`` and a token for this run of it, in IPython (else ``None``)."""
    shell = _shell()
    if shell is None or frame is None:
        return None
    parent: dict[str, Any] = {}
    kernel = getattr(shell, "kernel", None)
    if kernel is not None:
        try:
            parent = kernel.get_parent() or {}
        except Exception:  # an older kernel, or no request in flight
            parent = {}
    run = str(parent.get("header", {}).get("msg_id") or getattr(shell, "execution_count", ""))
    cell = parent.get("metadata", {}).get("cellId") or _cell_file(shell, frame)
    return (str(cell), run) if cell else None


def previous_sessions(key: CellKey, run: str) -> list[RealtimeSession]:
    """The open sessions that earlier runs of this cell made."""
    found = []
    for made_in, ref in _live.get(key, []):
        session = ref()
        if session is not None and made_in != run and session.state != "closed":
            found.append(session)
    return found


def register(key: CellKey, run: str, session: RealtimeSession) -> None:
    """Remember that ``session`` was made by this cell in this run (forgetting closed ones)."""
    kept = [(made_in, ref) for made_in, ref in _live.get(key, [])
            if (old := ref()) is not None and old.state != "closed"]
    kept.append((run, weakref.ref(session)))
    _live[key] = kept
