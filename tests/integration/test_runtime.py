"""localcloud.runtime.FunctionContext: the FunctionGraph context stand-in."""

from __future__ import annotations

import logging

from localcloud.runtime import FunctionContext
from tests.integration.harness import FakeClock


def test_for_cloud_signs_as_the_function_agency_by_default(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    context = FunctionContext.for_cloud(cloud, user_data={"BMSGUARD_REGION": cloud.region})
    credential = cloud.credential()
    assert credential.identity.type == "AssumedAgency"
    assert (context.getSecurityAccessKey(), context.getSecuritySecretKey(), context.getSecurityToken()) == (
        credential.ak, credential.sk, credential.security_token)
    assert context.getProjectID() == cloud.project_id
    assert context.getUserData("BMSGUARD_REGION") == cloud.region and context.getUserData("NOPE") is None
    assert context.getAccessKey() == "" and context.getSecretKey() == ""  # deprecated: never the keys
    assert credential.sk not in repr(context)


def test_for_cloud_can_sign_as_another_identity(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    alice = FunctionContext.for_cloud(cloud, identity="alice")
    assert alice.getSecurityAccessKey() == cloud.credential("alice").ak


def test_from_env_reads_sdk_keys_and_bmsguard_user_data():
    env = {"HUAWEICLOUD_SDK_AK": "AK1", "HUAWEICLOUD_SDK_SK": "SK1", "HUAWEICLOUD_SDK_SECURITY_TOKEN": "T1",
           "HUAWEICLOUD_SDK_PROJECT_ID": "p1", "BMSGUARD_REGION": "sa-brazil-1", "HOME": "/root"}
    context = FunctionContext.from_env(env)
    assert (context.getSecurityAccessKey(), context.getSecuritySecretKey(), context.getSecurityToken()) == (
        "AK1", "SK1", "T1")
    assert context.getProjectID() == "p1"
    assert context.getUserData("BMSGUARD_REGION") == "sa-brazil-1" and context.getUserData("HOME") is None


def test_remaining_time_counts_down_from_the_timeout():
    clock = FakeClock()
    context = FunctionContext(timeout_s=30, clock=clock)
    assert context.getRunningTimeInSeconds() == 30
    assert context.getRemainingTimeInMilliSeconds() == 30_000
    clock.now_ms += 12_500
    assert context.getRemainingTimeInMilliSeconds() == 17_500
    clock.now_ms += 60_000
    assert context.getRemainingTimeInMilliSeconds() == 0


def test_logger_prefixes_the_request_id(caplog):
    caplog.set_level(logging.INFO, logger="functiongraph")
    context = FunctionContext(request_id="req-123")
    context.getLogger().info("hello")
    (record,) = caplog.records
    assert record.getMessage().endswith("-req-123-hello")
    assert context.getRequestID() == "req-123" and context.getFunctionName() == "bmsguard"
