"""Pure planner: remediable findings -> ordered, de-duplicated actions.

Order: metadata first (it closes the credential leak fastest), then v3 role revokes, then v5 policy
detaches; with ``agency.treatment: unbind`` a single ``UnbindAgency`` replaces the revokes/detaches.
A compliant server (no remediable finding) gets an empty plan. Report mode plans the same actions.
"""

from __future__ import annotations

from bmsguard.model import (
    Action,
    DetachAgencyPolicy,
    DisableMetadata,
    Finding,
    GrantScope,
    RequireMetadataV2,
    RevokeAgencyRole,
    ServerPosture,
    UnbindAgency,
)
from bmsguard.policy import Policy
from bmsguard.rules import AGENCY_EXCESS_GRANT, METADATA_ENDPOINT_ENABLED, METADATA_V1_ALLOWED, Assessment


def plan(server: ServerPosture, assessment: Assessment, policy: Policy) -> tuple[Action, ...]:
    remediable = assessment.remediable
    actions = [*_metadata_actions(server, remediable), *_agency_actions(server, remediable, policy)]
    return tuple(dict.fromkeys(actions))  # actions are frozen and hashable: keeps the first of equals


def _metadata_actions(server: ServerPosture, findings: tuple[Finding, ...]) -> list[Action]:
    rule_ids = {f.rule_id for f in findings}
    if server.metadata is None:
        return []
    if METADATA_ENDPOINT_ENABLED in rule_ids:
        return [DisableMetadata(server_id=server.id, before=server.metadata)]
    if METADATA_V1_ALLOWED in rule_ids:
        return [RequireMetadataV2(server_id=server.id, before=server.metadata)]
    return []


def _agency_actions(server: ServerPosture, findings: tuple[Finding, ...], policy: Policy) -> list[Action]:
    agency = server.agency
    grants = [f.grant for f in findings if f.rule_id == AGENCY_EXCESS_GRANT and f.grant is not None]
    if agency is None or not grants:
        return []
    if policy.agency.treatment == "unbind":
        return [UnbindAgency(server_id=server.id, agency_name=agency.name)]
    revokes = [RevokeAgencyRole(agency_id=agency.id, agency_name=agency.name, grant=g)
               for g in grants if g.scope != GrantScope.POLICY]
    detaches = [DetachAgencyPolicy(agency_id=agency.id, agency_name=agency.name, grant=g)
                for g in grants if g.scope == GrantScope.POLICY]
    return [*revokes, *detaches]
