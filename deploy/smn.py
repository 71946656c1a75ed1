"""The SMN topic and its subscriptions: read what exists, create / update / delete through the SMN v2 SDK."""

from __future__ import annotations

from deploy.resources import Applying, Resource
from deploy.session import Session, call, model

KINDS = ("topic", "subscription")
PAGE = 100


def read(session: Session, topic_name: str, stack_marker: str) -> list[Resource]:
    client = session.client("smn")
    body = call(client, "list_topics", model("smn", "ListTopicsRequest", name=topic_name, limit=PAGE)) or {}
    found = [t for t in body.get("topics", []) if t.get("name") == topic_name]
    if not found:
        return []
    topic = found[0]
    urn, display_name = topic["topic_urn"], topic.get("display_name") or ""
    resources = [Resource.of("topic", topic_name, {"display_name": display_name}, ident=urn,
                             owned=stack_marker in display_name)]
    for sub in _subscriptions(session, urn):
        remark = sub.get("remark") or ""
        resources.append(Resource.of("subscription", f"{topic_name}/{sub.get('protocol')}:{sub.get('endpoint')}",
                                     {}, ident=sub["subscription_urn"], owned=stack_marker in remark))
    return resources


def _subscriptions(session: Session, topic_urn: str) -> list[dict]:
    found, offset = [], 0
    while True:
        request = model("smn", "ListSubscriptionsByTopicRequest", topic_urn=topic_urn, offset=offset, limit=PAGE)
        page = (call(session.client("smn"), "list_subscriptions_by_topic", request) or {}).get("subscriptions", [])
        found.extend(page)
        if len(page) < PAGE:
            return found
        offset += PAGE


def create(applying: Applying, desired: Resource) -> None:
    session, ids = applying.session, applying.ids
    if desired.kind == "topic":
        body = model("smn", "CreateTopicRequestBody", name=desired.key, display_name=desired.prop("display_name"))
        response = call(session.client("smn"), "create_topic", model("smn", "CreateTopicRequest", body=body)) or {}
        ids[desired.label] = response.get("topic_urn", "")
        return
    sub = desired.spec
    body = model("smn", "AddSubscriptionRequestBody", protocol=sub.protocol, endpoint=sub.endpoint,
                 remark=sub.remark)
    request = model("smn", "AddSubscriptionRequest", topic_urn=_topic_urn(desired, ids), body=body)
    call(session.client("smn"), "add_subscription", request)


def update(applying: Applying, desired: Resource, current: Resource) -> None:
    """Only a topic's display name is updated in place; subscriptions have no managed settings."""
    body = model("smn", "UpdateTopicRequestBody", display_name=desired.prop("display_name"))
    call(applying.session.client("smn"), "update_topic",
         model("smn", "UpdateTopicRequest", topic_urn=current.ident, body=body))


def delete(applying: Applying, current: Resource) -> None:
    session = applying.session
    if current.kind == "topic":
        call(session.client("smn"), "delete_topic", model("smn", "DeleteTopicRequest", topic_urn=current.ident))
        return
    call(session.client("smn"), "cancel_subscription",
         model("smn", "CancelSubscriptionRequest", subscription_urn=current.ident))


def _topic_urn(subscription: Resource, ids: dict[str, str]) -> str:
    topic_name = subscription.key.split("/", 1)[0]
    return ids[f"topic {topic_name}"]
