"""The Huawei Cloud gateway: domain verbs over the official SDKs. One instance per invocation.

Every call goes through ``_call``: the retry policy (transient errors only, bounded by the deadline),
translation of SDK exceptions into domain errors, and the API call count the report carries.
Responses are read from the raw body, because the SDK models drop fields (BMS ``metadata.agency_name``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from bmsguard.cloud import parse
from bmsguard.cloud.clients import ClientFactory, Target
from bmsguard.cloud.retry import RetryPolicy, wall_clock_ms
from bmsguard.cloud.translate import translate
from bmsguard.cloud.types import JobStatus, Receipt
from bmsguard.errors import RequestRejected, ResourceGone
from bmsguard.model import Grant, GrantScope, MetadataOptions, ServerPosture

MAX_PAGE_SIZE = 1000  # BMS list limit
EP_PAGE_SIZE = 50  # IAM role-assignments per_page maximum
V5_PAGE_SIZE = 200


class HuaweiCloudGateway:
    def __init__(self, target: Target, retry: RetryPolicy, *, clock: Callable[[], int] = wall_clock_ms,
                 clients: ClientFactory | None = None):
        self._target = target
        self._retry = retry
        self._clock = clock
        self._clients = clients or ClientFactory(target)
        # Per invocation (a sweep meets the same agency on many servers): role details by role id, agencies
        # by name, grants by agency id (dropped when this gateway changes that agency).
        self._roles: dict[str, Grant] = {}
        self._agencies: dict[str, tuple[str, str] | None] = {}
        self._grants: dict[str, tuple[Grant, ...]] = {}
        self.calls: Counter[str] = Counter()  # HTTP requests made, by SDK operation (retries included)

    @property
    def api_calls(self) -> int:
        return sum(self.calls.values())

    # ------------------------------------------------------------ BMS reads

    def get_server(self, server_id: str) -> ServerPosture:
        body = self._read("bms", "ListBareMetalServerDetails", "list_bare_metal_server_details",
                          server_id=server_id)
        return parse.server_posture(body.get("server") or {}, read_at_ms=self._clock())

    def get_metadata_options(self, server_id: str) -> MetadataOptions:
        body = self._read("bms", "ShowMetadataOptions", "show_metadata_options", server_id=server_id)
        return parse.metadata_options(body)

    def get_job(self, job_id: str) -> JobStatus:
        return parse.job_status(job_id, self._read("bms", "ShowJobInfos", "show_job_infos", job_id=job_id))

    def iter_servers(self, page_size: int = MAX_PAGE_SIZE) -> Iterator[ServerPosture]:
        """Every BMS of the project, one page at a time (``offset`` is a page number starting at 1)."""
        page_size = max(1, min(page_size, MAX_PAGE_SIZE))
        page = 1
        while True:
            body = self._read("bms", "ListBareMetalServers", "list_bare_metal_servers",
                              limit=page_size, offset=page)
            servers = body.get("servers") or []
            now = self._clock()
            for raw in servers:
                yield parse.server_posture(raw, read_at_ms=now)
            total = body.get("count")
            if len(servers) < page_size or (isinstance(total, int) and page * page_size >= total):
                return
            page += 1

    def servers_bound_to(self, agency_name: str, *, exclude: tuple[str, ...] = (),
                         stop_after: int | None = None) -> tuple[str, ...]:
        """Ids of servers whose bound agency is ``agency_name`` (stops early after ``stop_after`` hits)."""
        found: list[str] = []
        for server in self.iter_servers():
            if server.agency_name == agency_name and server.id not in exclude:
                found.append(server.id)
                if stop_after is not None and len(found) >= stop_after:
                    break
        return tuple(found)

    # ------------------------------------------------------------ BMS writes

    def set_metadata_options(self, server_id: str, *, http_endpoint: str, http_tokens: str | None = None) -> Receipt:
        body = self._clients.request("bms", "UpdateBaremetalServerMetadataOptionsRequestBody",
                                     http_endpoint=http_endpoint, http_tokens=http_tokens)
        return self._write("bms", "UpdateMetadataOptions", "update_metadata_options",
                           server_id=server_id, body=body)

    def unbind_agency(self, server_id: str) -> Receipt:
        body = self._clients.request("bms", "UpdateBaremetalServerMetadataReq", metadata={"agency_name": ""})
        return self._write("bms", "UpdateBaremetalServerMetadata", "update_baremetal_server_metadata",
                           server_id=server_id, body=body)

    # ------------------------------------------------------------ IAM reads

    def find_agency(self, name: str) -> tuple[str, str] | None:
        if name not in self._agencies:
            body = self._read("iam3", "ListAgencies", "list_agencies", domain_id=self._target.domain_id, name=name)
            found = [a for a in body.get("agencies") or () if a.get("name") == name]
            self._agencies[name] = (str(found[0]["id"]), name) if found else None
        return self._agencies[name]

    def get_agency(self, agency_id: str) -> tuple[str, str] | None:
        """(id, name) of an agency by id, or None if it no longer exists."""
        try:
            body = self._read("iam3", "ShowAgency", "show_agency", agency_id=agency_id)
        except ResourceGone:
            return None
        agency = body.get("agency") or {}
        return str(agency.get("id") or agency_id), str(agency.get("name") or "")

    def list_agency_grants(self, agency_id: str, *, project_id: str, domain_id: str) -> tuple[Grant, ...]:
        """Every permission of the agency: v3 roles in the four scopes, then attached v5 policies."""
        key = f"{agency_id}/{project_id}/{domain_id}"
        if key not in self._grants:
            self._grants[key] = self._all_grants(agency_id, project_id, domain_id)
        return self._grants[key]

    def _all_grants(self, agency_id: str, project_id: str, domain_id: str) -> tuple[Grant, ...]:
        return (self._project_grants(agency_id, project_id) + self._domain_grants(agency_id, domain_id)
                + self._all_projects_grants(agency_id, domain_id)
                + self._enterprise_project_grants(agency_id, domain_id) + self._v5_grants(agency_id, domain_id))

    def grant_present(self, agency_id: str, grant: Grant) -> bool:
        """Re-read the one scope a grant lives in (verification after a revoke or detach)."""
        domain_id = self._target.domain_id
        if grant.scope == GrantScope.POLICY:
            listed = self._v5_grants(agency_id, domain_id, with_documents=False)
            return any(item.role_id == grant.role_id for item in listed)
        if grant.scope == GrantScope.PROJECT:
            listed = self._project_grants(agency_id, grant.scope_id)
        elif grant.scope == GrantScope.DOMAIN:
            listed = self._domain_grants(agency_id, grant.scope_id)
        elif grant.scope == GrantScope.ALL_PROJECTS:
            listed = self._all_projects_grants(agency_id, grant.scope_id)
        else:
            listed = self._enterprise_project_grants(agency_id, domain_id)
        return any(item.role_id == grant.role_id and item.scope_id == grant.scope_id for item in listed)

    def _project_grants(self, agency_id: str, project_id: str) -> tuple[Grant, ...]:
        body = self._read("iam3", "ListProjectPermissionsForAgency", "list_project_permissions_for_agency",
                          project_id=project_id, agency_id=agency_id)
        return tuple(self._remember(parse.v3_grant(GrantScope.PROJECT, project_id, role))
                     for role in body.get("roles") or ())

    def _domain_grants(self, agency_id: str, domain_id: str) -> tuple[Grant, ...]:
        body = self._read("iam3", "ListDomainPermissionsForAgency", "list_domain_permissions_for_agency",
                          domain_id=domain_id, agency_id=agency_id)
        return tuple(self._remember(parse.v3_grant(GrantScope.DOMAIN, domain_id, role))
                     for role in body.get("roles") or ())

    def _all_projects_grants(self, agency_id: str, domain_id: str) -> tuple[Grant, ...]:
        # This list carries only id/name/links: each role's statements come from its own record.
        body = self._read("iam3", "ListAllProjectsPermissionsForAgency", "list_all_projects_permissions_for_agency",
                          agency_id=agency_id, domain_id=domain_id)
        return tuple(self._role_grant(GrantScope.ALL_PROJECTS, domain_id, str(role.get("id", "")))
                     for role in body.get("roles") or ())

    def _enterprise_project_grants(self, agency_id: str, domain_id: str) -> tuple[Grant, ...]:
        grants: list[Grant] = []
        page = 1
        while True:
            body = self._read("iam3", "ShowDomainRoleAssignments", "show_domain_role_assignments",
                              domain_id=domain_id, subject="agency", subject_agency_id=agency_id,
                              scope="enterprise_project", page=page, per_page=EP_PAGE_SIZE)
            assignments = body.get("role_assignments") or []
            for item in assignments:
                ep_id = str(((item.get("scope") or {}).get("enterprise_project") or {}).get("id") or "")
                if ep_id:
                    grants.append(self._role_grant(GrantScope.ENTERPRISE_PROJECT, ep_id,
                                                   str((item.get("role") or {}).get("id", ""))))
            if len(assignments) < EP_PAGE_SIZE or page * EP_PAGE_SIZE >= int(body.get("total_num") or 0):
                return tuple(grants)
            page += 1

    def _v5_grants(self, agency_id: str, domain_id: str, *, with_documents: bool = True) -> tuple[Grant, ...]:
        grants: list[Grant] = []
        marker = None
        while True:
            body = self._read("iam5", "ListAttachedAgencyPoliciesV5", "list_attached_agency_policies_v5",
                              agency_id=agency_id, limit=V5_PAGE_SIZE, marker=marker)
            for item in body.get("attached_policies") or ():
                grants.append(self._v5_grant(item, domain_id) if with_documents else
                              Grant(scope=GrantScope.POLICY, scope_id=domain_id,
                                    role_id=str(item.get("policy_id", "")), role_name=str(item.get("policy_name", ""))))
            marker = (body.get("page_info") or {}).get("next_marker")
            if not marker:
                return tuple(grants)

    def _v5_grant(self, attached: dict[str, Any], domain_id: str) -> Grant:
        policy_id = str(attached.get("policy_id", ""))
        policy = self._read("iam5", "GetPolicyV5", "get_policy_v5", policy_id=policy_id).get("policy") or {}
        version = self._read("iam5", "GetPolicyVersionV5", "get_policy_version_v5", policy_id=policy_id,
                             version_id=str(policy.get("default_version_id") or "v1")).get("policy_version") or {}
        name = str(attached.get("policy_name") or policy.get("policy_name") or "")
        return Grant(scope=GrantScope.POLICY, scope_id=domain_id, role_id=policy_id, role_name=name,
                     display_name=name, policy_urn=str(attached.get("urn") or policy.get("urn") or ""),
                     statements=parse.v5_statements(version.get("document")))

    def _role_grant(self, scope: str, scope_id: str, role_id: str) -> Grant:
        known = self._roles.get(role_id) or self._remember(self._fetch_role(role_id))
        return Grant(scope=scope, scope_id=scope_id, role_id=role_id, role_name=known.role_name,
                     display_name=known.display_name, statements=known.statements, depends=known.depends)

    def _fetch_role(self, role_id: str) -> Grant:
        try:
            body = self._read("iam3", "KeystoneShowPermission", "keystone_show_permission", role_id=role_id)
        except ResourceGone:  # a custom policy lives under OS-ROLE
            body = self._read("iam3", "ShowCustomPolicy", "show_custom_policy", role_id=role_id)
        return parse.v3_grant("", "", body.get("role") or {"id": role_id})

    def _remember(self, grant: Grant) -> Grant:
        self._roles.setdefault(grant.role_id, grant)
        return grant

    # ------------------------------------------------------------ IAM writes

    def revoke_role(self, agency_id: str, grant: Grant) -> Receipt:
        """Revoke a v3 role from the agency in the grant's scope."""
        self._forget_grants(agency_id)
        if grant.scope == GrantScope.PROJECT:
            return self._write("iam3", "RemoveProjectPermissionFromAgency", "remove_project_permission_from_agency",
                               project_id=grant.scope_id, agency_id=agency_id, role_id=grant.role_id)
        if grant.scope == GrantScope.DOMAIN:
            return self._write("iam3", "RemoveDomainPermissionFromAgency", "remove_domain_permission_from_agency",
                               domain_id=grant.scope_id, agency_id=agency_id, role_id=grant.role_id)
        if grant.scope == GrantScope.ALL_PROJECTS:
            return self._write("iam3", "RemoveAllProjectsPermissionFromAgency",
                               "remove_all_projects_permission_from_agency",
                               agency_id=agency_id, domain_id=grant.scope_id, role_id=grant.role_id)
        if grant.scope == GrantScope.ENTERPRISE_PROJECT:
            return self._write("iam3", "RevokeRoleFromAgencyOnEnterpriseProject",
                               "revoke_role_from_agency_on_enterprise_project",
                               body=self._ep_assignment(agency_id, grant))
        raise RequestRejected(f"revoke_role: scope {grant.scope!r} is not a v3 role scope")

    def detach_policy(self, agency_id: str, grant: Grant) -> Receipt:
        self._forget_grants(agency_id)
        body = self._clients.request("iam5", "DetachAgencyPolicyReqBody", agency_id=agency_id)
        return self._write("iam5", "DetachAgencyPolicyV5", "detach_agency_policy_v5",
                           policy_id=grant.role_id, body=body)

    def _forget_grants(self, agency_id: str) -> None:
        for key in [k for k in self._grants if k.startswith(f"{agency_id}/")]:
            del self._grants[key]

    def _ep_assignment(self, agency_id: str, grant: Grant) -> Any:
        item = self._clients.request("iam3", "CreateAgencyEpPolicyAssignmentReqBodyRoleAssignments",
                                     agency_id=agency_id, enterprise_project_id=grant.scope_id,
                                     role_id=grant.role_id)
        return self._clients.request("iam3", "CreateOrDelAgencyEpPolicyAssignmentReqBody", role_assignments=[item])

    # ------------------------------------------------------------ SMN

    def publish(self, topic_urn: str, notification: Any) -> str:
        """Publish a ``render.Notification``; returns the SMN message id. The per-protocol map goes as the
        JSON string SMN takes, in the compact form render sized against SMN's limit."""
        structure = notification.message_structure_json if notification.message_structure else None
        body = self._clients.request("smn", "PublishMessageRequestBody", subject=notification.subject,
                                     message=notification.message, message_structure=structure,
                                     tags=dict(notification.tags or {}) or None)
        answer, _ = self._call("smn", "PublishMessage", "publish_message", {"topic_urn": topic_urn, "body": body})
        return str(answer.get("message_id") or "")

    # ------------------------------------------------------------ plumbing

    def _read(self, service: str, operation: str, method: str, **fields: Any) -> dict[str, Any]:
        return self._call(service, operation, method, fields)[0]

    def _write(self, service: str, operation: str, method: str, **fields: Any) -> Receipt:
        return Receipt(attempts=self._call(service, operation, method, fields)[1])

    def _call(self, service: str, operation: str, method: str, fields: dict[str, Any]) -> tuple[dict[str, Any], int]:
        from huaweicloudsdkcore.exceptions.exceptions import SdkException

        request = self._clients.request(service, f"{operation}Request",
                                        **{k: v for k, v in fields.items() if v is not None})
        client = self._clients.client(service)

        def once() -> dict[str, Any]:
            self.calls[operation] += 1
            try:
                response = getattr(client, method)(request)
            except SdkException as exc:  # every SDK error is translated here, once
                raise translate(exc, operation) from exc
            body = response.to_json_object() if response is not None else None
            return body if isinstance(body, dict) else {}

        return self._retry.call(once)
