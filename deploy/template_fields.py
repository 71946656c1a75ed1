"""Typed access to one mapping of a YAML template, raising ``TemplateError`` with the dotted field path."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bmsguard.errors import InputError


class TemplateError(InputError):
    """A template problem: ``field`` is the dotted path (``triggers[1].schedule``), ``source`` the file."""

    def __init__(self, field: str, problem: str, source: str = ""):
        self.field, self.problem, self.source = field, problem, source
        super().__init__(f"{source + ': ' if source else ''}template field '{field}': {problem}")


class Node:
    """One mapping of the template and its dotted path; every accessor validates and names the field."""

    def __init__(self, data: Any, path: str, source: str):
        if not isinstance(data, Mapping):
            raise TemplateError(path or "(top level)", f"must be a mapping, got {type(data).__name__}", source)
        self.data, self.path, self.source = data, path, source

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str, problem: str) -> TemplateError:
        return TemplateError(self.where(key), problem, self.source)

    def get(self, key: str, default: Any = None) -> Any:
        value = self.data.get(key)
        return default if value is None else value

    def only(self, *allowed: str) -> None:
        for key in self.data:
            if key not in allowed:
                raise self.error(str(key), f"unknown key (expected one of: {', '.join(allowed)})")

    def child(self, key: str) -> Node:
        return Node(self.get(key, {}), self.where(key), self.source)

    def items(self, key: str) -> list[Node]:
        value = self.get(key, [])
        if not isinstance(value, list):
            raise self.error(key, f"must be a list, got {type(value).__name__}")
        return [Node(item, f"{self.where(key)}[{i}]", self.source) for i, item in enumerate(value)]

    def str(self, key: str, default: str | None = None, *, choices: tuple[str, ...] = (), pattern: str = "") -> str:
        value = self.get(key, default)
        if value is None:
            raise self.error(key, "is required")
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise self.error(key, f"must be a string, got {type(value).__name__}")
        value = str(value)
        if choices and value not in choices:
            raise self.error(key, f"must be one of {', '.join(repr(c) for c in choices)}, got {value!r}")
        if pattern and not re.fullmatch(pattern, value):
            raise self.error(key, f"{value!r} is not valid (expected {pattern})")
        return value

    def int(self, key: str, default: int | None = None, *, minimum: int, maximum: int | None = None) -> int:
        value = self.get(key, default)
        if value is None:
            raise self.error(key, "is required")
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"must be an integer, got {value!r}")
        if value < minimum or (maximum is not None and value > maximum):
            raise self.error(key, f"must be between {minimum} and {maximum}, got {value}")
        return value

    def bool(self, key: str, default: bool) -> bool:
        value = self.get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false, got {value!r}")
        return value

    def str_list(self, key: str) -> list[str]:
        value = self.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key, "must be a list of strings")
        return value

    def str_map(self, key: str) -> dict[str, str]:
        value = self.get(key, {})
        if not isinstance(value, Mapping):
            raise self.error(key, f"must be a mapping, got {type(value).__name__}")
        result = {}
        for name, item in value.items():
            if isinstance(item, bool) or not isinstance(item, (str, int)) or not isinstance(name, str):
                raise self.error(f"{key}.{name}", "must be a string")
            result[name] = "" if item is None else str(item)
        return result
