"""`bmsguard policy check FILE`: validate a policy and say, in words, what it will decide."""

from __future__ import annotations

import time

from bmsguard.policy import Policy, load_policy

_METADATA = {"disable": "disable instance metadata", "require_v2": "require metadata V2 (token mode)",
             "leave": "leave metadata as it is"}
_TREATMENT = {"strip_excess": "strip excess grants from agencies bound to a single server",
              "unbind": "unbind the agency from the server when it holds excess grants",
              "report": "report excess grants, change nothing"}
# What is left alone under each treatment (rules._why_not_stripped; docs/policy.md "agency.not-stripped").
_LEFT_ALONE = {"strip_excess": "shared agencies and the function's own agency: reported, never changed",
               "unbind": "the function's own agency: reported, never unbound; a shared agency is unbound from "
                         "the offending server only (the other servers keep it)",
               "report": "no agency is changed"}


def describe_policy(path: str, *, now_ms: int | None = None) -> str:
    policy = load_policy(path)  # PolicyError names the field; main() turns it into exit 2
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    lines = [f"{path}: valid policy (version {policy.version})", ""]
    lines += _mode(policy) + _metadata(policy) + _agency(policy) + _exemptions(policy, now_ms)
    lines += _triggers(policy) + _limits(policy)
    return "\n".join(lines)


def _mode(policy: Policy) -> list[str]:
    what = "changes servers and agencies" if policy.mode == "enforce" else "reports only, changes nothing"
    return [f"mode: {policy.mode} ({what})", ""]


def _metadata(policy: Policy) -> list[str]:
    lines = ["metadata:", f"  every server: {_METADATA[policy.metadata.default]}"]
    for override in policy.metadata.tag_overrides:
        tag = override.tag if override.value is None else f"{override.tag}={override.value}"
        lines.append(f"  servers tagged {tag}: {_METADATA[override.action]}")
    return lines + [""]


def _agency(policy: Policy) -> list[str]:
    agency = policy.agency
    lines = ["agencies:", f"  {_TREATMENT[agency.treatment]}", f"  {_LEFT_ALONE[agency.treatment]}",
             "  excess: " + ("every deny-listed grant and every grant not on the allow-list" if agency.strict else
                             "deny-listed, full-admin, wildcard (non-read) and IAM write grants")]
    if agency.allow:
        lines.append(f"  never excess (allow): {', '.join(agency.allow)}")
    if agency.deny:
        lines.append(f"  always excess (deny): {', '.join(agency.deny)}")
    return lines + [""]


def _exemptions(policy: Policy, now_ms: int) -> list[str]:
    if not policy.exemptions:
        return ["exemptions: none", ""]
    lines = ["exemptions:"]
    for rule in policy.exemptions:
        state = "valid" if rule.valid_at(now_ms) else "EXPIRED (no longer applies)"
        lines.append(f"  {rule.match}: {', '.join(rule.covers)} — owner {rule.owner}, until {rule.expires}, "
                     f"{state}; reason: {rule.reason}")
    return lines + [""]


def _triggers(policy: Policy) -> list[str]:
    extra = {kind: names for kind, names in policy.extra_trace_names.items() if names}
    if not extra:
        return ["extra trace names: none (the built-in ones are always handled)", ""]
    return ["extra trace names:"] + [f"  {kind}: {', '.join(names)}" for kind, names in extra.items()] + [""]


def _limits(policy: Policy) -> list[str]:
    limits = policy.limits
    return ["limits:",
            f"  at most {limits.max_remediations_per_server_per_hour} remediations per server per hour",
            f"  wait up to {limits.build_wait_seconds} s for a server that is still building"]
