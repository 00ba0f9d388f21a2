"""Create a virtual environment with pip, even where Debian left out ``ensurepip``.

On a fresh Debian machine ``python3 -m venv`` fails unless the python3-venv
package is installed, because ``ensurepip`` is removed. This script creates
the environment without pip and, if needed, installs pip from its wheel on
PyPI (the wheel runs as a zip: ``python pip.whl/pip install pip``).

Usage: python3 tools/bootstrap_venv.py .venv
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
import venv
from pathlib import Path


def venv_python(target: Path) -> Path:
    return target / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def has_pip(python: Path) -> bool:
    return subprocess.run([python, "-m", "pip", "--version"], capture_output=True).returncode == 0


def pip_wheel_url() -> str:
    index = "https://pypi.org/pypi/pip/json"
    with urllib.request.urlopen(index, timeout=60) as answer:
        release = json.load(answer)
    for file in release["urls"]:
        if file["packagetype"] == "bdist_wheel":
            # Mirrors may give addresses relative to the index page.
            return urllib.parse.urljoin(answer.geturl(), file["url"])
    raise SystemExit("no pip wheel found on PyPI")


def main() -> None:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else ".venv")
    try:
        venv.EnvBuilder(with_pip=True).create(target)
    except Exception as error:  # Debian without python3-venv: no ensurepip
        print(f"venv with pip failed ({error}); installing pip from PyPI", file=sys.stderr)
        venv.EnvBuilder(with_pip=False).create(target)
    python = venv_python(target)
    if not has_pip(python):
        with tempfile.TemporaryDirectory() as tmp:
            wheel = Path(tmp) / "pip.whl"
            urllib.request.urlretrieve(pip_wheel_url(), wheel)
            subprocess.run([python, f"{wheel}/pip", "install", "--quiet", "pip"], check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)


if __name__ == "__main__":
    main()
