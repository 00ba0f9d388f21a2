"""The I/O of Python tools: run the calls a response asks for, send their outputs, go on.

:class:`~realtime_nb.state.tools.ToolRegistry` (``session.tools``) knows the
tools and decides what a finished response's calls need
(:meth:`~realtime_nb.state.tools.ToolRegistry.plan`); :class:`ToolRunner`, which
the session owns, does it: each call runs in a task of its own (a sync function
in a worker thread through :func:`asyncio.to_thread`, so receiving never stops;
an async one awaited) within ``session.tools.timeout``; the outputs go back as
``function_call_output`` items, then, when the loop continues, a
``response.create``. Nothing a tool does can stop the session: its failure is an
``{"error": ...}`` output and a record.

``say()`` and ``respond()`` drive the loop themselves so that they can return the
final reply: their ``response.create`` is marked before it is sent
(:meth:`ToolRunner.drive`), the runner then leaves the follow-up to them, and
they ask for it with the same response parameters. A response nobody waits for
(voice activity started it) is continued by the runner.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ..builders import create_item, create_response, function_output, session_update
from ..errors import RealtimeError
from ..reply import Reply
from ..state.observer import Observer
from ..state.tools import (
    PythonTool,
    ToolArgumentsError,
    ToolCall,
    ToolRegistry,
    ToolRound,
    encode_output,
    error_output,
)
from ..wire.client_events import ResponseCreate
from ..wire.items import FunctionCall

if TYPE_CHECKING:
    from .session import RealtimeSession

__all__ = ["ToolRunner"]

logger = logging.getLogger("realtime_nb.tools")

_JOB_MEMORY = 256  # rounds remembered for say()/respond() to pick up


@dataclass
class _Job:
    round: ToolRound
    future: asyncio.Future[list[ToolCall]]
    driven: bool = False  # say()/respond() sends the follow-up, not the runner
    task: asyncio.Future[None] | None = field(default=None, repr=False)


class ToolRunner(Observer):
    """Runs the Python tools a session's responses call (see the module's docstring)."""

    def __init__(self, session: RealtimeSession, registry: ToolRegistry) -> None:
        self._session = session
        self.registry = registry
        registry.publisher = self.publish
        self._jobs: OrderedDict[str, _Job] = OrderedDict()
        self._claims: OrderedDict[str, None] = OrderedDict()  # event_ids of driven requests

    # -- registering -------------------------------------------------------------------------

    def publish(self, tools: list[dict[str, Any]]) -> None:
        """Send the whole tool list in a ``session.update`` (queued in order with other sends).

        From another thread (a widget callback, ``session.sync``), it is handed to
        the session's event loop.
        """
        event = session_update({"tools": tools})
        loop = self._session._loop
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is not None and running is not loop:
            loop.call_soon_threadsafe(self._send_quietly, event)
        else:
            self._session.send_nowait(event)

    def _send_quietly(self, event: Any) -> None:
        try:
            self._session.send_nowait(event)
        except RealtimeError as error:
            logger.warning("Could not send the tool list: %s", error)

    # -- running -----------------------------------------------------------------------------

    def received(self, event: Any) -> None:
        """At ``response.done``, start the round of Python tool calls it asks for, if any."""
        if event.type != "response.done":
            return
        driven = self._claimed(str(event.response.id))
        tool_round = self.registry.plan(event.response)
        if tool_round is None:
            return
        job = _Job(tool_round, asyncio.get_running_loop().create_future(), driven=driven)
        self._jobs[tool_round.response_id] = job
        while len(self._jobs) > _JOB_MEMORY:
            self._jobs.popitem(last=False)
        job.task = asyncio.ensure_future(self._run(job))

    def drive(self, request: ResponseCreate) -> ResponseCreate:
        """Mark ``request`` (a ``response.create`` about to be sent) as one whose caller
        waits for its reply and will ask for the follow-up itself; returns it with
        an ``event_id``.

        Claimed before it is sent, by id: its response may be over before the caller
        learns the response's id.
        """
        if request.event_id is None:
            request = request.with_event_id(self._session.protocol.next_event_id())
        self._claims[request.event_id or ""] = None
        while len(self._claims) > _JOB_MEMORY:
            self._claims.popitem(last=False)
        return request

    def _claimed(self, response_id: str) -> bool:
        """Whether a driven ``response.create`` started ``response_id`` (the claim is used up)."""
        handles = self._session._handles
        for event_id in self._claims:
            reply = getattr(handles.get(event_id), "reply", None)
            if getattr(getattr(reply, "response", None), "id", None) == response_id:
                del self._claims[event_id]
                return True
        return False

    async def finish(self, reply: Reply, response: Mapping[str, Any],
                     timeout: float | None) -> Reply:
        """The reply after the tool loop: ``reply`` itself when it called no Python tool;
        else, once the calls ran and their outputs were sent, the follow-up response's
        reply (asked for with the same ``response`` parameters) when the loop goes
        on, or ``reply`` with its :attr:`~Reply.tool_calls` when it stops there."""
        job = self._jobs.pop(reply.response_id, None)
        if job is None:
            return reply
        calls = tuple(await asyncio.shield(job.future))
        reply = replace(reply, tool_calls=calls)
        if not job.round.continue_after or not all(call.sent for call in calls):
            return reply
        follow = await self._session.respond(timeout=timeout, **response)
        return replace(follow, tool_calls=calls + follow.tool_calls)

    async def _run(self, job: _Job) -> None:
        calls: list[ToolCall] = []
        try:
            response_id = job.round.response_id
            calls = list(await asyncio.gather(*(self._call(tool, item, response_id)
                                                for tool, item in job.round.calls)))
            for index, call in enumerate(calls):
                if self.registry.answered(call.call_id):
                    # Answered by someone else first: a second output would confuse the model.
                    logger.warning("Call %s of %s was already answered; its output is not "
                                   "sent.", call.call_id, call.name)
                    calls[index] = replace(call, sent=False)
                    continue
                try:
                    await self._session.send(
                        create_item(function_output(call.call_id, call.output)))
                except RealtimeError as error:
                    logger.warning("Could not send the output of %s: %s", call.name, error)
                    calls[index] = replace(call, sent=False)
            for call in calls:
                self.registry.record(call)
            if (job.round.continue_after and not job.driven
                    and all(call.sent for call in calls)):
                try:
                    await self._session.send(create_response())
                except RealtimeError as error:  # a spent budget, a closed session
                    logger.warning("The tool loop stopped: response.create was not sent "
                                   "(%s).", error)
        except Exception as error:  # a bug here must not go unseen, nor stop the session
            logger.exception("The tool round of %s failed", job.round.response_id)
            if not job.future.done():
                job.future.set_exception(error)
                job.future.exception()  # logged above: no "never retrieved" when nobody waits
            return
        finally:
            if not job.driven:
                self._jobs.pop(job.round.response_id, None)
        if not job.future.done():
            job.future.set_result(calls)

    async def _call(self, tool: PythonTool, item: FunctionCall, response_id: str) -> ToolCall:
        call_id = item.call_id if isinstance(item.call_id, str) else ""
        try:
            arguments = tool.decode(item.arguments)
        except ToolArgumentsError as refused:
            logger.warning("%s", refused)
            return ToolCall(tool.name, call_id, item.arguments, error_output(str(refused)),
                            str(refused), 0.0, response_id)
        timeout = self.registry.timeout
        started = time.perf_counter()
        deadline = asyncio.timeout(timeout)
        try:
            async with deadline:
                if tool.is_async:
                    result = await tool.call(arguments)
                else:
                    # A thread keeps the receive loop going; one that times out runs on unseen.
                    result = await asyncio.to_thread(tool.call, arguments)
            output = encode_output(result)
            failure: str | None = None
        except TimeoutError as exc:
            if deadline.expired():
                failure = f"{tool.name} timed out after {timeout:g} s"
            else:  # the tool's own (an rt.EventTimeout from a wait inside it, say)
                failure = f"{tool.name} failed: {type(exc).__name__}: {exc}"
                logger.warning("%s", failure, exc_info=(type(exc), exc, exc.__traceback__))
        except Exception as exc:
            failure = f"{tool.name} failed: {type(exc).__name__}: {exc}"
            logger.warning("%s", failure, exc_info=(type(exc), exc, exc.__traceback__))
        duration_ms = round((time.perf_counter() - started) * 1000, 3)
        if failure is not None:
            output = error_output(failure)
        return ToolCall(tool.name, call_id, arguments, output, failure, duration_ms,
                        response_id)
