"""The server-side conversation: an ordered list of items, as the service keeps it.

Items are stored whole (audio included, as base64 in the session's format) so
``conversation.item.retrieved`` can return them; :func:`server_view` gives the
form the service sends everywhere else, without audio bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import msgspec

from ..wire import (
    UNSET,
    ConversationItemAdded,
    ConversationItemCreated,
    ConversationItemDone,
    Dialect,
    InputAudio,
    Item,
    Message,
    OutputAudio,
    ServerEvent,
    UnsetType,
)
from .service_errors import Refusal, unknown_item

__all__ = ["Conversation", "server_view", "item_added", "item_finished", "MAX_ITEMS",
           "MAX_BYTES"]

MAX_ITEMS = 4096
"""Items one conversation holds before the oldest are dropped.

The real service truncates old context too (``truncation: "auto"``); the cap
keeps a long-running or hostile session's memory bounded.
"""

_encoder = msgspec.json.Encoder()

MAX_BYTES = 128 * 1024 * 1024
"""Size (as JSON) of the items one conversation holds before the oldest are dropped.

With :data:`MAX_ITEMS` this bounds a session's memory whatever its items hold
(each audio turn can carry up to 10 minutes of audio).
"""


def server_view(item: Item) -> Item:
    """``item`` without audio bytes: what ``conversation.item.added/done`` and
    ``response.done`` carry. A user audio part with no transcript reports ``null``."""
    if not isinstance(item, Message):
        return item
    if not any(isinstance(part, (InputAudio, OutputAudio)) for part in item.content):
        return item
    content = []
    for part in item.content:
        if isinstance(part, (InputAudio, OutputAudio)):
            transcript = part.transcript
            if isinstance(part, InputAudio) and transcript is UNSET:
                transcript = None
            part = type(part)(transcript=transcript)
        content.append(part)
    return msgspec.structs.replace(item, content=content)


def item_added(item: Item, previous_item_id: str | None, dialect: Dialect) -> ServerEvent:
    """The event announcing an item: GA ``conversation.item.added``, beta ``.created``."""
    view = server_view(item)
    if dialect == "beta":
        return ConversationItemCreated(item=view, previous_item_id=previous_item_id)
    return ConversationItemAdded(item=view, previous_item_id=previous_item_id)


def item_finished(item: Item, previous_item_id: str | None,
                  dialect: Dialect) -> ServerEvent | None:
    """GA's ``conversation.item.done`` for a finished item; beta has no such event."""
    if dialect == "beta":
        return None
    return ConversationItemDone(item=server_view(item), previous_item_id=previous_item_id)


class Conversation:
    """The default conversation of one session.

    >>> from realtime_nb import user_text
    >>> conversation = Conversation("conv_1")
    >>> conversation.insert(msgspec.structs.replace(user_text("hi"), id="item_1"))
    >>> conversation.last_id
    'item_1'
    """

    def __init__(self, conversation_id: str) -> None:
        self.id = conversation_id
        self._order: list[str] = []
        self._items: dict[str, Item] = {}
        self._live: dict[str, Callable[[], Item]] = {}
        self._sizes: dict[str, int] = {}
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._items

    def __iter__(self) -> Iterator[Item]:
        return (self._current(item_id) for item_id in self._order)

    def _current(self, item_id: str) -> Item:
        live = self._live.get(item_id)
        return live() if live is not None else self._items[item_id]

    def set_live(self, item_id: str, current: Callable[[], Item] | None) -> None:
        """Let ``current()`` give the item while a response is still generating it.

        Building the item (base64 of all audio so far) only when someone looks at
        it keeps streaming cheap; ``None`` ends it (the final item is then stored).
        """
        if current is None:
            self._live.pop(item_id, None)
        elif item_id in self._items:
            self._live[item_id] = current

    @property
    def last_id(self) -> str | None:
        """The id of the last item, or ``None`` when the conversation is empty."""
        return self._order[-1] if self._order else None

    def previous_id(self, item_id: str) -> str | None:
        """The id of the item before ``item_id`` (``None`` for the first)."""
        index = self._order.index(item_id)
        return self._order[index - 1] if index else None

    def get(self, item_id: str, param: str = "item_id") -> Item:
        """The stored item.

        Raises:
            Refusal: no such item.
        """
        if item_id not in self._items:
            raise unknown_item(item_id, param)
        return self._current(item_id)

    def check_position(self, previous_item_id: str | None | UnsetType) -> None:
        """Refuse a ``previous_item_id`` that names no item (``"root"`` is always valid)."""
        if isinstance(previous_item_id, str) and previous_item_id != "root":
            self.get(previous_item_id, "previous_item_id")

    def insert(self, item: Item, previous_item_id: str | None | UnsetType = UNSET) -> None:
        """Add ``item`` (which must have an id) after ``previous_item_id``.

        ``UNSET`` or ``None`` appends at the end; ``"root"`` inserts first.

        Raises:
            Refusal: ``previous_item_id`` names no item.
        """
        self.check_position(previous_item_id)
        item_id = _id_of(item)
        if previous_item_id == "root":
            self._order.insert(0, item_id)
        elif isinstance(previous_item_id, str):
            self._order.insert(self._order.index(previous_item_id) + 1, item_id)
        else:
            self._order.append(item_id)
        self._store(item_id, item)
        while len(self._order) > 1 and (len(self._order) > MAX_ITEMS or self._bytes > MAX_BYTES):
            # The oldest goes, unless it is the item just inserted at the root.
            self._forget(self._order.pop(1 if self._order[0] == item_id else 0))

    def _store(self, item_id: str, item: Item) -> None:
        size = len(_encoder.encode(item))
        self._bytes += size - self._sizes.get(item_id, 0)
        self._sizes[item_id] = size
        self._items[item_id] = item

    def _forget(self, item_id: str) -> None:
        del self._items[item_id]
        self._live.pop(item_id, None)
        self._bytes -= self._sizes.pop(item_id, 0)

    def replace(self, item: Item) -> None:
        """Store a new version of an item already in the conversation (same id)."""
        item_id = _id_of(item)
        if item_id in self._items:
            self._store(item_id, item)

    def delete(self, item_id: str) -> None:
        """Remove an item.

        Raises:
            Refusal: no such item.
        """
        self.get(item_id)
        self._order.remove(item_id)
        self._forget(item_id)


def _id_of(item: Item) -> str:
    item_id = getattr(item, "id", UNSET)
    if not isinstance(item_id, str):
        raise Refusal("Item has no id.", code="invalid_value", param="item.id")
    return item_id
