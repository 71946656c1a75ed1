"""A rendering bug after the writes: the change, the report and a (plain) notification must all survive.

No real input breaks rendering any more (an event time past the year 9999 once did, and is now rejected by the
parser), so the bug is injected where it was: the time formatting the email uses for the trigger.
"""

from __future__ import annotations

import pytest

from tests.integration.harness import demo_world, invoke, load_event, metadata_of

DB_04 = "c0ffee00-1111-4222-8333-444455556604"  # V1 open: the metadata-options event remediates it
JOB = "ff80808288d41e1b018b1c1b0e3a0001"


@pytest.fixture
def broken_time_formatting(monkeypatch):
    def overflow(ms):
        raise OverflowError("date value out of range")

    monkeypatch.setattr("bmsguard.phrases.iso_utc", overflow)


@pytest.mark.usefixtures("broken_time_formatting")
def test_rendering_error_after_the_writes_keeps_the_report_and_sends_a_plain_message(localcloud):
    cloud = localcloud(demo_world())
    run = invoke(cloud, load_event("cts_bms_metadata_options_v1.json"))

    assert not run.raised and run.report["status"] == "ok"
    assert metadata_of(cloud, DB_04) == "enabled/required"
    server = run.server(DB_04)
    assert server["status"] == "remediated" and server["notified"] is True
    assert "render failed: OverflowError: date value out of range" in run.report["reason"]
    (message,) = run.published
    assert DB_04 in message["subject"] and "remediated" in message["subject"]
    email = message["message_structure"]["email"]
    assert "require_metadata_v2: applied" in email and "could not be rendered (render failed: OverflowError" in email


@pytest.mark.usefixtures("broken_time_formatting")
def test_rendering_error_in_the_event_failure_message_still_fails_the_event_with_a_plain_message(localcloud):
    world = demo_world()
    next(j for j in world["jobs"] if j["id"] == JOB)["success_after_reads"] = 100
    cloud = localcloud(world)
    event = load_event("cts_bms_create_api.json")
    event["cts"]["response"]["job_id"] = JOB
    run = invoke(cloud, event)

    assert run.raised and run.report["retryable"] and "still running" in run.report["reason"]
    assert "the failure notification was sent as plain text" in run.report["reason"]
    (message,) = run.published
    assert message["tags"]["status"] == "event_failed"
    assert "still running" in message["message_structure"]["email"]
