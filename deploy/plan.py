"""Desired vs. found -> the changes deploy (or destroy) would make, and their human rendering."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bmsguard.errors import InputError
from deploy import functiongraph, iam, smn
from deploy.resources import Change, Resource, field_changes, marker
from deploy.session import Session
from deploy.template import Template

REPLACED_KINDS = ("trigger",)  # no in-place update: delete + create


class NotOurs(InputError):
    """A resource the template names exists but was not created by deploy (no ownership marker)."""


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...]
    notes: tuple[str, ...] = ()  # things deploy found and deliberately leaves alone

    @property
    def empty(self) -> bool:
        return not self.changes


def read_current(session: Session, template: Template, desired: Iterable[Resource],
                 places: Iterable[tuple[str, str]] = ()) -> list[Resource]:
    """What exists of everything the template (or an earlier deploy of this stack) may have made.

    Functions are looked for in the home region, where the desired ones go, and in ``places`` (every
    trigger region, so the copy of a trigger disabled since the last deploy is still found).
    """
    desired = list(desired)
    stack = marker(template.function.name)
    places = {(session.target.region, session.target.project_id), *places}
    places |= {(r.spec.region, r.spec.project_id) for r in desired if r.kind == "function"}
    names = {r.spec.name for r in desired if r.kind == "function"} | {template.function.name}
    role_names = [p.name for p in template.agency.policies] + ([template.guardrail.name] if template.guardrail else [])
    return [*smn.read(session, template.topic.name, stack),
            *iam.read(session, template.agency.name, role_names, stack),
            *functiongraph.read(session, places, names, stack)]


def diff(desired: Iterable[Resource], current: Iterable[Resource]) -> Plan:
    """Create what is missing, update what differs, delete what is ours and no longer wanted.

    A wanted resource that exists without our marker stops the plan (``NotOurs``) - except a subscription,
    which is then left as it is (someone already subscribed that endpoint).
    """
    current = list(current)
    found = {(r.kind, r.key): r for r in current}
    wanted = {(r.kind, r.key): r for r in desired}
    changes = []
    for key, want in wanted.items():
        have = found.get(key)
        if have is None:
            changes.append(Change("create", want, None))
        elif not have.owned:
            if want.kind != "subscription":
                raise NotOurs(f"{want.label} already exists but was not created by bmsguard deploy (no "
                              f"'{marker('...')}' marker): rename it in the template or remove it first")
        elif want.props != have.props:
            action = "replace" if want.kind in REPLACED_KINDS else "update"
            changes.append(Change(action, want, have, field_changes(want, have)))
    changes.extend(Change("delete", None, have) for key, have in found.items() if key not in wanted and have.owned)
    return Plan(tuple(sorted(changes, key=lambda c: c.order)), _foreign_grant_notes(current))


def _foreign_grant_notes(current: Iterable[Resource]) -> tuple[str, ...]:
    """The function never strips its own agency, so a role someone else granted it deserves a look."""
    return tuple(f"{r.spec[0]} also holds '{r.spec[1]}' on {r.spec[2]} {r.spec[3]}, granted outside deploy: "
                 "left as is (the function never strips its own agency; review and revoke it if unneeded)"
                 for r in current if r.kind == "grant" and not r.owned)


def destroy_plan(current: Iterable[Resource]) -> Plan:
    """Delete every resource that carries our marker; triggers and async configs go with their function."""
    owned = [r for r in current if r.owned and r.kind not in ("trigger", "async_config")]
    return Plan(tuple(sorted((Change("delete", None, r) for r in owned), key=lambda c: c.order)))


def render(plan: Plan, nothing: str = "No changes: the cloud matches the template.") -> str:
    notes = [f"! {note}" for note in plan.notes]
    if plan.empty:
        return "\n".join([*notes, nothing])
    lines = notes
    for change in plan.changes:
        lines.append(f"{_SIGNS[change.action]} {change.action} {change.resource.label}")
        for field in change.fields:
            lines.append(f"    {field.name}: {_short(field.old)} -> {_short(field.new)}")
    counts = {a: sum(c.action == a for c in plan.changes) for a in _SIGNS}
    lines.append("Plan: " + ", ".join(f"{n} to {a}" for a, n in counts.items() if n))
    return "\n".join(lines)


_SIGNS = {"create": "+", "update": "~", "replace": "-/+", "delete": "-"}


def _short(text: str, limit: int = 160) -> str:
    if not text:
        return "(none)"
    return text if len(text) <= limit else text[: limit - 3] + "..."
