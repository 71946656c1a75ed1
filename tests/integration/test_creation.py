"""Creation events: jobs finishing late or partly failing, servers still building, unsupported regions."""

from __future__ import annotations

from tests.integration.harness import (
    BATCH_02,
    PROD_01,
    WEB_03,
    FakeClock,
    demo_world,
    invoke,
    load_event,
    metadata_of,
    server_entry,
)

JOB = "ff80808288d41e1b018b1c1b0e3a0001"
FAILED_SERVER = "dead0000-1111-4222-8333-444455556699"


def creation_event(job_id: str = JOB) -> dict:
    event = load_event("cts_bms_create_api.json")
    event["cts"]["response"]["job_id"] = job_id
    return event


def world_with_job(**job_changes) -> dict:
    world = demo_world()
    job = next(j for j in world["jobs"] if j["id"] == JOB)
    job.update(job_changes)
    return world


def test_job_finishing_late_is_waited_for(localcloud):
    cloud = localcloud(world_with_job(success_after_reads=4))
    run = invoke(cloud, creation_event())
    assert run.statuses() == {PROD_01: "remediated"}
    assert run.sleeps.calls[:4] == [2.0, 4.0, 8.0, 16.0]
    assert metadata_of(cloud, PROD_01) == "enabled/required"


def test_job_still_running_after_the_wait_fails_the_event_for_retry(localcloud):
    cloud = localcloud(world_with_job(success_after_reads=100))
    run = invoke(cloud, creation_event())
    assert run.raised and run.report["retryable"]
    assert "still running" in run.report["reason"]
    assert sum(run.sleeps.calls) <= 120  # policy limits.build_wait_seconds
    assert run.writes() == []
    assert [m["tags"]["status"] for m in run.published] == ["event_failed"]
    assert JOB in str(run.error)  # the exception message carries the compact report


def test_partly_failed_job_hardens_the_server_that_exists_and_reports_the_failed_one(localcloud):
    cloud = localcloud(world_with_job(failed_servers=[FAILED_SERVER]))
    run = invoke(cloud, creation_event())
    assert not run.raised  # a failed sub-job is not ours to retry
    assert run.statuses() == {PROD_01: "remediated", FAILED_SERVER: "failed"}
    failed = run.server(FAILED_SERVER)
    assert failed["error_code"] == "BMS.0216" and "sub-job failed" in failed["error"]
    assert metadata_of(cloud, PROD_01) == "enabled/required"
    assert len(run.published) == 2


def test_building_server_turning_active_in_time_is_remediated(localcloud):
    world = demo_world()
    server_entry(world, PROD_01)["active_after_reads"] = 3
    cloud = localcloud(world)
    run = invoke(cloud, {"server_ids": [PROD_01]})
    assert run.statuses() == {PROD_01: "remediated"}
    assert run.sleeps.calls == [2.0, 4.0, 8.0]


def test_building_server_not_active_in_time_is_a_retryable_failure(localcloud):
    world = demo_world()
    server_entry(world, PROD_01)["active_after_reads"] = 1000
    cloud = localcloud(world)
    run = invoke(cloud, {"server_ids": [PROD_01]}, clock=FakeClock(), timeout_s=20)
    assert run.raised
    assert run.server(PROD_01)["status"] == "not_ready" and run.server(PROD_01)["retryable"]
    # the wait stays inside the remaining time (20 s minus the 3 s safety margin)
    assert sum(run.sleeps.calls) <= 17 and run.sleeps.calls == [2.0, 4.0, 8.0]
    assert run.writes() == []
    assert metadata_of(cloud, PROD_01) == "enabled/optional"
    assert "event_failed" in {m["tags"].get("status") for m in run.published}


def test_unsupported_region_is_reported_with_console_steps(localcloud):
    cloud = localcloud(demo_world(metadata_options_regions=["la-south-2"]))
    run = invoke(cloud, {"server_ids": [WEB_03]})
    assert not run.raised
    outcome = run.server(WEB_03)
    assert outcome["posture"]["metadata_state"] == "unsupported_region"
    assert outcome["status"] == "reported"
    assert any(f["rule_id"] == "metadata.unsupported-region" and "console" in f["reason"]
               for f in outcome["findings"])
    assert run.writes() == [] and len(run.published) == 1


def test_server_deleted_before_inspection_is_gone_and_quiet(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    run = invoke(cloud, {"server_ids": ["0000dead-0000-4000-8000-000000000000"]})
    assert not run.raised
    assert run.statuses() == {"0000dead-0000-4000-8000-000000000000": "gone"}
    assert run.published == []


def test_sweep_that_runs_out_of_time_fails_for_retry(localcloud):
    world = demo_world()
    for server_id in (PROD_01, BATCH_02):  # the first two servers of the listing never finish building
        server_entry(world, server_id).update(status="BUILD", active_after_reads=1000)
    cloud = localcloud(world)
    run = invoke(cloud, load_event("timer_sweep.json"), clock=FakeClock(), timeout_s=20)
    assert run.raised and run.report["retryable"]
    assert "sweep stopped after 2 of 6 servers" in run.report["reason"]
    assert set(run.statuses().values()) == {"not_ready"}
    assert run.writes() == []
