"""How each event changes a conversation: the server's events, and the client's once sent.

:class:`ConversationEvents` holds the state of a
:class:`~realtime_nb.state.conversation.Conversation` (items, their order,
responses, requests, the input buffer, voice turns) and the one table that maps
each event type to the method that applies it. The public face (reading the
state, refusing a ``response.create``, exporting) is the ``Conversation`` built on it.

Every method here accepts any order of events: an unknown item or response is
made on the spot (counted in :attr:`ConversationEvents.orphans`), ``.done``
values win over deltas, and nothing raises for a well-formed event.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from msgspec import UNSET

from ..wire.reprs import DEFAULT_AUDIO_FORMAT
from ..wire.server_events import SERVER_EVENT_TYPES
from .input_audio import InputBuffer
from .items import Item, Part, format_of
from .observer import Observer
from .order import ItemOrder
from .responses import Request, Requests, ResponseState

if TYPE_CHECKING:
    from ..wire.base import ClientEvent

__all__ = ["ConversationEvents", "out_of_band"]

logger = logging.getLogger("realtime_nb.conversation")

_PART_KINDS = {"text": "output_text", "audio": "output_audio"}  # response.content_part.*


def out_of_band(params: Any) -> bool:
    """Whether ``response.create``'s parameters ask for an out-of-band response.

    >>> from realtime_nb import create_response
    >>> out_of_band(create_response(conversation="none").response)
    True
    """
    return getattr(params, "conversation", UNSET) == "none"


class ConversationEvents(Observer):
    """The state of a conversation and how events change it (see the module's docstring).

    Args:
        clock: a monotonic clock in seconds, for response timings.
        keep_audio: keep audio bytes for the items' audio (``False`` counts them only).

    Attributes:
        input: the input audio buffer, as the client's appends and the server's
            commits tell it.
        orphans: events that named an item not seen before (kept in a placeholder).
        expired: the service ended the session at its maximum duration
            (``session_expired``); cleared by the next ``session.created``.
        archived: the items of earlier sessions of this connection (a reconnect
            opens a new, empty conversation on the server), oldest first.
        session_id: the id of the current server session.
    """

    # One table: each server event type and the method that applies it.
    _RECEIVED: ClassVar[dict[str, str]] = {
        "session.created": "_on_session_created",
        "session.updated": "_on_session_updated",
        "error": "_on_error",
        "conversation.item.added": "_on_item",
        "conversation.item.created": "_on_item",
        "conversation.item.done": "_on_item",
        "conversation.item.retrieved": "_on_item_retrieved",
        "conversation.item.truncated": "_on_item_truncated",
        "conversation.item.deleted": "_on_item_deleted",
        "conversation.item.input_audio_transcription.delta": "_on_input_transcript_delta",
        "conversation.item.input_audio_transcription.completed": "_on_input_transcript_done",
        "conversation.item.input_audio_transcription.failed": "_on_input_transcript_failed",
        "input_audio_buffer.committed": "_on_committed",
        "input_audio_buffer.cleared": "_on_cleared",
        "input_audio_buffer.speech_started": "_on_speech_started",
        "input_audio_buffer.speech_stopped": "_on_speech_stopped",
        "input_audio_buffer.timeout_triggered": "_on_timeout_triggered",
        "response.created": "_on_response_created",
        "response.done": "_on_response_done",
        "response.output_item.added": "_on_output_item",
        "response.output_item.done": "_on_output_item",
        "response.content_part.added": "_on_part_added",
        "response.content_part.done": "_on_part_done",
        "response.output_text.delta": "_on_text_delta",
        "response.output_text.done": "_on_text_done",
        "response.output_audio.delta": "_on_audio_delta",
        "response.output_audio_transcript.delta": "_on_transcript_delta",
        "response.output_audio_transcript.done": "_on_transcript_done",
        "response.function_call_arguments.delta": "_on_arguments_delta",
        "response.function_call_arguments.done": "_on_arguments_done",
    }
    # And each client event type whose sending changes the state.
    _SENT: ClassVar[dict[str, str]] = {
        "response.create": "_sent_response",
        "input_audio_buffer.append": "_sent_audio",
        "conversation.item.create": "_sent_item",
    }

    def __init__(self, *, clock: Callable[[], float] = time.perf_counter,
                 keep_audio: bool = True) -> None:
        self.keep_audio = keep_audio
        self._clock = clock
        self._items: dict[str, Item] = {}
        self._outputs: dict[str, Item] = {}  # function_call_output items by call_id
        self._order = ItemOrder()
        self._responses: dict[str, ResponseState] = {}
        self._in_progress: dict[str, ResponseState] = {}  # in-band, created, not done
        self._requests = Requests()
        self._output_format = DEFAULT_AUDIO_FORMAT
        self._expires_at: int | None = None
        self.input = InputBuffer(keep_audio=keep_audio)
        self.orphans = 0
        self.expired = False
        self.archived: list[list[Item]] = []
        self.session_id: str | None = None
        self._sessions = 0
        self._received = {SERVER_EVENT_TYPES[kind]: getattr(self, name)
                          for kind, name in self._RECEIVED.items()}
        self._sent = {kind: getattr(self, name) for kind, name in self._SENT.items()}

    @property
    def items(self) -> list[Item]:
        """The items of the conversation, in the server's order."""
        items = self._items
        return [items[item_id] for item_id in self._order.ids]

    def received(self, event: Any) -> None:
        """Apply a typed server event (the session calls this for every event)."""
        handler = self._received.get(type(event))
        if handler is not None:
            handler(event)

    def sent(self, event: ClientEvent) -> None:
        """Note a client event that was written (appended audio, a response asked for...)."""
        handler = self._sent.get(event.type)
        if handler is not None:
            handler(event)

    # -- placing items -----------------------------------------------------------------------

    def _item(self, item_id: str, *, orphan: bool = False, type: str = "",
              role: str | None = None) -> Item:
        """The item ``item_id``, made if unseen (a placeholder, counted, if ``orphan``)."""
        item = self._items.get(item_id)
        if item is None:
            item = self._items[item_id] = Item(item_id, type, placeholder=orphan,
                                               outputs=self._outputs)
            item.role = role
            self.orphans += orphan
        return item

    def _take_item(self, wire: Any, response: ResponseState | None = None) -> Item | None:
        """Merge a wire item into its record (``None`` for an item without an id)."""
        item_id = getattr(wire, "id", UNSET)
        if not isinstance(item_id, str):
            return None
        item = self._item(item_id)
        if response is not None:
            self._link(item, response)
        role = getattr(wire, "role", None)
        audio_format = self.input.audio_format if role == "user" else self._format(item)
        item.update(wire, audio_format)
        return item

    def _link(self, item: Item, response: ResponseState) -> None:
        """``item`` is ``response``'s output: in-band output belongs in the conversation."""
        item.response, item.response_id = response, response.id
        response.note_output(item.id)
        if not response.out_of_band:
            self._order.place(item.id, UNSET, by_server=False)

    def _format(self, item: Item) -> str:
        """The audio format of an item's output: its response's, else the session's."""
        response = item.response
        fmt = response.audio_format if response is not None else None
        return fmt or self._output_format

    def _output_of(self, event: Any, type: str = "message") -> Item:
        """The item a response event names (a placeholder if unseen), linked to its response."""
        item = self._items.get(event.item_id)
        if item is None:
            item = self._item(event.item_id, orphan=True, type=type,
                              role="assistant" if type == "message" else None)
        if item.response is None:
            response = self._responses.get(event.response_id)
            if response is not None:
                self._link(item, response)
            else:
                item.response_id = event.response_id
        return item

    def _started(self, item: Item, audio: bool = False) -> None:
        """A delta of ``item``'s response arrived: note the first ones' times."""
        response = item.response
        if response is None:
            return
        if response.first_delta_at is None:
            response.first_delta_at = self._clock()
        if audio and response.first_audio_at is None:
            response.first_audio_at = self._clock()

    # -- server events: session --------------------------------------------------------------

    def _on_session_created(self, event: Any) -> None:
        if self._sessions:
            self._new_session()
        self._sessions += 1
        self.expired = False
        self._on_session_updated(event)

    def _new_session(self) -> None:
        """A new server session (after a reconnect): its conversation starts empty."""
        if self._order:
            self.archived.append(self.items)
        self._order.clear()
        self._in_progress.clear()
        self._requests.clear()
        self.input.reset()

    def _on_session_updated(self, event: Any) -> None:
        session = event.session
        audio = getattr(session, "audio", UNSET)
        heard = getattr(audio, "input", UNSET)
        fmt = format_of(getattr(heard, "format", None))
        if fmt is not None:
            self.input.audio_format = fmt
        turns = getattr(heard, "turn_detection", UNSET)
        if turns is not UNSET:
            self.input.vad = turns is not None
        fmt = format_of(getattr(getattr(audio, "output", UNSET), "format", None))
        if fmt is not None:
            self._output_format = fmt
        expires = getattr(session, "expires_at", UNSET)
        if isinstance(expires, int):
            self._expires_at = expires
        session_id = getattr(session, "id", UNSET)
        if isinstance(session_id, str):
            self.session_id = session_id

    def _on_error(self, event: Any) -> None:
        error = event.error
        if error.code == "session_expired":
            self.expired = True
            logger.warning("The session expired: %s With connect(reconnect=True) a new session "
                           "opens with the same configuration and this conversation's text "
                           "items.", error.message)
        cause = error.event_id
        if isinstance(cause, str):
            # A refused response.create: if a response the server started on its own was
            # taken for its answer, that response was not asked for.
            paired = self._requests.refused(cause)
            if paired is not None:
                paired.requested_at = paired.request_event_id = None

    # -- server events: items ----------------------------------------------------------------

    def _on_item(self, event: Any) -> None:
        item = self._take_item(event.item)
        if item is not None:
            self._order.place(item.id, event.previous_item_id, by_server=True)

    def _on_item_retrieved(self, event: Any) -> None:
        item = self._take_item(event.item)
        if item is not None:
            self._order.place(item.id, UNSET, by_server=False)

    def _on_item_truncated(self, event: Any) -> None:
        item = self._item(event.item_id, orphan=event.item_id not in self._items,
                          type="message", role="assistant")
        item.part(event.content_index, "output_audio").truncate(event.audio_end_ms)

    def _on_item_deleted(self, event: Any) -> None:
        item_id = event.item_id
        self._order.delete(item_id)
        item = self._items.get(item_id)
        if item is not None:
            item.deleted = True

    def _input_part(self, event: Any) -> Part:
        item = self._item(event.item_id, orphan=event.item_id not in self._items,
                          type="message", role="user")
        index = event.content_index
        return item.part(index if isinstance(index, int) else 0, "input_audio")

    def _on_input_transcript_delta(self, event: Any) -> None:
        part = self._input_part(event)
        if isinstance(event.delta, str) and part.final_transcript is None:
            part.transcript_chunks.append(event.delta)

    def _on_input_transcript_done(self, event: Any) -> None:
        self._input_part(event).set_transcript(event.transcript)

    def _on_input_transcript_failed(self, event: Any) -> None:
        self._input_part(event)
        self._items[event.item_id].transcription_error = event.error

    # -- server events: the input buffer -----------------------------------------------------

    def _on_committed(self, event: Any) -> None:
        chunks, start_ms, end_ms = self.input.commit(event.item_id)
        if not chunks:
            return
        part = self._item(event.item_id, type="message", role="user").part(0, "input_audio")
        if not part.audio_chunks:
            part.audio_chunks = list(chunks)
            part.audio_bytes = sum(len(chunk) for chunk in chunks)
            part.audio_format = self.input.audio_format
            part.start_ms, part.end_ms = start_ms, end_ms

    def _on_cleared(self, event: Any) -> None:
        self.input.clear()

    def _on_speech_started(self, event: Any) -> None:
        self.input.speech_started(event.item_id, event.audio_start_ms)

    def _on_speech_stopped(self, event: Any) -> None:
        self.input.speech_stopped(event.item_id, event.audio_end_ms)

    def _on_timeout_triggered(self, event: Any) -> None:
        self.input.timed_out(event.item_id, event.audio_start_ms, event.audio_end_ms)

    # -- server events: responses ------------------------------------------------------------

    def _response(self, wire: Any) -> ResponseState | None:
        response_id = wire.id
        if not isinstance(response_id, str):
            return None
        response = self._responses.get(response_id)
        if response is None:
            response = self._responses[response_id] = ResponseState(response_id)
        conversation_id = wire.conversation_id
        if conversation_id is not UNSET:
            response.out_of_band = conversation_id is None
        fmt = format_of(getattr(getattr(wire.audio, "output", UNSET), "format", None))
        if fmt is not None:
            response.audio_format = fmt
        response.take(wire)
        return response

    def _on_response_created(self, event: Any) -> None:
        response = self._response(event.response)
        if response is None:
            return
        if response.created_at is None:
            response.created_at = self._clock()
        if response.request_event_id is None:
            said = event.response.conversation_id
            request = self._requests.answer(
                response, None if said is UNSET else response.out_of_band)
            if request is not None:
                response.requested_at = request.sent_at
                response.request_event_id = request.event_id
                if said is UNSET:
                    response.out_of_band = request.out_of_band
        if not response.done and not response.out_of_band:
            self._in_progress[response.id] = response

    def _on_response_done(self, event: Any) -> None:
        response = self._response(event.response)
        if response is None:
            return
        response.finish(event.response, self._clock())
        self._in_progress.pop(response.id, None)
        output = event.response.output
        for wire in output if output is not UNSET else ():
            self._take_item(wire, response)

    def _on_output_item(self, event: Any) -> None:
        response = self._responses.get(event.response_id)
        item = self._take_item(event.item, response)
        if item is not None and response is None:
            item.response_id = event.response_id

    def _on_part_added(self, event: Any) -> None:
        kind = _PART_KINDS.get(event.part.type, "")
        self._output_of(event).part(event.content_index, kind)

    def _on_part_done(self, event: Any) -> None:
        info = event.part
        part = self._output_of(event).part(event.content_index,
                                           _PART_KINDS.get(info.type, ""))
        part.set_text(info.text)
        part.set_transcript(info.transcript)

    def _on_text_delta(self, event: Any) -> None:
        item = self._items.get(event.item_id)
        if item is None or item.response is None:
            item = self._output_of(event)
        part = item.part(event.content_index, "output_text")
        if part.final_text is None:
            part.text_chunks.append(event.delta)
        self._started(item)

    def _on_text_done(self, event: Any) -> None:
        self._output_of(event).part(event.content_index, "output_text").set_text(event.text)

    def _on_audio_delta(self, event: Any) -> None:
        # The hot path: most events of a spoken response are these.
        item = self._items.get(event.item_id)
        if item is None or item.response is None:
            item = self._output_of(event)
        part = item.part(event.content_index, "output_audio")
        delta = event.delta
        if not part.audio_bytes:
            part.audio_format = self._format(item)
        if self.keep_audio:
            part.audio_chunks.append(delta)
        part.audio_bytes += len(delta) // 4 * 3 - delta[-2:].count("=")
        response = item.response
        if response is not None and response.first_audio_at is None:
            self._started(item, audio=True)

    def _on_transcript_delta(self, event: Any) -> None:
        item = self._items.get(event.item_id)
        if item is None or item.response is None:
            item = self._output_of(event)
        part = item.part(event.content_index, "output_audio")
        if part.final_transcript is None and not part.truncated:
            part.transcript_chunks.append(event.delta)
        self._started(item)

    def _on_transcript_done(self, event: Any) -> None:
        part = self._output_of(event).part(event.content_index, "output_audio")
        part.set_transcript(event.transcript)

    def _on_arguments_delta(self, event: Any) -> None:
        item = self._output_of(event, "function_call")
        if item.call_id is None:
            item.call_id = event.call_id
        if item.final_arguments is None:
            item.arguments_chunks.append(event.delta)
        self._started(item)

    def _on_arguments_done(self, event: Any) -> None:
        item = self._output_of(event, "function_call")
        item.call_id = event.call_id
        item.final_arguments = event.arguments
        if isinstance(event.name, str):
            item.name = event.name

    # -- client events -----------------------------------------------------------------------

    def _request(self, event: Any) -> Request:
        params = getattr(event, "response", None)
        metadata = getattr(params, "metadata", None)
        return Request(event.event_id or f"#{id(event)}", out_of_band(params), self._clock(),
                       metadata=metadata if isinstance(metadata, dict) else None)

    def _sent_response(self, event: Any) -> None:
        request = self._request(event)
        self._requests.sent(request, request.checked_at)

    def _sent_audio(self, event: Any) -> None:
        self.input.append(event.audio)

    def _sent_item(self, event: Any) -> None:
        item_id = getattr(event.item, "id", UNSET)
        if isinstance(item_id, str):
            self._order.allow(item_id)  # a new item may take a deleted one's id
            if item_id in self._items:
                self._items[item_id].deleted = False
