"""Find a working CPython of a given minor version on this machine (stdlib only: tasks.py uses it too)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def find_python(version: str) -> str | None:
    """A working interpreter of that version: pyenv's own installs first (its shims may point nowhere)."""
    candidates = [*sorted(Path.home().glob(f".pyenv/versions/{version}.*/bin/python")),
                  shutil.which(f"python{version}")]
    for candidate in filter(None, candidates):
        probe = subprocess.run([str(candidate), "-c", "import sys; print(sys.version_info[:2])"],
                               capture_output=True, text=True)
        if probe.returncode == 0 and probe.stdout.strip() == str(tuple(map(int, version.split(".")))):
            return str(candidate)
    return None
