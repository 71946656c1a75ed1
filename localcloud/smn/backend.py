"""SMN state and behaviour (no HTTP): topics with subscriptions, and the ordered outbox of published
messages."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from localcloud.smn import errors
from localcloud.world import Fields, stable_id

TOPIC_NAME = r"[A-Za-z0-9][A-Za-z0-9_-]{0,254}"
PROTOCOLS = ("email", "sms", "http", "https", "functiongraph", "functionstage", "dms", "application",
             "dingding", "wechat", "feishu", "welink", "welinkRed", "dingTalkBot")
CONFIRMED_WITHOUT_REPLY = ("functiongraph", "functionstage", "dms", "application")
MAX_SUBJECT_BYTES = 512
MAX_MESSAGE_BYTES = 256 * 1024
DEFAULT_TIME = "2024-06-10T08:00:00Z"


@dataclass
class Subscription:
    urn: str
    protocol: str
    endpoint: str
    remark: str = ""
    status: int = 1  # 0 unconfirmed, 1 confirmed

    def to_world(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"protocol": self.protocol, "endpoint": self.endpoint}
        if self.remark:
            entry["remark"] = self.remark
        if self.status != 1:
            entry["status"] = self.status
        return entry


@dataclass
class Topic:
    name: str
    urn: str
    topic_id: str
    display_name: str = ""
    enterprise_project_id: str = "0"
    create_time: str = DEFAULT_TIME
    update_time: str = DEFAULT_TIME
    subscriptions: list[Subscription] = field(default_factory=list)

    def to_world(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": self.name}
        if self.display_name:
            entry["display_name"] = self.display_name
        entry["subscriptions"] = [s.to_world() for s in self.subscriptions]
        return entry


class Backend:
    def __init__(self, cloud: Any):
        self.cloud = cloud
        self.topics: dict[str, Topic] = {}  # by URN, in creation order
        self.outbox: list[dict[str, Any]] = []

    @classmethod
    def from_world(cls, world: Mapping[str, Any], cloud: Any) -> Backend:
        backend = cls(cloud)
        for entry in Fields(world, "", getattr(cloud, "source", "")).items("topics"):
            entry.only(("name", "display_name", "subscriptions"))
            name = entry.str("name", pattern=TOPIC_NAME)
            if backend.urn(name) in backend.topics:
                raise entry.error("name", f"duplicate topic {name}")
            topic = backend.create_topic(name, entry.str("display_name", ""))
            for sub in entry.items("subscriptions"):
                sub.only(("protocol", "endpoint", "remark", "status"))
                backend.subscribe(topic.urn, sub.str("protocol", choices=PROTOCOLS), sub.str("endpoint"),
                                  sub.str("remark", ""), status=sub.int("status", 1, minimum=0))
        return backend

    def dump(self) -> dict[str, Any]:
        return {"topics": [topic.to_world() for topic in self.topics.values()]}

    # ------------------------------------------------------------ topics

    def urn(self, name: str) -> str:
        return f"urn:smn:{self.cloud.region}:{self.cloud.project_id}:{name}"

    def topic(self, urn: str) -> Topic:
        topic = self.topics.get(urn)
        if topic is None:
            raise errors.topic_not_found(urn)
        return topic

    def create_topic(self, name: str, display_name: str = "", enterprise_project_id: str = "0") -> Topic:
        if not isinstance(name, str) or not re.fullmatch(TOPIC_NAME, name):
            raise errors.bad_request(f"topic name {name!r} must be 1-255 characters of A-Z a-z 0-9 - _, "
                                     "starting with a letter or digit")
        urn = self.urn(name)
        if urn not in self.topics:  # SMN answers an existing name with the existing topic
            self.topics[urn] = Topic(name=name, urn=urn, topic_id=stable_id("topic", urn),
                                     display_name=display_name or "", enterprise_project_id=enterprise_project_id)
        return self.topics[urn]

    def update_topic(self, urn: str, display_name: str) -> Topic:
        topic = self.topic(urn)
        topic.display_name = display_name
        return topic

    def delete_topic(self, urn: str) -> Topic:
        topic = self.topic(urn)
        del self.topics[urn]
        return topic

    # ------------------------------------------------------------ subscriptions

    def subscribe(self, urn: str, protocol: Any, endpoint: Any, remark: str = "", status: int | None = None
                  ) -> Subscription:
        topic = self.topic(urn)
        if protocol not in PROTOCOLS:
            raise errors.bad_request(f"protocol must be one of {', '.join(PROTOCOLS)}, got {protocol!r}")
        if not isinstance(endpoint, str) or not endpoint:
            raise errors.bad_request("endpoint is required")
        for existing in topic.subscriptions:
            if (existing.protocol, existing.endpoint) == (protocol, endpoint):
                return existing
        if status is None:
            status = 1 if protocol in CONFIRMED_WITHOUT_REPLY else 0
        subscription = Subscription(f"{urn}:{stable_id('sub', urn, protocol, endpoint)}", protocol, endpoint,
                                    remark or "", status)
        topic.subscriptions.append(subscription)
        return subscription

    def unsubscribe(self, subscription_urn: str, topic_urn: str | None = None) -> tuple[Topic, Subscription]:
        topics = [self.topic(topic_urn)] if topic_urn else list(self.topics.values())
        for topic in topics:
            for subscription in topic.subscriptions:
                if subscription.urn == subscription_urn:
                    topic.subscriptions.remove(subscription)
                    return topic, subscription
        raise errors.subscription_not_found(subscription_urn)

    def all_subscriptions(self) -> list[tuple[Topic, Subscription]]:
        return [(t, s) for t in self.topics.values() for s in t.subscriptions]

    # ------------------------------------------------------------ publish

    def publish(self, urn: str, body: Mapping[str, Any], request_id: str) -> dict[str, Any]:
        topic = self.topic(urn)
        structure = _validate_publish(body)
        entry = {
            "topic_urn": topic.urn, "topic_name": topic.name, "subject": body.get("subject"),
            "message": body.get("message"), "message_structure": structure,
            "message_structure_raw": body.get("message_structure"),
            "message_template_name": body.get("message_template_name"), "tags": body.get("tags"),
            "time_to_live": body.get("time_to_live"), "message_attributes": body.get("message_attributes"),
            "time": self.cloud.now_ms(), "message_id": self.cloud.new_id().replace("-", ""),
            "request_id": request_id,
        }
        self.outbox.append(entry)
        return entry


def _validate_publish(body: Mapping[str, Any]) -> dict[str, Any] | None:
    message, structure_raw, template = (body.get(k) for k in ("message", "message_structure",
                                                             "message_template_name"))
    if not any((message, structure_raw, template)):
        raise errors.bad_request("one of message, message_structure or message_template_name is required")
    for name in ("subject", "message", "message_structure", "message_template_name", "time_to_live"):
        if body.get(name) is not None and not isinstance(body[name], str):
            raise errors.bad_request(f"{name} must be a string")
    if len((body.get("subject") or "").encode()) > MAX_SUBJECT_BYTES:
        raise errors.bad_request(f"subject must be at most {MAX_SUBJECT_BYTES} bytes")
    if len((message or "").encode()) > MAX_MESSAGE_BYTES:
        raise errors.bad_request("message must be at most 256 KB")
    if template and not isinstance(body.get("tags"), dict):
        raise errors.bad_request("tags are required with message_template_name")
    if body.get("tags") is not None and not isinstance(body["tags"], dict):
        raise errors.bad_request("tags must be an object of strings")
    return _parse_structure(structure_raw) if structure_raw else None


def _parse_structure(raw: str) -> dict[str, Any]:
    try:
        structure = json.loads(raw)
    except ValueError:
        raise errors.bad_request("message_structure must be a JSON string") from None
    if not isinstance(structure, dict) or not isinstance(structure.get("default"), str):
        raise errors.bad_request("message_structure must contain a \"default\" string")
    unknown = sorted(set(structure) - {"default", *PROTOCOLS})
    if unknown:
        raise errors.bad_request(f"message_structure has unknown protocols: {', '.join(unknown)}")
    return structure
