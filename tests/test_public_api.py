"""The public surface: every exported name exists and says what it is."""

from __future__ import annotations

import inspect
from types import ModuleType

import pytest

import realtime_nb
import realtime_nb.audio
import realtime_nb.audio.pcm
import realtime_nb.builders
import realtime_nb.codec
import realtime_nb.errors
import realtime_nb.widgets
import realtime_nb.wire

MODULES = [realtime_nb, realtime_nb.wire, realtime_nb.errors, realtime_nb.builders,
           realtime_nb.codec, realtime_nb.audio, realtime_nb.audio.pcm, realtime_nb.widgets]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_all_names_exist_and_are_documented(module: ModuleType) -> None:
    assert module.__doc__ and module.__doc__.strip()
    assert len(module.__all__) == len(set(module.__all__)), "duplicate names in __all__"
    undocumented = []
    for name in module.__all__:
        assert hasattr(module, name), f"{module.__name__}.{name} is in __all__ but missing"
        value = getattr(module, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            if not (value.__doc__ and value.__doc__.strip()):
                undocumented.append(name)
        elif not isinstance(value, (str, int, float, tuple, dict, frozenset)) or name == "UNSET":
            continue  # type aliases and constants are documented in their module's source
    assert undocumented == []


def test_public_methods_are_documented() -> None:
    missing = []
    for name in realtime_nb.wire.__all__:
        value = getattr(realtime_nb.wire, name)
        if not inspect.isclass(value):
            continue
        for attr, member in vars(value).items():
            if attr.startswith("_") or not (inspect.isfunction(member)
                                            or isinstance(member, property)):
                continue
            doc = member.__doc__ if not isinstance(member, property) else member.fget.__doc__
            if not (doc and doc.strip()):
                missing.append(f"{name}.{attr}")
    assert missing == []


def test_the_package_ships_py_typed() -> None:
    from pathlib import Path

    assert (Path(realtime_nb.__file__).parent / "py.typed").exists()
