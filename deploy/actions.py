"""Which IAM action each SDK operation needs, and which SDK operations the function code calls.

``OPERATION_ACTIONS`` maps ``<client>.<sdk method>`` (client keys as in ``bmsguard.cloud.clients.CLIENTS``)
to the IAM actions Huawei checks for it. ``called_operations`` reads ``bmsguard/cloud/`` (without
importing it) and finds every SDK operation it can invoke, so tests can hold the template's agency policy
to exactly what the code needs.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterable
from pathlib import Path

GATEWAY_DIR = Path(__file__).resolve().parent.parent / "bmsguard" / "cloud"

# client key -> (SDK package, client class); mirrors bmsguard.cloud.clients.CLIENTS
SDK_CLIENTS = {
    "bms": ("huaweicloudsdkbms.v1", "BmsClient"),
    "iam3": ("huaweicloudsdkiam.v3", "IamClient"),
    "iam5": ("huaweicloudsdkiam.v5", "IamClient"),
    "smn": ("huaweicloudsdksmn.v2", "SmnClient"),
}

OPERATION_ACTIONS: dict[str, tuple[str, ...]] = {
    # BMS (regional)
    "bms.list_bare_metal_server_details": ("bms:servers:get",),
    "bms.list_bare_metal_servers": ("bms:servers:list",),
    "bms.list_bare_metal_servers_detail": ("bms:servers:list",),
    "bms.show_metadata_options": ("bms:servers:showMetadataOptions",),
    "bms.update_metadata_options": ("bms:servers:updateMetadataOptions",),
    # Huawei lists iam:agencies:pass as a dependency of updateMetadata for *binding* an agency; the
    # function only unbinds (agency_name ""), so the pass permission is deliberately not required.
    "bms.update_baremetal_server_metadata": ("bms:servers:updateMetadata",),
    # GET /v1/{project_id}/jobs/{job_id} has no documented action of its own; it reads a server operation.
    "bms.show_job_infos": ("bms:servers:get",),
    # IAM v3 (global)
    "iam3.list_agencies": ("iam:agencies:listAgencies",),
    "iam3.show_agency": ("iam:agencies:getAgency",),
    "iam3.list_project_permissions_for_agency": ("iam:permissions:listRolesForAgencyOnProject",),
    "iam3.list_domain_permissions_for_agency": ("iam:permissions:listRolesForAgencyOnDomain",),
    "iam3.list_all_projects_permissions_for_agency": ("iam:permissions:listRolesForAgency",),
    "iam3.show_domain_role_assignments": ("iam:permissions:listRoleAssignments",),
    "iam3.check_project_permission_for_agency": ("iam:permissions:checkRoleForAgencyOnProject",),
    "iam3.check_domain_permission_for_agency": ("iam:permissions:checkRoleForAgencyOnDomain",),
    "iam3.check_all_projects_permission_for_agency": ("iam:permissions:checkRoleForAgency",),
    "iam3.keystone_show_permission": ("iam:roles:getRole",),
    "iam3.show_custom_policy": ("iam:roles:getRole",),
    "iam3.keystone_list_permissions": ("iam:roles:listRoles",),
    "iam3.list_custom_policies": ("iam:roles:listRoles",),
    "iam3.remove_project_permission_from_agency": ("iam:permissions:revokeRoleFromAgencyOnProject",),
    "iam3.remove_domain_permission_from_agency": ("iam:permissions:revokeRoleFromAgencyOnDomain",),
    "iam3.remove_all_projects_permission_from_agency": ("iam:permissions:revokeRoleFromAgency",),
    "iam3.revoke_role_from_agency_on_enterprise_project": (
        "iam:permissions:revokeRoleFromAgencyOnEnterpriseProject",),
    # IAM v5 (global)
    "iam5.list_attached_agency_policies_v5": ("iam:agencies:listAttachedPoliciesV5",),
    "iam5.detach_agency_policy_v5": ("iam:agencies:detachPolicyV5",),
    "iam5.get_policy_v5": ("iam:policies:getV5",),
    "iam5.get_policy_version_v5": ("iam:policies:getVersionV5",),
    "iam5.get_agency_v5": ("iam:agencies:getV5",),
    "iam5.list_agencies_v5": ("iam:agencies:listV5",),
    "iam5.list_entities_for_policy_v5": ("iam:policies:listEntitiesV5",),
    # SMN (regional)
    "smn.publish_message": ("smn:topic:publish",),
}


class UnknownOperation(LookupError):
    """The code calls an SDK operation this table does not know the IAM action of."""


def required_actions(operations: Iterable[str]) -> set[str]:
    """The IAM actions for ``<client>.<method>`` operations; every one must be in the table."""
    actions: set[str] = set()
    for operation in operations:
        if operation not in OPERATION_ACTIONS:
            raise UnknownOperation(f"no IAM action known for SDK operation {operation}: add it to "
                                   "deploy/actions.py OPERATION_ACTIONS")
        actions.update(OPERATION_ACTIONS[operation])
    return actions


def sdk_methods() -> dict[str, set[str]]:
    """client key -> the operation methods its SDK client class defines (no ``*_invoker`` helpers)."""
    methods = {}
    for key, (package, class_name) in SDK_CLIENTS.items():
        cls = getattr(importlib.import_module(package), class_name)
        methods[key] = {name for name in vars(cls) if not name.startswith("_") and not name.endswith("_invoker")
                        and name != "new_builder" and callable(vars(cls)[name])}
    return methods


def called_operations(source_dir: Path = GATEWAY_DIR) -> set[str]:
    """Every ``<client>.<method>`` the code under ``source_dir`` can invoke.

    An operation counts when the source names it as a method (``client.show_job_infos(...)`` or the
    string ``"show_job_infos"``) or by its request class (``"ShowJobInfosRequest"``, typically through
    ``factory.request("bms", "ShowJobInfosRequest", ...)``, which also pins the client).
    """
    methods = sdk_methods()
    found: set[str] = set()
    for path in sorted(source_dir.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for name, client in _mentions(tree):
            found.update(f"{key}.{name}" for key in ([client] if client else methods) if name in methods.get(key, ()))
    return found


def _mentions(tree: ast.AST) -> Iterable[tuple[str, str]]:
    """(method name, client key or "") for every attribute, string and request-class mention."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            yield node.attr, ""
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield from _string_mention(node.value, "")
        elif isinstance(node, ast.Call) and _is_request_factory(node):
            client, class_name = node.args[0].value, node.args[1].value
            yield from _string_mention(class_name, client)


def _string_mention(text: str, client: str) -> Iterable[tuple[str, str]]:
    if re.fullmatch(r"[A-Z][A-Za-z0-9]*Request", text):
        yield _snake(text[: -len("Request")]), client
    elif re.fullmatch(r"[a-z][a-z0-9_]*", text):
        yield text, client


def _is_request_factory(node: ast.Call) -> bool:
    return (isinstance(node.func, ast.Attribute) and node.func.attr == "request" and len(node.args) >= 2
            and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args[:2]))


def _snake(camel: str) -> str:
    """``ShowJobInfos`` -> ``show_job_infos``; ``ListAttachedAgencyPoliciesV5`` -> ``..._policies_v5``."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", camel)
    return words.lower()
