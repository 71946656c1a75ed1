"""policy.load_policy / parse_policy: the shipped default, sources, and validation errors by field."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

from bmsguard.errors import PolicyError
from bmsguard.model import ServerPosture
from bmsguard.policy import DEFAULT_POLICY_PATH, load_policy, parse_policy

VALID = {
    "version": 1,
    "mode": "report",
    "metadata": {
        "default": "require_v2",
        "tag_overrides": [{"tag": "bmsguard-metadata", "value": "none", "action": "disable"},
                          {"tag": "legacy", "action": "leave"}],
    },
    "agency": {"treatment": "unbind", "strict": True, "allow": ["ECS ReadOnlyAccess"], "deny": ["*FullAccess"]},
    "exemptions": [
        {"server_id": "srv-1", "owner": "alice@example.com", "reason": "vendor agent", "expires": "2027-01-31"},
        {"name": "bms-legacy-*", "owner": "bob", "reason": "r", "expires": "2027-01-31T12:00:00Z",
         "covers": ["metadata"]},
        {"tag": {"key": "team", "value": "hpc"}, "owner": "carol", "reason": "r", "expires": "2027-01-31"},
    ],
    "triggers": {"server_changed": ["changeServerOs"], "agency_changed": [], "server_created": []},
    "limits": {"max_remediations_per_server_per_hour": 5, "build_wait_seconds": 60},
}


def server(**fields):
    values = {"id": "srv-0", "name": "bms-0", "status": "ACTIVE"}
    values.update(fields)
    return ServerPosture(**values)


def test_default_policy_is_the_mission():
    policy = load_policy()
    assert policy.source == str(DEFAULT_POLICY_PATH)
    assert policy.mode == "enforce"
    assert policy.metadata.default == "require_v2"
    assert policy.metadata.decision_for(server(tags=(("bmsguard-metadata", "none"),)))[0] == "disable"
    assert policy.metadata.decision_for(server(tags=(("bmsguard-metadata", "v2"),)))[0] == "require_v2"
    assert policy.agency.treatment == "strip_excess"
    assert policy.agency.strict is False
    assert policy.exemptions == ()


def test_full_document_round_trip():
    policy = parse_policy(VALID, source="t.yaml")
    assert policy.mode == "report"
    assert policy.agency.deny == ("*FullAccess",)
    assert policy.extra_trace_names["server_changed"] == ("changeServerOs",)
    assert policy.limits.build_wait_seconds == 60
    assert [e.match for e in policy.exemptions] == ["server_id:srv-1", "name:bms-legacy-*", "tag:team=hpc"]
    assert policy.exemptions[1].covers == ("metadata",)
    assert json.loads(json.dumps(policy.to_dict()))["agency"]["treatment"] == "unbind"


def test_tag_override_without_value_matches_any_value():
    policy = parse_policy(VALID)
    decision, clause = policy.metadata.decision_for(server(tags=(("legacy", "anything"),)))
    assert (decision, clause) == ("leave", "metadata.tag_overrides[1] (tag legacy)")


def test_first_matching_tag_override_wins():
    document = copy.deepcopy(VALID)
    document["metadata"]["tag_overrides"].insert(0, {"tag": "legacy", "action": "disable"})
    decision, _ = parse_policy(document).metadata.decision_for(server(tags=(("legacy", "x"),)))
    assert decision == "disable"


def test_bare_date_expiry_lasts_through_that_day():
    rule = parse_policy(VALID).exemptions[0]
    end_of_day = int(dt.datetime(2027, 2, 1, tzinfo=dt.timezone.utc).timestamp() * 1000)
    assert rule.valid_at(end_of_day - 1)
    assert not rule.valid_at(end_of_day)


def test_yaml_dates_are_accepted():
    policy = load_policy("exemptions:\n  - {name: x, owner: a, reason: r, expires: 2027-01-31}\n")
    assert policy.exemptions[0].expires == "2027-01-31"


def test_exemption_matchers():
    first, second, third = parse_policy(VALID).exemptions
    assert first.matches(server(id="srv-1")) and not first.matches(server(id="srv-2"))
    assert second.matches(server(name="bms-legacy-07")) and not second.matches(server(name="bms-prod"))
    assert third.matches(server(tags=(("team", "hpc"),))) and not third.matches(server(tags=(("team", "web"),)))


def test_load_from_path_inline_yaml_and_json(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text("mode: report\n")
    assert load_policy(str(path)).mode == "report"
    assert load_policy(path).source == str(path)
    assert load_policy("mode: report").mode == "report"
    assert load_policy(json.dumps({"mode": "report", "agency": {"strict": True}})).agency.strict is True


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(PolicyError, match="file not found") as caught:
        load_policy(str(tmp_path / "nope.yaml"))
    assert caught.value.source.endswith("nope.yaml")


def test_yaml_syntax_error_gives_the_position():
    with pytest.raises(PolicyError, match="line 4, column 2"):
        load_policy("mode: report\nagency:\n  strict: true\n bad: 1\n")


def mutated(path, value):
    """VALID with the value at the dotted ``path`` replaced (``...`` deletes the key)."""
    document = copy.deepcopy(VALID)
    target = document
    keys = [int(k) if k.isdigit() else k for k in path.replace("[", ".").replace("]", "").split(".")]
    for key in keys[:-1]:
        target = target[key]
    if value is ...:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value
    return document


@pytest.mark.parametrize(
    ("path", "value", "field", "problem"),
    [
        ("mode", "dry", "mode", "expected one of enforce, report"),
        ("version", 2, "version", "unsupported policy version"),
        ("version", "1", "version", "whole number"),
        ("metadata.default", "off", "metadata.default", "disable, require_v2, leave"),
        ("metadata.tag_overrides", {"tag": "x"}, "metadata.tag_overrides", "expected a list"),
        ("metadata.tag_overrides[0].action", "nuke", "metadata.tag_overrides[0].action", "expected one of"),
        ("metadata.tag_overrides[0].tag", ..., "metadata.tag_overrides[0].tag", "required"),
        ("metadata.tag_overrides[0].value", False, "metadata.tag_overrides[0].value", "quote it"),
        ("metadata.tag_overrides[1].colour", "red", "metadata.tag_overrides[1].colour", "unknown key"),
        ("agency.treatment", "strip", "agency.treatment", "strip_excess, unbind, report"),
        ("agency.strict", "yes", "agency.strict", "true or false"),
        ("agency.allow", "ECS ReadOnlyAccess", "agency.allow", "expected a list"),
        ("agency.deny[0]", 7, "agency.deny[0]", "expected a string"),
        ("agency.stirct", True, "agency.stirct", "did you mean 'strict'"),
        ("exemptions[2].expires", "soon", "exemptions[2].expires", "expected a date"),
        ("exemptions[2].expires", ..., "exemptions[2].expires", "required"),
        ("exemptions[0].owner", "", "exemptions[0].owner", "must not be empty"),
        ("exemptions[0].reason", ..., "exemptions[0].reason", "required"),
        ("exemptions[0].name", "bms-*", "exemptions[0]", "exactly one of server_id, name or tag"),
        ("exemptions[0].server_id", ..., "exemptions[0]", "found: none"),
        ("exemptions[1].covers", ["metadata", "disks"], "exemptions[1].covers[1]", "expected one of"),
        ("exemptions[1].covers", [], "exemptions[1].covers", "at least one"),
        ("exemptions[2].tag", {"value": "hpc"}, "exemptions[2].tag.key", "required"),
        ("exemptions[2].tag", "team=hpc", "exemptions[2].tag", "expected a mapping"),
        ("triggers.server_changed", [""], "triggers.server_changed[0]", "must not be empty"),
        ("triggers.job_done", [], "triggers.job_done", "unknown key"),
        ("limits.build_wait_seconds", 5000, "limits.build_wait_seconds", "at most 840"),
        ("limits.max_remediations_per_server_per_hour", 0, "limits.max_remediations_per_server_per_hour",
         "at least 1"),
        ("limits.max_remediations_per_server_per_hour", True, "limits.max_remediations_per_server_per_hour",
         "whole number"),
        ("extra", 1, "extra", "unknown key"),
    ],
)
def test_validation_errors_name_the_field(path, value, field, problem):
    with pytest.raises(PolicyError) as caught:
        parse_policy(mutated(path, value), source="p.yaml")
    assert caught.value.field == field
    assert problem in caught.value.problem
    assert str(caught.value).startswith(f"p.yaml: policy field '{field}'")


@pytest.mark.parametrize("document", [[], "mode: report", None, 3])
def test_document_must_be_a_mapping(document):
    with pytest.raises(PolicyError, match="expected a mapping") as caught:
        parse_policy(document)
    assert caught.value.field == "<document>"


def test_policy_is_frozen():
    policy = load_policy()
    with pytest.raises(AttributeError):
        policy.mode = "report"  # type: ignore[misc]
