"""Helpers for checking our JSON against the official ``openai`` SDK's pydantic types."""

from __future__ import annotations

import copy
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


def assert_exact_dump(model: pydantic.BaseModel, data: dict[str, Any]) -> None:
    """The SDK kept nothing unknown, and dumps back exactly the dict we wrote."""
    assert_no_extras(model)
    assert model.model_dump(mode="json", exclude_unset=True, by_alias=True) == data


class SdkUnions:
    """The SDK's event unions of each dialect, and exact validation against them."""

    def __init__(self, unions: dict[str, Any]) -> None:
        self.adapters = {dialect: pydantic.TypeAdapter(u) for dialect, u in unions.items()}
        self.members = {
            dialect: {
                typing.get_args(member.model_fields["type"].annotation)[0]: member
                for member in union_members(union)
            }
            for dialect, union in unions.items()
        }

    def validate(self, data: dict[str, Any], dialect: str) -> pydantic.BaseModel:
        """Validate with the union of ``dialect``; demand no extras and an exact dump."""
        member = self.members[dialect].get(data["type"])
        assert member is not None, f"{data['type']!r} is not in the {dialect} SDK union"
        # The member first, for a readable error; then the union, which must pick it.
        member.model_validate(copy.deepcopy(data))
        model = self.adapters[dialect].validate_python(copy.deepcopy(data))
        assert type(model) is member
        assert_exact_dump(model, data)
        return model
