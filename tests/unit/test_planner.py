"""planner.plan: findings -> ordered, de-duplicated actions."""

from __future__ import annotations

import dataclasses

import pytest
from unit_builders import NOW_MS, grant, make_server

from bmsguard.model import GrantScope, MetadataOptions
from bmsguard.planner import plan
from bmsguard.policy import AgencyPolicy, load_policy, parse_policy
from bmsguard.rules import AGENCY_EXCESS_GRANT, Assessment, evaluate

DEFAULT = load_policy()
REPORT_MODE = dataclasses.replace(DEFAULT, mode="report")
UNBIND = dataclasses.replace(DEFAULT, agency=AgencyPolicy(treatment="unbind"))
REPORT_AGENCY = dataclasses.replace(DEFAULT, agency=AgencyPolicy(treatment="report"))
ADMIN = grant("te_admin", display="Tenant Administrator")
DOMAIN_ADMIN = grant("secu_admin", scope=GrantScope.DOMAIN)
WIDE = grant("Wide", "ecs:*:*", scope=GrantScope.POLICY)
READER = grant("Reader", "ecs:*:get*", scope=GrantScope.POLICY)


def kinds_of(server, policy, own=""):
    actions = plan(server, evaluate(server, policy, now_ms=NOW_MS, own_agency=own), policy)
    return [(a.kind, getattr(a, "grant", None) and a.grant.role_name) for a in actions]


@pytest.mark.parametrize(
    ("posture", "policy", "own", "expected"),
    [
        (dict(tokens="required", grants=(READER,)), DEFAULT, "", []),
        (dict(tokens="optional"), DEFAULT, "", [("require_metadata_v2", None)]),
        (dict(tags={"bmsguard-metadata": "none"}), DEFAULT, "", [("disable_metadata", None)]),
        (
            dict(grants=(WIDE, READER, ADMIN, DOMAIN_ADMIN)), DEFAULT, "",
            [("require_metadata_v2", None), ("revoke_agency_role", "te_admin"),
             ("revoke_agency_role", "secu_admin"), ("detach_agency_policy", "Wide")],
        ),
        (dict(grants=(WIDE, ADMIN)), UNBIND, "", [("require_metadata_v2", None), ("unbind_agency", None)]),
        (dict(grants=(ADMIN,), others=("srv-2",)), DEFAULT, "", [("require_metadata_v2", None)]),
        (dict(grants=(ADMIN,)), DEFAULT, "bms_agency", [("require_metadata_v2", None)]),
        (dict(grants=(ADMIN,)), REPORT_AGENCY, "", [("require_metadata_v2", None)]),
        (dict(metadata_state="unsupported_region", grants=(ADMIN,)), DEFAULT, "", [("revoke_agency_role", "te_admin")]),
        # report mode still plans: the executor decides not to write
        (dict(grants=(ADMIN,)), REPORT_MODE, "", [("require_metadata_v2", None), ("revoke_agency_role", "te_admin")]),
    ],
)
def test_plan_table(posture, policy, own, expected):
    assert kinds_of(make_server(**posture), policy, own) == expected


def test_actions_carry_what_undo_needs():
    server = make_server(tokens="optional", grants=(ADMIN, WIDE))
    metadata, revoke, detach = plan(server, evaluate(server, DEFAULT, now_ms=NOW_MS), DEFAULT)
    assert metadata.before == MetadataOptions("enabled", "optional")
    assert metadata.after == MetadataOptions("enabled", "required")
    assert (revoke.agency_id, revoke.agency_name, revoke.grant) == ("id-bms_agency", "bms_agency", ADMIN)
    assert detach.grant == WIDE


def test_duplicate_findings_give_one_action():
    server = make_server(endpoint="disabled", grants=(ADMIN,))
    assessment = evaluate(server, DEFAULT, now_ms=NOW_MS)
    doubled = Assessment(findings=assessment.findings * 2)
    assert len(plan(server, doubled, DEFAULT)) == 1


def test_non_remediable_findings_are_not_planned():
    server = make_server(grants=(ADMIN,))
    assessment = evaluate(server, DEFAULT, now_ms=NOW_MS)
    muted = Assessment(findings=tuple(dataclasses.replace(f, remediable=False) for f in assessment.findings))
    assert plan(server, muted, DEFAULT) == ()


def test_a_replayed_event_after_the_fix_plans_nothing():
    server = make_server(tokens="optional", grants=(ADMIN, READER))
    first = plan(server, evaluate(server, DEFAULT, now_ms=NOW_MS), DEFAULT)
    fixed = make_server(tokens="required", grants=(READER,))
    assert first and plan(fixed, evaluate(fixed, DEFAULT, now_ms=NOW_MS), DEFAULT) == ()


def test_exempt_server_plans_nothing():
    policy = parse_policy({"exemptions": [{"server_id": "srv-1", "owner": "a", "reason": "r",
                                           "expires": "2027-01-31"}]})
    server = make_server(grants=(ADMIN,))
    assert plan(server, evaluate(server, policy, now_ms=NOW_MS), policy) == ()


def test_only_excess_grants_become_agency_actions():
    server = make_server(endpoint="disabled", grants=(ADMIN, READER))
    assessment = evaluate(server, DEFAULT, now_ms=NOW_MS)
    assert [f.grant for f in assessment.findings if f.rule_id == AGENCY_EXCESS_GRANT] == [ADMIN]
    assert [a.grant for a in plan(server, assessment, DEFAULT)] == [ADMIN]
