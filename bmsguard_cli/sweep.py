"""`bmsguard sweep`: the timer sweep on demand, with a progress bar on a terminal and a summary table.

The deployed function sweeps the whole project in one invocation. On demand, the command lists the servers
once and then runs the real handler for each server in turn (a manual invocation with that server id), so it
can show progress and so one slow server cannot use up the time of the others.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any, TextIO

from .replay import LiveTarget, LocalTarget, invoke_handler

_STATUS_ORDER = ("failed", "rejected", "ok", "ignored")


def run_sweep(args: argparse.Namespace) -> int:
    if args.live:
        target = LiveTarget(policy=args.policy, dry_run=args.dry_run)
        cloud, context = None, target.context()
    else:
        target = LocalTarget(Path(args.world) if args.world else None, policy=args.policy, dry_run=args.dry_run)
        cloud = target.load()
        context = None
    with cloud if cloud is not None else nullcontext():
        if cloud is not None:
            context = target.context(cloud)
        server_ids = list_server_ids(context, target.sleep)
        reports = _sweep(server_ids, context, cloud, target, progress=sys.stderr if sys.stderr.isatty() else None)
    combined = combine(reports)
    if args.json:
        print(json.dumps(combined, indent=2, default=str))
    else:
        print_summary(combined, sys.stdout)
    return 1 if combined["status"] == "failed" else 0


def list_server_ids(context: Any, sleep: Callable[[float], None]) -> list[str]:
    """One paged scan through the production gateway, composed exactly as the handler composes it."""
    from bmsguard.cloud.retry import wall_clock_ms
    from bmsguard.settings import Settings
    from handlers.compose import cached_policy, compose

    settings = Settings.from_context(context)
    deps = compose(context, settings, cached_policy(settings.policy_source), "bmsguard-sweep",
                   clock=wall_clock_ms, sleep=sleep)
    return [server.id for server in deps.gateway.iter_servers()]


def _sweep(server_ids: list[str], context: Any, cloud: Any, target: Any, *, progress: TextIO | None) -> list[dict]:
    reports = []
    for done, server_id in enumerate(server_ids):
        if progress:
            _draw(progress, done, len(server_ids), server_id)
        fresh = target.context(cloud) if cloud is not None else target.context()
        reports.append(invoke_handler({"server_ids": [server_id]}, fresh, target.sleep))
    if progress:
        _draw(progress, len(server_ids), len(server_ids), "done")
        progress.write("\n")
    return reports


def _draw(out: TextIO, done: int, total: int, label: str) -> None:
    width = 30
    filled = width * done // total if total else width
    out.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label[:40]:<40}")
    out.flush()


def combine(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """One sweep report out of the per-server ones."""
    statuses = [r.get("status", "ok") for r in reports]
    status = next((s for s in _STATUS_ORDER if s in statuses), "ok")
    return {
        "status": status,
        "mode": reports[0].get("mode", "") if reports else "",
        "servers": [server for r in reports for server in r.get("servers", [])],
        "api_calls": sum(r.get("api_calls", 0) for r in reports),
        "reasons": [r["reason"] for r in reports if r.get("reason")],
    }


def print_summary(report: dict[str, Any], out: TextIO) -> None:
    rows = [("server", "outcome", "actions", "error")]
    rows += [(_name(s), s["status"], _actions(s), s.get("error") or "") for s in report["servers"]]
    name_w, status_w, actions_w = (max(len(r[i]) for r in rows) for i in range(3))
    for name, status, actions, error in rows:
        out.write(f"{name:<{name_w}}  {status:<{status_w}}  {actions:<{actions_w}}  {error}".rstrip() + "\n")
    counts = Counter(s["status"] for s in report["servers"])
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    out.write(f"\n{len(rows) - 1} servers ({summary or 'none'}); mode {report['mode'] or '-'}; "
              f"{report['api_calls']} API calls\n")


def _name(server: dict[str, Any]) -> str:
    return (server.get("posture") or {}).get("name") or server["server_id"]


def _actions(server: dict[str, Any]) -> str:
    counts = Counter(o["status"] for o in server.get("outcomes", []))
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "-"
