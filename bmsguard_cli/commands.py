"""The subcommands of `bmsguard` (argument parsing lives in main.py)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bmsguard.errors import InputError

from . import catalogue, present
from .replay import LiveTarget, LocalTarget, Run, dump_world

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


# ---------------------------------------------------------------- replay


def replay(args: argparse.Namespace) -> int:
    if args.library and args.events:
        raise InputError("give either --library or event files, not both")
    if not args.library and not args.events:
        raise InputError("replay needs at least one EVENT_FILE (or --library for the whole sample library)")
    if args.live and (args.world or args.dump_world or args.library):
        raise InputError("--live replays against a real account: --world, --dump-world and --library are local only")
    if args.live:
        return _replay_live(args)
    return _replay_library(args) if args.library else _replay_files(args)


def _replay_files(args: argparse.Namespace) -> int:
    target = LocalTarget(_path(args.world), policy=args.policy, dry_run=args.dry_run)
    shared = target.load() if args.world else None
    runs: list[tuple[Path, Run]] = []
    for name in args.events:
        path = Path(name)
        event = catalogue.read_event(path)
        cloud = shared or target.load(_world_of(path))
        with target.activated(cloud):
            run = target.run(cloud, event)
        runs.append((path, run))
        if not args.json:
            _print_run(path, run, args.email)
    if args.dump_world and runs:
        dump_world(Path(args.dump_world), runs[-1][1].world)
    if args.json:
        _print_json(runs)
    return _exit_code(run.report for _, run in runs)


def _world_of(event_file: Path) -> Path | None:
    sample = catalogue.find_sample(event_file)
    return sample.world if sample else None


def _replay_library(args: argparse.Namespace) -> int:
    target = LocalTarget(_path(args.world), policy=args.policy, dry_run=args.dry_run)
    check = not (args.world or args.policy or args.dry_run)  # documented outcomes hold for the defaults only
    runs, mismatches = [], 0
    for sample in catalogue.load_catalogue():
        cloud = target.load(None if args.world else sample.world)
        with target.activated(cloud):
            run = target.run(cloud, catalogue.read_event(sample.file))
        runs.append((sample.file, run))
        problems = catalogue.check_expectation(sample.expect, run.report, run.published, run.world) if check else []
        mismatches += bool(problems)
        if not args.json:
            _print_run(sample.file, run, args.email, sample=sample, problems=problems, checked=check)
    if args.dump_world and runs:
        dump_world(Path(args.dump_world), runs[-1][1].world)
    if args.json:
        _print_json(runs)
    elif check:
        print(f"\n{len(runs) - mismatches} of {len(runs)} samples behaved as documented in events/catalogue.yaml")
    return EXIT_FAILED if mismatches else EXIT_OK


def _replay_live(args: argparse.Namespace) -> int:
    target = LiveTarget(policy=args.policy, dry_run=args.dry_run)
    runs = []
    for name in args.events:
        path = Path(name)
        run = target.run(catalogue.read_event(path))
        runs.append((path, run))
        if not args.json:
            _print_run(path, run, args.email)
    if args.json:
        _print_json(runs)
    return _exit_code(run.report for _, run in runs)


def _print_run(path: Path, run: Run, email: bool, *, sample: catalogue.SampleEvent | None = None,
               problems: list[str] | None = None, checked: bool = False) -> None:
    print(f"\n▶ {path.name}" + (f" — {sample.trigger}" if sample else ""))
    if sample:
        print(f"  {sample.shows}")
    present.print_report(run.report, run.published, sys.stdout, show_email=email)
    if checked:
        print("  ✓ as documented" if not problems else "  ✗ differs from the catalogue: " + "; ".join(problems))


def _print_json(runs: list[tuple[Path, Run]]) -> None:
    body = {"runs": [{"event": str(path), "report": run.report, "notifications": run.published}
                     for path, run in runs]}
    print(json.dumps(body, indent=2, default=str))


def _exit_code(reports: Any) -> int:
    statuses = [r.get("status") for r in reports]
    if "failed" in statuses:
        return EXIT_FAILED
    if "rejected" in statuses:
        return EXIT_BAD_INPUT
    return EXIT_OK


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


# ---------------------------------------------------------------- sweep


def sweep(args: argparse.Namespace) -> int:
    from .sweep import run_sweep

    return run_sweep(args)


# ---------------------------------------------------------------- events, policy, localcloud


def list_events(args: argparse.Namespace) -> int:
    samples = catalogue.load_catalogue()
    width = max(len(s.file.name) for s in samples)
    for sample in samples:
        print(f"{sample.file.name:<{width}}  {sample.trigger}\n{'':<{width}}  ↳ {sample.shows}")
    print(f"\n{len(samples)} events; replay them all with: bmsguard replay --library")
    return EXIT_OK


def check_policy(args: argparse.Namespace) -> int:
    from .policy_view import describe_policy

    print(describe_policy(args.file))
    return EXIT_OK


def localcloud(args: argparse.Namespace) -> int:
    from localcloud.__main__ import main as localcloud_main

    try:
        return localcloud_main(list(args.args))
    except SystemExit as exc:  # its own usage errors (2) and --help (0): main() returns a code, never exits
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
