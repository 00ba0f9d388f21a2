"""The client events: one class per ``type`` the client may send.

These classes are the one place that knows each client event's fields; the
builders in :mod:`realtime_nb.builders` fill them, the codec decodes into them,
and a form generator can walk them with :func:`msgspec.structs.fields`.

Each class also says which server event answers it (``replies``, in GA names;
beta events are parsed into their GA twins) and how to recognise its own
answer among others of that type (:meth:`ClientEvent.answered_by`), so that a
sender can wait for "the reply to this event" without a table of its own.

The beta dialect has the same eleven types; its ``transcription_session.update``
is :class:`SessionUpdate` holding a :class:`~realtime_nb.wire.TranscriptionSession`.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from msgspec import UNSET, Meta, UnsetType

from .base import ClientEvent, ServerEvent
from .items import Item
from .response import ResponseParams
from .session import AnySession

__all__ = [
    "SessionUpdate",
    "InputAudioBufferAppend",
    "InputAudioBufferClear",
    "InputAudioBufferCommit",
    "OutputAudioBufferClear",
    "ConversationItemCreate",
    "ConversationItemDelete",
    "ConversationItemRetrieve",
    "ConversationItemTruncate",
    "ResponseCreate",
    "ResponseCancel",
    "AnyClientEvent",
    "CLIENT_EVENT_TYPES",
]

_Id = Annotated[str, Meta(min_length=1)]


class SessionUpdate(ClientEvent, frozen=True, kw_only=True, tag="session.update"):
    """Change the session; the server answers ``session.updated`` with the full config."""

    replies: ClassVar[tuple[str, ...]] = ("session.updated", "transcription_session.updated")

    session: AnySession


class InputAudioBufferAppend(ClientEvent, frozen=True, kw_only=True,
                             tag="input_audio_buffer.append"):
    """Add audio (in the session's input format) to the input buffer; no reply.

    ``audio`` holds the raw bytes; msgspec writes them as the base64 text the
    wire carries, and decoding checks the base64 for free.
    """

    audio: bytes


class InputAudioBufferClear(ClientEvent, frozen=True, kw_only=True,
                            tag="input_audio_buffer.clear"):
    """Discard the input buffer; the server answers ``input_audio_buffer.cleared``."""

    replies: ClassVar[tuple[str, ...]] = ("input_audio_buffer.cleared",)


class InputAudioBufferCommit(ClientEvent, frozen=True, kw_only=True,
                             tag="input_audio_buffer.commit"):
    """Turn the buffered audio (at least 100 ms) into a user item; no response starts."""

    replies: ClassVar[tuple[str, ...]] = ("input_audio_buffer.committed",)


class OutputAudioBufferClear(ClientEvent, frozen=True, kw_only=True,
                             tag="output_audio_buffer.clear"):
    """Stop the audio being played out (WebRTC/SIP); send ``response.cancel`` first."""

    replies: ClassVar[tuple[str, ...]] = ("output_audio_buffer.cleared",)


class ConversationItemCreate(ClientEvent, frozen=True, kw_only=True,
                             tag="conversation.item.create"):
    """Add an item; after ``previous_item_id`` (``"root"`` = at the start) or at the end."""

    replies: ClassVar[tuple[str, ...]] = ("conversation.item.added", "conversation.item.created")

    def answered_by(self, event: ServerEvent) -> bool:
        """The item added is this one: same id if the client chose one, else same kind.

        Without a client-chosen id, the first added item of the same type and role
        is taken: a server-side item (from voice activity) could be mistaken for it
        only if it had the same role and arrived first.
        """
        if event.type not in self.replies:
            return False
        added: Any = getattr(event, "item", None)
        mine: Any = self.item
        my_id = getattr(mine, "id", UNSET)
        if my_id is not UNSET:
            return bool(getattr(added, "id", None) == my_id)
        return bool(type(added) is type(mine)
                    and getattr(added, "role", None) == getattr(mine, "role", None))

    item: Item
    previous_item_id: _Id | None | UnsetType = UNSET


class ConversationItemDelete(ClientEvent, frozen=True, kw_only=True,
                             tag="conversation.item.delete"):
    """Remove an item; the server answers ``conversation.item.deleted``."""

    replies: ClassVar[tuple[str, ...]] = ("conversation.item.deleted",)

    def answered_by(self, event: ServerEvent) -> bool:
        """The reply names this event's item."""
        return event.type in self.replies and getattr(event, "item_id", None) == self.item_id

    item_id: _Id


class ConversationItemRetrieve(ClientEvent, frozen=True, kw_only=True,
                               tag="conversation.item.retrieve"):
    """Ask for the server's copy of an item, audio included."""

    replies: ClassVar[tuple[str, ...]] = ("conversation.item.retrieved",)

    def answered_by(self, event: ServerEvent) -> bool:
        """The item retrieved is this event's item."""
        item: Any = getattr(event, "item", None)
        return event.type in self.replies and getattr(item, "id", None) == self.item_id

    item_id: _Id


class ConversationItemTruncate(ClientEvent, frozen=True, kw_only=True,
                               tag="conversation.item.truncate"):
    """Cut an assistant audio item at what the listener heard (``audio_end_ms``, inclusive).

    The server also drops the transcript, so the model's memory matches what was heard.
    """

    replies: ClassVar[tuple[str, ...]] = ("conversation.item.truncated",)

    def answered_by(self, event: ServerEvent) -> bool:
        """The reply names this event's item."""
        return event.type in self.replies and getattr(event, "item_id", None) == self.item_id

    item_id: _Id
    content_index: Annotated[int, Meta(ge=0)]
    audio_end_ms: Annotated[int, Meta(ge=0)]


class ResponseCreate(ClientEvent, frozen=True, kw_only=True, tag="response.create"):
    """Ask the model to respond, optionally overriding session settings for this response."""

    replies: ClassVar[tuple[str, ...]] = ("response.created",)

    response: ResponseParams | UnsetType = UNSET


class ResponseCancel(ClientEvent, frozen=True, kw_only=True, tag="response.cancel"):
    """Cancel a response (by default the active one); it ends with status ``cancelled``."""

    replies: ClassVar[tuple[str, ...]] = ("response.done",)

    def answered_by(self, event: ServerEvent) -> bool:
        """A cancelled ``response.done``, for the named response if one was named."""
        response: Any = getattr(event, "response", None)
        if event.type not in self.replies or getattr(response, "status", None) != "cancelled":
            return False
        return self.response_id is UNSET or getattr(response, "id", None) == self.response_id

    response_id: _Id | UnsetType = UNSET


AnyClientEvent = (
    SessionUpdate
    | InputAudioBufferAppend
    | InputAudioBufferClear
    | InputAudioBufferCommit
    | OutputAudioBufferClear
    | ConversationItemCreate
    | ConversationItemDelete
    | ConversationItemRetrieve
    | ConversationItemTruncate
    | ResponseCreate
    | ResponseCancel
)
"""Every client event, told apart by ``type``."""

CLIENT_EVENT_TYPES: dict[str, type[ClientEvent]] = {
    cls.__struct_config__.tag: cls
    for cls in AnyClientEvent.__args__
}
"""Client event classes by their GA ``type``."""
