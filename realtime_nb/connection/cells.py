"""Re-running a notebook cell replaces the session that cell made before.

In Jupyter, ``session = await rt.connect()`` in a cell run twice would leave
the first session open, with its socket and receive task, and nothing left to
close it. So each session made from a cell is registered under the cell's
identity (its ``cellId`` from the front end when there is one, else the file
IPython compiled it to, plus the line), and a later run of that cell closes the
earlier session first. Sessions made in one run of a cell (a loop making
several) are all kept. Outside IPython nothing is registered.
"""

from __future__ import annotations

import sys
import weakref
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .session import RealtimeSession

__all__ = ["CellKey", "cell_key", "previous_sessions", "register"]

CellKey = tuple[str, int]
"""Where a session was made: (cell identity, line)."""

_live: dict[CellKey, list[tuple[int, weakref.ref[RealtimeSession]]]] = {}


def _shell() -> Any:
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    get = getattr(ipython, "get_ipython", None)
    return get() if get is not None else None


def cell_key(frame: FrameType | None) -> tuple[CellKey, int] | None:
    """The identity of the cell running ``frame`` and its execution count, in IPython."""
    shell = _shell()
    if shell is None or frame is None:
        return None
    cell_id = None
    kernel = getattr(shell, "kernel", None)
    if kernel is not None:
        try:
            cell_id = kernel.get_parent().get("metadata", {}).get("cellId")
        except Exception:  # an older kernel, or no request in flight: fall back to the file
            cell_id = None
    where = cell_id or frame.f_code.co_filename
    return (str(where), frame.f_lineno), int(getattr(shell, "execution_count", 0) or 0)


def previous_sessions(key: CellKey, run: int) -> list[RealtimeSession]:
    """The open sessions that earlier runs of this cell made."""
    found = []
    for made_in, ref in _live.get(key, []):
        session = ref()
        if session is not None and made_in != run and session.state != "closed":
            found.append(session)
    return found


def register(key: CellKey, run: int, session: RealtimeSession) -> None:
    """Remember that ``session`` was made by this cell in this run (forgetting closed ones)."""
    kept = [(made_in, ref) for made_in, ref in _live.get(key, [])
            if (old := ref()) is not None and old.state != "closed"]
    kept.append((run, weakref.ref(session)))
    _live[key] = kept
