"""Injected faults: throttling (including the SDK's body-less 429 on GET), server errors, access denied."""

from __future__ import annotations

from handlers.index import handle
from localcloud.runtime import FunctionContext
from tests.integration.harness import APP_06, BATCH_02, grants_of, invoke, load_event, metadata_of, user_data


def test_bodyless_get_429_is_retried_and_succeeds(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    cloud.add_fault(service="bms", operation="ShowMetadataOptions", status=429, error_code="APIG.0308", times=2)
    run = invoke(cloud, {"server_ids": [BATCH_02]})
    assert not run.raised
    assert run.statuses() == {BATCH_02: "remediated"}
    assert metadata_of(cloud, BATCH_02) == "disabled/optional"
    assert len(run.sleeps.calls) == 2 and all(0 < s <= 1.0 for s in run.sleeps.calls)  # jittered backoff


def test_post_429_with_body_is_retried(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    cloud.add_fault(service="smn", operation="PublishMessage", status=429, error_code="APIG.0308", times=1)
    run = invoke(cloud, {"server_ids": [BATCH_02]})
    assert not run.raised and run.server(BATCH_02)["notified"]
    assert len(run.published) == 1


def test_server_error_on_a_write_is_retried_and_applied(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    cloud.add_fault(service="bms", operation="UpdateMetadataOptions", status=503, times=1)
    run = invoke(cloud, {"server_ids": [BATCH_02]})
    (outcome,) = run.server(BATCH_02)["outcomes"]
    assert (outcome["status"], outcome["attempts"]) == ("applied", 2)
    assert metadata_of(cloud, BATCH_02) == "disabled/optional"


def test_persistent_server_error_fails_retryably_and_notifies(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    cloud.add_fault(service="bms", operation="UpdateMetadataOptions", status=500)
    run = invoke(cloud, {"server_ids": [BATCH_02]})
    assert run.raised and run.report["retryable"]
    (outcome,) = run.server(BATCH_02)["outcomes"]
    assert outcome["status"] == "failed" and outcome["retryable"] and outcome["attempts"] == 5
    assert outcome["error_code"] == "500" or outcome["error_code"].startswith("BMS")
    assert metadata_of(cloud, BATCH_02) == "enabled/optional"
    statuses = [m["tags"].get("status") for m in run.published]
    assert "event_failed" in statuses and len(run.published) == 2  # the server message and the event failure


def test_gateway_timeout_code_is_transient(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    cloud.add_fault(service="bms", operation="ListBareMetalServerDetails", status=504, error_code="APIG.0203",
                    times=1)
    run = invoke(cloud, {"server_ids": [BATCH_02]})
    assert run.statuses() == {BATCH_02: "remediated"}


def test_access_denied_write_fails_that_action_only_and_is_not_retried(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    cloud.add_fault(service="iam", operation="RemoveDomainPermissionFromAgency", status=403,
                    error_code="IAM.0002")
    run = invoke(cloud, {"server_ids": [APP_06]})
    assert not run.raised
    assert run.report["status"] == "failed" and not run.report["retryable"]
    outcome = run.server(APP_06)
    assert outcome["status"] == "partially_failed"
    denied = [o for o in outcome["outcomes"] if o["status"] == "failed"]
    assert [(o["action"]["grant"]["display_name"], o["attempts"], o["retryable"]) for o in denied] == [
        ("Security Administrator", 1, False)]
    assert denied[0]["error_code"] == "IAM.0002" or "403" in denied[0]["error"]
    assert grants_of(cloud, "bms_ops_agency") == {"BMSReadOnlyPolicy", "OBS ReadOnlyAccess",
                                                  "Security Administrator"}
    assert len(run.published) == 1


def test_notification_that_cannot_be_published_fails_the_event(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    cloud.add_fault(service="smn", operation="PublishMessage", status=500)
    run = invoke(cloud, {"server_ids": [BATCH_02]})
    assert run.raised
    assert run.server(BATCH_02)["notification_error"]
    assert "failure notification could not be published" in run.report["reason"]
    assert metadata_of(cloud, BATCH_02) == "disabled/optional"


def test_sweep_under_the_gateway_rate_limit_completes(localcloud):
    """Huawei's API gateway answers 429 APIG.0308 above the rate; the sweep backs off and finishes.
    (The handler's sleep is localcloud's emulated one here: real waits of at most 50 ms.)"""
    cloud = localcloud("events/worlds/demo.yaml")
    cloud.set_rate_limit(service="bms", rate=100, burst=2)
    report = handle(load_event("timer_sweep.json"), FunctionContext.for_cloud(cloud, user_data=user_data(cloud)))
    assert report["status"] == "ok" and len(report["servers"]) == 6
    throttled = [c for c in cloud.calls if c["status"] == 429]
    assert throttled  # the limit did bite, and every throttled call was retried to success
    assert report["api_calls"] == len(cloud.calls)
