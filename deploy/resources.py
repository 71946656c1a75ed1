"""The common currency of plan and apply: a resource (desired or found in the cloud) and a change.

A resource is identified by (kind, key); ``props`` are the settings deploy manages, as canonical JSON
text so two resources compare equal exactly when nothing managed differs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Creation order; deletion runs in reverse.
KINDS = ("topic", "subscription", "role", "agency", "grant", "function", "async_config", "trigger")
MARKER_PREFIX = "[bmsguard-managed"


def marker(stack: str) -> str:
    """The ownership marker deploy writes into every resource it creates (``stack`` = function name)."""
    return f"{MARKER_PREFIX}:{stack}]"


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class Resource:
    kind: str
    key: str
    props: tuple[tuple[str, str], ...] = ()  # (name, canonical JSON), sorted by name
    ident: str = ""  # the cloud's id or URN (found resources only)
    owned: bool = True  # carries our marker (found resources); always True for desired ones
    spec: Any = field(default=None, compare=False)  # what apply needs to create it (desired resources)

    @classmethod
    def of(cls, kind: str, key: str, props: dict[str, Any], **kwargs: Any) -> Resource:
        return cls(kind, key, tuple(sorted((k, canonical(v)) for k, v in props.items())), **kwargs)

    @property
    def label(self) -> str:
        return f"{self.kind} {self.key}"

    def prop(self, name: str) -> Any:
        return json.loads(dict(self.props).get(name, "null"))


@dataclass(frozen=True)
class Applying:
    """What every write needs: the clients, the ids known so far (``label -> id``, filled as resources are
    created), and the package zip (None when nothing uploads code, e.g. destroy)."""

    session: Any
    ids: dict[str, str]
    package: Path | None = None


@dataclass(frozen=True)
class FieldChange:
    name: str
    old: str  # canonical JSON, or "" when absent
    new: str


@dataclass(frozen=True)
class Change:
    action: str  # create | update | replace | delete
    desired: Resource | None
    current: Resource | None
    fields: tuple[FieldChange, ...] = ()

    @property
    def resource(self) -> Resource:
        return self.desired or self.current  # type: ignore[return-value]

    @property
    def order(self) -> tuple[int, int]:
        rank = KINDS.index(self.resource.kind)
        return (1, -rank) if self.action == "delete" else (0, rank)


def field_changes(desired: Resource, current: Resource) -> tuple[FieldChange, ...]:
    """What differs, field by field; inside JSON objects (user data, event data) key by key."""
    old = {k: json.loads(v) for k, v in current.props}
    new = {k: json.loads(v) for k, v in desired.props}
    return tuple(_differences(old, new, ""))


_ABSENT = object()


def _differences(old: dict, new: dict, prefix: str) -> list[FieldChange]:
    changes = []
    for name in sorted(set(old) | set(new)):
        before, after = old.get(name, _ABSENT), new.get(name, _ABSENT)
        if before == after:
            continue
        if isinstance(before, dict) and isinstance(after, dict):
            changes.extend(_differences(before, after, f"{prefix}{name}."))
        else:
            changes.append(FieldChange(f"{prefix}{name}", _shown(before), _shown(after)))
    return changes


def _shown(value: Any) -> str:
    return "" if value is _ABSENT else canonical(value)
