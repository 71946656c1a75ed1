"""Domain types the gateway returns besides those in ``bmsguard.model`` (no SDK types leave this package)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class JobState:
    SUCCESS = "SUCCESS"
    RUNNING = "RUNNING"
    INIT = "INIT"
    FAIL = "FAIL"


@dataclass(frozen=True)
class FailedServer:
    """A sub-job of a BMS job that failed; ``server_id`` may be "" when no server was created."""

    server_id: str
    reason: str
    error_code: str = ""
    sub_job_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"server_id": self.server_id, "reason": self.reason, "error_code": self.error_code,
                "sub_job_id": self.sub_job_id}


@dataclass(frozen=True)
class JobStatus:
    job_id: str
    status: str  # a JobState value
    server_ids: tuple[str, ...] = ()  # servers whose sub-job succeeded
    failed: tuple[FailedServer, ...] = ()
    fail_reason: str = ""

    @property
    def finished(self) -> bool:
        return self.status in (JobState.SUCCESS, JobState.FAIL)


@dataclass(frozen=True)
class Receipt:
    """What a successful write reports back: how many attempts it took."""

    attempts: int = 1
