"""``bmsguard package | deploy | destroy``: ``add_commands(subparsers)`` registers them on the CLI.

Exit codes: 0 done (or nothing to do), 1 a cloud call or the build failed, 2 bad input (template,
missing environment variable, a same-named resource deploy does not own).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import io
import os
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from bmsguard.errors import InputError
from deploy.apply import apply
from deploy.desired import desired_resources, trigger_places
from deploy.package import PackageError, build_package
from deploy.plan import destroy_plan, diff, read_current, render
from deploy.session import CloudCallFailed, Session
from deploy.template import RUNTIMES, load_template

DEFAULT_OUTPUT_DIR = Path("dist")


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    package = subparsers.add_parser("package", help="build the function zip (runtime code + pinned dependencies)")
    package.add_argument("--runtime", choices=tuple(RUNTIMES), help="default: the template's function.runtime")
    package.add_argument("--output", type=Path, help="zip path (default: dist/bmsguard-<runtime>.zip)")
    package.add_argument("--template", type=Path, help="default: template.yaml of this checkout")
    package.set_defaults(func=run_package)

    deploy = subparsers.add_parser("deploy", help="create or update everything template.yaml describes")
    _cloud_options(deploy)
    deploy.add_argument("--plan", action="store_true", help="print the differences and change nothing")
    deploy.add_argument("--package", type=Path, help="deploy this zip instead of building one")
    deploy.set_defaults(func=run_deploy)

    destroy = subparsers.add_parser("destroy", help="remove what deploy created (and nothing else)")
    _cloud_options(destroy)
    destroy.add_argument("--plan", action="store_true", help="print what would be removed and change nothing")
    destroy.set_defaults(func=run_destroy)


def _cloud_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--template", type=Path, help="default: template.yaml of this checkout")
    parser.add_argument("--endpoint", default="", help="one endpoint for every service (e.g. localcloud)")


def _cloud_failures_exit_1(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """A failed cloud call or build exits 1 with its message; bad input (``InputError``) is left to the
    CLI's own handler, which names the file or variable and exits 2."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except (CloudCallFailed, PackageError) as exc:
            print(f"failed: {exc}", file=sys.stderr)
            return 1

    return run


@_cloud_failures_exit_1
def run_package(args: argparse.Namespace) -> int:
    template = load_template(args.template)
    runtime = args.runtime or template.function.runtime
    output = args.output or DEFAULT_OUTPUT_DIR / f"bmsguard-{runtime.lower()}.zip"
    built = build_package(output, python_version=RUNTIMES[runtime])
    print(f"wrote {built.path}: {built.size_mb:.2f} MB, {len(built.entries)} files, sha256 {built.sha256}")
    if not built.bytecode:
        print(f"note: no CPython {RUNTIMES[runtime]} on this machine, so the zip ships sources only; "
              "each cold start then compiles the SDK modules (about 1 s)")
    return 0


@_cloud_failures_exit_1
def run_deploy(args: argparse.Namespace) -> int:
    given_sha256 = _package_sha256(args.package) if args.package else ""
    template = load_template(args.template)
    session = Session.from_env(os.environ, args.endpoint)
    with tempfile.TemporaryDirectory(prefix="bmsguard-deploy-") as scratch:
        package = args.package or build_package(
            Path(scratch) / "bmsguard.zip", python_version=template.function.python_version).path
        sha256 = given_sha256 or _package_sha256(package)
        desired = desired_resources(template, session.target, dict(os.environ), sha256)
        places = trigger_places(template, session.target, dict(os.environ))
        current = read_current(session, template, desired, places)
        plan = diff(desired, current)
        print(render(plan))
        if args.plan or plan.empty:
            return 0
        made = apply(session, plan, current, package)
    print(f"Deployed: {made} change(s) applied.")
    return 0


@_cloud_failures_exit_1
def run_destroy(args: argparse.Namespace) -> int:
    template = load_template(args.template)
    session = Session.from_env(os.environ, args.endpoint)
    desired = desired_resources(template, session.target, dict(os.environ), "0" * 64)
    current = read_current(session, template, desired, trigger_places(template, session.target, dict(os.environ)))
    plan = destroy_plan(current)
    print(render(plan, nothing="Nothing to remove: no resource carries this stack's ownership marker."))
    if args.plan or plan.empty:
        return 0
    made = apply(session, plan, current, None)
    print(f"Destroyed: {made} resource(s) removed.")
    return 0


def _package_sha256(path: Path) -> str:
    """The zip's sha256; a missing, unreadable or non-zip ``--package`` is bad input naming the file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the package ({exc.strerror or exc})") from None
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InputError(f"{path}: not a zip file (build one with: bmsguard package)")
    return hashlib.sha256(data).hexdigest()
