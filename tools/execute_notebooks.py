"""Re-execute notebooks in place so that nbval compares against fresh, real outputs.

Timing metadata is not recorded: it changes on every run and would only add
noise to diffs. Neither is the widgets' state: the control panel is over a
thousand widget models (a megabyte), which a reader's kernel makes afresh.

Usage: python tools/execute_notebooks.py notebooks/*.ipynb
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def main(paths: list[str]) -> None:
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        NotebookClient(notebook, timeout=120, kernel_name="python3", record_timing=False,
                       store_widget_state=False,
                       resources={"metadata": {"path": str(Path(path).parent)}}).execute()
        nbformat.write(notebook, path)
        print(f"executed {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
