"""Typed accessors for a decoded policy document that raise ``PolicyError`` naming the dotted field."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from bmsguard.errors import PolicyError


class FieldReader:
    """Typed accessors that raise PolicyError naming the dotted field."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, path: str, problem: str) -> PolicyError:
        return PolicyError(path or "<document>", problem, self.source)

    def section(self, value: Any, path: str, known: Any, required: tuple[str, ...] = ()) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(path, f"expected a mapping, got {_kind(value)}")
        names = _known_keys(known)
        prefix = f"{path}." if path else ""
        for key in value:
            if key not in names:
                raise self.fail(f"{prefix}{key}", f"unknown key{_suggest(str(key), names)} (known: {', '.join(names)})")
        for key in required:
            if key not in value or value[key] is None:
                raise self.fail(f"{prefix}{key}", "required")
        return value

    def items(self, value: Any, path: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list, got {_kind(value)}")
        return value

    def text(self, value: Any, path: str, *, allow_empty: bool = False) -> str:
        if not isinstance(value, str):
            hint = " (quote it: YAML reads yes/no/on/off as booleans)" if isinstance(value, bool) else ""
            raise self.fail(path, f"expected a string, got {_kind(value)}{hint}")
        if not allow_empty and not value.strip():
            raise self.fail(path, "must not be empty")
        return value.strip()

    def texts(self, value: Any, path: str) -> tuple[str, ...]:
        return tuple(self.text(item, f"{path}[{i}]") for i, item in enumerate(self.items(value, path)))

    def choice(self, value: Any, path: str, choices: tuple[str, ...]) -> str:
        if value not in choices:
            raise self.fail(path, f"expected one of {', '.join(choices)}, got {value!r}")
        return value

    def boolean(self, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(path, f"expected true or false, got {value!r}")
        return value

    def integer(self, value: Any, path: str, *, minimum: int, maximum: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(path, f"expected a whole number, got {value!r}")
        if value < minimum or (maximum is not None and value > maximum):
            upper = f" and at most {maximum}" if maximum is not None else ""
            raise self.fail(path, f"must be at least {minimum}{upper}, got {value}")
        return value


def yaml_problem(exc: Exception) -> str:
    """A PyYAML error in one line: `` at line L, column C: problem`` (its own text spans several lines)."""
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return f"{where}: {getattr(exc, 'problem', None) or 'syntax error'}"


def _known_keys(known: Any) -> tuple[str, ...]:
    if isinstance(known, tuple):
        return known
    return tuple(f.name for f in dataclasses.fields(known) if f.name != "source")


def _suggest(key: str, names: tuple[str, ...]) -> str:
    import difflib

    close = difflib.get_close_matches(key, names, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _kind(value: Any) -> str:
    return {type(None): "nothing", list: "a list", dict: "a mapping", str: "a string"}.get(
        type(value), type(value).__name__)
