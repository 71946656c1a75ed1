"""events.parse_event against every documented variant, built from base events by mutation."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from bmsguard.errors import IgnoredEvent, MalformedEvent
from bmsguard.events import parse_event
from bmsguard.model import TriggerKind, TriggerSource
from bmsguard.trace_names import HANDLED_TRACE_NAMES, cts_operations

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"
T0 = 1718000000000

CREATE = {
    "cts": {
        "time": T0,
        "user": {
            "type": "IAMUser", "name": "alice", "id": "u-1", "access_key_id": "HSTAXXXX",
            "principal_urn": "iam::d-1:user:alice", "domain": {"name": "acme", "id": "d-1"},
        },
        "request": {"server": {"name": "bms-prod-01", "adminPass": "********"}},
        "response": {"job_id": "job-1"},
        "code": 200,
        "service_type": "BMS",
        "resource_type": "bms",
        "resource_name": "bms-prod-01",
        "resource_id": "",
        "trace_name": "createBareMetalServers",
        "trace_type": "ApiCall",
        "trace_status": "normal",
        "record_time": T0 + 123,
        "trace_id": "trace-1",
        "project_id": "p-1",
        "domain_id": "d-1",
    }
}
GRANT = {
    "cts": {
        "time": T0,
        "user": {"type": "IAMUser", "name": "bob", "domain": {"id": "d-1", "name": "acme"}},
        "request": {"agency_id": "ag-1", "role_id": "r-1", "project_id": "p-1"},
        "response": {},
        "code": 204,
        "service_type": "IAM",
        "resource_type": "agency",
        "resource_id": "ag-1",
        "resource_name": "bms_agency",
        "trace_name": "grantRoleToAgencyOnProject",
        "trace_type": "ApiCall",
        "trace_id": "trace-2",
    }
}
METADATA_OPTIONS = {
    "cts": {
        "time": T0,
        "request": {"http_tokens": "optional"},
        "code": 200,
        "service_type": "BMS",
        "resource_type": "bms",
        "resource_id": "srv-1",
        "trace_name": "updateMetadataOptions",
        "trace_type": "ApiCall",
    }
}


def variant(base, **changes):
    """A deep copy of ``base`` with trace fields changed (``None`` deletes the field)."""
    event = copy.deepcopy(base)
    trace = event["cts"]
    for key, value in changes.items():
        if value is None:
            trace.pop(key, None)
        else:
            trace[key] = value
    return event


# ---------------------------------------------------------------- creation


@pytest.mark.parametrize(
    ("changes", "kind", "job_id", "server_ids"),
    [
        ({}, TriggerKind.SERVER_CREATED, "job-1", ()),
        ({"trace_type": "ConsoleAction"}, TriggerKind.SERVER_CREATED, "job-1", ()),
        ({"response": {"order_id": "order-9"}}, TriggerKind.SERVER_CREATED, "order-9", ()),
        ({"response": json.dumps({"job_id": "job-s"})}, TriggerKind.SERVER_CREATED, "job-s", ()),
        ({"resource_id": "srv-1"}, TriggerKind.SERVER_CREATED, "job-1", ("srv-1",)),
        ({"resource_id": "srv-1, srv-2"}, TriggerKind.SERVER_CREATED, "job-1", ("srv-1", "srv-2")),
        ({"resource_id": {"id": "srv-3"}}, TriggerKind.SERVER_CREATED, "job-1", ("srv-3",)),
        ({"service_type": "bms"}, TriggerKind.SERVER_CREATED, "job-1", ()),
        (
            {"trace_type": "SystemAction", "response": {"job_id": "job-1", "entities": {"server_id": "srv-4"}}},
            TriggerKind.JOB_COMPLETED, "job-1", ("srv-4",),
        ),
        (
            {
                "trace_type": "SystemAction",
                "response": {"entities": {"sub_jobs": [
                    {"entities": {"server_id": "srv-5"}}, {"entities": {"server_id": "srv-6"}}, {"x": 1},
                ]}},
            },
            TriggerKind.JOB_COMPLETED, "", ("srv-5", "srv-6"),
        ),
        (
            {"trace_type": "SystemAction", "response": {}, "resource_id": "srv-7"},
            TriggerKind.JOB_COMPLETED, "", ("srv-7",),
        ),
    ],
)
def test_creation_variants(changes, kind, job_id, server_ids):
    trigger = parse_event(variant(CREATE, **changes))
    assert (trigger.kind, trigger.job_id, trigger.server_ids) == (kind, job_id, server_ids)
    assert trigger.source == TriggerSource.CTS


def test_creation_keeps_trace_identity_and_actor():
    trigger = parse_event(CREATE)
    assert trigger.trace_id == "trace-1"
    assert trigger.event_time_ms == T0
    assert trigger.project_id == "p-1"
    assert trigger.domain_id == "d-1"
    assert trigger.request_code == 200
    assert trigger.actor.name == "alice"
    assert trigger.actor.principal_urn == "iam::d-1:user:alice"
    assert trigger.actor.domain_name == "acme"


def test_creation_never_copies_request_secrets():
    trigger = parse_event(CREATE)
    assert "********" not in json.dumps(trigger.to_dict())
    assert "adminPass" not in json.dumps(trigger.to_dict())


@pytest.mark.parametrize(
    "changes",
    [{"code": 400}, {"code": "500"}, {"trace_status": "error"}],
)
def test_failed_creation_is_ignored(changes):
    with pytest.raises(IgnoredEvent, match="creation failed"):
        parse_event(variant(CREATE, **changes))


def test_creation_without_job_or_server_names_the_field():
    with pytest.raises(MalformedEvent, match=r"cts\.response\.job_id"):
        parse_event(variant(CREATE, response={"status": "ok"}))


# ---------------------------------------------------------------- times and codes


@pytest.mark.parametrize(
    ("time_value", "expected_ms"),
    [
        (T0, T0),
        (str(T0), T0),
        (T0 // 1000, T0),
        ("2024-06-10T06:13:20Z", T0),
        ("2024-06-10T06:13:20.000+00:00", T0),
        ("2024-06-10T14:13:20+08:00", T0),
        ("2024/06/10 14:13:20 GMT+08:00", T0),
        ("2024-06-10T06:13:20.5Z", T0 + 500),
    ],
)
def test_time_formats(time_value, expected_ms):
    assert parse_event(variant(CREATE, time=time_value)).event_time_ms == expected_ms


def test_record_time_is_used_when_time_is_missing():
    assert parse_event(variant(CREATE, time=None)).event_time_ms == T0 + 123


def test_unreadable_time_names_the_field():
    with pytest.raises(MalformedEvent, match=r"cts\.time"):
        parse_event(variant(CREATE, time="yesterday"))


@pytest.mark.parametrize("time_value", [10**30, str(10**30), float("inf"), float("nan"), 253_402_300_800_000])
def test_time_past_the_year_9999_names_the_field(time_value):
    """Such a time parses as a number, but no report or notification could show it."""
    with pytest.raises(MalformedEvent, match=r"cts\.time: time .* is out of range"):
        parse_event(variant(CREATE, time=time_value))


def test_latest_showable_time_is_accepted():
    assert parse_event(variant(CREATE, time=253_402_300_799_999)).event_time_ms == 253_402_300_799_999


@pytest.mark.parametrize(("code", "expected"), [(200, 200), ("200", 200), (" 204 ", 204), (None, None)])
def test_code_as_int_or_string(code, expected):
    assert parse_event(variant(CREATE, code=code)).request_code == expected


def test_unreadable_code_names_the_field():
    with pytest.raises(MalformedEvent, match=r"cts\.code"):
        parse_event(variant(CREATE, code="OK"))


# ---------------------------------------------------------------- server changes


@pytest.mark.parametrize("name", HANDLED_TRACE_NAMES[TriggerKind.SERVER_CHANGED])
def test_every_server_changing_trace(name):
    trigger = parse_event(variant(METADATA_OPTIONS, trace_name=name))
    assert (trigger.kind, trigger.server_ids, trigger.trace_name) == (TriggerKind.SERVER_CHANGED, ("srv-1",), name)


@pytest.mark.parametrize(
    "changes",
    [
        {"resource_id": "", "resource_url": "/v1/p-1/baremetalservers/srv-9/metadata-options"},
        {"resource_id": None, "request": {"server_id": "srv-9"}},
        {"resource_id": "", "request": json.dumps({"server_id": "srv-9"})},
        {"resource_id": {"server_id": "srv-9"}},
    ],
)
def test_server_id_from_other_places(changes):
    assert parse_event(variant(METADATA_OPTIONS, **changes)).server_ids == ("srv-9",)


def test_server_change_without_server_id_names_the_field():
    with pytest.raises(MalformedEvent, match=r"cts\.resource_id"):
        parse_event(variant(METADATA_OPTIONS, resource_id=""))


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"service_type": "ECS", "resource_type": "ecs"}, "BMS only"),
        ({"resource_type": "ecs"}, "bare metal servers only"),
        ({"code": 403}, "failed"),
    ],
)
def test_server_change_not_ours(changes, reason):
    with pytest.raises(IgnoredEvent, match=reason):
        parse_event(variant(METADATA_OPTIONS, **changes))


# ---------------------------------------------------------------- agency changes


@pytest.mark.parametrize("name", HANDLED_TRACE_NAMES[TriggerKind.AGENCY_CHANGED])
def test_every_agency_widening_trace(name):
    trigger = parse_event(variant(GRANT, trace_name=name))
    assert (trigger.kind, trigger.agency_id, trigger.agency_name) == (TriggerKind.AGENCY_CHANGED, "ag-1", "bms_agency")


@pytest.mark.parametrize(
    "changes",
    [
        {"resource_id": "", "request": {"role_id": "r-1"}, "resource_url": "/v3.0/OS-AGENCY/projects/p/agencies/ag-7/roles/r"},
        {"resource_id": "ag-7", "request": json.dumps({"role_id": "r-1"})},
        {"resource_id": "policy-1", "request": {"agency_id": "ag-7"}},
        {"resource_id": {"id": "ag-7"}, "request": "not json"},
    ],
)
def test_agency_id_from_other_places(changes):
    assert parse_event(variant(GRANT, **changes)).agency_id == "ag-7"


def test_agency_name_alone_is_enough():
    trigger = parse_event(variant(GRANT, resource_id="", request={}))
    assert (trigger.agency_id, trigger.agency_name) == ("", "bms_agency")


def test_agency_change_without_any_agency_names_the_field():
    with pytest.raises(MalformedEvent, match=r"cts\.resource_id"):
        parse_event(variant(GRANT, resource_id="", resource_name="", request={}))


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("revokeRoleFromAgencyOnProject", "revokeRoleFromAgencyOnProject narrows permissions"),
        ("revokeRoleFromAgencyOnEnterpriseProject", "narrows permissions"),
        ("detachAgencyPolicyV5", "narrows permissions"),
        ("deleteAgency", "deletes a resource"),
        ("listAgenciesV5", "is a read"),
        ("getAgencyV5", "is a read"),
        ("createAgency", "not a trace bmsguard handles"),
    ],
)
def test_agency_traces_we_ignore(name, reason):
    with pytest.raises(IgnoredEvent, match=reason):
        parse_event(variant(GRANT, trace_name=name))


def test_other_services_are_ignored():
    with pytest.raises(IgnoredEvent, match="createFunction on FunctionGraph"):
        parse_event(variant(GRANT, trace_name="createFunction", service_type="FunctionGraph"))


def test_grant_on_wrong_service_is_ignored():
    with pytest.raises(IgnoredEvent, match="IAM only"):
        parse_event(variant(GRANT, service_type="BMS"))


# ---------------------------------------------------------------- extra trace names


def test_extra_trace_names_from_the_policy():
    event = variant(METADATA_OPTIONS, trace_name="changeServerOsWithCloudInit")
    with pytest.raises(IgnoredEvent):
        parse_event(event)
    extra = {"server_changed": ["changeServerOsWithCloudInit"]}
    assert parse_event(event, extra_trace_names=extra).kind == TriggerKind.SERVER_CHANGED


def test_extra_creation_name_as_system_action_is_a_job_completion():
    event = variant(CREATE, trace_name="createBareMetalServer", trace_type="SystemAction", resource_id="srv-1")
    trigger = parse_event(event, extra_trace_names={"server_created": ["createBareMetalServer"]})
    assert (trigger.kind, trigger.server_ids) == (TriggerKind.JOB_COMPLETED, ("srv-1",))


def test_cts_operations_cover_every_handled_name_once():
    operations = cts_operations({"agency_changed": ["attachAgencyPolicyV5", "grantX"]})
    bms = next(op for op in operations if op.startswith("BMS:bms:"))
    iam = next(op for op in operations if op.startswith("IAM:agency:"))
    assert bms.split(":")[2].split(";").count("createBareMetalServers") == 1
    assert set(HANDLED_TRACE_NAMES[TriggerKind.SERVER_CHANGED]) <= set(bms.split(":")[2].split(";"))
    assert iam.split(":")[2].split(";")[-1] == "grantX"
    assert iam.split(":")[2].split(";").count("attachAgencyPolicyV5") == 1


def test_cts_operations_split_long_name_lists():
    extra = [f"grantExtra{i}" for i in range(5)]
    operations = cts_operations({"agency_changed": extra})
    iam = [op.split(":")[2].split(";") for op in operations if op.startswith("IAM:agency:")]
    assert [len(names) for names in iam] == [10, 3]
    assert sum(iam, [])[-5:] == extra


# ---------------------------------------------------------------- EventGrid


def cloudevent(data, **fields):
    event = {
        "id": "eg-1", "specversion": "1.0", "source": "HC.BMS", "type": "BMS:CloudTrace:ApiCall",
        "datacontenttype": "application/json", "time": "2024-06-10T06:13:20Z", "data": data,
    }
    event.update(fields)
    return event


def test_cloudevent_with_cts_data():
    data = {"service_type": "BMS", "resource_type": "bms", "trace_name": "createBareMetalServers",
            "resource_id": "", "response": {"job_id": "job-eg"}, "code": "200"}
    trigger = parse_event(cloudevent(data))
    assert (trigger.kind, trigger.source, trigger.job_id) == (TriggerKind.SERVER_CREATED, TriggerSource.EVENTGRID, "job-eg")
    assert (trigger.trace_type, trigger.event_time_ms, trigger.trace_id) == ("ApiCall", T0, "eg-1")


def test_cloudevent_type_supplies_trace_type_and_data_may_be_a_string():
    data = {"trace_name": "grantRoleToAgencyOnDomain", "resource_id": "ag-1", "resource_name": "a"}
    trigger = parse_event(cloudevent(json.dumps(data), source="HC.IAM", type="IAM:CloudTrace:ConsoleAction"))
    assert (trigger.kind, trigger.trace_type, trigger.agency_id) == (TriggerKind.AGENCY_CHANGED, "ConsoleAction", "ag-1")


def test_cloudevent_that_is_not_a_trace_is_ignored():
    with pytest.raises(IgnoredEvent, match="not a CTS trace"):
        parse_event(cloudevent({}, source="HC.OBS", type="object:put"))


@pytest.mark.parametrize("data", [None, "not json", [1, 2]])
def test_cloudevent_without_usable_data_names_the_field(data):
    with pytest.raises(MalformedEvent, match=r"^data"):
        parse_event(cloudevent(data))


def test_cloudevent_data_without_trace_name():
    with pytest.raises(MalformedEvent, match=r"data\.trace_name"):
        parse_event(cloudevent({"service_type": "BMS"}))


# ---------------------------------------------------------------- timer and manual


@pytest.mark.parametrize(
    ("user_event", "override"),
    [
        ("", ""),
        ('{"mode": "sweep"}', ""),
        ('{"mode": "report"}', "report"),
        ('{"mode": "sweep", "dry_run": true}', "report"),
        ("nightly sweep", ""),
        ("sweep report", "report"),
        ({"mode": "report"}, "report"),
    ],
)
def test_timer_is_a_sweep(user_event, override):
    event = {"version": "v1.0", "time": "2018-06-01T08:30:00+08:00", "trigger_type": "TIMER",
             "trigger_name": "Timer_001", "user_event": user_event}
    trigger = parse_event(event)
    assert (trigger.kind, trigger.source, trigger.mode_override) == (TriggerKind.SWEEP, TriggerSource.TIMER, override)
    assert trigger.event_time_ms == 1527813000000


@pytest.mark.parametrize(
    ("user_event", "field"),
    [('{"mode": "fast"}', "user_event.mode"), ("{broken", "user_event"), (42, "user_event")],
)
def test_timer_with_bad_user_event_names_the_field(user_event, field):
    with pytest.raises(MalformedEvent, match=f"^{field}"):
        parse_event({"trigger_type": "TIMER", "user_event": user_event})


@pytest.mark.parametrize(
    ("event", "ids", "override"),
    [
        ({"server_ids": ["srv-1"]}, ("srv-1",), ""),
        ({"server_ids": ["srv-1", " srv-2 ", "srv-1"], "mode": "report"}, ("srv-1", "srv-2"), "report"),
        ({"server_ids": ["srv-1"], "mode": "enforce"}, ("srv-1",), ""),
    ],
)
def test_manual_invocation(event, ids, override):
    trigger = parse_event(event)
    assert (trigger.kind, trigger.source, trigger.server_ids, trigger.mode_override) == (
        TriggerKind.MANUAL, TriggerSource.MANUAL, ids, override)


@pytest.mark.parametrize(
    ("event", "override"),
    [({"sweep": True}, ""), ({"action": "sweep"}, ""), ({"sweep": True, "mode": "report"}, "report")],
)
def test_manual_sweep(event, override):
    trigger = parse_event(event)
    assert (trigger.kind, trigger.source, trigger.mode_override) == (TriggerKind.SWEEP, TriggerSource.MANUAL, override)


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ([], "event"),
        ("cts", "event"),
        (None, "event"),
        ({"hello": 1}, "event"),
        ({"server_ids": []}, "server_ids"),
        ({"server_ids": "srv-1"}, "server_ids"),
        ({"server_ids": ["srv-1", 7]}, r"server_ids\[1\]"),
        ({"server_ids": [""]}, r"server_ids\[0\]"),
        ({"server_ids": ["s"], "mode": "yolo"}, r"event\.mode"),
        ({"sweep": "yes"}, "sweep"),
        ({"action": "delete"}, "action"),
        ({"cts": "text"}, "cts"),
        ({"cts": {"service_type": "BMS"}}, r"cts\.trace_name"),
        ({"cts": {"trace_name": "  "}}, r"cts\.trace_name"),
    ],
)
def test_malformed_events_name_the_field(event, field):
    with pytest.raises(MalformedEvent, match=f"^{field}"):
        parse_event(event)


def test_bare_trace_as_listtraces_returns_it():
    trace = dict(CREATE["cts"], request=json.dumps({"server": {}}), response=json.dumps({"job_id": "j"}),
                 code="200")
    trigger = parse_event(trace)
    assert (trigger.kind, trigger.job_id, trigger.request_code) == (TriggerKind.SERVER_CREATED, "j", 200)


# ---------------------------------------------------------------- the lead's sample events


def _sample_events():
    return sorted(p for p in EVENTS_DIR.glob("*.json")) if EVENTS_DIR.is_dir() else []


@pytest.mark.parametrize("path", _sample_events(), ids=lambda p: p.name)
def test_sample_event(path):
    """Files named *_malformed are rejected, *_ignored ignored with a reason; every other one parses."""
    raw = json.loads(path.read_text())
    if path.stem.endswith("_malformed"):
        with pytest.raises(MalformedEvent):
            parse_event(raw)
    elif path.stem.endswith("_ignored"):
        with pytest.raises(IgnoredEvent, match=r"\w"):
            parse_event(raw)
    else:
        trigger = parse_event(raw)
        assert trigger.server_ids or trigger.job_id or trigger.agency_id or trigger.kind == TriggerKind.SWEEP
