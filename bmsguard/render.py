"""Server outcome -> one SMN notification, rendered per protocol (docs/notifications.md).

``message_structure`` keys: ``default`` (short text, also ``message``), ``email`` (plain-text report:
what, why, before -> after, who and when, undo, exemptions, OS hardening), ``sms`` (<= 490 characters,
no ``[]``/``【】``), ``http``/``https`` (compact JSON). Every user-controlled string is sanitised; no
access key id, secret or token is ever rendered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from bmsguard import undo
from bmsguard.model import (
    SERVER_SUMMARY_KEYS,
    ActionOutcome,
    ActionStatus,
    DisableMetadata,
    MetadataOptions,
    Report,
    RequireMetadataV2,
    ServerOutcome,
    ServerStatus,
    Severity,
    Trigger,
)
from bmsguard.phrases import (
    actor_text,
    before_after,
    change_phrase,
    describe_action,
    duration,
    exemption_text,
    status_text,
    trigger_line,
    trigger_name,
    trigger_summary,
    without_secrets,
)
from bmsguard.rules import METADATA_UNSUPPORTED_REGION
from bmsguard.sanitize import cap, cap_utf8, clean, clean_tree, for_sms
from bmsguard.undo import undo_instruction

__all__ = ["Notification", "render_event_failure", "render_event_failure_fallback", "render_fallback",
           "render_notification", "should_notify", "undo_instruction"]

SUBJECT_MAX_BYTES = 512
SMS_MAX_CHARS = 490
DEFAULT_MAX_CHARS = 1000
# SMN takes <= 256 KB per message; http and https carry the same JSON (escaped once more inside the structure,
# so each counts at most twice): with these budgets only the email can push a message over, and it is cut.
MESSAGE_MAX_BYTES = 256 * 1024
HTTP_MAX_BYTES = 50_000
EMAIL_MAX_BYTES = 100_000
FAILURE_LISTED_SERVERS = 50  # server lines in an event-failure email; the rest are counted
_TRUNCATED_EMAIL = "\n(cut to fit the 256 KB message limit; the full report is in the function's logs)\n"
_QUIET = {ServerStatus.COMPLIANT, ServerStatus.EXEMPT}
_DONE = {ActionStatus.APPLIED, ActionStatus.ALREADY}
LATE_EVENT_MS = 24 * 3_600_000  # a fix this long after its event was not triggered by it in real time
_SEVERITY_ORDER = (Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)
_HEADLINES = {
    ServerStatus.REMEDIATED: "hardened",
    ServerStatus.PARTIALLY_FAILED: "partly hardened, action needed",
    ServerStatus.FAILED: "remediation FAILED",
    ServerStatus.NOT_READY: "not ready yet, will be retried",
    ServerStatus.GONE: "gone before it could be checked",
}


@dataclass(frozen=True)
class Notification:
    subject: str
    message: str
    message_structure: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def message_structure_json(self) -> str:
        """The JSON string SMN's ``message_structure`` field takes."""
        return json.dumps(self.message_structure, ensure_ascii=False, separators=(",", ":"))


def should_notify(outcome: ServerOutcome) -> bool:
    """One publish per server outcome that changed something or is wrong; none for quiet ones."""
    if outcome.status in _QUIET:
        return False
    if outcome.status == ServerStatus.GONE:  # quiet unless it vanished mid-remediation or will be retried
        return bool(outcome.outcomes) or outcome.retryable
    return True


def render_notification(outcome: ServerOutcome, trigger: Trigger | None, *, region: str) -> Notification:
    view = _View(outcome, trigger, region)
    default = cap(for_sms(view.default_text()), DEFAULT_MAX_CHARS)
    structure = {
        "default": default,
        "email": cap_utf8(view.email_text(), EMAIL_MAX_BYTES),
        "sms": view.sms_text(),
        "http": view.http_json(),
    }
    structure["https"] = structure["http"]
    return Notification(subject=view.subject(), message=default, message_structure=within_message_limit(structure),
                        tags=view.tags())


def render_event_failure(report: Report, *, region: str = "") -> Notification:
    """For an event that could not be completed at all (FunctionGraph retries it; the sweep is the net)."""
    reason = clean(report.reason or "unknown error", 600)
    subject = cap_utf8(f"bmsguard: event could not be completed ({clean(trigger_name(report.trigger), 80)})",
                       SUBJECT_MAX_BYTES)
    short = f"bmsguard: event {clean(trigger_name(report.trigger), 60)} could not be completed: {reason}"
    http = _failure_json(report, region)
    structure = {"default": cap(for_sms(short), DEFAULT_MAX_CHARS),
                 "email": cap_utf8(_failure_email(report, region, reason), EMAIL_MAX_BYTES),
                 "sms": cap(for_sms(short), SMS_MAX_CHARS), "http": http, "https": http}
    tags = {"status": "event_failed", "region": clean(region, 64), "trace": clean(trigger_name(report.trigger), 64)}
    return Notification(subject=subject, message=structure["default"], message_structure=within_message_limit(structure),
                        tags=tags)


def render_fallback(outcome: ServerOutcome, problem: str, *, region: str) -> Notification:
    """A plain message from ids, statuses and action kinds only, for when ``render_notification`` failed:
    the server may already have been changed, and that must still reach people."""
    server_id = clean(outcome.server_id, 64)
    actions = [f"{clean(o.action.kind, 40)}: {clean(o.status, 20)}" for o in outcome.outcomes]
    lines = [f"bmsguard: BMS {server_id}: {clean(outcome.status, 40)} (mode {clean(outcome.mode, 16)}, "
             f"region {clean(region, 64) or 'unknown'})",
             f"Actions: {'; '.join(actions) or 'none'}",
             f"The full message could not be rendered ({clean(problem, 300)}); the report is in the function's logs."]
    return _plain(f"bmsguard: BMS {server_id}: {clean(outcome.status, 40)}", lines,
                  {"server_id": server_id, "status": clean(outcome.status, 32), "region": clean(region, 64)})


def render_event_failure_fallback(report: Report, problem: str, *, region: str) -> Notification:
    """The event-failure message from statuses and ids only, for when ``render_event_failure`` failed."""
    lines = ["bmsguard could not complete the handling of an event.",
             f"Why: {clean(report.reason or 'unknown error', 600)}",
             *[f"Server {clean(s.server_id, 64)}: {clean(s.status, 40)}" for s in report.servers],
             f"The full message could not be rendered ({clean(problem, 300)}); the report is in the function's logs."]
    return _plain("bmsguard: event could not be completed", lines,
                  {"status": "event_failed", "region": clean(region, 64)})


def _plain(subject: str, lines: list[str], tags: dict[str, str]) -> Notification:
    text = "\n".join(lines)
    short = cap(for_sms(" ".join(lines)), SMS_MAX_CHARS)
    http = _json({"subject": subject, "text": text})
    structure = {"default": short, "email": cap_utf8(text, EMAIL_MAX_BYTES), "sms": short, "http": http, "https": http}
    return Notification(subject=cap_utf8(subject, SUBJECT_MAX_BYTES), message=short, message_structure=structure,
                        tags=tags)


def _failure_email(report: Report, region: str, reason: str) -> str:
    what = trigger_line(report.trigger) if report.trigger else "an event"
    listed = report.servers[:FAILURE_LISTED_SERVERS]
    more = len(report.servers) - len(listed)
    return "\n".join([
        "bmsguard could not complete the handling of an event.",
        f"Event: {what}",
        f"Region: {clean(region) or 'unknown'}   Mode: {clean(report.mode)}   Request id: {clean(report.request_id)}",
        f"Why: {reason}",
        *[f"Server {clean(s.server_id)}: {clean(s.status)} {clean(s.error, 300)}".rstrip() for s in listed],
        *([f"... and {more} more servers (all are in the report and the function's logs)"] if more else []),
        "",
        "FunctionGraph retries the event as configured; the timer sweep re-checks every server.",
    ])


def _failure_json(report: Report, region: str) -> str:
    """The report as JSON within HTTP_MAX_BYTES: in full, else servers as summaries, halved until it fits."""
    full = clean_tree(without_secrets(report.to_dict()))
    text = _json({"report": full, "region": clean(region, 64)})
    summaries = [{k: server.get(k) for k in SERVER_SUMMARY_KEYS} for server in full["servers"]]
    kept = len(summaries)
    while len(text.encode("utf-8")) > HTTP_MAX_BYTES:
        omitted = f", {len(summaries) - kept} of {len(summaries)} servers omitted" if kept < len(summaries) else ""
        text = _json({"report": {**full, "servers": summaries[:kept]}, "region": clean(region, 64),
                      "truncated": f"servers reduced to summaries{omitted}: message too large"})
        if kept == 0:  # what is left (trigger, reason) is a few kB at most
            break
        kept //= 2
    return text


def _json(cleaned: object) -> str:
    return json.dumps(cleaned, ensure_ascii=False, separators=(",", ":"))


def within_message_limit(structure: dict[str, str]) -> dict[str, str]:
    """``structure`` whose JSON string fits SMN's 256 KB: the end of the email gives way. JSON escaping counts
    a cut byte once or twice, so each round cuts half the overflow (a few rounds, cutting little more than needed)."""
    over = _structure_bytes(structure) - MESSAGE_MAX_BYTES
    while over > 0 and structure["email"]:
        email = structure["email"].removesuffix(_TRUNCATED_EMAIL)
        keep = max(len(email.encode("utf-8")) - (over + 1) // 2 - 2 * len(_TRUNCATED_EMAIL), 0)
        structure = {**structure, "email": (cap_utf8(email, keep) + _TRUNCATED_EMAIL) if keep else ""}
        over = _structure_bytes(structure) - MESSAGE_MAX_BYTES
    return structure


def _structure_bytes(structure: dict[str, str]) -> int:
    return len(json.dumps(structure, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


# ---------------------------------------------------------------- the per-server view


class _View:
    """Everything the renderings share, computed once from one outcome (a plain helper, no state kept)."""

    def __init__(self, outcome: ServerOutcome, trigger: Trigger | None, region: str):
        self.outcome = outcome
        self.trigger = trigger
        self.region = clean(region, 64)
        posture = outcome.posture
        self.server_name = clean(posture.name if posture else "", 64)
        self.server_id = clean(outcome.server_id, 64)
        self.project_id = clean(trigger.project_id if trigger else "", 64)
        self.domain_id = clean(trigger.domain_id if trigger else "", 64)
        self.report_mode = outcome.mode == "report"

    # ------------------------------------------------------------ short forms

    def label(self) -> str:
        return f"{self.server_name} ({self.server_id})" if self.server_name else self.server_id

    def headline(self) -> str:
        if self.outcome.status == ServerStatus.REPORTED:
            return "would be hardened (report mode)" if self._would_change() else "findings need attention"
        return _HEADLINES.get(self.outcome.status, clean(self.outcome.status, 40))

    def changes(self) -> list[str]:
        """Short phrases for what was (or would be) changed."""
        counted: dict[str, int] = {}
        for item in self.outcome.outcomes:
            if item.status in (ActionStatus.APPLIED, ActionStatus.WOULD_APPLY):
                phrase = change_phrase(item)
                counted[phrase] = counted.get(phrase, 0) + 1
        return [phrase if n == 1 else f"{phrase} x{n}" for phrase, n in counted.items()]

    def subject(self) -> str:
        changes = "; ".join(self.changes())
        tail = f" ({changes})" if changes else ""
        return cap_utf8(f"bmsguard: BMS {self.label()} {self.headline()}{tail}", SUBJECT_MAX_BYTES)

    def default_text(self) -> str:
        parts = [f"bmsguard: BMS {self.label()} in {self.region or 'unknown region'}: {self.headline()}."]
        if self.changes():
            parts.append(("Would change: " if self.report_mode else "Changed: ") + "; ".join(self.changes()) + ".")
        open_items = [f.rule_id for f in self.outcome.findings if not f.remediable]
        if open_items:
            parts.append("Needs a person: " + ", ".join(dict.fromkeys(open_items)) + ".")
        if self.outcome.error:
            parts.append(f"Error: {clean(self.outcome.error, 200)}.")
        return " ".join(parts)

    def sms_text(self) -> str:
        who = actor_text(self.trigger, 40)
        by = f" Event {clean(trigger_name(self.trigger), 40)} by {who}." if who else ""
        return cap(for_sms(f"{self.default_text()}{by} Details by email."), SMS_MAX_CHARS)

    def tags(self) -> dict[str, str]:
        return {
            "server_id": self.server_id,
            "server_name": self.server_name,
            "status": clean(self.outcome.status, 32),
            "mode": clean(self.outcome.mode, 16),
            "region": self.region,
            "severity": self._top_severity(),
        }

    # ------------------------------------------------------------ email

    def email_text(self) -> str:
        sections = [
            [f"bmsguard: BMS {self.label()}: {self.headline()}",
             f"Region: {self.region or 'unknown'}   Mode: {clean(self.outcome.mode)}   "
             f"Status: {clean(self.outcome.status)}{self._agency_note()}"],
            self._found_section(),
            self._done_section(),
            self._trigger_section(),
            self._exemption_section(),
            self._hardening_section(),
            self._error_section(),
            ["To exempt this server, add an entry with owner, reason and expiry to the policy's exemptions "
             "(docs/policy.md)."],
        ]
        return "\n\n".join("\n".join(lines) for lines in sections if lines) + "\n"

    def _found_section(self) -> list[str]:
        if not self.outcome.findings:
            return []
        lines = ["What was found"]
        for finding in self.outcome.findings:
            lines += [
                f"  - {finding.severity.upper()} {clean(finding.rule_id)}: {clean(finding.observed, 300)}",
                f"      wanted: {clean(finding.desired, 200)}",
                f"      why: {clean(finding.reason, 400)}",
            ]
            if not finding.remediable:
                lines.append("      not changed automatically")
        return lines

    def _done_section(self) -> list[str]:
        if not self.outcome.outcomes:
            return ["What was done", "  nothing was changed"] if self.outcome.findings else []
        title = "What would be done (report mode: nothing was changed)" if self.report_mode else "What was done"
        lines = [title]
        for index, item in enumerate(self.outcome.outcomes, 1):
            lines += self._action_lines(index, item)
        return lines

    def _action_lines(self, index: int, item: ActionOutcome) -> list[str]:
        lines = [f"  {index}. {describe_action(item.action)}: {status_text(item)}"]
        change = before_after(item.action)
        if change:
            lines.append(f"     before -> after: {change}")
        if item.status in (ActionStatus.APPLIED, ActionStatus.NOT_APPLIED):
            api, cli = undo.undo_steps(item.action, region=self.region, project_id=self.project_id,
                                       domain_id=self.domain_id)
            lines += [f"     undo (API): {clean(api, 2000)}", f"     undo (KooCLI): {clean(cli, 2000)}"]
        return lines

    def _trigger_section(self) -> list[str]:
        lines = ["Trigger", f"  event: {trigger_line(self.trigger)}"]
        who = actor_text(self.trigger, 120)
        if who:
            lines.append(f"  by: {who}")
        elapsed = self._time_to_fix()
        if elapsed:
            lines.append(f"  time from event to fix: {elapsed}")
        return lines

    def _exemption_section(self) -> list[str]:
        lines = [f"  applied: {exemption_text(e)}" for e in self.outcome.exemptions]
        lines += [f"  EXPIRED, no longer applies: {exemption_text(e)}" for e in self.outcome.expired_exemptions]
        return ["Exemptions", *lines] if lines else []

    def _hardening_section(self) -> list[str]:
        unsupported = any(f.rule_id == METADATA_UNSUPPORTED_REGION for f in self.outcome.findings)
        lines: list[str] = []
        if unsupported:
            wanted = next(f.desired for f in self.outcome.findings if f.rule_id == METADATA_UNSUPPORTED_REGION)
            lines += ["Set metadata options by hand", *[f"  {s}" for s in undo.console_steps(self.region, wanted)]]
        if unsupported or self._metadata_stays_enabled():
            lines += ["Keep the metadata address for root/Administrator only (run inside the OS)",
                      *[f"  {s}" for s in undo.os_firewall_steps()]]
        return lines

    def _error_section(self) -> list[str]:
        if not self.outcome.error and not self.outcome.notification_error:
            return []
        lines = ["Error"]
        if self.outcome.error:
            code = f"{clean(self.outcome.error_code, 60)}: " if self.outcome.error_code else ""
            lines.append(f"  {code}{clean(self.outcome.error, 600)}")
        if self.outcome.retryable:
            lines.append("  This will be retried (FunctionGraph retry or the next sweep).")
        return lines

    # ------------------------------------------------------------ http

    def http_json(self) -> str:
        """The outcome as JSON; too large, it loses the posture, then everything but a summary."""
        full = without_secrets(self.outcome.to_dict())
        without_posture = {**full, "posture": None}
        summary = {k: full[k] for k in ("server_id", "status", "mode", "error_code", "error", "retryable")}
        summary.update(findings=len(full["findings"]), actions=[change_phrase(o) for o in self.outcome.outcomes])
        for outcome, note in ((full, ""), (without_posture, "posture omitted"), (summary, "summary only")):
            payload = {"outcome": outcome, "trigger": trigger_summary(self.trigger), "region": self.region,
                       "headline": self.headline(), **({"truncated": f"{note}: message too large"} if note else {})}
            text = json.dumps(clean_tree(payload), ensure_ascii=False, separators=(",", ":"))
            if len(text.encode("utf-8")) <= HTTP_MAX_BYTES:
                break
        return text

    # ------------------------------------------------------------ derived facts

    def _agency_note(self) -> str:
        posture = self.outcome.posture
        return f"   Agency: {clean(posture.agency_name, 64)}" if posture and posture.agency_name else ""

    def _would_change(self) -> bool:
        return any(o.status == ActionStatus.WOULD_APPLY for o in self.outcome.outcomes)

    def _metadata_stays_enabled(self) -> bool:
        posture = self.outcome.posture
        final: MetadataOptions | None = posture.metadata if posture else None
        for item in self.outcome.outcomes:
            if isinstance(item.action, (DisableMetadata, RequireMetadataV2)) and item.status in _DONE:
                final = item.action.after
        return final is not None and final.http_endpoint != "disabled"

    def _time_to_fix(self) -> str:
        start = self.trigger.event_time_ms if self.trigger else None
        applied = [o.verified_at_ms or o.applied_at_ms for o in self.outcome.outcomes
                   if o.status == ActionStatus.APPLIED and (o.verified_at_ms or o.applied_at_ms)]
        if start is None or not applied:
            return ""
        elapsed = max(applied) - start
        late = " (the event was delivered late or replayed)" if elapsed > LATE_EVENT_MS else ""
        return duration(elapsed) + late

    def _top_severity(self) -> str:
        seen = {f.severity for f in self.outcome.findings}
        return next((s for s in _SEVERITY_ORDER if s in seen), "none")
