"""`bmsguard policy check`, `sweep`, `localcloud`, and the installed console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bmsguard_cli.main import main

ROOT = Path(__file__).resolve().parents[2]
DEMO_WORLD = ROOT / "events" / "worlds" / "demo.yaml"


def policy_check(capsys, tmp_path, text: str) -> tuple[Path, int, str, str]:
    """``bmsguard policy check`` on a policy file holding ``text``: (file, exit code, stdout, stderr)."""
    policy = tmp_path / "policy.yaml"
    policy.write_text(text)
    code = main(["policy", "check", str(policy)])
    captured = capsys.readouterr()
    return policy, code, captured.out, captured.err


def test_policy_check_prints_effective_decisions(capsys, tmp_path):
    _, code, out, _ = policy_check(capsys, tmp_path, (
        "version: 1\nmode: report\n"
        "metadata: {default: disable}\n"
        "agency: {treatment: report, allow: [OBS ReadOnlyAccess]}\n"
        "exemptions:\n"
        "  - {name: 'bms-legacy-*', owner: alice@example.com, reason: vendor agent needs V1, expires: 2001-01-01}\n"
    ))
    assert code == 0
    assert "mode: report" in out
    assert "every server: disable instance metadata" in out
    assert "never excess (allow): OBS ReadOnlyAccess" in out
    assert "name:bms-legacy-*" in out and "EXPIRED" in out


@pytest.mark.parametrize("treatment, says", [
    ("strip_excess", "shared agencies and the function's own agency: reported, never changed"),
    ("unbind", "a shared agency is unbound from the offending server only"),
    ("report", "no agency is changed"),
])
def test_policy_check_says_what_each_agency_treatment_leaves_alone(capsys, tmp_path, treatment, says):
    _, code, out, _ = policy_check(capsys, tmp_path, f"agency: {{treatment: {treatment}}}\n")
    assert code == 0 and says in out


@pytest.mark.parametrize("text, field", [
    ("version: 1\nmode: sometimes\n", "mode"),
    ("version: 1\nexemptions:\n  - {server_id: x, owner: a, reason: b, expires: someday}\n", "exemptions[0].expires"),
    ("version: 1\nunknown_key: 1\n", "unknown_key"),
])
def test_policy_check_rejects_bad_policy_naming_the_field(capsys, tmp_path, text, field):
    policy, code, _, err = policy_check(capsys, tmp_path, text)
    assert code == 2
    assert field in err and str(policy) in err and "Traceback" not in err


def test_sweep_against_a_world_prints_a_summary_table(capsys, tmp_path):
    assert main(["sweep", "--world", str(DEMO_WORLD)]) == 0
    out = capsys.readouterr().out
    assert "server" in out and "outcome" in out
    for name in ("bms-prod-01", "bms-batch-02", "bms-web-03", "bms-db-04", "bms-db-05", "bms-app-06"):
        assert name in out
    assert "6 servers" in out


def test_sweep_dry_run_json(capsys):
    assert main(["sweep", "--world", str(DEMO_WORLD), "--dry-run", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    statuses = {s["server_id"]: s["status"] for s in report["servers"]}
    assert len(statuses) == 6
    assert report["mode"] == "report"
    actions = [o["status"] for s in report["servers"] for o in s["outcomes"]]
    assert actions and set(actions) == {"would_apply"}


def test_localcloud_serve_with_a_bad_world_exits_2(capsys, tmp_path):
    world = tmp_path / "world.yaml"
    world.write_text("region: 12\nservers: nope\n")
    assert main(["localcloud", "serve", "--world", str(world)]) == 2
    assert f"{world}: world field 'region'" in capsys.readouterr().err


def test_a_world_that_is_not_yaml_is_named_in_one_line_with_the_position(capsys, tmp_path):
    world = tmp_path / "world.yaml"
    world.write_text("servers: [unclosed\n")
    assert main(["localcloud", "serve", "--world", str(world)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"localcloud: {world}: world field '(file)': not valid YAML/JSON at line 2, column 1: ")
    assert "\n" not in err


@pytest.mark.parametrize("options, named", [
    (["--port", "99999"], "argument --port: expected a port number 0-65535, got '99999'"),
    (["--port", "-1"], "argument --port: expected a port number 0-65535, got '-1'"),
    (["--dump", "/nonexistent-dir/end.json"], "--dump /nonexistent-dir/end.json: directory /nonexistent-dir does not exist"),
])
def test_localcloud_serve_rejects_a_bad_port_or_dump_path_before_serving(capsys, options, named):
    assert main(["localcloud", "serve", *options]) == 2
    captured = capsys.readouterr()
    assert named in captured.err
    assert "Traceback" not in captured.err and "listening" not in captured.out


def test_console_script_runs_from_a_shell():
    """The installed entry point, as a user types it (`bmsguard ...`), not only main()."""
    script = Path(sys.executable).with_name("bmsguard")
    if not script.exists():
        pytest.skip(f"console script not installed next to {sys.executable} (not an installed environment)")
    result = subprocess.run([str(script), "replay", str(ROOT / "events" / "manual_servers.json")],
                            capture_output=True, text=True, cwd=ROOT, env={**os.environ}, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "bms-batch-02" in result.stdout and "changed:" in result.stdout


def test_sweep_live_without_credentials_names_the_missing_variable(capsys, monkeypatch):
    for name in ("HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_PROJECT_ID",
                 "HUAWEICLOUD_SDK_DOMAIN_ID", "BMSGUARD_REGION", "BMSGUARD_TOPIC_URN"):
        monkeypatch.delenv(name, raising=False)
    assert main(["sweep", "--live", "--dry-run"]) == 2
    assert "--live needs the environment variable HUAWEICLOUD_SDK_AK" in capsys.readouterr().err
