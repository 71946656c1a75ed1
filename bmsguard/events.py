"""Trigger payload -> ``model.Trigger``. Pure: the event only identifies what to look at.

Shapes: CTS trigger ``{"cts": trace}``; EventGrid CloudEvent whose ``data`` is a CTS trace; a bare CTS
trace (as ListTraces returns it, or as the CLI replays it); Timer trigger; manual invocation.
A broken event raises ``MalformedEvent`` naming the field; one we do not handle raises ``IgnoredEvent``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from bmsguard.errors import IgnoredEvent, MalformedEvent
from bmsguard.event_fields import (
    as_list,
    as_object,
    ids_in,
    optional_time,
    short,
    status_code,
    text,
    type_name,
    unique,
)
from bmsguard.model import Actor, Trigger, TriggerKind, TriggerSource
from bmsguard.trace_names import EXTENDABLE_KINDS, HANDLED_TRACE_NAMES, TRACE_SOURCES, extra_names

_FAILED_TRACE_STATUSES = {"error", "failed", "failure"}
_SERVER_IN_PATH = re.compile(r"/baremetalservers/([^/?#]+)")
_AGENCY_IN_PATH = re.compile(r"/agencies/([^/?#]+)")


def parse_event(raw: Any, *, extra_trace_names: Mapping[str, Iterable[str]] | None = None) -> Trigger:
    """The trigger ``raw`` asks for. ``extra_trace_names``: policy ``triggers`` (kind -> more names)."""
    if not isinstance(raw, Mapping):
        raise MalformedEvent(f"event: expected a JSON object, got {type_name(raw)}")
    if "cts" in raw:
        return _parse_trace(raw["cts"], "cts", TriggerSource.CTS, extra_trace_names)
    if "specversion" in raw:
        return _parse_cloudevent(raw, extra_trace_names)
    if str(raw.get("trigger_type", "")).upper() == "TIMER":
        return _parse_timer(raw)
    if "server_ids" in raw:
        return _parse_manual(raw)
    if "sweep" in raw or "action" in raw:
        return _parse_manual_sweep(raw)
    if "trace_name" in raw:
        return _parse_trace(raw, "trace", TriggerSource.CTS, extra_trace_names)
    keys = ", ".join(sorted(str(k) for k in raw)[:8]) or "none"
    raise MalformedEvent(
        "event: not a CTS trigger ({\"cts\": ...}), EventGrid CloudEvent, timer event or manual "
        f"invocation ({{\"server_ids\": [...]}} or {{\"sweep\": true}}); top-level keys: {keys}"
    )


# ---------------------------------------------------------------- timer and manual


def _parse_timer(raw: Mapping[str, Any]) -> Trigger:
    user_event = raw.get("user_event", "")
    report = _timer_wants_report(user_event)
    return Trigger(
        kind=TriggerKind.SWEEP,
        source=TriggerSource.TIMER,
        trace_name=text(raw.get("trigger_name")),
        event_time_ms=optional_time(raw.get("time"), "time"),
        mode_override="report" if report else "",
    )


def _timer_wants_report(user_event: Any) -> bool:
    if isinstance(user_event, Mapping):
        return _request_wants_report(user_event, "user_event")
    if not isinstance(user_event, str):
        raise MalformedEvent(f"user_event: expected a string, got {type_name(user_event)}")
    stripped = user_event.strip()
    if stripped.startswith("{"):
        try:
            request = json.loads(stripped)
        except ValueError as exc:
            raise MalformedEvent(f"user_event: looks like JSON but does not parse ({exc})") from None
        return _request_wants_report(request, "user_event")
    words = set(re.split(r"[\s,;:=]+", stripped.lower()))
    return bool(words & {"report", "dry-run", "dry_run", "dryrun"})


def _request_wants_report(request: Mapping[str, Any], where: str) -> bool:
    mode = request.get("mode", "")
    if mode not in ("", "sweep", "report", "enforce"):
        raise MalformedEvent(f"{where}.mode: expected sweep, report or enforce, got {short(mode)}")
    dry_run = request.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise MalformedEvent(f"{where}.dry_run: expected true or false, got {short(dry_run)}")
    return mode == "report" or dry_run


def _parse_manual(raw: Mapping[str, Any]) -> Trigger:
    ids = raw["server_ids"]
    if not isinstance(ids, list) or not ids:
        raise MalformedEvent(f"server_ids: expected a non-empty list of server ids, got {short(ids)}")
    for index, server_id in enumerate(ids):
        if not isinstance(server_id, str) or not server_id.strip():
            raise MalformedEvent(f"server_ids[{index}]: expected a server id string, got {short(server_id)}")
    return Trigger(
        kind=TriggerKind.MANUAL,
        source=TriggerSource.MANUAL,
        server_ids=unique(s.strip() for s in ids),
        mode_override="report" if _request_wants_report(raw, "event") else "",
    )


def _parse_manual_sweep(raw: Mapping[str, Any]) -> Trigger:
    if "sweep" in raw and raw["sweep"] is not True:
        raise MalformedEvent(f"sweep: expected true, got {short(raw['sweep'])}")
    if "action" in raw and raw["action"] != "sweep":
        raise MalformedEvent(f"action: the only manual action is \"sweep\", got {short(raw['action'])}")
    return Trigger(
        kind=TriggerKind.SWEEP,
        source=TriggerSource.MANUAL,
        mode_override="report" if _request_wants_report(raw, "event") else "",
    )


# ---------------------------------------------------------------- EventGrid


def _parse_cloudevent(raw: Mapping[str, Any], extra: Mapping[str, Iterable[str]] | None) -> Trigger:
    event_type = text(raw.get("type"))
    parts = event_type.split(":")
    if len(parts) != 3 or parts[1] != "CloudTrace":
        raise IgnoredEvent(f"EventGrid event type {short(event_type)} is not a CTS trace event")
    data = as_object(raw.get("data"), "data", required=True)
    trace = dict(data)
    trace.setdefault("trace_type", parts[2])
    trace.setdefault("service_type", parts[0])
    if "time" not in trace and "record_time" not in trace and raw.get("time"):
        trace["time"] = raw["time"]
    trace.setdefault("trace_id", raw.get("id", ""))
    return _parse_trace(trace, "data", TriggerSource.EVENTGRID, extra)


# ---------------------------------------------------------------- CTS trace


def _parse_trace(trace: Any, where: str, source: str, extra: Mapping[str, Iterable[str]] | None) -> Trigger:
    if not isinstance(trace, Mapping):
        raise MalformedEvent(f"{where}: expected a CTS trace object, got {type_name(trace)}")
    name = trace.get("trace_name")
    if not isinstance(name, str) or not name.strip():
        raise MalformedEvent(f"{where}.trace_name: missing or empty")
    kind = _classify(name.strip(), trace, extra)
    common = _common_fields(trace, where, source)
    _reject_failed_call(kind, common["request_code"], trace)
    if kind == TriggerKind.SERVER_CREATED:
        return _creation(trace, where, common)
    if kind == TriggerKind.SERVER_CHANGED:
        return Trigger(kind=kind, server_ids=(_changed_server_id(trace, where),), **common)
    return _agency_change(trace, where, common)


def _classify(name: str, trace: Mapping[str, Any], extra: Mapping[str, Iterable[str]] | None) -> str:
    for kind in EXTENDABLE_KINDS:
        if name in HANDLED_TRACE_NAMES[kind] or name in extra_names(extra, kind):
            _check_service(kind, name, trace)
            return kind
    raise IgnoredEvent(_why_ignored(name, text(trace.get("service_type"))))


def _check_service(kind: str, name: str, trace: Mapping[str, Any]) -> None:
    service, resource_type = TRACE_SOURCES[kind]
    seen_service = text(trace.get("service_type"))
    if seen_service and seen_service.upper() != service:
        raise IgnoredEvent(f"{name} on service {short(seen_service)}: bmsguard handles it on {service} only")
    seen_type = text(trace.get("resource_type"))
    if service == "BMS" and seen_type and seen_type.lower() != resource_type:
        raise IgnoredEvent(f"{name} on resource type {short(seen_type)}: bmsguard handles bare metal servers only")


def _why_ignored(name: str, service: str) -> str:
    lowered = name.lower()
    if lowered.startswith(("revoke", "detach", "remove")):
        return f"{name} narrows permissions: nothing to harden"
    if lowered.startswith("delete"):
        return f"{name} deletes a resource: nothing to harden"
    if lowered.startswith(("get", "list", "show", "check", "query", "describe")):
        return f"{name} is a read: nothing changed"
    where = f" on {service}" if service else ""
    return f"{name}{where} is not a trace bmsguard handles"


def _reject_failed_call(kind: str, code: int | None, trace: Mapping[str, Any]) -> None:
    failed = (code is not None and code >= 400) or text(trace.get("trace_status")).lower() in _FAILED_TRACE_STATUSES
    if not failed:
        return
    detail = f"code {code}" if code is not None and code >= 400 else f"trace_status {text(trace.get('trace_status'))}"
    if kind == TriggerKind.SERVER_CREATED:
        raise IgnoredEvent(f"creation failed ({detail}): nothing to harden")
    raise IgnoredEvent(f"the traced call failed ({detail}): nothing changed")


def _common_fields(trace: Mapping[str, Any], where: str, source: str) -> dict[str, Any]:
    actor = _actor(trace.get("user"))
    time_field = "time" if trace.get("time") not in (None, "") else "record_time"
    return {
        "source": source,
        "trace_name": text(trace.get("trace_name")).strip(),
        "trace_id": text(trace.get("trace_id")),
        "trace_type": text(trace.get("trace_type")),
        "event_time_ms": optional_time(trace.get(time_field), f"{where}.{time_field}"),
        "actor": actor,
        "project_id": text(trace.get("project_id")),
        "domain_id": text(trace.get("domain_id")) or (actor.domain_id if actor else ""),
        "region": text(trace.get("region")),
        "request_code": status_code(trace.get("code"), f"{where}.code"),
    }


def _creation(trace: Mapping[str, Any], where: str, common: dict[str, Any]) -> Trigger:
    response = as_object(trace.get("response"), f"{where}.response")
    job_id = text(response.get("job_id")) or text(response.get("order_id")) or text(trace.get("job_id"))
    server_ids = _server_ids(trace, response)
    if not job_id and not server_ids:
        raise MalformedEvent(
            f"{where}.response.job_id: a creation trace needs a job id (response.job_id or "
            "response.order_id) or a server id (resource_id or response.entities.server_id)"
        )
    completed = common["trace_type"] == "SystemAction"
    kind = TriggerKind.JOB_COMPLETED if completed else TriggerKind.SERVER_CREATED
    return Trigger(kind=kind, job_id=job_id, server_ids=server_ids, **common)


def _server_ids(trace: Mapping[str, Any], response: Mapping[str, Any]) -> tuple[str, ...]:
    found = list(ids_in(trace.get("resource_id")))
    found += ids_in(response.get("server_ids"))
    entities = response.get("entities")
    if isinstance(entities, Mapping):
        found += ids_in(entities.get("server_id"))
        for sub_job in as_list(entities.get("sub_jobs")):
            sub_entities = sub_job.get("entities") if isinstance(sub_job, Mapping) else None
            if isinstance(sub_entities, Mapping):
                found += ids_in(sub_entities.get("server_id"))
    return unique(found)


def _changed_server_id(trace: Mapping[str, Any], where: str) -> str:
    request = as_object(trace.get("request"), f"{where}.request")
    response = as_object(trace.get("response"), f"{where}.response")
    candidates = [
        *ids_in(trace.get("resource_id")),
        text(request.get("server_id")),
        text(response.get("server_id")),
        *_path_ids(_SERVER_IN_PATH, trace),
    ]
    for candidate in candidates:
        if candidate:
            return candidate
    raise MalformedEvent(
        f"{where}.resource_id: no server id in resource_id, request.server_id or resource_url"
    )


def _agency_change(trace: Mapping[str, Any], where: str, common: dict[str, Any]) -> Trigger:
    request = as_object(trace.get("request"), f"{where}.request")
    candidates = [text(request.get("agency_id")), *ids_in(trace.get("resource_id")),
                  *_path_ids(_AGENCY_IN_PATH, trace)]
    agency_id = next((c for c in candidates if c), "")
    agency_name = text(trace.get("resource_name")) or text(request.get("agency_name"))
    if not agency_id and not agency_name:
        raise MalformedEvent(
            f"{where}.resource_id: no agency id in resource_id, request.agency_id or resource_url, "
            "and no resource_name"
        )
    return Trigger(kind=TriggerKind.AGENCY_CHANGED, agency_id=agency_id, agency_name=agency_name, **common)


def _path_ids(pattern: re.Pattern[str], trace: Mapping[str, Any]) -> list[str]:
    request = as_object(trace.get("request"), "request")
    paths = (trace.get("resource_url"), trace.get("request_path"), request.get("path"), request.get("url"))
    return [m.group(1) for p in paths if isinstance(p, str) for m in [pattern.search(p)] if m]


def _actor(user: Any) -> Actor | None:
    if isinstance(user, str):
        user = as_object(user, "user")
    if not isinstance(user, Mapping) or not user:
        return None
    domain = user.get("domain") if isinstance(user.get("domain"), Mapping) else {}
    return Actor(
        type=text(user.get("type")),
        name=text(user.get("name")) or text(user.get("user_name")),
        id=text(user.get("id")) or text(user.get("principal_id")),
        domain_id=text(domain.get("id")) or text(user.get("account_id")),
        domain_name=text(domain.get("name")),
        principal_urn=text(user.get("principal_urn")),
        access_key_id=text(user.get("access_key_id")),
    )
