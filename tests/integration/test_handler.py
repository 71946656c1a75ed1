"""The handler module itself: cold import, configuration errors, secrets, report shape."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

from bmsguard.errors import PolicyError, SettingsError
from handlers.index import handler, initializer
from localcloud.runtime import FunctionContext
from tests.integration.harness import APP_06, BATCH_02, ROOT, demo_world, invoke, load_event, user_data


def test_importing_the_handler_loads_no_sdk():
    code = ("import sys, handlers.index; "
            "print(sorted(m for m in sys.modules if m.startswith(('huaweicloudsdk', 'tenacity', 'yaml', 'requests'))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_plain_entry_point_works_with_a_context(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    context = FunctionContext.for_cloud(cloud, user_data=user_data(cloud))
    report = handler({"server_ids": [BATCH_02]}, context)
    assert report["status"] == "ok" and report["request_id"] == context.getRequestID()
    assert report["api_calls"] > 0


@pytest.mark.parametrize("overrides, error, named", [
    ({"BMSGUARD_REGION": ""}, SettingsError, "BMSGUARD_REGION"),
    ({"BMSGUARD_TOPIC_URN": "not-a-urn"}, SettingsError, "BMSGUARD_TOPIC_URN"),
    ({"BMSGUARD_MODE": "sometimes"}, SettingsError, "BMSGUARD_MODE"),
    ({"BMSGUARD_POLICY": "mode: sometimes"}, PolicyError, "mode"),
])
def test_bad_configuration_raises_an_error_naming_it_without_a_cloud_call(localcloud, caplog, overrides,
                                                                         error, named):
    cloud = localcloud("events/worlds/demo.yaml")
    context = FunctionContext.for_cloud(cloud, user_data=user_data(cloud, **overrides))
    with pytest.raises(error, match=named):
        handler({"server_ids": [BATCH_02]}, context)
    assert cloud.calls == []
    assert any("configuration" in r.getMessage() for r in caplog.records)


def test_region_unknown_to_the_sdk_is_a_settings_error(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    context = FunctionContext.for_cloud(cloud, user_data=user_data(cloud, BMSGUARD_REGION="xx-nowhere-9"))
    with pytest.raises(SettingsError, match="BMSGUARD_REGION 'xx-nowhere-9'"):
        handler({"server_ids": [BATCH_02]}, context)
    assert cloud.calls == []


def test_missing_credentials_are_a_settings_error(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    context = FunctionContext(user_data=user_data(cloud), project_id=cloud.project_id)
    with pytest.raises(SettingsError, match="agency"):
        handler({"server_ids": [BATCH_02]}, context)
    assert cloud.calls == []


def test_no_secret_reaches_reports_logs_or_messages(localcloud, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    cloud = localcloud("events/worlds/demo.yaml")
    credential = cloud.credential()
    secrets = [credential.sk, credential.security_token]
    cloud.add_fault(service="iam", operation="RemoveDomainPermissionFromAgency", status=403)
    runs = [invoke(cloud, load_event(name)) for name in
            ("cts_bms_create_api.json", "cts_bms_agency_bound.json", "timer_sweep.json")]
    cloud.bms.set_metadata_options(BATCH_02, "enabled", "optional")
    cloud.add_fault(service="bms", operation="UpdateMetadataOptions", status=500)
    runs.append(invoke(cloud, {"server_ids": [BATCH_02]}))
    assert runs[-1].raised
    texts = [json.dumps(run.report) for run in runs] + [str(run.error) for run in runs]
    texts += [json.dumps(message) for message in cloud.outbox]
    texts += [record.getMessage() for record in caplog.records]
    texts.append(capsys.readouterr().out)
    for secret in secrets:
        assert secret and not any(secret in text for text in texts)


def test_one_json_log_line_per_action_and_a_summary(localcloud, caplog):
    caplog.set_level(logging.INFO, logger="bmsguard")
    cloud = localcloud("events/worlds/demo.yaml")
    run = invoke(cloud, {"server_ids": [APP_06]})
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "bmsguard"]
    actions = [line for line in lines if line["event"] == "bmsguard.action"]
    assert len(actions) == len(run.server(APP_06)["outcomes"]) == 5
    assert {a["server"] for a in actions} == {APP_06}
    assert all(a["status"] == "applied" and a["attempts"] == 1 and a["write_ms"] is not None for a in actions)
    (summary,) = [line for line in lines if line["event"] == "bmsguard.summary"]
    assert summary["api_calls"] == run.report["api_calls"] and summary["by_status"] == {"remediated": 1}


def test_sweep_report_stays_small(localcloud):
    world = {"servers": [{"id": f"00000000-0000-4000-8000-{i:012d}", "name": f"bms-{i}", "status": "ACTIVE",
                          "metadata_options": {"http_endpoint": "enabled", "http_tokens": "required"}}
                         for i in range(300)],
             "topics": [{"name": "bmsguard-alerts"}]}
    cloud = localcloud(world)
    run = invoke(cloud, {"sweep": True})
    assert run.report["status"] == "ok"
    assert run.report["servers"] == [] and run.report["reason"] == "swept 300 servers; 300 compliant or exempt servers not listed"
    assert len(json.dumps(run.report)) < 256 * 1024


def test_sweep_report_counts_the_unlisted_compliant_and_non_compliant_servers_apart(localcloud):
    def server(i, tokens):
        return {"id": f"00000000-0000-4000-8000-{i:012d}", "name": f"bms-{i}", "status": "ACTIVE",
                "metadata_options": {"http_endpoint": "enabled", "http_tokens": tokens}}

    world = {"servers": [server(i, "optional") for i in range(203)] + [server(i, "required") for i in range(203, 208)],
             "topics": [{"name": "bmsguard-alerts"}]}
    cloud = localcloud(world)
    run = invoke(cloud, {"sweep": True}, BMSGUARD_MODE="report")

    assert len(run.report["servers"]) == 200 and {s["status"] for s in run.report["servers"]} == {"reported"}
    assert run.report["reason"].split("; ")[:3] == [
        "swept 208 servers", "5 compliant or exempt servers not listed",
        "3 more servers that are not compliant not listed"]


def test_large_report_is_reduced_to_server_summaries(localcloud):
    world = demo_world()
    world["servers"] = [{"id": f"00000000-0000-4000-8000-{i:012d}", "name": f"bms-{i}", "status": "ACTIVE",
                         "agency": "bms_ops_agency",
                         "metadata_options": {"http_endpoint": "enabled", "http_tokens": "required"}}
                        for i in range(60)]
    world["jobs"] = []
    cloud = localcloud(world)
    run = invoke(cloud, {"sweep": True})
    assert len(json.dumps(run.report)) < 256 * 1024
    assert len(run.report["servers"]) == 60 and "summaries" in run.report["reason"]
    first = run.report["servers"][0]
    assert first["status"] == "reported" and "agency.excess-grant" in first["findings"]
    assert run.writes() == []  # shared by 60 servers: reported, never stripped


def test_initializer_validates_settings_and_policy_up_front(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    initializer(FunctionContext.for_cloud(cloud, user_data=user_data(cloud)))
    with pytest.raises(PolicyError, match="mode"):
        initializer(FunctionContext.for_cloud(cloud, user_data=user_data(cloud, BMSGUARD_POLICY="mode: never")))
    with pytest.raises(SettingsError, match="BMSGUARD_DOMAIN_ID"):
        initializer(FunctionContext.for_cloud(cloud, user_data=user_data(cloud, BMSGUARD_DOMAIN_ID="")))
    assert cloud.calls == []
