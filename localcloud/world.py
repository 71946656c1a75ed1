"""World files: loading, validation helpers, the core sections and their defaults.

A world is a mapping. The core reads ``region``, ``project_id``, ``domain_id``, ``domain_name``,
``credentials``, ``faults`` and ``rate_limits``; every other top-level key belongs to a service backend
(``Backend.from_world``). Validation errors are ``WorldError(field, problem, source)`` where ``field``
is a dotted path such as ``servers[2].status``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from localcloud.wire import Caller, WorldError

DEFAULT_REGION = "sa-brazil-1"
DEFAULT_PROJECT_ID = "0945241c5ebc4660bac540d48f2a2c14"
DEFAULT_DOMAIN_ID = "b2b3853af40448fcb9e40d6b89505bab"
DEFAULT_DOMAIN_NAME = "localcloud"

CORE_KEYS = ("region", "project_id", "domain_id", "domain_name", "credentials", "faults", "rate_limits")
IDENTITY_TYPES = ("AssumedAgency", "IAMUser", "root")

DEFAULT_CREDENTIALS = (
    {"ak": "LOCALCLOUDFUNCTIONAK00", "sk": "localcloud-function-sk",
     "security_token": "localcloud-function-token",
     "identity": {"type": "AssumedAgency", "name": "bmsguard_agency"}},
    {"ak": "LOCALCLOUDALICEAK0000", "sk": "localcloud-alice-sk",
     "identity": {"type": "IAMUser", "name": "alice"}},
)


def default_world() -> dict[str, Any]:
    """The world used when none is given: no servers, one topic, the default credentials."""
    return {"region": DEFAULT_REGION, "project_id": DEFAULT_PROJECT_ID, "domain_id": DEFAULT_DOMAIN_ID,
            "topics": [{"name": "bmsguard-alerts"}]}


def read_world_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML or JSON world file; errors name the file."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise WorldError("(file)", f"cannot read: {exc.strerror or exc}", source) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)  # PyYAML's own text spans several lines: keep one
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise WorldError("(file)", f"not valid YAML/JSON{where}: {getattr(exc, 'problem', None) or exc}",
                         source) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise WorldError("(top level)", f"must be a mapping, got {type(data).__name__}", source)
    return data


def stable_id(*parts: str) -> str:
    """A 32-hex id derived from ``parts``: the same world gives the same ids on every run."""
    return hashlib.md5("/".join(parts).encode(), usedforsecurity=False).hexdigest()


# ---------------------------------------------------------------- field helpers (shared by the backends)


class Fields:
    """Typed access to one mapping of a world, raising WorldError with the dotted path of the field."""

    def __init__(self, mapping: Any, path: str, source: str = ""):
        if not isinstance(mapping, Mapping):
            raise WorldError(path or "(top level)", f"must be a mapping, got {type(mapping).__name__}", source)
        self.mapping = mapping
        self.path = path
        self.source = source

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str, problem: str) -> WorldError:
        return WorldError(self.where(key), problem, self.source)

    def only(self, allowed: Iterable[str]) -> Fields:
        allowed = tuple(allowed)
        for key in self.mapping:
            if key not in allowed:
                raise self.error(str(key), f"unknown key (expected one of: {', '.join(sorted(allowed))})")
        return self

    def str(self, key: str, default: str | None = None, *, choices: Iterable[str] = (),
            pattern: str = "") -> str:
        value = self.mapping.get(key, default)
        if value is None:
            raise self.error(key, "is required")
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise self.error(key, f"must be a string, got {type(value).__name__}")
        value = str(value)
        choices = tuple(choices)
        if choices and value not in choices:
            raise self.error(key, f"must be one of {', '.join(choices)}, got {value!r}")
        if pattern and not re.fullmatch(pattern, value):
            raise self.error(key, f"{value!r} does not match {pattern}")
        return value

    def optional_str(self, key: str) -> str | None:
        return None if self.mapping.get(key) is None else self.str(key)

    def int(self, key: str, default: int | None = None, *, minimum: int | None = None) -> int | None:
        value = self.mapping.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"must be an integer, got {value!r}")
        if minimum is not None and value < minimum:
            raise self.error(key, f"must be >= {minimum}, got {value}")
        return value

    def number(self, key: str, default: float | None = None, *, minimum: float = 0.0,
               maximum: float | None = None) -> float | None:
        value = self.mapping.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(key, f"must be a number, got {value!r}")
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
            raise self.error(key, f"must be {bound}, got {value}")
        return float(value)

    def list(self, key: str) -> list[Any]:
        value = self.mapping.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(key, f"must be a list, got {type(value).__name__}")
        return value

    def str_list(self, key: str, default: Iterable[str] = ()) -> list[str]:
        if self.mapping.get(key) is None:
            return list(default)
        values = self.list(key)
        for index, item in enumerate(values):
            if not isinstance(item, str):
                raise WorldError(f"{self.where(key)}[{index}]", "must be a string", self.source)
        return values

    def str_map(self, key: str) -> dict[str, str]:
        value = self.mapping.get(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.error(key, f"must be a mapping, got {type(value).__name__}")
        result = {}
        for name, item in value.items():
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                raise WorldError(f"{self.where(key)}.{name}", "must be a string", self.source)
            result[str(name)] = str(item)
        return result

    def items(self, key: str) -> Iterable[Fields]:
        """The entries of a list of mappings, each as Fields with its indexed path."""
        for index, item in enumerate(self.list(key)):
            yield Fields(item, f"{self.where(key)}[{index}]", self.source)


# ---------------------------------------------------------------- core sections


@dataclass(frozen=True)
class Credential:
    """Emulator-only keys a world hands out; ``identity`` is who signs with them."""

    ak: str
    sk: str
    security_token: str | None
    identity: Caller

    def __repr__(self) -> str:  # keep the secret key and token out of logs and tracebacks
        return f"Credential(ak={self.ak!r}, identity={self.identity.type}:{self.identity.name})"

    def to_world(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"ak": self.ak, "sk": self.sk}
        if self.security_token:
            entry["security_token"] = self.security_token
        entry["identity"] = {"type": self.identity.type, "name": self.identity.name, "id": self.identity.id}
        return entry


@dataclass(frozen=True)
class CoreWorld:
    region: str
    project_id: str
    domain_id: str
    domain_name: str
    credentials: tuple[Credential, ...]


def parse_core(world: Mapping[str, Any], source: str, service_keys: Iterable[str]) -> CoreWorld:
    top = Fields(world, "", source).only((*CORE_KEYS, *service_keys))
    credentials = parse_credentials(top) if "credentials" in world else \
        parse_credentials(Fields({"credentials": list(DEFAULT_CREDENTIALS)}, "", source))
    return CoreWorld(
        region=top.str("region", DEFAULT_REGION, pattern=r"[a-z]{2}(-[a-z0-9]+)+"),
        project_id=top.str("project_id", DEFAULT_PROJECT_ID, pattern=r"[0-9a-f]{32}"),
        domain_id=top.str("domain_id", DEFAULT_DOMAIN_ID, pattern=r"[0-9a-f]{32}"),
        domain_name=top.str("domain_name", DEFAULT_DOMAIN_NAME),
        credentials=credentials,
    )


def parse_credentials(top: Fields) -> tuple[Credential, ...]:
    credentials = []
    seen: set[str] = set()
    for entry in top.items("credentials"):
        entry.only(("ak", "sk", "security_token", "identity"))
        ak = entry.str("ak", pattern=r"[A-Za-z0-9]{8,64}")
        if ak in seen:
            raise entry.error("ak", f"duplicate access key {ak}")
        seen.add(ak)
        token = entry.optional_str("security_token")
        identity = Fields(entry.mapping.get("identity") or {}, entry.where("identity"), top.source)
        identity.only(("type", "name", "id"))
        name = identity.str("name", ak)
        caller = Caller(ak=ak, type=identity.str("type", "IAMUser", choices=IDENTITY_TYPES), name=name,
                        id=identity.str("id", stable_id("identity", name)), has_token=bool(token))
        credentials.append(Credential(ak, entry.str("sk"), token, caller))
    if not credentials:
        raise top.error("credentials", "must list at least one credential")
    return tuple(credentials)
