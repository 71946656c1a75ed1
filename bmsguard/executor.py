"""Carry out a server's planned actions: write, then re-read to verify.

Report mode writes nothing (WOULD_APPLY). In enforce mode each action is written once (the gateway retries
transient errors inside the deadline) and verified by re-reading what it changed. A terminal error fails
that action and the next ones still run; once a retryable error has used up its retries, or time runs out,
the remaining actions are SKIPPED: the failed invocation is retried as a whole and re-plans from scratch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bmsguard.cloud.retry import Deadline, wall_clock_ms
from bmsguard.errors import CloudError, OutOfTime, ResourceGone
from bmsguard.model import (
    Action,
    ActionOutcome,
    ActionStatus,
    DetachAgencyPolicy,
    DisableMetadata,
    RequireMetadataV2,
    RevokeAgencyRole,
    ServerPosture,
    UnbindAgency,
)

REPORT = "report"
MIN_ACTION_MS = 1_000  # do not start a write with less time than this left


@dataclass(frozen=True)
class _Written:
    attempts: int
    applied_at_ms: int


def execute(server: ServerPosture, actions: tuple[Action, ...], gateway, *, mode: str, deadline: Deadline,
            clock: Callable[[], int] = wall_clock_ms) -> tuple[ActionOutcome, ...]:
    if mode == REPORT:
        return tuple(ActionOutcome(action=action, status=ActionStatus.WOULD_APPLY) for action in actions)
    outcomes: list[ActionOutcome] = []
    stop_reason = ""
    for action in actions:
        if not stop_reason and deadline.remaining_ms() < MIN_ACTION_MS:
            stop_reason = "the function ran out of time before this action"
        if stop_reason:
            outcomes.append(ActionOutcome(action=action, status=ActionStatus.SKIPPED, error=stop_reason,
                                          retryable=True))
            continue
        outcome = _run(action, gateway, clock)
        outcomes.append(outcome)
        if outcome.status == ActionStatus.FAILED and outcome.retryable:
            stop_reason = f"skipped after {action.kind} failed with {outcome.error_code or 'a transient error'}"
    return tuple(outcomes)


def _run(action: Action, gateway, clock: Callable[[], int]) -> ActionOutcome:
    started = clock()
    try:
        written = _write(action, gateway, clock)
    except ResourceGone as exc:
        if isinstance(action, (RevokeAgencyRole, DetachAgencyPolicy)):  # nothing left to remove
            return ActionOutcome(action=action, status=ActionStatus.ALREADY, attempts=exc.attempts,
                                 request_id=exc.request_id, started_at_ms=started)
        return _failed(action, exc, started)
    except CloudError as exc:
        return _failed(action, exc, started)
    except OutOfTime as exc:
        return ActionOutcome(action=action, status=ActionStatus.SKIPPED, error=str(exc), retryable=True,
                             started_at_ms=started)
    return _verify(action, gateway, written, started, clock)


def _write(action: Action, gateway, clock: Callable[[], int]) -> _Written:
    if isinstance(action, DisableMetadata):
        receipt = gateway.set_metadata_options(action.server_id, http_endpoint="disabled")
    elif isinstance(action, RequireMetadataV2):
        receipt = gateway.set_metadata_options(action.server_id, http_endpoint="enabled", http_tokens="required")
    elif isinstance(action, RevokeAgencyRole):
        receipt = gateway.revoke_role(action.agency_id, action.grant)
    elif isinstance(action, DetachAgencyPolicy):
        receipt = gateway.detach_policy(action.agency_id, action.grant)
    elif isinstance(action, UnbindAgency):
        receipt = gateway.unbind_agency(action.server_id)
    else:
        raise TypeError(f"executor does not know action {type(action).__name__}")
    return _Written(attempts=receipt.attempts, applied_at_ms=clock())


def _verify(action: Action, gateway, written: _Written, started: int, clock: Callable[[], int]) -> ActionOutcome:
    try:
        stuck = _took_effect(action, gateway)
    except (CloudError, OutOfTime) as exc:
        return ActionOutcome(action=action, status=ActionStatus.NOT_APPLIED, attempts=written.attempts,
                             error_code=getattr(exc, "error_code", "") or type(exc).__name__,
                             error=f"written, but the re-read failed: {exc}", retryable=True,
                             request_id=getattr(exc, "request_id", ""), started_at_ms=started,
                             applied_at_ms=written.applied_at_ms)
    verified_at = clock()
    if stuck:
        return ActionOutcome(action=action, status=ActionStatus.APPLIED, attempts=written.attempts,
                             started_at_ms=started, applied_at_ms=written.applied_at_ms, verified_at_ms=verified_at)
    return ActionOutcome(action=action, status=ActionStatus.NOT_APPLIED, attempts=written.attempts,
                         error_code="NotApplied", error="the write succeeded but the re-read shows no change",
                         retryable=True, started_at_ms=started, applied_at_ms=written.applied_at_ms,
                         verified_at_ms=verified_at)


def _took_effect(action: Action, gateway) -> bool:
    if isinstance(action, DisableMetadata):
        return gateway.get_metadata_options(action.server_id).http_endpoint == "disabled"
    if isinstance(action, RequireMetadataV2):
        return gateway.get_metadata_options(action.server_id) == action.after
    if isinstance(action, (RevokeAgencyRole, DetachAgencyPolicy)):
        return not gateway.grant_present(action.agency_id, action.grant)
    return gateway.get_server(action.server_id).agency_name == ""


def _failed(action: Action, exc: CloudError, started: int) -> ActionOutcome:
    return ActionOutcome(action=action, status=ActionStatus.FAILED, attempts=exc.attempts,
                         error_code=exc.error_code or type(exc).__name__, error=str(exc),
                         request_id=exc.request_id, retryable=exc.retryable, started_at_ms=started)
