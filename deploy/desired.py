"""Resolved template + where we deploy + the package -> the resources that should exist. Pure."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

from deploy.placeholders import Placeholders, resolve
from deploy.resources import Resource, marker
from deploy.template import Template, TemplateError, TriggerSpec

ROLE_TYPES = {"project": "XA", "domain": "AX"}  # custom policy display mode: project-level / account-level
POLICY_VERSION = "1.1"
CODE_FILENAME = "bmsguard.zip"
DESCRIPTION_MAX = 512


@dataclass(frozen=True)
class Target:
    """Where deploy works: the home region/project (BMS, SMN, the function) and the account."""

    region: str
    project_id: str
    domain_id: str


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    region: str
    project_id: str
    config: tuple[tuple[str, object], ...]  # request fields for create / update config (JSON-able)

    @property
    def key(self) -> str:
        return f"{self.name}@{self.region}/{self.project_id}"

    @property
    def urn(self) -> str:
        return f"urn:fss:{self.region}:{self.project_id}:function:default:{self.name}:latest"


def topic_urn(target: Target, name: str) -> str:
    return f"urn:smn:{target.region}:{target.project_id}:{name}"


def placeholders(template: Template, target: Target, environ: dict[str, str]) -> Placeholders:
    values = {"region": target.region, "project_id": target.project_id, "domain_id": target.domain_id,
              "topic_urn": topic_urn(target, template.topic.name), "agency_name": template.agency.name}
    return Placeholders(tuple(values.items()), tuple(environ.items()))


def desired_resources(template: Template, target: Target, environ: dict[str, str],
                      code_sha256: str) -> list[Resource]:
    """Everything ``template`` asks for, as resources; placeholders are filled here."""
    template = resolve(template, placeholders(template, target, environ))
    stack = marker(template.function.name)
    resources = [*_notifications(template, stack), *_roles(template, stack), *_agency(template, target, stack)]
    for spec, triggers in _functions(template, target, stack, code_sha256):
        resources.extend(_function(template, target, spec, triggers, code_sha256))
    return resources


def trigger_places(template: Template, target: Target, environ: dict[str, str]) -> set[tuple[str, str]]:
    """(region, project) of every trigger placed in another region, enabled or not, where resolvable."""
    fill = placeholders(template, target, environ)
    places = set()
    for index, trigger in enumerate(template.triggers):
        if trigger.region:
            try:
                places.add((trigger.region, fill.fill(trigger.project_id, f"triggers[{index}].project_id")))
            except TemplateError:
                continue  # a disabled trigger whose project variable is gone: nothing of ours can be there
    return places


def _notifications(template: Template, stack: str) -> list[Resource]:
    topic = template.topic
    resources = [Resource.of("topic", topic.name, {"display_name": f"{topic.display_name} {stack}".strip()})]
    for sub in topic.subscriptions:
        # A subscription has nothing deploy can change in place (SMN has no update): its remark, with the
        # marker, is written once at creation.
        marked = dataclasses.replace(sub, remark=f"{sub.remark} {stack}".strip())
        resources.append(Resource.of("subscription", f"{topic.name}/{sub.protocol}:{sub.endpoint}", {}, spec=marked))
    return resources


def _roles(template: Template, stack: str) -> list[Resource]:
    resources = []
    for policy in template.agency.policies:
        statement = {"Effect": "Allow", "Action": sorted(policy.action_names)}
        resources.append(_role(policy.name, ROLE_TYPES[policy.scope], statement,
                               f"{stack} least privilege of the {template.function.name} function ({policy.scope})"))
    if template.guardrail:
        guard = template.guardrail
        statement = {"Effect": guard.effect, "Action": sorted(guard.actions), "Condition": guard.condition}
        resources.append(_role(guard.name, "XA", statement, f"{stack} guardrail: metadata V2 required; attach to "
                                                            "operator groups, never to the function"))
    return resources


def _role(name: str, role_type: str, statement: dict, description: str) -> Resource:
    policy = {"Version": POLICY_VERSION, "Statement": [statement]}
    return Resource.of("role", name, {"type": role_type, "description": description, "policy": policy})


def _agency(template: Template, target: Target, stack: str) -> list[Resource]:
    agency = template.agency
    resources = [Resource.of("agency", agency.name, {
        "trust_domain_name": agency.trust_domain_name, "duration": agency.duration,
        "description": f"{stack} FunctionGraph agency of the {template.function.name} function"})]
    for policy in agency.policies:
        scope_id = target.project_id if policy.scope == "project" else target.domain_id
        resources.append(Resource.of("grant", f"{agency.name}/{policy.name}@{policy.scope}:{scope_id}", {},
                                     spec=(agency.name, policy.name, policy.scope, scope_id)))
    return resources


def _functions(template: Template, target: Target, stack: str,
               code_sha256: str) -> list[tuple[FunctionSpec, list[TriggerSpec]]]:
    """The home function, plus one copy per other region an enabled trigger must live in."""
    home = FunctionSpec(template.function.name, target.region, target.project_id,
                        _config(template, template.function.name, stack, code_sha256))
    placed: dict[tuple[str, str], tuple[FunctionSpec, list[TriggerSpec]]] = {(home.region, home.project_id): (home, [])}
    for trigger in template.triggers:
        if not trigger.enabled:
            continue
        where = (trigger.region or target.region, trigger.project_id or target.project_id)
        if where not in placed:
            name = f"{template.function.name}-{where[0]}"
            placed[where] = (FunctionSpec(name, where[0], where[1], _config(template, name, stack, code_sha256)), [])
        placed[where][1].append(trigger)
    return list(placed.values())


def _config(template: Template, name: str, stack: str, code_sha256: str) -> tuple[tuple[str, object], ...]:
    function = template.function
    logs = f"{function.log_group}/{function.log_stream}" if function.log_group else ""
    description = f"{function.description} {stack} code={code_sha256[:16]} logs={logs}".strip()
    if len(description) > DESCRIPTION_MAX:
        raise TemplateError("function.description", f"too long: FunctionGraph allows {DESCRIPTION_MAX} characters "
                                                    "including deploy's ownership record", template.source)
    config = {"func_name": name, "runtime": function.runtime, "handler": function.handler,
              "memory_size": function.memory_mb, "timeout": function.timeout_s,
              "user_data": json.dumps(dict(function.user_data), sort_keys=True), "xrole": template.agency.name,
              "description": description, "enable_lts_log": bool(function.log_group)}
    if function.log_group:
        config["log_config"] = {"group_name": function.log_group, "stream_name": function.log_stream}
    return tuple(config.items())


def _function(template: Template, target: Target, spec: FunctionSpec, triggers: list[TriggerSpec],
              code_sha256: str) -> list[Resource]:
    config = dict(spec.config)
    function = template.function
    resources = [Resource.of("function", spec.key, function_props(config, code_sha256), spec=spec)]
    async_config = function.async_config
    on_failure = topic_urn(target, template.topic.name) if async_config.failure_destination == "topic" else ""
    resources.append(Resource.of("async_config", spec.key, {
        "max_async_retry_attempts": async_config.max_retry_attempts,
        "max_async_event_age_in_seconds": async_config.max_event_age_s,
        "on_failure": f"SMN:{on_failure}" if on_failure else ""}, spec=spec))
    for trigger in triggers:
        resources.append(Resource.of("trigger", f"{spec.key}/{trigger.type}:{trigger.name}",
                                     {"type": trigger.type, "status": "ACTIVE",
                                      "event_data": trigger_event_data(trigger)}, spec=spec))
    return resources


def function_props(config: dict, code_sha256: str) -> dict[str, object]:
    """The compared settings; ``description`` is the template's text, code and logs are their own fields."""
    description, _, record = str(config.get("description", "")).partition(" [bmsguard-managed")
    log = config.get("log_config") or {}
    return {"runtime": config.get("runtime"), "handler": config.get("handler"),
            "memory_size": config.get("memory_size"), "timeout": config.get("timeout"),
            "user_data": json.loads(config.get("user_data") or "{}"), "xrole": config.get("xrole"),
            "description": description, "code": code_sha256[:16],
            "logs": f"{log.get('group_name', '')}/{log.get('stream_name', '')}" if log else ""}


def trigger_event_data(trigger: TriggerSpec) -> dict[str, object]:
    if trigger.type == "CTS":
        return {"name": trigger.name, "operations": list(trigger.operations)}
    return {"name": trigger.name, "schedule_type": trigger.schedule_type, "schedule": trigger.schedule,
            "user_event": trigger.user_event}
