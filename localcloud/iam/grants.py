"""v3 role grants on an agency: project, domain (global) and all-projects scopes, and enterprise projects.

Project/domain/all-projects: list, check (HEAD 204/404), grant (PUT 204), revoke (DELETE 204).
Enterprise projects: ``GET /v3.0/OS-PERMISSION/role-assignments`` and a grant/revoke path with a JSON body.
"""

from __future__ import annotations

from typing import Any

from localcloud.iam import render
from localcloud.iam.agencies import check_domain
from localcloud.iam.protocol import body_value, bool_arg, int_arg, keystone_errors, page, require_arg
from localcloud.iam.state import ALL_PROJECTS, DOMAIN, ENTERPRISE_PROJECT, PROJECT, GrantKey, IamError
from localcloud.wire import Handler, Reply, Request, Route

_PROJECT = "/v3.0/OS-AGENCY/projects/{project_id}/agencies/{agency_id}/roles"
_DOMAIN = "/v3.0/OS-AGENCY/domains/{domain_id}/agencies/{agency_id}/roles"
_INHERIT = "/v3.0/OS-INHERIT/domains/{domain_id}/agencies/{agency_id}/roles"
# scope -> (list path, one-role path, SDK operation stem, trace name suffix)
_SCOPES = {
    PROJECT: (_PROJECT, _PROJECT + "/{role_id}", "ProjectPermission", "OnProject"),
    DOMAIN: (_DOMAIN, _DOMAIN + "/{role_id}", "DomainPermission", "OnDomain"),
    ALL_PROJECTS: (_INHERIT + "/inherited_to_projects", _INHERIT + "/{role_id}/inherited_to_projects",
                   "AllProjectsPermission", "OnAllProjects"),
}
SCOPE_ID_KEY = {PROJECT: "project_id", DOMAIN: "domain_id", ALL_PROJECTS: "domain_id",
                ENTERPRISE_PROJECT: "enterprise_project_id"}
EP_ASSIGNMENTS = "/v3.0/OS-PERMISSION/subjects/agency/scopes/enterprise-project/role-assignments"
ROLE_ASSIGNMENTS = "/v3.0/OS-PERMISSION/role-assignments"
MAX_EP_ASSIGNMENTS = 250


def _scope_id(scope: str, params: dict[str, str]) -> str:
    return params[SCOPE_ID_KEY[scope]]


def _lister(scope: str) -> Handler:
    @keystone_errors
    def list_roles(cloud: Any, request: Request, agency_id: str, **params: str) -> Reply:
        roles = cloud.iam.granted_roles(scope, _scope_id(scope, params), agency_id)
        if scope == ALL_PROJECTS:
            return Reply(200, {"roles": [render.role_link(r, cloud.region) for r in roles],
                               "links": {"self": render.endpoint(cloud.region) + request.path}})
        return Reply(200, {"roles": [render.role(r, cloud.region) for r in roles]})

    return list_roles


def _checker(scope: str) -> Handler:
    def check_role(cloud: Any, request: Request, agency_id: str, role_id: str, **params: str) -> Reply:
        # HEAD answers carry no body, not even an error document.
        try:
            held = cloud.iam.has_grant(scope, _scope_id(scope, params), agency_id, role_id)
        except IamError as exc:
            return Reply(exc.status)
        return Reply(204 if held else 404)

    return check_role


def _changer(scope: str, revoke: bool) -> Handler:
    @keystone_errors
    def change_role(cloud: Any, request: Request, agency_id: str, role_id: str, **params: str) -> Reply:
        change = cloud.iam.revoke if revoke else cloud.iam.grant
        key = change(scope, _scope_id(scope, params), agency_id, role_id)
        return _grant_reply(cloud, key)

    return change_role


def _grant_reply(cloud: Any, key: GrantKey, extra: dict[str, Any] | None = None) -> Reply:
    agency = cloud.iam.agency(key.agency_id)
    request = {"agency_id": key.agency_id, "role_id": key.role_id, SCOPE_ID_KEY[key.scope]: key.scope_id}
    return Reply(204, resource=(agency.id, agency.name), trace_request={**request, **(extra or {})})


def _ep_changer(revoke: bool) -> Handler:
    @keystone_errors
    def change_ep_roles(cloud: Any, request: Request) -> Reply:
        items = body_value(request, "role_assignments", list)
        keys = [_ep_key(item, index) for index, item in enumerate(items)]
        if not 1 <= len(keys) <= MAX_EP_ASSIGNMENTS:
            raise IamError(400, f"Invalid input: 'role_assignments' must hold 1 to {MAX_EP_ASSIGNMENTS} items.")
        changed = cloud.iam.grant_all(keys, revoke=revoke)
        extra = {"role_assignments": items} if len(items) > 1 else None
        return _grant_reply(cloud, changed[0], extra)

    return change_ep_roles


def _ep_key(item: Any, index: int) -> tuple[str, str, str, str]:
    fields = ("agency_id", "enterprise_project_id", "role_id")
    if not isinstance(item, dict):
        raise IamError(400, f"Invalid input: 'role_assignments[{index}]' must be an object.")
    for field in fields:
        if not isinstance(item.get(field), str) or not item[field]:
            raise IamError(400, f"Invalid input: 'role_assignments[{index}].{field}' is required.")
    return ENTERPRISE_PROJECT, item["enterprise_project_id"], item["agency_id"], item["role_id"]


@keystone_errors
def list_role_assignments(cloud: Any, request: Request) -> Reply:
    check_domain(cloud, require_arg(request, "domain_id"))
    per_page = int_arg(request, "per_page", None, 1, 50)
    page_number = int_arg(request, "page", 1 if per_page else None, 1, 1_000_000)
    found = _filtered_assignments(cloud, request)
    shown = page(found, page_number, per_page)
    return Reply(200, {"total_num": len(found), "role_assignments": [_assignment(k) for k in shown]})


def _filtered_assignments(cloud: Any, request: Request) -> list[GrantKey]:
    if request.arg("subject", "agency") != "agency" or request.arg("subject.user_id") \
            or request.arg("subject.group_id"):
        return []  # localcloud holds agency assignments only
    scope = request.arg("scope")
    scopes = {"project": (PROJECT,), "domain": (DOMAIN, ALL_PROJECTS),
              "enterprise_project": (ENTERPRISE_PROJECT,), None: tuple(SCOPE_ID_KEY)}.get(scope)
    if scopes is None:
        raise IamError(400, f"Invalid input: 'scope' must be project, domain or enterprise_project, got {scope!r}.")
    scope_id = request.arg("scope.project_id") or request.arg("scope.domain_id") \
        or request.arg("scope.enterprise_projects_id")
    found = cloud.iam.assignments(agency_id=request.arg("subject.agency_id"), role_id=request.arg("role_id"),
                                  scopes=scopes, scope_id=scope_id)
    inherited = bool_arg(request, "is_inherited")
    return [k for k in found if inherited is None or (k.scope == ALL_PROJECTS) == inherited]


def _assignment(key: GrantKey) -> dict[str, Any]:
    scope_name = {PROJECT: "project", DOMAIN: "domain", ALL_PROJECTS: "domain",
                  ENTERPRISE_PROJECT: "enterprise_project"}[key.scope]
    return {"agency": {"id": key.agency_id}, "role": {"id": key.role_id},
            "scope": {scope_name: {"id": key.scope_id}}, "is_inherited": key.scope == ALL_PROJECTS}


def _scope_routes(scope: str) -> list[Route]:
    listing, one, stem, suffix = _SCOPES[scope]
    common = {"service": "iam", "resource_type": "agency"}
    return [
        Route("GET", listing, operation=f"List{stem}sForAgency", handler=_lister(scope), **common),
        Route("HEAD", one, operation=f"Check{stem}ForAgency", handler=_checker(scope), **common),
        Route("PUT", one, operation=f"AssociateAgencyWith{stem}", handler=_changer(scope, revoke=False),
              writes=True, trace_name=f"grantRoleToAgency{suffix}", **common),
        Route("DELETE", one, operation=f"Remove{stem}FromAgency", handler=_changer(scope, revoke=True),
              writes=True, trace_name=f"revokeRoleFromAgency{suffix}", **common),
    ]


ROUTES = [
    *_scope_routes(PROJECT),
    *_scope_routes(DOMAIN),
    *_scope_routes(ALL_PROJECTS),
    Route("GET", ROLE_ASSIGNMENTS, "iam", "ShowDomainRoleAssignments", list_role_assignments),
    Route("PUT", EP_ASSIGNMENTS, "iam", "AssociateRoleToAgencyOnEnterpriseProject", _ep_changer(revoke=False),
          writes=True, trace_name="grantRoleToAgencyOnEnterpriseProject", resource_type="agency"),
    Route("DELETE", EP_ASSIGNMENTS, "iam", "RevokeRoleFromAgencyOnEnterpriseProject", _ep_changer(revoke=True),
          writes=True, trace_name="revokeRoleFromAgencyOnEnterpriseProject", resource_type="agency"),
]
