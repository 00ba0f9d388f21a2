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


class IdFactory:
    """Makes ids with a prefix; deterministic when given a seed.

    Args:
        seed: ``None`` for random ids, or an int for a repeatable sequence.
    """

    def __init__(self, seed: int | None = None) -> None:
        # Ids only need to be unique within a session, not unguessable: a plain
        # PRNG (seeded from the OS when seed is None) keeps this cheap per event.
        self._random = random.Random(seed)

    def new(self, prefix: str) -> str:
        """A fresh id such as ``item_Abc…`` (the prefix, ``_``, 21 characters)."""
        return f"{prefix}_{''.join(self._random.choices(_ALPHABET, k=ID_LENGTH))}"
