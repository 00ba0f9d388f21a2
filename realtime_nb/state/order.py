"""The order of a conversation's items, from the server's ``previous_item_id``.

The server says where each item goes: after ``previous_item_id``, first for
``None`` (or ``"root"``), last when it names none. :class:`ItemOrder` keeps that
order whatever order the events come in: an item placed after one not seen yet
waits at the end, and moves behind it when it arrives (with whatever follows
it); a deleted item leaves and stays out, even if a late event names it again.
A guess (a response's output, before the event that places it) only adds an
item not placed yet; the server's placement, when it comes, wins.

>>> order = ItemOrder()
>>> order.place("b", "a", by_server=True)   # after "a", not seen yet
>>> order.place("a", None, by_server=True)  # first
>>> order.place("c", "a", by_server=True)   # right after "a", before "b"
>>> order.ids
['a', 'c', 'b']
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from msgspec import UNSET

__all__ = ["ItemOrder"]


class ItemOrder:
    """Item ids in conversation order (see the module's docstring)."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self._placed: dict[str, bool] = {}  # in ids; True once the server placed it
        self._followers: dict[str, list[str]] = {}  # previous_item_id -> items said to follow
        self._deleted: set[str] = set()

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._placed

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def place(self, item_id: str, previous: Any, *, by_server: bool) -> None:
        """Put ``item_id`` after ``previous`` (``UNSET``: last; ``None``/``"root"``: first).

        ``by_server``: the server said so (an item event); otherwise a guess, made
        only for an item not placed yet.
        """
        if item_id in self._deleted:
            return
        placed, ids = self._placed, self.ids
        known = placed.get(item_id)
        if known is not None:
            if known or not by_server:
                return
            ids.remove(item_id)
        placed[item_id] = by_server
        if previous is UNSET:
            ids.append(item_id)
        elif previous is None or previous == "root":
            ids.insert(0, item_id)
        else:
            if by_server:
                self._followers.setdefault(previous, []).append(item_id)
            if previous in placed:
                ids.insert(ids.index(previous) + 1, item_id)
            else:  # after an item not seen yet: last, until it comes
                ids.append(item_id)
        self._pull(item_id)

    def _pull(self, anchor: str) -> None:
        """Move the items said to follow ``anchor`` (and theirs) right behind it, each
        inserted right after it in the order they came, as the server inserts them."""
        ids, placed = self.ids, self._placed
        moved = {anchor}
        stack = [anchor]
        while stack:
            current = stack.pop()
            for follower in self._followers.get(current, ()):
                if follower in placed and follower not in moved:
                    moved.add(follower)
                    ids.remove(follower)
                    ids.insert(ids.index(current) + 1, follower)
                    stack.append(follower)

    def delete(self, item_id: str) -> None:
        """The item was deleted: it leaves, and no late event brings it back."""
        self._deleted.add(item_id)
        if self._placed.pop(item_id, None) is not None:
            self.ids.remove(item_id)

    def allow(self, item_id: str) -> None:
        """A new item may take this (deleted) id: the client is creating one with it."""
        self._deleted.discard(item_id)

    def clear(self) -> None:
        """Forget everything (a new session's conversation starts empty)."""
        self.ids.clear()
        self._placed.clear()
        self._followers.clear()
        self._deleted.clear()
