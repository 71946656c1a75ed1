"""How a person reverses each action, and what to do where bmsguard cannot act.

Undo text names the exact API call and the KooCLI (``hcloud``) command with every id filled in; the
operation names are those of the official SDK (``huaweicloudsdkiam/v3/iam_client.py``,
``huaweicloudsdkiam/v5/iam_client.py``, ``huaweicloudsdkbms/v1/bms_client.py``).
The OS firewall commands are the ones Huawei's metadata-security guide gives (ECS user guide
"Obtaining ECS Details Using Metadata" / BMS "Metadata Security").
"""

from __future__ import annotations

import json
import shlex

from bmsguard.model import (
    Action,
    DetachAgencyPolicy,
    DisableMetadata,
    GrantScope,
    RequireMetadataV2,
    RevokeAgencyRole,
    UnbindAgency,
)

METADATA_IP = "169.254.169.254"
LINUX_FIREWALL = (
    f"iptables --append OUTPUT --proto tcp --destination {METADATA_IP} "
    "--match owner ! --uid-owner root --jump REJECT"
)
WINDOWS_FIREWALL = (
    '$Reject = (New-Object System.Security.Principal.NTAccount("Everyone"))'
    ".Translate([System.Security.Principal.SecurityIdentifier]).Value; "
    '$Except = (New-Object System.Security.Principal.NTAccount("Administrator"))'
    ".Translate([System.Security.Principal.SecurityIdentifier]).Value; "
    'New-NetFirewallRule -DisplayName "Reject metadata service except Administrator" -Action Block '
    f"-Direction Outbound -Protocol TCP -RemoteAddress {METADATA_IP} "
    '-LocalUser "O:LSD:(D;;CC;;;$Except)(A;;CC;;;$Reject)"'
)

# scope -> (SDK operation that grants it back, HTTP path template, id parameter of the scope)
_GRANT_BACK = {
    GrantScope.PROJECT: ("AssociateAgencyWithProjectPermission",
                         "PUT /v3.0/OS-AGENCY/projects/{scope_id}/agencies/{agency_id}/roles/{role_id}", "project_id"),
    GrantScope.DOMAIN: ("AssociateAgencyWithDomainPermission",
                        "PUT /v3.0/OS-AGENCY/domains/{scope_id}/agencies/{agency_id}/roles/{role_id}", "domain_id"),
    GrantScope.ALL_PROJECTS: (
        "AssociateAgencyWithAllProjectsPermission",
        "PUT /v3.0/OS-INHERIT/domains/{scope_id}/agencies/{agency_id}/roles/{role_id}/inherited_to_projects",
        "domain_id"),
}


def undo_instruction(action: Action, *, region: str, project_id: str = "", domain_id: str = "") -> str:
    """The API call and KooCLI command that reverse ``action`` (ids filled in; unknown ones as <name>)."""
    api, cli = undo_steps(action, region=region, project_id=project_id, domain_id=domain_id)
    return f"API: {api} | KooCLI: {cli}"


def undo_steps(action: Action, *, region: str, project_id: str = "", domain_id: str = "") -> tuple[str, str]:
    """(HTTP call, KooCLI command) that reverse ``action``."""
    project = project_id or "<project_id>"
    if isinstance(action, (DisableMetadata, RequireMetadataV2)):
        return _metadata_undo(action, region, project)
    if isinstance(action, RevokeAgencyRole):
        return _role_undo(action, region, domain_id)
    if isinstance(action, DetachAgencyPolicy):
        return _policy_undo(action, region)
    if isinstance(action, UnbindAgency):
        return _unbind_undo(action, region, project)
    raise TypeError(f"no undo for {type(action).__name__}")


def os_firewall_steps() -> tuple[str, ...]:
    """Keep metadata to root/Administrator inside the OS (for servers where the endpoint stays enabled)."""
    return (
        f"Linux, as root: {LINUX_FIREWALL}",
        f"Windows, in PowerShell as Administrator: {WINDOWS_FIREWALL}",
    )


def console_steps(region: str, wanted: str) -> tuple[str, ...]:
    """What to do where the metadata-options API is not offered (only LA-Sao Paulo1 has it today)."""
    return (
        f"The metadata-options API is not available in region {region or '<region>'}.",
        "In the BMS console open the server's details page and, under Metadata, "
        f"set it to: {wanted} (disable access, or Metadata Version 'Only V2 (Token)').",
        "If the console does not offer it, open a service ticket asking to enable metadata options for this region.",
        "Meanwhile restrict the metadata address inside the OS (commands below).",
    )


def _metadata_undo(action: DisableMetadata | RequireMetadataV2, region: str, project: str) -> tuple[str, str]:
    before = action.before
    body = {"http_endpoint": before.http_endpoint, "http_tokens": before.http_tokens}
    return (
        f"PUT /v1/{project}/baremetalservers/{action.server_id}/metadata-options {json.dumps(body)}",
        _cli("BMS", "UpdateMetadataOptions", region, project_id=project, server_id=action.server_id, **body),
    )


def _role_undo(action: RevokeAgencyRole, region: str, domain_id: str) -> tuple[str, str]:
    grant = action.grant
    if grant.scope == GrantScope.ENTERPRISE_PROJECT:
        assignment = {"agency_id": action.agency_id, "enterprise_project_id": grant.scope_id, "role_id": grant.role_id}
        return (
            "PUT /v3.0/OS-PERMISSION/subjects/agency/scopes/enterprise-project/role-assignments "
            + json.dumps({"role_assignments": [assignment]}),
            _cli("IAM", "AssociateRoleToAgencyOnEnterpriseProject", region,
                 **{f"role_assignments.1.{k}": v for k, v in assignment.items()}),
        )
    operation, path, scope_param = _GRANT_BACK.get(grant.scope, _GRANT_BACK[GrantScope.PROJECT])
    scope_id = grant.scope_id or (domain_id if scope_param == "domain_id" else "") or f"<{scope_param}>"
    return (
        path.format(scope_id=scope_id, agency_id=action.agency_id, role_id=grant.role_id),
        _cli("IAM", operation, region, agency_id=action.agency_id, **{scope_param: scope_id}, role_id=grant.role_id),
    )


def _policy_undo(action: DetachAgencyPolicy, region: str) -> tuple[str, str]:
    policy_id = action.grant.role_id
    return (
        f"POST /v5/policies/{policy_id}/attach-agency {json.dumps({'agency_id': action.agency_id})}",
        _cli("IAM", "AttachAgencyPolicyV5", region, policy_id=policy_id, agency_id=action.agency_id),
    )


def _unbind_undo(action: UnbindAgency, region: str, project: str) -> tuple[str, str]:
    body = {"metadata": {"agency_name": action.agency_name}}
    return (
        f"POST /v1/{project}/baremetalservers/{action.server_id}/metadata {json.dumps(body)}",
        _cli("BMS", "UpdateBaremetalServerMetadata", region, project_id=project, server_id=action.server_id,
             **{"metadata.agency_name": action.agency_name}),
    )


def _cli(service: str, operation: str, region: str, **params: str) -> str:
    args = " ".join(f"--{name}={shlex.quote(str(value))}" for name, value in params.items())
    return f"hcloud {service} {operation} --cli-region={shlex.quote(region or '<region>')} {args}"
