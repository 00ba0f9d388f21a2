"""Responses as a :class:`~realtime_nb.state.conversation.Conversation` follows them.

A :class:`ResponseState` is one response: its status, why it ended, its usage,
the items it produced and how long each step took from the ``response.create``
that asked for it. :class:`Requests` pairs each ``response.create`` the client
sent with the ``response.created`` that answers it; the service echoes no id, so
requests are answered in order, in-band ones by in-band responses and
out-of-band ones (``conversation: "none"``) by out-of-band responses, and an
error naming a request withdraws it (and unpairs it, when a response the server
started on its own was taken for its answer).

>>> response = ResponseState("resp_1", requested_at=10.0)
>>> response.created_at, response.done_at = 10.25, 11.5
>>> response.created_ms, response.done_ms
(250.0, 1500.0)
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from msgspec import UNSET

from ..wire.reprs import short_repr

__all__ = ["ResponseState", "Request", "Requests", "QUEUED_GRACE_S", "PAIRED_MEMORY"]

QUEUED_GRACE_S = 2.0
"""Seconds a ``response.create`` that passed the checks but was not written yet counts as
a response in progress.

Two ``send_nowait`` calls in a row are both checked before either is written, so a
request counts from its check. One that is never written (another observer or a full
queue refused it after this check) must not block responses for good: after this
grace, only requests really sent count.
"""

PAIRED_MEMORY = 256
"""How many answered requests are remembered, to unpair one that an error withdraws late."""


def _ms(start: float | None, end: float | None) -> float | None:
    return None if start is None or end is None else (end - start) * 1000.0


class ResponseState:
    """One response, as its events told it.

    Attributes:
        id: the response's id.
        status: ``in_progress``, ``completed``, ``cancelled``, ``incomplete`` or
            ``failed`` (``None`` before any event said).
        status_details: the ``StatusDetails`` of ``response.done`` (why it was
            cancelled or left incomplete, the error of a failed one).
        usage: the ``Usage`` of ``response.done`` (``None`` before it).
        output: the ids of the items it produced, in order.
        out_of_band: made with ``conversation: "none"``: its items are not in the
            conversation, and it may run beside another response.
        metadata: the metadata it was created with.
        request_event_id: the ``event_id`` of the ``response.create`` that asked for
            it (``None`` for a response the server started, such as a voice turn's).
        requested_at, created_at, first_delta_at, first_audio_at, done_at: clock
            readings (the Conversation's clock); the ``*_ms`` properties give the
            times from the request (from ``response.created`` for a response the
            server started: :attr:`started_at`).
        audio_format: the GA format ``type`` of its output audio, if it said.
        done: ``response.done`` arrived.
    """

    __slots__ = ("audio_format", "created_at", "done", "done_at", "first_audio_at",
                 "first_delta_at", "id", "metadata", "out_of_band", "output",
                 "request_event_id", "requested_at", "status", "status_details", "usage")

    def __init__(self, response_id: str, *, out_of_band: bool = False,
                 requested_at: float | None = None) -> None:
        self.id = response_id
        self.status: str | None = None
        self.status_details: Any = None
        self.usage: Any = None
        self.output: list[str] = []
        self.out_of_band = out_of_band
        self.metadata: dict[str, str] | None = None
        self.request_event_id: str | None = None
        self.requested_at = requested_at
        self.created_at: float | None = None
        self.first_delta_at: float | None = None
        self.first_audio_at: float | None = None
        self.done_at: float | None = None
        self.audio_format: str | None = None
        self.done = False

    @property
    def created_ms(self) -> float | None:
        """Milliseconds from the ``response.create`` to ``response.created``."""
        return _ms(self.requested_at, self.created_at)

    @property
    def started_at(self) -> float | None:
        """Where its timings count from: the ``response.create`` that asked for it, or
        ``response.created`` for one the server started (a voice turn)."""
        return self.requested_at if self.requested_at is not None else self.created_at

    @property
    def first_delta_ms(self) -> float | None:
        """Milliseconds from the start (:attr:`started_at`) to the first text, audio or
        arguments delta."""
        return _ms(self.started_at, self.first_delta_at)

    @property
    def first_audio_ms(self) -> float | None:
        """Milliseconds from the start (:attr:`started_at`) to the first audio delta."""
        return _ms(self.started_at, self.first_audio_at)

    @property
    def done_ms(self) -> float | None:
        """Milliseconds from the start (:attr:`started_at`) to ``response.done``."""
        return _ms(self.started_at, self.done_at)

    @property
    def active(self) -> bool:
        """Started (``response.created``) or streaming, and not done."""
        return not self.done

    def note_output(self, item_id: str) -> None:
        """Count ``item_id`` among the response's items (once)."""
        if item_id not in self.output:
            self.output.append(item_id)

    def finish(self, response: Any, at: float) -> None:
        """Take the final state from ``response.done``'s response."""
        self.done = True
        if self.done_at is None:
            self.done_at = at
        self.take(response)

    def take(self, response: Any) -> None:
        """Take what a ``Response`` (of ``response.created`` or ``.done``) says."""
        status = response.status
        if isinstance(status, str) and not (self.done and status == "in_progress"):
            self.status = status
        if response.status_details is not UNSET:
            self.status_details = response.status_details
        if response.usage is not UNSET and response.usage is not None:
            self.usage = response.usage
        if isinstance(response.metadata, dict):
            self.metadata = response.metadata
        output = response.output
        if output is not UNSET:
            for item in output:
                item_id = getattr(item, "id", UNSET)
                if isinstance(item_id, str):
                    self.note_output(item_id)

    def __repr__(self) -> str:
        shown = [self.id, self.status or "?"]
        if self.out_of_band:
            shown.append("out-of-band")
        reason = getattr(self.status_details, "reason", None)
        if isinstance(reason, str):
            shown.append(f"reason={reason}")
        if self.output:
            shown.append(f"output={short_repr(self.output)}")
        total = getattr(self.usage, "total_tokens", None)
        if isinstance(total, int):
            shown.append(f"tokens={total}")
        for name in ("created_ms", "first_audio_ms", "done_ms"):
            value = getattr(self, name)
            if value is not None:
                shown.append(f"{name}={value:.0f}")
        return f"ResponseState({', '.join(shown)})"


@dataclass
class Request:
    """A ``response.create`` not answered yet.

    Attributes:
        event_id: its ``event_id``.
        out_of_band: it asked for ``conversation: "none"``.
        checked_at: when it passed the checks (before it was queued).
        sent_at: when it was written (``None`` while queued).
        metadata: the metadata it asked for, to tell parallel out-of-band ones apart.
    """

    event_id: str
    out_of_band: bool
    checked_at: float
    sent_at: float | None = None
    metadata: dict[str, str] | None = None


class Requests:
    """The ``response.create`` events sent and not yet answered, oldest first."""

    def __init__(self) -> None:
        self._waiting: OrderedDict[str, Request] = OrderedDict()
        self._paired: OrderedDict[str, ResponseState] = OrderedDict()

    def checked(self, request: Request) -> None:
        """A request passed the checks and is about to be queued."""
        self._waiting.setdefault(request.event_id, request)

    def sent(self, request: Request, at: float) -> None:
        """A request was written (recorded now if it was never checked, as on a replay)."""
        kept = self._waiting.setdefault(request.event_id, request)
        if kept.sent_at is None:
            kept.sent_at = at

    def pending(self, now: float) -> Request | None:
        """The oldest in-band request that counts as starting a response."""
        for request in self._waiting.values():
            if request.out_of_band:
                continue
            if request.sent_at is not None or now - request.checked_at <= QUEUED_GRACE_S:
                return request
        return None

    def answer(self, response: ResponseState, out_of_band: bool | None) -> Request | None:
        """Pair ``response`` (just created) with the oldest sent request of its kind.

        ``out_of_band`` is ``None`` when the response did not say which kind it is;
        then the oldest sent request of either kind answers, and decides.
        """
        best: Request | None = None
        for request in self._waiting.values():
            if request.sent_at is None:
                continue
            if out_of_band is not None and request.out_of_band != out_of_band:
                continue
            if best is None:
                best = request
            if request.metadata is not None and request.metadata == response.metadata:
                best = request
                break
        if best is None:
            return None
        del self._waiting[best.event_id]
        self._paired[best.event_id] = response
        if len(self._paired) > PAIRED_MEMORY:
            self._paired.popitem(last=False)
        return best

    def refused(self, event_id: str) -> ResponseState | None:
        """The request ``event_id`` was refused by an error: forget it. Returns the response
        it had been paired with, if any (which it therefore did not cause)."""
        self._waiting.pop(event_id, None)
        return self._paired.pop(event_id, None)

    def clear(self) -> None:
        """Forget every request (a new session answers none of the old one's)."""
        self._waiting.clear()
        self._paired.clear()

    def __len__(self) -> int:
        return len(self._waiting)
