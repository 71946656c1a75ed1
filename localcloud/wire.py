"""The contract between localcloud's transport (adapters, dispatcher) and its service backends.

A service module exposes ``ROUTES: list[Route]``. The dispatcher matches method + path, verifies the
signature, applies faults, then calls ``route.handler(cloud, request, **path_params)``. A handler returns
a ``Reply`` or raises ``ApiError``; it never touches HTTP libraries itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Caller:
    """The identity behind the credentials that signed a request (from the world's ``credentials``)."""

    ak: str
    type: str  # IAMUser | AssumedAgency | root
    name: str
    id: str = ""
    has_token: bool = False


@dataclass
class Request:
    method: str
    path: str  # URL-decoded path, without query string
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    caller: Caller | None = None
    request_id: str = ""

    def json(self) -> Any:
        """The JSON body, or raise a 400 ApiError that says the body is not JSON."""
        if not self.body:
            return {}
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise ApiError(400, "Common.0001", f"request body is not valid JSON: {exc}") from exc

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def int_arg(self, name: str, default: int | None, minimum: int, maximum: int | None,
                invalid: Callable[[str], Exception]) -> int | None:
        """Query parameter ``name`` as a whole number within bounds (``default`` when absent); otherwise
        raises ``invalid(problem)``, the service's own 400 error around a message naming the parameter."""
        raw = self.arg(name)
        if raw is None or raw == "":
            return default
        value = int(raw) if re.fullmatch(r"-?[0-9]+", raw) else None
        if value is None or value < minimum or (maximum is not None and value > maximum):
            bound = f"from {minimum} to {maximum}" if maximum is not None else f"of at least {minimum}"
            raise invalid(f"{name} must be an integer {bound}, got {raw!r}")
        return value

    def json_object(self, invalid: Callable[[str], Exception]) -> dict[str, Any]:
        """The JSON body, which must be an object; otherwise raises ``invalid(problem)``."""
        body = self.json()
        if not isinstance(body, dict):
            raise invalid("the body must be a JSON object")
        return body


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-serialisable, or None for an empty body
    headers: dict[str, str] = field(default_factory=dict)
    # For writes: (resource_id, resource_name) of what was changed, for the CTS trace of this call.
    resource: tuple[str, str] = ("", "")
    # For writes whose HTTP body says little (IAM grants have none): what the trace's `request` should show.
    trace_request: Any = None

    def content(self) -> bytes:
        return b"" if self.body is None else json.dumps(self.body).encode()


class ErrorStyle:
    FLAT = "flat"  # {"error_code": ..., "error_msg": ...}            BMS, SMN, FunctionGraph, IAM v5
    KEYSTONE = "keystone"  # {"error": {"code": 404, "message": ..., "title": ...}}   IAM v3


_TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
           429: "Too Many Requests", 500: "Internal Server Error", 501: "Not Implemented"}


class ApiError(Exception):
    """An error answered in Huawei's wire shape."""

    def __init__(self, status: int, error_code: str, error_msg: str, style: str = ErrorStyle.FLAT):
        super().__init__(f"{status} {error_code}: {error_msg}")
        self.status = status
        self.error_code = error_code
        self.error_msg = error_msg
        self.style = style

    def to_reply(self, request_id: str = "") -> Reply:
        if self.style == ErrorStyle.KEYSTONE:
            body = {"error": {"code": self.status, "message": self.error_msg,
                              "title": _TITLES.get(self.status, "Error")}}
        else:
            body = {"error_code": self.error_code, "error_msg": self.error_msg}
            if request_id:
                body["request_id"] = request_id
        return Reply(self.status, body)


Handler = Callable[..., Reply]


@dataclass(frozen=True)
class Route:
    """``pattern`` is a path template such as ``/v1/{project_id}/baremetalservers/{server_id}``."""

    method: str
    pattern: str
    service: str  # bms | iam | smn | functiongraph | ...
    operation: str  # the SDK operation name, e.g. "ShowMetadataOptions" (lands in the call log and faults)
    handler: Handler
    writes: bool = False  # a change: recorded as a CTS trace when it succeeds
    trace_name: str = ""  # CTS trace name for writes
    resource_type: str = ""  # CTS resource type for writes
    # Extra match on the request for operations that share method + path (e.g. the body's "action").
    when: Callable[[Request], bool] | None = None
    # Regexes for path parameters that only take one shape (e.g. server ids); others match ``[^/]+``.
    shapes: tuple[tuple[str, str], ...] = ()

    def compile(self) -> re.Pattern[str]:
        shapes = dict(self.shapes)
        regex = re.sub(r"\\\{(\w+)\\\}", lambda m: f"(?P<{m[1]}>{shapes.get(m[1], '[^/]+')})",
                       re.escape(self.pattern))
        return re.compile(f"^{regex}/?$")


class WorldError(ValueError):
    """A world file is invalid. ``field`` is the dotted path of the offending entry (e.g. servers[2].status)."""

    def __init__(self, field: str, problem: str, source: str = ""):
        self.field = field
        self.problem = problem
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}world field '{field}': {problem}")
