"""rules.evaluate: posture x policy -> findings, as tables."""

from __future__ import annotations

import dataclasses

import pytest
from unit_builders import NOW_MS, grant, make_server

from bmsguard.model import GrantScope, MetadataState, Severity
from bmsguard.policy import AgencyPolicy, load_policy, parse_policy
from bmsguard.rules import (
    AGENCY_EXCESS_GRANT,
    AGENCY_NOT_STRIPPED,
    METADATA_ENDPOINT_ENABLED,
    METADATA_UNREADABLE,
    METADATA_UNSUPPORTED_REGION,
    METADATA_V1_ALLOWED,
    evaluate,
)

DEFAULT = load_policy()
DISABLE_ALL = parse_policy({"metadata": {"default": "disable"}})
LEAVE_ALL = parse_policy({"metadata": {"default": "leave"}})
ADMIN = grant("te_admin", display="Tenant Administrator")
READER = grant("ECS ReadOnlyAccess", "ecs:*:get*", "ecs:*:list*", scope=GrantScope.POLICY)
WIDE_POLICY = grant("Wide", "ecs:*:*", scope=GrantScope.POLICY)


def rule_ids(assessment):
    return [(f.rule_id, f.remediable) for f in assessment.findings]


@pytest.mark.parametrize(
    ("posture", "policy", "expected"),
    [
        # require V2 (default)
        (dict(endpoint="enabled", tokens="optional"), DEFAULT, [(METADATA_V1_ALLOWED, True)]),
        (dict(endpoint="enabled", tokens="required"), DEFAULT, []),
        (dict(endpoint="disabled", tokens="optional"), DEFAULT, []),
        # tag overrides of the default policy
        (dict(tokens="required", tags={"bmsguard-metadata": "none"}), DEFAULT, [(METADATA_ENDPOINT_ENABLED, True)]),
        (dict(endpoint="disabled", tags={"bmsguard-metadata": "none"}), DEFAULT, []),
        (dict(tags={"bmsguard-metadata": "v2"}), DEFAULT, [(METADATA_V1_ALLOWED, True)]),
        (dict(tags={"bmsguard-metadata": "None"}), DEFAULT, [(METADATA_V1_ALLOWED, True)]),
        # disable everywhere / leave everywhere
        (dict(tokens="required"), DISABLE_ALL, [(METADATA_ENDPOINT_ENABLED, True)]),
        (dict(endpoint="disabled"), DISABLE_ALL, []),
        (dict(tokens="optional"), LEAVE_ALL, []),
        # region and readiness
        (dict(metadata_state=MetadataState.UNSUPPORTED_REGION), DEFAULT, [(METADATA_UNSUPPORTED_REGION, False)]),
        (dict(metadata_state=MetadataState.UNSUPPORTED_REGION), LEAVE_ALL, []),
        (dict(metadata_state=MetadataState.NOT_READY), DEFAULT, [(METADATA_UNREADABLE, False)]),
    ],
)
def test_metadata_rules(posture, policy, expected):
    assert rule_ids(evaluate(make_server(**posture), policy, now_ms=NOW_MS)) == expected


@pytest.mark.parametrize(
    ("agency", "tokens", "severity"),
    [("bms_agency", "optional", Severity.HIGH), ("", "optional", Severity.MEDIUM)],
)
def test_v1_with_an_agency_is_high(agency, tokens, severity):
    finding = evaluate(make_server(agency=agency, tokens=tokens), DEFAULT, now_ms=NOW_MS).findings[0]
    assert finding.severity == severity


def test_metadata_finding_names_the_policy_clause():
    finding = evaluate(make_server(tags={"bmsguard-metadata": "none"}), DEFAULT, now_ms=NOW_MS).findings[0]
    assert "metadata.tag_overrides[0]" in finding.reason
    assert "http_tokens=optional" in finding.observed


def with_agency(**agency_fields):
    return dataclasses.replace(DEFAULT, agency=AgencyPolicy(**agency_fields))


@pytest.mark.parametrize(
    ("posture", "policy", "own", "expected"),
    [
        (dict(grants=(READER,)), DEFAULT, "", []),
        (dict(grants=(ADMIN, READER, WIDE_POLICY)), DEFAULT, "",
         [(AGENCY_EXCESS_GRANT, True), (AGENCY_EXCESS_GRANT, True)]),
        (dict(grants=(ADMIN,), others=("srv-2",)), DEFAULT, "",
         [(AGENCY_EXCESS_GRANT, False), (AGENCY_NOT_STRIPPED, False)]),
        (dict(grants=(ADMIN,)), DEFAULT, "bms_agency", [(AGENCY_EXCESS_GRANT, False), (AGENCY_NOT_STRIPPED, False)]),
        (dict(grants=(ADMIN,)), DEFAULT, "id-bms_agency", [(AGENCY_EXCESS_GRANT, False), (AGENCY_NOT_STRIPPED, False)]),
        (dict(grants=(ADMIN,)), DEFAULT, "other_agency", [(AGENCY_EXCESS_GRANT, True)]),
        (dict(grants=(ADMIN,)), with_agency(treatment="report"), "",
         [(AGENCY_EXCESS_GRANT, False), (AGENCY_NOT_STRIPPED, False)]),
        # unbinding changes only this server: allowed for a shared agency, never for our own
        (dict(grants=(ADMIN,), others=("srv-2",)), with_agency(treatment="unbind"), "", [(AGENCY_EXCESS_GRANT, True)]),
        (dict(grants=(ADMIN,)), with_agency(treatment="unbind"), "bms_agency",
         [(AGENCY_EXCESS_GRANT, False), (AGENCY_NOT_STRIPPED, False)]),
        (dict(grants=(READER,)), with_agency(strict=True), "", [(AGENCY_EXCESS_GRANT, True)]),
        (dict(grants=(READER,), others=("srv-2",)), DEFAULT, "", []),
        (dict(agency="", grants=(ADMIN,)), DEFAULT, "", []),
    ],
)
def test_agency_rules(posture, policy, own, expected):
    server = make_server(endpoint="disabled", **posture)
    assert rule_ids(evaluate(server, policy, now_ms=NOW_MS, own_agency=own)) == expected


def test_excess_finding_carries_the_grant_and_why():
    findings = evaluate(make_server(endpoint="disabled", grants=(ADMIN,)), DEFAULT, now_ms=NOW_MS).findings
    assert findings[0].grant == ADMIN
    assert findings[0].severity == Severity.HIGH
    assert "full-admin" in findings[0].reason
    assert "Tenant Administrator" in findings[0].observed


def test_not_stripped_finding_names_the_other_servers():
    server = make_server(endpoint="disabled", grants=(ADMIN,), others=("srv-2", "srv-3"))
    reason = evaluate(server, DEFAULT, now_ms=NOW_MS).findings[-1].reason
    assert "srv-2, srv-3" in reason


EXEMPT = {"owner": "alice", "reason": "vendor agent", "expires": "2027-01-31"}
EXPIRED = {"owner": "bob", "reason": "old", "expires": "2026-12-31"}


@pytest.mark.parametrize(
    ("exemption", "expected", "applied", "expired"),
    [
        ({"server_id": "srv-1", **EXEMPT}, [], 1, 0),
        ({"server_id": "srv-9", **EXEMPT}, [METADATA_V1_ALLOWED, AGENCY_EXCESS_GRANT], 0, 0),
        ({"name": "bms-app-*", **EXEMPT, "covers": ["metadata"]}, [AGENCY_EXCESS_GRANT], 1, 0),
        ({"tag": {"key": "team"}, **EXEMPT, "covers": ["agency"]}, [METADATA_V1_ALLOWED], 1, 0),
        ({"tag": {"key": "team", "value": "web"}, **EXEMPT}, [METADATA_V1_ALLOWED, AGENCY_EXCESS_GRANT], 0, 0),
        ({"server_id": "srv-1", **EXPIRED}, [METADATA_V1_ALLOWED, AGENCY_EXCESS_GRANT], 0, 1),
    ],
)
def test_exemptions(exemption, expected, applied, expired):
    policy = parse_policy({"exemptions": [exemption]})
    server = make_server(grants=(ADMIN,), tags={"team": "hpc"})
    assessment = evaluate(server, policy, now_ms=NOW_MS)
    assert [f.rule_id for f in assessment.findings] == expected
    assert (len(assessment.exemptions), len(assessment.expired)) == (applied, expired)


def test_applied_exemption_keeps_owner_reason_and_expiry():
    policy = parse_policy({"exemptions": [{"server_id": "srv-1", **EXEMPT}]})
    exemption = evaluate(make_server(), policy, now_ms=NOW_MS).exemptions[0]
    assert (exemption.match, exemption.owner, exemption.expires) == ("server_id:srv-1", "alice", "2027-01-31")


def test_compliant_server_has_no_findings():
    server = make_server(tokens="required", grants=(READER,))
    assessment = evaluate(server, DEFAULT, now_ms=NOW_MS)
    assert assessment.findings == () and assessment.remediable == ()
