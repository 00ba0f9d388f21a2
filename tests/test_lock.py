"""pyproject.toml and uv.lock agree, and the environment under test is the locked one.

``make test`` installs with ``uv sync --locked``, which refuses a stale lock; these
tests say the same thing in the suite, by name: a requirement added to one file
and not the other, a specifier changed on one side, build pins that drifted, and
(when run in ``make``'s ``.venv``) an installed version that is not the locked one.
"""

from __future__ import annotations

import copy
import sys
import tomllib
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "realtime-nb"

Toml = dict[str, Any]
# (name, extras, specifier, marker), each normalised so equal requirements compare equal.
Key = tuple[str, tuple[str, ...], str, str]


def _key(name: str, extras: list[str], specifier: str, marker: str | None) -> Key:
    return (
        canonicalize_name(name),
        tuple(sorted(canonicalize_name(extra) for extra in extras)),
        str(SpecifierSet(specifier)),
        str(Marker(marker)) if marker else "",
    )


def _requirement_key(line: str, extra: str | None = None) -> Key:
    """The key of one requirement line; ``extra`` adds the marker uv records for it."""
    requirement = Requirement(line)
    markers = [f"({requirement.marker})"] if requirement.marker else []
    markers += [f"extra == '{extra}'"] if extra else []
    return _key(requirement.name, sorted(requirement.extras), str(requirement.specifier),
                " and ".join(markers) or None)


def declared(pyproject: Toml) -> set[Key]:
    """The project's requirements as pyproject.toml states them, extras as markers."""
    project = pyproject["project"]
    keys = {_requirement_key(line) for line in project.get("dependencies", [])}
    for extra, lines in project.get("optional-dependencies", {}).items():
        keys |= {_requirement_key(line, extra) for line in lines}
    return keys


def root_package(lock: Toml) -> Toml:
    """The lock's entry for this project."""
    return next(package for package in lock["package"] if package["name"] == PROJECT)


def locked(lock: Toml) -> set[Key]:
    """The project's requirements as uv recorded them when it resolved the lock."""
    return {
        _key(entry["name"], entry.get("extras", []), entry.get("specifier", ""),
             entry.get("marker"))
        for entry in root_package(lock)["metadata"]["requires-dist"]
    }


def _show(key: Key) -> str:
    name, extras, specifier, marker = key
    text = name + (f"[{','.join(extras)}]" if extras else "") + specifier
    return text + (f" ; {marker}" if marker else "")


def disagreements(pyproject: Toml, lock: Toml) -> list[str]:
    """Every way in which ``lock`` does not lock what ``pyproject`` asks for."""
    problems: list[str] = []
    wanted, have = declared(pyproject), locked(lock)
    problems += [f"in pyproject.toml, not in uv.lock: {_show(k)}" for k in sorted(wanted - have)]
    problems += [f"in uv.lock, not in pyproject.toml: {_show(k)}" for k in sorted(have - wanted)]

    extras = sorted(pyproject["project"].get("optional-dependencies", {}))
    if sorted(root_package(lock)["metadata"].get("provides-extras", [])) != extras:
        problems.append(f"extras differ: pyproject.toml has {extras}")
    if SpecifierSet(pyproject["project"]["requires-python"]) != SpecifierSet(
            lock["requires-python"]):
        problems.append("requires-python differs")

    versions: dict[str, list[Version]] = {}
    for package in lock["package"]:
        versions.setdefault(package["name"], []).append(Version(package["version"]))
    for name, _, specifier, _ in sorted(wanted):
        for version in versions.get(name, []):
            if version not in SpecifierSet(specifier):
                problems.append(f"uv.lock has {name} {version}, outside {specifier!r}")

    uv_settings = pyproject.get("tool", {}).get("uv", {})
    build_pins = {_requirement_key(line)
                  for line in uv_settings.get("build-constraint-dependencies", [])}
    recorded = {
        _key(entry["name"], [], entry["specifier"], entry.get("marker"))
        for entry in lock.get("manifest", {}).get("build-constraints", [])
    }
    if build_pins != recorded:
        problems.append("build pins in pyproject.toml and uv.lock differ: run make lock")
    pinned = {name: SpecifierSet(spec) for name, _, spec, _ in build_pins}
    for line in pyproject["build-system"]["requires"]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        if name not in pinned:
            problems.append(f"build requirement {name} is not pinned")
        elif not any(Version(s.version) in requirement.specifier for s in pinned[name]):
            problems.append(f"build pin for {name} is outside {requirement.specifier}")
    return problems


@pytest.fixture(scope="module")
def pyproject() -> Toml:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


@pytest.fixture(scope="module")
def lock() -> Toml:
    return tomllib.loads((ROOT / "uv.lock").read_text())


def test_the_lock_locks_what_pyproject_asks_for(pyproject: Toml, lock: Toml) -> None:
    assert disagreements(pyproject, lock) == []


def test_the_package_itself_pins_nobody(pyproject: Toml) -> None:
    # A library that pins its users breaks their environments; only the development
    # environment is pinned, and that is the lock's job.
    for line in pyproject["project"]["dependencies"]:
        assert "==" not in str(Requirement(line).specifier), line


def test_a_dependency_added_to_pyproject_only_is_named(pyproject: Toml, lock: Toml) -> None:
    changed = copy.deepcopy(pyproject)
    changed["project"]["dependencies"].append("rich>=13")
    assert disagreements(changed, lock) == ["in pyproject.toml, not in uv.lock: rich>=13"]


def test_a_test_dependency_added_to_the_lock_only_is_named(pyproject: Toml, lock: Toml) -> None:
    changed = copy.deepcopy(lock)
    root_package(changed)["metadata"]["requires-dist"].append(
        {"name": "rich", "marker": "extra == 'test'", "specifier": ">=13"})
    assert disagreements(pyproject, changed) == [
        "in uv.lock, not in pyproject.toml: rich>=13 ; extra == \"test\""]


def test_a_changed_specifier_is_named_on_both_sides(pyproject: Toml, lock: Toml) -> None:
    changed = copy.deepcopy(pyproject)
    changed["project"]["dependencies"] = [
        "msgspec>=99" if line.startswith("msgspec") else line
        for line in changed["project"]["dependencies"]]
    problems = disagreements(changed, lock)
    assert "in pyproject.toml, not in uv.lock: msgspec>=99" in problems
    assert any(p.startswith("in uv.lock, not in pyproject.toml: msgspec>=") for p in problems)
    assert any(p.startswith("uv.lock has msgspec ") and "'>=99'" in p for p in problems)


def test_drifted_build_pins_are_named(pyproject: Toml, lock: Toml) -> None:
    changed = copy.deepcopy(pyproject)
    changed["tool"]["uv"]["build-constraint-dependencies"] = ["hatchling==1.0"]
    problems = disagreements(changed, lock)
    assert "build pins in pyproject.toml and uv.lock differ: run make lock" in problems
    assert "build pin for hatchling is outside >=1.18" in problems


def _wanted_packages(lock: Toml, extra: str) -> Iterator[Toml]:
    """The lock's packages this interpreter installs for the project with ``extra``."""
    by_name: dict[str, list[Toml]] = {}
    for package in lock["package"]:
        by_name.setdefault(package["name"], []).append(package)
    root = root_package(lock)
    todo = list(root.get("dependencies", [])) + list(
        root.get("optional-dependencies", {}).get(extra, []))
    seen: set[tuple[str, str]] = set()
    while todo:
        entry = todo.pop()
        if "marker" in entry and not Marker(entry["marker"]).evaluate({"extra": ""}):
            continue
        package = next(p for p in by_name[entry["name"]]
                       if entry.get("version", p["version"]) == p["version"])
        if (package["name"], package["version"]) in seen:
            continue
        seen.add((package["name"], package["version"]))
        yield package
        todo += package.get("dependencies", [])
        for wanted_extra in entry.get("extra", []):
            todo += package.get("optional-dependencies", {}).get(wanted_extra, [])


@pytest.mark.skipif(Path(sys.prefix).resolve() != (ROOT / ".venv").resolve(),
                    reason="not make's .venv: another environment need not be the locked one")
def test_make_installed_exactly_the_locked_versions(lock: Toml) -> None:
    packages = list(_wanted_packages(lock, "test"))
    assert len(packages) > 50  # the walk found the tree, not just the roots
    wrong = {p["name"]: (p["version"], metadata.version(p["name"])) for p in packages
             if Version(metadata.version(p["name"])) != Version(p["version"])}
    assert wrong == {}
