"""FunctionGraph v2 routes (paths from ``huaweicloudsdkfunctiongraph/v2/functiongraph_client.py``).

Writes are recorded as CTS traces; FunctionGraph trace names beyond ``createFunction`` are not documented
and follow the operation names. A trace never carries the code zip (only its size).
"""

from __future__ import annotations

import re
from typing import Any

from localcloud.wire import Reply, Request, Route

_FUNCTIONS = "/v2/{project_id}/fgs/functions"
_FUNCTION = _FUNCTIONS + "/{function_urn}"
_TRIGGERS = "/v2/{project_id}/fgs/triggers/{function_urn}"
_HOST_REGION = re.compile(r"^functiongraph\.([a-z0-9-]+)\.myhuaweicloud\.com(:\d+)?$")
RESOURCE_TYPE = "function"


def _region(cloud: Any, request: Request) -> str:
    found = _HOST_REGION.match(request.headers.get("host", ""))
    return found.group(1) if found else cloud.region


def _written(function, body: Any, request: Request) -> Reply:
    """A write's reply: the trace shows the request without the code itself."""
    shown = request.json()
    if isinstance(shown, dict) and isinstance(shown.get("func_code"), dict):
        shown = {**shown, "func_code": {"file": f"<{function.code_size} bytes, zip>"}}
    return Reply(200, body, resource=(function.func_id, function.name), trace_request=shown)


def create_function(cloud, request: Request, project_id: str) -> Reply:
    function = cloud.functiongraph.create(project_id, _region(cloud, request), request.json())
    return _written(function, function.config(), request)


def list_functions(cloud, request: Request, project_id: str) -> Reply:
    functions = cloud.functiongraph.list(project_id)
    start = int(request.arg("marker", "0") or 0)
    size = int(request.arg("maxitems", "400") or 400)
    page = functions[start:start + size]
    next_marker = start + len(page) if start + len(page) < len(functions) else 0
    return Reply(200, {"functions": [f.config() for f in page], "next_marker": next_marker,
                       "count": len(functions)})


def show_config(cloud, request: Request, project_id: str, function_urn: str) -> Reply:
    return Reply(200, cloud.functiongraph.get(project_id, function_urn).config())


def update_config(cloud, request: Request, project_id: str, function_urn: str) -> Reply:
    function = cloud.functiongraph.update_config(project_id, function_urn, request.json())
    return _written(function, function.config(), request)


def show_code(cloud, request: Request, project_id: str, function_urn: str) -> Reply:
    return Reply(200, cloud.functiongraph.get(project_id, function_urn).code())


def update_code(cloud, request: Request, project_id: str, function_urn: str) -> Reply:
    function = cloud.functiongraph.update_code(project_id, function_urn, request.json())
    return _written(function, function.code(), request)


def delete_function(cloud, request: Request, project_id: str, function_urn: str) -> Reply:
    function = cloud.functiongraph.delete(project_id, function_urn)
    return Reply(204, None, resource=(function.func_id, function.name), trace_request={"func_urn": function_urn})


def create_trigger(cloud, request: Request, project_id: str, function_urn: str) -> Reply:
    trigger = cloud.functiongraph.create_trigger(project_id, function_urn, request.json())
    return Reply(201, trigger.to_api(), resource=(trigger.trigger_id, str(trigger.event_data.get("name", ""))))


def list_triggers(cloud, request: Request, project_id: str, function_urn: str) -> Reply:
    function = cloud.functiongraph.get(project_id, function_urn)
    return Reply(200, [t.to_api() for t in function.triggers])


def delete_trigger(cloud, request: Request, project_id: str, function_urn: str, trigger_type_code: str,
                   trigger_id: str) -> Reply:
    trigger = cloud.functiongraph.delete_trigger(project_id, function_urn, trigger_type_code, trigger_id)
    return Reply(204, None, resource=(trigger.trigger_id, str(trigger.event_data.get("name", ""))),
                 trace_request={"func_urn": function_urn, "trigger_type_code": trigger_type_code,
                                "trigger_id": trigger_id})


def show_async_config(cloud, request: Request, project_id: str, function_urn: str) -> Reply:
    return Reply(200, cloud.functiongraph.async_config(project_id, function_urn))


def update_async_config(cloud, request: Request, project_id: str, function_urn: str) -> Reply:
    config = cloud.functiongraph.update_async_config(project_id, function_urn, request.json())
    function = cloud.functiongraph.get(project_id, function_urn)
    return Reply(200, config, resource=(function.func_id, function.name))


def _route(method: str, pattern: str, operation: str, handler, trace_name: str = "") -> Route:
    return Route(method, pattern, "functiongraph", operation, handler, writes=bool(trace_name),
                 trace_name=trace_name, resource_type=RESOURCE_TYPE if trace_name else "")


ROUTES: list[Route] = [
    _route("POST", _FUNCTIONS, "CreateFunction", create_function, "createFunction"),
    _route("GET", _FUNCTIONS, "ListFunctions", list_functions),
    _route("GET", _FUNCTION + "/config", "ShowFunctionConfig", show_config),
    _route("PUT", _FUNCTION + "/config", "UpdateFunctionConfig", update_config, "updateFunctionConfig"),
    _route("GET", _FUNCTION + "/code", "ShowFunctionCode", show_code),
    _route("PUT", _FUNCTION + "/code", "UpdateFunctionCode", update_code, "updateFunctionCode"),
    _route("DELETE", _FUNCTION, "DeleteFunction", delete_function, "deleteFunction"),
    _route("GET", _FUNCTION + "/async-invoke-config", "ShowFunctionAsyncInvokeConfig", show_async_config),
    _route("PUT", _FUNCTION + "/async-invoke-config", "UpdateFunctionAsyncInvokeConfig", update_async_config,
           "updateFunctionAsyncInvokeConfig"),
    _route("POST", _TRIGGERS, "CreateFunctionTrigger", create_trigger, "createTrigger"),
    _route("GET", _TRIGGERS, "ListFunctionTriggers", list_triggers),
    _route("DELETE", _TRIGGERS + "/{trigger_type_code}/{trigger_id}", "DeleteFunctionTrigger", delete_trigger,
           "deleteTrigger"),
]
