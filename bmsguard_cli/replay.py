"""Run the real FunctionGraph handler on events, against localcloud (default) or a live account."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bmsguard.errors import InputError

DEFAULT_TOPIC = "bmsguard-alerts"


@dataclass
class Run:
    """What one handler invocation produced."""

    report: dict[str, Any]
    published: list[dict[str, Any]] = field(default_factory=list)
    world: dict[str, Any] = field(default_factory=dict)  # localcloud end state (empty for live runs)


def invoke_handler(event: Any, context: Any, sleep: Callable[[float], None]) -> dict[str, Any]:
    """Call the production handler; a failed event raises (so FunctionGraph retries) but carries its report.

    ``handle`` is the code ``handler`` runs, with the waits injectable: against localcloud, whose servers and
    jobs move on reads rather than time, waiting for real would only slow the replay down.
    """
    from handlers.index import handle

    try:
        return handle(event, context, sleep=sleep)
    except Exception as exc:  # the handler raises on purpose for failed events; show its report
        report = getattr(exc, "report", None)
        if isinstance(report, dict):
            return report
        raise


class LocalTarget:
    """localcloud in process, seeded from a world file; optionally one cloud shared by many events."""

    def __init__(self, world_file: Path | None, *, policy: str | None, dry_run: bool):
        self.world_file = world_file
        self.policy = policy
        self.dry_run = dry_run

    @property
    def sleep(self) -> Callable[[float], None]:
        from localcloud.runtime import emulated_sleep

        return emulated_sleep

    def load(self, world_file: Path | None = None) -> Any:
        """A fresh emulated account, served by a fresh function container (no warm state carried over)."""
        from handlers.compose import reset_container_state
        from localcloud import LocalCloud, WorldError

        path = world_file or self.world_file
        reset_container_state()
        try:
            return LocalCloud.from_file(str(path)) if path else LocalCloud()
        except WorldError as exc:
            raise InputError(str(exc)) from exc
        except OSError as exc:
            raise InputError(f"{path}: cannot read the world file ({exc.strerror})") from exc

    @contextmanager
    def activated(self, cloud: Any) -> Iterator[Any]:
        with cloud:
            yield cloud

    def context(self, cloud: Any) -> Any:
        from localcloud.runtime import FunctionContext

        return FunctionContext.for_cloud(cloud, user_data=self.user_data(cloud))

    def run(self, cloud: Any, event: Any) -> Run:
        before = len(cloud.outbox)
        report = invoke_handler(event, self.context(cloud), self.sleep)
        return Run(report, list(cloud.outbox[before:]), cloud.dump())

    def user_data(self, cloud: Any) -> dict[str, str]:
        topics = cloud.dump().get("topics") or [{"name": DEFAULT_TOPIC}]
        data = {
            "BMSGUARD_REGION": cloud.region,
            "BMSGUARD_PROJECT_ID": cloud.project_id,
            "BMSGUARD_DOMAIN_ID": cloud.domain_id,
            "BMSGUARD_TOPIC_URN": f"urn:smn:{cloud.region}:{cloud.project_id}:{topics[0]['name']}",
        }
        return _with_options(data, self.policy, self.dry_run)


LIVE_REQUIRED = ("HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_PROJECT_ID",
                 "HUAWEICLOUD_SDK_DOMAIN_ID", "BMSGUARD_REGION", "BMSGUARD_TOPIC_URN")


def live_settings(env: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The live account's settings from the SDK's standard variables; names the first missing one."""
    missing = [name for name in LIVE_REQUIRED if not env.get(name)]
    if missing:
        raise InputError(f"--live needs the environment variable {missing[0]}"
                         f"{' (also missing: ' + ', '.join(missing[1:]) + ')' if missing[1:] else ''}")
    return {name: env[name] for name in (*LIVE_REQUIRED, "HUAWEICLOUD_SDK_SECURITY_TOKEN") if env.get(name)}


class LiveTarget:
    """A real Huawei Cloud account (report mode with --dry-run)."""

    sleep = staticmethod(time.sleep)

    def __init__(self, *, policy: str | None, dry_run: bool, env: Mapping[str, str] = os.environ):
        self.settings = live_settings(env)
        self.policy = policy
        self.dry_run = dry_run

    def run(self, event: Any) -> Run:
        return Run(invoke_handler(event, self.context(), self.sleep))

    def context(self) -> Any:
        from localcloud.runtime import FunctionContext

        s = self.settings
        user_data = _with_options({
            "BMSGUARD_REGION": s["BMSGUARD_REGION"],
            "BMSGUARD_PROJECT_ID": s["HUAWEICLOUD_SDK_PROJECT_ID"],
            "BMSGUARD_DOMAIN_ID": s["HUAWEICLOUD_SDK_DOMAIN_ID"],
            "BMSGUARD_TOPIC_URN": s["BMSGUARD_TOPIC_URN"],
        }, self.policy, self.dry_run)
        return FunctionContext(ak=s["HUAWEICLOUD_SDK_AK"], sk=s["HUAWEICLOUD_SDK_SK"],
                               security_token=s.get("HUAWEICLOUD_SDK_SECURITY_TOKEN", ""),
                               user_data=user_data, project_id=s["HUAWEICLOUD_SDK_PROJECT_ID"])


def _with_options(data: dict[str, str], policy: str | None, dry_run: bool) -> dict[str, str]:
    if policy:
        data["BMSGUARD_POLICY"] = policy
    if dry_run:
        data["BMSGUARD_MODE"] = "report"
    return data


def dump_world(path: Path, world: dict[str, Any]) -> None:
    try:
        path.write_text(json.dumps(world, indent=2, default=str) + "\n")
    except OSError as exc:
        raise InputError(f"{path}: cannot write the world dump ({exc.strerror})") from exc
