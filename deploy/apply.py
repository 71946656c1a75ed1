"""Carry out a plan through the official SDKs, in dependency order, printing one line per change."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from deploy import functiongraph, iam, smn
from deploy.plan import Plan
from deploy.resources import Change, Resource
from deploy.session import Session

_SERVICES = {kind: module for module in (smn, iam, functiongraph) for kind in module.KINDS}


def apply(session: Session, plan: Plan, current: Iterable[Resource], package: Path | None,
          echo: Callable[[str], None] = print) -> int:
    """Run every change; returns how many were made. Stops at the first failure (re-running resumes)."""
    ids = {r.label: r.ident for r in current if r.ident}
    for change in plan.changes:
        _run(session, change, ids, package)
        echo(f"{change.action}d {change.resource.label}")
    return len(plan.changes)


def _run(session: Session, change: Change, ids: dict[str, str], package: Path | None) -> None:
    resource = change.resource
    module = _SERVICES[resource.kind]
    extra = (package,) if module is functiongraph else ()
    if change.action == "create":
        module.create(session, change.desired, ids, *extra)
    elif change.action == "delete":
        module.delete(session, change.current, ids, *extra)
    else:
        module.update(session, change.desired, change.current, ids, *extra)
