"""IAM v5 identity policies on agencies: list attached, attach, detach, show policy and policy version."""

from __future__ import annotations

from typing import Any

from localcloud.iam import render
from localcloud.iam.protocol import body_value, int_arg, v5_errors
from localcloud.iam.state import IamError
from localcloud.wire import Handler, Reply, Request, Route

INVALID_MARKER = "PAP5.0010"  # documented: 400 "invalid marker"
INVALID_PARAMETER = "PAP5.0400"  # emulator-chosen


@v5_errors
def list_attached(cloud: Any, request: Request, agency_id: str) -> Reply:
    limit = int_arg(request, "limit", 100, 1, 200, INVALID_PARAMETER)
    attached = cloud.iam.attached(agency_id)
    start = _marker_index(request.arg("marker"), [p.id for p, _ in attached])
    shown = attached[start:start + limit]
    rest = attached[start + limit:]
    return Reply(200, {"attached_policies": [render.attached_policy(p, at) for p, at in shown],
                       "page_info": {"next_marker": rest[0][0].id if rest else None,
                                     "current_count": len(shown)}})


def _marker_index(marker: str | None, ids: list[str]) -> int:
    """The marker is the id of the first policy of the next page (as returned in ``next_marker``)."""
    if not marker:
        return 0
    if marker not in ids:
        raise IamError(400, "invalid marker", INVALID_MARKER)
    return ids.index(marker)


def _changer(detach: bool) -> Handler:
    @v5_errors
    def change(cloud: Any, request: Request, policy_id: str) -> Reply:
        agency_id = body_value(request, "agency_id", str, INVALID_PARAMETER)
        if not agency_id:
            raise IamError(400, "Invalid input: 'agency_id' must not be empty.", INVALID_PARAMETER)
        policy, agency = (cloud.iam.detach if detach else cloud.iam.attach)(policy_id, agency_id)
        return Reply(200, None, resource=(agency.id, agency.name),
                     trace_request={"agency_id": agency.id, "policy_id": policy.id, "policy_urn": policy.urn})

    return change


@v5_errors
def get_policy(cloud: Any, request: Request, policy_id: str) -> Reply:
    policy = cloud.iam.policy(policy_id)
    return Reply(200, {"policy": render.policy(policy, cloud.iam.attachment_count(policy_id))})


@v5_errors
def get_policy_version(cloud: Any, request: Request, policy_id: str, version_id: str) -> Reply:
    policy = cloud.iam.policy(policy_id)
    if version_id != policy.version_id:
        raise IamError(404, f"policy version {version_id} of policy {policy_id} does not exist")
    return Reply(200, {"policy_version": render.policy_version(policy)})


ROUTES = [
    Route("GET", "/v5/agencies/{agency_id}/attached-policies", "iam", "ListAttachedAgencyPoliciesV5",
          list_attached),
    Route("POST", "/v5/policies/{policy_id}/attach-agency", "iam", "AttachAgencyPolicyV5", _changer(False),
          writes=True, trace_name="attachAgencyPolicyV5", resource_type="agency"),
    Route("POST", "/v5/policies/{policy_id}/detach-agency", "iam", "DetachAgencyPolicyV5", _changer(True),
          writes=True, trace_name="detachAgencyPolicyV5", resource_type="agency"),
    Route("GET", "/v5/policies/{policy_id}", "iam", "GetPolicyV5", get_policy),
    Route("GET", "/v5/policies/{policy_id}/versions/{version_id}", "iam", "GetPolicyVersionV5",
          get_policy_version),
]
