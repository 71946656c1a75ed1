#!/usr/bin/env python3
"""Set-up-free entry points: each command makes its own virtual environment (.venv) first.

    python3 tasks.py demo    replay the sample events against the embedded local cloud
    python3 tasks.py test    run the whole test suite (and the linter)
    python3 tasks.py lint    run the linter only
    python3 tasks.py compat  run the function's tests on the other FunctionGraph Pythons (3.10, 3.12) found here

Needs only Python 3.10+ with pip and venv.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed"


def ensure_venv(extras: str) -> None:
    """Create .venv and install the project (editable) with the given extras, once per pyproject change."""
    if sys.version_info < (3, 10):  # noqa: UP036 - tasks.py runs on whatever python3 the user has
        sys.exit(f"bmsguard needs Python 3.10 or newer; this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        print(f"creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = f"{extras}:{(ROOT / 'pyproject.toml').stat().st_mtime_ns}"
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    target = f".[{extras}]" if extras else "."
    print(f"installing bmsguard{f'[{extras}]' if extras else ''} into {VENV.name} ...", flush=True)
    run([str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-e", target])
    STAMP.write_text(wanted)


def run(cmd: list[str]) -> None:
    result = subprocess.run(cmd, cwd=ROOT)
    if result.returncode:
        sys.exit(result.returncode)


def demo(args: list[str]) -> None:
    ensure_venv("")
    run([str(BIN / "bmsguard"), "replay", "--library", *args])


def test(args: list[str]) -> None:
    ensure_venv("dev")
    run([str(BIN / "python"), "-m", "pytest", *args])
    lint([])


def compat(args: list[str]) -> None:
    """The function ships for FunctionGraph's Python 3.10 and 3.12: run its tests there when they exist."""
    from deploy.interpreters import find_python

    found = [(v, p) for v, p in ((v, find_python(v)) for v in ("3.10", "3.12")) if p]
    for version, python in found:
        env_dir = ROOT / f".venv-{version}"
        if not (env_dir / "bin" / "python").exists():
            run([python, "-m", "venv", str(env_dir)])
        run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "-e", ".[dev]"])
        print(f"tests on Python {version}", flush=True)
        run([str(env_dir / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
             "tests/unit", "tests/integration", *args])
    missing = sorted({"3.10", "3.12"} - {v for v, _ in found})
    if missing:
        print(f"compat: no Python {', '.join(missing)} on this machine; not tested there")


def lint(args: list[str]) -> None:
    ensure_venv("dev")
    run([str(BIN / "python"), "-m", "ruff", "check", ".", *args])


COMMANDS = {"demo": demo, "test": test, "lint": lint, "compat": compat}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]](sys.argv[2:])
