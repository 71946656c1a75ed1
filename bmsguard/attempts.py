"""Loop breaker, second line: a cap on remediations per server within one warm container.

The first line is ignoring events caused by our own identity (``service``). This cap catches what that
misses (another automation fighting ours, say). It is in memory and per container by design: a new
container starts from zero, and the timer sweep plus FunctionGraph's async retry cover the rest. The
ledger is owned by whoever composes the service (the handler keeps one per container), never a class global.
"""

from __future__ import annotations

from collections.abc import Callable

from bmsguard.cloud.retry import wall_clock_ms


class RemediationLedger:
    """How many times each server was remediated within the last ``window_ms``."""

    def __init__(self, max_per_server: int, window_ms: int, clock: Callable[[], int] = wall_clock_ms):
        self.max_per_server = max_per_server
        self.window_ms = window_ms
        self._clock = clock
        self._times: dict[str, list[int]] = {}

    def allows(self, server_id: str) -> bool:
        return len(self._recent(server_id)) < self.max_per_server

    def record(self, server_id: str) -> None:
        self._times[server_id] = [*self._recent(server_id), self._clock()]

    def _recent(self, server_id: str) -> list[int]:
        horizon = self._clock() - self.window_ms
        return [t for t in self._times.get(server_id, ()) if t > horizon]
