"""``bmsguard deploy`` / ``destroy`` against localcloud: end state checked against template.yaml."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
import yaml

from bmsguard.settings import Settings
from bmsguard.trace_names import cts_operations
from deploy.template import DEFAULT_TEMPLATE, load_template
from localcloud.cloud import LocalCloud
from tests.deploy.conftest import ALERT_EMAIL, GLOBAL_TRACE_PROJECT

TEMPLATE = load_template()
UNRELATED = {
    "topics": [{"name": "ops-alerts", "subscriptions": [{"protocol": "email", "endpoint": "ops@example.com"}]}],
    "functions": [{"func_name": "payroll", "runtime": "Python3.10", "handler": "index.handler",
                   "triggers": [{"trigger_type_code": "TIMER",
                                 "event_data": {"name": "nightly", "schedule_type": "Cron", "schedule": "0 0 * * *"}}]}],
    "agencies": [{"name": "ops_agency", "trust_domain_name": "op_svc_ecs"}],
    "roles": [{"name": "ops-readonly", "statements": [{"effect": "Allow", "actions": ["bms:servers:get"]}]}],
}


def _by(items, key, value):
    found = [item for item in items if item.get(key) == value]
    assert len(found) == 1, f"expected one {key}={value!r}, found {len(found)}"
    return found[0]


def _writes(cloud) -> list[str]:
    return [t["trace_name"] for t in cloud.traces]


def _edited_template(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load(DEFAULT_TEMPLATE.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "template.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture
def deployed(localcloud, cli):
    cloud = localcloud(UNRELATED)
    result = cli(cloud, "deploy")
    assert result.code == 0, result.err
    return cloud


def test_function_matches_the_template(deployed, package_zip, sha512_of):
    state = deployed.dump()
    function = _by(state["functions"], "func_name", TEMPLATE.function.name)
    spec = TEMPLATE.function
    assert (function["runtime"], function["handler"], function["memory_size"], function["timeout"]) == (
        spec.runtime, spec.handler, spec.memory_mb, spec.timeout_s)
    assert function["project_id"] == deployed.project_id
    assert function["xrole"] == TEMPLATE.agency.name
    assert (function["log_group"], function["log_stream"]) == (spec.log_group, spec.log_stream)
    assert function["digest"] == sha512_of(package_zip)
    topic_urn = f"urn:smn:{deployed.region}:{deployed.project_id}:{TEMPLATE.topic.name}"
    assert function["user_data"] == {
        "BMSGUARD_REGION": deployed.region, "BMSGUARD_PROJECT_ID": deployed.project_id,
        "BMSGUARD_DOMAIN_ID": deployed.domain_id, "BMSGUARD_TOPIC_URN": topic_urn, "BMSGUARD_POLICY": "",
        "BMSGUARD_MODE": "report", "BMSGUARD_OWN_AGENCY": TEMPLATE.agency.name}
    config = function["async_invoke_config"]
    assert config["max_async_retry_attempts"] == spec.async_config.max_retry_attempts
    assert config["max_async_event_age_in_seconds"] == spec.async_config.max_event_age_s
    failure = config["destination_config"]["on_failure"]
    assert (failure["destination"], json.loads(failure["param"])) == ("SMN", {"topic_urn": topic_urn})


def test_deployed_user_data_is_valid_function_settings(deployed):
    function = _by(deployed.dump()["functions"], "func_name", TEMPLATE.function.name)
    settings = Settings.from_env(function["user_data"])
    assert (settings.region, settings.project_id, settings.own_agency) == (
        deployed.region, deployed.project_id, TEMPLATE.agency.name)


def test_deploy_through_the_http_server_adapter(cli):
    cloud = LocalCloud(UNRELATED)
    server = cloud.serve()
    try:
        assert cloud.endpoint.startswith("http://127.0.0.1:")
        first, second = cli(cloud, "deploy"), cli(cloud, "deploy")
    finally:
        server.stop()
    assert first.code == 0 and "Plan: 15 to create" in first.out, first.err
    assert second.code == 0 and "No changes" in second.out, second.err


def test_triggers_match_the_template_and_the_parser(deployed):
    functions = deployed.dump()["functions"]
    home = _by(functions, "func_name", TEMPLATE.function.name)
    triggers = {t["event_data"]["name"]: t for t in home["triggers"]}
    assert set(triggers) == {"bmsguard-bms-events", "bmsguard-sweep"}
    sweep = triggers["bmsguard-sweep"]
    assert (sweep["trigger_type_code"], sweep["event_data"]["schedule_type"], sweep["event_data"]["schedule"]) == (
        "TIMER", "Rate", "1h")
    assert json.loads(sweep["event_data"]["user_event"]) == {"mode": "sweep"}
    relay = _by(functions, "func_name", f"{TEMPLATE.function.name}-ap-southeast-1")
    assert relay["project_id"] == GLOBAL_TRACE_PROJECT
    assert relay["user_data"] == home["user_data"]  # the copy still acts on the home region
    subscribed = triggers["bmsguard-bms-events"]["event_data"]["operations"] + \
        relay["triggers"][0]["event_data"]["operations"]
    assert sorted(subscribed) == sorted(cts_operations())


def test_agency_policies_and_grants_match_the_template(deployed):
    state = deployed.dump()
    agency = _by(state["agencies"], "name", TEMPLATE.agency.name)
    assert agency["trust_domain_name"] == "op_svc_cff"
    for policy in TEMPLATE.agency.policies:
        role = _by(state["roles"], "name", policy.name)
        assert role["type"] == {"project": "XA", "domain": "AX"}[policy.scope]
        assert [s["effect"] for s in role["statements"]] == ["Allow"]
        assert sorted(role["statements"][0]["actions"]) == sorted(policy.action_names)
    assert agency["roles"]["project"] == {deployed.project_id: ["bmsguard-function-regional"]}
    assert agency["roles"]["domain"] == ["bmsguard-function-global"]
    assert not agency["roles"]["all_projects"] and not agency["roles"]["enterprise_project"]


def test_guardrail_policy_denies_non_v2_metadata_and_is_granted_to_nobody(deployed):
    state = deployed.dump()
    guard = _by(state["roles"], "name", TEMPLATE.guardrail.name)
    assert guard["statements"] == [{"effect": "Deny", "actions": sorted(TEMPLATE.guardrail.actions),
                                    "condition": {"StringNotEquals": {"bms:MetadataOptionsHttpTokens": ["required"]}}}]
    granted = [name for a in state["agencies"] for names in [a["roles"]["domain"], a["roles"]["all_projects"],
                                                            *a["roles"]["project"].values()] for name in names]
    assert TEMPLATE.guardrail.name not in granted


def test_topic_and_subscription_exist(deployed):
    topic = _by(deployed.dump()["topics"], "name", TEMPLATE.topic.name)
    assert [(s["protocol"], s["endpoint"]) for s in topic["subscriptions"]] == [("email", ALERT_EMAIL)]


def test_second_deploy_reports_no_change_and_writes_nothing(deployed, cli):
    before = _writes(deployed)
    result = cli(deployed, "deploy")
    assert result.code == 0, result.err
    assert "No changes" in result.out
    assert _writes(deployed) == before


def test_a_trigger_deleted_by_hand_comes_back_on_the_next_deploy(deployed, cli):
    home = next(f for f in deployed.functiongraph.list(deployed.project_id) if f.name == "bmsguard")
    sweep = next(t for t in home.triggers if t.trigger_type_code == "TIMER")
    deployed.functiongraph.delete_trigger(deployed.project_id, home.urn, "TIMER", sweep.trigger_id)
    result = cli(deployed, "deploy")
    assert [line for line in result.out.splitlines() if line[:1] in "+-~"] == [
        f"+ create trigger bmsguard@{deployed.region}/{deployed.project_id}/TIMER:bmsguard-sweep"]
    names = [t["event_data"]["name"] for t in _by(deployed.dump()["functions"], "func_name", "bmsguard")["triggers"]]
    assert sorted(names) == ["bmsguard-bms-events", "bmsguard-sweep"]


def test_a_role_granted_to_the_agency_outside_deploy_is_reported_not_removed(deployed, cli):
    agency = deployed.iam.agency_named(TEMPLATE.agency.name)
    deployed.iam.grant("project", deployed.project_id, agency.id, "2248cfbfe30fd36eb5a88082d39df438")
    result = cli(deployed, "deploy")
    assert result.code == 0, result.err
    assert result.out.startswith(f"! {TEMPLATE.agency.name} also holds 'BMS FullAccess' on project ")
    assert "No changes" in result.out
    roles = _by(deployed.dump()["agencies"], "name", TEMPLATE.agency.name)["roles"]["project"][deployed.project_id]
    assert sorted(roles) == ["BMS FullAccess", "bmsguard-function-regional"]


def test_plan_prints_differences_and_changes_nothing(localcloud, cli):
    cloud = localcloud(UNRELATED)
    before = cloud.dump()
    result = cli(cloud, "deploy", "--plan")
    assert result.code == 0, result.err
    assert "+ create function bmsguard@" in result.out and "Plan: 15 to create" in result.out
    after = cloud.dump()
    assert not cloud.traces
    assert after["functions"] == before["functions"] and after["topics"] == before["topics"]


def test_one_changed_setting_is_planned_and_applied_alone(deployed, cli, tmp_path):
    def sweep_every_30_minutes(data):
        _by(data["triggers"], "name", "bmsguard-sweep")["schedule"] = "30m"

    template = _edited_template(tmp_path, sweep_every_30_minutes)
    plan = cli(deployed, "deploy", "--plan", template=template)
    changes = [line for line in plan.out.splitlines() if line[:1] in "+-~"]
    assert changes == [f"-/+ replace trigger bmsguard@{deployed.region}/{deployed.project_id}/TIMER:bmsguard-sweep"]
    assert '"1h" -> "30m"' in plan.out
    assert cli(deployed, "deploy", template=template).code == 0
    home = _by(deployed.dump()["functions"], "func_name", "bmsguard")
    assert _by([t["event_data"] for t in home["triggers"]], "name", "bmsguard-sweep")["schedule"] == "30m"
    assert "No changes" in cli(deployed, "deploy", template=template).out


def test_memory_change_updates_the_function_and_its_copy_in_place(deployed, cli, tmp_path):
    template = _edited_template(tmp_path, lambda data: data["function"].update(memory_mb=512))
    result = cli(deployed, "deploy", template=template)
    assert result.code == 0, result.err
    assert result.out.count("~ update function") == 2 and "memory_size: 256 -> 512" in result.out
    functions = deployed.dump()["functions"]
    assert {f["func_name"]: f["memory_size"] for f in functions if f["func_name"].startswith("bmsguard")} == {
        "bmsguard": 512, "bmsguard-ap-southeast-1": 512}


def test_topic_display_name_is_updated_in_place_and_a_new_remark_changes_nothing(deployed, cli, tmp_path):
    def edit(data):
        data["notifications"]["topic"]["display_name"] = "BMS guard"
        data["notifications"]["subscriptions"][0]["remark"] = "another team"

    result = cli(deployed, "deploy", template=_edited_template(tmp_path, edit))
    assert result.code == 0, result.err
    assert [line for line in result.out.splitlines() if line[:1] in "+-~"] == [f"~ update topic {TEMPLATE.topic.name}"]
    topic = _by(deployed.dump()["topics"], "name", TEMPLATE.topic.name)
    assert topic["display_name"] == "BMS guard [bmsguard-managed:bmsguard]"
    assert [s["endpoint"] for s in topic["subscriptions"]] == [ALERT_EMAIL]


def test_a_policy_edit_updates_the_custom_role_in_place(deployed, cli, tmp_path):
    def drop_publish(data):
        del _by(data["agency"]["policies"], "name", "bmsguard-function-regional")["actions"]["smn:topic:publish"]

    before = _by(deployed.dump()["roles"], "name", "bmsguard-function-regional")["id"]
    result = cli(deployed, "deploy", template=_edited_template(tmp_path, drop_publish))
    assert result.code == 0, result.err
    assert [line for line in result.out.splitlines() if line[:1] in "+-~"] == [
        "~ update role bmsguard-function-regional"]
    state = deployed.dump()
    role = _by(state["roles"], "name", "bmsguard-function-regional")
    assert "smn:topic:publish" not in role["statements"][0]["actions"] and len(role["statements"][0]["actions"]) == 5
    assert role["id"] == before
    agency = _by(state["agencies"], "name", TEMPLATE.agency.name)
    assert agency["roles"]["project"] == {deployed.project_id: ["bmsguard-function-regional"]}


def test_disabling_the_iam_trigger_removes_the_regional_copy_only(deployed, cli, tmp_path):
    template = _edited_template(tmp_path, lambda data: _by(data["triggers"], "name", "bmsguard-iam-events").update(
        enabled=False))
    result = cli(deployed, "deploy", template=template)
    assert result.code == 0, result.err
    assert [line.split(" ")[2] for line in result.out.splitlines() if line.startswith("- ")] == [
        "function", "async_config", "trigger"][::-1]
    assert sorted(f["func_name"] for f in deployed.dump()["functions"]) == ["bmsguard", "payroll"]
    assert "No changes" in cli(deployed, "deploy", template=template).out


def test_new_code_is_uploaded(deployed, cli, tmp_path, package_zip, sha512_of):
    changed = tmp_path / "changed.zip"
    with zipfile.ZipFile(package_zip) as src, zipfile.ZipFile(changed, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        dst.writestr("VERSION", "2")
    result = cli(deployed, "deploy", "--package", str(changed), package=False)
    assert result.code == 0, result.err
    assert [line for line in result.out.splitlines() if line.startswith("    ")] == [
        f"    code: {_short_sha(package_zip)} -> {_short_sha(changed)}"] * 2
    assert _by(deployed.dump()["functions"], "func_name", "bmsguard")["digest"] == sha512_of(changed)


def _short_sha(path: Path) -> str:
    return json.dumps(hashlib.sha256(path.read_bytes()).hexdigest()[:16])


def test_destroy_removes_only_what_deploy_created(deployed, cli):
    result = cli(deployed, "destroy")
    assert result.code == 0, result.err
    state = deployed.dump()
    assert [f["func_name"] for f in state["functions"]] == ["payroll"]
    assert _by(state["functions"], "func_name", "payroll")["triggers"][0]["event_data"]["name"] == "nightly"
    assert [t["name"] for t in state["topics"]] == ["ops-alerts"]
    assert _by(state["topics"], "name", "ops-alerts")["subscriptions"][0]["endpoint"] == "ops@example.com"
    assert [a["name"] for a in state["agencies"]] == ["ops_agency"]
    assert [r["name"] for r in state["roles"]] == ["ops-readonly"]
    assert "Nothing to remove" in cli(deployed, "destroy").out


def test_a_failed_call_stops_deploy_with_exit_1_and_the_next_deploy_resumes(localcloud, cli):
    cloud = localcloud(UNRELATED)
    cloud.add_fault(service="functiongraph", operation="CreateFunctionTrigger", status=500, error_code="FSS.0500",
                    times=1)
    failed = cli(cloud, "deploy")
    assert failed.code == 1
    assert failed.err.startswith("failed: create_function_trigger failed: HTTP 500 FSS.0500")
    resumed = cli(cloud, "deploy")
    assert resumed.code == 0, resumed.err
    assert "Plan: 3 to create" in resumed.out
    assert "No changes" in cli(cloud, "deploy").out


def test_deploy_refuses_to_take_over_a_same_named_resource(localcloud, cli):
    cloud = localcloud({"functions": [{"func_name": "bmsguard", "runtime": "Python3.10", "handler": "x.y"}]})
    result = cli(cloud, "deploy")
    assert result.code == 2
    assert "function bmsguard@" in result.err and "not created by bmsguard deploy" in result.err
    assert not cloud.traces


@pytest.mark.parametrize("variable", ["HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_PROJECT_ID",
                                      "HUAWEICLOUD_SDK_DOMAIN_ID", "BMSGUARD_REGION"])
@pytest.mark.parametrize("command", ["deploy", "destroy"])
def test_missing_credentials_exit_2_naming_the_variable(localcloud, cli, variable, command):
    cloud = localcloud(UNRELATED)
    result = cli(cloud, command, unset=(variable,))
    assert result.code == 2
    assert result.err.startswith(f"bmsguard: {variable} is not set")
    assert not cloud.traces


@pytest.mark.parametrize("content", [None, b"not a zip"], ids=["missing", "not-a-zip"])
def test_a_bad_package_file_exits_2_naming_it(localcloud, cli, tmp_path, content):
    cloud = localcloud(UNRELATED)
    bad = tmp_path / "bmsguard.zip"
    if content is not None:
        bad.write_bytes(content)
    result = cli(cloud, "deploy", "--package", str(bad), package=False)
    assert result.code == 2
    assert result.err.startswith(f"bmsguard: {bad}: ")
    assert "Traceback" not in result.err
    assert not cloud.traces


def test_a_region_the_sdk_does_not_know_exits_2_naming_it(monkeypatch, capsys):
    from bmsguard_cli.main import main

    for name, value in {"HUAWEICLOUD_SDK_AK": "AK0123456789", "HUAWEICLOUD_SDK_SK": "SK0123456789",
                        "HUAWEICLOUD_SDK_PROJECT_ID": "0945241c5ebc4660bac540d48f2a2c14",
                        "HUAWEICLOUD_SDK_DOMAIN_ID": "b2b3853af40448fcb9e40d6b89505bab",
                        "BMSGUARD_REGION": "xx-nowhere-1", "BMSGUARD_ALERT_EMAIL": ALERT_EMAIL,
                        "BMSGUARD_GLOBAL_TRACE_PROJECT_ID": GLOBAL_TRACE_PROJECT}.items():
        monkeypatch.setenv(name, value)
    capsys.readouterr()
    code = main(["destroy", "--plan"])  # no --endpoint: the SDK's regional endpoints
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("bmsguard: region 'xx-nowhere-1' (BMSGUARD_REGION")
    assert "SK0123456789" not in err
