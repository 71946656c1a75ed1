"""Injected faults (an error for the next N calls or with a seeded probability, added latency, a write
that answers like a success but is lost) and token-bucket rate limits answering 429 ``APIG.0308`` like
Huawei's API gateway."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from localcloud.wire import ApiError, WorldError
from localcloud.world import Fields

THROTTLE_CODE = "APIG.0308"
_DEFAULT_MESSAGES = {
    400: "Bad request", 401: "Incorrect IAM authentication information", 403: "Forbidden",
    404: "Not found", 409: "Conflict", 500: "Internal server error", 502: "Bad gateway",
    503: "Service unavailable", 504: "Backend timeout",
}


def throttle_message(limit: int) -> str:
    return f"The throttling threshold has been reached: policy user over ratelimit,limit:{limit},time:1 second"


@dataclass
class Fault:
    """Answers ``status``/``error_code`` for matching calls; ``operation`` None matches every operation.
    ``swallow``: the call answers as a success would but changes nothing (a lost write, a stale read-back)."""

    service: str
    operation: str | None = None
    status: int | None = None  # None: latency only
    error_code: str = ""
    error_msg: str | None = None
    times: int | None = None  # remaining injections; None: unlimited
    probability: float | None = None
    latency_ms: int = 0
    seed: int | None = None
    swallow: bool = False
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def matches(self, service: str, operation: str) -> bool:
        active = self.times is None or self.times > 0
        return active and self.service == service and self.operation in (None, operation)

    def fire(self) -> bool:
        """Decide (and count) whether this call is hit."""
        if self.probability is not None and self._rng.random() >= self.probability:
            return False
        if self.times is not None:
            self.times -= 1
        return True

    def error(self) -> ApiError | None:
        if self.status is None:
            return None
        message = self.error_msg or (throttle_message(1) if self.error_code == THROTTLE_CODE
                                     else _DEFAULT_MESSAGES.get(self.status, "Injected fault"))
        return ApiError(self.status, self.error_code or str(self.status), message)

    def to_world(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"service": self.service}
        optional = {"operation": self.operation, "status": self.status, "error_code": self.error_code or None,
                    "error_msg": self.error_msg, "times": self.times, "probability": self.probability,
                    "latency_ms": self.latency_ms or None, "seed": self.seed, "swallow": self.swallow or None}
        entry.update({k: v for k, v in optional.items() if v is not None})
        return entry


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` stored; one call takes one token."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._last = clock()

    def take(self) -> bool:
        now = self._clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


@dataclass
class RateLimit:
    service: str
    operation: str | None
    rate: float
    burst: int
    bucket: TokenBucket = field(repr=False)

    def matches(self, service: str, operation: str) -> bool:
        return self.service == service and self.operation in (None, operation)

    def to_world(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"service": self.service, "rate": self.rate, "burst": self.burst}
        if self.operation:
            entry["operation"] = self.operation
        return entry


class FaultBook:
    """The faults and rate limits of one cloud, consulted by the dispatcher before each handler."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.faults: list[Fault] = []
        self.rate_limits: list[RateLimit] = []
        self._clock = clock

    def add_fault(self, **spec: Any) -> Fault:
        fault = Fault(**spec)
        self.faults.append(fault)
        return fault

    def set_rate_limit(self, service: str, operation: str | None, rate: float, burst: int) -> RateLimit:
        self.rate_limits = [r for r in self.rate_limits if (r.service, r.operation) != (service, operation)]
        limit = RateLimit(service, operation, rate, burst, TokenBucket(rate, burst, self._clock))
        self.rate_limits.append(limit)
        return limit

    def throttle(self, service: str, operation: str) -> ApiError | None:
        for limit in self.rate_limits:
            if limit.matches(service, operation) and not limit.bucket.take():
                return ApiError(429, THROTTLE_CODE, throttle_message(max(1, round(limit.rate))))
        return None

    def inject(self, service: str, operation: str) -> tuple[int, ApiError | None]:
        """(latency in ms, error or None) of the first matching fault that fires."""
        fault = self.strike(service, operation)
        return (fault.latency_ms, fault.error()) if fault else (0, None)

    def strike(self, service: str, operation: str) -> Fault | None:
        """The first matching fault that fires for this call (counted), or None."""
        return next((f for f in self.faults if f.matches(service, operation) and f.fire()), None)

    def to_world(self) -> dict[str, list[dict[str, Any]]]:
        return {"faults": [f.to_world() for f in self.faults if f.times is None or f.times > 0],
                "rate_limits": [r.to_world() for r in self.rate_limits]}

    def load(self, world: Mapping[str, Any], source: str) -> None:
        top = Fields(world, "", source)
        for entry in top.items("faults"):
            self.add_fault(**parse_fault(entry))
        for entry in top.items("rate_limits"):
            entry.only(("service", "operation", "rate", "burst"))
            rate = _rate(entry)
            burst = entry.int("burst", minimum=1) or max(1, int(rate))  # absent or null: one second's worth
            self.set_rate_limit(entry.str("service"), entry.optional_str("operation"), rate, burst)


def _rate(entry: Fields) -> float:
    rate = entry.number("rate", minimum=0.001)
    if rate is None:
        raise entry.error("rate", "is required")
    if not math.isfinite(rate):
        raise entry.error("rate", f"must be a finite number of calls per second, got {rate}")
    return rate


FAULT_KEYS = ("service", "operation", "status", "error_code", "error_msg", "times", "probability",
              "latency_ms", "seed", "swallow")


def parse_fault(entry: Fields) -> dict[str, Any]:
    entry.only(FAULT_KEYS)
    status = entry.int("status", minimum=400)
    latency = entry.int("latency_ms", 0, minimum=0)
    swallow = _flag(entry, "swallow")
    check_fault_kind(status, latency, swallow, entry.error)
    return {"service": entry.str("service"), "operation": entry.optional_str("operation"), "status": status,
            "error_code": entry.optional_str("error_code") or "", "error_msg": entry.optional_str("error_msg"),
            "times": entry.int("times", minimum=1),
            "probability": entry.number("probability", minimum=0.0, maximum=1.0),
            "latency_ms": latency, "seed": entry.int("seed"), "swallow": swallow}


def _flag(entry: Fields, key: str) -> bool:
    value = entry.mapping.get(key, False)
    if not isinstance(value, bool):
        raise entry.error(key, f"must be true or false, got {value!r}")
    return value


def check_fault_kind(status: int | None, latency_ms: int, swallow: bool,
                     error: Callable[[str, str], Exception]) -> None:
    """Raise ``error(field, problem)`` for a fault that does nothing, or both fails and swallows a call."""
    if swallow and status is not None:
        raise error("swallow", "a swallowed call answers as a success: it cannot also have a status")
    if status is None and not latency_ms and not swallow:
        raise error("status", "a fault needs a status (>= 400), a latency_ms or swallow: true")
    if status is not None and not 400 <= status <= 599:
        raise error("status", f"must be an HTTP error status (400-599), got {status}")


def check_services(entries: Iterable[Fault | RateLimit], known: Iterable[str], source: str) -> None:
    known = tuple(known)
    for index, entry in enumerate(entries):
        if entry.service not in known:
            kind = "faults" if isinstance(entry, Fault) else "rate_limits"
            raise WorldError(f"{kind}[{index}].service",
                             f"unknown service {entry.service!r} (known: {', '.join(known)})", source)
