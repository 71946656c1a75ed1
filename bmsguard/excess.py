"""The definition of an *excess* agency grant (docs/policy.md, "What counts as excess").

A grant is excess when, in this order:
1. ``deny-listed``: it matches ``agency.deny`` (wins over the allow-list);
   otherwise a grant matching ``agency.allow`` is never excess;
2. ``full-admin``: a known administrator role (te_admin, secu_admin, ...), a name ending in
   FullAccess/Administrator, or an Allow statement with action ``*`` or ``*:*:*``;
3. ``iam-write``: an Allow action on ``iam:`` whose verb is not read-only;
4. ``wildcard``: an Allow action with a ``*`` in a segment that is not a read-only verb pattern
   (``ecs:*:get*`` and ``ecs:servers:list*`` are read-only; ``ecs:*:*`` and ``ecs:servers:start*`` are not);
5. ``strict``: ``agency.strict`` is true and the grant is not on the allow-list.
Deny statements never count. Conditions do not make an Allow statement narrower for this test.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from bmsguard.model import Grant
from bmsguard.policy import AgencyPolicy

ADMIN_ROLE_NAMES = frozenset({
    "te_admin", "secu_admin", "fullaccess", "administratoraccess", "tenant administrator", "security administrator",
})
ADMIN_NAME_SUFFIXES = ("fullaccess", "administrator", "administratoraccess")
FULL_ADMIN_ACTIONS = frozenset({"*", "*:*:*", "*:*"})
READ_ONLY_VERBS = ("get", "list", "show", "check", "describe", "query", "search", "count", "head")


@dataclass(frozen=True)
class ExcessVerdict:
    criterion: str  # deny-listed | full-admin | iam-write | wildcard | strict
    detail: str  # human text naming the role name or action that decided it


def excess_verdict(grant: Grant, policy: AgencyPolicy) -> ExcessVerdict | None:
    """Why ``grant`` is excess under ``policy``, or None when it may stay."""
    denied = _matching_pattern(grant, policy.deny)
    if denied:
        return ExcessVerdict("deny-listed", f"matches agency.deny entry {denied!r}")
    if _matching_pattern(grant, policy.allow):
        return None
    for check in (_full_admin, _iam_write, _wildcard):
        verdict = check(grant)
        if verdict:
            return verdict
    if policy.strict:
        return ExcessVerdict("strict", "agency.strict is true and the grant is not on agency.allow")
    return None


def is_read_only_action(action: str) -> bool:
    """True for ``svc:resource:get*``-style actions whose verb (last segment) only reads."""
    verb = action.split(":")[-1].lower()
    return any(verb.startswith(read) for read in READ_ONLY_VERBS)


def _matching_pattern(grant: Grant, patterns: tuple[str, ...]) -> str:
    names = [n for n in (grant.role_name, grant.display_name, grant.role_id, grant.policy_urn) if n]
    for pattern in patterns:
        if any(fnmatch.fnmatchcase(name, pattern) for name in names):
            return pattern
    return ""


def _allow_actions(grant: Grant) -> list[str]:
    return [a.strip() for s in grant.statements if s.effect.lower() == "allow" for a in s.actions]


def _full_admin(grant: Grant) -> ExcessVerdict | None:
    for name in (grant.role_name, grant.display_name):
        lowered = name.lower()
        if lowered in ADMIN_ROLE_NAMES or lowered.replace(" ", "").endswith(ADMIN_NAME_SUFFIXES):
            return ExcessVerdict("full-admin", f"{name} is an administrator/full-access role")
    for action in _allow_actions(grant):
        if action in FULL_ADMIN_ACTIONS:
            return ExcessVerdict("full-admin", f"allows every action ({action!r})")
    return None


def _iam_write(grant: Grant) -> ExcessVerdict | None:
    for action in _allow_actions(grant):
        if action.lower().startswith("iam:") and not is_read_only_action(action):
            return ExcessVerdict("iam-write", f"allows IAM changes ({action!r})")
    return None


def _wildcard(grant: Grant) -> ExcessVerdict | None:
    for action in _allow_actions(grant):
        if "*" in action and not is_read_only_action(action):
            return ExcessVerdict("wildcard", f"allows a wildcard of write actions ({action!r})")
    return None
