"""One invocation, end to end: resolve targets -> inspect -> rules -> plan -> execute -> notify -> report.

``run(trigger, deps)`` never raises for cloud trouble: every problem lands in the Report. Its status is
"failed" when any server failed; it is also ``retryable`` when a server failed retryably or the event could
not be completed: the failure notification is published and the handler raises after logging, so
FunctionGraph's async retry and failure destination take over.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bmsguard import executor, planner, rules
from bmsguard.attempts import RemediationLedger
from bmsguard.cloud import posture
from bmsguard.cloud.retry import Deadline, poll_until, wall_clock_ms
from bmsguard.cloud.types import JobStatus
from bmsguard.errors import CloudError, OutOfTime, ResourceGone
from bmsguard.model import (
    Action,
    ActionOutcome,
    ActionStatus,
    Report,
    ServerOutcome,
    ServerPosture,
    ServerStatus,
    Trigger,
    TriggerKind,
)
from bmsguard.policy import Policy
from bmsguard.settings import Settings

OK, FAILED, IGNORED = "ok", "failed", "ignored"
MAX_LISTED_SERVERS = 200  # a sweep report lists at most this many non-compliant servers; the rest are counted
MAX_FAILURE_SERVERS = 20  # servers named in the event-failure message (the ones that failed retryably)
MIN_SERVER_MS = 2_000  # do not start on another server with less time than this left
_BMS_KINDS = frozenset({TriggerKind.SERVER_CREATED, TriggerKind.JOB_COMPLETED, TriggerKind.SERVER_CHANGED})
_FAILED_STATUSES = frozenset({ServerStatus.FAILED, ServerStatus.PARTIALLY_FAILED, ServerStatus.NOT_READY})
_UNSUCCESSFUL = frozenset({ActionStatus.FAILED, ActionStatus.NOT_APPLIED, ActionStatus.SKIPPED})


@dataclass(frozen=True)
class Deps:
    settings: Settings
    policy: Policy
    gateway: Any  # HuaweiCloudGateway or anything with its verbs
    deadline: Deadline
    clock: Callable[[], int] = wall_clock_ms
    sleep: Callable[[float], None] = lambda _s: None
    ledger: RemediationLedger | None = None
    request_id: str = ""
    notifier: Callable[[Any], str] | None = None  # publishes a rendered notification; default: SMN topic

    def publish(self, notification: Any) -> str:
        if self.notifier is not None:
            return self.notifier(notification)
        return self.gateway.publish(self.settings.topic_urn, notification)


@dataclass
class _Run:
    """What one invocation has found so far (mutable scratch, local to ``run``)."""

    trigger: Trigger
    deps: Deps
    mode: str
    received_at_ms: int
    outcomes: list[ServerOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # why the event could not be completed
    notes: list[str] = field(default_factory=list)


def run(trigger: Trigger, deps: Deps) -> Report:
    state = _Run(trigger=trigger, deps=deps, mode=effective_mode(trigger, deps), received_at_ms=deps.clock())
    why_not = own_action_reason(trigger, deps.settings) or other_project_reason(trigger, deps.settings)
    if why_not:
        return Report(status=IGNORED, mode=state.mode, trigger=trigger, reason=why_not,
                      request_id=deps.request_id, received_at_ms=state.received_at_ms,
                      finished_at_ms=deps.clock())
    try:
        _process(state)
    except (CloudError, OutOfTime) as exc:
        state.problems.append(f"{type(exc).__name__}: {exc}")
    report = _report(state)
    if report.retryable:
        report = _notify_event_failure(report, deps)
    return report


def effective_mode(trigger: Trigger, deps: Deps) -> str:
    """Event "report" (manual dry run) > BMSGUARD_MODE > policy mode."""
    if trigger.mode_override == "report":
        return "report"
    return deps.settings.mode_override or deps.policy.mode


def own_action_reason(trigger: Trigger, settings: Settings) -> str:
    """Why an event was caused by bmsguard itself ("" if it was not): the loop breaker's first line."""
    actor = trigger.actor
    if actor is None:
        return ""
    agency = actor.name.split("/", 1)[0]
    if actor.type == "AssumedAgency" and agency == settings.own_agency:
        return f"event caused by bmsguard's own agency {settings.own_agency} (loop breaker)"
    if actor.access_key_id and actor.access_key_id == settings.credentials.access_key:
        return "event caused by bmsguard's own access key (loop breaker)"
    return ""


def other_project_reason(trigger: Trigger, settings: Settings) -> str:
    """Why a BMS event is not ours: it names another project ("" if it is ours or names none).
    IAM traces are account-wide (global service), so they are never filtered by project."""
    if trigger.kind not in _BMS_KINDS or not trigger.project_id or trigger.project_id == settings.project_id:
        return ""
    return f"event for project {trigger.project_id}; this function handles project {settings.project_id}"


# ---------------------------------------------------------------- targets


def _process(state: _Run) -> None:
    kind = state.trigger.kind
    if kind == TriggerKind.SWEEP:
        _sweep(state)
    elif kind == TriggerKind.AGENCY_CHANGED:
        _agency_servers(state)
    else:
        for server_id in _server_ids(state):
            _handle_server(state, server_id)


def _server_ids(state: _Run) -> tuple[str, ...]:
    trigger = state.trigger
    if trigger.server_ids or not trigger.job_id:
        return trigger.server_ids
    job = _finished_job(state, trigger.job_id)
    if job is None:
        state.problems.append(f"job {trigger.job_id} is still running after the build wait; retry later")
        return ()
    for failed in job.failed:
        state.outcomes.append(_notify(state, ServerOutcome(
            server_id=failed.server_id or f"job:{failed.sub_job_id or job.job_id}", status=ServerStatus.FAILED,
            mode=state.mode, error_code=failed.error_code or "JobFailed",
            error=f"the creation sub-job failed: {failed.reason}", started_at_ms=state.deps.clock(),
            finished_at_ms=state.deps.clock())))
    if not job.server_ids and not job.failed:
        state.notes.append(f"job {job.job_id} finished {job.status} without servers: {job.fail_reason}")
    return job.server_ids


def _finished_job(state: _Run, job_id: str) -> JobStatus | None:
    deps = state.deps
    return poll_until(lambda: _job_if_finished(deps.gateway.get_job(job_id)),
                      budget_s=deps.policy.limits.build_wait_seconds, deadline=deps.deadline, sleep=deps.sleep)


def _job_if_finished(job: JobStatus) -> JobStatus | None:
    return job if job.finished else None


def _agency_servers(state: _Run) -> None:
    trigger, gateway = state.trigger, state.deps.gateway
    name = trigger.agency_name
    if not name:
        found = gateway.get_agency(trigger.agency_id)
        if found is None:
            state.notes.append(f"agency {trigger.agency_id} no longer exists")
            return
        name = found[1]
    listed = [server for server in gateway.iter_servers() if server.agency_name == name]
    if not listed:
        state.notes.append(f"no BMS in project {state.deps.settings.project_id} is bound to agency {name}")
    bound = tuple(server.id for server in listed)
    for server in listed:
        _handle_server(state, server.id, listed=server, bound_to_agency=bound)


def _sweep(state: _Run) -> None:
    """Every BMS of the project. The listing also answers "who else is bound to this agency?", so a sweep
    never scans the project again per server."""
    deps = state.deps
    listed = list(deps.gateway.iter_servers())
    bound: dict[str, list[str]] = {}
    for server in listed:
        if server.agency_name:
            bound.setdefault(server.agency_name, []).append(server.id)
    for done, server in enumerate(listed):
        if deps.deadline.remaining_ms() < MIN_SERVER_MS:
            state.problems.append(f"sweep stopped after {done} of {len(listed)} servers: the function ran "
                                  "out of time")
            return
        _handle_server(state, server.id, listed=server,
                       bound_to_agency=tuple(bound.get(server.agency_name, ())) if server.agency_name else None)
    state.notes.append(f"swept {len(listed)} servers")


# ---------------------------------------------------------------- one server


def _handle_server(state: _Run, server_id: str, *, listed: ServerPosture | None = None,
                   bound_to_agency: tuple[str, ...] | None = None) -> None:
    deps = state.deps
    started = deps.clock()
    if deps.deadline.remaining_ms() < MIN_SERVER_MS:
        state.outcomes.append(_unfinished(state, server_id, started, ServerStatus.FAILED, "OutOfTime",
                                          "not inspected: the function ran out of time", retryable=True))
        return
    try:
        outcome = _assess_and_act(state, server_id, started, listed, bound_to_agency)
    except ResourceGone:
        outcome = _unfinished(state, server_id, started, ServerStatus.GONE, "ResourceGone",
                              "the server no longer exists", retryable=False)
    except (CloudError, OutOfTime) as exc:
        retryable = getattr(exc, "retryable", True)
        outcome = _unfinished(state, server_id, started, ServerStatus.FAILED,
                              getattr(exc, "error_code", "") or type(exc).__name__,
                              f"could not inspect the server: {exc}", retryable=retryable)
    state.outcomes.append(_notify(state, outcome))


def _assess_and_act(state: _Run, server_id: str, started: int, listed: ServerPosture | None,
                    bound_to_agency: tuple[str, ...] | None) -> ServerOutcome:
    deps, wait_s = state.deps, state.deps.policy.limits.build_wait_seconds
    server = posture.read_when_ready(deps.gateway, server_id, listed=listed, wait_s=wait_s,
                                     deadline=deps.deadline, sleep=deps.sleep)
    if server is None:
        return _unfinished(state, server_id, started, ServerStatus.NOT_READY, "NotReady",
                           f"still building after waiting up to {wait_s} s", retryable=True)
    server = posture.with_agency(deps.gateway, server, project_id=deps.settings.project_id,
                                 domain_id=deps.settings.domain_id)
    if server.agency_name and server.agency is None:
        state.notes.append(f"server {server.id} is bound to agency {server.agency_name}, which does not exist")
    assessment = rules.evaluate(server, deps.policy, now_ms=deps.clock(), own_agency=deps.settings.own_agency)
    if _needs_shared_check(assessment, deps.policy):
        server = posture.with_other_servers(deps.gateway, server, bound_to_agency)
        assessment = rules.evaluate(server, deps.policy, now_ms=deps.clock(), own_agency=deps.settings.own_agency)
    actions = planner.plan(server, assessment, deps.policy)
    outcomes = _execute(state, server, actions)
    return ServerOutcome(server_id=server.id, status=server_status(assessment, outcomes, state.mode),
                         mode=state.mode, posture=server, findings=assessment.findings, outcomes=outcomes,
                         exemptions=assessment.exemptions, expired_exemptions=assessment.expired,
                         retryable=any(o.retryable for o in outcomes),
                         started_at_ms=started, finished_at_ms=deps.clock(),
                         **_error_of(outcomes))


def _needs_shared_check(assessment: rules.Assessment, policy: Policy) -> bool:
    """Only stripping grants changes other servers; look for them only when there is something to strip."""
    return policy.agency.treatment == "strip_excess" and any(
        f.rule_id == rules.AGENCY_EXCESS_GRANT and f.remediable for f in assessment.findings)


def _execute(state: _Run, server: ServerPosture, actions: tuple[Action, ...]) -> tuple[ActionOutcome, ...]:
    deps = state.deps
    if not actions:
        return ()
    ledger = deps.ledger
    if state.mode == "enforce" and ledger is not None and not ledger.allows(server.id):
        reason = (f"remediation cap reached: {ledger.max_per_server} per server per "
                  f"{ledger.window_ms // 60_000} min in this container; something keeps undoing bmsguard")
        return tuple(ActionOutcome(action=a, status=ActionStatus.SKIPPED, error_code="RemediationCapReached",
                                   error=reason) for a in actions)
    outcomes = executor.execute(server, actions, deps.gateway, mode=state.mode, deadline=deps.deadline,
                                clock=deps.clock)
    if ledger is not None and any(o.status == ActionStatus.APPLIED for o in outcomes):
        ledger.record(server.id)
    return outcomes


def server_status(assessment: rules.Assessment, outcomes: tuple[ActionOutcome, ...], mode: str) -> str:
    statuses = {o.status for o in outcomes}
    done = {ActionStatus.APPLIED, ActionStatus.ALREADY}
    if not assessment.findings:
        return ServerStatus.EXEMPT if assessment.exemptions else ServerStatus.COMPLIANT
    if not outcomes or statuses <= {ActionStatus.WOULD_APPLY}:
        return ServerStatus.REPORTED
    if statuses <= done:
        return ServerStatus.REMEDIATED
    return ServerStatus.PARTIALLY_FAILED if statuses & done else ServerStatus.FAILED


def _error_of(outcomes: Iterable[ActionOutcome]) -> dict[str, str]:
    """The server's error: the first action that did not succeed, named, and how many more did not."""
    from bmsguard.phrases import short_action

    failing = [o for o in outcomes if o.status in _UNSUCCESSFUL]
    if not failing:
        return {}
    first = failing[0]
    others = len(failing) - 1
    more = f" (and {others} more action{'s' if others > 1 else ''}, see outcomes)" if others else ""
    return {"error_code": first.error_code, "error": f"{short_action(first.action)}: {first.error}{more}"}


def _unfinished(state: _Run, server_id: str, started: int, status: str, code: str, error: str, *,
                retryable: bool) -> ServerOutcome:
    return ServerOutcome(server_id=server_id, status=status, mode=state.mode, error_code=code, error=error,
                         retryable=retryable, started_at_ms=started, finished_at_ms=state.deps.clock())


# ---------------------------------------------------------------- notify and report


def _notify(state: _Run, outcome: ServerOutcome) -> ServerOutcome:
    from bmsguard import render

    deps = state.deps
    if not render.should_notify(outcome):
        return outcome
    try:
        deps.publish(_rendered(state, outcome))
    except (CloudError, OutOfTime) as exc:
        return dataclasses.replace(outcome, notification_error=f"{type(exc).__name__}: {exc}")
    return dataclasses.replace(outcome, notified=True)


def _rendered(state: _Run, outcome: ServerOutcome) -> Any:
    """The server's notification; a plain fallback if rendering fails, since the server may already have been
    changed: the report and the fact of the change must survive a rendering bug (a retry would not redo it)."""
    from bmsguard import render

    region = state.deps.settings.region
    try:
        return render.render_notification(outcome, state.trigger, region=region)
    except Exception as exc:  # any rendering bug, see the docstring
        problem = f"render failed: {type(exc).__name__}: {exc}"
        state.notes.append(f"the notification for server {outcome.server_id} was sent as plain text ({problem})")
        return render.render_fallback(outcome, problem, region=region)


def _report(state: _Run) -> Report:
    deps = state.deps
    retryable = bool(state.problems) or any(o.retryable or o.notification_error for o in state.outcomes)
    failed = retryable or any(o.status in _FAILED_STATUSES for o in state.outcomes)
    reason = "; ".join([*state.problems, *state.notes])
    servers = tuple(state.outcomes)
    if len(servers) > MAX_LISTED_SERVERS:
        servers, omitted = _capped(servers)
        reason = "; ".join(filter(None, [reason, omitted]))
    return Report(status=FAILED if failed else OK, mode=state.mode, trigger=state.trigger, servers=servers,
                  reason=reason, request_id=deps.request_id, received_at_ms=state.received_at_ms,
                  finished_at_ms=deps.clock(), api_calls=_api_calls(deps.gateway), retryable=retryable)


def _capped(servers: tuple[ServerOutcome, ...]) -> tuple[tuple[ServerOutcome, ...], str]:
    """At most MAX_LISTED_SERVERS servers that are not compliant or exempt, and what was left out, counted."""
    quiet = {ServerStatus.COMPLIANT, ServerStatus.EXEMPT}
    loud = tuple(s for s in servers if s.status not in quiet)
    kept = loud[:MAX_LISTED_SERVERS]
    quiet_omitted, loud_omitted = len(servers) - len(loud), len(loud) - len(kept)
    return kept, "; ".join(filter(None, [
        f"{quiet_omitted} compliant or exempt servers not listed" if quiet_omitted else "",
        f"{loud_omitted} more servers that are not compliant not listed" if loud_omitted else ""]))


def _notify_event_failure(report: Report, deps: Deps) -> Report:
    """Tell people the event could not be completed (FunctionGraph will retry it)."""
    from bmsguard import render

    failing = tuple(s for s in report.servers if s.retryable or s.notification_error)[:MAX_FAILURE_SERVERS]
    failed = dataclasses.replace(report, servers=failing)
    try:
        notification = render.render_event_failure(failed, region=deps.settings.region)
    except Exception as exc:  # a rendering bug must not hide that the event failed
        problem = f"render failed: {type(exc).__name__}: {exc}"
        report = dataclasses.replace(report, reason="; ".join(filter(None, [
            report.reason, f"the failure notification was sent as plain text ({problem})"])))
        notification = render.render_event_failure_fallback(failed, problem, region=deps.settings.region)
    try:
        deps.publish(notification)
    except (CloudError, OutOfTime) as exc:
        note = f"the failure notification could not be published: {type(exc).__name__}: {exc}"
        report = dataclasses.replace(report, reason="; ".join(filter(None, [report.reason, note])))
    return dataclasses.replace(report, api_calls=_api_calls(deps.gateway), finished_at_ms=deps.clock())


def _api_calls(gateway: Any) -> int:
    return int(getattr(gateway, "api_calls", 0))
