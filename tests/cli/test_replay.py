"""`bmsguard replay` through its real entry point: output, exit codes, files, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bmsguard_cli.main import main

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
DEMO_WORLD = EVENTS / "worlds" / "demo.yaml"
MANUAL = EVENTS / "manual_servers.json"
BATCH_ID = "7d1c3f0a-2b7e-4d1e-9a51-0c9b8f3e6a02"


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def server_in(world: dict, server_id: str) -> dict:
    return next(s for s in world["servers"] if s["id"] == server_id)


def test_replay_prints_found_changed_and_notified(capsys):
    code, out, _ = run_cli(capsys, "replay", MANUAL)
    assert code == 0
    assert "bms-batch-02" in out
    assert "found:" in out
    assert "changed: disable instance metadata: enabled/optional → disabled/optional" in out
    assert "notified:" in out and "nothing (no SMN message)" not in out


def test_replay_json_and_dump_world(capsys, tmp_path):
    dump = tmp_path / "end.json"
    code, out, _ = run_cli(capsys, "replay", MANUAL, "--json", "--dump-world", dump)
    assert code == 0
    body = json.loads(out)
    (run,) = body["runs"]
    assert run["report"]["status"] == "ok"
    assert [s["status"] for s in run["report"]["servers"]] == ["remediated"]
    assert len(run["notifications"]) == 1
    world = json.loads(dump.read_text())
    assert server_in(world, BATCH_ID)["metadata_options"]["http_endpoint"] == "disabled"
    assert {"outbox", "traces", "calls"} <= set(world)
    assert any(t["trace_name"] == "updateMetadataOptions" for t in world["traces"])


def test_dry_run_changes_nothing_but_says_what_would_change(capsys, tmp_path):
    dump = tmp_path / "end.json"
    code, out, _ = run_cli(capsys, "replay", MANUAL, "--dry-run", "--dump-world", dump)
    assert code == 0
    assert "would:" in out and "disable instance metadata" in out
    world = json.loads(dump.read_text())
    assert server_in(world, BATCH_ID)["metadata_options"] == {"http_endpoint": "enabled", "http_tokens": "optional"}
    assert not [t for t in world["traces"] if t["service_type"] == "BMS"]


def test_email_flag_prints_the_email_body(capsys):
    code, out, _ = run_cli(capsys, "replay", MANUAL, "--email")
    assert code == 0
    assert "      | " in out  # the email body, indented under its subject


def test_world_flag_shares_one_cloud_between_events(capsys, tmp_path):
    """With --world, state flows from one event to the next: the second replay finds nothing to do."""
    dump = tmp_path / "end.json"
    code, out, _ = run_cli(capsys, "replay", MANUAL, MANUAL, "--world", DEMO_WORLD, "--json", "--dump-world", dump)
    assert code == 0
    first, second = json.loads(out)["runs"]
    assert first["report"]["servers"][0]["status"] == "remediated"
    assert second["report"]["servers"][0]["status"] == "compliant"
    assert second["notifications"] == []


def test_malformed_event_exits_2_with_the_field(capsys):
    code, out, _ = run_cli(capsys, "replay", EVENTS / "cts_bms_create_malformed.json")
    assert code == 2
    assert "rejected" in out and "cts.response.job_id" in out


def test_ignored_event_exits_0(capsys):
    code, out, _ = run_cli(capsys, "replay", EVENTS / "cts_bms_reboot_ignored.json")
    assert code == 0
    assert "ignored" in out


@pytest.mark.parametrize("content, needle", [
    (None, "cannot read the event file"),
    ("{not json", "not valid JSON"),
])
def test_bad_event_file_exits_2_naming_it(capsys, tmp_path, content, needle):
    path = tmp_path / "event.json"
    if content is not None:
        path.write_text(content)
    code, _, err = run_cli(capsys, "replay", path)
    assert code == 2
    assert str(path) in err and needle in err
    assert "Traceback" not in err


def test_bad_world_exits_2_naming_the_field(capsys, tmp_path):
    world = yaml.safe_load(DEMO_WORLD.read_text())
    world["servers"][1]["status"] = "FLYING"
    path = tmp_path / "world.yaml"
    path.write_text(yaml.safe_dump(world))
    code, _, err = run_cli(capsys, "replay", MANUAL, "--world", path)
    assert code == 2
    assert "servers[1].status" in err and "Traceback" not in err


def test_bad_policy_exits_2_naming_the_field(capsys, tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text("version: 1\nmode: sometimes\n")
    code, _, err = run_cli(capsys, "replay", MANUAL, "--policy", path)
    assert code == 2
    assert "mode" in err and "Traceback" not in err


def test_failed_remediation_exits_1(capsys, tmp_path):
    world = yaml.safe_load(DEMO_WORLD.read_text())
    world["faults"] = [{"service": "bms", "operation": "UpdateMetadataOptions", "status": 403,
                        "error_code": "BMS.0403", "times": 50}]
    path = tmp_path / "world.yaml"
    path.write_text(yaml.safe_dump(world))
    code, out, _ = run_cli(capsys, "replay", MANUAL, "--world", path)
    assert code == 1
    assert "FAILED" in out


def test_usage_errors_exit_2(capsys):
    assert run_cli(capsys, "replay")[0] == 2
    assert run_cli(capsys, "replay", MANUAL, "--library")[0] == 2
    assert run_cli(capsys, "no-such-command")[0] == 2


@pytest.mark.parametrize("present, missing", [
    ({}, "HUAWEICLOUD_SDK_AK"),
    ({"HUAWEICLOUD_SDK_AK": "AKEXAMPLE", "HUAWEICLOUD_SDK_SK": "SKEXAMPLE"}, "HUAWEICLOUD_SDK_PROJECT_ID"),
])
def test_live_without_credentials_names_the_missing_variable(capsys, monkeypatch, present, missing):
    for name in ("HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_PROJECT_ID",
                 "HUAWEICLOUD_SDK_DOMAIN_ID", "BMSGUARD_REGION", "BMSGUARD_TOPIC_URN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in present.items():
        monkeypatch.setenv(name, value)
    code, _, err = run_cli(capsys, "replay", MANUAL, "--live", "--dry-run")
    assert code == 2
    assert f"--live needs the environment variable {missing}" in err
    assert "SKEXAMPLE" not in err
