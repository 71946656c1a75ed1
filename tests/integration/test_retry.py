"""The retry policy and bounded polling: transient errors only, jittered backoff, never past the deadline."""

from __future__ import annotations

import pytest

from bmsguard.cloud.retry import Deadline, RetryPolicy, poll_until
from bmsguard.errors import AccessDenied, OutOfTime, TransientCloudError
from tests.integration.harness import FakeClock, Sleeps


def flaky(failures: int, error=TransientCloudError):
    calls = []

    def call():
        calls.append(1)
        if len(calls) <= failures:
            raise error("boom", status=503)
        return "done"

    return call, calls


def test_transient_errors_are_retried_with_growing_jittered_waits():
    clock = FakeClock()
    sleeps = Sleeps(clock)
    call, calls = flaky(3)
    policy = RetryPolicy(deadline=Deadline.after(60_000, clock), sleep=sleeps)
    assert policy.call(call) == ("done", 4)
    assert len(calls) == 4 and len(sleeps.calls) == 3
    assert all(c / 2 <= s <= c for s, c in zip(sleeps.calls, (0.5, 1.0, 2.0), strict=True))


def test_terminal_errors_are_not_retried():
    call, calls = flaky(1, AccessDenied)
    with pytest.raises(AccessDenied) as caught:
        RetryPolicy(deadline=Deadline.after(60_000), sleep=Sleeps()).call(call)
    assert len(calls) == 1 and caught.value.attempts == 1


def test_attempts_are_capped():
    call, calls = flaky(100)
    with pytest.raises(TransientCloudError) as caught:
        RetryPolicy(deadline=Deadline.after(600_000), sleep=Sleeps(), max_attempts=4).call(call)
    assert len(calls) == 4 == caught.value.attempts


def test_retries_stop_before_the_deadline():
    clock = FakeClock()
    sleeps = Sleeps(clock)
    call, calls = flaky(100)
    with pytest.raises(TransientCloudError):
        RetryPolicy(deadline=Deadline.after(2_500, clock), sleep=sleeps, max_attempts=10).call(call)
    assert sum(sleeps.calls) * 1000 <= 2_500 - 500  # min_call_ms kept for the last attempt
    assert len(calls) >= 2


def test_no_attempt_once_out_of_time():
    call, calls = flaky(0)
    with pytest.raises(OutOfTime):
        RetryPolicy(deadline=Deadline.after(100), sleep=Sleeps()).call(call)
    assert calls == []


def test_deadline_from_context_keeps_a_safety_margin():
    class Context:
        def getRemainingTimeInMilliSeconds(self):  # noqa: N802
            return 10_000

    clock = FakeClock()
    assert Deadline.from_context(Context(), clock).remaining_ms() == 7_000


def test_poll_until_backs_off_within_its_budget():
    sleeps = Sleeps()
    answers = iter([None, None, "ready"])
    assert poll_until(lambda: next(answers), budget_s=100, deadline=Deadline.after(600_000),
                      sleep=sleeps) == "ready"
    assert sleeps.calls == [2.0, 4.0]
    sleeps = Sleeps()
    assert poll_until(lambda: None, budget_s=20, deadline=Deadline.after(600_000), sleep=sleeps) is None
    assert sleeps.calls == [2.0, 4.0, 8.0, 6.0]  # the last wait is cut to the budget
