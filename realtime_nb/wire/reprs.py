"""Short reprs: payloads summarised, everything else exactly as msgspec shows it.

A second of audio is 64,000 base64 characters, and a notebook cell that ends with
an event prints the event's repr whole. :func:`struct_repr`, the ``__repr__`` of
every wire model and event, renders a struct the way msgspec does
(``ClassName(field=value, ...)``, fields left at their defaults omitted) except
for the values too long to read:

* base64 audio (a long base64 string in a field named ``audio`` or ``delta``):
  ``<base64: 48,000 bytes, 1,000 ms PCM16 24 kHz>``;
* long bytes: ``<48,000 bytes>``, with the duration when the field is ``audio``;
* any other long string: its head and its length, ``'Hello wor…' (12,345 chars)``;
* long lists and dicts: the first items that fit and ``… (N more)``.

Nested models, lists and dicts are rendered by the same rules, so an item inside
an event is summarised too. A value whose plain repr is short is shown exactly as
before, so reprs in docs and notebooks do not change where payloads are small.

>>> from realtime_nb.wire import InputAudio
>>> InputAudio(audio="AAAA")
InputAudio(audio='AAAA')
>>> InputAudio(audio="AAAA" * 16_000, transcript="Hi")
InputAudio(audio=<base64: 48,000 bytes, 1,000 ms PCM16 24 kHz>, transcript='Hi')
>>> from realtime_nb.wire import InputText, Message
>>> repr(Message(role="user", content=[InputText(text="Hi")] * 1000))[-27:]
"(text='Hi'), … (996 more)])"
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import msgspec

__all__ = [
    "LONG",
    "DEFAULT_AUDIO_FORMAT",
    "AUDIO_FORMATS",
    "describe_audio",
    "base64_size",
    "short_repr",
    "struct_repr",
]

LONG = 200
"""A string longer than this (in characters) is summarised, and so are bytes whose repr
would be longer; a list or dict whose repr would be longer is cut."""

_HEAD = 40
"""Characters of a long string that its summary shows: enough to recognise it."""

_CUT = 100
"""Characters that the items shown of a cut list or dict may take (one item at least):
a few items, so that an event with several long lists still fits in a few lines."""

_AUDIO_FIELDS = frozenset({"audio", "delta"})
"""Field (and dict key) names that carry base64 audio: ``audio`` in content parts
and appends, ``delta`` in ``response.output_audio.delta``. Text deltas share the
name; :func:`base64_size` tells them apart (long text has spaces or punctuation)."""

DEFAULT_AUDIO_FORMAT = "audio/pcm"
"""The format assumed where a value does not say: the API's default, PCM16 24 kHz mono."""

AUDIO_FORMATS: dict[str, tuple[int, int, str]] = {
    "audio/pcm": (24_000, 2, "PCM16 24 kHz"),
    "audio/pcmu": (8_000, 1, "G.711 µ-law 8 kHz"),
    "audio/pcma": (8_000, 1, "G.711 A-law 8 kHz"),
}
"""Each GA audio format type: (samples per second, bytes per sample, name). Always mono."""

_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")

_MSGSPEC_REPR: object = msgspec.Struct.__repr__


class _FactoryProbe(msgspec.Struct):
    items: list[Any] = []


# msgspec keeps a mutable default as a factory object of a private type; a field whose
# value is an empty list, dict or set made by such a factory counts as default.
_FACTORY = type(_FactoryProbe.__struct_defaults__[0])


def describe_audio(size: int, audio_format: str = DEFAULT_AUDIO_FORMAT) -> str:
    """The size of ``size`` bytes of audio and, for a known format, its duration.

    Args:
        size: the number of bytes (decoded, not base64).
        audio_format: a GA format ``type`` (``"audio/pcm"``, ``"audio/pcmu"``,
            ``"audio/pcma"``); another value gives the size alone.

    >>> describe_audio(48_000)
    '48,000 bytes, 1,000 ms PCM16 24 kHz'
    >>> describe_audio(800, "audio/pcmu")
    '800 bytes, 100 ms G.711 µ-law 8 kHz'
    """
    known = AUDIO_FORMATS.get(audio_format)
    if known is None:
        return f"{size:,} bytes"
    rate, width, name = known
    return f"{size:,} bytes, {size * 1000 / (rate * width):,.0f} ms {name}"


def base64_size(text: str) -> int | None:
    """The number of bytes ``text`` decodes to, or ``None`` if it is not padded base64.

    >>> base64_size("AAAA"), base64_size("AA=="), base64_size("Hi there")
    (3, 1, None)
    """
    if len(text) % 4 or not _BASE64.fullmatch(text):
        return None
    return len(text) // 4 * 3 - (len(text) - len(text.rstrip("=")))


def short_repr(value: Any, name: str = "") -> str:
    """The repr of ``value``, with payloads summarised as the wire models show them.

    Args:
        value: any value; strings, bytes, lists, tuples, dicts and msgspec structs
            are summarised where long, anything else is shown by its own ``repr``.
        name: the field or key holding ``value``; ``audio`` and ``delta`` mark base64 audio.
    """
    return _render(value, name, set())


def struct_repr(self: msgspec.Struct) -> str:
    """msgspec's repr of a struct, with payloads summarised (see the module docstring)."""
    return _struct(self, set())


# Structs whose repr is msgspec's or this one are walked here, which keeps the check for
# self-containing values working across levels; any other repr is the struct's own business.
_WALKED: tuple[object, ...] = (struct_repr, _MSGSPEC_REPR)


def _render(value: Any, name: str, active: set[int]) -> str:
    # Exact types only: a subclass (a masked secret, say) keeps its own repr.
    kind = type(value)
    if kind is str:
        return _text(value, name)
    if kind is bytes or kind is bytearray:
        return _bytes(value, name)
    if kind is list or kind is tuple or kind is dict:
        if id(value) in active:  # a container holding itself, shown as Python does
            return "{...}" if kind is dict else "[...]" if kind is list else "(...)"
        active.add(id(value))
        try:
            return _dict(value, active) if kind is dict else _sequence(value, active)
        finally:
            active.discard(id(value))
    if isinstance(value, msgspec.Struct) and kind.__repr__ in _WALKED:
        return _struct(value, active)
    return repr(value)


def _text(value: str, name: str) -> str:
    if len(value) <= LONG:
        return repr(value)
    if name in _AUDIO_FIELDS:
        size = base64_size(value)
        if size is not None:
            return f"<base64: {describe_audio(size)}>"
    head = repr(value[:_HEAD])
    return f"{head[:-1]}…{head[-1]} ({len(value):,} chars)"


def _bytes(value: bytes | bytearray, name: str) -> str:
    if len(value) <= LONG:  # only then is the repr cheap enough to measure
        shown = repr(value)
        if len(shown) <= LONG:
            return shown
    size = describe_audio(len(value)) if name in _AUDIO_FIELDS else f"{len(value):,} bytes"
    return f"<{size}>"


def _join(texts: Iterable[str], total: int, opening: str, closing: str) -> str:
    """The rendered items of a container of ``total`` items, whole if that is at most
    :data:`LONG` characters, else the first that fit in :data:`_CUT` and how many more.

    ``texts`` is consumed lazily, so a list of a million items renders a few.
    """
    rendered: list[str] = []
    used = 2  # the brackets
    for text in texts:
        rendered.append(text)
        used += len(text) + (2 if len(rendered) > 1 else 0)
        if used > LONG:
            break
    if used > LONG and total > 1:
        shown = rendered[:1]  # at least one item, even a long one
        used = len(shown[0])
        for text in rendered[1:]:
            used += len(text) + 2
            if used > _CUT:
                break
            shown.append(text)
        return f"{opening}{', '.join(shown)}, … ({total - len(shown):,} more){closing}"
    comma = "," if total == 1 and opening == "(" else ""  # a 1-tuple, as Python writes it
    return f"{opening}{', '.join(rendered)}{comma}{closing}"


def _sequence(value: list[Any] | tuple[Any, ...], active: set[int]) -> str:
    texts = (_render(item, "", active) for item in value)
    opening, closing = ("[", "]") if type(value) is list else ("(", ")")
    return _join(texts, len(value), opening, closing)


def _dict(value: dict[Any, Any], active: set[int]) -> str:
    # A value is named by its key, so {"audio": "<base64>"} in a raw event is audio too.
    texts = (
        f"{_render(key, '', active)}: {_render(item, key if type(key) is str else '', active)}"
        for key, item in value.items()
    )
    return _join(texts, len(value), "{", "}")


def _is_default(value: Any, default: Any) -> bool:
    # msgspec's own test for repr_omit_defaults: the default object itself, or an empty
    # list, dict or set where the default is that type's factory. Equality is not enough.
    if value is default:
        return True
    if type(default) is _FACTORY:
        factory = default.factory
        return factory in (list, dict, set) and type(value) is factory and not value
    return False


def _struct(obj: msgspec.Struct, active: set[int]) -> str:
    if id(obj) in active:  # msgspec shows a struct inside itself as "..."
        return "..."
    active.add(id(obj))
    try:
        cls = type(obj)
        names = cls.__struct_fields__
        defaults = cls.__struct_defaults__
        omit = cls.__struct_config__.repr_omit_defaults
        first_default = len(names) - len(defaults)
        parts = []
        for index, name in enumerate(names):
            value = getattr(obj, name)
            if omit and index >= first_default and _is_default(value,
                                                               defaults[index - first_default]):
                continue
            parts.append(f"{name}={_render(value, name, active)}")
        return f"{cls.__name__}({', '.join(parts)})"
    finally:
        active.discard(id(obj))
