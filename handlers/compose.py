"""Composition root: per-container caches (policy, remediation ledger) and per-invocation dependencies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bmsguard.attempts import RemediationLedger
from bmsguard.cloud.clients import Target
from bmsguard.cloud.gateway import HuaweiCloudGateway
from bmsguard.cloud.retry import Deadline, RetryPolicy
from bmsguard.policy import Policy, load_policy
from bmsguard.service import Deps
from bmsguard.settings import Settings

HOUR_MS = 3_600_000

# Per warm container, keyed explicitly: a changed policy source or changed limits get their own entry.
_POLICIES: dict[str | None, Policy] = {}
_LEDGERS: dict[int, RemediationLedger] = {}
_MAX_LEDGERS = 32


def cached_policy(source: str | None) -> Policy:
    if source not in _POLICIES:
        _POLICIES.clear()
        _POLICIES[source] = load_policy(source)
    return _POLICIES[source]


def ledger_for(policy: Policy, clock: Callable[[], int]) -> RemediationLedger:
    """The container's ledger (one per cap: a changed policy limit starts a new one). Code that replays many
    emulated accounts in one process calls ``reset_container_state`` for each, as a new container would."""
    cap = policy.limits.max_remediations_per_server_per_hour
    if cap not in _LEDGERS:
        if len(_LEDGERS) >= _MAX_LEDGERS:
            _LEDGERS.clear()
        _LEDGERS[cap] = RemediationLedger(cap, HOUR_MS, clock)
    return _LEDGERS[cap]


def reset_container_state() -> None:
    """Forget cached policies and ledgers, as a fresh container would (tests, benchmark)."""
    _POLICIES.clear()
    _LEDGERS.clear()


def compose(context: Any, settings: Settings, policy: Policy, request_id: str, *,
            clock: Callable[[], int], sleep: Callable[[float], None]) -> Deps:
    deadline = Deadline.from_context(context, clock)
    target = Target(region=settings.region, project_id=settings.project_id, domain_id=settings.domain_id,
                    credentials=settings.credentials, endpoint=settings.endpoint)
    gateway = HuaweiCloudGateway(target, RetryPolicy(deadline=deadline, sleep=sleep), clock=clock)
    return Deps(settings=settings, policy=policy, gateway=gateway, deadline=deadline, clock=clock, sleep=sleep,
                ledger=ledger_for(policy, clock), request_id=request_id)
