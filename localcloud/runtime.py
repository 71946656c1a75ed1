"""A FunctionGraph ``Context`` stand-in for tests, the CLI and the benchmark.

Mirrors the Python runtime's context (Huawei's method table; the OTC runtime implementation):
temporary keys of the function agency, user data, request id, remaining time, logger and metadata.
Built from a LocalCloud credential (``for_cloud``), from environment variables (``from_env``) or from
explicit values. ``getAccessKey``/``getSecretKey`` are the deprecated methods: they return "" here so
code that still calls them fails in tests instead of in production.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

DEFAULT_TIMEOUT_S = 60
USER_DATA_PREFIX = "BMSGUARD_"
EMULATED_SLEEP_CAP_S = 0.05


def emulated_sleep(seconds: float) -> None:
    """localcloud's state moves on reads (BUILD servers, running jobs), not on time: waits stay tiny."""
    time.sleep(min(max(seconds, 0.0), EMULATED_SLEEP_CAP_S))


def _wall_ms() -> int:
    return int(time.time() * 1000)


class RuntimeLogger:
    """``context.getLogger()``: lines as "time-requestId-content", through the ``functiongraph`` logger."""

    def __init__(self, request_id: str):
        self._request_id = request_id
        self._log = logging.getLogger("functiongraph")

    def _emit(self, level: int, message: Any) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self._log.log(level, "%s-%s-%s", stamp, self._request_id, message)

    def debug(self, message: Any) -> None:
        self._emit(logging.DEBUG, message)

    def info(self, message: Any) -> None:
        self._emit(logging.INFO, message)

    def warning(self, message: Any) -> None:
        self._emit(logging.WARNING, message)

    warn = warning

    def error(self, message: Any) -> None:
        self._emit(logging.ERROR, message)


class FunctionContext:
    """The methods of FunctionGraph's Python context, and nothing else."""

    def __init__(self, *, ak: str = "", sk: str = "", security_token: str = "",
                 user_data: Mapping[str, str] | None = None, request_id: str | None = None,
                 project_id: str = "", function_name: str = "bmsguard", version: str = "latest",
                 timeout_s: int = DEFAULT_TIMEOUT_S, memory_mb: int = 256,
                 clock: Callable[[], int] = _wall_ms):
        self._ak = ak
        self._sk = sk
        self._token = security_token
        self._user_data = dict(user_data or {})
        self._request_id = request_id or str(uuid.uuid4())
        self._project_id = project_id
        self._function_name = function_name
        self._version = version
        self._timeout_s = timeout_s
        self._memory_mb = memory_mb
        self._clock = clock
        self._started_ms = clock()

    @classmethod
    def for_cloud(cls, cloud: Any, *, user_data: Mapping[str, str] | None = None, identity: str | None = None,
                  **kwargs: Any) -> FunctionContext:
        """Signed as a world credential (default: the function's assumed agency), in the world's project."""
        credential = cloud.credential(identity)
        kwargs.setdefault("project_id", cloud.project_id)
        return cls(ak=credential.ak, sk=credential.sk, security_token=credential.security_token or "",
                   user_data=user_data, **kwargs)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **kwargs: Any) -> FunctionContext:
        """Keys from the SDK's variables (HUAWEICLOUD_SDK_AK/SK/SECURITY_TOKEN), user data from BMSGUARD_*."""
        env = os.environ if env is None else env
        user_data = {k: v for k, v in env.items() if k.startswith(USER_DATA_PREFIX)}
        kwargs.setdefault("project_id", env.get("RUNTIME_PROJECT_ID") or env.get("HUAWEICLOUD_SDK_PROJECT_ID", ""))
        return cls(ak=env.get("HUAWEICLOUD_SDK_AK", ""), sk=env.get("HUAWEICLOUD_SDK_SK", ""),
                   security_token=env.get("HUAWEICLOUD_SDK_SECURITY_TOKEN", ""), user_data=user_data, **kwargs)

    def __repr__(self) -> str:
        return (f"FunctionContext(function={self._function_name!r}, request_id={self._request_id!r}, "
                f"ak={self._ak[:4] + '...' if self._ak else ''!r}, secrets=<hidden>)")

    # ------------------------------------------------------------ credentials

    def getSecurityAccessKey(self) -> str:  # noqa: N802 (FunctionGraph's method names)
        return self._ak

    def getSecuritySecretKey(self) -> str:  # noqa: N802
        return self._sk

    def getSecurityToken(self) -> str:  # noqa: N802
        return self._token

    def getAccessKey(self) -> str:  # noqa: N802  deprecated in FunctionGraph: cannot return temporary keys
        return ""

    def getSecretKey(self) -> str:  # noqa: N802
        return ""

    def getToken(self) -> str:  # noqa: N802
        return ""

    # ------------------------------------------------------------ configuration and invocation

    def getUserData(self, key: str, default: str | None = None) -> str | None:  # noqa: N802
        return self._user_data.get(key, default)

    def getRequestID(self) -> str:  # noqa: N802
        return self._request_id

    def getRemainingTimeInMilliSeconds(self) -> int:  # noqa: N802
        return max(0, self._timeout_s * 1000 - (self._clock() - self._started_ms))

    def getRunningTimeInSeconds(self) -> int:  # noqa: N802
        return self._timeout_s

    def getLogger(self) -> RuntimeLogger:  # noqa: N802
        return RuntimeLogger(self._request_id)

    def getProjectID(self) -> str:  # noqa: N802
        return self._project_id

    def getFunctionName(self) -> str:  # noqa: N802
        return self._function_name

    def getVersion(self) -> str:  # noqa: N802
        return self._version

    def getPackage(self) -> str:  # noqa: N802
        return "default"

    def getAlias(self) -> str:  # noqa: N802
        return ""

    def getMemorySize(self) -> int:  # noqa: N802
        return self._memory_mb

    def getCPUNumber(self) -> int:  # noqa: N802
        return 300
