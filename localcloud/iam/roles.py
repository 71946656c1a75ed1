"""The v3 role catalogue (``GET /v3/roles[/{id}]``) and custom policies (``/v3.0/OS-ROLE/roles``)."""

from __future__ import annotations

from typing import Any

from localcloud.iam import render
from localcloud.iam.protocol import body_value, int_arg, keystone_errors, page, text_field
from localcloud.iam.state import IamError, Role
from localcloud.wire import Reply, Request, Route

ROLES = "/v3/roles"
CUSTOM = "/v3.0/OS-ROLE/roles"
_TYPE_FILTER = {"domain": ("AX", "AA"), "project": ("XA", "AA")}
_PERMISSION_TYPE = {"policy": True, "role": False}  # fine-grained policy vs role-based role


@keystone_errors
def list_permissions(cloud: Any, request: Request) -> Reply:
    page_number, per_page = _paging(request, max_per_page=300)
    domain_id = request.arg("domain_id")
    roles = cloud.iam.custom_roles() if domain_id == cloud.iam.domain_id else cloud.iam.system_roles()
    found = [r for r in roles if _matches(r, request)]
    return Reply(200, {"links": _links(cloud, request), "total_number": len(found),
                       "roles": [render.role(r, cloud.region) for r in page(found, page_number, per_page)]})


def _matches(role: Role, request: Request) -> bool:
    name, display, catalog = request.arg("name"), request.arg("display_name"), request.arg("catalog")
    role_type, permission_type = request.arg("type"), request.arg("permission_type")
    return ((name is None or role.name == name)
            and (display is None or display.lower() in role.display_name.lower())
            and (catalog is None or role.catalog == catalog)
            and (role_type is None or role.type in _TYPE_FILTER.get(role_type, ()))
            and (permission_type is None
                 or _PERMISSION_TYPE.get(permission_type) == (role.flag == "fine_grained")))


def _paging(request: Request, max_per_page: int) -> tuple[int | None, int | None]:
    page_number = int_arg(request, "page", None, 1, 1_000_000)
    per_page = int_arg(request, "per_page", None, 1, max_per_page)
    if (page_number is None) != (per_page is None):
        raise IamError(400, "Invalid input: 'page' and 'per_page' must be given together.")
    return page_number, per_page


def _links(cloud: Any, request: Request) -> dict[str, Any]:
    return {"self": render.endpoint(cloud.region) + request.path, "previous": None, "next": None}


@keystone_errors
def show_permission(cloud: Any, request: Request, role_id: str) -> Reply:
    return Reply(200, {"role": render.role(cloud.iam.role(role_id), cloud.region)})


@keystone_errors
def list_custom(cloud: Any, request: Request) -> Reply:
    page_number, per_page = _paging(request, max_per_page=300)
    roles = cloud.iam.custom_roles()
    return Reply(200, {"links": _links(cloud, request), "total_number": len(roles),
                       "roles": [render.role(r, cloud.region) for r in page(roles, page_number, per_page)]})


@keystone_errors
def show_custom(cloud: Any, request: Request, role_id: str) -> Reply:
    role = cloud.iam.role(role_id)
    return Reply(200, {"role": {**render.role(role, cloud.region), "references": cloud.iam.references(role_id)}})


@keystone_errors
def create_custom(cloud: Any, request: Request) -> Reply:
    fields = body_value(request, "role")
    role = cloud.iam.create_custom_role(
        text_field(fields, "display_name", "role", required=True, max_len=128), _role_type(fields),
        _policy(fields), text_field(fields, "description", "role", max_len=1000) or "",
        text_field(fields, "description_cn", "role", max_len=1000) or "")
    return Reply(201, {"role": render.role(role, cloud.region)}, resource=(role.id, role.display_name))


@keystone_errors
def update_custom(cloud: Any, request: Request, role_id: str) -> Reply:
    fields = body_value(request, "role")
    changes: dict[str, Any] = {"policy": _policy(fields)} if "policy" in fields else {}
    for key in ("display_name", "description", "description_cn"):
        if key in fields:
            changes[key] = text_field(fields, key, "role", required=key == "display_name", max_len=1000) or ""
    if "type" in fields:
        changes["type"] = _role_type(fields)
    role = cloud.iam.update_custom_role(role_id, **changes)
    return Reply(200, {"role": render.role(role, cloud.region)}, resource=(role.id, role.display_name))


@keystone_errors
def delete_custom(cloud: Any, request: Request, role_id: str) -> Reply:
    role = cloud.iam.delete_custom_role(role_id)
    return Reply(200, {}, resource=(role.id, role.display_name), trace_request={"role_id": role.id})


def _role_type(fields: dict[str, Any]) -> str:
    value = fields.get("type")
    if value not in ("AX", "XA"):
        raise IamError(400, f"Invalid input: 'role.type' must be AX (global) or XA (project), got {value!r}.")
    return value


def _policy(fields: dict[str, Any]) -> dict[str, Any]:
    policy = fields.get("policy")
    if not isinstance(policy, dict) or policy.get("Version") != "1.1":
        raise IamError(400, "Invalid input: 'role.policy' must be an object with Version \"1.1\".")
    statements = policy.get("Statement")
    if not isinstance(statements, list) or not statements:
        raise IamError(400, "Invalid input: 'role.policy.Statement' must be a non-empty list.")
    for index, statement in enumerate(statements):
        _check_statement(statement, f"role.policy.Statement[{index}]")
    return policy


def _check_statement(statement: Any, where: str) -> None:
    if not isinstance(statement, dict):
        raise IamError(400, f"Invalid input: '{where}' must be an object.")
    if statement.get("Effect") not in ("Allow", "Deny"):
        raise IamError(400, f"Invalid input: '{where}.Effect' must be Allow or Deny.")
    actions = statement.get("Action")
    if not isinstance(actions, list) or not actions or not all(isinstance(a, str) and a for a in actions):
        raise IamError(400, f"Invalid input: '{where}.Action' must be a non-empty list of action names.")


ROUTES = [
    Route("GET", ROLES, "iam", "KeystoneListPermissions", list_permissions),
    Route("GET", ROLES + "/{role_id}", "iam", "KeystoneShowPermission", show_permission),
    Route("GET", CUSTOM, "iam", "ListCustomPolicies", list_custom),
    Route("GET", CUSTOM + "/{role_id}", "iam", "ShowCustomPolicy", show_custom),
    Route("POST", CUSTOM, "iam", "CreateCloudServiceCustomPolicy", create_custom, writes=True,
          trace_name="createRole", resource_type="role"),
    Route("PATCH", CUSTOM + "/{role_id}", "iam", "UpdateCloudServiceCustomPolicy", update_custom, writes=True,
          trace_name="updateRole", resource_type="role"),
    Route("DELETE", CUSTOM + "/{role_id}", "iam", "DeleteCustomPolicy", delete_custom, writes=True,
          trace_name="deleteRole", resource_type="role"),
]
