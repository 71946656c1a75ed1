"""SMN v2 routes, as ``huaweicloudsdksmn/v2/smn_client.py`` builds them (topic URNs arrive URL-encoded)."""

from __future__ import annotations

from typing import Any

from localcloud.scoping import in_project
from localcloud.smn import errors
from localcloud.smn.backend import Subscription, Topic
from localcloud.wire import Reply, Request, Route

TOPICS = "/v2/{project_id}/notifications/topics"
TOPIC = TOPICS + "/{topic_urn}"


def create_topic(cloud: Any, request: Request, project_id: str) -> Reply:
    body = request.json_object(errors.bad_request)
    topic = cloud.smn.create_topic(body.get("name"), body.get("display_name") or "",
                                   body.get("enterprise_project_id") or "0")
    return Reply(body={"request_id": request.request_id, "topic_urn": topic.urn}, resource=(topic.urn, topic.name))


def list_topics(cloud: Any, request: Request, project_id: str) -> Reply:
    topics = list(cloud.smn.topics.values())
    if request.arg("name"):
        topics = [t for t in topics if t.name == request.arg("name")]
    if request.arg("fuzzy_name"):
        topics = [t for t in topics if request.arg("fuzzy_name") in t.name]
    page = _page(request, topics)
    return Reply(body={"request_id": request.request_id, "topic_count": len(topics),
                       "topics": [_topic_view(t) for t in page]})


def show_topic(cloud: Any, request: Request, project_id: str, topic_urn: str) -> Reply:
    return Reply(body={"request_id": request.request_id, **_topic_view(cloud.smn.topic(topic_urn))})


def update_topic(cloud: Any, request: Request, project_id: str, topic_urn: str) -> Reply:
    display_name = request.json_object(errors.bad_request).get("display_name")
    if not isinstance(display_name, str):
        raise errors.bad_request("display_name is required")
    topic = cloud.smn.update_topic(topic_urn, display_name)
    return Reply(body={"request_id": request.request_id}, resource=(topic.urn, topic.name))


def delete_topic(cloud: Any, request: Request, project_id: str, topic_urn: str) -> Reply:
    topic = cloud.smn.delete_topic(topic_urn)
    return Reply(body={"request_id": request.request_id}, resource=(topic.urn, topic.name))


def list_topic_subscriptions(cloud: Any, request: Request, project_id: str, topic_urn: str) -> Reply:
    topic = cloud.smn.topic(topic_urn)
    page = _page(request, topic.subscriptions)
    return Reply(body={"request_id": request.request_id, "subscription_count": len(topic.subscriptions),
                       "subscriptions": [_subscription_view(cloud, topic, s) for s in page]})


def list_subscriptions(cloud: Any, request: Request, project_id: str) -> Reply:
    pairs = cloud.smn.all_subscriptions()
    for name in ("protocol", "endpoint"):
        if request.arg(name):
            pairs = [(t, s) for t, s in pairs if getattr(s, name) == request.arg(name)]
    page = _page(request, pairs)
    return Reply(body={"request_id": request.request_id, "subscription_count": len(pairs),
                       "subscriptions": [_subscription_view(cloud, t, s) for t, s in page]})


def add_subscription(cloud: Any, request: Request, project_id: str, topic_urn: str) -> Reply:
    body = request.json_object(errors.bad_request)
    subscription = cloud.smn.subscribe(topic_urn, body.get("protocol"), body.get("endpoint"),
                                       body.get("remark") or "")
    topic = cloud.smn.topic(topic_urn)
    return Reply(body={"request_id": request.request_id, "subscription_urn": subscription.urn},
                 resource=(subscription.urn, topic.name))


def delete_topic_subscription(cloud: Any, request: Request, project_id: str, topic_urn: str,
                              subscription_urn: str) -> Reply:
    topic, subscription = cloud.smn.unsubscribe(subscription_urn, topic_urn)
    return Reply(body={"request_id": request.request_id}, resource=(subscription.urn, topic.name))


def cancel_subscription(cloud: Any, request: Request, project_id: str, subscription_urn: str) -> Reply:
    topic, subscription = cloud.smn.unsubscribe(subscription_urn)
    return Reply(body={"request_id": request.request_id}, resource=(subscription.urn, topic.name))


def publish(cloud: Any, request: Request, project_id: str, topic_urn: str) -> Reply:
    entry = cloud.smn.publish(topic_urn, request.json_object(errors.bad_request), request.request_id)
    return Reply(body={"request_id": request.request_id, "message_id": entry["message_id"]},
                 resource=(entry["topic_urn"], entry["topic_name"]))


def _topic_view(topic: Topic) -> dict[str, Any]:
    return {"topic_urn": topic.urn, "name": topic.name, "display_name": topic.display_name, "push_policy": 0,
            "enterprise_project_id": topic.enterprise_project_id, "topic_id": topic.topic_id,
            "create_time": topic.create_time, "update_time": topic.update_time}


def _subscription_view(cloud: Any, topic: Topic, subscription: Subscription) -> dict[str, Any]:
    return {"topic_urn": topic.urn, "protocol": subscription.protocol, "subscription_urn": subscription.urn,
            "owner": cloud.project_id, "endpoint": subscription.endpoint, "remark": subscription.remark,
            "status": subscription.status}


def _page(request: Request, items: list[Any]) -> list[Any]:
    offset = request.int_arg("offset", 0, 0, None, errors.bad_request)
    limit = request.int_arg("limit", 100, 1, 100, errors.bad_request)
    return items[offset:offset + limit]


def _read(method: str, pattern: str, operation: str, handler: Any) -> Route:
    return Route(method, pattern, "smn", operation, in_project(handler))


def _write(method: str, pattern: str, operation: str, handler: Any, trace_name: str, resource_type: str) -> Route:
    return Route(method, pattern, "smn", operation, in_project(handler), writes=True, trace_name=trace_name,
                 resource_type=resource_type)


ROUTES = [
    _write("POST", TOPICS, "CreateTopic", create_topic, "createTopic", "topic"),
    _read("GET", TOPICS, "ListTopics", list_topics),
    _read("GET", TOPIC, "ListTopicDetails", show_topic),
    _write("PUT", TOPIC, "UpdateTopic", update_topic, "updateTopic", "topic"),
    _write("DELETE", TOPIC, "DeleteTopic", delete_topic, "deleteTopic", "topic"),
    _read("GET", TOPIC + "/subscriptions", "ListSubscriptionsByTopic", list_topic_subscriptions),
    _write("POST", TOPIC + "/subscriptions", "AddSubscription", add_subscription, "subscribe", "subscription"),
    _write("DELETE", TOPIC + "/subscriptions/{subscription_urn}", "DeleteSubscriptionsByTopic",
           delete_topic_subscription, "deleteSubscription", "subscription"),
    _read("GET", "/v2/{project_id}/notifications/subscriptions", "ListSubscriptions", list_subscriptions),
    _write("DELETE", "/v2/{project_id}/notifications/subscriptions/{subscription_urn}", "CancelSubscription",
           cancel_subscription, "deleteSubscription", "subscription"),
    _write("POST", TOPIC + "/publish", "PublishMessage", publish, "publishMessage", "topic"),
]
