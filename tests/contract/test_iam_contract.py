"""Contract: the official IAM v3/v5 SDK clients against localcloud's IAM (and, read-only, a real account).

Clients are built like production: ``GlobalCredentials(ak, sk, domain_id).with_security_token(token)``
and ``with_region(IamRegion.value_of(region))``. The tests marked ``live`` run the read-only checks
against a real account when HUAWEICLOUD_SDK_AK/SK/DOMAIN_ID and BMSGUARD_LIVE_REGION are set.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator

import huaweicloudsdkiam.v3 as v3
import huaweicloudsdkiam.v5 as v5
import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials, GlobalCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkiam.v3.region.iam_region import IamRegion as IamRegionV3
from huaweicloudsdkiam.v5.region.iam_region import IamRegion as IamRegionV5

from localcloud import LocalCloud, WorldError
from localcloud.iam import catalogue

PROJECT_ID = "0945241c5ebc4660bac540d48f2a2c14"
OTHER_PROJECT_ID = "5c0f8a6e2f8e4b7f9a1d3c2b1a0e9f8d"
ADAPTERS = ("inprocess", "server")
LIVE_ENV = ("HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_DOMAIN_ID", "BMSGUARD_LIVE_REGION")
WORLD = {
    "agencies": [
        {"name": "bms_app_agency", "trust_domain_name": "op_svc_ecs",
         "roles": {"project": {PROJECT_ID: ["OBS ReadOnlyAccess", "bms_custom_ops"]},
                   "domain": ["Tenant Administrator"], "all_projects": ["readonly"],
                   "enterprise_project": {"0": ["BMS FullAccess"]}},
         "policies": ["AdministratorAccess", "agency-admin-custom", "OBSReadOnlyPolicy"]},
        {"name": "bare_agency"},
    ],
    "roles": [{"name": "bms_custom_ops", "type": "XA",
               "statements": [{"effect": "Allow", "actions": ["bms:servers:list", "iam:agencies:update"]}]}],
    "identity_policies": [{"name": "agency-admin-custom",
                           "document": {"Version": "5.0",
                                        "Statement": [{"Effect": "Allow", "Action": ["iam:*"],
                                                       "Resource": ["*"]}]}}],
}


def role_id(display_name: str) -> str:
    return next(r["id"] for r in catalogue.SYSTEM_ROLES if r["display_name"] == display_name)


def build(client_class, region_class, cloud: LocalCloud, credentials):
    builder = client_class.new_builder().with_credentials(credentials)
    if cloud.server_endpoint:
        return builder.with_endpoint(cloud.endpoint).build()
    return builder.with_region(region_class.value_of(cloud.region)).build()


def function_credentials(cloud: LocalCloud) -> GlobalCredentials:
    key = cloud.credential()
    return GlobalCredentials(key.ak, key.sk, cloud.domain_id).with_security_token(key.security_token)


def open_cloud(adapter: str, world=WORLD) -> Iterator[LocalCloud]:
    cloud = LocalCloud(world)
    if adapter == "server":
        server = cloud.serve()
        try:
            yield cloud
        finally:
            server.stop()
    else:
        with cloud:
            yield cloud


@pytest.fixture(params=ADAPTERS)
def cloud(request) -> Iterator[LocalCloud]:
    """The world, served in process (SDK built with_region) or over HTTP (SDK built with_endpoint)."""
    yield from open_cloud(request.param)


@pytest.fixture
def iam3(cloud):
    return build(v3.IamClient, IamRegionV3, cloud, function_credentials(cloud))


@pytest.fixture
def iam5(cloud):
    return build(v5.IamClient, IamRegionV5, cloud, function_credentials(cloud))


@pytest.fixture
def agency_id(cloud) -> str:
    return next(a["id"] for a in cloud.dump()["agencies"] if a["name"] == "bms_app_agency")


def agency_state(cloud: LocalCloud, name: str = "bms_app_agency") -> dict:
    return next(a for a in cloud.dump()["agencies"] if a["name"] == name)


# ---------------------------------------------------------------- agencies


def test_list_agencies_by_name_parses_into_the_sdk_model(cloud, iam3, agency_id):
    found = iam3.list_agencies(v3.ListAgenciesRequest(domain_id=cloud.domain_id, name="bms_app_agency")).agencies

    assert [(a.id, a.name, a.trust_domain_name, a.duration) for a in found] == [
        (agency_id, "bms_app_agency", "op_svc_ecs", "FOREVER")]
    assert found[0].agency_urn == f"iam::{cloud.domain_id}:agency:bms_app_agency"


def test_list_agencies_without_domain_id_is_a_keystone_400(iam3):
    with pytest.raises(ClientRequestException) as raised:
        iam3.list_agencies(v3.ListAgenciesRequest(name="bms_app_agency"))

    assert (raised.value.status_code, raised.value.error_code) == (400, 400)
    assert "domain_id" in raised.value.error_msg


def test_show_unknown_agency_is_a_keystone_404_with_an_int_code(iam3):
    with pytest.raises(ClientRequestException) as raised:
        iam3.show_agency(v3.ShowAgencyRequest(agency_id="0" * 32))

    assert (raised.value.status_code, raised.value.error_code) == (404, 404)
    assert raised.value.error_msg == f"Could not find agency: {'0' * 32}."


def test_create_update_delete_agency_changes_state_and_records_traces(cloud, iam3):
    created = iam3.create_agency(v3.CreateAgencyRequest(body=v3.CreateAgencyRequestBody(agency=v3.CreateAgencyOption(
        name="deploy_agency", domain_id=cloud.domain_id, trust_domain_name="op_svc_ecs", duration="FOREVER")))).agency
    iam3.update_agency(v3.UpdateAgencyRequest(agency_id=created.id, body=v3.UpdateAgencyRequestBody(
        agency=v3.UpdateAgencyOption(description="for bmsguard tests"))))

    assert agency_state(cloud, "deploy_agency")["description"] == "for bmsguard tests"
    iam3.delete_agency(v3.DeleteAgencyRequest(agency_id=created.id))
    assert "deploy_agency" not in [a["name"] for a in cloud.dump()["agencies"]]
    assert [(t["trace_name"], t["resource_id"], t["resource_name"]) for t in cloud.traces] == [
        ("createAgency", created.id, "deploy_agency"), ("updateAgency", created.id, "deploy_agency"),
        ("deleteAgency", created.id, "deploy_agency")]


def test_creating_a_second_agency_with_the_same_name_is_a_409(cloud, iam3):
    option = v3.CreateAgencyOption(name="bms_app_agency", domain_id=cloud.domain_id, trust_domain_name="op_svc_ecs")

    with pytest.raises(ClientRequestException) as raised:
        iam3.create_agency(v3.CreateAgencyRequest(body=v3.CreateAgencyRequestBody(agency=option)))

    assert raised.value.status_code == 409
    assert len(cloud.dump()["agencies"]) == 2


def test_create_agency_without_a_name_is_a_400_naming_the_field(cloud, iam3):
    option = v3.CreateAgencyOption(domain_id=cloud.domain_id, trust_domain_name="op_svc_ecs")

    with pytest.raises(ClientRequestException) as raised:
        iam3.create_agency(v3.CreateAgencyRequest(body=v3.CreateAgencyRequestBody(agency=option)))

    assert (raised.value.status_code, raised.value.error_code) == (400, 400)
    assert "'agency.name' is required" in raised.value.error_msg


# ---------------------------------------------------------------- v3 grants: project, domain, all projects


def test_project_roles_list_with_policy_statements(cloud, iam3, agency_id):
    roles = iam3.list_project_permissions_for_agency(v3.ListProjectPermissionsForAgencyRequest(
        project_id=PROJECT_ID, agency_id=agency_id)).roles

    assert [r.display_name for r in roles] == ["OBS ReadOnlyAccess", "bms_custom_ops"]
    obs = roles[0]
    assert (obs.flag, obs.type, obs.policy.version) == ("fine_grained", "AA", "1.1")
    assert "obs:object:GetObject" in obs.policy.statement[0].action
    custom = roles[1]
    assert (custom.catalog, custom.domain_id, custom.name) == ("CUSTOMED", cloud.domain_id,
                                                               f"custom_{cloud.domain_id}_1")
    assert custom.policy.statement[0].action == ["bms:servers:list", "iam:agencies:update"]


def test_domain_roles_carry_role_based_policy_with_deny(cloud, iam3, agency_id):
    roles = iam3.list_domain_permissions_for_agency(v3.ListDomainPermissionsForAgencyRequest(
        domain_id=cloud.domain_id, agency_id=agency_id)).roles

    assert [(r.name, r.display_name, r.policy.version) for r in roles] == [("te_admin", "Tenant Administrator", "1.0")]
    assert [(s.effect, s.action) for s in roles[0].policy.statement] == [
        ("Allow", ["*:*:*"]), ("Deny", ["identity:*:*"])]


def test_all_projects_list_has_only_id_name_and_links(cloud, iam3, agency_id):
    response = iam3.list_all_projects_permissions_for_agency(v3.ListAllProjectsPermissionsForAgencyRequest(
        domain_id=cloud.domain_id, agency_id=agency_id))

    assert [(r.id, r.name) for r in response.roles] == [(role_id("Tenant Guest"), "readonly")]
    raw = response.to_json_object()["roles"][0]
    assert set(raw) == {"id", "name", "links"}
    assert raw["links"]["self"].endswith(f"/v3/roles/{role_id('Tenant Guest')}")


def sdk_call(client, operation: str, **fields):
    """``client.<operation>(<Operation>Request(**fields))``, e.g. sdk_call(iam3, "show_agency", agency_id=x)."""
    request_class = getattr(v3, "".join(part.title() for part in operation.split("_")) + "Request")
    return getattr(client, operation)(request_class(**fields))


@pytest.mark.parametrize(("scope", "grant", "revoke", "lister", "scope_field"), [
    ("project", "associate_agency_with_project_permission", "remove_project_permission_from_agency",
     "list_project_permissions_for_agency", "project_id"),
    ("domain", "associate_agency_with_domain_permission", "remove_domain_permission_from_agency",
     "list_domain_permissions_for_agency", "domain_id"),
    ("all_projects", "associate_agency_with_all_projects_permission", "remove_all_projects_permission_from_agency",
     "list_all_projects_permissions_for_agency", "domain_id"),
])
def test_grant_shows_in_list_and_trace_then_revoke_removes_it(cloud, iam3, scope, grant, revoke, lister,
                                                              scope_field):
    agency_id = agency_state(cloud, "bare_agency")["id"]
    scope_id = PROJECT_ID if scope_field == "project_id" else cloud.domain_id
    ids = {"agency_id": agency_id, scope_field: scope_id}
    smn = role_id("SMN FullAccess")

    sdk_call(iam3, grant, role_id=smn, **ids)
    assert [r.id for r in sdk_call(iam3, lister, **ids).roles] == [smn]
    assert agency_state(cloud, "bare_agency")["roles"][scope] == (
        {PROJECT_ID: ["SMN FullAccess"]} if scope == "project" else ["SMN FullAccess"])

    sdk_call(iam3, revoke, role_id=smn, **ids)
    assert sdk_call(iam3, lister, **ids).roles == []
    suffix = {"project": "OnProject", "domain": "OnDomain", "all_projects": "OnAllProjects"}[scope]
    request = {"agency_id": agency_id, "role_id": smn, scope_field: scope_id}
    assert [(t["trace_name"], t["resource_type"], t["resource_id"], t["resource_name"], t["request"])
            for t in cloud.traces] == [
        (f"grantRoleToAgency{suffix}", "agency", agency_id, "bare_agency", request),
        (f"revokeRoleFromAgency{suffix}", "agency", agency_id, "bare_agency", request)]


def test_grant_trace_names_the_signing_identity(cloud, iam3, agency_id):
    iam3.associate_agency_with_project_permission(v3.AssociateAgencyWithProjectPermissionRequest(
        project_id=PROJECT_ID, agency_id=agency_id, role_id=role_id("SMN FullAccess")))

    user = cloud.traces[-1]["user"]
    assert (user["type"], user["name"], user["access_key_id"]) == (
        "AssumedAgency", "bmsguard_agency/localcloud", cloud.credential().ak)
    assert user["domain"]["id"] == cloud.domain_id
    assert cloud.traces[-1]["service_type"] == "IAM"


def test_granting_twice_is_idempotent(cloud, iam3, agency_id):
    request = v3.AssociateAgencyWithDomainPermissionRequest(domain_id=cloud.domain_id, agency_id=agency_id,
                                                            role_id=role_id("Tenant Administrator"))
    iam3.associate_agency_with_domain_permission(request)
    iam3.associate_agency_with_domain_permission(request)

    assert agency_state(cloud)["roles"]["domain"] == ["Tenant Administrator"]


@pytest.mark.parametrize(("agency", "role", "message"), [
    ("known", "f" * 32, f"Could not find role: {'f' * 32}."),
    ("unknown", "07c20e612d2469711361fedf1a8a8014", f"Could not find agency: {'e' * 32}."),
])
def test_grant_of_unknown_role_or_agency_is_a_keystone_404(cloud, iam3, agency_id, agency, role, message):
    target = agency_id if agency == "known" else "e" * 32

    with pytest.raises(ClientRequestException) as raised:
        iam3.associate_agency_with_project_permission(v3.AssociateAgencyWithProjectPermissionRequest(
            project_id=PROJECT_ID, agency_id=target, role_id=role))

    assert (raised.value.status_code, raised.value.error_code, raised.value.error_msg) == (404, 404, message)
    assert cloud.traces == []


def test_grant_on_an_unknown_project_is_a_404(iam3, agency_id):
    with pytest.raises(ClientRequestException) as raised:
        iam3.associate_agency_with_project_permission(v3.AssociateAgencyWithProjectPermissionRequest(
            project_id=OTHER_PROJECT_ID, agency_id=agency_id, role_id=role_id("SMN FullAccess")))

    assert raised.value.error_msg == f"Could not find project: {OTHER_PROJECT_ID}."


def test_check_is_204_when_held_and_a_404_exception_when_not(cloud, iam3, agency_id):
    held = iam3.check_domain_permission_for_agency(v3.CheckDomainPermissionForAgencyRequest(
        domain_id=cloud.domain_id, agency_id=agency_id, role_id=role_id("Tenant Administrator")))

    assert held.status_code == 204
    with pytest.raises(ClientRequestException) as raised:
        iam3.check_all_projects_permission_for_agency(v3.CheckAllProjectsPermissionForAgencyRequest(
            domain_id=cloud.domain_id, agency_id=agency_id, role_id=role_id("Tenant Administrator")))
    assert raised.value.status_code == 404


# ---------------------------------------------------------------- enterprise projects


def ep_body(body_class, agency_id: str, role: str, ep: str = "0"):
    item = v3.CreateAgencyEpPolicyAssignmentReqBodyRoleAssignments(agency_id=agency_id, enterprise_project_id=ep,
                                                                    role_id=role)
    return body_class(role_assignments=[item])


def ep_roles(iam3, cloud, agency_id: str) -> list[tuple[str, str]]:
    response = iam3.show_domain_role_assignments(v3.ShowDomainRoleAssignmentsRequest(
        domain_id=cloud.domain_id, subject="agency", subject_agency_id=agency_id, scope="enterprise_project",
        page=1, per_page=50))
    assert response.total_num == len(response.role_assignments)
    return [(a.scope.enterprise_project.id, a.role.id) for a in response.role_assignments]


def test_enterprise_project_assignments_list_the_world_grants(cloud, iam3, agency_id):
    assert ep_roles(iam3, cloud, agency_id) == [("0", role_id("BMS FullAccess"))]


def test_enterprise_project_grant_and_revoke_with_json_body(cloud, iam3, agency_id):
    ep, smn = "7e5a1c2b-ep-prod", role_id("SMN FullAccess")

    iam3.associate_role_to_agency_on_enterprise_project(v3.AssociateRoleToAgencyOnEnterpriseProjectRequest(
        body=ep_body(v3.CreateAgencyEpPolicyAssignmentReqBody, agency_id, smn, ep)))
    assert (ep, smn) in ep_roles(iam3, cloud, agency_id)
    assert agency_state(cloud)["roles"]["enterprise_project"][ep] == ["SMN FullAccess"]

    iam3.revoke_role_from_agency_on_enterprise_project(v3.RevokeRoleFromAgencyOnEnterpriseProjectRequest(
        body=ep_body(v3.CreateOrDelAgencyEpPolicyAssignmentReqBody, agency_id, smn, ep)))
    assert ep_roles(iam3, cloud, agency_id) == [("0", role_id("BMS FullAccess"))]
    assert [(t["trace_name"], t["resource_id"], t["request"]["enterprise_project_id"]) for t in cloud.traces] == [
        ("grantRoleToAgencyOnEnterpriseProject", agency_id, ep),
        ("revokeRoleFromAgencyOnEnterpriseProject", agency_id, ep)]


def test_enterprise_project_revoke_of_a_missing_assignment_is_a_404(iam3, agency_id):
    with pytest.raises(ClientRequestException) as raised:
        iam3.revoke_role_from_agency_on_enterprise_project(v3.RevokeRoleFromAgencyOnEnterpriseProjectRequest(
            body=ep_body(v3.CreateOrDelAgencyEpPolicyAssignmentReqBody, agency_id, role_id("SMN FullAccess"))))

    assert raised.value.status_code == 404


def test_role_assignments_cover_every_scope_and_page(cloud, iam3, agency_id):
    first = iam3.show_domain_role_assignments(v3.ShowDomainRoleAssignmentsRequest(
        domain_id=cloud.domain_id, subject_agency_id=agency_id, page=1, per_page=3))
    second = iam3.show_domain_role_assignments(v3.ShowDomainRoleAssignmentsRequest(
        domain_id=cloud.domain_id, subject_agency_id=agency_id, page=2, per_page=3))

    assert (first.total_num, len(first.role_assignments), len(second.role_assignments)) == (5, 3, 2)
    inherited = [a for a in first.role_assignments + second.role_assignments if a.is_inherited]
    assert [(a.role.id, a.scope.domain.id) for a in inherited] == [(role_id("Tenant Guest"), cloud.domain_id)]


# ---------------------------------------------------------------- role catalogue and custom policies


@pytest.mark.parametrize(("display_name", "name", "role_type", "action"), [
    ("Tenant Administrator", "te_admin", "AA", "*:*:*"),
    ("Tenant Guest", "readonly", "AA", "*:*:get*"),
    ("Security Administrator", "secu_admin", "AX", "iam:*:*"),
    ("FullAccess", "system_all_1000", "AA", "*:*:*"),
    ("ReadOnlyAccess", "system_all_1001", "AA", "*:*:list*"),
    ("BMS FullAccess", "system_all_1002", "XA", "bms:*:*"),
    ("BMS ReadOnlyAccess", "system_all_1003", "XA", "bms:*:get*"),
    ("ECS FullAccess", "system_all_1004", "XA", "ecs:*:*"),
    ("OBS Administrator", "system_all_1006", "AA", "obs:*:*"),
    ("OBS ReadOnlyAccess", "system_all_1007", "AA", "obs:bucket:ListAllMybuckets"),
    ("IAM ReadOnlyAccess", "system_all_1008", "AX", "iam:*:check*"),
    ("SMN FullAccess", "system_all_1009", "XA", "smn:*:*"),
])
def test_catalogue_role_by_display_name(iam3, display_name, name, role_type, action):
    roles = iam3.keystone_list_permissions(v3.KeystoneListPermissionsRequest(display_name=display_name)).roles
    role = next(r for r in roles if r.display_name == display_name)

    assert (role.name, role.type) == (name, role_type)
    assert re.fullmatch(r"[0-9a-f]{32}", role.id)
    assert action in role.policy.statement[0].action
    assert iam3.keystone_show_permission(v3.KeystoneShowPermissionRequest(role_id=role.id)).role.name == name


def test_catalogue_filters_and_pages(iam3):
    role_based = iam3.keystone_list_permissions(v3.KeystoneListPermissionsRequest(permission_type="role")).roles
    domain_level = iam3.keystone_list_permissions(v3.KeystoneListPermissionsRequest(type="domain")).roles
    paged = iam3.keystone_list_permissions(v3.KeystoneListPermissionsRequest(page=2, per_page=5))

    assert {r.name for r in role_based} == {"te_admin", "readonly", "secu_admin", "server_adm", "bms_adm"}
    assert {r.type for r in domain_level} == {"AA", "AX"}
    assert (len(paged.roles), paged.total_number) == (5, len(catalogue.SYSTEM_ROLES))
    bms_adm = next(r for r in role_based if r.name == "bms_adm")
    assert [d.display_name for d in bms_adm.policy.depends] == ["Tenant Guest", "Server Administrator"]


def test_show_unknown_role_is_a_keystone_404(iam3):
    with pytest.raises(ClientRequestException) as raised:
        iam3.keystone_show_permission(v3.KeystoneShowPermissionRequest(role_id="a" * 32))

    assert (raised.value.status_code, raised.value.error_code) == (404, 404)


def custom_policy_body(display_name: str, actions: list[str]):
    statement = v3.ServiceStatement(action=actions, effect="Allow")
    return v3.CreateCloudServiceCustomPolicyRequestBody(role=v3.ServicePolicyRoleOption(
        display_name=display_name, type="XA", description="bmsguard remediation",
        policy=v3.ServicePolicy(version="1.1", statement=[statement])))


def test_custom_policy_lifecycle_and_delete_refused_while_granted(cloud, iam3, agency_id):
    created = iam3.create_cloud_service_custom_policy(v3.CreateCloudServiceCustomPolicyRequest(
        body=custom_policy_body("bmsguard-remediate", ["bms:servers:updateMetadataOptions"]))).role
    iam3.associate_agency_with_project_permission(v3.AssociateAgencyWithProjectPermissionRequest(
        project_id=PROJECT_ID, agency_id=agency_id, role_id=created.id))

    shown = iam3.show_custom_policy(v3.ShowCustomPolicyRequest(role_id=created.id)).role
    assert (shown.display_name, shown.references, shown.policy.statement[0].action) == (
        "bmsguard-remediate", 1, ["bms:servers:updateMetadataOptions"])
    with pytest.raises(ClientRequestException) as raised:
        iam3.delete_custom_policy(v3.DeleteCustomPolicyRequest(role_id=created.id))
    assert raised.value.status_code == 409

    iam3.remove_project_permission_from_agency(v3.RemoveProjectPermissionFromAgencyRequest(
        project_id=PROJECT_ID, agency_id=agency_id, role_id=created.id))
    iam3.delete_custom_policy(v3.DeleteCustomPolicyRequest(role_id=created.id))
    assert [r["name"] for r in cloud.dump()["roles"]] == ["bms_custom_ops"]
    assert [t["trace_name"] for t in cloud.traces if t["resource_type"] == "role"] == ["createRole", "deleteRole"]


def test_custom_policy_update_changes_statements(cloud, iam3):
    custom_id = cloud.dump()["roles"][0]["id"]

    iam3.update_cloud_service_custom_policy(v3.UpdateCloudServiceCustomPolicyRequest(
        role_id=custom_id, body=custom_policy_body("bms_custom_ops", ["bms:servers:get"])))

    assert cloud.dump()["roles"][0]["statements"] == [{"effect": "Allow", "actions": ["bms:servers:get"]}]
    listed = iam3.list_custom_policies(v3.ListCustomPoliciesRequest())
    assert (listed.total_number, listed.roles[0].policy.statement[0].action) == (1, ["bms:servers:get"])


def test_custom_policy_with_a_bad_effect_is_a_400_naming_the_field(iam3):
    body = custom_policy_body("broken", ["bms:servers:get"])
    body.role.policy.statement[0].effect = "Maybe"

    with pytest.raises(ClientRequestException) as raised:
        iam3.create_cloud_service_custom_policy(v3.CreateCloudServiceCustomPolicyRequest(body=body))

    assert raised.value.status_code == 400
    assert "role.policy.Statement[0].Effect" in raised.value.error_msg


# ---------------------------------------------------------------- v5 identity policies


def test_v5_attached_policies_page_with_limit_and_marker(iam5, agency_id):
    first = iam5.list_attached_agency_policies_v5(v5.ListAttachedAgencyPoliciesV5Request(agency_id=agency_id,
                                                                                          limit=2))
    second = iam5.list_attached_agency_policies_v5(v5.ListAttachedAgencyPoliciesV5Request(
        agency_id=agency_id, limit=2, marker=first.page_info.next_marker))

    assert [p.policy_name for p in first.attached_policies] == ["AdministratorAccess", "agency-admin-custom"]
    assert [p.policy_name for p in second.attached_policies] == ["OBSReadOnlyPolicy"]
    assert (first.page_info.current_count, second.page_info.next_marker) == (2, None)
    assert first.attached_policies[0].urn == "iam::system:policy:AdministratorAccess"


def test_v5_policy_and_version_document_is_a_json_string(cloud, iam5):
    custom = cloud.dump()["identity_policies"][0]

    policy = iam5.get_policy_v5(v5.GetPolicyV5Request(policy_id=custom["id"])).policy
    version = iam5.get_policy_version_v5(v5.GetPolicyVersionV5Request(
        policy_id=custom["id"], version_id=policy.default_version_id)).policy_version

    assert (policy.policy_name, policy.urn, policy.attachment_count) == (
        "agency-admin-custom", f"iam::{cloud.domain_id}:policy:agency-admin-custom", 1)
    assert isinstance(version.document, str)
    assert json.loads(version.document)["Statement"][0]["Action"] == ["iam:*"]


def test_v5_detach_then_attach_changes_state_and_records_traces(cloud, iam5, agency_id):
    admin = next(p["id"] for p in catalogue.SYSTEM_POLICIES if p["name"] == "AdministratorAccess")

    iam5.detach_agency_policy_v5(v5.DetachAgencyPolicyV5Request(
        policy_id=admin, body=v5.DetachAgencyPolicyReqBody(agency_id=agency_id)))
    assert "AdministratorAccess" not in agency_state(cloud)["policies"]
    iam5.attach_agency_policy_v5(v5.AttachAgencyPolicyV5Request(
        policy_id=admin, body=v5.AttachAgencyPolicyReqBody(agency_id=agency_id)))

    assert agency_state(cloud)["policies"][-1] == "AdministratorAccess"
    assert [(t["trace_name"], t["resource_id"], t["request"]["policy_id"]) for t in cloud.traces] == [
        ("detachAgencyPolicyV5", agency_id, admin), ("attachAgencyPolicyV5", agency_id, admin)]


def test_v5_detach_of_an_unattached_policy_is_a_flat_404(cloud, iam5):
    bare = agency_state(cloud, "bare_agency")["id"]
    admin = next(p["id"] for p in catalogue.SYSTEM_POLICIES if p["name"] == "AdministratorAccess")

    with pytest.raises(ClientRequestException) as raised:
        iam5.detach_agency_policy_v5(v5.DetachAgencyPolicyV5Request(
            policy_id=admin, body=v5.DetachAgencyPolicyReqBody(agency_id=bare)))

    error = raised.value
    assert (error.status_code, error.error_code) == (404, "PAP5.0404")
    assert error.request_id == cloud.calls[-1]["request_id"] != ""
    assert cloud.traces == []


def test_v5_attach_without_agency_id_is_a_flat_400(iam5):
    admin = next(p["id"] for p in catalogue.SYSTEM_POLICIES if p["name"] == "AdministratorAccess")

    with pytest.raises(ClientRequestException) as raised:
        iam5.attach_agency_policy_v5(v5.AttachAgencyPolicyV5Request(policy_id=admin,
                                                                    body=v5.AttachAgencyPolicyReqBody()))

    assert (raised.value.status_code, raised.value.error_code) == (400, "PAP5.0400")
    assert "agency_id" in raised.value.error_msg


def test_v5_bad_marker_is_the_documented_400(iam5, agency_id):
    with pytest.raises(ClientRequestException) as raised:
        iam5.list_attached_agency_policies_v5(v5.ListAttachedAgencyPoliciesV5Request(agency_id=agency_id,
                                                                                      marker="nope"))

    assert (raised.value.status_code, raised.value.error_code) == (400, "PAP5.0010")


# ---------------------------------------------------------------- keystone look-ups made by the SDK itself


def test_credentials_without_ids_resolve_through_projects_and_auth_domains(localcloud):
    cloud = localcloud(WORLD)  # in process: the SDK only looks ids up for clients built with_region
    key = cloud.credential()
    basic = BasicCredentials(key.ak, key.sk).with_security_token(key.security_token)
    global_ = GlobalCredentials(key.ak, key.sk).with_security_token(key.security_token)

    build(v3.IamClient, IamRegionV3, cloud, basic)
    client = build(v3.IamClient, IamRegionV3, cloud, global_)

    assert (basic.project_id, global_.domain_id) == (cloud.project_id, cloud.domain_id)
    assert [c["path"] for c in cloud.calls] == ["/v3/projects", "/v3/auth/domains"]
    assert client.show_agency(v3.ShowAgencyRequest(agency_id=agency_state(cloud)["id"])).agency.name == \
        "bms_app_agency"


def test_project_lookup_filters_by_region_name(iam3, cloud):
    assert [p.id for p in iam3.keystone_list_projects(v3.KeystoneListProjectsRequest(name=cloud.region)).projects] \
        == [cloud.project_id]
    assert iam3.keystone_list_projects(v3.KeystoneListProjectsRequest(name="eu-west-101")).projects == []


# ---------------------------------------------------------------- world format


def test_dump_loads_again_to_the_same_iam_state():
    first = LocalCloud(WORLD).dump()
    sections = {k: first[k] for k in ("agencies", "roles", "identity_policies")}

    again = LocalCloud(sections).dump()

    assert {k: again[k] for k in sections} == sections
    assert sections["agencies"][0]["roles"]["project"] == {PROJECT_ID: ["OBS ReadOnlyAccess", "bms_custom_ops"]}


def test_role_references_accept_role_names_and_dump_display_names():
    cloud = LocalCloud({"agencies": [{"name": "a", "roles": {"domain": ["te_admin", "Security Administrator"]}}]})

    assert cloud.dump()["agencies"][0]["roles"]["domain"] == ["Tenant Administrator", "Security Administrator"]


@pytest.mark.parametrize(("world", "field"), [
    ({"agencies": [{"name": "a", "roles": {"project": {PROJECT_ID: ["No Such Role"]}}}]},
     f"agencies[0].roles.project.{PROJECT_ID}[0]"),
    ({"agencies": [{"name": "a"}, {"name": "b", "roles": {"projects": {}}}]}, "agencies[1].roles.projects"),
    ({"agencies": [{"name": "a", "roles": {"domain": "Tenant Administrator"}}]}, "agencies[0].roles.domain"),
    ({"agencies": [{"name": "a", "policies": ["NoSuchPolicy"]}]}, "agencies[0].policies[0]"),
    ({"agencies": [{"name": "a"}, {"name": "a"}]}, "agencies[1].name"),
    ({"agencies": [{"name": "a", "id": "not-hex"}]}, "agencies[0].id"),
    ({"roles": [{"name": "r", "type": "AA", "statements": [{"effect": "Allow", "actions": ["x:y:z"]}]}]},
     "roles[0].type"),
    ({"roles": [{"name": "r", "statements": [{"effect": "Permit", "actions": ["x:y:z"]}]}]},
     "roles[0].statements[0].effect"),
    ({"identity_policies": [{"name": "p", "document": {"Statement": []}}]}, "identity_policies[0].document.Statement"),
])
def test_bad_world_entries_name_the_field(world, field):
    with pytest.raises(WorldError) as raised:
        LocalCloud(world)

    assert raised.value.field == field


# ---------------------------------------------------------------- live rerun (read-only)


def live_target():
    missing = [name for name in LIVE_ENV if not os.environ.get(name)]
    if missing:
        pytest.skip(f"live IAM checks need {', '.join(missing)}")
    region = os.environ["BMSGUARD_LIVE_REGION"]
    credentials = GlobalCredentials(os.environ["HUAWEICLOUD_SDK_AK"], os.environ["HUAWEICLOUD_SDK_SK"],
                                    os.environ["HUAWEICLOUD_SDK_DOMAIN_ID"])
    if os.environ.get("HUAWEICLOUD_SDK_SECURITY_TOKEN"):
        credentials = credentials.with_security_token(os.environ["HUAWEICLOUD_SDK_SECURITY_TOKEN"])
    iam3 = v3.IamClient.new_builder().with_credentials(credentials).with_region(IamRegionV3.value_of(region)).build()
    iam5 = v5.IamClient.new_builder().with_credentials(credentials).with_region(IamRegionV5.value_of(region)).build()
    return iam3, iam5, os.environ["HUAWEICLOUD_SDK_DOMAIN_ID"]


@pytest.fixture(params=[*ADAPTERS, pytest.param("live", marks=pytest.mark.live)])
def iam_target(request):
    """(v3 client, v5 client, domain id) for localcloud on either adapter, or for the live account."""
    if request.param == "live":
        yield live_target()
        return
    for cloud in open_cloud(request.param):
        creds = function_credentials(cloud)
        yield build(v3.IamClient, IamRegionV3, cloud, creds), build(v5.IamClient, IamRegionV5, cloud, creds), \
            cloud.domain_id


def test_either_target_unknown_agency_is_a_keystone_404(iam_target):
    iam3, _, _ = iam_target
    with pytest.raises(ClientRequestException) as raised:
        iam3.show_agency(v3.ShowAgencyRequest(agency_id="0" * 32))

    assert (raised.value.status_code, raised.value.error_code) == (404, 404)


def test_either_target_tenant_administrator_is_te_admin_role_based(iam_target):
    iam3, _, _ = iam_target
    roles = iam3.keystone_list_permissions(v3.KeystoneListPermissionsRequest(name="te_admin")).roles

    assert [(r.display_name, r.policy.version) for r in roles] == [("Tenant Administrator", "1.0")]
    assert ["*:*:*"] in [s.action for s in roles[0].policy.statement if s.effect == "Allow"]


def test_either_target_unknown_v5_policy_is_a_flat_404_with_request_id(iam_target):
    _, iam5, _ = iam_target
    with pytest.raises(ClientRequestException) as raised:
        iam5.get_policy_v5(v5.GetPolicyV5Request(policy_id="0" * 32))

    assert raised.value.status_code == 404
    assert isinstance(raised.value.error_code, str) and raised.value.request_id


def test_either_target_list_agencies_needs_domain_id(iam_target):
    iam3, _, domain_id = iam_target
    with pytest.raises(ClientRequestException) as raised:
        iam3.list_agencies(v3.ListAgenciesRequest())

    assert raised.value.status_code == 400
    assert isinstance(iam3.list_agencies(v3.ListAgenciesRequest(domain_id=domain_id)).agencies, list)
