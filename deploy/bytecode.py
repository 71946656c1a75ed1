"""Pre-compiled bytecode for the modules a cold start imports.

FunctionGraph's code directory may not be writable, and then Python compiles the SDK's ~1,500 modules on
every cold start (measured: 1.1 s to import the handler and the four SDK clients from sources, 0.3 s from
bytecode). So the package ships ``unchecked-hash`` bytecode (valid without source timestamps) for exactly the
modules the function imports:

- our own code (``bmsguard/``, ``handlers/``, ``index.py``) keeps its sources, with the bytecode beside them in
  ``__pycache__`` — tracebacks stay readable;
- for those third-party modules the bytecode *replaces* the source (a sourceless module, which CPython
  imports from ``name.pyc``): shipping both would push the zip past its 8 MB budget.

Bytecode differs between CPython versions, so it is compiled by the target runtime's own interpreter, in a
fresh process with a fixed hash seed so the same inputs give the same bytes. Without that interpreter on this
machine the package ships sources only.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

from deploy.interpreters import find_python

OWN_CODE = ("bmsguard/", "handlers/", "index.py")

# Import what a cold start and the first event import; print the package-relative paths of those sources.
_LIST_IMPORTED = r"""
import importlib, json, sys
root = sys.argv[1]
sys.path.insert(0, root)
sys.dont_write_bytecode = True
for name in ("index", "handlers.compose", "bmsguard.service", "bmsguard.render", "bmsguard.events", "yaml",
             "huaweicloudsdkcore.auth.credentials", "huaweicloudsdkcore.http.http_config"):
    importlib.import_module(name)
from bmsguard.cloud.clients import CLIENTS
for spec in CLIENTS.values():
    importlib.import_module(spec.package)
    importlib.import_module(spec.package + ".model")
    importlib.import_module(spec.package + "." + spec.region.rsplit(".", 1)[0])
paths = {getattr(m, "__file__", None) or "" for m in list(sys.modules.values())}
print(json.dumps(sorted(p[len(root):].lstrip("/") for p in paths if p.startswith(root) and p.endswith(".py"))))
"""

# Compile each listed source to unchecked-hash bytecode at <out>/<source path>c.
_COMPILE = r"""
import importlib.util, json, os, sys
root, out = sys.argv[1], sys.argv[2]
for rel in json.loads(sys.stdin.read()):
    with open(os.path.join(root, rel), "rb") as f:
        source = f.read()
    code = compile(source, rel, "exec", dont_inherit=True)
    data = importlib._bootstrap_external._code_to_hash_pyc(code, importlib.util.source_hash(source), checked=False)
    target = os.path.join(out, rel + "c")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as f:
        f.write(bytes(data))
"""


def with_bytecode(files: dict[str, bytes], python_version: str) -> dict[str, bytes] | None:
    """``files`` (zip name -> bytes) with bytecode added as described above; None without the interpreter."""
    python = find_python(python_version)
    if python is None:
        return None
    with tempfile.TemporaryDirectory(prefix="bmsguard-pyc-") as tmp:
        root, out = Path(tmp) / "pkg", Path(tmp) / "pyc"
        for name, data in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(data)
        imported = json.loads(_run(python, _LIST_IMPORTED, root))
        _run(python, _COMPILE, root, str(out), stdin=json.dumps(imported))
        result = dict(files)
        for source in imported:
            pyc = (out / (source + "c")).read_bytes()
            if source.startswith(OWN_CODE):
                result[_cached_name(source, python_version)] = pyc
            else:
                del result[source]
                result[source + "c"] = pyc
        return result


def _run(python: str, script: str, *args: str | Path, stdin: str = "") -> str:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONHASHSEED": "0"}  # a fixed seed: reproducible bytecode
    result = subprocess.run([python, "-S", "-s", "-c", script, *map(str, args)], input=stdin,
                            capture_output=True, text=True, env=env)
    if result.returncode:
        raise RuntimeError(f"compiling the package's bytecode with {python} failed:\n{result.stderr[-2000:]}")
    return result.stdout


def _cached_name(source: str, python_version: str) -> str:
    folder, _, file = source.rpartition("/")
    pyc = f"__pycache__/{file[:-3]}.cpython-{python_version.replace('.', '')}.pyc"
    return f"{folder}/{pyc}" if folder else pyc
