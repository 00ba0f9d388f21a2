"""Every exception realtime_nb raises, in one small tree.

Catch :class:`RealtimeError` to handle anything from this package; catch a child
to handle one failure. Each exception carries the data needed to act on it
(the field path and allowed values, the close code, the server's error event),
not just a message.

>>> import realtime_nb
>>> try:
...     realtime_nb.truncate_item("item_1", 0, -5)
... except realtime_nb.EventValidationError as exc:
...     exc.param
'audio_end_ms'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "RealtimeError",
    "EventValidationError",
    "DecodeError",
    "ConnectError",
    "ConnectionClosed",
    "ServerError",
    "EventTimeout",
    "SendQueueFull",
    "ResponseActive",
    "RealtimeWarning",
    "NothingToCancel",
    "BudgetExceeded",
    "SessionDiffWarning",
    "DuplicateToolOutput",
]


class RealtimeError(Exception):
    """Root of every exception raised by realtime_nb."""


class EventValidationError(RealtimeError, ValueError):
    """An event, or a value inside one, does not fit the Realtime protocol.

    Raised before anything is sent: by the builders, by ``to_dict``/``to_json``
    when a field has no counterpart in the target dialect, and by
    :func:`~realtime_nb.parse_client_event`.

    Attributes:
        param: dotted path of the offending field, e.g.
            ``"session.audio.input.format.rate"`` (``""`` for the whole event).
        allowed: the values the field accepts, when they are a closed set.
        code: a machine-readable reason, named like the real service's error
            codes: ``"invalid_value"``, ``"invalid_type"``, ``"unknown_parameter"``,
            ``"missing_required_parameter"``, ``"unsupported_in_dialect"``.
    """

    def __init__(
        self,
        message: str,
        *,
        param: str = "",
        allowed: Sequence[Any] | None = None,
        code: str = "invalid_value",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.allowed: tuple[Any, ...] | None = tuple(allowed) if allowed is not None else None
        self.code = code


class DecodeError(RealtimeError, ValueError):
    """Bytes or text that are not a JSON object (malformed JSON, an array, a number...)."""


class ConnectError(RealtimeError):
    """The WebSocket connection could not be opened (refused, DNS, TLS, rejected key).

    The message says why in words; secrets are masked in it. The exception is
    raised ``from None``: the library's own exception can quote a URL that holds
    a key, so its text is summarised in the message instead.

    Attributes:
        url: the URL tried, secrets masked (``""`` when none was formed).
        status: the HTTP status of a refused handshake (401, 403, 404...), if any.
        code: the service's error code (``"invalid_api_key"``...) or the
            WebSocket close code, if the server gave one.
    """

    def __init__(self, message: str, *, url: str = "", status: int | None = None,
                 code: str | int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.code = code


class ConnectionClosed(RealtimeError):
    """The connection closed; ``unsent`` lists client events that never left.

    Attributes:
        code: the WebSocket close code (``1006`` when the link just dropped).
        reason: the close reason sent by the peer, possibly empty.
        unsent: client events queued but not sent when the link closed.
    """

    def __init__(
        self, code: int | None, reason: str = "", unsent: Sequence[Any] = ()
    ) -> None:
        detail = f"connection closed (code={code}{', reason=' + repr(reason) if reason else ''})"
        if unsent:
            detail += f"; {len(unsent)} event(s) not sent"
        super().__init__(detail)
        self.code = code
        self.reason = reason
        self.unsent = list(unsent)


class ServerError(RealtimeError):
    """The server answered with an ``error`` event.

    Attributes:
        event: the server's ``error`` event (an ``ErrorEvent``).
        client_event: the client event whose ``event_id`` the error names, when known.
    """

    def __init__(self, event: Any, client_event: Any = None) -> None:
        err = getattr(event, "error", None)
        code = getattr(err, "code", None)
        message = getattr(err, "message", str(event))
        text = f"{code}: {message}" if isinstance(code, str) else str(message)
        if client_event is not None:
            text += f" (caused by {getattr(client_event, 'type', 'client event')!s})"
        super().__init__(text)
        self.event = event
        self.client_event = client_event


class EventTimeout(RealtimeError, TimeoutError):
    """An awaited server event did not arrive in time.

    Attributes:
        expected: what was awaited (an event type or pattern).
        received: the types of the events that did arrive meanwhile, in order.
    """

    def __init__(self, expected: str, timeout: float, received: Sequence[str] = ()) -> None:
        seen = ", ".join(received[-20:]) if received else "nothing"
        super().__init__(f"no {expected!r} within {timeout:g}s; received: {seen}")
        self.expected = expected
        self.timeout = timeout
        self.received = list(received)


class SendQueueFull(RealtimeError):
    """Too many events are waiting to be sent; this one was not queued.

    The queue fills while a connection is being re-established or while the
    server reads more slowly than events are sent. The event that raised is not
    queued and not sent: the caller still holds it.

    Attributes:
        limit: the queue's size (``max_queue`` of :func:`realtime_nb.connect`).
    """

    def __init__(self, limit: int, state: str) -> None:
        super().__init__(
            f"send queue full: {limit} event(s) already waiting while the connection is "
            f"{state}; this event was not queued (raise max_queue=, or wait for the queue "
            "to drain)"
        )
        self.limit = limit


class ResponseActive(RealtimeError):
    """``response.create`` refused before sending: the default conversation has a response.

    The service lets one response at a time write to the default conversation and
    answers a second with ``conversation_already_has_active_response``; the session
    refuses it first, so nothing is sent. Wait for the response
    (``await session.wait_for("response.done")``), cancel it
    (``await session.send(rt.cancel_response())``), ask for an out-of-band response
    (``conversation="none"``, which may run beside it), or send anyway with
    ``session.send(event, check=False)`` to see the service's own error.

    Attributes:
        response_id: the response in progress, or ``None`` when one was asked for
            and has not started yet (``request_event_id`` names that request).
        request_event_id: the ``event_id`` of that ``response.create``, when it is
            the one not answered yet.
    """

    def __init__(self, response_id: str | None, request_event_id: str | None = None) -> None:
        if response_id is not None:
            what = f"response {response_id} is still in progress"
        else:
            what = (f"a response was asked for ({request_event_id or 'response.create'}) "
                    "and has not started yet")
        super().__init__(
            f"not sent: {what} on the default conversation, which takes one response at a "
            "time. Wait for it (session.wait_for('response.done')), cancel it "
            "(rt.cancel_response()), use conversation='none' for an out-of-band response, "
            "or send(..., check=False) to see the service's "
            "conversation_already_has_active_response error"
        )
        self.response_id = response_id
        self.request_event_id = request_event_id


class RealtimeWarning(UserWarning):
    """Root of the warnings realtime_nb gives about an event it still sends."""


class NothingToCancel(RealtimeWarning):
    """``response.cancel`` with no response in progress: the service will answer
    ``response_cancel_not_active``. The event is sent anyway, to show it."""


class BudgetExceeded(RealtimeError):
    """A ``response.create`` was refused because the session's budget is spent.

    Raised before anything is sent (``connect(budget_usd=...)`` or
    ``session.usage.budget_usd``): the event never leaves. Raise the budget to go on.

    Attributes:
        spent_usd: the estimated cost of the responses so far, in US dollars.
        budget_usd: the budget.
    """

    def __init__(self, spent_usd: float, budget_usd: float) -> None:
        super().__init__(
            f"budget spent: ${spent_usd:.6f} of ${budget_usd:.6f}; response.create was not "
            "sent (raise session.usage.budget_usd to go on)"
        )
        self.spent_usd = spent_usd
        self.budget_usd = budget_usd


class SessionDiffWarning(RealtimeWarning):
    """The session the server reports differs from what a ``session.update`` asked for.

    A field changed (a number clamped), dropped or refused; ``session.last_update.diff``
    lists each one with its path, the value asked for, the value in effect and why.
    """


class DuplicateToolOutput(RealtimeWarning):
    """A second ``function_call_output`` was sent for a ``call_id`` that already has one.

    Usually two owners answering the same call (a Python tool and a hand-written
    handler, or a relay and a notebook); the model sees both outputs.
    """
