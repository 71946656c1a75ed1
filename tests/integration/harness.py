"""Helpers for the integration tests: run the real handler once against a localcloud world and observe it."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bmsguard.cloud.clients import Target
from bmsguard.cloud.gateway import HuaweiCloudGateway
from bmsguard.cloud.retry import Deadline, RetryPolicy
from bmsguard.settings import Credentials
from handlers.index import EventFailed, handle
from localcloud.runtime import FunctionContext

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
DEMO_WORLD = EVENTS / "worlds" / "demo.yaml"
DEFAULT_POLICY = (ROOT / "bmsguard" / "default_policy.yaml").read_text()

PROD_01 = "53206ed0-56de-4d6b-b8d8-4d8c3c2b2bd1"  # BUILD, V1 open, bms_app_agency (admin)
BATCH_02 = "7d1c3f0a-2b7e-4d1e-9a51-0c9b8f3e6a02"  # tagged bmsguard-metadata=none
WEB_03 = "a4e5b6c7-d8e9-4f01-8a23-456789abcd03"  # compliant, no agency
DB_04 = "c0ffee00-1111-4222-8333-444455556604"  # shared agency, V1 open
DB_05 = "c0ffee00-1111-4222-8333-444455556605"  # shared agency, V2
APP_06 = "9b8a7c6d-5e4f-4a3b-9c2d-1e0f00000006"  # V2, bms_ops_agency widened in every scope
OPS_AGENCY = "0a1b2c3d4e5f40718293a4b5c6d7e803"  # bms_ops_agency


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def demo_world(**changes: Any) -> dict[str, Any]:
    world = yaml.safe_load(DEMO_WORLD.read_text())
    world.update(copy.deepcopy(changes))
    return world


def policy_with(**replacements: str) -> str:
    """The shipped default policy text with each ``old=new`` replacement made (each ``old`` must occur)."""
    text = DEFAULT_POLICY
    for old, new in replacements.items():
        assert old in text
        text = text.replace(old, new)
    return text


def server_entry(world: dict[str, Any], server_id: str) -> dict[str, Any]:
    return next(s for s in world["servers"] if s["id"] == server_id)


@dataclass
class FakeClock:
    """Epoch ms that only move when the injected sleep "waits"."""

    now_ms: int = 1_796_000_000_000

    def __call__(self) -> int:
        return self.now_ms


@dataclass
class Sleeps:
    """An injected sleep that records instead of waiting (and advances a fake clock, if there is one)."""

    clock: FakeClock | None = None
    calls: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        if self.clock is not None:
            self.clock.now_ms += int(seconds * 1000)


@dataclass
class Invocation:
    report: dict[str, Any]
    error: EventFailed | None
    published: list[dict[str, Any]]
    traces: list[dict[str, Any]]
    sleeps: Sleeps

    @property
    def raised(self) -> bool:
        return self.error is not None

    def server(self, server_id: str) -> dict[str, Any]:
        return next(s for s in self.report["servers"] if s["server_id"] == server_id)

    def statuses(self) -> dict[str, str]:
        return {s["server_id"]: s["status"] for s in self.report["servers"]}

    def writes(self) -> list[str]:
        """Trace names of the changes this invocation made, SMN publishes excluded."""
        return [t["trace_name"] for t in self.traces if t["trace_name"] != "publishMessage"]


def user_data(cloud: Any, **overrides: str) -> dict[str, str]:
    data = {
        "BMSGUARD_REGION": cloud.region,
        "BMSGUARD_DOMAIN_ID": cloud.domain_id,
        "BMSGUARD_TOPIC_URN": f"urn:smn:{cloud.region}:{cloud.project_id}:bmsguard-alerts",
    }
    data.update(overrides)
    return data


def invoke(cloud: Any, event: Any, *, timeout_s: int = 60, clock: FakeClock | None = None,
           **settings: str) -> Invocation:
    """Run the production handler once against ``cloud`` as the function's own agency.

    ``settings`` become user data (``BMSGUARD_MODE="report"``...). With a fake ``clock`` the injected sleep
    advances it, so time-bounded waits end as they would in production, without waiting.
    """
    outbox_before, traces_before = len(cloud.outbox), len(cloud.traces)
    sleeps = Sleeps(clock)
    context = FunctionContext.for_cloud(cloud, user_data=user_data(cloud, **settings), timeout_s=timeout_s,
                                        **({"clock": clock} if clock else {}))
    try:
        report, error = handle(event, context, sleep=sleeps, clock=clock), None
    except EventFailed as exc:
        report, error = exc.report, exc
    json.dumps(report)  # the returned report is plain JSON
    return Invocation(report, error, cloud.outbox[outbox_before:], cloud.traces[traces_before:], sleeps)


def metadata_of(cloud: Any, server_id: str) -> str:
    options = server_entry(cloud.dump(), server_id)["metadata_options"]
    return f"{options['http_endpoint']}/{options['http_tokens']}"


def grants_of(cloud: Any, agency_name: str) -> set[str]:
    """Every role and policy name the agency holds, in every scope (from the emulator's end state)."""
    agency = next(a for a in cloud.dump()["agencies"] if a["name"] == agency_name)
    roles = agency.get("roles") or {}
    names: set[str] = set(roles.get("domain") or ()) | set(roles.get("all_projects") or ())
    for scoped in (roles.get("project") or {}, roles.get("enterprise_project") or {}):
        for listed in scoped.values():
            names |= set(listed)
    return names | set(agency.get("policies") or ())


def gateway_for(cloud: Any, *, endpoint: str = "", sleeps: Sleeps | None = None) -> HuaweiCloudGateway:
    """A gateway signed as the function's agency, as the handler would build it (one minute left)."""
    credential = cloud.credential()
    target = Target(region=cloud.region, project_id=cloud.project_id, domain_id=cloud.domain_id,
                    credentials=Credentials(credential.ak, credential.sk, credential.security_token or ""),
                    endpoint=endpoint)
    return HuaweiCloudGateway(target, RetryPolicy(deadline=Deadline.after(60_000), sleep=sleeps or Sleeps()))
