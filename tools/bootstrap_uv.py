"""Fetch the pinned ``uv`` binary from PyPI, checked against its recorded SHA-256.

``make test`` and ``make demo`` install the development environment from the
committed ``uv.lock`` with uv. The README promises that a fresh machine needs only
``python3``, ``make``, ``git`` and ``bash``, so uv cannot be a prerequisite: this
script takes the binary out of uv's wheel on PyPI (a wheel is a zip file) with
nothing but the standard library. No pip and no ``ensurepip`` are involved, so it
works on Debian without ``python3-venv``; uv then creates the virtual environment
itself, without them too.

The wheel's address and hash are pinned here, so the uv that installs the lock is
as fixed as the lock. To move to a newer uv, change ``UV_VERSION`` and ``WHEELS``
(from https://pypi.org/simple/uv/) in one commit.

Usage: python3 tools/bootstrap_uv.py .tools/uv
"""

from __future__ import annotations

import hashlib
import os
import platform
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path

UV_VERSION = "0.13.9"

_FILES = "https://files.pythonhosted.org/packages"

# (machine) -> (wheel address, sha256). uv's Linux binaries are static, so one
# wheel per architecture serves glibc and musl systems alike.
WHEELS = {
    "x86_64": (
        f"{_FILES}/3d/aa/26d64642d808de4a652579ef950d7cd2d37f080a8babf9c67c6b75fc4c3f"
        f"/uv-{UV_VERSION}-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "d7f459fe4fd247d830351c75686d3996ace3c6f3f728eb0e85a30b7ada0cef19",
    ),
    "aarch64": (
        f"{_FILES}/57/15/94b6cd62ac3ff6550288328e8035288875197cbc183f51554b266a69877b"
        f"/uv-{UV_VERSION}-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64"
        ".musllinux_1_1_aarch64.whl",
        "5435c5ce14a56431208ca0996416d310f1598e8c2c8ba707688985a16bb82dbe",
    ),
}


def wheel_for_this_machine() -> tuple[str, str]:
    """The pinned wheel's address and hash for this machine, or exit saying why not."""
    machine = platform.machine().lower()
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    if sys.platform != "linux" or machine not in WHEELS:
        raise SystemExit(
            f"no pinned uv {UV_VERSION} wheel for {sys.platform}/{machine}; install uv "
            f"{UV_VERSION} yourself (https://docs.astral.sh/uv/) and run make with UV=/path/to/uv"
        )
    return WHEELS[machine]


def download(url: str, sha256: str, into: Path) -> None:
    """Download ``url`` to ``into``, refusing it unless its SHA-256 is ``sha256``."""
    digest = hashlib.sha256()
    with urllib.request.urlopen(url, timeout=120) as answer, into.open("wb") as out:
        while chunk := answer.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != sha256:
        raise SystemExit(f"{url}: SHA-256 {digest.hexdigest()}, expected {sha256}; not used")


def extract_binary(wheel: Path, target: Path) -> None:
    """Write the wheel's ``uv`` executable to ``target`` atomically."""
    member = f"uv-{UV_VERSION}.data/scripts/uv"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(wheel) as archive, archive.open(member) as source:
        partial.write_bytes(source.read())
    partial.chmod(0o755)
    # A half-written binary must never be taken for a good one by the next make.
    os.replace(partial, target)


def main() -> None:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else ".tools/uv")
    url, sha256 = wheel_for_this_machine()
    with tempfile.TemporaryDirectory() as tmp:
        wheel = Path(tmp) / "uv.whl"
        download(url, sha256, wheel)
        extract_binary(wheel, target)
    print(f"uv {UV_VERSION} -> {target}", file=sys.stderr)


if __name__ == "__main__":
    main()
