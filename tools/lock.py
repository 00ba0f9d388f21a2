"""Re-resolve the development environment to the newest releases: ``make lock``.

Two things are locked, both in ``uv.lock``:

- every package ``make test`` and ``make demo`` install (the runtime dependencies
  and the ``test`` and ``demo`` extras), by ``uv lock --upgrade``;
- the build backend that turns this project into its editable install, and what
  it needs. uv builds the project in an isolated environment from
  ``[build-system] requires``, which ``uv.lock`` does not cover by itself; the
  exact versions are written into ``[tool.uv] build-constraint-dependencies``
  and uv records them in the lock's manifest.

The package's own requirements in ``pyproject.toml`` stay ranges: a library must
not pin its users; only this development environment is pinned.

Usage: python3 tools/lock.py path/to/uv
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"

# The oldest Python the project supports: resolving for it with --universal gives
# pins that hold for every newer one as well.
_OLDEST_PYTHON = "3.11"

_BUILD_CONSTRAINTS = re.compile(r"(?ms)^build-constraint-dependencies = \[.*?^\]\n")


def newest_build_pins(uv: str, requires: list[str]) -> list[str]:
    """The newest versions of the build requirements and theirs, as ``name==version``."""
    compiled = subprocess.run(
        [uv, "pip", "compile", "--universal", "--python-version", _OLDEST_PYTHON,
         "--no-header", "--no-annotate", "--no-config", "--quiet", "-"],
        input="\n".join(requires), capture_output=True, text=True, check=True,
    ).stdout
    return [line.strip() for line in compiled.splitlines() if line.strip()]


def with_build_pins(pyproject_text: str, pins: list[str]) -> str:
    """``pyproject_text`` with its ``build-constraint-dependencies`` list set to ``pins``."""
    block = "build-constraint-dependencies = [\n" + "".join(f'    "{pin}",\n' for pin in pins)
    block += "]\n"
    if not _BUILD_CONSTRAINTS.search(pyproject_text):
        raise SystemExit("pyproject.toml: no build-constraint-dependencies list in [tool.uv]")
    return _BUILD_CONSTRAINTS.sub(lambda _: block, pyproject_text, count=1)


def main() -> None:
    uv = sys.argv[1] if len(sys.argv) > 1 else "uv"
    text = PYPROJECT.read_text()
    requires = tomllib.loads(text)["build-system"]["requires"]
    PYPROJECT.write_text(with_build_pins(text, newest_build_pins(uv, requires)))
    subprocess.run([uv, "lock", "--upgrade"], check=True)


if __name__ == "__main__":
    main()
