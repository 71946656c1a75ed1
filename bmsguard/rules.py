"""Pure rules: a server's posture + the policy -> findings. Rule ids are documented in docs/policy.md."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bmsguard.excess import ExcessVerdict, excess_verdict
from bmsguard.model import (
    AgencyPosture,
    Exemption,
    Finding,
    Grant,
    GrantScope,
    MetadataState,
    ServerPosture,
    Severity,
)
from bmsguard.policy import ExemptionRule, Policy

METADATA_ENDPOINT_ENABLED = "metadata.endpoint-enabled"
METADATA_V1_ALLOWED = "metadata.v1-allowed"
METADATA_UNSUPPORTED_REGION = "metadata.unsupported-region"
METADATA_UNREADABLE = "metadata.unreadable"
AGENCY_EXCESS_GRANT = "agency.excess-grant"
AGENCY_NOT_STRIPPED = "agency.not-stripped"

_DESIRED_METADATA = {
    "disable": "metadata endpoint disabled (http_endpoint=disabled)",
    "require_v2": "metadata V2 only (http_tokens=required) or the endpoint disabled",
}
_SEVERITY_BY_CRITERION = {
    "full-admin": Severity.HIGH,
    "iam-write": Severity.HIGH,
    "wildcard": Severity.MEDIUM,
    "deny-listed": Severity.MEDIUM,
    "strict": Severity.LOW,
}


@dataclass(frozen=True)
class Assessment:
    findings: tuple[Finding, ...] = ()
    exemptions: tuple[Exemption, ...] = ()  # valid exemptions that suspended decisions
    expired: tuple[Exemption, ...] = ()  # exemptions that match the server but have expired

    @property
    def remediable(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.remediable)


def evaluate(server: ServerPosture, policy: Policy, *, now_ms: int, own_agency: str = "") -> Assessment:
    """Findings for ``server``; decisions covered by a valid exemption are not evaluated."""
    matching = [rule for rule in policy.exemptions if rule.matches(server)]
    valid = [rule for rule in matching if rule.valid_at(now_ms)]
    covered = {cover for rule in valid for cover in rule.covers}
    findings: list[Finding] = []
    if "metadata" not in covered:
        findings += _metadata_findings(server, policy)
    if "agency" not in covered:
        findings += _agency_findings(server, policy, own_agency)
    return Assessment(
        findings=tuple(findings),
        exemptions=_as_exemptions(valid),
        expired=_as_exemptions(rule for rule in matching if not rule.valid_at(now_ms)),
    )


def grant_scope_text(grant: Grant) -> str:
    """Where a grant applies, in words (``project 0945...``, ``all projects``, ``identity policy``)."""
    return {
        GrantScope.PROJECT: f"project {grant.scope_id}",
        GrantScope.DOMAIN: f"account (global services) {grant.scope_id}",
        GrantScope.ALL_PROJECTS: f"all projects of account {grant.scope_id}",
        GrantScope.ENTERPRISE_PROJECT: f"enterprise project {grant.scope_id}",
        GrantScope.POLICY: "identity policy (v5)",
    }.get(grant.scope, f"{grant.scope} {grant.scope_id}")


# ---------------------------------------------------------------- metadata


def _metadata_findings(server: ServerPosture, policy: Policy) -> list[Finding]:
    action, clause = policy.metadata.decision_for(server)
    if action == "leave":
        return []
    desired = _DESIRED_METADATA[action]
    if server.metadata_state == MetadataState.UNSUPPORTED_REGION:
        return [_finding(server, METADATA_UNSUPPORTED_REGION, Severity.MEDIUM,
                         "the metadata-options API is not offered in this region", desired,
                         f"{clause}; set it in the console or by a service ticket", remediable=False)]
    options = server.metadata
    if server.metadata_state != MetadataState.OK or options is None:
        return [_finding(server, METADATA_UNREADABLE, Severity.INFO,
                         f"metadata options could not be read (server status {server.status})", desired,
                         clause, remediable=False)]
    if options.http_endpoint == "disabled":
        return []
    observed = f"metadata endpoint enabled, http_tokens={options.http_tokens}"
    severity = Severity.HIGH if server.agency_name and options.http_tokens != "required" else Severity.MEDIUM
    if action == "disable":
        return [_finding(server, METADATA_ENDPOINT_ENABLED, severity, observed, desired, clause)]
    if options.http_tokens != "required":
        return [_finding(server, METADATA_V1_ALLOWED, severity, observed, desired, clause)]
    return []


# ---------------------------------------------------------------- agency


def _agency_findings(server: ServerPosture, policy: Policy, own_agency: str) -> list[Finding]:
    agency = server.agency
    if agency is None:
        return []
    verdicts = [(grant, excess_verdict(grant, policy.agency)) for grant in agency.grants]
    blocker = _why_not_stripped(agency, policy.agency.treatment, own_agency)
    findings = [_excess_finding(server, agency, grant, verdict, policy, remediable=not blocker)
                for grant, verdict in verdicts if verdict]
    if findings and blocker:
        findings.append(_finding(server, AGENCY_NOT_STRIPPED, Severity.INFO,
                                 f"{len(findings)} excess grant(s) left on agency {agency.name}",
                                 "excess grants removed", blocker, remediable=False))
    return findings


def _why_not_stripped(agency: AgencyPosture, treatment: str, own_agency: str) -> str:
    if own_agency and own_agency in (agency.name, agency.id):
        return f"agency {agency.name} is bmsguard's own agency: bmsguard never changes its own permissions"
    if treatment == "report":
        return "policy agency.treatment=report: excess grants are reported, not removed"
    if treatment == "strip_excess" and agency.shared:
        others = ", ".join(agency.other_bound_servers[:5])
        more = f" and {len(agency.other_bound_servers) - 5} more" if len(agency.other_bound_servers) > 5 else ""
        return f"agency {agency.name} is shared with server(s) {others}{more}: stripping would change them too"
    return ""


def _excess_finding(server: ServerPosture, agency: AgencyPosture, grant: Grant, verdict: ExcessVerdict,
                    policy: Policy, *, remediable: bool) -> Finding:
    treatment = policy.agency.treatment
    desired = "agency unbound from the server" if treatment == "unbind" else "grant removed from the agency"
    return _finding(
        server, AGENCY_EXCESS_GRANT, _SEVERITY_BY_CRITERION[verdict.criterion],
        f"agency {agency.name} holds {grant.label} on {grant_scope_text(grant)}", desired,
        f"excess ({verdict.criterion}): {verdict.detail}; policy agency.treatment={treatment}",
        grant=grant, remediable=remediable,
    )


# ---------------------------------------------------------------- helpers


def _finding(server: ServerPosture, rule_id: str, severity: str, observed: str, desired: str, reason: str,
             *, grant: Grant | None = None, remediable: bool = True) -> Finding:
    return Finding(rule_id=rule_id, server_id=server.id, severity=severity, observed=observed, desired=desired,
                   reason=reason, grant=grant, remediable=remediable)


def _as_exemptions(rules: Iterable[ExemptionRule]) -> tuple[Exemption, ...]:
    return tuple(rule.to_exemption() for rule in rules)
