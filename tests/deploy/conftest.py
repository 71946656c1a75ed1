"""Running ``bmsguard deploy | destroy`` against localcloud in process, as a user with the SDK env vars."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bmsguard_cli.main import main
from deploy.package import build_package

ALERT_EMAIL = "sec@example.com"
GLOBAL_TRACE_PROJECT = "a1b2c3d4e5f60718293a4b5c6d7e8f90"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


@pytest.fixture(scope="session")
def package_zip(tmp_path_factory) -> Path:
    return build_package(tmp_path_factory.mktemp("pkg") / "bmsguard.zip").path


@pytest.fixture
def sha512_of() -> Callable[[Path], str]:
    return lambda path: hashlib.sha512(path.read_bytes()).hexdigest()


@pytest.fixture
def cli(monkeypatch, capsys, package_zip) -> Callable[..., Run]:
    """``cli(cloud, "deploy", "--plan", template=path)``: run one command against ``cloud`` as user alice."""
    def run(cloud, command: str, *options: str, template: Path | None = None, package: bool = True,
            unset: tuple[str, ...] = ()) -> Run:
        alice = cloud.credential("alice")
        for name, value in {"HUAWEICLOUD_SDK_AK": alice.ak, "HUAWEICLOUD_SDK_SK": alice.sk,
                            "HUAWEICLOUD_SDK_PROJECT_ID": cloud.project_id,
                            "HUAWEICLOUD_SDK_DOMAIN_ID": cloud.domain_id, "BMSGUARD_REGION": cloud.region,
                            "BMSGUARD_ALERT_EMAIL": ALERT_EMAIL,
                            "BMSGUARD_GLOBAL_TRACE_PROJECT_ID": GLOBAL_TRACE_PROJECT}.items():
            monkeypatch.setenv(name, value)
        for name in unset:
            monkeypatch.delenv(name)
        argv = [command, "--endpoint", cloud.endpoint, *options]
        if template:
            argv += ["--template", str(template)]
        if command == "deploy" and package:
            argv += ["--package", str(package_zip)]
        capsys.readouterr()
        code = main(argv)  # the real `bmsguard` entry point
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run
