"""template.yaml: it loads, it agrees with the code, and bad templates get errors naming the field."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from bmsguard.events import parse_event
from bmsguard.model import TriggerKind
from bmsguard.settings import USER_DATA_KEYS
from bmsguard.trace_names import cts_operations
from deploy.placeholders import Placeholders, resolve
from deploy.template import DEFAULT_TEMPLATE, TemplateError, load_template, parse_template

RAW = yaml.safe_load(DEFAULT_TEMPLATE.read_text(encoding="utf-8"))


def test_cts_trigger_operations_are_exactly_what_the_parser_handles():
    template = load_template()
    subscribed = [op for t in template.triggers if t.type == "CTS" for op in t.operations]
    assert sorted(subscribed) == sorted(cts_operations())


def test_iam_trigger_lives_in_the_global_trace_region_and_bms_trigger_with_the_function():
    by_service = {op.split(":")[0]: t for t in load_template().triggers if t.type == "CTS" for op in t.operations}
    assert by_service["IAM"].region == "ap-southeast-1"
    assert by_service["BMS"].region == ""


def test_timer_trigger_event_is_parsed_as_an_enforcing_sweep():
    timer = next(t for t in load_template().triggers if t.type == "TIMER")
    event = {"version": "v1.0", "time": "2026-12-03T08:30:00+08:00", "trigger_type": "TIMER",
             "trigger_name": timer.name, "user_event": timer.user_event}
    trigger = parse_event(event)
    assert (trigger.kind, trigger.source, trigger.mode_override) == (TriggerKind.SWEEP, "timer", "")


def test_user_data_sets_only_settings_the_function_reads():
    template = load_template()
    names = [name for name, _ in template.function.user_data]
    assert set(names) <= set(USER_DATA_KEYS)
    assert {"BMSGUARD_REGION", "BMSGUARD_PROJECT_ID", "BMSGUARD_DOMAIN_ID", "BMSGUARD_TOPIC_URN"} <= set(names)


def test_own_agency_setting_names_the_agency_the_template_creates():
    template = load_template()
    filled = resolve(template, _placeholders())
    assert dict(filled.function.user_data)["BMSGUARD_OWN_AGENCY"] == template.agency.name


def _placeholders(**environ: str) -> Placeholders:
    env = {"BMSGUARD_ALERT_EMAIL": "sec@example.com", "BMSGUARD_GLOBAL_TRACE_PROJECT_ID": "hk01", **environ}
    values = {"region": "sa-brazil-1", "project_id": "p1", "domain_id": "d1", "topic_urn": "urn:smn:x:p1:t",
              "agency_name": "bmsguard_agency"}
    return Placeholders(tuple(values.items()), tuple(env.items()))


@pytest.mark.parametrize("missing", ["BMSGUARD_ALERT_EMAIL", "BMSGUARD_GLOBAL_TRACE_PROJECT_ID"])
def test_missing_environment_variable_is_named(missing):
    placeholders = _placeholders()
    environ = tuple((k, v) for k, v in placeholders.environ if k != missing)
    with pytest.raises(TemplateError) as raised:
        resolve(load_template(), Placeholders(placeholders.values, environ))
    assert missing in str(raised.value)


def _broken(path: str, value) -> dict:
    data = copy.deepcopy(RAW)
    node = data
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    last = keys[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return data


@pytest.mark.parametrize(("path", "value", "field"), [
    ("function.runtime", "Python3.9", "function.runtime"),
    ("function.memory_mb", 300, "function.memory_mb"),
    ("function.timeout_s", 1, "function.timeout_s"),
    ("function.handler", "index", "function.handler"),
    ("function.async.max_retry_attempts", 9, "function.async.max_retry_attempts"),
    ("agency.policies.0.scope", "region", "agency.policies[0].scope"),
    ("agency.policies.0.actions", {"bms:*:*": "everything"}, "agency.policies[0].actions.bms:*:*"),
    ("agency.policies.0.actions", {"bms:servers:get": ""}, "agency.policies[0].actions.bms:servers:get"),
    ("triggers.0.operations", ["BMS-bms"], "triggers[0].operations[0]"),
    ("triggers.2.schedule_type", "Often", "triggers[2].schedule_type"),
    ("notifications.subscriptions.0.protocol", "pigeon", "notifications.subscriptions[0].protocol"),
    ("function.surprise", 1, "function.surprise"),
])
def test_bad_template_error_names_the_field(path, value, field):
    with pytest.raises(TemplateError) as raised:
        parse_template(_broken(path, value), "t.yaml")
    assert raised.value.field == field
    assert str(raised.value).startswith("t.yaml: template field")


def test_unreadable_template_file_is_named(tmp_path: Path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(TemplateError) as raised:
        load_template(missing)
    assert str(missing) in str(raised.value)


def test_template_that_is_not_yaml_is_named_in_one_line_with_the_position(tmp_path: Path):
    broken = tmp_path / "template.yaml"
    broken.write_text("function:\n  name: [unclosed\n")
    with pytest.raises(TemplateError) as raised:
        load_template(broken)
    message = str(raised.value)
    assert message.startswith(f"{broken}: template field '(file)': not valid YAML at line 3, column 1: ")
    assert "\n" not in message
