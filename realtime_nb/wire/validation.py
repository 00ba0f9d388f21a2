"""Turning plain values into wire models, with errors that name the field and its options.

msgspec validates while it converts, and reports ``Invalid enum value 'x' - at
`$.session.audio.output.voice```. :func:`convert` rewrites that into an
:class:`~realtime_nb.errors.EventValidationError` whose ``param`` is
``session.audio.output.voice`` and whose ``allowed`` lists the voices, found by
walking the model's type information. With ``strict=True`` it also refuses
keys the model does not know, as the real service does (``unknown_parameter``),
and values outside a field's ``choices`` (a string field annotated with
``Meta(extra={"choices": ...})``, open when reading server events, closed when
checking what a client sends).

Data read from beta JSON is checked here after its translation to the GA shape
(:func:`~realtime_nb.wire.dialect.from_beta`); ``convert(..., dialect="beta")``
names every failing parameter the way the beta JSON spelled it
(:func:`~realtime_nb.wire.dialect.user_path`), so an error always points at
what the user sent.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

import msgspec
import msgspec.inspect as mi

from ..errors import EventValidationError
from .dialect import unknown_parameter, user_path

__all__ = ["convert", "allowed_values", "type_info"]

T = TypeVar("T")

# "<message> - at `$.a.b[0]`", or "- at `key` in `$.a`" when a dict key is at fault.
_AT = re.compile(r"^(?P<msg>.*?)(?: - at (?P<key>`key` in )?`\$(?P<path>[^`]*)`)?$", re.DOTALL)
_SEGMENT = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")
_MISSING = re.compile(r"^Object missing required field `(?P<field>[^`]+)`$")
_BAD_VALUE = re.compile(r"^Invalid (?:enum )?value (?P<value>.+)$")
_LISTED = re.compile(r"expected one of (.*)$")
_INNER_PATH = re.compile(r"^`(?P<sub>[^`]+)`: (?P<rest>.*)$", re.DOTALL)


@functools.cache
def type_info(tp: Hashable) -> mi.Type:
    """msgspec's description of ``tp`` (cached: the models never change at run time)."""
    return mi.type_info(tp)


def _join(path: str, segment: str) -> str:
    if not path:
        return segment.lstrip(".")
    return path + segment


def _unwrap(info: mi.Type) -> mi.Type:
    """The type under ``Annotated[..., Meta(extra=...)]``."""
    return info.type if isinstance(info, mi.Metadata) else info


def _members(info: mi.Type) -> tuple[mi.Type, ...]:
    """The alternatives of a union (each unwrapped), or ``info`` alone."""
    info = _unwrap(info)
    types = info.types if isinstance(info, mi.UnionType) else (info,)
    return tuple(_unwrap(t) for t in types)


def _choices(info: mi.Type) -> tuple[Any, ...]:
    """The ``choices`` declared on a string field, if any."""
    if isinstance(info, mi.Metadata) and info.extra:
        return tuple(info.extra.get("choices", ()))
    return ()


def _struct_members(info: mi.Type) -> list[mi.StructType]:
    if isinstance(info, mi.StructType):
        return [info]
    if isinstance(info, mi.UnionType):
        return [t for t in info.types if isinstance(t, mi.StructType)]
    return []


def _step(infos: list[mi.Type], segment: str) -> list[mi.Type]:
    """Types reachable from any of ``infos`` by one path segment (field name or index)."""
    result: list[mi.Type] = []
    for info in infos:
        for member in _members(info):
            if segment.isdigit():
                if isinstance(member, (mi.ListType, mi.VarTupleType)):
                    result.append(member.item_type)
            elif isinstance(member, mi.StructType):
                for field in member.fields:
                    if field.encode_name == segment:
                        result.append(field.type)
    return result


def allowed_values(root: Any, path: str) -> tuple[Any, ...] | None:
    """The closed set of values the field at ``path`` (``"a.b[0].c"``) of ``root`` takes.

    Literal values of every type the field may have, or the tags of a tagged
    union when ``path`` ends at its tag field; ``None`` when the set is open.
    """
    infos: list[mi.Type] = [type_info(cast(Hashable, root))]
    segments = [name or index for name, index in _SEGMENT.findall("." + path)] if path else []
    for position, segment in enumerate(segments):
        last = position == len(segments) - 1
        if last:
            tags = [
                s.tag
                for info in infos
                for s in _struct_members(info)
                if s.tag_field == segment and s.tag is not None
            ]
            if tags:
                return tuple(dict.fromkeys(tags))
        infos = _step(infos, segment)
        if not infos:
            return None
    values: list[Any] = []
    for info in infos:
        raw = info.types if isinstance(info, mi.UnionType) else (info,)
        for member in raw:
            values.extend(_choices(member))
            if isinstance(member, mi.LiteralType):
                values.extend(member.values)
    return tuple(dict.fromkeys(values)) if values else None


_MISSING_VALUE = object()


def _value_at(data: Any, rel: str) -> Any:
    """The value at relative path ``rel`` inside ``data``, or ``_MISSING_VALUE``."""
    for name, index in _SEGMENT.findall("." + rel) if rel else []:
        if name and isinstance(data, dict) and name in data:
            data = data[name]
        elif index and isinstance(data, list) and int(index) < len(data):
            data = data[int(index)]
        else:
            return _MISSING_VALUE
    return data


_MAX_LENGTH = re.compile(r"Expected `str` of length <= (\d+)")
_REPR_LIMIT = 200


def _short_repr(value: Any) -> str:
    """``repr(value)``, cut to a readable length: an error must not echo a megabyte back."""
    text = repr(value)
    return text if len(text) <= _REPR_LIMIT else text[:_REPR_LIMIT] + "… (truncated)"


def _translate(
    error: msgspec.ValidationError, root: Any, prefix: str, data: Any, dialect: str
) -> EventValidationError:
    match = _AT.match(str(error))
    assert match is not None  # the pattern matches any text
    message = match.group("msg")
    rel = (match.group("path") or "").lstrip(".")
    inner = _INNER_PATH.match(message)
    if inner:  # a model's own check (__post_init__) names a field below the failing object
        rel = rel + "." + inner.group("sub") if rel else inner.group("sub")
        message = inner.group("rest")
    # Type information is looked up along the GA path; the user reads their own spelling.
    path = user_path(_join(prefix, ("." + rel) if rel and not rel.startswith("[") else rel),
                     dialect)
    missing = _MISSING.match(message)
    if missing:
        param = _join(path, "." + missing.group("field"))
        return EventValidationError(
            f"Missing required parameter: '{param}'.",
            param=param,
            allowed=allowed_values(root, _join(rel, "." + missing.group("field"))),
            code="missing_required_parameter",
        )
    allowed = allowed_values(root, rel)
    if inner:
        listed = _LISTED.search(message)
        allowed = ast.literal_eval(f"({listed.group(1)},)") if listed else None
        return EventValidationError(f"Invalid '{path}': {message}.", param=path, allowed=allowed)
    bad = _BAD_VALUE.match(message)
    where = path or "event"
    value = _MISSING_VALUE if match.group("key") else _value_at(data, rel)
    got = "" if value is _MISSING_VALUE else f", got {_short_repr(value)}"
    too_long = _MAX_LENGTH.match(message)
    if too_long and isinstance(value, str):
        # The service's own wording and code for this case (protocol.md §5 i).
        return EventValidationError(
            f"Invalid '{where}': string too long. Expected a string with maximum length"
            f" {too_long.group(1)}, but got a string with length {len(value)} instead.",
            param=path, code="string_above_max_length",
        )
    if bad:
        text = f"Invalid value {bad.group('value')} for '{where}'"
        options = "; expected one of "
        code = "invalid_value"
    elif message.startswith("Expected"):
        constrained = any(word in message for word in (">=", "<=", ">", "<", "length"))
        kind = "value" if constrained else "type"
        text = f"Invalid {kind} for '{where}': {message[0].lower()}{message[1:]}"
        options = " or one of "
        code = "invalid_value" if constrained else "invalid_type"
    else:
        text = f"Invalid '{where}': {message}"
        options = "; expected one of "
        code = "invalid_value"
    if allowed:
        text += options + ", ".join(repr(v) for v in allowed)
    if code == "invalid_value" and not bad:
        text += got
    return EventValidationError(text + ".", param=path, allowed=allowed, code=code)


_FIELD_MAPS: dict[type, dict[str, mi.Field]] = {}


def _fields_by_name(info: mi.StructType) -> dict[str, mi.Field]:
    """A struct's fields by wire name; built once per class (this runs for every event)."""
    fields = _FIELD_MAPS.get(info.cls)
    if fields is None:
        fields = _FIELD_MAPS[info.cls] = {f.encode_name: f for f in info.fields}
    return fields


_Checker = Callable[[Any, str, str], None]
"""A strict check: ``(value, GA path, dialect the value was written in)``."""

_CHECKERS: dict[int, _Checker] = {}


def _check_strict(value: Any, info: mi.Type, path: str, dialect: str) -> None:
    """Refuse dict keys no field of the matching model declares, and strings off ``choices``."""
    _checker(info)(value, path, dialect)


def _checker(info: mi.Type) -> _Checker:
    """The strict check for values of ``info``, built once per type.

    Every client event the mock receives goes through this, so the walk over
    the type description is done once; children are built on first use (which
    also copes with a type that contains itself).
    """
    check = _CHECKERS.get(id(info))
    if check is None:
        check = _CHECKERS[id(info)] = _build_checker(info)
    return check


def _refuse_choice(value: str, choices: tuple[Any, ...], path: str, dialect: str) -> None:
    if choices and value not in choices:
        path = user_path(path, dialect)
        where = path or "event"
        raise EventValidationError(
            f"Invalid value {value!r} for '{where}'; expected one of "
            + ", ".join(repr(c) for c in choices) + ".",
            param=path, allowed=choices, code="invalid_value",
        )


def _build_checker(info: mi.Type) -> _Checker:
    raw = info.types if isinstance(info, mi.UnionType) else (info,)
    choices = tuple(c for member in raw for c in _choices(member))
    inner = _unwrap(info)
    if isinstance(inner, mi.UnionType):
        structs = _struct_members(inner)
        single = structs[0] if len(structs) == 1 else None
        lists = [m for m in inner.types if isinstance(m, (mi.ListType, mi.VarTupleType))]

        def check_union(value: Any, path: str, dialect: str) -> None:
            if isinstance(value, str):
                _refuse_choice(value, choices, path, dialect)
            elif isinstance(value, dict):
                chosen = single
                if chosen is None:
                    for struct in structs:
                        tag = struct.tag_field
                        if tag is not None and value.get(tag) == struct.tag:
                            chosen = struct
                            break
                if chosen is not None:
                    _checker(chosen)(value, path, dialect)
            elif isinstance(value, list) and lists:
                _checker(lists[0])(value, path, dialect)

        return check_union
    if isinstance(inner, mi.StructType):
        fields = _fields_by_name(inner)
        tag_field = inner.tag_field

        def check_struct(value: Any, path: str, dialect: str) -> None:
            if isinstance(value, str):
                _refuse_choice(value, choices, path, dialect)
                return
            if not isinstance(value, dict):
                return
            for key, item in value.items():
                field = fields.get(key)
                if field is None:
                    if key == tag_field:
                        continue
                    param = user_path(_join(path, "." + str(key)), dialect)
                    raise unknown_parameter(param, dialect, allowed=tuple(fields))
                _checker(field.type)(item, _join(path, "." + key), dialect)

        return check_struct
    if isinstance(inner, (mi.ListType, mi.VarTupleType)):
        item_type = inner.item_type

        def check_list(value: Any, path: str, dialect: str) -> None:
            if isinstance(value, str):
                _refuse_choice(value, choices, path, dialect)
            elif isinstance(value, list):
                check = _checker(item_type)
                for index, item in enumerate(value):
                    check(item, f"{path}[{index}]", dialect)

        return check_list

    def check_leaf(value: Any, path: str, dialect: str) -> None:
        if isinstance(value, str):
            _refuse_choice(value, choices, path, dialect)

    return check_leaf


def convert(data: Any, tp: type[T] | Any, *, root: str = "", strict: bool = False,
            from_json: bool = False, dialect: str = "ga") -> T:
    """Validate plain JSON values ``data`` into the model ``tp``.

    Args:
        data: dicts, lists, strings and numbers as decoded from JSON.
        tp: a model class or a union of them.
        root: the path of ``data`` inside its event (``"session"``), prefixed to
            every reported ``param``.
        strict: also refuse keys the model does not declare and strings
            outside a field's ``choices``.
        from_json: ``data`` was just decoded from JSON text (so it holds only JSON
            values and string keys), which allows a faster check with the same result.
        dialect: the dialect ``data`` was written in before its translation to
            the GA shape (``"beta"``: read with ``from_beta``); errors name each
            parameter as that dialect spells it.

    Raises:
        EventValidationError: naming the field, and the allowed values when the
            field takes a closed set.
    """
    if strict:
        _check_strict(data, type_info(cast(Hashable, tp)), root, dialect)
    try:
        if from_json:
            return cast(T, _decoder(cast(Hashable, tp)).decode(_encoder.encode(data)))
        return cast(T, msgspec.convert(data, tp))
    except msgspec.ValidationError as error:
        raise _translate(error, tp, root, data, dialect) from None


_encoder = msgspec.json.Encoder()


@functools.cache
def _decoder(tp: Hashable) -> msgspec.json.Decoder[Any]:
    """A typed JSON decoder for ``tp``, built once.

    ``msgspec.convert`` works out the type's description on every call (about
    13 µs for the client-event union); re-encoding the plain values and decoding
    them with a prepared decoder validates the same way in well under 3 µs.
    """
    return msgspec.json.Decoder(tp)
