"""What a form for a client event shows, found by walking the wire models' type information.

:func:`event_spec` turns a client event class into a tree of :class:`FieldSpec`:
one node per field, with its dotted path as the error messages name it
(``session.audio.output.voice``), its :data:`FieldKind` (which widget edits it),
whether it must be sent, whether ``null`` is allowed, its bounds, its choices
and a default or example. One recursive walk over :func:`msgspec.inspect.type_info`
serves all eleven events: a field added to a wire model shows up in its form
with no code here. The only hand-written part is :data:`HINTS`, a small table of
presentation choices by path (``instructions`` is long text, ``audio_end_ms``
follows the played position).

The two "absent" values follow :mod:`realtime_nb.wire`: ``UNSET`` is "not
sent" (the key is left out), ``None`` is a JSON ``null`` (``turn_detection:
null`` turns voice activity detection off).

Pure logic, no widgets:

>>> spec = event_spec("conversation.item.truncate")
>>> [(child.path, child.kind, child.required) for child in spec.children]
... # doctest: +NORMALIZE_WHITESPACE
[('item_id', 'item_id', True), ('content_index', 'int', True),
 ('audio_end_ms', 'int', True), ('event_id', 'text', False)]
>>> spec.find("audio_end_ms").bounds.describe()
'≥ 0'
"""

from __future__ import annotations

import functools
import math
import re
import typing
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import msgspec
import msgspec.inspect as mi

from ..wire.base import UNSET, ClientEvent
from ..wire.client_events import CLIENT_EVENT_TYPES
from ..wire.validation import type_info

__all__ = [
    "FieldKind",
    "FIELD_KINDS",
    "Bounds",
    "Hint",
    "HINTS",
    "first_line",
    "NAME_KINDS",
    "Variant",
    "FieldSpec",
    "event_spec",
    "event_specs",
    "template",
]

FieldKind = Literal[
    "choice", "multi_choice", "int", "float", "bool", "text", "long_text", "text_list",
    "json", "audio", "item_id", "response_id", "struct", "union",
]
"""How a field is edited.

* ``choice``: one of a closed set (a ``Literal``), or of an open one (an
  :func:`~realtime_nb.wire.base.open_literal`, ``open=True``).
* ``multi_choice``: a list of values from a set (``output_modalities``).
* ``int`` / ``float``: a number within ``bounds``, maybe with literal
  alternatives (``max_output_tokens``: ``"inf"``).
* ``bool``, ``text``, ``long_text``, ``text_list`` (a list of strings).
* ``json``: any JSON value, typed by hand: lists of objects (tools, content
  parts, input items), dicts, ``Any`` and unions of plain values. ``example``
  holds a template generated from the type.
* ``audio``: the bytes of ``input_audio_buffer.append``.
* ``item_id`` / ``response_id``: an id of the conversation's items or responses.
* ``struct``: a group of fields; sent when one of them is (or always, when required).
* ``union``: one of several ``variants``: objects told apart by their tag
  (``server_vad``/``semantic_vad``), literal values (``tool_choice: "auto"``),
  or, when ``open``, any string (a voice name).
"""

FIELD_KINDS: tuple[str, ...] = typing.get_args(FieldKind)
"""Every :data:`FieldKind`."""

PrefillSource = Literal["played_ms", "playing_item"]
"""Where a field's value is taken from until the user edits it: the played position of
the item being heard (``audio_end_ms``), or that item's id."""


@dataclass(frozen=True)
class Bounds:
    """The limits msgspec ``Meta`` puts on a number, string or list (``None``: no limit)."""

    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    min_length: int | None = None
    max_length: int | None = None

    def describe(self) -> str:
        """The limits in a few words, for a label: ``"0.6 to 1.2"``, ``"≥ 0"``, ``"exactly 1"``."""
        low = _number(self.ge) if self.ge is not None else None
        high = _number(self.le) if self.le is not None else None
        if low is not None and high is not None:
            text = f"{low} to {high}"
        else:
            parts = []
            if low is not None:
                parts.append(f"≥ {low}")
            if self.gt is not None:
                parts.append(f"> {_number(self.gt)}")
            if high is not None:
                parts.append(f"≤ {high}")
            if self.lt is not None:
                parts.append(f"< {_number(self.lt)}")
            text = ", ".join(parts)
        length = _length(self.min_length, self.max_length)
        return ", ".join(part for part in (text, length) if part)

    def __bool__(self) -> bool:
        return any(value is not None for value in (self.ge, self.gt, self.le, self.lt,
                                                   self.min_length, self.max_length))


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _length(low: int | None, high: int | None) -> str:
    if low is None and high is None:
        return ""
    if low == high:
        return f"exactly {low}"
    if low is not None and high is not None:
        return f"length {low} to {high}"
    return f"length ≥ {low}" if low is not None else f"length ≤ {high}"


@dataclass(frozen=True)
class Hint:
    """A presentation choice for one field, where its type alone does not say enough.

    Attributes:
        kind: edit it as this kind instead (``long_text`` for instructions).
        default: the value a form starts with.
        example: a JSON template to offer (for ``json`` fields).
        suggestions: values offered in a text field (``"root"`` for ``previous_item_id``).
        prefill: follow the playback until the user edits the field.
        note: a few words shown beside the field.
        server_set: the server fills it in (a session's id, expiry, secret): the
            models accept it, so the form keeps it, but out of the way.
    """

    kind: FieldKind | None = None
    default: Any = UNSET
    example: Any = UNSET
    suggestions: tuple[str, ...] = ()
    prefill: PrefillSource | None = None
    note: str = ""
    server_set: bool = False


_LONG = Hint(kind="long_text")
_TOOLS_EXAMPLE = [{
    "type": "function",
    "name": "get_weather",
    "description": "The weather now in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                   "required": ["city"]},
}]

HINTS: dict[str, Hint] = {
    "session.instructions": _LONG,
    "response.instructions": _LONG,
    "session.audio.input.transcription.prompt": _LONG,
    "item.arguments": _LONG,
    "item.output": _LONG,
    "session.tools": Hint(example=_TOOLS_EXAMPLE),
    "response.tools": Hint(example=_TOOLS_EXAMPLE),
    "response.metadata": Hint(example={"topic": "demo"}),
    "response.input": Hint(example=[
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Hi"}]},
    ]),
    "response.conversation": Hint(suggestions=("auto", "none"),
                                  note='"none": out of band, written nowhere'),
    "previous_item_id": Hint(suggestions=("root",), note='"root": at the start'),
    "item.role": Hint(default="user"),
    "item.approval_request_id": Hint(kind="item_id"),
    "content_index": Hint(default=0),
    "conversation.item.truncate:item_id": Hint(prefill="playing_item"),
    "audio_end_ms": Hint(prefill="played_ms", note="follows playback until edited"),
    "event_id": Hint(note="empty: the session sets one"),
    **{f"session.{name}": Hint(server_set=True, note="the server sets it")
       for name in ("id", "object", "expires_at", "client_secret")},
}
"""Presentation hints by field path; ``"<event type>:<path>"`` applies to one event only
(looked up first). Everything else about a field comes from its type."""

NAME_KINDS: dict[str, FieldKind] = {
    "item_id": "item_id",
    "previous_item_id": "item_id",
    "response_id": "response_id",
}
"""String fields edited with a picker, by field name, wherever they are."""


@dataclass(frozen=True)
class Variant:
    """One alternative of a ``union`` field.

    Attributes:
        key: what selects it: the object's tag (``"server_vad"``), the literal value
            as text (``"auto"``), or ``"{ClassName}"`` for an object without a tag.
        label: how a selector shows it.
        value: the literal value sent, for a literal alternative (``UNSET`` for an object).
        struct: the object's fields (a ``struct`` spec at the union's path), or ``None``.
    """

    key: str
    label: str
    value: Any = UNSET
    struct: FieldSpec | None = None


@dataclass(frozen=True)
class FieldSpec:
    """One field of a client event, as a form shows and edits it.

    Attributes:
        path: where it is in the event, as errors name it (``session.audio.output.voice``;
            ``""`` for the event itself).
        name: the key it is sent under (``voice``).
        kind: how it is edited (see :data:`FieldKind`).
        required: it must be sent.
        nullable: JSON ``null`` is a value it takes (``turn_detection: null``).
        choices: the values of a ``choice`` or ``multi_choice`` field.
        open: more strings than ``choices`` are well-formed (an open enumeration, which
            the server extends); clients are still held to ``choices``.
        specials: literal alternatives of a number (``"inf"`` for ``max_output_tokens``).
        bounds: the limits on the value.
        default: the value a form starts with (``UNSET``: not sent).
        example: a JSON template for a ``json`` field.
        children: the fields of a ``struct``.
        variants: the alternatives of a ``union``.
        tag_field, tag: the tag a ``struct`` carries (``type: "server_vad"``), if any.
        type_name: the type, in words (``"list[FunctionTool | McpTool]"``).
        doc: the first line of the model's docstring, for a struct.
        suggestions, prefill, note, server_set: from :data:`HINTS`.
    """

    path: str
    name: str
    kind: FieldKind
    required: bool = False
    nullable: bool = False
    choices: tuple[Any, ...] = ()
    open: bool = False
    specials: tuple[Any, ...] = ()
    bounds: Bounds = field(default_factory=Bounds)
    default: Any = UNSET
    example: Any = UNSET
    children: tuple[FieldSpec, ...] = ()
    variants: tuple[Variant, ...] = ()
    tag_field: str | None = None
    tag: str | None = None
    type_name: str = ""
    doc: str = ""
    suggestions: tuple[str, ...] = ()
    prefill: PrefillSource | None = None
    note: str = ""
    server_set: bool = False

    def walk(self) -> Iterator[FieldSpec]:
        """This spec and every spec below it (the fields of every variant included)."""
        yield self
        for child in self.children:
            yield from child.walk()
        for variant in self.variants:
            if variant.struct is not None:
                for child in variant.struct.children:
                    yield from child.walk()

    def paths(self) -> set[str]:
        """Every field path below this spec (its own ``""`` root path excluded)."""
        return {spec.path for spec in self.walk() if spec.path}

    def find(self, path: str) -> FieldSpec:
        """The first spec at ``path`` (a field of several variants: the first one's).

        Raises:
            KeyError: no field has that path.
        """
        for spec in self.walk():
            if spec.path == path:
                return spec
        raise KeyError(path)

    @property
    def summary(self) -> str:
        """What the field takes, in a few words: ``"number, 0.25 to 1.5"``, ``"JSON list[...]"``."""
        words = {
            "int": "whole number", "float": "number", "text": "text", "long_text": "text",
            "text_list": "list of text", "json": f"JSON {self.type_name}",
            "audio": "audio bytes", "item_id": "item id", "response_id": "response id",
            "multi_choice": "list", "bool": "true/false",
        }.get(self.kind, "")
        if self.kind == "choice" and self.open:
            words = "a listed value (the server may add more)"
        limits = self.bounds.describe()
        if self.specials:
            limits = " or ".join(part for part in (limits, *map(repr, self.specials)) if part)
        parts = [part for part in (words, limits) if part]
        if self.nullable:
            parts.append("null allowed")
        if self.note:
            parts.append(self.note)
        return ", ".join(parts)


# -- the walk ------------------------------------------------------------------------------


def _members(info: mi.Type) -> tuple[list[mi.Type], bool]:
    """The alternatives of a field's type (``None`` taken out) and whether ``None`` was one."""
    raw = info.types if isinstance(info, mi.UnionType) else (info,)
    nullable = any(isinstance(member, mi.NoneType) for member in raw)
    return [member for member in raw if not isinstance(member, mi.NoneType)], nullable


def _choices(info: mi.Type) -> tuple[Any, ...]:
    """The ``choices`` of an open enumeration (a ``str`` with ``Meta(extra=...)``)."""
    if isinstance(info, mi.Metadata) and info.extra:
        return tuple(info.extra.get("choices", ()))
    return ()


def _unwrap(info: mi.Type) -> mi.Type:
    return info.type if isinstance(info, mi.Metadata) else info


def _bounds(info: mi.Type) -> Bounds:
    info = _unwrap(info)
    if isinstance(info, (mi.IntType, mi.FloatType)):
        return Bounds(ge=info.ge, gt=info.gt, le=info.le, lt=info.lt)
    if isinstance(info, (mi.StrType, mi.ListType, mi.DictType, mi.BytesType)):
        return Bounds(min_length=info.min_length, max_length=info.max_length)
    return Bounds()


def _type_name(info: mi.Type) -> str:
    """A type, in words: ``list[FunctionTool | McpTool]``, ``dict[str, Any]``."""
    info = _unwrap(info)
    if isinstance(info, mi.UnionType):
        return " | ".join(_type_name(member) for member in info.types)
    if isinstance(info, mi.StructType):
        return info.cls.__name__
    if isinstance(info, (mi.ListType, mi.VarTupleType)):
        return f"list[{_type_name(info.item_type)}]"
    if isinstance(info, mi.DictType):
        return f"dict[{_type_name(info.key_type)}, {_type_name(info.value_type)}]"
    if isinstance(info, mi.LiteralType):
        return " | ".join(repr(value) for value in info.values)
    names = {mi.StrType: "str", mi.IntType: "int", mi.FloatType: "float", mi.BoolType: "bool",
             mi.BytesType: "bytes", mi.NoneType: "null", mi.AnyType: "Any"}
    return names.get(type(info), type(info).__name__)


def first_line(cls: type) -> str:
    """The first line of ``cls``'s docstring, its reST literals as plain text (for a form).

    >>> from realtime_nb.wire.client_events import SessionUpdate
    >>> first_line(SessionUpdate)
    'Change the session; the server answers session.updated with the full config.'
    """
    text = (cls.__doc__ or "").strip()
    return re.sub(r"``(.+?)``", r"\1", text.splitlines()[0]) if text else ""


def template(info: mi.Type, depth: int = 0) -> Any:
    """A JSON value of type ``info`` to start editing from: every required field, and the
    tag of a tagged object; the first field of an object that requires none.

    >>> from realtime_nb.wire.session import Tool
    >>> template(type_info(list[Tool]))
    [{'type': 'function', 'name': ''}]
    """
    info = _unwrap(info)
    if depth > 8:  # the wire models nest about six levels; a type that contains itself stops
        return None
    if isinstance(info, mi.UnionType):
        members = [_unwrap(member) for member in info.types]
        for wanted in (mi.StructType, mi.LiteralType):
            for member in members:
                if isinstance(member, wanted):
                    return template(member, depth)
        return template(members[0], depth)
    if isinstance(info, mi.StructType):
        result: dict[str, Any] = {}
        if info.tag_field is not None and info.tag is not None:
            result[info.tag_field] = info.tag
        chosen = [f for f in info.fields if f.required] or list(info.fields[:1])
        for fld in chosen:
            result[fld.encode_name] = template(fld.type, depth + 1)
        return result
    if isinstance(info, (mi.ListType, mi.VarTupleType)):
        return [template(info.item_type, depth + 1)]
    if isinstance(info, mi.LiteralType):
        return info.values[0]
    if isinstance(info, (mi.IntType, mi.FloatType)):
        low = info.ge if info.ge is not None else info.gt if info.gt is not None else 0
        return float(low) if isinstance(info, mi.FloatType) else math.ceil(low)
    simple: dict[type, Any] = {mi.StrType: "", mi.BoolType: False, mi.BytesType: "",
                               mi.NoneType: None}
    return simple.get(type(info), {})


def _hint(event_type: str, path: str) -> Hint:
    return HINTS.get(f"{event_type}:{path}") or HINTS.get(path) or Hint()


@dataclass(frozen=True)
class _Place:
    """Where the walk is: which event, which path, and the field that is there."""

    event_type: str
    path: str
    name: str
    required: bool
    default: Any
    seen: frozenset[type]


def _spec(info: mi.Type, place: _Place) -> FieldSpec:
    """The spec of the field at ``place``, whose type is ``info`` (recursive)."""
    members, nullable = _members(info)
    default = place.default
    if default is None:
        # An event's ``None`` default is left out when encoded (omit_defaults): for such
        # a field null and "not sent" are the same thing, and "not sent" says it.
        nullable, default = False, UNSET
    hint = _hint(place.event_type, place.path)
    if hint.default is not UNSET:
        default = hint.default
    common: dict[str, Any] = {
        "path": place.path, "name": place.name, "required": place.required,
        "nullable": nullable, "default": default,
        "type_name": " | ".join(_type_name(member) for member in members),
        "suggestions": hint.suggestions, "prefill": hint.prefill, "note": hint.note,
        "server_set": hint.server_set,
    }
    kind, extra = _classify(members, nullable, place)
    if hint.kind is not None and kind in ("text", "long_text", "item_id", "response_id"):
        kind = hint.kind
    if kind == "json":
        extra.setdefault("example", hint.example if hint.example is not UNSET
                         else template(info))
    return FieldSpec(kind=kind, **{**common, **extra})


def _classify(members: list[mi.Type], nullable: bool, place: _Place
              ) -> tuple[FieldKind, dict[str, Any]]:
    """The kind of a field whose type has these alternatives, and what goes with it."""
    structs = [m for m in members if isinstance(m, mi.StructType)]
    literals = [v for m in members if isinstance(m, mi.LiteralType) for v in m.values]
    opens = [m for m in members if _choices(m)]
    others = [m for m in members if not isinstance(m, (mi.StructType, mi.LiteralType))
              and not _choices(m)]
    if structs and not others and (len(members) > 1 or nullable):
        return "union", _union(structs, literals, opens, place)
    if len(members) == 1:
        return _single(members[0], place)
    if not structs and not others:  # literals and open enumerations only
        choices = tuple(dict.fromkeys([*literals, *(c for m in opens for c in _choices(m))]))
        return "choice", {"choices": choices, "open": bool(opens)}
    numbers = [m for m in others if isinstance(m, (mi.IntType, mi.FloatType))]
    if not structs and not opens and len(others) == 1 and numbers:
        kind: FieldKind = "int" if isinstance(numbers[0], mi.IntType) else "float"
        return kind, {"specials": tuple(literals), "bounds": _bounds(numbers[0])}
    return "json", {}  # a union of plain values (``int | str``): typed as JSON


def _single(info: mi.Type, place: _Place) -> tuple[FieldKind, dict[str, Any]]:
    """The kind of a field of one type (``None`` aside)."""
    if _choices(info):
        return "choice", {"choices": _choices(info), "open": True}
    bare = _unwrap(info)
    bounds = _bounds(bare)
    if isinstance(bare, mi.LiteralType):
        return "choice", {"choices": tuple(bare.values)}
    if isinstance(bare, mi.StrType):
        return NAME_KINDS.get(place.name, "text"), {"bounds": bounds}
    if isinstance(bare, mi.BoolType):
        return "bool", {}
    if isinstance(bare, mi.IntType):
        return "int", {"bounds": bounds}
    if isinstance(bare, mi.FloatType):
        return "float", {"bounds": bounds}
    if isinstance(bare, mi.BytesType):
        return "audio", {"bounds": bounds}
    if isinstance(bare, (mi.ListType, mi.VarTupleType)):
        item = _unwrap(bare.item_type)
        if isinstance(item, mi.LiteralType) or _choices(bare.item_type):
            values = item.values if isinstance(item, mi.LiteralType) else _choices(bare.item_type)
            return "multi_choice", {"choices": tuple(values), "bounds": bounds}
        if isinstance(item, mi.StrType):
            return "text_list", {"bounds": bounds}
        return "json", {"bounds": bounds}
    if isinstance(bare, mi.StructType):
        if bare.cls in place.seen:
            return "json", {}  # a model that contains itself: edited as JSON below here
        return "struct", _struct(bare, place)
    return "json", {}


def _struct(info: mi.StructType, place: _Place) -> dict[str, Any]:
    """The fields of an object, each with its own spec."""
    seen = place.seen | {info.cls}
    children = []
    for fld in info.fields:
        path = f"{place.path}.{fld.encode_name}" if place.path else fld.encode_name
        default = fld.default if fld.default is not msgspec.NODEFAULT else UNSET
        child = _Place(place.event_type, path, fld.encode_name, fld.required, default, seen)
        children.append(_spec(fld.type, child))
    return {"children": tuple(children), "tag_field": info.tag_field,
            "tag": info.tag if isinstance(info.tag, str) else None, "doc": first_line(info.cls),
            "type_name": info.cls.__name__}


def _union(structs: list[mi.StructType], literals: list[Any], opens: list[mi.Type],
           place: _Place) -> dict[str, Any]:
    """The alternatives of a union: literal values first, then the objects."""
    variants = [Variant(key=str(value), label=str(value), value=value)
                for value in dict.fromkeys([*literals, *(c for m in opens for c in _choices(m))])]
    for struct in structs:
        key = struct.tag if isinstance(struct.tag, str) else "{" + struct.cls.__name__ + "}"
        body = FieldSpec(kind="struct", required=True, **_struct(struct, place),
                         path=place.path, name=place.name)
        variants.append(Variant(key=key, label=key, struct=body))
    return {"variants": tuple(variants), "open": bool(opens)}


@functools.cache
def event_spec(event: type[ClientEvent] | str) -> FieldSpec:
    """The spec tree of a client event (a class, or its GA ``type``).

    The root is a ``struct`` at path ``""`` whose tag is the event's ``type``;
    ``event_id`` comes last (the event's own fields first, where the eye starts).

    Raises:
        KeyError: ``event`` is not a client event type.
    """
    cls = CLIENT_EVENT_TYPES[event] if isinstance(event, str) else event
    info = type_info(cast(Hashable, cls))
    assert isinstance(info, mi.StructType)
    tag = cast(str, info.tag)
    root = _Place(tag, "", "", True, UNSET, frozenset())
    fields = _struct(info, root)
    children = fields.pop("children")
    fields["children"] = (*[c for c in children if c.name != "event_id"],
                          *[c for c in children if c.name == "event_id"])
    return FieldSpec(path="", name="", kind="struct", required=True, **fields)


def event_specs() -> dict[str, FieldSpec]:
    """The spec tree of every client event, by GA ``type``."""
    return {name: event_spec(cls) for name, cls in CLIENT_EVENT_TYPES.items()}
