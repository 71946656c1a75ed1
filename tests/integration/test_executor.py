"""The executor against localcloud: verify after write, idempotent revokes, time running out."""

from __future__ import annotations

from bmsguard import executor
from bmsguard.cloud.retry import Deadline
from bmsguard.model import ActionStatus, DisableMetadata, MetadataOptions, RevokeAgencyRole
from tests.integration.harness import BATCH_02, OPS_AGENCY, FakeClock, gateway_for

V1_OPEN = MetadataOptions(http_endpoint="enabled", http_tokens="optional")


def ops_grant(cloud, label: str):
    gateway = gateway_for(cloud)
    grants = gateway.list_agency_grants(OPS_AGENCY, project_id=cloud.project_id, domain_id=cloud.domain_id)
    return next(g for g in grants if g.label == label)


def test_applied_actions_are_verified_by_a_re_read(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    gateway = gateway_for(cloud)
    server = gateway.get_server(BATCH_02)
    (outcome,) = executor.execute(server, (DisableMetadata(BATCH_02, V1_OPEN),), gateway, mode="enforce",
                                  deadline=Deadline.after(60_000))
    assert outcome.status == ActionStatus.APPLIED
    assert outcome.started_at_ms <= outcome.applied_at_ms <= outcome.verified_at_ms
    assert [c["operation"] for c in cloud.calls[-2:]] == ["UpdateMetadataOptions", "ShowMetadataOptions"]


def test_revoking_a_grant_that_is_already_gone_is_already_done(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    grant = ops_grant(cloud, "Security Administrator")
    action = RevokeAgencyRole(agency_id=OPS_AGENCY, agency_name="bms_ops_agency", grant=grant)
    gateway = gateway_for(cloud)
    server = gateway.get_server(BATCH_02)
    first = executor.execute(server, (action,), gateway, mode="enforce", deadline=Deadline.after(60_000))
    again = executor.execute(server, (action,), gateway, mode="enforce", deadline=Deadline.after(60_000))
    assert [first[0].status, again[0].status] == [ActionStatus.APPLIED, ActionStatus.ALREADY]
    assert len([t for t in cloud.traces if t["trace_name"] == "revokeRoleFromAgencyOnDomain"]) == 1


def test_actions_are_skipped_when_time_runs_out(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    gateway = gateway_for(cloud)
    server = gateway.get_server(BATCH_02)
    clock = FakeClock()
    grant = ops_grant(cloud, "ECS FullAccess")
    actions = (DisableMetadata(BATCH_02, V1_OPEN), RevokeAgencyRole(OPS_AGENCY, "bms_ops_agency", grant))
    outcomes = executor.execute(server, actions, gateway, mode="enforce", deadline=Deadline.after(500, clock),
                                clock=clock)
    assert {o.status for o in outcomes} == {ActionStatus.SKIPPED}
    assert all(o.retryable and "time" in o.error for o in outcomes)
    assert cloud.traces == []


def test_report_mode_never_writes(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    gateway = gateway_for(cloud)
    server = gateway.get_server(BATCH_02)
    grant = ops_grant(cloud, "ECS FullAccess")
    actions = (DisableMetadata(BATCH_02, V1_OPEN), RevokeAgencyRole(OPS_AGENCY, "bms_ops_agency", grant))
    outcomes = executor.execute(server, actions, gateway, mode="report", deadline=Deadline.after(60_000))
    assert [o.status for o in outcomes] == [ActionStatus.WOULD_APPLY] * 2
    assert cloud.traces == []
