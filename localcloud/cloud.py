"""LocalCloud: one world of emulated Huawei Cloud services behind the in-process and HTTP adapters."""

from __future__ import annotations

import copy
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from localcloud import world as world_format
from localcloud.dispatch import Dispatcher
from localcloud.faults import FaultBook, RateLimit, check_fault_kind, check_services
from localcloud.inprocess import InProcessAdapter
from localcloud.services import SERVICES
from localcloud.wire import WorldError

IN_PROCESS_ENDPOINT = "https://localcloud.invalid"


class LocalCloud:
    """A world (see docs/localcloud.md) with its state, call log, CTS traces and SMN outbox."""

    def __init__(self, world: Mapping[str, Any] | None = None, source: str = ""):
        world = _copy_world(world, source)
        self.source = source
        modules = [(service, service.load()) for service in SERVICES]
        self.service_names = tuple(service.name for service, _ in modules)
        self._load_core(world, {key for service, _ in modules for key in _world_keys(service)})
        routes = []
        for service, module in modules:
            setattr(self, service.name, _from_world(module, world, self, source))
            routes.extend(module.ROUTES)
        self.dispatcher = Dispatcher(self, routes)
        self._adapter = InProcessAdapter(self.dispatcher)
        self.server_endpoint = ""
        self.sleep: Callable[[float], None] = time.sleep  # how latency faults wait; tests inject a recorder

    def _load_core(self, world: dict[str, Any], service_keys: set[str]) -> None:
        core = world_format.parse_core(world, self.source, service_keys)
        self.region, self.project_id, self.domain_id = core.region, core.project_id, core.domain_id
        self.domain_name = core.domain_name
        self.credentials = list(core.credentials)
        self.credentials_by_ak = {c.ak: c for c in self.credentials}
        self.faultbook = FaultBook()
        self.faultbook.load(world, self.source)
        check_services(self.faultbook.faults, self.service_names, self.source)
        check_services(self.faultbook.rate_limits, self.service_names, self.source)

    @classmethod
    def from_file(cls, path: str | Path) -> LocalCloud:
        return cls(world_format.read_world_file(path), source=str(path))

    # ------------------------------------------------------------ identity and clock

    def credential(self, name: str | None = None) -> world_format.Credential:
        """By identity name; default: the first AssumedAgency one (the function's)."""
        for credential in self.credentials:
            if name is None and credential.identity.type == "AssumedAgency":
                return credential
            if name is not None and credential.identity.name == name:
                return credential
        if name is None:
            return self.credentials[0]
        raise KeyError(f"no credential for identity {name!r} in this world")

    def now_ms(self) -> int:
        return int(time.time() * 1000)

    def new_id(self) -> str:
        return str(uuid.uuid4())

    @property
    def endpoint(self) -> str:
        return self.server_endpoint or IN_PROCESS_ENDPOINT

    # ------------------------------------------------------------ in-process adapter

    def __enter__(self) -> LocalCloud:
        self._adapter.activate()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._adapter.deactivate()

    def serve(self, port: int = 0) -> Any:
        """Start the HTTP server adapter on 127.0.0.1 (``port`` 0: a free one); ``cloud.endpoint`` follows it."""
        from localcloud.server import LocalCloudServer

        return LocalCloudServer(self, port).start()

    # ------------------------------------------------------------ faults

    def add_fault(self, *, service: str, operation: str | None = None, status: int | None = None,
                  error_code: str = "", error_msg: str | None = None, times: int | None = None,
                  probability: float | None = None, latency_ms: int = 0, seed: int | None = None,
                  swallow: bool = False) -> None:
        """``swallow=True``: matching calls answer as a success would but change nothing (docs/localcloud.md)."""
        if service not in self.service_names:
            raise ValueError(f"unknown service {service!r} (known: {', '.join(self.service_names)})")
        check_fault_kind(status, latency_ms, swallow, lambda field, problem: ValueError(f"{field}: {problem}"))
        self.faultbook.add_fault(service=service, operation=operation, status=status, error_code=error_code,
                                 error_msg=error_msg, times=times, probability=probability,
                                 latency_ms=latency_ms, seed=seed, swallow=swallow)

    def set_rate_limit(self, *, service: str, operation: str | None = None, rate: float,
                       burst: int = 1) -> RateLimit:
        if service not in self.service_names:
            raise ValueError(f"unknown service {service!r} (known: {', '.join(self.service_names)})")
        return self.faultbook.set_rate_limit(service, operation, rate, burst)

    # ------------------------------------------------------------ observation

    @property
    def outbox(self) -> list[dict[str, Any]]:
        return self.smn.outbox

    @property
    def traces(self) -> list[dict[str, Any]]:
        return self.dispatcher.traces

    @property
    def calls(self) -> list[dict[str, Any]]:
        return self.dispatcher.calls

    def dump(self) -> dict[str, Any]:
        """The world format (current state, loadable again) plus ``outbox``, ``traces`` and ``calls``."""
        with self.dispatcher.lock:
            state: dict[str, Any] = {
                "region": self.region, "project_id": self.project_id, "domain_id": self.domain_id,
                "domain_name": self.domain_name, "credentials": [c.to_world() for c in self.credentials]}
            for name in self.service_names:
                state.update(getattr(self, name).dump())
            state.update(self.faultbook.to_world())
            state["outbox"] = copy.deepcopy(self.outbox)
            state["traces"] = copy.deepcopy(self.traces)
            state["calls"] = copy.deepcopy(self.calls)
        return state


DUMP_ONLY_KEYS = ("outbox", "traces", "calls")


def _copy_world(world: Mapping[str, Any] | None, source: str) -> dict[str, Any]:
    if world is None:
        return world_format.default_world()
    if not isinstance(world, Mapping):
        raise WorldError("(top level)", f"must be a mapping, got {type(world).__name__}", source)
    return copy.deepcopy(dict(world))


def _world_keys(service: Any) -> tuple[str, ...]:
    return (*service.world_keys, *DUMP_ONLY_KEYS)


def _from_world(module: Any, world: Mapping[str, Any], cloud: LocalCloud, source: str) -> Any:
    try:
        return module.Backend.from_world(world, cloud)
    except WorldError as exc:
        if source and not exc.source:
            raise WorldError(exc.field, exc.problem, source) from exc
        raise
