"""The one retry layer: tenacity, transient errors only, jittered backoff, bounded by the function's deadline.

The SDK's own transport retry is switched off (``HttpConfig.retry_times = 0``) and FunctionGraph's async
retry sits above us, so retries do not multiply. Sleep and clock are injected: tests never really wait.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from bmsguard.errors import CloudError, OutOfTime, TransientCloudError

T = TypeVar("T")
Clock = Callable[[], int]  # epoch milliseconds
Sleep = Callable[[float], None]  # seconds

SAFETY_MARGIN_MS = 3_000  # kept back for logging the report and publishing the failure notification


def wall_clock_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True)
class Deadline:
    """The moment by which the invocation must be wrapping up (epoch ms), read through ``clock``."""

    at_ms: int
    clock: Clock = wall_clock_ms

    @classmethod
    def from_context(cls, context, clock: Clock = wall_clock_ms, margin_ms: int = SAFETY_MARGIN_MS) -> Deadline:
        remaining = context.getRemainingTimeInMilliSeconds()
        return cls(at_ms=clock() + int(remaining) - margin_ms, clock=clock)

    @classmethod
    def after(cls, ms: int, clock: Clock = wall_clock_ms) -> Deadline:
        return cls(at_ms=clock() + ms, clock=clock)

    def remaining_ms(self) -> int:
        return self.at_ms - self.clock()

    @property
    def expired(self) -> bool:
        return self.remaining_ms() <= 0


@dataclass(frozen=True)
class RetryPolicy:
    deadline: Deadline
    sleep: Sleep = time.sleep
    max_attempts: int = 5
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    min_call_ms: int = 500  # do not start another attempt with less time than this left
    jitter: Callable[[float, float], float] = random.uniform

    def call(self, fn: Callable[[], T]) -> tuple[T, int]:
        """Run ``fn``, retrying TransientCloudError; return (result, attempts).

        The final error is raised with ``attempts`` set. OutOfTime is raised if the deadline has passed
        before the first attempt.
        """
        import tenacity

        if self.deadline.remaining_ms() < self.min_call_ms:
            raise OutOfTime(f"only {max(self.deadline.remaining_ms(), 0)} ms left before the deadline")
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(TransientCloudError),
            stop=self._stop,
            wait=self._wait,
            sleep=self.sleep,
            reraise=True,
        )
        attempts = 0

        def attempt() -> T:
            nonlocal attempts
            attempts += 1
            return fn()

        try:
            return retrying(attempt), attempts
        except CloudError as exc:
            exc.attempts = attempts
            raise

    def _stop(self, retry_state) -> bool:
        if retry_state.attempt_number >= self.max_attempts:
            return True
        return self.deadline.remaining_ms() - self._backoff_s(retry_state.attempt_number) * 1000 < self.min_call_ms

    def _wait(self, retry_state) -> float:
        ceiling = self._backoff_s(retry_state.attempt_number)
        return self.jitter(ceiling / 2, ceiling)

    def _backoff_s(self, attempt_number: int) -> float:
        return min(self.max_delay_s, self.base_delay_s * 2 ** (attempt_number - 1))


def poll_until(ready: Callable[[], T | None], *, budget_s: float, deadline: Deadline, sleep: Sleep,
               first_delay_s: float = 2.0, max_delay_s: float = 30.0) -> T | None:
    """Call ``ready`` until it returns something other than None, backing off between calls.

    The wait is bounded by ``budget_s`` of *planned* sleep (so a no-op sleep in tests still ends after a
    few polls) and by the deadline. Returns None if it never got ready within the bounds.
    """
    waited = 0.0
    delay = first_delay_s
    while True:
        result = ready()
        if result is not None:
            return result
        delay = min(delay, max_delay_s, budget_s - waited)
        if delay <= 0 or deadline.remaining_ms() - delay * 1000 < 1000:
            return None
        sleep(delay)
        waited += delay
        delay *= 2
