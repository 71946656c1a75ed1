"""The function (and its copies in other regions), its async invoke config and triggers, via FunctionGraph v2.

What the API does not hand back (the code package's hash, the LTS group/stream names) is recorded in the
function description next to the ownership marker: ``<text> [bmsguard-managed:<stack>] code=<sha> logs=<g>/<s>``.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from pathlib import Path

from deploy.desired import CODE_FILENAME, FunctionSpec
from deploy.resources import Applying, Resource
from deploy.session import CloudCallFailed, Session, call, model, not_found

KINDS = ("function", "async_config", "trigger")
PAGE = 400
_RECORD = re.compile(r"^(?P<text>.*?)\s*\[bmsguard-managed:[^\]]*\]\s*code=(?P<code>\S*)\s*logs=(?P<logs>\S*)\s*$",
                     re.S)


def read(session: Session, places: Iterable[tuple[str, str]], names: set[str], stack_marker: str) -> list[Resource]:
    """Functions named in ``names`` or carrying our marker, in every (region, project) of ``places``."""
    resources = []
    for region, project_id in sorted(set(places)):
        for config in _functions(session, region, project_id):
            if config.get("func_name") in names or stack_marker in (config.get("description") or ""):
                resources.extend(_read_function(session, region, project_id, config, stack_marker))
    return resources


def _functions(session: Session, region: str, project_id: str) -> list[dict]:
    client, found, marker = session.client("functiongraph", region, project_id), [], "0"
    while True:
        request = model("functiongraph", "ListFunctionsRequest", marker=marker, maxitems=str(PAGE))
        body = call(client, "list_functions", request) or {}
        found.extend(body.get("functions", []))
        marker = str(body.get("next_marker") or 0)
        if marker == "0" or not body.get("functions"):
            return found


def _read_function(session: Session, region: str, project_id: str, config: dict, stack_marker: str) -> list[Resource]:
    spec = FunctionSpec(config["func_name"], region, project_id, ())
    owned = stack_marker in (config.get("description") or "")
    client = session.client("functiongraph", region, project_id)
    function = Resource.of("function", spec.key, current_props(config), ident=config.get("func_urn", spec.urn),
                           owned=owned, spec=spec)
    return [function, *_read_async_config(client, spec, owned), *_read_triggers(client, spec, owned)]


def _read_async_config(client, spec: FunctionSpec, owned: bool) -> list[Resource]:
    request = model("functiongraph", "ShowFunctionAsyncInvokeConfigRequest", function_urn=spec.urn)
    try:
        config = call(client, "show_function_async_invoke_config", request)
    except CloudCallFailed as error:
        if not_found(error):
            return []
        raise
    return [Resource.of("async_config", spec.key, _async_props(config), owned=owned, spec=spec)] if config else []


def _read_triggers(client, spec: FunctionSpec, owned: bool) -> list[Resource]:
    request = model("functiongraph", "ListFunctionTriggersRequest", function_urn=spec.urn)
    resources = []
    for trigger in call(client, "list_function_triggers", request) or []:
        kind, data = trigger.get("trigger_type_code"), trigger.get("event_data") or {}
        props = {"type": kind, "status": trigger.get("trigger_status"), "event_data": _event_data(kind, data)}
        resources.append(Resource.of("trigger", f"{spec.key}/{kind}:{data.get('name', '')}", props,
                                     ident=trigger.get("trigger_id", ""), owned=owned, spec=spec))
    return resources


def current_props(config: dict) -> dict[str, object]:
    record = _RECORD.match(config.get("description") or "")
    try:
        user_data = json.loads(config.get("user_data") or "{}")
    except ValueError:
        user_data = {"(unreadable)": config.get("user_data")}
    return {"runtime": config.get("runtime"), "handler": config.get("handler"),
            "memory_size": config.get("memory_size"), "timeout": config.get("timeout"), "user_data": user_data,
            "xrole": config.get("xrole") or "", "description": record["text"] if record else config.get("description"),
            "code": record["code"] if record else "", "logs": record["logs"] if record else ""}


def _async_props(config: dict) -> dict[str, object]:
    failure = ((config.get("destination_config") or {}).get("on_failure")) or {}
    param = failure.get("param") or "{}"
    try:
        target = json.loads(param).get("topic_urn", param)
    except (ValueError, AttributeError):
        target = param
    return {"max_async_retry_attempts": config.get("max_async_retry_attempts"),
            "max_async_event_age_in_seconds": config.get("max_async_event_age_in_seconds"),
            "on_failure": f"{failure.get('destination')}:{target}" if failure else ""}


def _event_data(kind: str | None, data: dict) -> dict[str, object]:
    keys = ("name", "operations") if kind == "CTS" else ("name", "schedule_type", "schedule", "user_event")
    return {key: data.get(key) for key in keys}


# ---------------------------------------------------------------- writes


def create(applying: Applying, desired: Resource) -> None:
    spec: FunctionSpec = desired.spec
    client = applying.session.client("functiongraph", spec.region, spec.project_id)
    if desired.kind == "function":
        body = model("functiongraph", "CreateFunctionRequestBody", package="default", code_type="zip",
                     code_filename=CODE_FILENAME, func_code=_code(applying.package), **_config_fields(spec))
        call(client, "create_function", model("functiongraph", "CreateFunctionRequest", body=body))
        applying.ids[desired.label] = spec.urn
    elif desired.kind == "async_config":
        _put_async(client, spec, desired)
    else:
        data = desired.prop("event_data")
        body = model("functiongraph", "CreateFunctionTriggerRequestBody", trigger_type_code=desired.prop("type"),
                     trigger_status=desired.prop("status"),
                     event_data=model("functiongraph", "TriggerEventDataRequestBody", **data))
        call(client, "create_function_trigger", model("functiongraph", "CreateFunctionTriggerRequest",
                                                      function_urn=spec.urn, body=body))


def update(applying: Applying, desired: Resource, current: Resource) -> None:
    spec: FunctionSpec = desired.spec
    client = applying.session.client("functiongraph", spec.region, spec.project_id)
    if desired.kind == "function":
        if desired.prop("code") != current.prop("code"):
            body = model("functiongraph", "UpdateFunctionCodeRequestBody", code_type="zip",
                         code_filename=CODE_FILENAME, func_code=_code(applying.package))
            call(client, "update_function_code", model("functiongraph", "UpdateFunctionCodeRequest",
                                                       function_urn=spec.urn, body=body))
        body = model("functiongraph", "UpdateFunctionConfigRequestBody", **_config_fields(spec))
        call(client, "update_function_config", model("functiongraph", "UpdateFunctionConfigRequest",
                                                     function_urn=spec.urn, body=body))
    elif desired.kind == "async_config":
        _put_async(client, spec, desired)
    else:  # a trigger's event data cannot be edited: replace it
        delete(applying, current)
        create(applying, desired)


def delete(applying: Applying, current: Resource) -> None:
    spec: FunctionSpec = current.spec
    client = applying.session.client("functiongraph", spec.region, spec.project_id)
    if current.kind == "function":
        call(client, "delete_function", model("functiongraph", "DeleteFunctionRequest", function_urn=spec.urn))
    elif current.kind == "trigger":
        call(client, "delete_function_trigger", model("functiongraph", "DeleteFunctionTriggerRequest",
                                                      function_urn=spec.urn, trigger_type_code=current.prop("type"),
                                                      trigger_id=current.ident))
    # an async config goes with its function; alone it is reset by deploy, never deleted


def _put_async(client, spec: FunctionSpec, desired: Resource) -> None:
    on_failure = desired.prop("on_failure")
    destination = None
    if on_failure:
        kind, target = on_failure.split(":", 1)
        failure = model("functiongraph", "FuncDestinationConfig", destination=kind,
                        param=json.dumps({"topic_urn": target}))
        destination = model("functiongraph", "FuncAsyncDestinationConfig", on_failure=failure)
    body = model("functiongraph", "UpdateFunctionAsyncInvokeConfigRequestBody",
                 max_async_retry_attempts=desired.prop("max_async_retry_attempts"),
                 max_async_event_age_in_seconds=desired.prop("max_async_event_age_in_seconds"),
                 destination_config=destination)
    call(client, "update_function_async_invoke_config", model(
        "functiongraph", "UpdateFunctionAsyncInvokeConfigRequest", function_urn=spec.urn, body=body))


def _code(package: Path | None):
    if package is None:
        raise ValueError("uploading code needs the package zip")
    return model("functiongraph", "FuncCode", file=base64.b64encode(package.read_bytes()).decode())


def _config_fields(spec: FunctionSpec) -> dict[str, object]:
    fields = dict(spec.config)
    log = fields.pop("log_config", None)
    if log:
        fields["log_config"] = model("functiongraph", "FuncLogConfig", **log)
    return fields
