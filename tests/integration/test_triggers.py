"""Every trigger kind through the production handler against the demo world: end state and outbox."""

from __future__ import annotations

import pytest

from tests.integration.harness import (
    APP_06,
    BATCH_02,
    DB_04,
    DB_05,
    PROD_01,
    WEB_03,
    grants_of,
    invoke,
    load_event,
    metadata_of,
)

OPS_KEPT = {"BMSReadOnlyPolicy", "OBS ReadOnlyAccess"}


@pytest.mark.parametrize("event", [
    "cts_bms_create_api.json",  # API trace: job id only, the job finishes late, the server is still building
    "cts_bms_create_job_completed.json",  # the job-completion (SystemAction) trace carrying the server id
    "cts_bms_create_legacy.json",  # string times, request/response as JSON strings
    "eg_bms_create.json",  # the same creation through EventGrid
])
def test_creation_requires_v2_and_strips_the_admin_grant(localcloud, event):
    cloud = localcloud("events/worlds/demo.yaml")
    run = invoke(cloud, load_event(event))
    assert not run.raised
    assert run.report["status"] == "ok"
    assert run.statuses() == {PROD_01: "remediated"}
    assert metadata_of(cloud, PROD_01) == "enabled/required"
    assert grants_of(cloud, "bms_app_agency") == {"OBS ReadOnlyAccess"}
    assert len(run.published) == 1 and "bms-prod-01" in run.published[0]["subject"]


def test_api_trace_waits_for_the_job_and_the_build_with_backoff(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    run = invoke(cloud, load_event("cts_bms_create_api.json"))
    # job: RUNNING twice then SUCCESS; server: BUILD once then ACTIVE -> three waits, growing
    assert run.sleeps.calls == [2.0, 4.0, 2.0]
    assert run.server(PROD_01)["posture"]["status"] == "ACTIVE"


def test_metadata_option_change_restores_v2_and_reports_the_shared_grant(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    run = invoke(cloud, load_event("cts_bms_metadata_options_v1.json"))
    assert run.statuses() == {DB_04: "remediated"}
    assert metadata_of(cloud, DB_04) == "enabled/required"
    assert grants_of(cloud, "bms_shared_agency") == {"OBS ReadOnlyAccess", "Security Administrator"}
    findings = run.server(DB_04)["findings"]
    assert any(f["rule_id"] == "agency.not-stripped" and "shared" in f["reason"] for f in findings)


def test_agency_binding_change_strips_every_scope(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    run = invoke(cloud, load_event("cts_bms_agency_bound.json"))
    assert run.statuses() == {APP_06: "remediated"}
    assert grants_of(cloud, "bms_ops_agency") == OPS_KEPT
    stripped = {o["action"]["grant"]["scope"] for o in run.server(APP_06)["outcomes"]}
    assert stripped == {"project", "domain", "all_projects", "enterprise_project", "policy"}
    assert all(o["status"] == "applied" and o["verified_at_ms"] for o in run.server(APP_06)["outcomes"])


@pytest.mark.parametrize("event", [
    "cts_iam_grant_project.json",
    "cts_iam_grant_domain.json",
    "cts_iam_grant_all_projects.json",
    "cts_iam_grant_enterprise_project.json",
    "cts_iam_attach_policy_v5.json",
])
def test_grant_to_an_agency_reevaluates_its_servers(localcloud, event):
    cloud = localcloud("events/worlds/demo.yaml")
    run = invoke(cloud, load_event(event))
    assert run.report["trigger"]["kind"] == "agency_changed"
    assert run.statuses() == {APP_06: "remediated"}
    assert grants_of(cloud, "bms_ops_agency") == OPS_KEPT
    assert len(run.published) == 1


def test_timer_sweep_checks_every_server(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    run = invoke(cloud, load_event("timer_sweep.json"))
    assert run.report["status"] == "ok"
    assert run.statuses() == {PROD_01: "remediated", BATCH_02: "remediated", WEB_03: "compliant",
                              DB_04: "remediated", DB_05: "reported", APP_06: "remediated"}
    assert metadata_of(cloud, BATCH_02) == "disabled/optional"
    assert metadata_of(cloud, PROD_01) == "enabled/required"
    assert grants_of(cloud, "bmsguard_agency") == {"BMS ReadOnlyAccess", "IAM ReadOnlyAccess"}
    assert len(run.published) == 5


def test_manual_invocation_disables_metadata_for_a_tagged_server(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    run = invoke(cloud, load_event("manual_servers.json"))
    assert run.statuses() == {BATCH_02: "remediated"}
    assert metadata_of(cloud, BATCH_02) == "disabled/optional"
    assert run.writes() == ["updateMetadataOptions"]


def test_compliant_server_without_agency_costs_two_calls_and_no_message(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    run = invoke(cloud, load_event("cts_bms_create_v2_already.json"))
    assert run.statuses() == {WEB_03: "compliant"}
    assert run.report["api_calls"] == 2
    assert run.published == [] and run.writes() == []


@pytest.mark.parametrize("event, status", [
    ("cts_bms_reboot_ignored.json", "ignored"),
    ("cts_bms_create_malformed.json", "rejected"),
])
def test_events_not_handled_make_no_cloud_call(localcloud, event, status):
    cloud = localcloud("events/worlds/demo.yaml")
    run = invoke(cloud, load_event(event))
    assert not run.raised
    assert run.report["status"] == status and run.report["reason"]
    assert cloud.calls == [] and run.published == []


def test_eventgrid_and_cts_reports_name_their_source(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    assert invoke(cloud, load_event("eg_bms_create.json")).report["trigger"]["source"] == "eventgrid"
    assert invoke(cloud, load_event("manual_servers.json")).report["trigger"]["source"] == "manual"


def test_sweep_lists_the_project_once_and_reads_each_agency_once(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    invoke(cloud, load_event("timer_sweep.json"))
    operations = [call["operation"] for call in cloud.calls]
    assert operations.count("ListBareMetalServers") == 1  # the shared-agency check uses the same listing
    assert operations.count("ListAgencies") == 3  # bms_app_agency, bms_shared_agency (two servers), bms_ops_agency
    assert operations.count("ShowMetadataOptions") >= 6
