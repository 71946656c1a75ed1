"""The SDK client table and a factory that builds each client once, on first use.

Every id is passed explicitly (project id to BasicCredentials, domain id to GlobalCredentials), so the SDK
never makes its hidden IAM look-ups. The SDK's transport retry is off: ``retry.py`` is the only retry layer.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from bmsguard.errors import SettingsError
from bmsguard.settings import Credentials

BASIC = "basic"  # BasicCredentials(ak, sk, project_id): project-scoped services
GLOBAL = "global"  # GlobalCredentials(ak, sk, domain_id): IAM

CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 20


@dataclass(frozen=True)
class ClientSpec:
    package: str  # SDK package holding the client, its region class and its `model` package
    client: str
    region: str  # "<module under package>.<RegionClass>"
    credentials: str  # BASIC | GLOBAL


CLIENTS: dict[str, ClientSpec] = {
    "bms": ClientSpec("huaweicloudsdkbms.v1", "BmsClient", "region.bms_region.BmsRegion", BASIC),
    "iam3": ClientSpec("huaweicloudsdkiam.v3", "IamClient", "region.iam_region.IamRegion", GLOBAL),
    "iam5": ClientSpec("huaweicloudsdkiam.v5", "IamClient", "region.iam_region.IamRegion", GLOBAL),
    "smn": ClientSpec("huaweicloudsdksmn.v2", "SmnClient", "region.smn_region.SmnRegion", BASIC),
}


@dataclass(frozen=True)
class Target:
    """Where and as whom the clients talk."""

    region: str
    project_id: str
    domain_id: str
    credentials: Credentials
    endpoint: str = ""  # one endpoint for every service (localcloud); "" = the SDK's regional endpoints


class ClientFactory:
    """Builds one client per service for one invocation (credentials rotate, so nothing outlives it)."""

    def __init__(self, target: Target):
        self._target = target
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._build(CLIENTS[service])
        return self._clients[service]

    def request(self, service: str, class_name: str, **fields: Any) -> Any:
        """An SDK request/body model of ``service``, e.g. ``request("bms", "ShowJobInfosRequest", job_id=j)``."""
        models = importlib.import_module(f"{CLIENTS[service].package}.model")
        return getattr(models, class_name)(**fields)

    def _build(self, spec: ClientSpec) -> Any:
        from huaweicloudsdkcore.http.http_config import HttpConfig

        package = importlib.import_module(spec.package)
        config = HttpConfig.get_default_config()
        config.retry_times = 0
        config.timeout = (CONNECT_TIMEOUT_S, READ_TIMEOUT_S)
        builder = (getattr(package, spec.client).new_builder()
                   .with_http_config(config)
                   .with_credentials(self._credentials(spec.credentials)))
        if self._target.endpoint:
            return builder.with_endpoint(self._target.endpoint).build()
        return builder.with_region(self._region(spec)).build()

    def _credentials(self, kind: str) -> Any:
        from huaweicloudsdkcore.auth.credentials import BasicCredentials, GlobalCredentials

        creds = self._target.credentials
        if not creds.present:
            raise SettingsError("no credentials: the function needs an agency (context.getSecurityAccessKey "
                                "returned nothing)")
        if kind == GLOBAL:
            built = GlobalCredentials(creds.access_key, creds.secret_key, self._target.domain_id)
        else:
            built = BasicCredentials(creds.access_key, creds.secret_key, self._target.project_id)
        return built.with_security_token(creds.security_token) if creds.security_token else built

    def _region(self, spec: ClientSpec) -> Any:
        module, _, name = f"{spec.package}.{spec.region}".rpartition(".")
        try:
            return getattr(importlib.import_module(module), name).value_of(self._target.region)
        except KeyError as exc:
            raise SettingsError(f"BMSGUARD_REGION {self._target.region!r} is not a region of the "
                                f"{spec.client} SDK") from exc
