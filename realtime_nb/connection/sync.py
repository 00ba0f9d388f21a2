"""Plain calls for code that cannot ``await``: notebook cells, widget callbacks, scripts.

:func:`run` runs an awaitable to completion from wherever it is called:

* **Outside any event loop** (a script, a plain Python prompt): on one shared
  background loop, on a daemon thread, which keeps receiving between calls.
* **Inside a running loop on this thread** (a Jupyter cell, a widget callback,
  where ``asyncio.run`` fails with "cannot be called from a running event
  loop"): re-entering that loop with ``nest_asyncio``, applied to that loop
  only, and only the first time it is needed. ``await`` remains the better form
  in a cell; this is for callbacks, which cannot await.

:class:`SyncSession` (``session.sync``) offers a session's methods in this form.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from ..reply import Reply
    from ..state.playback import Interruption
    from ..wire.base import ClientEvent
    from .audio import SentAudio
    from .session import RealtimeSession, SendHandle

__all__ = ["run", "SyncSession", "background_loop"]

_T = TypeVar("_T")
_lock = threading.Lock()
_background: asyncio.AbstractEventLoop | None = None
_nested: set[int] = set()


def background_loop() -> asyncio.AbstractEventLoop:
    """The shared loop (started on first use) that runs sessions made outside any loop."""
    global _background
    with _lock:
        if _background is None or _background.is_closed():
            loop = asyncio.new_event_loop()
            started = threading.Event()

            def serve() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(started.set)
                loop.run_forever()

            threading.Thread(target=serve, name="realtime_nb-loop", daemon=True).start()
            started.wait()
            _background = loop
        return _background


def _nest(loop: asyncio.AbstractEventLoop) -> None:
    if id(loop) not in _nested:
        import nest_asyncio

        nest_asyncio.apply(loop)
        _nested.add(id(loop))


async def _await(awaitable: Awaitable[_T]) -> _T:
    return await awaitable


def _coroutine(awaitable: Awaitable[_T]) -> Coroutine[Any, Any, _T]:
    return awaitable if asyncio.iscoroutine(awaitable) else _await(awaitable)


def run_on(loop: asyncio.AbstractEventLoop | None, awaitable: Awaitable[_T]) -> _T:
    """Run ``awaitable`` on ``loop`` (``None``: the natural loop) and return its result."""
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if loop is None:
        loop = running or background_loop()
    coroutine = _coroutine(awaitable)
    if loop is running:
        _nest(loop)
        return loop.run_until_complete(coroutine)
    if loop.is_running():
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result()
    if loop.is_closed():
        coroutine.close()
        raise RuntimeError("The event loop this session ran on is closed; connect again.")
    return loop.run_until_complete(coroutine)


def run(awaitable: Awaitable[_T]) -> _T:
    """Run ``awaitable`` to completion from plain (non-async) code, in a notebook or not.

    >>> import realtime_nb as rt
    >>> async def answer() -> int:
    ...     return 42
    >>> rt.run(answer())
    42
    """
    return run_on(None, awaitable)


class SyncSession:
    """A session's methods as plain calls (``session.sync.say("Hi")``).

    Each call runs on the session's own event loop: through ``nest_asyncio``
    when called on that loop's thread while it runs (a cell, a widget callback),
    across threads when another thread runs it.
    """

    __slots__ = ("session",)

    def __init__(self, session: RealtimeSession) -> None:
        self.session = session

    def _run(self, awaitable: Awaitable[_T]) -> _T:
        if self.session._handling:
            # A sync handler runs inside the socket's read callback; a nested loop run
            # from there re-enters that callback and spins forever (nest_asyncio).
            if asyncio.iscoroutine(awaitable):
                awaitable.close()
            raise RuntimeError(
                "session.sync.* cannot wait inside an event handler, which runs as each "
                "event arrives: make the handler `async def` and await, or use "
                "session.send_nowait(...) there.")
        return run_on(self.session._loop, awaitable)

    def send(self, event: ClientEvent | Mapping[str, Any], *, wait: bool = False,
             timeout: float | None = 30.0, check: bool = True) -> SendHandle:
        """See :meth:`RealtimeSession.send`."""
        return self._run(self.session.send(event, wait=wait, timeout=timeout, check=check))

    def recv(self) -> Any:
        """See :meth:`RealtimeSession.recv`."""
        return self._run(self.session.recv())

    def wait_for(self, type: str, where: Any = None, timeout: float | None = 30.0, *,
                 after: SendHandle | None = None) -> Any:
        """See :meth:`RealtimeSession.wait_for`."""
        return self._run(self.session.wait_for(type, where, timeout, after=after))

    def say(self, text: str, *, timeout: float | None = 60.0, **response: Any) -> Reply:
        """See :meth:`RealtimeSession.say`."""
        return self._run(self.session.say(text, timeout=timeout, **response))

    def respond(self, *, timeout: float | None = 60.0, **response: Any) -> Reply:
        """See :meth:`RealtimeSession.respond`."""
        return self._run(self.session.respond(timeout=timeout, **response))

    def update(self, *, timeout: float | None = 30.0, **session_fields: Any) -> Any:
        """See :meth:`RealtimeSession.update`."""
        return self._run(self.session.update(timeout=timeout, **session_fields))

    def send_audio(self, audio: Any, **options: Any) -> SentAudio:
        """See :meth:`RealtimeSession.send_audio`."""
        return self._run(self.session.send_audio(audio, **options))

    def interrupt(self, *, timeout: float | None = 10.0) -> Interruption:
        """See :meth:`RealtimeSession.interrupt`."""
        return self._run(self.session.interrupt(timeout=timeout))

    def close(self) -> None:
        """See :meth:`RealtimeSession.close`."""
        self._run(self.session.close())

    def __repr__(self) -> str:
        return f"<SyncSession of {self.session!r}>"
