"""The dependency direction holds: a lower layer never imports a higher one.

Bottom to top: errors -> wire models -> builders/codec -> (later) state and
audio helpers -> I/O (connection, mock server) -> widgets. Every module must
be placed in LAYERS, so a new module forces a decision about where it sits.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "realtime_nb"

LAYERS: dict[str, int] = {
    "realtime_nb.errors": 0,
    "realtime_nb.redaction": 0,
    "realtime_nb.wire": 1,
    "realtime_nb.audio.pcm": 2,
    "realtime_nb.audio.g711": 2,
    "realtime_nb.builders": 2,
    "realtime_nb.codec": 2,
    "realtime_nb.endpoints": 2,
    "realtime_nb.handlers": 3,
    "realtime_nb.client_protocol": 3,
    "realtime_nb.reply": 3,
    "realtime_nb.tape": 3,
    "realtime_nb.state": 3,
    "realtime_nb.audio": 3,
    "realtime_nb.connection": 4,
    "realtime_nb.mock": 4,
    "realtime_nb.widgets": 5,
    "realtime_nb": 6,  # the package's __init__ re-exports everything
}


def layer_of(module: str, *, placing: bool = False) -> int | None:
    """The layer of ``module``: that of the longest LAYERS prefix naming it.

    When placing a module, the package root only matches itself, so a new
    module must be added to LAYERS; an imported name such as
    ``realtime_nb.user_text`` falls back to the root, the top layer.
    """
    parts = module.split(".")
    for end in range(len(parts), 1 if placing and module != "realtime_nb" else 0, -1):
        name = ".".join(parts[:end])
        if name in LAYERS:
            return LAYERS[name]
    return None


def module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str, is_package: bool) -> set[str]:
    """The realtime_nb modules that ``source`` (the text of ``module``) imports."""
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    # The bare package is every module's parent (``from . import x`` names it); what is
    # taken from it is checked through the names themselves.
    return {name for name in found if name.split(".")[0] == "realtime_nb" and name != "realtime_nb"}


def back_edges(modules: dict[str, tuple[str, bool]]) -> list[str]:
    """Every import from a lower layer into a higher one, as readable lines."""
    problems = []
    for module, (source, is_package) in modules.items():
        own = layer_of(module, placing=True)
        if own is None:
            problems.append(f"{module} is not placed in LAYERS")
            continue
        for target in imports_of(source, module, is_package):
            theirs = layer_of(target)
            if theirs is not None and theirs > own:
                problems.append(f"{module} (layer {own}) imports {target} (layer {theirs})")
    return problems


def test_no_lower_layer_imports_a_higher_one() -> None:
    modules = {
        module_name(path, PACKAGE): (path.read_text(), path.name == "__init__.py")
        for path in PACKAGE.rglob("*.py")
    }
    assert len(modules) > 5
    assert back_edges(modules) == []


def test_the_checker_catches_a_back_edge() -> None:
    modules = {
        "realtime_nb.wire.items": ("from ..builders import user_text\n", False),
        "realtime_nb.errors": ("import realtime_nb.codec\n", False),
        "realtime_nb.builders": ("from .wire import items\nfrom . import errors\n", False),
        "realtime_nb.stray": ("", False),
        "realtime_nb.audio.pcm": ("from realtime_nb import user_text\n", False),
    }
    assert sorted(back_edges(modules)) == [
        "realtime_nb.audio.pcm (layer 2) imports realtime_nb.user_text (layer 6)",
        "realtime_nb.errors (layer 0) imports realtime_nb.codec (layer 2)",
        "realtime_nb.stray is not placed in LAYERS",
        "realtime_nb.wire.items (layer 1) imports realtime_nb.builders (layer 2)",
        "realtime_nb.wire.items (layer 1) imports realtime_nb.builders.user_text (layer 2)",
    ]
