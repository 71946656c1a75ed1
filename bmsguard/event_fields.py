"""Lenient readers for trigger-event fields: each accepts every shape Huawei has been seen to send and
raises ``MalformedEvent`` naming the field when a value cannot be read at all."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from bmsguard.errors import MalformedEvent
from bmsguard.times import parse_time_ms

_ID_KEYS = ("id", "server_id", "agency_id", "resource_id", "server_ids", "ids")


def as_object(value: Any, where: str, *, required: bool = False) -> Mapping[str, Any]:
    """A mapping from an object or a JSON string; a non-JSON string or other type counts as empty."""
    if value is None or value == "":
        if required:
            raise MalformedEvent(f"{where}: missing")
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            if required:
                raise MalformedEvent(f"{where}: not a JSON object") from None
            return {}
    if isinstance(value, Mapping):
        return value
    if required:
        raise MalformedEvent(f"{where}: expected an object, got {type_name(value)}")
    return {}


def ids_in(value: Any) -> list[str]:
    """Ids in a resource_id-like value: a string (maybe comma-separated), a list, or an object."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, (list, tuple)):
        return [found for item in value for found in ids_in(item)]
    if isinstance(value, Mapping):
        return [found for key in _ID_KEYS for found in ids_in(value.get(key))]
    return []


def optional_time(value: Any, where: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return parse_time_ms(value)
    except ValueError as exc:
        raise MalformedEvent(f"{where}: {exc}") from None


def status_code(value: Any, where: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise MalformedEvent(f"{where}: expected an HTTP status code, got {value!r}")
    try:
        return int(str(value).strip())
    except ValueError:
        raise MalformedEvent(f"{where}: expected an HTTP status code, got {short(value)}") from None


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else []


def text(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None or isinstance(value, (dict, list)) else str(value))


def unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def type_name(value: Any) -> str:
    return {list: "a list", str: "a string", type(None): "null"}.get(type(value), type(value).__name__)
