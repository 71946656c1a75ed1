"""render: limits (SMS, subject bytes), sanitising, JSON validity, undo text, what each outcome says."""

from __future__ import annotations

import dataclasses
import functools
import json

import pytest
from unit_builders import NOW_MS, grant, make_server

from bmsguard.model import (
    ActionOutcome,
    ActionStatus,
    Actor,
    DetachAgencyPolicy,
    DisableMetadata,
    Exemption,
    GrantScope,
    MetadataOptions,
    Report,
    RequireMetadataV2,
    RevokeAgencyRole,
    ServerOutcome,
    ServerStatus,
    Trigger,
    UnbindAgency,
)
from bmsguard.planner import plan
from bmsguard.policy import load_policy
from bmsguard.render import (
    render_event_failure,
    render_notification,
    should_notify,
    undo_instruction,
    within_message_limit,
)
from bmsguard.rules import evaluate
from bmsguard.sanitize import cap_utf8, clean, for_sms

POLICY = load_policy()
REGION = "sa-brazil-1"
ADMIN = grant("te_admin", display="Tenant Administrator", role_id="role-te")
WIDE = grant("Wide", "ecs:*:*", scope=GrantScope.POLICY, role_id="pol-wide")
TRIGGER = Trigger(
    kind="server_created", source="cts", trace_name="createBareMetalServers", trace_id="trace-42",
    trace_type="ApiCall", event_time_ms=NOW_MS - 130_000, project_id="proj-1", domain_id="dom-1",
    actor=Actor(type="IAMUser", name="alice", domain_name="acme", access_key_id="HSTAXSECRETLOOKING00"),
)


def outcome_for(server, *, status=ServerStatus.REMEDIATED, action_status=ActionStatus.APPLIED, mode="enforce",
                **extra):
    assessment = evaluate(server, POLICY, now_ms=NOW_MS)
    outcomes = tuple(ActionOutcome(action=a, status=action_status, attempts=1, applied_at_ms=NOW_MS,
                                   verified_at_ms=NOW_MS) for a in plan(server, assessment, POLICY))
    return ServerOutcome(server_id=server.id, status=status, mode=mode, posture=server, findings=assessment.findings,
                         outcomes=outcomes, exemptions=assessment.exemptions, **extra)


def render(outcome, trigger=TRIGGER):
    return render_notification(outcome, trigger, region=REGION)


REMEDIATED = outcome_for(make_server(grants=(ADMIN, WIDE)))


# ---------------------------------------------------------------- should_notify


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (REMEDIATED, True),
        (dataclasses.replace(REMEDIATED, status=ServerStatus.PARTIALLY_FAILED), True),
        (ServerOutcome("s", ServerStatus.FAILED, "enforce", error="AccessDenied"), True),
        (ServerOutcome("s", ServerStatus.REPORTED, "report"), True),
        (ServerOutcome("s", ServerStatus.NOT_READY, "enforce", retryable=True), True),
        (ServerOutcome("s", ServerStatus.COMPLIANT, "enforce"), False),
        (ServerOutcome("s", ServerStatus.EXEMPT, "enforce"), False),
        (ServerOutcome("s", ServerStatus.GONE, "enforce", error="the server no longer exists"), False),
        (ServerOutcome("s", ServerStatus.GONE, "enforce", error="gone", outcomes=REMEDIATED.outcomes[:1]), True),
    ],
)
def test_should_notify(outcome, expected):
    assert should_notify(outcome) is expected


# ---------------------------------------------------------------- the message


def test_every_protocol_is_rendered():
    note = render(REMEDIATED)
    assert set(note.message_structure) == {"default", "email", "sms", "http", "https"}
    assert note.message == note.message_structure["default"]
    assert json.loads(note.message_structure_json)["sms"] == note.message_structure["sms"]


def test_email_says_what_why_before_after_who_when():
    email = render(REMEDIATED).message_structure["email"]
    assert "metadata.v1-allowed" in email and "agency.excess-grant" in email
    assert "metadata.default=require_v2" in email
    assert "http_endpoint=enabled, http_tokens=optional -> http_endpoint=enabled, http_tokens=required" in email
    assert "IAMUser alice (account acme)" in email
    assert "trace trace-42" in email
    assert "time from event to fix: 2 min 10 s" in email
    assert "delivered late or replayed" not in email


def test_a_fix_days_after_its_event_says_the_event_was_late_or_replayed():
    old_event = dataclasses.replace(TRIGGER, event_time_ms=NOW_MS - 3 * 24 * 3_600_000)
    email = render(REMEDIATED, old_event).message_structure["email"]
    assert "(the event was delivered late or replayed)" in email


def test_email_undo_has_exact_calls_with_ids():
    email = render(REMEDIATED).message_structure["email"]
    assert "PUT /v3.0/OS-AGENCY/projects/p-1/agencies/id-bms_agency/roles/role-te" in email
    assert "hcloud IAM AssociateAgencyWithProjectPermission --cli-region=sa-brazil-1 --agency_id=id-bms_agency" in email
    assert "POST /v5/policies/pol-wide/attach-agency" in email
    assert "hcloud IAM AttachAgencyPolicyV5" in email
    assert "PUT /v1/proj-1/baremetalservers/srv-1/metadata-options" in email


def test_firewall_commands_when_metadata_stays_enabled():
    email = render(REMEDIATED).message_structure["email"]
    assert "--uid-owner root --jump REJECT" in email
    assert "New-NetFirewallRule" in email and "169.254.169.254" in email


def test_no_firewall_commands_when_metadata_is_disabled():
    outcome = outcome_for(make_server(tags={"bmsguard-metadata": "none"}))
    assert [o.action.kind for o in outcome.outcomes] == ["disable_metadata"]
    assert "iptables" not in render(outcome).message_structure["email"]


def test_unsupported_region_gives_console_steps_and_firewall():
    outcome = outcome_for(make_server(metadata_state="unsupported_region"), status=ServerStatus.REPORTED)
    email = render(outcome).message_structure["email"]
    assert "metadata-options API is not available in region sa-brazil-1" in email
    assert "service ticket" in email
    assert "iptables" in email


def test_report_mode_says_would_and_gives_no_undo():
    outcome = outcome_for(make_server(grants=(ADMIN,)), status=ServerStatus.REPORTED,
                          action_status=ActionStatus.WOULD_APPLY, mode="report")
    note = render(outcome)
    assert "would be hardened (report mode)" in note.subject
    assert "nothing was changed" in note.message_structure["email"]
    assert "undo" not in note.message_structure["email"]
    assert note.message_structure["sms"].count("Would change") == 1


def test_failure_shows_the_error_and_retry():
    failed = ActionOutcome(action=REMEDIATED.outcomes[0].action, status=ActionStatus.FAILED,
                           error_code="APIG.0308", error="throttled")
    outcome = dataclasses.replace(REMEDIATED, status=ServerStatus.FAILED, outcomes=(failed,),
                                  error_code="APIG.0308", error="throttled", retryable=True)
    note = render(outcome)
    assert "remediation FAILED" in note.subject
    assert "APIG.0308: throttled" in note.message_structure["email"]
    assert "will be retried" in note.message_structure["email"]


def test_exemptions_applied_and_expired_are_listed():
    applied = Exemption(match="name:bms-*", owner="carol", reason="vendor", expires="2027-03-01", covers=("agency",))
    expired = Exemption(match="server_id:srv-1", owner="bob", reason="old", expires="2026-12-31")
    outcome = dataclasses.replace(REMEDIATED, exemptions=(applied,), expired_exemptions=(expired,))
    email = render(outcome).message_structure["email"]
    assert "applied: name:bms-*, owner carol, reason: vendor, until 2027-03-01 (covers agency)" in email
    assert "EXPIRED, no longer applies: server_id:srv-1, owner bob" in email


def test_http_payload_is_compact_valid_json_with_trigger_summary():
    http = render(REMEDIATED).message_structure["http"]
    payload = json.loads(http)
    assert payload["outcome"]["server_id"] == "srv-1"
    assert payload["trigger"]["trace_id"] == "trace-42"
    assert ": " not in http.split('"headline"')[0][:200]
    assert render(REMEDIATED).message_structure["https"] == http


def test_huge_outcome_stays_within_the_smn_message_size():
    actions = tuple(f"svc{i}:resource:*" for i in range(40))
    grants = tuple(grant(f"Wide{i}", *actions, scope=GrantScope.POLICY, role_id=f"pol-{i}") for i in range(120))
    outcome = outcome_for(make_server(grants=grants))
    note = render(outcome)
    assert len(note.message_structure_json.encode("utf-8")) < 256 * 1024
    payload = json.loads(note.message_structure["http"])
    assert payload["truncated"].endswith("message too large")
    assert payload["outcome"]["server_id"] == "srv-1"


def test_without_trigger_still_renders():
    note = render(REMEDIATED, trigger=None)
    assert "event: unknown" in note.message_structure["email"]
    assert json.loads(note.message_structure["http"])["trigger"] is None


# ---------------------------------------------------------------- limits and sanitising

HOSTILE = "evil\n[name]【x】<script>alert(1)</script>\u202e\x07" + "é" * 600


def hostile_outcome():
    server = make_server(name=HOSTILE, tags={"bmsguard-metadata": "v2"}, grants=(ADMIN,), agency="ag[1]\nX")
    trigger = dataclasses.replace(TRIGGER, actor=Actor(type="IAMUser", name="mallory\r\n【boss】" * 30))
    return outcome_for(server), trigger


def test_sms_limit_and_forbidden_brackets():
    outcome, trigger = hostile_outcome()
    sms = render(outcome, trigger).message_structure["sms"]
    assert len(sms) <= 490
    assert not set("[]【】") & set(sms)


def test_subject_fits_512_utf8_bytes():
    outcome, trigger = hostile_outcome()
    subject = render(outcome, trigger).subject
    assert len(subject.encode("utf-8")) <= 512
    assert subject.encode("utf-8").decode("utf-8") == subject


def test_user_strings_lose_control_characters_and_markup():
    outcome, trigger = hostile_outcome()
    note = render(outcome, trigger)
    for text in (note.subject, note.message, note.message_structure["sms"], *note.tags.values()):
        assert "\n" not in text and "\r" not in text and "\u202e" not in text and "\x07" not in text
        assert "<script>" not in text
    email_lines = note.message_structure["email"].splitlines()
    assert not any(line.startswith(("X", "【boss】", "[name]")) for line in email_lines)
    assert "<script>" not in note.message_structure["email"]


def test_http_json_stays_valid_with_hostile_strings():
    outcome, trigger = hostile_outcome()
    payload = json.loads(render(outcome, trigger).message_structure["http"])
    assert "\u202e" not in json.dumps(payload, ensure_ascii=False)


def test_no_access_key_id_anywhere():
    note = render(REMEDIATED)
    everything = json.dumps([note.subject, note.message, note.message_structure, note.tags], ensure_ascii=False)
    assert "HSTAXSECRETLOOKING00" not in everything
    assert "access_key_id" not in everything


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [("a\nb\tc", 50, "a b c"), ("x" * 10, 5, "xxxx…"), ("<b>", 10, "‹b›"), ("a\u200bb", 10, "ab")],
)
def test_clean(text, limit, expected):
    assert clean(text, limit) == expected


def test_sms_brackets_and_utf8_cap():
    assert for_sms("[a]【b】") == "(a)(b)"
    capped = cap_utf8("é" * 300, 512)
    assert len(capped.encode("utf-8")) <= 512 and capped.endswith("…")


# ---------------------------------------------------------------- undo


OPTIONS = MetadataOptions("enabled", "optional")


@pytest.mark.parametrize(
    ("action", "fragments"),
    [
        (RequireMetadataV2("srv-1", OPTIONS),
         ["PUT /v1/proj-1/baremetalservers/srv-1/metadata-options", '"http_tokens": "optional"',
          "hcloud BMS UpdateMetadataOptions --cli-region=sa-brazil-1 --project_id=proj-1 --server_id=srv-1"]),
        (DisableMetadata("srv-1", MetadataOptions("enabled", "required")), ["--http_endpoint=enabled", "--http_tokens=required"]),
        (RevokeAgencyRole("ag-1", "agency", grant("r", scope=GrantScope.DOMAIN, role_id="role-1")),
         ["PUT /v3.0/OS-AGENCY/domains/p-1/agencies/ag-1/roles/role-1", "AssociateAgencyWithDomainPermission",
          "--domain_id=p-1"]),
        (RevokeAgencyRole("ag-1", "agency", dataclasses.replace(grant("r", role_id="role-1"),
                                                                scope=GrantScope.ALL_PROJECTS, scope_id="")),
         ["PUT /v3.0/OS-INHERIT/domains/dom-1/agencies/ag-1/roles/role-1/inherited_to_projects",
          "AssociateAgencyWithAllProjectsPermission"]),
        (RevokeAgencyRole("ag-1", "agency", dataclasses.replace(grant("r", role_id="role-1"),
                                                                scope=GrantScope.ENTERPRISE_PROJECT, scope_id="ep-9")),
         ["/v3.0/OS-PERMISSION/subjects/agency/scopes/enterprise-project/role-assignments",
          '"enterprise_project_id": "ep-9"', "AssociateRoleToAgencyOnEnterpriseProject",
          "--role_assignments.1.enterprise_project_id=ep-9"]),
        (DetachAgencyPolicy("ag-1", "agency", grant("P", scope=GrantScope.POLICY, role_id="pol-1")),
         ["POST /v5/policies/pol-1/attach-agency", "hcloud IAM AttachAgencyPolicyV5", "--policy_id=pol-1",
          "--agency_id=ag-1"]),
        (UnbindAgency("srv-1", "bms_agency"),
         ["POST /v1/proj-1/baremetalservers/srv-1/metadata", '"agency_name": "bms_agency"',
          "UpdateBaremetalServerMetadata", "--metadata.agency_name=bms_agency"]),
    ],
)
def test_undo_instruction_names_the_call_and_ids(action, fragments):
    text = undo_instruction(action, region=REGION, project_id="proj-1", domain_id="dom-1")
    for fragment in fragments:
        assert fragment in text


def test_undo_without_project_uses_a_placeholder():
    text = undo_instruction(RequireMetadataV2("srv-1", OPTIONS), region=REGION)
    assert "/v1/<project_id>/baremetalservers/srv-1" in text


def test_undo_quotes_hostile_names():
    text = undo_instruction(UnbindAgency("srv-1", "a b;rm -rf /"), region=REGION, project_id="p")
    assert "--metadata.agency_name='a b;rm -rf /'" in text


# ---------------------------------------------------------------- event failure


def test_event_failure_notification():
    report = Report(status="failed", mode="enforce", trigger=TRIGGER, reason="OutOfTime: 2 servers not inspected",
                    request_id="req-1", servers=(ServerOutcome("srv-1", ServerStatus.FAILED, "enforce", error="boom"),))
    note = render_event_failure(report, region=REGION)
    assert "createBareMetalServers" in note.subject
    assert "OutOfTime: 2 servers not inspected" in note.message_structure["email"]
    assert "Server srv-1: failed boom" in note.message_structure["email"]
    assert len(note.message_structure["sms"]) <= 490
    assert json.loads(note.message_structure["http"])["report"]["request_id"] == "req-1"
    assert "HSTAXSECRETLOOKING00" not in json.dumps(note.message_structure)


def test_event_failure_without_trigger():
    note = render_event_failure(Report(status="failed", mode="enforce", reason="bad"), region="")
    assert "unknown event" in note.subject
    assert json.loads(note.message_structure["http"])["report"]["reason"] == "bad"


SMN_MESSAGE_MAX_BYTES = 256 * 1024


@functools.cache
def failed_sweep(count):
    """A sweep report in which ``count`` servers failed, each with its full posture, findings and actions."""
    hostile = 'quote " backslash \\ 【bracket】 ünïcødé ' * 10

    def failed(index):
        server = make_server(grants=(ADMIN, WIDE), name=f"bms-{index:04d}-{hostile}", server_id=f"srv-{index:04d}")
        return dataclasses.replace(outcome_for(server, action_status=ActionStatus.NOT_APPLIED),
                                   status=ServerStatus.FAILED, error=hostile, error_code="NotApplied", retryable=True)

    sweep = dataclasses.replace(TRIGGER, kind="sweep", source="timer", trace_name="")
    return Report(status="failed", mode="enforce", trigger=sweep, reason=f"OutOfTime: {hostile}" * 5,
                  request_id="req-9", servers=tuple(failed(i) for i in range(count)), retryable=True)


@pytest.mark.parametrize("count", [1, 20, 300])
def test_event_failure_fits_every_smn_limit_however_many_servers_failed(count):
    note = render_event_failure(failed_sweep(count), region=REGION)

    structure = note.message_structure
    assert len(note.message_structure_json.encode("utf-8")) <= SMN_MESSAGE_MAX_BYTES
    assert len(note.subject.encode("utf-8")) <= 512
    assert len(structure["sms"]) <= 490 and not set("[]【】") & set(structure["sms"])
    assert len(note.message) <= 1000 and structure["default"] == note.message
    assert structure["http"] == structure["https"]
    report = json.loads(structure["http"])["report"]
    assert report["request_id"] == "req-9" and report["servers"][0]["server_id"] == "srv-0000"


def test_event_failure_of_hundreds_of_servers_summarises_and_counts_the_rest():
    note = render_event_failure(failed_sweep(300), region=REGION)

    payload = json.loads(note.message_structure["http"])
    listed = payload["report"]["servers"]
    assert 0 < len(listed) < 300 and f"{300 - len(listed)} of 300 servers omitted" in payload["truncated"]
    assert set(listed[0]) == {"server_id", "status", "mode", "error_code", "error", "retryable", "notified",
                              "notification_error"}
    email = note.message_structure["email"]
    assert email.count("\nServer srv-") == 50 and "... and 250 more servers" in email
    assert "Server srv-0049:" in email and "srv-0050" not in email


def test_event_failure_of_a_few_servers_keeps_the_full_report():
    note = render_event_failure(failed_sweep(1), region=REGION)

    payload = json.loads(note.message_structure["http"])
    assert "truncated" not in payload
    assert payload["report"]["servers"][0]["posture"]["id"] == "srv-0000"
    assert payload["report"]["servers"][0]["outcomes"][0]["status"] == "not_applied"


def test_event_failure_subject_of_a_long_non_ascii_trace_name_is_cut_on_a_character():
    trigger = dataclasses.replace(TRIGGER, trace_name="créé😀" * 300)

    subject = render_event_failure(Report(status="failed", mode="enforce", trigger=trigger), region=REGION).subject

    assert len(subject.encode("utf-8")) <= 512 and subject.startswith("bmsguard: event could not be completed")


def test_a_message_over_the_smn_limit_loses_the_end_of_its_email_only():
    http = json.dumps({"x": '\\"' * 12_000})  # escaped once more inside the structure: twice its size
    structure = {"default": "d", "email": "intro\n" + '"\\' * 100_000, "sms": "s", "http": http, "https": http}

    fitted = within_message_limit(structure)

    size = len(json.dumps(fitted, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    assert SMN_MESSAGE_MAX_BYTES - 1_000 < size <= SMN_MESSAGE_MAX_BYTES
    assert fitted["email"].startswith("intro\n") and "256 KB message limit" in fitted["email"]
    assert {k: v for k, v in fitted.items() if k != "email"} == {k: v for k, v in structure.items() if k != "email"}


def test_a_message_within_the_smn_limit_is_left_alone():
    structure = {"default": "d", "email": "e" * 1000, "sms": "s", "http": "{}", "https": "{}"}

    assert within_message_limit(structure) == structure
