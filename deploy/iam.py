"""The function's agency, its custom policies (v3 custom roles) and their grants, through the IAM v3 SDK."""

from __future__ import annotations

from collections.abc import Iterable

from deploy.resources import Applying, Resource
from deploy.session import Session, call, model

KINDS = ("role", "agency", "grant")
ROLE_PAGE = 300
# scope -> (list, grant, revoke) SDK methods and the request field of the scope id
SCOPES = {
    "project": ("list_project_permissions_for_agency", "associate_agency_with_project_permission",
                "remove_project_permission_from_agency", "project_id"),
    "domain": ("list_domain_permissions_for_agency", "associate_agency_with_domain_permission",
               "remove_domain_permission_from_agency", "domain_id"),
}


def _request_class(method: str) -> str:
    """``list_project_permissions_for_agency`` -> ``ListProjectPermissionsForAgencyRequest``."""
    return "".join(word.capitalize() for word in method.split("_")) + "Request"


def read(session: Session, agency_name: str, role_names: Iterable[str], stack_marker: str) -> list[Resource]:
    roles = [r for r in _custom_roles(session)
             if r.get("display_name") in set(role_names) or stack_marker in (r.get("description") or "")]
    resources = [_role_resource(r, stack_marker) for r in roles]
    agency = _find_agency(session, agency_name)
    if agency is None:
        return resources
    description = agency.get("description") or ""
    resources.append(Resource.of("agency", agency_name, {
        "trust_domain_name": agency.get("trust_domain_name") or "", "duration": str(agency.get("duration") or ""),
        "description": description}, ident=agency["id"], owned=stack_marker in description))
    ours = {r.ident: r.key for r in resources if r.kind == "role" and r.owned}
    resources.extend(_grants(session, agency_name, agency["id"], ours))
    return resources


def _custom_roles(session: Session) -> list[dict]:
    found, page = [], 1
    while True:
        request = model("iam", "ListCustomPoliciesRequest", page=page, per_page=ROLE_PAGE)
        batch = (call(session.client("iam"), "list_custom_policies", request) or {}).get("roles", [])
        found.extend(batch)
        if len(batch) < ROLE_PAGE:
            return found
        page += 1


def _role_resource(role: dict, stack_marker: str) -> Resource:
    description = role.get("description") or ""
    policy = role.get("policy") or {}
    statements = [_statement(s) for s in policy.get("Statement") or []]
    return Resource.of("role", role.get("display_name", ""), {
        "type": role.get("type", ""), "description": description,
        "policy": {"Version": policy.get("Version", ""), "Statement": statements}},
        ident=role.get("id", ""), owned=stack_marker in description)


def _statement(statement: dict) -> dict:
    shown = {"Effect": statement.get("Effect"), "Action": sorted(statement.get("Action") or [])}
    if statement.get("Condition"):
        shown["Condition"] = statement["Condition"]
    return shown


def _find_agency(session: Session, name: str) -> dict | None:
    request = model("iam", "ListAgenciesRequest", domain_id=session.target.domain_id, name=name)
    agencies = (call(session.client("iam"), "list_agencies", request) or {}).get("agencies", [])
    return next((a for a in agencies if a.get("name") == name), None)


def _grants(session: Session, agency_name: str, agency_id: str, our_roles: dict[str, str]) -> list[Resource]:
    """The agency's roles on the home project and the account; roles deploy did not grant are not owned."""
    resources = []
    for scope, scope_id in (("project", session.target.project_id), ("domain", session.target.domain_id)):
        method, _, _, id_field = SCOPES[scope]
        request = model("iam", _request_class(method), agency_id=agency_id, **{id_field: scope_id})
        for role in (call(session.client("iam"), method, request) or {}).get("roles", []):
            ours = role.get("id") in our_roles
            role_name = our_roles[role["id"]] if ours else role.get("display_name") or role.get("name") or role["id"]
            resources.append(Resource.of("grant", f"{agency_name}/{role_name}@{scope}:{scope_id}", {},
                                         ident=role["id"], owned=ours, spec=(agency_name, role_name, scope, scope_id)))
    return resources


def create(applying: Applying, desired: Resource) -> None:
    session, ids = applying.session, applying.ids
    if desired.kind == "role":
        body = model("iam", "CreateCloudServiceCustomPolicyRequestBody", role=_role_option(desired))
        response = call(session.client("iam"), "create_cloud_service_custom_policy",
                        model("iam", "CreateCloudServiceCustomPolicyRequest", body=body)) or {}
        ids[desired.label] = response.get("role", {}).get("id", "")
    elif desired.kind == "agency":
        option = model("iam", "CreateAgencyOption", name=desired.key, domain_id=session.target.domain_id,
                       **_agency_fields(desired))
        response = call(session.client("iam"), "create_agency", model(
            "iam", "CreateAgencyRequest", body=model("iam", "CreateAgencyRequestBody", agency=option))) or {}
        ids[desired.label] = response.get("agency", {}).get("id", "")
    else:
        _change_grant(applying, desired, revoke=False)


def update(applying: Applying, desired: Resource, current: Resource) -> None:
    session = applying.session
    if desired.kind == "role":
        body = model("iam", "UpdateCloudServiceCustomPolicyRequestBody", role=_role_option(desired))
        call(session.client("iam"), "update_cloud_service_custom_policy",
             model("iam", "UpdateCloudServiceCustomPolicyRequest", role_id=current.ident, body=body))
    elif desired.kind == "agency":
        option = model("iam", "UpdateAgencyOption", **_agency_fields(desired))
        call(session.client("iam"), "update_agency", model(
            "iam", "UpdateAgencyRequest", agency_id=current.ident,
            body=model("iam", "UpdateAgencyRequestBody", agency=option)))


def delete(applying: Applying, current: Resource) -> None:
    session = applying.session
    if current.kind == "role":
        call(session.client("iam"), "delete_custom_policy",
             model("iam", "DeleteCustomPolicyRequest", role_id=current.ident))
    elif current.kind == "agency":
        call(session.client("iam"), "delete_agency", model("iam", "DeleteAgencyRequest", agency_id=current.ident))
    else:
        _change_grant(applying, current, revoke=True)


def _change_grant(applying: Applying, grant: Resource, *, revoke: bool) -> None:
    session, ids = applying.session, applying.ids
    agency_name, role_name, scope, scope_id = grant.spec
    _, grant_method, revoke_method, id_field = SCOPES[scope]
    method = revoke_method if revoke else grant_method
    request = model("iam", _request_class(method), agency_id=ids[f"agency {agency_name}"],
                    role_id=ids[f"role {role_name}"], **{id_field: scope_id})
    call(session.client("iam"), method, request)


def _role_option(desired: Resource):
    policy = desired.prop("policy")
    statements = [model("iam", "ServiceStatement", action=s["Action"], effect=s["Effect"],
                        condition=s.get("Condition")) for s in policy["Statement"]]
    return model("iam", "ServicePolicyRoleOption", display_name=desired.key, type=desired.prop("type"),
                 description=desired.prop("description"),
                 policy=model("iam", "ServicePolicy", version=policy["Version"], statement=statements))


def _agency_fields(desired: Resource) -> dict[str, str]:
    return {"trust_domain_name": desired.prop("trust_domain_name"), "duration": desired.prop("duration"),
            "description": desired.prop("description")}
