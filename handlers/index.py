"""FunctionGraph entry point for every trigger kind: ``index.handler`` (CTS, EventGrid, timer, manual).

Thin: settings + policy (validated once per container) -> parse -> compose -> ``service.run`` -> report.
Malformed events get a "rejected" report and ignored ones an "ignored" report: both are logged and
returned (retrying cannot change them) and make no cloud call. A retryable report is logged, its failure
notification published by the service, and then raised as ``EventFailed`` so FunctionGraph's async retry
and failure destination take over. Bad settings or policy raise the ``InputError`` naming the field.
Nothing heavy is imported here: the SDK loads on the first cloud call.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, NoReturn

from bmsguard import logs
from bmsguard.errors import IgnoredEvent, InputError, MalformedEvent, SettingsError
from bmsguard.model import SERVER_SUMMARY_KEYS, Report
from bmsguard.settings import Settings

MAX_EXCEPTION_REPORT_CHARS = 8_000
MAX_RETURN_BYTES = 200_000  # FunctionGraph keeps at most 256 KB of an async invocation's result


class EventFailed(Exception):
    """Raised for a failed event; ``report`` is the full report dict, the message its compact JSON."""

    def __init__(self, report: dict[str, Any], secrets: tuple[str, ...] = ()):
        self.report = report
        super().__init__(logs.redact(compact_json(report), secrets))


def handler(event: Any, context: Any) -> dict[str, Any]:
    return handle(event, context)


def initializer(context: Any) -> None:
    """Optional FunctionGraph initializer: validate settings and policy before the first event."""
    logs.configure()
    settings = Settings.from_context(context)
    _policy(settings)


def handle(event: Any, context: Any, *, sleep: Callable[[float], None] | None = None,
           clock: Callable[[], int] | None = None) -> dict[str, Any]:
    """``handler`` with the clock and sleep injectable (tests, the CLI's replays and the benchmark pass an
    emulated sleep: localcloud's state moves on reads, not time)."""
    from bmsguard.cloud.retry import wall_clock_ms

    clock = clock or wall_clock_ms
    sleep = sleep or time.sleep
    received = clock()
    logs.configure()
    request_id = _request_id(context)
    try:
        settings = Settings.from_context(context)
        policy = _policy(settings)
    except InputError as exc:
        _fail_configuration(exc, request_id, received, clock)
    secrets = (settings.credentials.secret_key, settings.credentials.security_token)
    try:
        report = _run(event, context, settings, policy, request_id, received, clock, sleep)
    except SettingsError as exc:  # found when the first client is built: no credentials, region unknown
        _fail_configuration(exc, request_id, received, clock)
    logs.log_report(report, secrets)
    result = fit_for_return(report.to_dict())
    if report.retryable:
        raise EventFailed(result, secrets)
    return result


def _run(event: Any, context: Any, settings: Settings, policy: Any, request_id: str, received: int,
         clock: Callable[[], int], sleep: Callable[[float], None]) -> Report:
    from bmsguard.events import parse_event

    mode = settings.mode_override or policy.mode
    try:
        trigger = parse_event(event, extra_trace_names=policy.extra_trace_names)
    except MalformedEvent as exc:
        return Report(status="rejected", mode=mode, reason=str(exc), request_id=request_id,
                      received_at_ms=received, finished_at_ms=clock())
    except IgnoredEvent as exc:
        return Report(status="ignored", mode=mode, reason=str(exc), request_id=request_id,
                      received_at_ms=received, finished_at_ms=clock())
    from bmsguard import service
    from handlers.compose import compose

    return service.run(trigger, compose(context, settings, policy, request_id, clock=clock, sleep=sleep))


def _policy(settings: Settings) -> Any:
    from handlers.compose import cached_policy

    return cached_policy(settings.policy_source)


def _fail_configuration(exc: InputError, request_id: str, received: int, clock: Callable[[], int]) -> NoReturn:
    """Settings or policy are wrong: no event can be handled. Log it, then raise the error that names the
    setting or policy field, so the event fails (and is kept by FunctionGraph's retry/failure destination)."""
    report = Report(status="failed", mode="", reason=f"configuration: {exc}", request_id=request_id,
                    received_at_ms=received, finished_at_ms=clock(), retryable=True)
    logs.log_report(report)
    raise exc


def _request_id(context: Any) -> str:
    getter = getattr(context, "getRequestID", None)
    return str(getter() or "") if getter else ""


def fit_for_return(report: dict[str, Any]) -> dict[str, Any]:
    """The report dict, with servers reduced to their summary when the whole would be too large to return
    (the full detail is in the per-action log lines and the per-server notifications)."""
    if len(json.dumps(report, default=str)) <= MAX_RETURN_BYTES:
        return report
    servers = [_server_summary(server) for server in report.get("servers") or ()]
    note = "servers reduced to summaries to fit the result size limit; details are in the logs"
    return dict(report, servers=servers, reason="; ".join(filter(None, [report.get("reason"), note])))


def _server_summary(server: dict[str, Any]) -> dict[str, Any]:
    summary = {key: server.get(key) for key in SERVER_SUMMARY_KEYS}
    summary["findings"] = [finding.get("rule_id") for finding in server.get("findings") or ()]
    summary["outcomes"] = [{"action": (o.get("action") or {}).get("kind"), "status": o.get("status"),
                            "target": ((o.get("action") or {}).get("grant") or {}).get("display_name", "")}
                           for o in server.get("outcomes") or ()]
    return summary


def compact_json(report: dict[str, Any]) -> str:
    """The report, small enough for an exception message: servers reduced to id/status/error."""
    servers = [{key: server.get(key) for key in ("server_id", "status", "error_code", "error", "retryable")}
               for server in report.get("servers") or ()]
    trigger = report.get("trigger") or {}
    compact = {"status": report.get("status"), "mode": report.get("mode"), "reason": report.get("reason"),
               "request_id": report.get("request_id"), "api_calls": report.get("api_calls"),
               "trigger": {k: trigger.get(k) for k in ("kind", "source", "trace_name", "trace_id", "job_id")},
               "servers": servers}
    text = json.dumps(compact, separators=(",", ":"), default=str)
    return text if len(text) <= MAX_EXCEPTION_REPORT_CHARS else text[:MAX_EXCEPTION_REPORT_CHARS] + "..."
