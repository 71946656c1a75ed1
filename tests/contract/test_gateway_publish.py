"""The gateway's SMN publish through the official SDK, against localcloud: what reaches SMN."""

from __future__ import annotations

import json

from bmsguard.cloud.clients import Target
from bmsguard.cloud.gateway import HuaweiCloudGateway
from bmsguard.cloud.retry import Deadline, RetryPolicy
from bmsguard.render import MESSAGE_MAX_BYTES, Notification
from bmsguard.settings import Credentials

WORLD = {"topics": [{"name": "bmsguard-alerts"}]}


def gateway(cloud) -> HuaweiCloudGateway:
    key = cloud.credential()
    target = Target(region=cloud.region, project_id=cloud.project_id, domain_id=cloud.domain_id,
                    credentials=Credentials(key.ak, key.sk, key.security_token or ""))
    return HuaweiCloudGateway(target, RetryPolicy(deadline=Deadline.after(60_000), sleep=lambda _s: None))


def test_a_structure_sized_to_the_limit_reaches_smn_within_it(localcloud):
    """render sizes message_structure as compact JSON; the gateway must send that form, not a wider one."""
    cloud = localcloud(WORLD)
    empty = {"default": "hardened", "email": ""}
    filler = MESSAGE_MAX_BYTES - len(json.dumps(empty, separators=(",", ":")).encode())
    notification = Notification(subject="bmsguard: test", message="hardened",
                                message_structure={"default": "hardened", "email": "e" * filler})

    gateway(cloud).publish(f"urn:smn:{cloud.region}:{cloud.project_id}:bmsguard-alerts", notification)

    (sent,) = cloud.outbox
    assert len(sent["message_structure_raw"].encode()) <= MESSAGE_MAX_BYTES
    assert sent["message_structure"] == notification.message_structure


def test_a_notification_without_a_structure_sends_only_the_message(localcloud):
    cloud = localcloud(WORLD)
    notification = Notification(subject="bmsguard: test", message="plain text")

    gateway(cloud).publish(f"urn:smn:{cloud.region}:{cloud.project_id}:bmsguard-alerts", notification)

    (sent,) = cloud.outbox
    assert (sent["message"], sent["message_structure_raw"]) == ("plain text", None)
