"""Plain frozen data that flows through the pipeline.

trigger event -> Trigger -> (gateway reads) ServerPosture -> (rules) Finding -> (planner) Action
-> (executor) ActionOutcome -> ServerOutcome -> Report.

Nothing in this module does I/O or imports the SDK. Times are epoch milliseconds (int) so that every
object converts to JSON without help; ``to_dict`` on each type gives its JSON form.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


class JsonData:
    """Base of every type here: ``to_dict`` gives the plain-JSON form (tuples become lists)."""

    def to_dict(self) -> dict[str, Any]:
        return _asdict(self)


# ---------------------------------------------------------------- triggers


class TriggerKind:
    """What an event asks us to look at. Values are plain strings (they land in reports)."""

    SERVER_CREATED = "server_created"  # createBareMetalServers API/console trace (job id, maybe no server id yet)
    JOB_COMPLETED = "job_completed"  # the job-completion (SystemAction) trace carrying server ids
    SERVER_CHANGED = "server_changed"  # metadata options changed, metadata/agency binding changed
    AGENCY_CHANGED = "agency_changed"  # v3 role grant (4 scopes), v5 policy attachment, agency update
    SWEEP = "sweep"  # timer trigger or manual sweep request: every BMS in the project
    MANUAL = "manual"  # manual invocation with explicit server ids


class TriggerSource:
    CTS = "cts"
    EVENTGRID = "eventgrid"
    TIMER = "timer"
    MANUAL = "manual"


@dataclass(frozen=True)
class Actor(JsonData):
    """Who caused the event, as CTS records it (``cts.user``). Never carries secrets."""

    type: str = ""  # IAMUser, AssumedAgency, root, ...
    name: str = ""  # for an assumed agency CTS writes "<agency>/<session>"
    id: str = ""
    domain_id: str = ""
    domain_name: str = ""
    principal_urn: str = ""
    access_key_id: str = ""  # an AK id is not a secret, but only the rules for "is this us" read it


@dataclass(frozen=True)
class Trigger(JsonData):
    """One parsed trigger event. The event only *identifies* what to look at; state is re-read."""

    kind: str  # a TriggerKind value
    source: str  # a TriggerSource value
    trace_name: str = ""
    trace_id: str = ""
    trace_type: str = ""  # ApiCall | ConsoleAction | SystemAction
    event_time_ms: int | None = None
    actor: Actor | None = None
    project_id: str = ""
    domain_id: str = ""
    region: str = ""
    server_ids: tuple[str, ...] = ()
    job_id: str = ""
    agency_id: str = ""
    agency_name: str = ""
    request_code: int | None = None  # HTTP code CTS recorded for the traced call
    mode_override: str = ""  # "report" forces report mode for this event (manual invocation / CLI --dry-run)


# ---------------------------------------------------------------- posture (what the gateway reads)


class MetadataState:
    OK = "ok"  # options were read
    UNSUPPORTED_REGION = "unsupported_region"  # the metadata-options API does not exist in this region
    NOT_READY = "not_ready"  # server still building / in a state the API refuses


@dataclass(frozen=True)
class MetadataOptions(JsonData):
    http_endpoint: str  # "enabled" | "disabled"
    http_tokens: str  # "optional" | "required"


@dataclass(frozen=True)
class Statement(JsonData):
    """One statement of a role or identity policy document."""

    effect: str  # "Allow" | "Deny"
    actions: tuple[str, ...]
    resources: tuple[str, ...] = ()
    has_condition: bool = False


class GrantScope:
    PROJECT = "project"  # v3 role on one project (scope_id = project id)
    DOMAIN = "domain"  # v3 role on the account (global services; scope_id = domain id)
    ALL_PROJECTS = "all_projects"  # v3 role inherited to every project (scope_id = domain id)
    ENTERPRISE_PROJECT = "enterprise_project"  # v3 role on an enterprise project (scope_id = EP id)
    POLICY = "policy"  # v5 identity policy attached to the agency (role_id = policy id)


@dataclass(frozen=True)
class Grant(JsonData):
    """One permission the agency holds: a v3 role in one scope, or one attached v5 policy."""

    scope: str  # a GrantScope value
    scope_id: str
    role_id: str  # v3 role id, or v5 policy id
    role_name: str  # v3 role `name` (e.g. "te_admin") or v5 policy name
    display_name: str = ""  # v3 `display_name` ("Tenant Administrator"); v5: the policy name
    policy_urn: str = ""  # v5 only
    statements: tuple[Statement, ...] = ()
    depends: tuple[str, ...] = ()  # display names of roles this one depends on (v3 `policy.Depends`)

    @property
    def label(self) -> str:
        return self.display_name or self.role_name


@dataclass(frozen=True)
class AgencyPosture(JsonData):
    name: str
    id: str
    trust_domain_name: str = ""
    grants: tuple[Grant, ...] = ()
    # Other servers bound to the same agency that the gateway found; () means "none found".
    other_bound_servers: tuple[str, ...] = ()

    @property
    def shared(self) -> bool:
        return bool(self.other_bound_servers)


@dataclass(frozen=True)
class ServerPosture(JsonData):
    id: str
    name: str
    status: str  # ACTIVE, BUILD, SHUTOFF, ERROR, ...
    vm_state: str = ""  # OS-EXT-STS:vm_state
    tags: tuple[tuple[str, str], ...] = ()  # sorted (key, value) pairs
    enterprise_project_id: str = ""
    agency_name: str = ""  # "" = no agency bound (read from the raw response: the SDK model drops it)
    metadata_state: str = MetadataState.OK
    metadata: MetadataOptions | None = None
    agency: AgencyPosture | None = None
    read_at_ms: int | None = None

    @property
    def tag_map(self) -> dict[str, str]:
        return dict(self.tags)


# ---------------------------------------------------------------- decisions


class Severity:
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


@dataclass(frozen=True)
class Exemption(JsonData):
    """A policy exemption that matched a server (kept in the report so readers see who owns it)."""

    match: str  # "tag:key=value" | "server_id:<id>" | "name:<pattern>"
    owner: str
    reason: str
    expires: str  # ISO date or datetime as written in the policy
    covers: tuple[str, ...] = ("metadata", "agency")  # which decisions it suspends


@dataclass(frozen=True)
class Finding(JsonData):
    """Something about a server that differs from the policy. Produced by the pure rules."""

    rule_id: str  # e.g. "metadata.v1-allowed", "agency.excess-grant"; documented in docs/policy.md
    server_id: str
    severity: str
    observed: str  # human text of what is there now
    desired: str  # human text of what the policy wants
    reason: str  # why (which policy clause)
    grant: Grant | None = None  # for agency findings
    remediable: bool = True  # False: report only (shared agency, own agency, unsupported region, ...)


# Actions are imperative and idempotent. Each carries what is needed to undo it.


@dataclass(frozen=True)
class DisableMetadata(JsonData):
    server_id: str
    before: MetadataOptions
    kind: str = field(default="disable_metadata", init=False)

    @property
    def after(self) -> MetadataOptions:
        return MetadataOptions(http_endpoint="disabled", http_tokens=self.before.http_tokens)


@dataclass(frozen=True)
class RequireMetadataV2(JsonData):
    server_id: str
    before: MetadataOptions
    kind: str = field(default="require_metadata_v2", init=False)

    @property
    def after(self) -> MetadataOptions:
        return MetadataOptions(http_endpoint="enabled", http_tokens="required")


@dataclass(frozen=True)
class RevokeAgencyRole(JsonData):
    """Revoke a v3 role from the agency in one scope (undo: grant the same role in the same scope)."""

    agency_id: str
    agency_name: str
    grant: Grant
    kind: str = field(default="revoke_agency_role", init=False)


@dataclass(frozen=True)
class DetachAgencyPolicy(JsonData):
    """Detach a v5 identity policy from the agency (undo: attach it again)."""

    agency_id: str
    agency_name: str
    grant: Grant
    kind: str = field(default="detach_agency_policy", init=False)


@dataclass(frozen=True)
class UnbindAgency(JsonData):
    """Remove the agency binding from the server (undo: bind ``agency_name`` again)."""

    server_id: str
    agency_name: str
    kind: str = field(default="unbind_agency", init=False)


Action = DisableMetadata | RequireMetadataV2 | RevokeAgencyRole | DetachAgencyPolicy | UnbindAgency


# ---------------------------------------------------------------- outcomes


class ActionStatus:
    APPLIED = "applied"  # written and verified by re-reading
    WOULD_APPLY = "would_apply"  # report mode: nothing written
    ALREADY = "already"  # re-read before writing showed it was already in place
    NOT_APPLIED = "not_applied"  # written, but the re-read shows it did not stick
    FAILED = "failed"  # the write failed (terminal error, or retries exhausted)
    SKIPPED = "skipped"  # not attempted (e.g. an earlier action failed, time ran out)


@dataclass(frozen=True)
class ActionOutcome(JsonData):
    action: Action
    status: str  # an ActionStatus value
    attempts: int = 0
    error_code: str = ""
    error: str = ""
    request_id: str = ""
    applied_at_ms: int | None = None
    verified_at_ms: int | None = None
    started_at_ms: int | None = None  # when the executor took the action up (durations in the logs)
    retryable: bool = False  # a later invocation may succeed (transient error, not applied yet, out of time)


class ServerStatus:
    COMPLIANT = "compliant"  # nothing to do, nothing to tell
    REMEDIATED = "remediated"  # every action applied
    PARTIALLY_FAILED = "partially_failed"  # some actions applied, some failed
    FAILED = "failed"  # nothing could be applied, or the server could not be inspected
    REPORTED = "reported"  # findings reported without change (report mode, not remediable, exempt)
    EXEMPT = "exempt"  # a valid exemption suspends every decision and nothing else is wrong
    GONE = "gone"  # the server no longer exists
    NOT_READY = "not_ready"  # still building after the wait: retryable failure


@dataclass(frozen=True)
class ServerOutcome(JsonData):
    server_id: str
    status: str  # a ServerStatus value
    mode: str  # "enforce" | "report"
    posture: ServerPosture | None = None  # as read before acting
    findings: tuple[Finding, ...] = ()
    outcomes: tuple[ActionOutcome, ...] = ()
    exemptions: tuple[Exemption, ...] = ()
    expired_exemptions: tuple[Exemption, ...] = ()  # matched the server but expired (rules.Assessment.expired)
    error_code: str = ""
    error: str = ""
    retryable: bool = False
    started_at_ms: int | None = None
    finished_at_ms: int | None = None
    notified: bool = False
    notification_error: str = ""


# A server reduced to its summary where the full outcome would be too large (the event-failure message's
# JSON, a report over the function's return limit): the keys kept from ``ServerOutcome.to_dict()``.
SERVER_SUMMARY_KEYS = ("server_id", "status", "mode", "error_code", "error", "retryable", "notified",
                       "notification_error")


@dataclass(frozen=True)
class Report(JsonData):
    """The single output of one invocation: returned by the handler, logged, and rendered into SMN."""

    status: str  # "ok" | "failed" | "ignored" | "rejected"
    mode: str
    trigger: Trigger | None = None
    servers: tuple[ServerOutcome, ...] = ()
    reason: str = ""  # for ignored / rejected events, and for invocation-level failures
    request_id: str = ""  # FunctionGraph request id
    received_at_ms: int | None = None
    finished_at_ms: int | None = None
    api_calls: int = 0
    # True when FunctionGraph should retry the event (a retryable server failure, or the event could not be
    # completed): the handler then raises. A terminal failure (e.g. access denied) is "failed" but not retried.
    retryable: bool = False

    @property
    def failed(self) -> bool:
        return self.status == "failed"


def _asdict(obj: Any) -> dict[str, Any]:
    """dataclasses.asdict, with tuples turned into lists so the result is plain JSON."""
    return _jsonable(dataclasses.asdict(obj))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value
