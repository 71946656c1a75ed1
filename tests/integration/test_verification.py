"""Re-read after writing: a write the cloud answered as a success but lost (localcloud's ``swallow`` fault)
is ``not_applied``, fails the server, is notified, and the event is retried by FunctionGraph."""

from __future__ import annotations

import json

from tests.integration.harness import APP_06, BATCH_02, grants_of, invoke, metadata_of

STRIPPED = {"BMSReadOnlyPolicy", "OBS ReadOnlyAccess"}  # what bms_ops_agency keeps once stripped


def email_of(message):
    return message["message_structure"]["email"]


def failure_message(run):
    (message,) = [m for m in run.published if m["tags"].get("status") == "event_failed"]
    return message


def not_applied(run, server_id):
    return [o for o in run.server(server_id)["outcomes"] if o["status"] == "not_applied"]


def test_lost_metadata_write_is_not_applied_notified_and_retried(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    cloud.add_fault(service="bms", operation="UpdateMetadataOptions", swallow=True, times=1)

    run = invoke(cloud, {"server_ids": [BATCH_02]})

    assert run.raised and run.report["retryable"] and run.report["status"] == "failed"
    server = run.server(BATCH_02)
    assert server["status"] == "failed" and server["retryable"]
    (lost,) = not_applied(run, BATCH_02)
    assert lost["action"]["kind"] == "disable_metadata" and lost["error_code"] == "NotApplied"
    assert server["error"].startswith("disable the metadata endpoint: ")
    assert metadata_of(cloud, BATCH_02) == "enabled/optional" and run.writes() == []
    server_message = next(m for m in run.published if m["tags"].get("server_id") == BATCH_02)
    assert server_message["tags"]["status"] == "failed"
    assert "disable the metadata endpoint: written but the re-read shows it did not stick" in email_of(
        server_message)
    assert "This will be retried" in email_of(server_message)
    failure = failure_message(run)
    assert f"Server {BATCH_02}: failed disable the metadata endpoint" in email_of(failure)
    assert BATCH_02 in str(run.error)


def test_the_functiongraph_retry_of_a_lost_write_applies_it(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    cloud.add_fault(service="bms", operation="UpdateMetadataOptions", swallow=True, times=1)
    event = {"server_ids": [BATCH_02]}

    first = invoke(cloud, event)
    retry = invoke(cloud, event)

    assert first.raised and not retry.raised
    assert retry.statuses() == {BATCH_02: "remediated"}
    assert metadata_of(cloud, BATCH_02) == "disabled/optional"
    assert retry.writes() == ["updateMetadataOptions"]


def test_lost_v3_revoke_leaves_the_server_partially_failed_and_names_the_role(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    cloud.add_fault(service="iam", operation="RemoveDomainPermissionFromAgency", swallow=True)

    run = invoke(cloud, {"server_ids": [APP_06]})

    assert run.raised and run.report["retryable"]
    server = run.server(APP_06)
    assert server["status"] == "partially_failed"
    (lost,) = not_applied(run, APP_06)
    assert (lost["action"]["kind"], lost["action"]["grant"]["display_name"]) == (
        "revoke_agency_role", "Security Administrator")
    assert server["error"].startswith("revoke Security Administrator on account (global services) ")
    assert grants_of(cloud, "bms_ops_agency") == STRIPPED | {"Security Administrator"}
    assert "revokeRoleFromAgencyOnDomain" not in run.writes()
    assert "revokeRoleFromAgencyOnProject" in run.writes()  # the other revokes still ran and stuck
    (server_message,) = [m for m in run.published if m["tags"].get("server_id") == APP_06]
    assert server_message["tags"]["status"] == "partially_failed"
    assert "Security Administrator" in server_message["message_structure"]["default"]
    assert "from agency bms_ops_agency" in email_of(failure_message(run))


def test_lost_v5_detach_is_not_applied_and_the_http_payload_says_so(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    cloud.add_fault(service="iam", operation="DetachAgencyPolicyV5", swallow=True)

    run = invoke(cloud, {"server_ids": [APP_06]})

    assert run.raised
    (lost,) = not_applied(run, APP_06)
    assert (lost["action"]["kind"], lost["action"]["grant"]["role_name"]) == (
        "detach_agency_policy", "agency-admin-custom")
    assert run.server(APP_06)["error"].startswith("detach agency-admin-custom from agency bms_ops_agency: ")
    assert grants_of(cloud, "bms_ops_agency") == STRIPPED | {"agency-admin-custom"}
    assert "detachAgencyPolicyV5" not in run.writes()
    (server_message,) = [m for m in run.published if m["tags"].get("server_id") == APP_06]
    outcome = json.loads(server_message["message_structure"]["http"])["outcome"]
    assert [o["status"] for o in outcome["outcomes"] if o["action"]["kind"] == "detach_agency_policy"] == [
        "not_applied"]
