"""The official SmnClient against localcloud (in process and over HTTP; read-only checks also live)."""

from __future__ import annotations

import json

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdksmn.v2 import (
    AddSubscriptionRequest,
    AddSubscriptionRequestBody,
    CreateTopicRequest,
    CreateTopicRequestBody,
    DeleteSubscriptionsByTopicRequest,
    DeleteTopicRequest,
    ListSubscriptionsByTopicRequest,
    ListTopicDetailsRequest,
    ListTopicsRequest,
    PublishMessageRequest,
    PublishMessageRequestBody,
)

WORLD = {"topics": [{"name": "bmsguard-alerts",
                     "subscriptions": [{"protocol": "email", "endpoint": "secops@example.com"}]}]}


def alerts_urn(t):
    return f"urn:smn:{t.region}:{t.project_id}:bmsguard-alerts"


def publish(t, **body):
    return t.smn().publish_message(PublishMessageRequest(topic_urn=alerts_urn(t),
                                                         body=PublishMessageRequestBody(**body)))


def test_publish_keeps_an_ordered_outbox_entry_with_the_structure_parsed_and_raw(target):
    t = target(WORLD)
    cloud = t.require_emulator()
    structure = json.dumps({"default": "IMDS hardened", "email": "IMDS hardened on bms-prod-01"})

    first = publish(t, subject="BMS remediated", message_structure=structure, tags={"server": "bms-prod-01"})
    publish(t, subject="second", message="plain text")

    entry = cloud.outbox[0]
    assert first.message_id == entry["message_id"] and first.request_id
    assert (entry["topic_urn"], entry["subject"]) == (alerts_urn(t), "BMS remediated")
    assert entry["message_structure"]["email"] == "IMDS hardened on bms-prod-01"
    assert entry["message_structure_raw"] == structure
    assert entry["tags"] == {"server": "bms-prod-01"} and isinstance(entry["time"], int)
    assert [e["subject"] for e in cloud.outbox] == ["BMS remediated", "second"]
    assert cloud.outbox[1]["message"] == "plain text" and cloud.outbox[1]["message_structure"] is None


def test_publish_is_traced_as_publish_message_on_the_topic(target):
    t = target(WORLD)
    cloud = t.require_emulator()

    answer = publish(t, subject="s", message="m")

    (trace,) = cloud.traces
    assert (trace["service_type"], trace["resource_type"], trace["trace_name"]) == ("SMN", "topic", "publishMessage")
    assert (trace["resource_id"], trace["resource_name"]) == (alerts_urn(t), "bmsguard-alerts")
    assert trace["response"]["message_id"] == answer.message_id


@pytest.mark.parametrize("body, problem", [
    ({"subject": "no message"}, "one of message"),
    ({"message_structure": json.dumps({"email": "x"})}, "default"),
    ({"message_structure": "not json"}, "JSON"),
    ({"subject": "x" * 513, "message": "m"}, "512 bytes"),
])
def test_invalid_publish_is_a_400_and_nothing_is_sent(target, body, problem):
    t = target(WORLD)
    cloud = t.require_emulator()

    with pytest.raises(ClientRequestException) as caught:
        publish(t, **body)

    assert caught.value.status_code == 400 and problem in caught.value.error_msg
    assert cloud.outbox == []


def test_publish_to_an_unknown_topic_is_a_404(target):
    t = target(WORLD)
    cloud = t.require_emulator()
    urn = f"urn:smn:{t.region}:{t.project_id}:nobody-listens"

    with pytest.raises(ClientRequestException) as caught:
        t.smn().publish_message(PublishMessageRequest(topic_urn=urn, body=PublishMessageRequestBody(message="m")))

    assert caught.value.status_code == 404
    assert cloud.outbox == []


def test_rate_limited_publish_answers_apig_0308_with_its_body(target):
    t = target(WORLD)
    cloud = t.require_emulator()
    cloud.set_rate_limit(service="smn", operation="PublishMessage", rate=0.001, burst=1)

    publish(t, message="first fits in the bucket")
    with pytest.raises(ClientRequestException) as caught:
        publish(t, message="second is throttled")

    assert (caught.value.status_code, caught.value.error_code) == (429, "APIG.0308")
    assert "policy user over ratelimit" in caught.value.error_msg
    assert [e["message"] for e in cloud.outbox] == ["first fits in the bucket"]


def test_topics_are_listed_and_shown(target):
    t = target(WORLD)

    listed = t.smn().list_topics(ListTopicsRequest(limit=10))

    assert isinstance(listed.topic_count, int)
    if t.emulated:
        assert [topic.topic_urn for topic in listed.topics] == [alerts_urn(t)]
        shown = t.smn().list_topic_details(ListTopicDetailsRequest(topic_urn=alerts_urn(t)))
        assert (shown.name, shown.topic_urn) == ("bmsguard-alerts", alerts_urn(t))


def test_topic_lifecycle_with_subscriptions(target):
    t = target({"topics": []})
    cloud = t.require_emulator()
    client = t.smn()

    urn = client.create_topic(CreateTopicRequest(body=CreateTopicRequestBody(name="ops", display_name="Ops"))).topic_urn
    again = client.create_topic(CreateTopicRequest(body=CreateTopicRequestBody(name="ops"))).topic_urn
    sub = client.add_subscription(AddSubscriptionRequest(topic_urn=urn, body=AddSubscriptionRequestBody(
        protocol="email", endpoint="ops@example.com", remark="on call"))).subscription_urn
    listed = client.list_subscriptions_by_topic(ListSubscriptionsByTopicRequest(topic_urn=urn))

    assert urn == again == f"urn:smn:{t.region}:{t.project_id}:ops"
    assert [(s.subscription_urn, s.protocol, s.endpoint) for s in listed.subscriptions] == [
        (sub, "email", "ops@example.com")]
    assert cloud.dump()["topics"] == [{"name": "ops", "display_name": "Ops", "subscriptions": [
        {"protocol": "email", "endpoint": "ops@example.com", "remark": "on call", "status": 0}]}]

    client.delete_subscriptions_by_topic(DeleteSubscriptionsByTopicRequest(topic_urn=urn, subscription_urn=sub))
    client.delete_topic(DeleteTopicRequest(topic_urn=urn))

    assert cloud.dump()["topics"] == []
    assert [tr["trace_name"] for tr in cloud.traces] == [
        "createTopic", "createTopic", "subscribe", "deleteSubscription", "deleteTopic"]


def test_subscription_with_an_unknown_protocol_is_a_400(target):
    t = target(WORLD)
    t.require_emulator()

    with pytest.raises(ClientRequestException) as caught:
        t.smn().add_subscription(AddSubscriptionRequest(topic_urn=alerts_urn(t), body=AddSubscriptionRequestBody(
            protocol="pigeon", endpoint="loft")))

    assert caught.value.status_code == 400 and "protocol" in caught.value.error_msg


@pytest.mark.parametrize(("query", "problem"), [
    (dict(limit=500), "limit must be an integer from 1 to 100, got '500'"),
    (dict(offset=-1), "offset must be an integer of at least 0, got '-1'"),
])
def test_a_list_query_out_of_bounds_is_a_400_naming_the_parameter(target, query, problem):
    t = target(WORLD)
    t.require_emulator()

    with pytest.raises(ClientRequestException) as caught:
        t.smn().list_topics(ListTopicsRequest(**query))

    assert caught.value.status_code == 400
    assert problem in caught.value.error_msg
