"""Helpers for checking our JSON against the official ``openai`` SDK's pydantic types."""

from __future__ import annotations

import typing
from typing import Any

import pydantic


def union_members(union: Any) -> tuple[type[pydantic.BaseModel], ...]:
    """The model classes of an SDK ``Annotated[Union[...], PropertyInfo(...)]`` alias."""
    if typing.get_origin(union) is typing.Annotated:
        union = typing.get_args(union)[0]
    members = typing.get_args(union)
    assert members and all(issubclass(m, pydantic.BaseModel) for m in members)
    return members


def sdk_types(union: Any) -> set[str]:
    """Every ``type`` literal of an SDK event union, read from its members' annotations."""
    types: set[str] = set()
    for member in union_members(union):
        literal = member.model_fields["type"].annotation
        assert typing.get_origin(literal) is typing.Literal, member
        types.update(typing.get_args(literal))
    return types


def assert_no_extras(value: Any, path: str = "$") -> None:
    """Fail if any model in the validated tree kept keys its SDK class does not declare."""
    if isinstance(value, pydantic.BaseModel):
        extra = value.model_extra or {}
        assert not extra, f"{path}: keys unknown to {type(value).__name__}: {sorted(extra)}"
        for name in type(value).model_fields:
            assert_no_extras(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            assert_no_extras(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            assert_no_extras(item, f"{path}.{key}")
