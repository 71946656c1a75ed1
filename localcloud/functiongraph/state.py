"""FunctionGraph records: a function (config + code digest), its triggers and async invoke config.

Wire shapes follow the SDK attribute_maps (``ShowFunctionConfigResponse``, ``ListFunctionTriggerResult``,
``ShowFunctionAsyncInvokeConfigResponse``); the world format is the same keys, with ``user_data`` as a
mapping for readability.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from localcloud.world import Fields, stable_id

RUNTIMES = ("Python2.7", "Python3.6", "Python3.9", "Python3.10", "Python3.12", "Node.js14.18", "Node.js16.17",
            "Node.js18.15", "Java8", "Java11", "Go1.x", "Custom", "http")
MEMORY_SIZES = (128, 256, 512, 768, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096)
TIMEOUT_RANGE = (3, 259200)
TRIGGER_TYPES = ("TIMER", "CTS", "SMN", "APIG", "OBS", "LTS", "DIS", "KAFKA", "EVENTGRID")
TRIGGER_STATUSES = ("ACTIVE", "DISABLED")
FUNCTION_NAME = r"[A-Za-z][A-Za-z0-9_-]{0,59}"
VERSION = "latest"


def function_urn(region: str, project_id: str, package: str, name: str) -> str:
    """Unversioned URN; the API accepts it with or without the ``:latest`` qualifier."""
    return f"urn:fss:{region}:{project_id}:function:{package}:{name}"


def iso_time(epoch_ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(epoch_ms / 1000))


@dataclass(frozen=True)
class Trigger:
    trigger_id: str
    trigger_type_code: str
    trigger_status: str
    event_data: dict[str, Any]
    event_type_code: str = ""
    created_ms: int = 0
    updated_ms: int = 0

    def to_api(self) -> dict[str, Any]:
        return {"trigger_id": self.trigger_id, "trigger_type_code": self.trigger_type_code,
                "trigger_status": self.trigger_status, "event_data": dict(self.event_data),
                "created_time": iso_time(self.created_ms), "last_updated_time": iso_time(self.updated_ms)}

    def to_world(self) -> dict[str, Any]:
        entry = {"trigger_id": self.trigger_id, "trigger_type_code": self.trigger_type_code,
                 "trigger_status": self.trigger_status, "event_data": dict(self.event_data)}
        if self.event_type_code:
            entry["event_type_code"] = self.event_type_code
        return entry


@dataclass(frozen=True)
class Function:
    urn: str
    func_id: str
    name: str
    package: str
    project_id: str
    region: str
    domain_id: str
    runtime: str
    handler: str
    memory_size: int = 128
    timeout: int = 3
    user_data: str = ""  # a JSON object as a string, as the API carries it
    xrole: str = ""
    description: str = ""
    code_type: str = "zip"
    code_filename: str = "index.zip"
    code_size: int = 0
    digest: str = ""
    log_group_name: str = ""
    log_stream_name: str = ""
    enable_lts_log: bool = False
    last_modified_ms: int = 0
    triggers: tuple[Trigger, ...] = ()
    async_config: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # other accepted config keys, echoed back

    @property
    def versioned_urn(self) -> str:
        return f"{self.urn}:{VERSION}"

    def config(self) -> dict[str, Any]:
        """``ShowFunctionConfigResponse`` / ``ListFunctionResult`` keys."""
        return {**self.extra,
                "func_id": self.func_id, "resource_id": self.func_id, "func_urn": self.versioned_urn,
                "func_name": self.name, "domain_id": self.domain_id, "namespace": self.project_id,
                "project_name": self.region, "package": self.package, "runtime": self.runtime,
                "timeout": self.timeout, "handler": self.handler, "memory_size": self.memory_size,
                "cpu": max(300, self.memory_size * 300 // 128), "code_type": self.code_type, "code_url": "",
                "code_filename": self.code_filename, "code_size": self.code_size, "user_data": self.user_data,
                "digest": self.digest, "version": VERSION, "image_name": VERSION, "xrole": self.xrole,
                "app_xrole": self.xrole, "description": self.description,
                "last_modified": iso_time(self.last_modified_ms), "log_group_id": _lts_id(self.log_group_name),
                "log_stream_id": _lts_id(self.log_stream_name), "type": "v2",
                "enable_lts_log": self.enable_lts_log}

    def code(self) -> dict[str, Any]:
        """``ShowFunctionCodeResponse`` keys (the real service hands out an OBS link; we have none)."""
        return {"func_urn": self.versioned_urn, "func_name": self.name, "domain_id": self.domain_id,
                "runtime": self.runtime, "code_type": self.code_type, "code_url": "",
                "code_filename": self.code_filename, "code_size": self.code_size, "digest": self.digest,
                "last_modified": iso_time(self.last_modified_ms), "func_code": {"file": "", "link": ""},
                "depend_list": [], "depend_version_list": []}

    def to_world(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "func_name": self.name, "package": self.package, "project_id": self.project_id,
            "runtime": self.runtime, "handler": self.handler, "memory_size": self.memory_size,
            "timeout": self.timeout, "user_data": user_data_map(self.user_data), "xrole": self.xrole,
            "description": self.description, "code_size": self.code_size, "digest": self.digest,
            "log_group": self.log_group_name, "log_stream": self.log_stream_name,
            "triggers": [t.to_world() for t in self.triggers]}
        if self.async_config is not None:
            entry["async_invoke_config"] = dict(self.async_config)
        return entry


def user_data_map(text: str) -> dict[str, str]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def parse_function(entry: Fields, cloud: Any) -> Function:
    entry.only(("func_name", "package", "project_id", "runtime", "handler", "memory_size", "timeout",
                "user_data", "xrole", "description", "code_size", "digest", "log_group", "log_stream",
                "triggers", "async_invoke_config"))
    name = entry.str("func_name", pattern=FUNCTION_NAME)
    package = entry.str("package", "default")
    project_id = entry.str("project_id", cloud.project_id)
    urn = function_urn(cloud.region, project_id, package, name)
    memory = entry.int("memory_size", 128)
    if memory not in MEMORY_SIZES:
        raise entry.error("memory_size", f"must be one of {', '.join(map(str, MEMORY_SIZES))}")
    triggers = tuple(_parse_trigger(item, urn) for item in entry.items("triggers"))
    async_config = entry.mapping.get("async_invoke_config")
    if async_config is not None and not isinstance(async_config, dict):
        raise entry.error("async_invoke_config", "must be a mapping")
    return Function(
        urn=urn, func_id=stable_id("function", urn), name=name, package=package, project_id=project_id,
        region=cloud.region, domain_id=cloud.domain_id,
        runtime=entry.str("runtime", choices=RUNTIMES), handler=entry.str("handler", pattern=r"[^.\s]+\.[^\s]+"),
        memory_size=memory, timeout=entry.int("timeout", 3, minimum=TIMEOUT_RANGE[0]),
        user_data=json.dumps(entry.str_map("user_data"), sort_keys=True), xrole=entry.str("xrole", ""),
        description=entry.str("description", ""), code_size=entry.int("code_size", 0, minimum=0),
        digest=entry.str("digest", ""), log_group_name=entry.str("log_group", ""),
        log_stream_name=entry.str("log_stream", ""), triggers=triggers, async_config=async_config)


def _parse_trigger(entry: Fields, urn: str) -> Trigger:
    entry.only(("trigger_id", "trigger_type_code", "trigger_status", "event_data", "event_type_code"))
    kind = entry.str("trigger_type_code", choices=TRIGGER_TYPES)
    event_data = entry.mapping.get("event_data") or {}
    if not isinstance(event_data, dict):
        raise entry.error("event_data", "must be a mapping")
    trigger_id = entry.str("trigger_id", stable_id("trigger", urn, kind, str(event_data.get("name", ""))))
    return Trigger(trigger_id=trigger_id, trigger_type_code=kind,
                   trigger_status=entry.str("trigger_status", "ACTIVE", choices=TRIGGER_STATUSES),
                   event_data=dict(event_data), event_type_code=entry.str("event_type_code", ""))


def _lts_id(name: str) -> str:
    return stable_id("lts", name) if name else ""
