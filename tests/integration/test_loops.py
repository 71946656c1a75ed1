"""No loops: our own changes come back as CTS events and are ignored; replays converge; a cap per server."""

from __future__ import annotations

from handlers.compose import reset_container_state
from tests.integration.harness import APP_06, DB_04, PROD_01, invoke, load_event, metadata_of


def test_traces_of_our_own_changes_are_ignored_without_a_cloud_call(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    first = invoke(cloud, load_event("cts_bms_create_api.json"))
    own = first.traces
    assert {t["trace_name"] for t in own} >= {"updateMetadataOptions", "revokeRoleFromAgencyOnDomain",
                                               "publishMessage"}
    calls_before, outbox_before = len(cloud.calls), len(cloud.outbox)
    for trace in own:
        run = invoke(cloud, {"cts": trace})
        assert run.report["status"] == "ignored", trace["trace_name"]
        assert not run.raised
    assert len(cloud.calls) == calls_before  # not a single API call
    assert len(cloud.outbox) == outbox_before


def test_own_agency_is_recognised_by_name_and_by_access_key(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    invoke(cloud, {"server_ids": [DB_04]})
    (trace,) = [t for t in cloud.traces if t["trace_name"] == "updateMetadataOptions"]
    by_key = dict(trace, user={"type": "IAMUser", "name": "someone", "access_key_id": trace["user"]["access_key_id"]})
    by_name = dict(trace, user={"type": "AssumedAgency", "name": "bmsguard_agency/session-7"})
    for event in ({"cts": by_key}, {"cts": by_name}):
        run = invoke(cloud, event)
        assert run.report["status"] == "ignored" and "loop breaker" in run.report["reason"]
    stranger = dict(trace, user={"type": "IAMUser", "name": "bob", "access_key_id": "HSTABOB000000001"})
    assert invoke(cloud, {"cts": stranger}).report["status"] == "ok"


def test_replaying_the_same_event_changes_nothing_and_sends_nothing(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    event = load_event("cts_bms_agency_bound.json")
    first = invoke(cloud, event)
    assert first.writes() and first.published
    second = invoke(cloud, event)
    assert second.report["status"] == "ok"
    assert second.statuses() == {APP_06: "compliant"}
    assert second.writes() == [] and second.published == []


def test_remediations_per_server_are_capped_within_a_container(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    event = load_event("cts_bms_metadata_options_v1.json")
    statuses = []
    for _ in range(4):  # someone else keeps re-opening metadata V1 right after each fix
        cloud.bms.set_metadata_options(DB_04, "enabled", "optional")
        statuses.append(invoke(cloud, event).server(DB_04)["status"])
    assert statuses == ["remediated", "remediated", "remediated", "failed"]
    assert metadata_of(cloud, DB_04) == "enabled/optional"
    capped = invoke(cloud, event).server(DB_04)
    assert capped["error_code"] == "RemediationCapReached" and not capped["retryable"]


def test_a_fresh_container_starts_the_cap_from_zero(localcloud):
    """The cap belongs to one warm container: a new container (fresh module state) starts from zero."""
    for _ in range(4):
        reset_container_state()
        cloud = localcloud("events/worlds/demo.yaml")
        assert invoke(cloud, {"server_ids": [PROD_01]}).server(PROD_01)["status"] == "remediated"


def test_bms_event_of_another_project_is_ignored_without_a_call(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    event = load_event("cts_bms_metadata_options_v1.json")
    event["cts"]["project_id"] = "ffffffffffffffffffffffffffffffff"
    run = invoke(cloud, event)
    assert run.report["status"] == "ignored" and "project" in run.report["reason"]
    assert cloud.calls == []
