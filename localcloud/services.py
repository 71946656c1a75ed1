"""The registry of emulated services: one line per service package.

Each package exposes ``ROUTES: list[wire.Route]`` and ``Backend`` with ``Backend.from_world(world, cloud)``
and ``backend.dump()``; the backend is reachable as ``cloud.<name>``. ``world_keys`` are the top-level
world sections the backend reads.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class Service:
    name: str
    module: str
    world_keys: tuple[str, ...] = ()

    def load(self) -> ModuleType:
        return importlib.import_module(self.module)


SERVICES: tuple[Service, ...] = (
    Service("bms", "localcloud.bms", ("servers", "jobs", "metadata_options_regions")),
    Service("smn", "localcloud.smn", ("topics",)),
    Service("iam", "localcloud.iam", ("agencies", "roles", "identity_policies")),
    Service("functiongraph", "localcloud.functiongraph", ("functions",)),
)
