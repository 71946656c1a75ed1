"""The one request path both adapters share: route match, signature, rate limit, faults, handler,
CTS trace, call log, ``X-Request-Id``."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from localcloud import cts, signing
from localcloud.faults import Fault
from localcloud.wire import ApiError, Reply, Request, Route

UNSIGNED_ERROR = ("APIG.0301", "Incorrect IAM authentication information: {}")
NOT_IMPLEMENTED_CODE = "LOCALCLOUD.0501"


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class _Table:
    by_method: dict[str, list[tuple[Any, Route]]] = field(default_factory=dict)

    def add(self, route: Route) -> None:
        self.by_method.setdefault(route.method.upper(), []).append((route.compile(), route))


class Dispatcher:
    def __init__(self, cloud: Any, routes: Iterable[Route]):
        self.cloud = cloud
        self.calls: list[dict[str, Any]] = []
        self.traces: list[dict[str, Any]] = []
        self.lock = threading.RLock()
        self._table = _Table()
        for route in routes:
            self._table.add(route)

    def handle(self, method: str, raw_path: str, raw_query: str, headers: Mapping[str, str],
               body: bytes) -> Response:
        method = method.upper()
        query_pairs = parse_qsl(raw_query, keep_blank_values=True)
        request = Request(method=method, path=unquote(raw_path), query=_query_dict(query_pairs),
                          headers={k.lower(): v for k, v in headers.items()}, body=body or b"",
                          request_id=self.cloud.new_id().replace("-", ""))
        matched = self.match(request, raw_path)
        if matched is None:
            reply = ApiError(501, NOT_IMPLEMENTED_CODE,
                             f"localcloud does not implement {method} {request.path}").to_reply(request.request_id)
            with self.lock:
                self._log(None, request, reply)
            return self._response(reply, request.request_id)
        route, params = matched
        with self.lock:
            refusal, fault = self._admit(route, request, raw_path, query_pairs)
        if fault and fault.latency_ms:
            self.cloud.sleep(fault.latency_ms / 1000.0)
        swallowed = bool(fault and fault.swallow)
        with self.lock:
            reply = refusal or (self._run_swallowed if swallowed else self._run)(route, params, request)
            self._log(route, request, reply)
            if route.writes and 200 <= reply.status < 300 and not swallowed:
                self.traces.append(cts.build_trace(self.cloud, route, request, reply))
        return self._response(reply, request.request_id)

    def match(self, request: Request, raw_path: str) -> tuple[Route, dict[str, str]] | None:
        for regex, route in self._table.by_method.get(request.method, ()):
            found = regex.match(raw_path)
            if found and (route.when is None or route.when(request)):
                return route, {k: unquote(v) for k, v in found.groupdict().items()}
        return None

    def _admit(self, route: Route, request: Request, raw_path: str,
               query_pairs: list[tuple[str, str]]) -> tuple[Reply | None, Fault | None]:
        """Signature, rate limit and injected faults: (refusal or None, the fault that struck or None)."""
        try:
            credential = signing.verify(request.method, raw_path, query_pairs, request.headers, request.body,
                                        self.cloud.credentials_by_ak)
        except signing.SignatureError as exc:
            code, template = UNSIGNED_ERROR
            return ApiError(401, code, template.format(exc)).to_reply(request.request_id), None
        request.caller = credential.identity
        throttled = self.cloud.faultbook.throttle(route.service, route.operation)
        if throttled:
            return throttled.to_reply(request.request_id), None
        fault = self.cloud.faultbook.strike(route.service, route.operation)
        error = fault.error() if fault else None
        return (error.to_reply(request.request_id) if error else None), fault

    def _run_swallowed(self, route: Route, params: dict[str, str], request: Request) -> Reply:
        """Answer exactly as the handler would, against a scratch copy of the service's state that is then
        thrown away: the write is lost."""
        backend = getattr(self.cloud, route.service)
        setattr(self.cloud, route.service, copy.deepcopy(backend, {id(self.cloud): self.cloud}))
        try:
            return self._run(route, params, request)
        finally:
            setattr(self.cloud, route.service, backend)

    def _run(self, route: Route, params: dict[str, str], request: Request) -> Reply:
        try:
            return route.handler(self.cloud, request, **params)
        except ApiError as exc:
            return exc.to_reply(request.request_id)
        except Exception as exc:  # a bug in a backend: answer like a 500 instead of killing the adapter
            return ApiError(500, "LOCALCLOUD.0500",
                            f"localcloud failed in {route.operation}: {exc!r}").to_reply(request.request_id)

    def _log(self, route: Route | None, request: Request, reply: Reply) -> None:
        self.calls.append({"service": route.service if route else "", "operation": route.operation if route else "",
                           "method": request.method, "path": request.path, "status": reply.status,
                           "request_id": request.request_id})

    @staticmethod
    def _response(reply: Reply, request_id: str) -> Response:
        body = reply.content()
        headers = {"X-Request-Id": request_id}
        if body:
            headers["Content-Type"] = "application/json;charset=UTF-8"
        headers.update(reply.headers)
        return Response(reply.status, headers, body)


def _query_dict(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    query: dict[str, list[str]] = {}
    for key, value in pairs:
        query.setdefault(key, []).append(value)
    return query
