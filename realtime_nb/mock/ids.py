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

__all__ = ["IdFactory", "ID_LENGTH", "Obfuscator", "OBFUSCATION_MAX_CHARS"]

ID_LENGTH = 21
"""Characters after the prefix, as in ``event_BZDHRHBH5qzMpSabLatIn``."""

_ALPHABET = string.ascii_letters + string.digits


_HEAD = 8
_TAIL = ID_LENGTH - _HEAD
# base64 gives 4 characters per 3 random bytes in C; '+' and '/' are mapped onto
# letters because the service's ids are alphanumeric. 256 tails of 13 characters
# are 3,328 characters: 2,496 bytes, a multiple of 3, so there is no padding.
_ALNUM = bytes.maketrans(b"+/", b"Zz")
_BATCH = 256
_BATCH_BYTES = _TAIL * _BATCH * 3 // 4


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
        self._tails: list[str] = []

    def new(self, prefix: str) -> str:
        """A fresh id such as ``item_Abc…`` (the prefix, ``_``, 21 characters)."""
        if not self._tails:
            self._refill()
        return f"{prefix}_{self._head}{self._tails.pop()}"

    def _refill(self) -> None:
        # One C call makes a batch of tails: the cost per id is a list pop.
        text = base64.b64encode(self._random.randbytes(_BATCH_BYTES)).translate(_ALNUM)
        tails = [text[i:i + _TAIL].decode() for i in range(0, _TAIL * _BATCH, _TAIL)]
        tails.reverse()  # popped from the end, so ids come out in generated order
        self._tails = tails


OBFUSCATION_MAX_CHARS = 16
"""Longest ``obfuscation`` string the mock pads a delta with."""


class Obfuscator:
    """Makes the ``obfuscation`` strings of deltas: random letters and digits, of random length.

    The service pads every text, audio-transcript and input-transcription delta with
    one, so a frame's length does not give away the length of the words in it
    (protocol.md §5 (c)). A client has no use for the value, but a tape, a log or a
    size-sensitive client sees it, so the mock sends it too. Seeded like
    :class:`IdFactory`, the strings repeat from run to run; they come from a random
    stream of their own, so they never change which ids a seed gives.

    >>> first = Obfuscator(seed=7).new()
    >>> first == Obfuscator(seed=7).new() and len(first) <= OBFUSCATION_MAX_CHARS
    True
    >>> first.isalnum() or first == ""
    True
    """

    def __init__(self, seed: int | None = None, max_chars: int = OBFUSCATION_MAX_CHARS) -> None:
        self._random = random.Random(None if seed is None else f"obfuscation-{seed}")
        self._max = max_chars

    def new(self) -> str:
        """A fresh padding string (0 to ``max_chars`` characters)."""
        draw = self._random
        return "".join(draw.choices(_ALPHABET, k=draw.randint(0, self._max)))
