"""Exemptions as the notification shows them: an expired one is named in the email (and no longer protects);
a valid one suspends what it covers and is listed as applied, or keeps a fully covered server quiet."""

from __future__ import annotations

import json

from tests.integration.harness import (
    APP_06,
    demo_world,
    grants_of,
    invoke,
    metadata_of,
    policy_with,
    server_entry,
)

OWNER = "vendor-team@example.com"
REASON = "agent reads metadata V1 (ticket OPS-1234)"


def exemptions(expires: str, covers: str = "[metadata, agency]") -> str:
    entry = (f"  - {{server_id: {APP_06}, owner: {OWNER}, reason: '{REASON}', expires: '{expires}', "
             f"covers: {covers}}}\n")
    return policy_with(**{"exemptions: []\n": "exemptions:\n" + entry})


def v1_open_world():
    world = demo_world()
    server_entry(world, APP_06)["metadata_options"]["http_tokens"] = "optional"
    return world


def test_expired_exemption_is_remediated_and_named_in_the_email(localcloud):
    cloud = localcloud(v1_open_world())

    run = invoke(cloud, {"server_ids": [APP_06]}, BMSGUARD_POLICY=exemptions("2020-01-31"))

    assert run.statuses() == {APP_06: "remediated"} and not run.raised
    assert metadata_of(cloud, APP_06) == "enabled/required"
    assert grants_of(cloud, "bms_ops_agency") == {"BMSReadOnlyPolicy", "OBS ReadOnlyAccess"}
    server = run.server(APP_06)
    assert server["exemptions"] == []
    assert [(e["owner"], e["expires"]) for e in server["expired_exemptions"]] == [(OWNER, "2020-01-31")]
    (message,) = run.published
    email = message["message_structure"]["email"]
    expired_lines = [line for line in email.splitlines() if "EXPIRED" in line]
    assert len(expired_lines) == 1
    assert all(part in expired_lines[0] for part in (APP_06, f"owner {OWNER}", REASON, "until 2020-01-31"))
    assert "applied:" not in email
    http = json.loads(message["message_structure"]["http"])
    assert [e["owner"] for e in http["outcome"]["expired_exemptions"]] == [OWNER]


def test_valid_exemption_for_everything_changes_nothing_and_publishes_nothing(localcloud):
    cloud = localcloud(v1_open_world())

    run = invoke(cloud, {"server_ids": [APP_06]}, BMSGUARD_POLICY=exemptions("2999-12-31"))

    assert run.statuses() == {APP_06: "exempt"} and not run.raised
    assert run.server(APP_06)["expired_exemptions"] == []
    assert run.writes() == [] and run.published == [] and cloud.outbox == []
    assert metadata_of(cloud, APP_06) == "enabled/optional"
    assert "FullAccess" in grants_of(cloud, "bms_ops_agency")


def test_valid_metadata_exemption_leaves_metadata_and_the_email_lists_it_as_applied(localcloud):
    cloud = localcloud(v1_open_world())

    run = invoke(cloud, {"server_ids": [APP_06]}, BMSGUARD_POLICY=exemptions("2999-12-31", "[metadata]"))

    assert run.statuses() == {APP_06: "remediated"}
    assert metadata_of(cloud, APP_06) == "enabled/optional"
    assert grants_of(cloud, "bms_ops_agency") == {"BMSReadOnlyPolicy", "OBS ReadOnlyAccess"}
    assert "updateMetadataOptions" not in run.writes()
    (message,) = run.published
    email = message["message_structure"]["email"]
    (applied,) = [line for line in email.splitlines() if "applied: " in line and OWNER in line]
    assert "until 2999-12-31" in applied and "covers metadata" in applied
    assert "EXPIRED" not in email
