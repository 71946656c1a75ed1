"""Raw API JSON -> domain types. Pure functions: the gateway reads raw bodies (``to_json_object``) because
the SDK models drop fields we need (BMS ``metadata.agency_name``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bmsguard.cloud.types import FailedServer, JobState, JobStatus
from bmsguard.model import Grant, MetadataOptions, ServerPosture, Statement


def server_posture(raw: Mapping[str, Any], *, read_at_ms: int | None = None) -> ServerPosture:
    """A ``server`` object of ListBareMetalServerDetails / ListBareMetalServers."""
    metadata = raw.get("metadata") or {}
    return ServerPosture(
        id=str(raw.get("id", "")),
        name=str(raw.get("name", "")),
        status=str(raw.get("status", "")),
        vm_state=str(raw.get("OS-EXT-STS:vm_state") or ""),
        tags=server_tags(raw.get("tags")),
        enterprise_project_id=str(raw.get("enterprise_project_id") or ""),
        agency_name=str(metadata.get("agency_name") or "") if isinstance(metadata, Mapping) else "",
        read_at_ms=read_at_ms,
    )


def server_tags(raw: Any) -> tuple[tuple[str, str], ...]:
    """BMS tags: strings "key=value" (ECS style; "key" alone means an empty value) or {key, value} objects."""
    pairs: dict[str, str] = {}
    for tag in raw or ():
        if isinstance(tag, Mapping):
            pairs[str(tag.get("key", ""))] = str(tag.get("value") or "")
        elif isinstance(tag, str):
            key, _, value = tag.partition("=")
            pairs[key] = value
    return tuple(sorted(pairs.items()))


def metadata_options(raw: Mapping[str, Any] | None) -> MetadataOptions:
    raw = raw or {}
    return MetadataOptions(http_endpoint=str(raw.get("http_endpoint") or "enabled"),
                           http_tokens=str(raw.get("http_tokens") or "optional"))


def job_status(job_id: str, raw: Mapping[str, Any]) -> JobStatus:
    entities = raw.get("entities") or {}
    sub_jobs = entities.get("sub_jobs") or []
    succeeded: list[str] = []
    failed: list[FailedServer] = []
    for sub in sub_jobs:
        sub_entities = sub.get("entities") or {}
        server_id = str(sub_entities.get("server_id") or "")
        if sub.get("status") == JobState.SUCCESS and server_id:
            succeeded.append(server_id)
        elif sub.get("status") == JobState.FAIL:
            reason = sub.get("fail_reason") or sub_entities.get("errorcode_message") or sub.get("error_code")
            failed.append(FailedServer(server_id=server_id, reason=str(reason or "sub-job failed"),
                                       error_code=str(sub.get("error_code") or ""),
                                       sub_job_id=str(sub.get("job_id") or "")))
    if not sub_jobs and entities.get("server_id") and raw.get("status") == JobState.SUCCESS:
        succeeded.append(str(entities["server_id"]))
    return JobStatus(job_id=job_id, status=str(raw.get("status") or ""), server_ids=tuple(succeeded),
                     failed=tuple(failed), fail_reason=str(raw.get("fail_reason") or ""))


def v3_statements(policy: Mapping[str, Any] | None) -> tuple[Statement, ...]:
    """The ``policy`` object of a v3 role (``Statement`` list with ``Action``/``Effect``/``Resource``)."""
    return tuple(_statement(item) for item in (policy or {}).get("Statement") or ())


def v5_statements(document: Any) -> tuple[Statement, ...]:
    """A v5 policy version ``document``: a JSON string (or already an object)."""
    if isinstance(document, str):
        try:
            document = json.loads(document) if document else {}
        except ValueError:
            return ()
    return tuple(_statement(item) for item in (document or {}).get("Statement") or ())


def role_depends(policy: Mapping[str, Any] | None) -> tuple[str, ...]:
    return tuple(str(dep.get("display_name", "")) for dep in (policy or {}).get("Depends") or ()
                 if isinstance(dep, Mapping))


def v3_grant(scope: str, scope_id: str, role: Mapping[str, Any]) -> Grant:
    """A v3 role as listed for an agency (project/domain lists carry the policy; the others need a fetch)."""
    policy = role.get("policy") or {}
    return Grant(scope=scope, scope_id=scope_id, role_id=str(role.get("id", "")),
                 role_name=str(role.get("name", "")), display_name=str(role.get("display_name") or ""),
                 statements=v3_statements(policy), depends=role_depends(policy))


def _statement(raw: Mapping[str, Any]) -> Statement:
    return Statement(effect=str(raw.get("Effect", "")), actions=_strings(raw.get("Action")),
                     resources=_strings(raw.get("Resource")), has_condition=bool(raw.get("Condition")))


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Mapping):
        return tuple(f"{key}:{item}" for key, items in value.items() for item in _strings(items))
    return tuple(str(item) for item in value)
