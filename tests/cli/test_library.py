"""Every sample event is replayed through the CLI and behaves as events/catalogue.yaml documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bmsguard_cli import catalogue
from bmsguard_cli.main import main

EVENTS = Path(__file__).resolve().parents[2] / "events"
SAMPLES = catalogue.load_catalogue()


def test_catalogue_lists_every_event_file_once():
    listed = sorted(s.file.name for s in SAMPLES)
    assert listed == sorted(p.name for p in EVENTS.glob("*.json"))


def test_docs_describe_every_event():
    doc = (EVENTS.parent / "docs" / "events.md").read_text()
    missing = [s.file.name for s in SAMPLES if f"`{s.file.name}`" not in doc]
    assert missing == []


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.file.stem for s in SAMPLES])
def test_sample_behaves_as_documented(capsys, tmp_path, sample):
    dump = tmp_path / "end.json"
    code = main(["replay", str(sample.file), "--world", str(sample.world), "--json", "--dump-world", str(dump)])
    (run,) = json.loads(capsys.readouterr().out)["runs"]
    world = json.loads(dump.read_text())
    assert catalogue.check_expectation(sample.expect, run["report"], run["notifications"], world) == []
    assert code == {"ok": 0, "ignored": 0, "rejected": 2, "failed": 1}[sample.expect["status"]]


def test_library_replay_checks_every_sample(capsys):
    code = main(["replay", "--library"])
    out = capsys.readouterr().out
    assert f"{len(SAMPLES)} of {len(SAMPLES)} samples behaved as documented" in out
    assert code == 0


def test_events_command_lists_the_library(capsys):
    assert main(["events"]) == 0
    out = capsys.readouterr().out
    for sample in SAMPLES:
        assert sample.file.name in out


def test_mismatch_with_the_catalogue_is_reported():
    """The checker itself can fail: a wrong documented outcome is caught."""
    sample = SAMPLES[0]
    wrong = dict(sample.expect, notifications=sample.expect["notifications"] + 1, status="ignored")
    problems = catalogue.check_expectation(wrong, {"status": "ok", "servers": []}, [], {"servers": []})
    assert any("status" in p for p in problems) and any("notifications" in p for p in problems)
