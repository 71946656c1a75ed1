"""template.yaml -> a validated, frozen ``Template``; placeholders resolved separately by ``resolve``.

Every error is a ``TemplateError`` naming the file and the dotted field (``triggers[1].schedule``).
The schema is documented in docs/deployment.md and, for readers of the file itself, in its comments.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bmsguard.policy_reader import yaml_problem
from bmsguard.trace_names import CTS_NAMES_PER_OPERATION
from deploy.template_fields import Node, TemplateError

DEFAULT_TEMPLATE = Path(__file__).resolve().parent.parent / "template.yaml"
RUNTIMES = {"Python3.10": "3.10", "Python3.12": "3.12"}
MEMORY_SIZES = (128, 256, 512, 768, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096)
SCOPES = ("project", "domain")
TRIGGER_TYPES = ("CTS", "TIMER")
SUBSCRIPTION_PROTOCOLS = ("email", "sms", "http", "https", "functiongraph", "dingding", "wechat", "feishu",
                          "welink")
USER_DATA_MAX_ENTRIES = 20
USER_DATA_MAX_BYTES = 4096
CTS_MAX_SERVICES = 10
_NAME = r"[A-Za-z][A-Za-z0-9_-]{0,59}"
_ACTION = r"[a-z0-9]+:[A-Za-z0-9]+:[A-Za-z0-9]+"
_HANDLER = r"[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*"


@dataclass(frozen=True)
class AsyncConfig:
    max_retry_attempts: int
    max_event_age_s: int
    failure_destination: str  # "topic" | ""


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    description: str
    runtime: str
    handler: str
    memory_mb: int
    timeout_s: int
    user_data: tuple[tuple[str, str], ...]
    log_group: str
    log_stream: str
    async_config: AsyncConfig

    @property
    def python_version(self) -> str:
        return RUNTIMES[self.runtime]


@dataclass(frozen=True)
class PolicySpec:
    name: str
    scope: str  # "project" (type XA, granted on the project) | "domain" (type AX, granted on the account)
    actions: tuple[tuple[str, str], ...]  # (action, one-line reason), template order

    @property
    def action_names(self) -> tuple[str, ...]:
        return tuple(action for action, _ in self.actions)


@dataclass(frozen=True)
class AgencySpec:
    name: str
    trust_domain_name: str
    duration: str
    policies: tuple[PolicySpec, ...]


@dataclass(frozen=True)
class TriggerSpec:
    name: str
    type: str  # CTS | TIMER
    region: str = ""  # "" = the function's region
    project_id: str = ""  # for another region: that region's project (may be a placeholder)
    enabled: bool = True
    operations: tuple[str, ...] = ()
    schedule_type: str = ""
    schedule: str = ""
    user_event: str = ""


@dataclass(frozen=True)
class SubscriptionSpec:
    protocol: str
    endpoint: str
    remark: str = ""


@dataclass(frozen=True)
class TopicSpec:
    name: str
    display_name: str
    subscriptions: tuple[SubscriptionSpec, ...]


@dataclass(frozen=True)
class GuardrailSpec:
    name: str
    effect: str
    actions: tuple[str, ...]
    condition_json: str  # the Condition block as canonical JSON (frozen and comparable)

    @property
    def condition(self) -> dict[str, dict[str, list[str]]]:
        return json.loads(self.condition_json)


@dataclass(frozen=True)
class Template:
    function: FunctionSpec
    agency: AgencySpec
    triggers: tuple[TriggerSpec, ...]
    topic: TopicSpec
    guardrail: GuardrailSpec | None
    source: str = ""

    @property
    def policy_actions(self) -> tuple[str, ...]:
        return tuple(a for policy in self.agency.policies for a in policy.action_names)


# ---------------------------------------------------------------- loading


def load_template(path: str | Path | None = None) -> Template:
    path = Path(path) if path else DEFAULT_TEMPLATE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError("(file)", f"cannot read: {exc.strerror or exc}", str(path)) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TemplateError("(file)", f"not valid YAML{yaml_problem(exc)}", str(path)) from None
    return parse_template(data, str(path))


def parse_template(data: Any, source: str = "") -> Template:
    top = Node(data, "", source)
    top.only("version", "function", "agency", "triggers", "notifications", "guardrail")
    if top.get("version", 1) != 1:
        raise top.error("version", "only version 1 is understood")
    notifications = top.child("notifications")
    notifications.only("topic", "subscriptions")
    template = Template(function=_function(top.child("function")), agency=_agency(top.child("agency")),
                        triggers=_triggers(top), topic=_topic(notifications), guardrail=_guardrail(top),
                        source=source)
    _check_unique(top, "agency.policies", [p.name for p in template.agency.policies])
    return template


def _function(node: Node) -> FunctionSpec:
    node.only("name", "description", "runtime", "handler", "memory_mb", "timeout_s", "user_data", "logs", "async")
    user_data = node.str_map("user_data")
    if len(user_data) > USER_DATA_MAX_ENTRIES:
        raise node.error("user_data", f"at most {USER_DATA_MAX_ENTRIES} entries (FunctionGraph limit)")
    memory = node.int("memory_mb", minimum=128)
    if memory not in MEMORY_SIZES:
        raise node.error("memory_mb", f"must be one of {', '.join(map(str, MEMORY_SIZES))}, got {memory}")
    logs, async_node = node.child("logs"), node.child("async")
    logs.only("group", "stream")
    async_node.only("max_retry_attempts", "max_event_age_s", "failure_destination")
    return FunctionSpec(
        name=node.str("name", pattern=_NAME), description=node.str("description", ""),
        runtime=node.str("runtime", choices=tuple(RUNTIMES)), handler=node.str("handler", pattern=_HANDLER),
        memory_mb=memory, timeout_s=node.int("timeout_s", minimum=3, maximum=259200),
        user_data=tuple(user_data.items()), log_group=logs.str("group", ""), log_stream=logs.str("stream", ""),
        async_config=AsyncConfig(
            max_retry_attempts=async_node.int("max_retry_attempts", 0, minimum=0, maximum=3),
            max_event_age_s=async_node.int("max_event_age_s", 3600, minimum=60, maximum=86400),
            failure_destination=async_node.str("failure_destination", "", choices=("", "topic"))))


def _agency(node: Node) -> AgencySpec:
    node.only("name", "trust_domain_name", "duration", "policies")
    policies = tuple(_policy(item) for item in node.items("policies"))
    if not policies:
        raise node.error("policies", "at least one policy is required")
    return AgencySpec(name=node.str("name", pattern=r"[^/\s]{1,64}"),
                      trust_domain_name=node.str("trust_domain_name", "op_svc_cff"),
                      duration=node.str("duration", "FOREVER"), policies=policies)


def _policy(node: Node) -> PolicySpec:
    node.only("name", "scope", "actions")
    actions = node.str_map("actions")
    if not actions:
        raise node.error("actions", "at least one action is required")
    for action, reason in actions.items():
        if not re.fullmatch(_ACTION, action):
            raise node.error(f"actions.{action}", "must be a concrete service:resource:operation action "
                                                  "(no wildcards: list exactly what the code calls)")
        if not reason.strip():
            raise node.error(f"actions.{action}", "needs a one-line reason")
    return PolicySpec(name=node.str("name", pattern=r"[A-Za-z0-9_ -]{1,64}"),
                      scope=node.str("scope", choices=SCOPES), actions=tuple(actions.items()))


def _triggers(top: Node) -> tuple[TriggerSpec, ...]:
    triggers = tuple(_trigger(item) for item in top.items("triggers"))
    _check_unique(top, "triggers", [t.name for t in triggers])
    return triggers


def _trigger(node: Node) -> TriggerSpec:
    node.only("name", "type", "region", "project_id", "enabled", "operations", "schedule_type", "schedule",
              "user_event")
    kind = node.str("type", choices=TRIGGER_TYPES)
    spec = TriggerSpec(name=node.str("name", pattern=_NAME), type=kind, region=node.str("region", ""),
                       project_id=node.str("project_id", ""), enabled=node.bool("enabled", True))
    if spec.region and not spec.project_id:
        raise node.error("project_id", "a trigger in another region needs that region's project id")
    if kind == "CTS":
        operations = tuple(node.str_list("operations"))
        _check_cts_operations(node, operations)
        return dataclasses.replace(spec, operations=operations)
    user_event = node.get("user_event", "")
    if not isinstance(user_event, str):
        raise node.error("user_event", "must be a string (JSON text is fine)")
    return dataclasses.replace(spec, schedule_type=node.str("schedule_type", choices=("Rate", "Cron")),
                               schedule=node.str("schedule", pattern=r"\S.*"), user_event=user_event)


def _check_cts_operations(node: Node, operations: tuple[str, ...]) -> None:
    if not operations:
        raise node.error("operations", "a CTS trigger needs at least one SERVICE:resource_type:trace;names entry")
    if len(operations) > CTS_MAX_SERVICES:
        raise node.error("operations", f"at most {CTS_MAX_SERVICES} services per CTS trigger")
    for index, operation in enumerate(operations):
        parts = operation.split(":")
        if len(parts) != 3 or not all(parts):
            raise node.error(f"operations[{index}]", f"{operation!r} is not SERVICE:resource_type:trace;names")
        if len(parts[2].split(";")) > CTS_NAMES_PER_OPERATION:
            raise node.error(f"operations[{index}]", f"at most {CTS_NAMES_PER_OPERATION} trace names")


def _topic(node: Node) -> TopicSpec:
    topic = node.child("topic")
    topic.only("name", "display_name")
    subscriptions = []
    for item in node.items("subscriptions"):
        item.only("protocol", "endpoint", "remark")
        subscriptions.append(SubscriptionSpec(protocol=item.str("protocol", choices=SUBSCRIPTION_PROTOCOLS),
                                              endpoint=item.str("endpoint"), remark=item.str("remark", "")))
    return TopicSpec(name=topic.str("name", pattern=r"[A-Za-z0-9_-]{1,255}"),
                     display_name=topic.str("display_name", ""), subscriptions=tuple(subscriptions))


def _guardrail(top: Node) -> GuardrailSpec | None:
    if top.get("guardrail") is None:
        return None
    node = top.child("guardrail")
    node.only("enabled", "name", "effect", "actions", "condition")
    if not node.bool("enabled", True):
        return None
    condition = node.get("condition", {})
    if not isinstance(condition, Mapping) or not all(
            isinstance(keys, Mapping) and all(isinstance(v, list) for v in keys.values())
            for keys in condition.values()):
        raise node.error("condition", "must map an operator to {condition_key: [values]}")
    actions = node.str_list("actions")
    for index, action in enumerate(actions):
        if not re.fullmatch(_ACTION, action):
            raise node.error(f"actions[{index}]", f"{action!r} is not a service:resource:operation action")
    return GuardrailSpec(name=node.str("name", pattern=r"[A-Za-z0-9_ -]{1,64}"),
                         effect=node.str("effect", "Deny", choices=("Allow", "Deny")), actions=tuple(actions),
                         condition_json=json.dumps(condition, sort_keys=True))


def _check_unique(node: Node, field: str, names: list[str]) -> None:
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:
            raise TemplateError(f"{field}[{index}].name", f"duplicate name {name!r}", node.source)
        seen.add(name)
