"""The function zip: small, reproducible, only runtime code, and importable on the target Python alone."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from deploy.package import CODE_PACKAGES, ROOT, build_package
from deploy.template import RUNTIMES, load_template

MAX_BYTES = 8 * 1024 * 1024
INTERPRETERS = {"3.10": Path("/root/.pyenv/versions/3.10.13/bin/python"),
                "3.12": Path("/root/.pyenv/versions/3.12.1/bin/python")}
FORBIDDEN_PREFIXES = ("tests/", "localcloud/", "bmsguard_cli/", "deploy/", "events/", "pytest", "_pytest/",
                      "responses/", "ruff", "pip/", "setuptools/", "huaweicloudsdkfunctiongraph/", "pymongo/", "dns/")

IMPORT_CHECK = """
import importlib, sys, sysconfig
root = sys.argv[1]
sys.path[:0] = [root]
for handler in sys.argv[2:]:
    module, function = handler.rsplit(".", 1)
    assert callable(getattr(importlib.import_module(module), function)), handler
from bmsguard.cloud.clients import CLIENTS, ClientFactory, Target
from bmsguard.settings import Credentials
factory = ClientFactory(Target("sa-brazil-1", "p", "d", Credentials("ak", "sk", "token"),
                               endpoint="https://localcloud.invalid"))
for service in CLIENTS:
    factory.client(service)
from bmsguard.policy import load_policy
load_policy()
stdlib = (sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"])
outside = sorted(m.__name__ for m in list(sys.modules.values())
                 if getattr(m, "__file__", None) and not m.__file__.startswith((root, *stdlib)))
assert not outside, outside
print(sys.version_info[:2], len(sys.modules))
"""


@pytest.fixture(scope="module")
def code_snapshot(tmp_path_factory) -> Path:
    """A copy of the runtime code, so builds compare the same sources while others edit the tree."""
    snapshot = tmp_path_factory.mktemp("src")
    for package in CODE_PACKAGES:
        shutil.copytree(ROOT / package, snapshot / package, ignore=shutil.ignore_patterns("__pycache__"))
    return snapshot


@pytest.fixture(scope="module", params=sorted(RUNTIMES))
def built(request, code_snapshot, tmp_path_factory):
    runtime = request.param
    output = tmp_path_factory.mktemp("pkg") / f"{runtime}.zip"
    return runtime, build_package(output, python_version=RUNTIMES[runtime], root=code_snapshot)


def test_package_is_under_8_mb(built):
    _, package = built
    assert package.size == package.path.stat().st_size
    assert package.size < MAX_BYTES, f"{package.size_mb:.2f} MB"


def test_same_inputs_give_the_same_bytes(built, code_snapshot, tmp_path):
    runtime, first = built
    second = build_package(tmp_path / "again.zip", python_version=RUNTIMES[runtime], root=code_snapshot)
    assert second.sha256 == first.sha256


def test_only_runtime_code_and_dependencies_are_inside(built):
    runtime, package = built
    names = zipfile.ZipFile(package.path).namelist()
    assert names == sorted(names)
    assert {"index.py", "handlers/index.py", "bmsguard/default_policy.yaml", "bmsguard/cloud/gateway.py"} <= set(names)
    assert not [n for n in names if n.startswith(FORBIDDEN_PREFIXES)]
    assert not [n for n in names if n.endswith("/RECORD")]
    tag = f".cpython-{RUNTIMES[runtime].replace('.', '')}.pyc"
    own_bytecode = [n for n in names if "__pycache__" in n]
    assert all(n.startswith(("bmsguard/", "handlers/", "__pycache__/index")) and n.endswith(tag) for n in own_bytecode)


def test_bytecode_is_for_the_target_runtime_and_only_for_imported_modules(built):
    """Sourceless .pyc replace only the third-party sources a cold start imports; our code keeps its sources."""
    runtime, package = built
    interpreter = INTERPRETERS[RUNTIMES[runtime]]
    if not interpreter.exists():
        pytest.skip(f"no {runtime} interpreter at {interpreter}: the package ships sources only")
    assert package.bytecode
    archive = zipfile.ZipFile(package.path)
    pycs = [n for n in archive.namelist() if n.endswith(".pyc")]
    magic = subprocess.run([str(interpreter), "-c", "import importlib.util,sys; sys.stdout.write(importlib.util.MAGIC_NUMBER.hex())"],
                           capture_output=True, text=True, check=True).stdout
    assert {archive.read(n)[:4].hex() for n in pycs} == {magic}
    names = set(archive.namelist())
    assert "huaweicloudsdkiam/v3/iam_client.pyc" in names and "huaweicloudsdkiam/v3/iam_client.py" not in names
    assert "bmsguard/service.py" in names and f"bmsguard/__pycache__/service.cpython-{RUNTIMES[runtime].replace('.', '')}.pyc" in names
    assert not [n for n in pycs if n.startswith("huaweicloudsdkfunctiongraph/")]


def test_entries_have_fixed_timestamps_and_permissions(built):
    _, package = built
    infos = zipfile.ZipFile(package.path).infolist()
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {info.external_attr >> 16 for info in infos} == {0o644}


def test_every_template_handler_imports_on_the_target_python_with_nothing_else(built, tmp_path):
    runtime, package = built
    interpreter = INTERPRETERS[RUNTIMES[runtime]]
    if not interpreter.exists():
        pytest.skip(f"no {runtime} interpreter at {interpreter} to import the {runtime} package with")
    unpacked = tmp_path / "code"
    zipfile.ZipFile(package.path).extractall(unpacked)
    handlers = [load_template().function.handler]
    result = subprocess.run([str(interpreter), "-S", "-I", "-c", IMPORT_CHECK, str(unpacked), *handlers],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
