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

import random
import string

__all__ = ["IdFactory", "ID_LENGTH"]

ID_LENGTH = 21
"""Characters after the prefix, as in ``event_BZDHRHBH5qzMpSabLatIn``."""

_ALPHABET = string.ascii_letters + string.digits


_HEAD = 8
_TAIL = ID_LENGTH - _HEAD
_SPACE = 62**_TAIL
_STRIDE = 0x9E3779B97F4A7C15 % _SPACE | 1  # odd and large: consecutive counts look unrelated


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, digit = divmod(number, 62)
        digits.append(_ALPHABET[digit])
    return "".join(digits)


class IdFactory:
    """Makes ids with a prefix; deterministic when given a seed.

    Like the service's ids, those of one session share their first characters.
    The rest is a counter scrambled by a multiplication modulo ``62**13``, which is
    a bijection: ids never repeat within a session (until 62**13 of them), and
    making one costs a few arithmetic operations, not a call to the PRNG per
    character (the mock makes one per server event).

    Args:
        seed: ``None`` for random ids, or an int for a repeatable sequence.
    """

    def __init__(self, seed: int | None = None) -> None:
        rng = random.Random(seed)
        self._head = "".join(rng.choices(_ALPHABET, k=_HEAD))
        self._count = rng.randrange(_SPACE)

    def new(self, prefix: str) -> str:
        """A fresh id such as ``item_Abc…`` (the prefix, ``_``, 21 characters)."""
        self._count += 1
        return f"{prefix}_{self._head}{_base62(self._count * _STRIDE % _SPACE, _TAIL)}"
