"""Contract-test targets: the official SDK clients against localcloud in process, against the localcloud
HTTP server, or (read-only, when credentials are in the environment) against a real account.

Clients are built like production: ``BasicCredentials(ak, sk, project_id).with_security_token(token)``
and ``HttpConfig.get_default_config()`` with ``retry_times=0``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from huaweicloudsdkbms.v1 import BmsClient
from huaweicloudsdkbms.v1.region.bms_region import BmsRegion
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdksmn.v2 import SmnClient
from huaweicloudsdksmn.v2.region.smn_region import SmnRegion

from localcloud import LocalCloud

LIVE_ENV = ("HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_PROJECT_ID", "BMSGUARD_LIVE_REGION")
ADAPTERS = ("inprocess", "server", "live")


@dataclass
class Target:
    """Where the SDK calls go, and (unless live) the emulator behind them."""

    kind: str
    region: str
    project_id: str
    cloud: LocalCloud | None = None
    endpoint: str = ""  # "" -> clients are built with_region (real hostnames)

    @property
    def emulated(self) -> bool:
        return self.cloud is not None

    def require_emulator(self) -> LocalCloud:
        """The cloud behind the target; skips on the live account (state checks and writes are emulator-only)."""
        if self.cloud is None:
            pytest.skip("needs emulator state or a write: never done against a real account")
        return self.cloud

    def bms(self, identity: str | None = None, **override: str) -> BmsClient:
        return self._build(BmsClient, BmsRegion, identity, override)

    def smn(self, identity: str | None = None, **override: str) -> SmnClient:
        return self._build(SmnClient, SmnRegion, identity, override)

    def _build(self, client_cls: Any, region_cls: Any, identity: str | None, override: Mapping[str, str]) -> Any:
        ak, sk, token = self._keys(identity)
        ak, sk, token = override.get("ak", ak), override.get("sk", sk), override.get("token", token)
        credentials = BasicCredentials(ak, sk, self.project_id)
        if token:
            credentials = credentials.with_security_token(token)
        config = HttpConfig.get_default_config()
        config.retry_times = 0
        builder = client_cls.new_builder().with_http_config(config).with_credentials(credentials)
        if self.endpoint:
            return builder.with_endpoint(self.endpoint).build()
        return builder.with_region(region_cls.value_of(self.region)).build()

    def _keys(self, identity: str | None) -> tuple[str, str, str | None]:
        if self.cloud is None:
            env = os.environ
            return env["HUAWEICLOUD_SDK_AK"], env["HUAWEICLOUD_SDK_SK"], env.get("HUAWEICLOUD_SDK_SECURITY_TOKEN")
        credential = self.cloud.credential(identity)
        return credential.ak, credential.sk, credential.security_token


def live_skip_reason() -> str:
    missing = [name for name in LIVE_ENV if not os.environ.get(name)]
    return f"live contract checks need {', '.join(missing)} in the environment" if missing else ""


@pytest.fixture(params=ADAPTERS)
def target(request: pytest.FixtureRequest) -> Iterator[Callable[..., Target]]:
    """A factory ``target(world=None) -> Target`` for the adapter this test run is parametrised with."""
    kind = request.param
    if kind == "live" and live_skip_reason():
        pytest.skip(live_skip_reason())
    cleanups: list[Callable[[], None]] = []

    def factory(world: Mapping[str, Any] | None = None) -> Target:
        if kind == "live":
            return Target(kind, os.environ["BMSGUARD_LIVE_REGION"], os.environ["HUAWEICLOUD_SDK_PROJECT_ID"])
        cloud = LocalCloud(world)
        if kind == "server":
            server = cloud.serve()
            cleanups.append(server.stop)
            return Target(kind, cloud.region, cloud.project_id, cloud, endpoint=server.endpoint)
        cloud.__enter__()
        cleanups.append(lambda: cloud.__exit__(None, None, None))
        return Target(kind, cloud.region, cloud.project_id, cloud)

    yield factory
    for cleanup in reversed(cleanups):
        cleanup()
