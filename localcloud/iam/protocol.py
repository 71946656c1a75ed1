"""What every IAM route module shares: error translation per API family, query and body parsing."""

from __future__ import annotations

import functools
from typing import Any

from localcloud.iam.state import IamError
from localcloud.wire import ApiError, ErrorStyle, Handler, Reply, Request


def keystone_errors(handler: Handler) -> Handler:
    """v3 answers errors keystone-style: ``{"error": {"code": 404, "message", "title"}}``."""

    @functools.wraps(handler)
    def wrapped(cloud: Any, request: Request, **params: str) -> Reply:
        try:
            return handler(cloud, request, **params)
        except IamError as exc:
            raise ApiError(exc.status, str(exc.status), exc.message, ErrorStyle.KEYSTONE) from exc

    return wrapped


def v5_errors(handler: Handler) -> Handler:
    """v5 answers errors flat: ``{"error_code": "PAP5.xxxx", "error_msg", "request_id"}``."""

    @functools.wraps(handler)
    def wrapped(cloud: Any, request: Request, **params: str) -> Reply:
        try:
            return handler(cloud, request, **params)
        except IamError as exc:
            raise ApiError(exc.status, exc.v5_code, exc.message, ErrorStyle.FLAT) from exc

    return wrapped


def require_arg(request: Request, name: str) -> str:
    value = request.arg(name)
    if not value:
        raise IamError(400, f"Invalid input: the query parameter '{name}' is required.")
    return value


def int_arg(request: Request, name: str, default: int | None, low: int, high: int,
            v5_code: str = "") -> int | None:
    return request.int_arg(name, default, low, high, lambda problem: IamError(400, f"Invalid input: {problem}.",
                                                                             v5_code))


def bool_arg(request: Request, name: str) -> bool | None:
    raw = request.arg(name)
    if raw is None:
        return None
    if raw.lower() not in ("true", "false"):
        raise IamError(400, f"Invalid input: '{name}' must be true or false, got {raw!r}.")
    return raw.lower() == "true"


def body_value(request: Request, key: str, kind: type = dict, v5_code: str = "") -> Any:
    """The JSON value of type ``kind`` under ``key`` in the body, or a 400 naming what is missing."""
    try:
        body = request.json()
    except ApiError as exc:
        raise IamError(400, exc.error_msg, v5_code) from exc
    value = body.get(key) if isinstance(body, dict) else None
    if not isinstance(value, kind):
        noun = "list" if kind is list else "object" if kind is dict else kind.__name__
        raise IamError(400, f"Invalid input: the request body needs a '{key}' {noun}.", v5_code)
    return value


def text_field(mapping: dict[str, Any], key: str, where: str, *, required: bool = False,
               max_len: int = 255, v5_code: str = "") -> str | None:
    value = mapping.get(key)
    if value is None:
        if required:
            raise IamError(400, f"Invalid input: '{where}.{key}' is required.", v5_code)
        return None
    if not isinstance(value, str) or len(value) > max_len or (required and not value):
        raise IamError(400, f"Invalid input: '{where}.{key}' must be a string of 1 to {max_len} characters.",
                       v5_code)
    return value


def page(items: list[Any], page_number: int | None, per_page: int | None) -> list[Any]:
    if page_number is None or per_page is None:
        return items
    start = (page_number - 1) * per_page
    return items[start:start + per_page]

