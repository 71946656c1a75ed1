"""Structured logging: one JSON line per action, one summary line per invocation, and nothing secret.

Lines go to the ``bmsguard`` logger. FunctionGraph collects stdout into LTS, so ``configure`` attaches a
plain stdout handler when nobody else has configured logging (the runtime does not).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from typing import Any

from bmsguard.model import ActionOutcome, Report, ServerOutcome

LOGGER_NAME = "bmsguard"
REDACTED = "<redacted>"
_MIN_SECRET_LEN = 6  # shorter strings are not credentials and would blank out ordinary words


def logger() -> logging.Logger:
    return logging.getLogger(LOGGER_NAME)


def configure(level: int = logging.INFO) -> logging.Logger:
    """Make INFO lines visible when the process has no logging configuration of its own."""
    log = logger()
    log.setLevel(level)
    if not log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
    return log


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret value replaced (a last line of defence; secrets are never logged on purpose)."""
    for secret in secrets:
        if secret and len(secret) >= _MIN_SECRET_LEN:
            text = text.replace(secret, REDACTED)
    return text


def action_line(server: ServerOutcome, outcome: ActionOutcome, request_id: str = "") -> dict[str, Any]:
    action = outcome.action
    grant = getattr(action, "grant", None)
    return {
        "event": "bmsguard.action",
        "invocation": request_id,
        "server": server.server_id,
        "action": action.kind,
        "target": grant.label if grant is not None else "",
        "scope": f"{grant.scope}:{grant.scope_id}" if grant is not None else "",
        "mode": server.mode,
        "status": outcome.status,
        "attempts": outcome.attempts,
        "error_code": outcome.error_code,
        "error": outcome.error[:500],
        "request_id": outcome.request_id,
        "retryable": outcome.retryable,
        "write_ms": _span(outcome.started_at_ms, outcome.applied_at_ms),
        "verify_ms": _span(outcome.applied_at_ms, outcome.verified_at_ms),
    }


def summary_line(report: Report) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for server in report.servers:
        counts[server.status] = counts.get(server.status, 0) + 1
    trigger = report.trigger
    return {
        "event": "bmsguard.summary",
        "invocation": report.request_id,
        "status": report.status,
        "mode": report.mode,
        "trigger": trigger.kind if trigger else "",
        "trace_name": trigger.trace_name if trigger else "",
        "trace_id": trigger.trace_id if trigger else "",
        "servers": len(report.servers),
        "by_status": counts,
        "api_calls": report.api_calls,
        "reason": report.reason[:500],
        "duration_ms": _span(report.received_at_ms, report.finished_at_ms),
    }


def emit(line: dict[str, Any], secrets: Iterable[str] = (), level: int = logging.INFO) -> None:
    logger().log(level, redact(json.dumps(line, sort_keys=True, default=str), secrets))


def log_report(report: Report, secrets: Iterable[str] = ()) -> None:
    """One line per action of every server, then the summary line."""
    secrets = tuple(secrets)
    for server in report.servers:
        for outcome in server.outcomes:
            emit(action_line(server, outcome, report.request_id), secrets)
    level = logging.ERROR if report.status == "failed" else logging.INFO
    emit(summary_line(report), secrets, level)


def _span(start: int | None, end: int | None) -> int | None:
    return end - start if start is not None and end is not None else None
