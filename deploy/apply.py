"""Carry out a plan through the official SDKs, in dependency order, printing one line per change."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from deploy import functiongraph, iam, smn
from deploy.plan import Plan
from deploy.resources import Applying, Change, Resource
from deploy.session import Session

_SERVICES = {kind: module for module in (smn, iam, functiongraph) for kind in module.KINDS}


def apply(session: Session, plan: Plan, current: Iterable[Resource], package: Path | None,
          echo: Callable[[str], None] = print) -> int:
    """Run every change; returns how many were made. Stops at the first failure (re-running resumes)."""
    applying = Applying(session, {r.label: r.ident for r in current if r.ident}, package)
    for change in plan.changes:
        _run(applying, change)
        echo(f"{change.action}d {change.resource.label}")
    return len(plan.changes)


def _run(applying: Applying, change: Change) -> None:
    module = _SERVICES[change.resource.kind]
    if change.action == "create":
        module.create(applying, change.desired)
    elif change.action == "delete":
        module.delete(applying, change.current)
    else:
        module.update(applying, change.desired, change.current)
