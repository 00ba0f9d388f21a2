"""Server-side ids shaped like the real service's (``event_…``, ``item_…``, ``resp_…``).

The real service uses a prefix and 21 base-62 characters. With a seed the ids
repeat from run to run, which lets notebooks and tests compare outputs; without
one they are random, as on the real service.

>>> ids = IdFactory(seed=7)
>>> ids.new("item") == IdFactory(seed=7).new("item")
True
>>> len(ids.new("event"))
27
"""

from __future__ import annotations

import base64
import random
import string

__all__ = ["IdFactory", "ID_LENGTH"]

ID_LENGTH = 21
"""Characters after the prefix, as in ``event_BZDHRHBH5qzMpSabLatIn``."""

_ALPHABET = string.ascii_letters + string.digits


_HEAD = 8
_TAIL = ID_LENGTH - _HEAD
# base64 gives 4 characters per 3 random bytes in C; '+' and '/' are mapped onto
# letters because the service's ids are alphanumeric.
_TAIL_BYTES = (_TAIL * 3 + 3) // 4
_ALNUM = bytes.maketrans(b"+/", b"Zz")


class IdFactory:
    """Makes ids with a prefix; deterministic when given a seed.

    Like the service's ids, those of one session share their first characters;
    the other 13 are random (about 77 bits, so they do not repeat in practice).
    The mock makes one per server event, so this is a few C calls rather than a
    Python loop per character.

    Args:
        seed: ``None`` for random ids, or an int for a repeatable sequence.
    """

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed)
        self._head = "".join(self._random.choices(_ALPHABET, k=_HEAD))

    def new(self, prefix: str) -> str:
        """A fresh id such as ``item_Abc…`` (the prefix, ``_``, 21 characters)."""
        tail = base64.b64encode(self._random.randbytes(_TAIL_BYTES)).translate(_ALNUM)
        return f"{prefix}_{self._head}{tail[:_TAIL].decode()}"
