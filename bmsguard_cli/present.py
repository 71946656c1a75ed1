"""Human-readable output of a replay: what was found, changed (or would change) and notified."""

from __future__ import annotations

from typing import Any, TextIO

_ACTION_TEXT = {
    "disable_metadata": "disable instance metadata",
    "require_metadata_v2": "require metadata V2 (token mode)",
    "revoke_agency_role": "revoke role",
    "detach_agency_policy": "detach policy",
    "unbind_agency": "unbind agency",
}


def print_report(report: dict[str, Any], published: list[dict[str, Any]], out: TextIO, *,
                 show_email: bool = False) -> None:
    status = report.get("status", "?")
    trigger = report.get("trigger") or {}
    if trigger:
        out.write(f"  trigger: {_trigger_line(trigger)}\n")
    out.write(f"  result:  {status}  (mode {report.get('mode', '?')}, {report.get('api_calls', 0)} API calls)\n")
    if report.get("reason"):
        out.write(f"  reason:  {report['reason']}\n")
    for server in report.get("servers", []):
        _print_server(server, out)
    _print_published(published, out, show_email)


def _trigger_line(trigger: dict[str, Any]) -> str:
    parts = [f"{trigger.get('kind')} via {trigger.get('source')}"]
    if trigger.get("trace_name"):
        parts.append(trigger["trace_name"])
    actor = trigger.get("actor") or {}
    if actor.get("name"):
        parts.append(f"by {actor.get('type', '')} {actor['name']}".replace("  ", " "))
    if trigger.get("trace_id"):
        parts.append(f"trace {trigger['trace_id']}")
    return ", ".join(parts)


def _print_server(server: dict[str, Any], out: TextIO) -> None:
    posture = server.get("posture") or {}
    name = posture.get("name") or server["server_id"]
    out.write(f"  ● {name} ({server['server_id']}): {server['status']}\n")
    if server.get("error"):
        out.write(f"      error: {server.get('error_code') or ''} {server['error']}".rstrip() + "\n")
    for exemption in server.get("exemptions", []):
        out.write(f"      exempt: {exemption['match']} (owner {exemption['owner']}, until {exemption['expires']})\n")
    for finding in server.get("findings", []):
        note = "" if finding.get("remediable", True) else "  [report only]"
        out.write(f"      found:   {finding['observed']} → wanted {finding['desired']}{note}\n")
    for outcome in server.get("outcomes", []):
        out.write(f"      {_verb(outcome['status'])} {action_text(outcome['action'])}{_error(outcome)}\n")


def _verb(status: str) -> str:
    return {"applied": "changed:", "would_apply": "would:  ", "already": "already:", "failed": "FAILED: ",
            "not_applied": "NOT APPLIED:", "skipped": "skipped:"}.get(status, f"{status}:")


def action_text(action: dict[str, Any]) -> str:
    kind = action.get("kind", "?")
    text = _ACTION_TEXT.get(kind, kind)
    if "before" in action:
        before = action["before"]
        after = _metadata_after(kind, before)
        return f"{text}: {before['http_endpoint']}/{before['http_tokens']} → {after}"
    grant = action.get("grant")
    if grant:
        label = grant.get("display_name") or grant.get("role_name")
        return f"{text} {label} ({_scope(grant)}) from {action.get('agency_name')}"
    if kind == "unbind_agency":
        return f"{text} {action.get('agency_name')} from the server"
    return text


def _scope(grant: dict[str, Any]) -> str:
    scope, scope_id = grant.get("scope", ""), grant.get("scope_id", "")
    if scope == "policy":
        return "v5 identity policy"
    return {"project": f"project {scope_id}", "domain": "account, global services",
            "all_projects": "all projects", "enterprise_project": f"enterprise project {scope_id}"}.get(scope, scope)


def _metadata_after(kind: str, before: dict[str, str]) -> str:
    if kind == "disable_metadata":
        return f"disabled/{before['http_tokens']}"
    return "enabled/required"


def _error(outcome: dict[str, Any]) -> str:
    if not outcome.get("error"):
        return ""
    return f"  ({outcome.get('error_code') or 'error'}: {outcome['error']})"


def _print_published(published: list[dict[str, Any]], out: TextIO, show_email: bool) -> None:
    if not published:
        out.write("  notified: nothing (no SMN message)\n")
        return
    for message in published:
        out.write(f"  notified: {message.get('subject', '')}\n")
        structure = message.get("message_structure") or {}
        if show_email and isinstance(structure, dict) and structure.get("email"):
            for line in structure["email"].splitlines():
                out.write(f"      | {line}\n")
