"""Credentials and target from the SDK's standard environment variables, and the SDK clients deploy uses.

Every id is passed explicitly, so the SDK makes no hidden IAM look-ups. Secrets stay inside the SDK
credential objects: nothing here prints, logs or formats them.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from bmsguard.errors import InputError
from deploy.desired import Target

AK, SK, TOKEN = "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_SECURITY_TOKEN"
PROJECT_ID, DOMAIN_ID, REGION = "HUAWEICLOUD_SDK_PROJECT_ID", "HUAWEICLOUD_SDK_DOMAIN_ID", "BMSGUARD_REGION"
REQUIRED = (AK, SK, PROJECT_ID, DOMAIN_ID, REGION)

# service -> (SDK package, client class, region module.class)
SERVICES = {
    "functiongraph": ("huaweicloudsdkfunctiongraph.v2", "FunctionGraphClient",
                      "region.functiongraph_region.FunctionGraphRegion"),
    "iam": ("huaweicloudsdkiam.v3", "IamClient", "region.iam_region.IamRegion"),
    "smn": ("huaweicloudsdksmn.v2", "SmnClient", "region.smn_region.SmnRegion"),
}


class MissingSetting(InputError):
    """A required environment variable is not set (the message names it)."""

    def __init__(self, variable: str):
        self.variable = variable
        super().__init__(f"{variable} is not set: deploy needs {', '.join(REQUIRED)} "
                         f"({TOKEN} too when the keys are temporary)")


class CloudCallFailed(Exception):
    """An SDK call failed; the message has the operation, status and the service's error code/message."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class Session:
    """Where deploy works and the clients to get there. ``repr`` never shows the keys."""

    def __init__(self, target: Target, endpoint: str, keys: tuple[str, str, str]):
        self.target = target
        self.endpoint = endpoint
        self._keys = keys
        self._clients: dict[tuple[str, str, str], Any] = {}

    def __repr__(self) -> str:
        return f"Session(target={self.target!r}, endpoint={self.endpoint!r})"

    @classmethod
    def from_env(cls, env: Mapping[str, str], endpoint: str = "") -> Session:
        for variable in REQUIRED:
            if not str(env.get(variable, "")).strip():
                raise MissingSetting(variable)
        target = Target(env[REGION].strip(), env[PROJECT_ID].strip(), env[DOMAIN_ID].strip())
        keys = (env[AK].strip(), env[SK].strip(), str(env.get(TOKEN, "")).strip())
        return cls(target, endpoint.rstrip("/"), keys)

    def client(self, service: str, region: str = "", project_id: str = "") -> Any:
        """One client per (service, region, project), built on first use."""
        region, project_id = region or self.target.region, project_id or self.target.project_id
        key = (service, region, project_id)
        if key not in self._clients:
            self._clients[key] = self._build(service, region, project_id)
        return self._clients[key]

    def _build(self, service: str, region: str, project_id: str) -> Any:
        from huaweicloudsdkcore.auth.credentials import BasicCredentials, GlobalCredentials
        from huaweicloudsdkcore.http.http_config import HttpConfig

        package_name, client_name, region_path = SERVICES[service]
        package = importlib.import_module(package_name)
        ak, sk, token = self._keys
        if service == "iam":
            credentials = GlobalCredentials(ak, sk, self.target.domain_id)
        else:
            credentials = BasicCredentials(ak, sk, project_id)
        if token:
            credentials = credentials.with_security_token(token)
        config = HttpConfig.get_default_config()
        config.timeout = (10, 60)
        builder = getattr(package, client_name).new_builder().with_credentials(credentials).with_http_config(config)
        if self.endpoint:
            return builder.with_endpoint(self.endpoint).build()
        module_name, class_name = region_path.rsplit(".", 1)
        region_class = getattr(importlib.import_module(f"{package_name}.{module_name}"), class_name)
        try:
            sdk_region = region_class.value_of(region)
        except KeyError:
            raise InputError(f"region {region!r} ({REGION}, or a trigger's region in the template) is not a "
                             f"region of the {client_name} SDK of {package_name}") from None
        return builder.with_region(sdk_region).build()


def model(service: str, class_name: str, **fields: Any) -> Any:
    """An SDK request/body model by class name, e.g. ``model("smn", "CreateTopicRequest", body=...)``."""
    return getattr(importlib.import_module(f"{SERVICES[service][0]}.model"), class_name)(**fields)


def call(client: Any, method: str, request: Any) -> Any:
    """Invoke one SDK operation; its response's JSON body (``None`` when empty). Failures name the call."""
    from huaweicloudsdkcore.exceptions.exceptions import SdkException, ServiceResponseException

    operation: Callable[[Any], Any] = getattr(client, method)
    try:
        response = operation(request)
    except ServiceResponseException as exc:
        raise CloudCallFailed(f"{method} failed: HTTP {exc.status_code} {exc.error_code}: {exc.error_msg}",
                              exc.status_code) from None
    except SdkException as exc:
        raise CloudCallFailed(f"{method} failed: {exc.error_msg}") from None
    raw = getattr(response, "raw_content", b"") or b""
    return json.loads(raw) if raw.strip() else None


def not_found(error: CloudCallFailed) -> bool:
    return error.status == 404
