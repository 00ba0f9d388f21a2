"""Hypothesis strategies derived from the wire models' own type information.

Walking ``msgspec.inspect`` keeps the generators in step with the models: a
field added to a model is generated without touching this file.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import msgspec
import msgspec.inspect as mi
from hypothesis import strategies as st

from realtime_nb.wire.items import ROLE_PARTS, Message

JSON_SCALARS = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=8)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                   max_size=3),
    max_leaves=6,
)


def _int(info: mi.IntType) -> st.SearchStrategy[int]:
    low = info.ge if info.ge is not None else (info.gt + 1 if info.gt is not None else -(2**31))
    high = info.le if info.le is not None else (info.lt - 1 if info.lt is not None else 2**31)
    return st.integers(low, high)


def _float(info: mi.FloatType) -> st.SearchStrategy[float]:
    low = info.ge if info.ge is not None else -1e9
    high = info.le if info.le is not None else 1e9
    return st.floats(low, high, allow_nan=False, allow_infinity=False).filter(math.isfinite)


def _str(info: mi.StrType) -> st.SearchStrategy[str]:
    low = info.min_length or 0
    high = info.max_length if info.max_length is not None else max(low, 12)
    return st.text(min_size=low, max_size=min(high, max(low, 12)))


def _plain(value: Any) -> Any:
    """A generated value as plain JSON values (structs turned into dicts)."""
    return msgspec.to_builtins(value)


def for_info(info: mi.Type) -> st.SearchStrategy[Any]:
    """A strategy producing valid values (models, not dicts) for a msgspec type."""
    if isinstance(info, mi.Metadata):
        choices = (info.extra or {}).get("choices")
        return st.sampled_from(choices) if choices else for_info(info.type)
    if isinstance(info, mi.UnionType):
        return st.one_of(*(for_info(t) for t in info.types))
    if isinstance(info, mi.StructType):
        return for_struct(info.cls)
    if isinstance(info, mi.LiteralType):
        return st.sampled_from(info.values)
    if isinstance(info, mi.NoneType):
        return st.none()
    if isinstance(info, mi.BoolType):
        return st.booleans()
    if isinstance(info, mi.IntType):
        return _int(info)
    if isinstance(info, mi.FloatType):
        return _float(info)
    if isinstance(info, mi.StrType):
        return _str(info)
    if isinstance(info, (mi.ListType, mi.VarTupleType)):
        low = info.min_length or 0
        high = info.max_length if info.max_length is not None else 3
        return st.lists(for_info(info.item_type), min_size=low, max_size=min(high, 3))
    if isinstance(info, mi.DictType):
        high = info.max_length if info.max_length is not None else 3
        return st.dictionaries(for_info(info.key_type), for_info(info.value_type),
                               max_size=min(high, 3))
    if isinstance(info, mi.BytesType):
        return st.binary(max_size=64)
    if isinstance(info, mi.AnyType):
        return JSON_VALUES
    raise NotImplementedError(f"no strategy for {info!r}")


@functools.cache
def for_struct(cls: type[msgspec.Struct]) -> st.SearchStrategy[Any]:
    """Values of model ``cls``: required fields always, optional ones sometimes."""
    if cls is Message:
        return _messages()
    info = mi.type_info(cls)
    assert isinstance(info, mi.StructType)
    required = {f.name: for_info(f.type) for f in info.fields if f.required}
    optional = {f.name: for_info(f.type) for f in info.fields if not f.required}
    return st.fixed_dictionaries(required, optional=optional).map(lambda kw: cls(**kw))


@st.composite
def _messages(draw: st.DrawFn) -> Message:
    role = draw(st.sampled_from(sorted(ROLE_PARTS)))
    parts = st.one_of(*(for_struct(part) for part in ROLE_PARTS[role]))
    optional = {
        "id": st.text(min_size=1, max_size=8),
        "object": st.just("realtime.item"),
        "status": st.sampled_from(["completed", "incomplete", "in_progress"]),
    }
    extra = draw(st.fixed_dictionaries({}, optional=optional))
    return Message(role=role, content=draw(st.lists(parts, max_size=3)), **extra)


def for_type(tp: Any) -> st.SearchStrategy[Any]:
    """A strategy for any model, union of models or annotated type."""
    return for_info(mi.type_info(tp))
