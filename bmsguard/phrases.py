"""Short, sanitised human phrases for actions, outcomes, triggers, exemptions and durations."""

from __future__ import annotations

from typing import Any

from bmsguard.model import (
    ActionOutcome,
    ActionStatus,
    DetachAgencyPolicy,
    DisableMetadata,
    Exemption,
    GrantScope,
    MetadataOptions,
    RequireMetadataV2,
    RevokeAgencyRole,
    Trigger,
    UnbindAgency,
)
from bmsguard.rules import grant_scope_text
from bmsguard.sanitize import cap, clean
from bmsguard.times import iso_utc


def describe_action(action: object) -> str:
    """The action in full (grant ids, agency id), for the email's list of what was done."""
    return _action_phrase(action, detailed=True)


def short_action(action: object) -> str:
    """One line naming an action and its target, for a server's error summary."""
    return _action_phrase(action, detailed=False)


def _action_phrase(action: object, *, detailed: bool) -> str:
    if isinstance(action, DisableMetadata):
        return "disable the metadata endpoint"
    if isinstance(action, RequireMetadataV2):
        return "require metadata V2 (tokens)" if detailed else "require metadata V2"
    if isinstance(action, (RevokeAgencyRole, DetachAgencyPolicy)):
        return _grant_phrase(action, detailed=detailed)
    if isinstance(action, UnbindAgency):
        return f"unbind agency {clean(action.agency_name, 64)}" + (" from the server" if detailed else "")
    return clean(getattr(action, "kind", type(action).__name__), 128 if detailed else 40)


def _grant_phrase(action: RevokeAgencyRole | DetachAgencyPolicy, *, detailed: bool) -> str:
    """"<verb> <grant>[ on <scope>] from agency <name>"; ``detailed`` adds the role name and the ids."""
    grant, revoke = action.grant, isinstance(action, RevokeAgencyRole)
    names, agency = clean(grant.label, 80 if detailed else 60), clean(action.agency_name, 64)
    if detailed:
        verb = "revoke role" if revoke else "detach identity policy"
        names += (f" ({clean(grant.role_name, 80)})" if grant.role_name != grant.label else "")
        names += f", id {clean(grant.role_id, 64)}"
        agency += f" (id {clean(action.agency_id, 64)})"
    else:
        verb = "revoke" if revoke else "detach"
    where = "" if grant.scope == GrantScope.POLICY else f" on {clean(grant_scope_text(grant), 120 if detailed else 80)}"
    return f"{verb} {names}{where} from agency {agency}"


def change_phrase(item: ActionOutcome) -> str:
    action = item.action
    if isinstance(action, DisableMetadata):
        return "metadata disabled"
    if isinstance(action, RequireMetadataV2):
        return "metadata V2 required"
    if isinstance(action, (RevokeAgencyRole, DetachAgencyPolicy)):
        return f"{clean(action.grant.label, 40)} removed"
    if isinstance(action, UnbindAgency):
        return f"agency {clean(action.agency_name, 40)} unbound"
    return clean(getattr(action, "kind", "change"), 40)


def before_after(action: object) -> str:
    if isinstance(action, (DisableMetadata, RequireMetadataV2)):
        return f"{options_text(action.before)} -> {options_text(action.after)}"
    if isinstance(action, UnbindAgency):
        return f"agency {clean(action.agency_name, 64)} -> no agency"
    if isinstance(action, (RevokeAgencyRole, DetachAgencyPolicy)):
        return f"granted -> not granted to agency {clean(action.agency_name, 64)}"
    return ""


def options_text(options: MetadataOptions) -> str:
    return f"http_endpoint={clean(options.http_endpoint, 16)}, http_tokens={clean(options.http_tokens, 16)}"


def status_text(item: ActionOutcome) -> str:
    text = {
        ActionStatus.APPLIED: "applied and verified",
        ActionStatus.WOULD_APPLY: "would apply",
        ActionStatus.ALREADY: "already in place",
        ActionStatus.NOT_APPLIED: "written but the re-read shows it did not stick",
        ActionStatus.FAILED: "FAILED",
        ActionStatus.SKIPPED: "skipped",
    }.get(item.status, clean(item.status, 32))
    if item.verified_at_ms and item.status == ActionStatus.APPLIED:
        text += f" at {iso_utc(item.verified_at_ms)}"
    if item.error:
        code = f"{clean(item.error_code, 60)}: " if item.error_code else ""
        text += f" ({code}{clean(item.error, 300)})"
    return text


def trigger_name(trigger: Trigger | None) -> str:
    if trigger is None:
        return "unknown event"
    return trigger.trace_name or trigger.kind


def trigger_line(trigger: Trigger | None) -> str:
    if trigger is None:
        return "unknown"
    parts = [clean(trigger_name(trigger), 80)]
    if trigger.trace_type:
        parts.append(f"({clean(trigger.trace_type, 32)})")
    parts.append(f"via {clean(trigger.source, 16)}")
    if trigger.trace_id:
        parts.append(f"trace {clean(trigger.trace_id, 64)}")
    if trigger.event_time_ms is not None:
        parts.append(f"at {iso_utc(trigger.event_time_ms)}")
    if trigger.mode_override:
        parts.append(f"(mode override: {clean(trigger.mode_override, 16)})")
    return " ".join(parts)


def actor_text(trigger: Trigger | None, limit: int) -> str:
    actor = trigger.actor if trigger else None
    if actor is None:
        return ""
    who = " ".join(p for p in (clean(actor.type, 32), clean(actor.name, 64)) if p)
    domain = clean(actor.domain_name or actor.domain_id, 64)
    return cap(f"{who} (account {domain})" if domain else who, limit)


def trigger_summary(trigger: Trigger | None) -> dict[str, object] | None:
    return None if trigger is None else without_secrets(trigger.to_dict())


def without_secrets(data: Any) -> Any:
    """A copy of a to_dict() tree without access key ids (they only serve the loop check)."""
    if isinstance(data, dict):
        return {k: without_secrets(v) for k, v in data.items() if k not in ("access_key_id", "security_token")}
    if isinstance(data, list):
        return [without_secrets(v) for v in data]
    return data


def exemption_text(exemption: Exemption) -> str:
    return (f"{clean(exemption.match, 120)}, owner {clean(exemption.owner, 80)}, reason: {clean(exemption.reason, 200)},"
            f" until {clean(exemption.expires, 40)} (covers {clean(', '.join(exemption.covers), 40)})")


def duration(ms: int) -> str:
    seconds = max(ms, 0) // 1000
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"
