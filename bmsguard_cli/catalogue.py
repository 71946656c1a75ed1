"""The sample event library (events/catalogue.yaml): what each event shows and the outcome it documents."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bmsguard.errors import InputError

EVENTS_DIR = Path(__file__).resolve().parent.parent / "events"
CATALOGUE = EVENTS_DIR / "catalogue.yaml"


@dataclass(frozen=True)
class SampleEvent:
    file: Path
    world: Path
    trigger: str
    shows: str
    expect: dict[str, Any]


def load_catalogue(path: Path = CATALOGUE) -> list[SampleEvent]:
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise InputError(f"{path}: cannot read the event catalogue ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({exc})") from exc
    entries = data.get("events") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise InputError(f"{path}: 'events' must be a list")
    return [_entry(path.parent, i, e) for i, e in enumerate(entries)]


def _entry(base: Path, index: int, raw: Any) -> SampleEvent:
    where = f"{CATALOGUE.name}: events[{index}]"
    if not isinstance(raw, dict):
        raise InputError(f"{where} must be a mapping")
    for key in ("file", "world", "trigger", "shows", "expect"):
        if key not in raw:
            raise InputError(f"{where}.{key} is missing")
    return SampleEvent(base / raw["file"], base / raw["world"], raw["trigger"], raw["shows"], raw["expect"])


def find_sample(event_file: Path) -> SampleEvent | None:
    """The catalogue entry of a sample event file (so `replay events/x.json` knows its world)."""
    try:
        resolved = event_file.resolve()
        return next((s for s in load_catalogue() if s.file.resolve() == resolved), None)
    except InputError:
        return None


def read_event(path: Path) -> Any:
    try:
        text = path.read_text()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the event file ({exc.strerror})") from exc
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from exc


def check_expectation(expect: dict[str, Any], report: dict[str, Any], published: list[dict[str, Any]],
                      world: dict[str, Any]) -> list[str]:
    """Differences between a documented outcome and what happened ([] when they agree)."""
    problems: list[str] = []
    if report.get("status") != expect.get("status"):
        problems.append(f"status {report.get('status')!r}, documented {expect.get('status')!r}")
    got = {_server_name(s, world): s["status"] for s in report.get("servers", [])}
    if got != expect.get("servers", {}):
        problems.append(f"server outcomes {got}, documented {expect.get('servers', {})}")
    if len(published) != expect.get("notifications", 0):
        problems.append(f"{len(published)} notifications, documented {expect.get('notifications', 0)}")
    problems += _check_metadata(expect.get("metadata", {}), world)
    problems += _check_grants(expect.get("grants_left", {}), world)
    return problems


def _server_name(outcome: dict[str, Any], world: dict[str, Any]) -> str:
    posture = outcome.get("posture") or {}
    if posture.get("name"):
        return posture["name"]
    by_id = {s["id"]: s.get("name", s["id"]) for s in world.get("servers", [])}
    return by_id.get(outcome["server_id"], outcome["server_id"])


def _check_metadata(expected: dict[str, str], world: dict[str, Any]) -> list[str]:
    servers = {s.get("name"): s for s in world.get("servers", [])}
    problems = []
    for name, want in expected.items():
        opts = (servers.get(name) or {}).get("metadata_options") or {}
        have = f"{opts.get('http_endpoint')}/{opts.get('http_tokens')}"
        if have != want:
            problems.append(f"{name} metadata {have}, documented {want}")
    return problems


def _check_grants(expected: dict[str, list[str]], world: dict[str, Any]) -> list[str]:
    agencies = {a.get("name"): a for a in world.get("agencies", [])}
    problems = []
    for name, want in expected.items():
        have = sorted(agency_grant_names(agencies.get(name) or {}))
        if have != sorted(want):
            problems.append(f"{name} keeps {have}, documented {sorted(want)}")
    return problems


def agency_grant_names(agency: dict[str, Any]) -> list[str]:
    """Every role and policy name an agency holds in a world dump, across all scopes."""
    roles = agency.get("roles") or {}
    names: list[str] = []
    for scope in ("project", "enterprise_project"):
        for role_names in (roles.get(scope) or {}).values():
            names += role_names
    for scope in ("domain", "all_projects"):
        names += roles.get(scope) or []
    return names + list(agency.get("policies") or [])
