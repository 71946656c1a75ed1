"""FunctionGraph state and behaviour (no HTTP): functions keyed by unversioned URN, their triggers and
async invoke configuration. Validation answers the documented FSS error codes."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from localcloud.functiongraph.state import (
    FUNCTION_NAME,
    MEMORY_SIZES,
    RUNTIMES,
    TIMEOUT_RANGE,
    TRIGGER_STATUSES,
    TRIGGER_TYPES,
    VERSION,
    Function,
    Trigger,
    function_urn,
    iso_time,
    parse_function,
)
from localcloud.wire import ApiError
from localcloud.world import Fields

USER_DATA_MAX_ENTRIES = 20
USER_DATA_MAX_BYTES = 4096
INLINE_ZIP_MAX_BYTES = 50 * 1024 * 1024
ASYNC_RETRY_RANGE = (0, 8)
ASYNC_AGE_RANGE = (60, 86400)
DESTINATIONS = ("OBS", "SMN", "DIS", "FunctionGraph")


def invalid(code: str, message: str) -> ApiError:
    return ApiError(400, code, message)


class Backend:
    def __init__(self, cloud: Any):
        self.cloud = cloud
        self.functions: dict[str, Function] = {}

    @classmethod
    def from_world(cls, world: Mapping[str, Any], cloud: Any) -> Backend:
        top = Fields(world, "", getattr(cloud, "source", ""))
        backend = cls(cloud)
        for index, entry in enumerate(top.items("functions")):
            function = parse_function(entry, cloud)
            if function.urn in backend.functions:
                raise top.error(f"functions[{index}].func_name", f"duplicate function {function.name}")
            backend.functions[function.urn] = function
        return backend

    def dump(self) -> dict[str, Any]:
        return {"functions": [self.functions[urn].to_world() for urn in sorted(self.functions)]}

    # ------------------------------------------------------------ functions

    def get(self, project_id: str, urn: str) -> Function:
        """By URN. localcloud keeps one region per project, so the URN's region segment is not compared."""
        wanted = _identity(urn)
        for function in self.functions.values():
            if function.project_id == project_id and _identity(function.urn) == wanted:
                return function
        raise ApiError(404, "FSS.0404", f"The specified resource was not found: function {urn}")

    def list(self, project_id: str) -> list[Function]:
        return [self.functions[urn] for urn in sorted(self.functions)
                if self.functions[urn].project_id == project_id]

    def create(self, project_id: str, region: str, body: Mapping[str, Any]) -> Function:
        name = _name(body.get("func_name"))
        package = str(body.get("package") or "default")
        urn = function_urn(region, project_id, package, name)
        if any(f.project_id == project_id and f.package == package and f.name == name
               for f in self.functions.values()):
            raise ApiError(409, "FSS.0409", f"The specified resource already exists: function {name}")
        base = Function(urn=urn, func_id=self.cloud.new_id(), name=name, package=package, project_id=project_id,
                        region=region, domain_id=self.cloud.domain_id, runtime="", handler="")
        function = _apply_config(base, body, creating=True)
        function = _apply_code(function, body)
        self.functions[urn] = dataclasses.replace(function, last_modified_ms=self.cloud.now_ms())
        return self.functions[urn]

    def update_config(self, project_id: str, urn: str, body: Mapping[str, Any]) -> Function:
        function = _apply_config(self.get(project_id, urn), body, creating=False)
        return self._store(function)

    def update_code(self, project_id: str, urn: str, body: Mapping[str, Any]) -> Function:
        function = _apply_code(self.get(project_id, urn), body)
        return self._store(function)

    def delete(self, project_id: str, urn: str) -> Function:
        function = self.get(project_id, urn)
        del self.functions[function.urn]
        return function

    # ------------------------------------------------------------ triggers

    def create_trigger(self, project_id: str, urn: str, body: Mapping[str, Any]) -> Trigger:
        function = self.get(project_id, urn)
        trigger = _trigger(body, self.cloud.new_id(), self.cloud.now_ms())
        name = trigger.event_data.get("name")
        if name and any(t.event_data.get("name") == name and t.trigger_type_code == trigger.trigger_type_code
                        for t in function.triggers):
            raise ApiError(409, "FSS.0409", f"The specified resource already exists: trigger {name}")
        self._store(dataclasses.replace(function, triggers=(*function.triggers, trigger)))
        return trigger

    def delete_trigger(self, project_id: str, urn: str, type_code: str, trigger_id: str) -> Trigger:
        function = self.get(project_id, urn)
        found = [t for t in function.triggers if t.trigger_id == trigger_id and t.trigger_type_code == type_code]
        if not found:
            raise ApiError(404, "FSS.0404", f"The specified resource was not found: trigger {trigger_id}")
        kept = tuple(t for t in function.triggers if t is not found[0])
        self._store(dataclasses.replace(function, triggers=kept))
        return found[0]

    # ------------------------------------------------------------ async invoke config

    def update_async_config(self, project_id: str, urn: str, body: Mapping[str, Any]) -> dict[str, Any]:
        function = self.get(project_id, urn)
        now = self.cloud.now_ms()
        created = (function.async_config or {}).get("created_time") or iso_time(now)
        config = {"func_urn": function.versioned_urn,
                  "max_async_event_age_in_seconds": _ranged(body, "max_async_event_age_in_seconds",
                                                            ASYNC_AGE_RANGE, 3600),
                  "max_async_retry_attempts": _ranged(body, "max_async_retry_attempts", ASYNC_RETRY_RANGE, 3),
                  "destination_config": _destinations(body.get("destination_config")),
                  "enable_async_status_log": bool(body.get("enable_async_status_log", False)),
                  "created_time": created, "last_modified": iso_time(now)}
        self._store(dataclasses.replace(function, async_config=config))
        return config

    def async_config(self, project_id: str, urn: str) -> dict[str, Any]:
        function = self.get(project_id, urn)
        if function.async_config is None:
            raise ApiError(404, "FSS.0404", f"The specified resource was not found: async config of {urn}")
        return dict(function.async_config)

    def _store(self, function: Function) -> Function:
        function = dataclasses.replace(function, last_modified_ms=self.cloud.now_ms())
        self.functions[function.urn] = function
        return function


# ---------------------------------------------------------------- validation helpers


def _identity(urn: str) -> tuple[str, ...]:
    """(project, package, name) of a function URN, with or without the ``:latest`` qualifier."""
    parts = urn.split(":")
    if len(parts) == 8 and parts[7] == VERSION:
        parts = parts[:7]
    if len(parts) != 7 or parts[:2] != ["urn", "fss"] or parts[4] != "function":
        raise ApiError(404, "FSS.0404", f"The specified resource was not found: {urn!r} is not a function URN")
    return (parts[3], parts[5], parts[6])


def _name(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(FUNCTION_NAME, value):
        raise invalid("FSS.1002", f"Invalid function name: {value!r}")
    return value


def _apply_config(function: Function, body: Mapping[str, Any], *, creating: bool) -> Function:
    changes: dict[str, Any] = {}
    if creating or "runtime" in body:
        if body.get("runtime") not in RUNTIMES:
            raise invalid("FSS.1005", f"Invalid runtime: {body.get('runtime')!r}")
        changes["runtime"] = body["runtime"]
    if creating or "handler" in body:
        handler = body.get("handler")
        if not isinstance(handler, str) or "." not in handler:
            raise invalid("FSS.1003", f"Invalid function handler: {handler!r}")
        changes["handler"] = handler
    changes.update(_sized(body, creating))
    if "user_data" in body:
        changes["user_data"] = _user_data(body["user_data"])
    for key in ("xrole", "description"):
        if key in body:
            changes[key] = str(body[key] or "")
    if "log_config" in body:
        log = body["log_config"] or {}
        changes["log_group_name"] = str(log.get("group_name") or "")
        changes["log_stream_name"] = str(log.get("stream_name") or "")
    if "enable_lts_log" in body:
        changes["enable_lts_log"] = bool(body["enable_lts_log"])
    return dataclasses.replace(function, **changes)


def _sized(body: Mapping[str, Any], creating: bool) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if creating or "memory_size" in body:
        if body.get("memory_size") not in MEMORY_SIZES:
            raise invalid("FSS.1007", f"Invalid function memory: {body.get('memory_size')!r}")
        changes["memory_size"] = body["memory_size"]
    if creating or "timeout" in body:
        timeout = body.get("timeout")
        if not isinstance(timeout, int) or not TIMEOUT_RANGE[0] <= timeout <= TIMEOUT_RANGE[1]:
            raise invalid("FSS.1008", f"Invalid function timeout: {timeout!r}")
        changes["timeout"] = timeout
    return changes


def _user_data(value: Any) -> str:
    if value in (None, ""):
        return ""
    try:
        parsed = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
        raise invalid("FSS.1009", "Invalid environment variable: user_data must be a JSON object of strings")
    if len(parsed) > USER_DATA_MAX_ENTRIES or len(value.encode()) > USER_DATA_MAX_BYTES:
        raise invalid("FSS.1009", f"Invalid environment variable: at most {USER_DATA_MAX_ENTRIES} entries "
                                  f"and {USER_DATA_MAX_BYTES} bytes")
    return json.dumps(parsed, sort_keys=True)


def _apply_code(function: Function, body: Mapping[str, Any]) -> Function:
    code_type = body.get("code_type", function.code_type)
    if code_type != "zip":
        raise invalid("FSS.1006", f"Invalid function code entry mode: {code_type!r} (localcloud takes zip)")
    encoded = (body.get("func_code") or {}).get("file")
    if not isinstance(encoded, str) or not encoded:
        raise invalid("FSS.0400", "Invalid parameter: func_code.file must carry the base64 zip")
    try:
        code = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise invalid("FSS.0400", "Invalid parameter: func_code.file is not base64") from exc
    if len(code) > INLINE_ZIP_MAX_BYTES:
        raise ApiError(413, "FSS.0413", "The request body is too large: inline zip over 50 MB")
    if not code.startswith(b"PK"):
        raise invalid("FSS.0400", "Invalid parameter: func_code.file is not a zip archive")
    return dataclasses.replace(function, code_type="zip", code_size=len(code),
                               code_filename=str(body.get("code_filename") or function.code_filename),
                               digest=hashlib.sha512(code).hexdigest())


def _trigger(body: Mapping[str, Any], trigger_id: str, now_ms: int) -> Trigger:
    kind = body.get("trigger_type_code")
    if kind not in TRIGGER_TYPES:
        raise invalid("FSS.0400", f"Invalid parameter: trigger_type_code {kind!r}")
    status = body.get("trigger_status", "ACTIVE")
    if status not in TRIGGER_STATUSES:
        raise invalid("FSS.0400", f"Invalid parameter: trigger_status {status!r}")
    event_data = body.get("event_data")
    if not isinstance(event_data, dict):
        raise invalid("FSS.0400", "Invalid parameter: event_data must be an object")
    _check_event_data(kind, event_data)
    return Trigger(trigger_id=trigger_id, trigger_type_code=kind, trigger_status=status,
                   event_data=dict(event_data), event_type_code=str(body.get("event_type_code") or ""),
                   created_ms=now_ms, updated_ms=now_ms)


def _check_event_data(kind: str, data: Mapping[str, Any]) -> None:
    if kind in ("TIMER", "CTS") and not data.get("name"):
        raise invalid("FSS.0400", "Invalid parameter: event_data.name is required")
    if kind == "TIMER" and (data.get("schedule_type") not in ("Rate", "Cron") or not data.get("schedule")):
        raise invalid("FSS.0400", "Invalid parameter: a timer needs schedule_type Rate|Cron and schedule")
    if kind == "CTS":
        operations = data.get("operations")
        if not isinstance(operations, list) or not operations:
            raise invalid("FSS.0400", "Invalid parameter: a CTS trigger needs event_data.operations")
        for operation in operations:
            if not isinstance(operation, str) or operation.count(":") != 2:
                raise invalid("FSS.0400", f"Invalid parameter: CTS operation {operation!r} is not "
                                          "SERVICE:resource_types:trace_names")


def _ranged(body: Mapping[str, Any], key: str, bounds: tuple[int, int], default: int) -> int:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not bounds[0] <= value <= bounds[1]:
        raise invalid("FSS.0400", f"Invalid parameter: {key} must be an integer in [{bounds[0]}, {bounds[1]}]")
    return value


def _destinations(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid("FSS.0400", "Invalid parameter: destination_config must be an object")
    result = {}
    for key in ("on_success", "on_failure"):
        target = value.get(key)
        if target is None:
            continue
        if not isinstance(target, dict) or target.get("destination") not in DESTINATIONS:
            raise invalid("FSS.0400", f"Invalid parameter: destination_config.{key}.destination must be one of "
                                      f"{', '.join(DESTINATIONS)}")
        result[key] = {"destination": target["destination"], "param": str(target.get("param") or "")}
    return result
