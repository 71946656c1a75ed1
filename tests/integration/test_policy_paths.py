"""Modes, exemptions, shared and own agencies: what the policy decides, seen in the end state and outbox."""

from __future__ import annotations

import pytest

from tests.integration.harness import (
    APP_06,
    BATCH_02,
    DB_04,
    PROD_01,
    demo_world,
    grants_of,
    invoke,
    load_event,
    metadata_of,
    policy_with,
    server_entry,
)


def exemption(expires: str) -> str:
    return ("exemptions:\n"
            f"  - {{server_id: {APP_06}, owner: ops@example.com, reason: migration window, expires: '{expires}'}}\n")


# ---------------------------------------------------------------- report mode


@pytest.mark.parametrize("how", ["user_data", "policy", "event"])
def test_report_mode_writes_nothing_and_says_what_would_change(localcloud, how):
    cloud = localcloud("events/worlds/demo.yaml")
    event = load_event("cts_bms_agency_bound.json")
    settings = {}
    if how == "user_data":
        settings["BMSGUARD_MODE"] = "report"
    elif how == "policy":
        settings["BMSGUARD_POLICY"] = policy_with(**{"mode: enforce": "mode: report"})
    else:
        event = {"server_ids": [APP_06], "dry_run": True}
    run = invoke(cloud, event, **settings)
    assert run.report["mode"] == "report"
    assert run.statuses() == {APP_06: "reported"}
    assert {o["status"] for o in run.server(APP_06)["outcomes"]} == {"would_apply"}
    assert run.writes() == []
    assert "ECS FullAccess" in grants_of(cloud, "bms_ops_agency")
    assert len(run.published) == 1 and "would" in run.published[0]["message"].lower()


def test_enforce_in_user_data_overrides_a_report_policy(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    run = invoke(cloud, {"server_ids": [BATCH_02]}, BMSGUARD_MODE="enforce",
                 BMSGUARD_POLICY=policy_with(**{"mode: enforce": "mode: report"}))
    assert run.statuses() == {BATCH_02: "remediated"}
    assert metadata_of(cloud, BATCH_02) == "disabled/optional"


# ---------------------------------------------------------------- exemptions


def test_valid_exemption_suspends_every_decision(localcloud):
    world = demo_world()
    server_entry(world, APP_06)["metadata_options"]["http_tokens"] = "optional"
    cloud = localcloud(world)
    run = invoke(cloud, {"server_ids": [APP_06]},
                 BMSGUARD_POLICY=policy_with(**{"exemptions: []\n": exemption("2999-12-31")}))
    outcome = run.server(APP_06)
    assert outcome["status"] == "exempt"
    assert outcome["exemptions"][0]["owner"] == "ops@example.com"
    assert run.writes() == [] and run.published == []
    assert metadata_of(cloud, APP_06) == "enabled/optional"


def test_expired_exemption_no_longer_protects(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    run = invoke(cloud, {"server_ids": [APP_06]},
                 BMSGUARD_POLICY=policy_with(**{"exemptions: []\n": exemption("2020-01-31")}))
    assert run.statuses() == {APP_06: "remediated"}
    assert grants_of(cloud, "bms_ops_agency") == {"BMSReadOnlyPolicy", "OBS ReadOnlyAccess"}
    assert len(run.published) == 1


# ---------------------------------------------------------------- agencies that must not be stripped


def test_shared_agency_is_reported_not_stripped(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    run = invoke(cloud, {"server_ids": [DB_04]})
    assert grants_of(cloud, "bms_shared_agency") == {"OBS ReadOnlyAccess", "Security Administrator"}
    assert [t for t in run.writes() if t != "updateMetadataOptions"] == []
    posture = run.server(DB_04)["posture"]
    assert posture["agency"]["other_bound_servers"] == ["c0ffee00-1111-4222-8333-444455556605"]


def test_function_own_agency_bound_to_a_server_is_never_stripped(localcloud):
    world = demo_world()
    server_entry(world, APP_06)["agency"] = "bmsguard_agency"
    agency = next(a for a in world["agencies"] if a["name"] == "bmsguard_agency")
    agency["roles"]["domain"] = ["IAM ReadOnlyAccess", "Security Administrator"]
    cloud = localcloud(world)
    run = invoke(cloud, {"server_ids": [APP_06]})
    assert run.writes() == []
    assert "Security Administrator" in grants_of(cloud, "bmsguard_agency")
    assert run.statuses() == {APP_06: "reported"}
    assert any("own agency" in f["reason"] for f in run.server(APP_06)["findings"])


def test_unbind_treatment_removes_the_binding_instead(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    run = invoke(cloud, {"server_ids": [APP_06]},
                 BMSGUARD_POLICY=policy_with(**{"treatment: strip_excess": "treatment: unbind"}))
    assert run.statuses() == {APP_06: "remediated"}
    assert "agency" not in server_entry(cloud.dump(), APP_06)
    assert "ECS FullAccess" in grants_of(cloud, "bms_ops_agency")  # the agency itself is untouched
    assert run.writes() == ["updateMetadata"]


def test_report_names_the_undo_for_every_stripped_grant(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    run = invoke(cloud, {"server_ids": [PROD_01]})
    (revoke,) = [o for o in run.server(PROD_01)["outcomes"] if o["action"]["kind"] == "revoke_agency_role"]
    grant = revoke["action"]["grant"]
    assert (grant["scope"], grant["display_name"]) == ("domain", "Tenant Administrator")
    assert grant["role_id"] and grant["scope_id"] == cloud.domain_id
