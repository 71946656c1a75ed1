"""CTS traces of the writes localcloud served, in the shape of the inner object of a CTS trigger event
(``{"cts": trace}`` can be fed straight back to the function)."""

from __future__ import annotations

import json
from typing import Any

from localcloud.wire import Caller, Reply, Request, Route

SERVICE_TYPES = {"bms": "BMS", "iam": "IAM", "smn": "SMN", "functiongraph": "FunctionGraph"}
SOURCE_IP = "127.0.0.1"
SESSION_NAME = "localcloud"


def build_trace(cloud: Any, route: Route, request: Request, reply: Reply) -> dict[str, Any]:
    now = cloud.now_ms()
    resource_id, resource_name = reply.resource
    return {
        "time": now,
        "record_time": now,
        "user": trace_user(request.caller, cloud.domain_id, cloud.domain_name),
        "request": _trace_request(request, reply),
        "response": reply.body if isinstance(reply.body, (dict, list)) else None,
        "code": reply.status,
        "service_type": SERVICE_TYPES.get(route.service, route.service.upper()),
        "resource_type": route.resource_type,
        "resource_id": resource_id,
        "resource_name": resource_name,
        "trace_name": route.trace_name,
        "trace_type": "ApiCall",
        "trace_rating": "normal",
        "trace_status": "normal",
        "trace_id": cloud.new_id(),
        "request_id": request.request_id,
        "project_id": cloud.project_id,
        "domain_id": cloud.domain_id,
        "api_version": _api_version(request.path),
        "source_ip": SOURCE_IP,
        "tracker_name": "system",
        "operation_id": route.operation,
        "read_only": False,
    }


def trace_user(caller: Caller | None, domain_id: str, domain_name: str) -> dict[str, Any]:
    if caller is None:
        return {"type": "", "name": "", "id": "", "access_key_id": "", "domain": {"id": domain_id,
                                                                                  "name": domain_name}}
    # CTS names an assumed agency "<agency>/<session>".
    name = f"{caller.name}/{SESSION_NAME}" if caller.type == "AssumedAgency" else caller.name
    return {"type": caller.type, "name": name, "id": caller.id, "access_key_id": caller.ak,
            "domain": {"id": domain_id, "name": domain_name}}


def _trace_request(request: Request, reply: Reply) -> Any:
    if reply.trace_request is not None:
        return reply.trace_request
    if not request.body:
        return None
    try:
        return json.loads(request.body)
    except ValueError:
        return None


def _api_version(path: str) -> str:
    first = path.strip("/").split("/", 1)[0]
    return first if first.startswith("v") else ""
