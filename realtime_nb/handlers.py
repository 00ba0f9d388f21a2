"""Event handlers by type or pattern: who to call for each server event.

Patterns are exact types (``"response.done"``), shell-style globs
(``"response.*"``, ``"*.delta"``) or ``"*"`` for everything. Which handlers
match a type is computed once per type and cached, because a response streams
hundreds of deltas of a handful of types.

Each handler runs in the :mod:`contextvars` context that was current when it
was registered (see :meth:`Handler.run`). In Jupyter that context says which
cell's request is the parent of any output, so what a handler prints or
displays goes under the cell that registered it, not under the cell that
connected (where the receive loop was started) or whichever cell runs when
the event arrives.

>>> handlers = Handlers()
>>> seen = []
>>> _ = handlers.on("response.*", seen.append)
>>> [h.pattern for h in handlers.matching("response.done")]
['response.*']
>>> handlers.matching("session.created")
()
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, ParamSpec, TypeVar

__all__ = ["Handler", "Handlers", "HandlerError", "type_matcher"]

HandlerFunction = Callable[[Any], Any]
"""A handler: called with one event; may be ``async``."""

_P = ParamSpec("_P")
_T = TypeVar("_T")


def type_matcher(pattern: str) -> Callable[[str], bool]:
    """A test of event types against ``pattern`` (a type, a glob, or ``"*"``).

    >>> type_matcher("response.*")("response.done"), type_matcher("error")("errors")
    (True, False)
    """
    if any(ch in pattern for ch in "*?["):
        return lambda kind: fnmatchcase(kind, pattern)
    return pattern.__eq__


@dataclass(eq=False)
class Handler:
    """One registration: a pattern, a function, whether it fires only once, and its context.

    ``context`` is a copy of the :mod:`contextvars` context current at
    registration; :meth:`run` calls the handler in it.
    """

    pattern: str
    function: HandlerFunction
    once: bool = False
    context: contextvars.Context = field(default_factory=contextvars.copy_context,
                                         repr=False)

    def run(self, call: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
        """``call(*args, **kwargs)`` in a fresh copy of the registration's context.

        Tasks an ``async`` handler's call creates inherit that copy, so they too
        run as if started where the handler was registered. A copy per call, as
        asyncio gives each task its own: what one call (or its task) sets in
        context variables is not seen by the next, and a call made while another
        is still inside the context (handlers called from within a handler)
        does not fail, as entering one context twice at once does.

        >>> where = contextvars.ContextVar("where", default="nowhere")
        >>> token = where.set("cell 2")
        >>> handler = Handlers().on("*", lambda event: print(where.get(), event))
        >>> where.reset(token)
        >>> handler.run(handler.function, "response.done")
        cell 2 response.done
        """
        return self.context.copy().run(call, *args, **kwargs)

    def matches(self, event_type: str) -> bool:
        """Whether this handler is for ``event_type``."""
        return type_matcher(self.pattern)(event_type)

    def __repr__(self) -> str:
        name = getattr(self.function, "__qualname__", repr(self.function))
        return f"<Handler {self.pattern!r} -> {name}{' once' if self.once else ''}>"


@dataclass(eq=False)
class HandlerError:
    """A handler raised: what, on which event, and the exception itself.

    The receive loop goes on after it; the error is kept in the session's
    ``handler_errors`` and logged, never swallowed.
    """

    handler: Handler
    event: Any
    error: BaseException

    def __repr__(self) -> str:
        kind = getattr(self.event, "type", "?")
        return f"<HandlerError {self.handler.pattern!r} on {kind}: {self.error!r}>"


@dataclass
class Handlers:
    """The registry; :meth:`matching` is the hot path."""

    _handlers: list[Handler] = field(default_factory=list)
    _cache: dict[str, tuple[Handler, ...]] = field(default_factory=dict)

    def on(self, pattern: str, function: HandlerFunction, *, once: bool = False) -> Handler:
        """Call ``function(event)`` for every event whose type matches ``pattern``.

        The caller's context is captured here (see :meth:`Handler.run`), so this
        must be called from where the handler is registered, as it is by
        ``session.on``: not deferred to a callback or another task.
        """
        if not isinstance(pattern, str) or not pattern:
            raise ValueError(f"A handler pattern must be a non-empty string, got {pattern!r}.")
        if not callable(function):
            raise TypeError(f"A handler must be callable, got {function!r}.")
        handler = Handler(pattern, function, once)
        self._handlers.append(handler)
        self._cache.clear()
        return handler

    def off(self, target: str | HandlerFunction | Handler) -> int:
        """Remove the handlers registered for a pattern, a function or a :class:`Handler`.

        Returns how many were removed (0 is not an error: ``off`` after ``once``
        fired is common).
        """
        before = len(self._handlers)
        self._handlers = [
            h for h in self._handlers
            if not (h is target or h.pattern == target or h.function == target)
        ]
        self._cache.clear()
        return before - len(self._handlers)

    def matching(self, event_type: str) -> tuple[Handler, ...]:
        """The handlers to call for ``event_type``, in registration order."""
        found = self._cache.get(event_type)
        if found is None:
            found = tuple(h for h in self._handlers if h.matches(event_type))
            self._cache[event_type] = found
        return found

    def __len__(self) -> int:
        return len(self._handlers)

    def __iter__(self) -> Any:
        return iter(tuple(self._handlers))
