"""The gateway's domain verbs over the official SDKs, against localcloud: reads, paging, errors, counting."""

from __future__ import annotations

import pytest

from bmsguard.errors import (
    AccessDenied,
    NotReady,
    RequestRejected,
    ResourceGone,
    TransientCloudError,
    UnsupportedInRegion,
)
from bmsguard.model import GrantScope
from localcloud.server import LocalCloudServer
from tests.integration.harness import (
    APP_06,
    DB_04,
    DB_05,
    OPS_AGENCY,
    PROD_01,
    Sleeps,
    demo_world,
    gateway_for,
    server_entry,
)


def many_servers(count: int, agency_every: int = 0) -> dict:
    servers = []
    for i in range(count):
        server = {"id": f"00000000-0000-4000-8000-{i:012d}", "name": f"bms-{i}", "status": "ACTIVE"}
        if agency_every and i % agency_every == 0:
            server["agency"] = "bms_app_agency"
        servers.append(server)
    return demo_world(servers=servers, jobs=[])


def operations(cloud) -> list[str]:
    return [call["operation"] for call in cloud.calls]


def test_server_posture_reads_the_agency_the_sdk_model_drops(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    server = gateway_for(cloud).get_server(DB_04)
    assert (server.name, server.status, server.vm_state) == ("bms-db-04", "ACTIVE", "active")
    assert server.agency_name == "bms_shared_agency"
    assert server.tag_map == {"env": "prod", "tier": "db"}
    assert server.enterprise_project_id == "0"


def test_listing_pages_by_page_number(localcloud):
    cloud = localcloud(many_servers(2500))
    gateway = gateway_for(cloud)
    ids = [server.id for server in gateway.iter_servers()]
    assert len(ids) == len(set(ids)) == 2500
    assert gateway.calls["ListBareMetalServers"] == 3 == len(cloud.calls)


def test_bound_servers_scan_stops_early(localcloud):
    cloud = localcloud(many_servers(2500, agency_every=7))
    gateway = gateway_for(cloud)
    assert gateway.servers_bound_to("bms_app_agency", exclude=("00000000-0000-4000-8000-000000000000",),
                                    stop_after=1) == ("00000000-0000-4000-8000-000000000007",)
    assert gateway.calls["ListBareMetalServers"] == 1
    assert len(gateway.servers_bound_to("bms_app_agency")) == 358


def test_job_status_reports_succeeded_and_failed_servers(localcloud):
    world = demo_world()
    world["jobs"][0].update(status="SUCCESS", failed_servers=["dead0000-1111-4222-8333-444455556699"])
    cloud = localcloud(world)
    job = gateway_for(cloud).get_job(world["jobs"][0]["id"])
    assert job.finished and job.server_ids == (PROD_01,)
    assert [(f.server_id, f.error_code) for f in job.failed] == [("dead0000-1111-4222-8333-444455556699",
                                                                  "BMS.0216")]
    assert job.failed[0].reason


def test_agency_grants_in_every_scope_with_statements(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    gateway = gateway_for(cloud)
    assert gateway.find_agency("bms_ops_agency") == (OPS_AGENCY, "bms_ops_agency")
    assert gateway.find_agency("no_such_agency") is None
    grants = gateway.list_agency_grants(OPS_AGENCY, project_id=cloud.project_id, domain_id=cloud.domain_id)
    by_scope = {(g.scope, g.label) for g in grants}
    assert by_scope == {
        (GrantScope.PROJECT, "ECS FullAccess"), (GrantScope.PROJECT, "OBS ReadOnlyAccess"),
        (GrantScope.DOMAIN, "Security Administrator"), (GrantScope.ALL_PROJECTS, "FullAccess"),
        (GrantScope.ENTERPRISE_PROJECT, "BMS FullAccess"),
        (GrantScope.POLICY, "agency-admin-custom"), (GrantScope.POLICY, "BMSReadOnlyPolicy"),
    }
    assert all(g.statements for g in grants)
    custom = next(g for g in grants if g.label == "agency-admin-custom")
    assert custom.statements[0].actions == ("iam:agencies:*", "iam:permissions:*")
    assert custom.policy_urn


def test_role_details_are_fetched_once_per_invocation(localcloud):
    world = demo_world()
    ops = next(a for a in world["agencies"] if a["name"] == "bms_ops_agency")
    ops["roles"]["enterprise_project"] = {"0": ["FullAccess"], "ep-2": ["FullAccess"]}
    cloud = localcloud(world)
    gateway = gateway_for(cloud)
    gateway.list_agency_grants(OPS_AGENCY, project_id=cloud.project_id, domain_id=cloud.domain_id)
    assert gateway.calls["KeystoneShowPermission"] == 1  # FullAccess in three places, one detail read


def test_no_hidden_iam_lookups(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    gateway = gateway_for(cloud)
    gateway.get_server(DB_04)
    gateway.list_agency_grants(OPS_AGENCY, project_id=cloud.project_id, domain_id=cloud.domain_id)
    paths = [call["path"] for call in cloud.calls]
    assert not any(p.startswith(("/v3/projects", "/v3/auth/domains", "/v5/caller-identity")) for p in paths)
    assert gateway.api_calls == len(cloud.calls)


def test_writes_and_verification_reads(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    gateway = gateway_for(cloud)
    grants = gateway.list_agency_grants(OPS_AGENCY, project_id=cloud.project_id, domain_id=cloud.domain_id)
    for grant in grants:
        assert gateway.grant_present(OPS_AGENCY, grant)
        if grant.scope == GrantScope.POLICY:
            gateway.detach_policy(OPS_AGENCY, grant)
        else:
            gateway.revoke_role(OPS_AGENCY, grant)
        assert not gateway.grant_present(OPS_AGENCY, grant)
    assert gateway.set_metadata_options(DB_04, http_endpoint="enabled", http_tokens="required").attempts == 1
    assert gateway.get_metadata_options(DB_04).http_tokens == "required"
    gateway.unbind_agency(APP_06)
    assert gateway.get_server(APP_06).agency_name == ""


@pytest.mark.parametrize("arrange, call, error, code", [
    (None, lambda g: g.get_server("0000dead-0000-4000-8000-000000000000"), ResourceGone, "BMS.0005"),
    ("region", lambda g: g.get_metadata_options(DB_05), UnsupportedInRegion, "APIG.0101"),
    ("shutoff", lambda g: g.set_metadata_options(DB_05, http_endpoint="disabled"), NotReady, "BMS.0103"),
    ("403", lambda g: g.get_server(DB_05), AccessDenied, "BMS.0403"),
    ("400", lambda g: g.get_server(DB_05), RequestRejected, "BMS.0001"),
])
def test_sdk_errors_become_domain_errors(localcloud, arrange, call, error, code):
    world = demo_world()
    if arrange == "region":
        world["metadata_options_regions"] = ["la-south-2"]
    if arrange == "shutoff":
        server_entry(world, DB_05)["vm_state"] = "rescued"
    cloud = localcloud(world)
    if arrange in ("403", "400"):
        cloud.add_fault(service="bms", operation="ListBareMetalServerDetails", status=int(arrange),
                        error_code=code)
    with pytest.raises(error) as caught:
        call(gateway_for(cloud))
    assert caught.value.error_code == code
    assert caught.value.request_id  # every answer carries X-Request-Id


def test_bodyless_get_429_is_transient_and_retried_until_the_cap(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    cloud.add_fault(service="bms", operation="ListBareMetalServerDetails", status=429, error_code="APIG.0308")
    sleeps = Sleeps()
    gateway = gateway_for(cloud, sleeps=sleeps)
    with pytest.raises(TransientCloudError) as caught:
        gateway.get_server(DB_05)
    assert caught.value.error_code == "429" and caught.value.status == 429  # the SDK lost the APIG body
    assert caught.value.attempts == 5 == gateway.api_calls
    ceilings = [0.5, 1.0, 2.0, 4.0]  # exponential, each wait jittered within [ceiling/2, ceiling]
    assert len(sleeps.calls) == 4
    assert all(c / 2 <= s <= c for s, c in zip(sleeps.calls, ceilings, strict=True))


def test_post_429_keeps_the_gateway_code(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    cloud.add_fault(service="bms", operation="UpdateBaremetalServerMetadata", status=429, error_code="APIG.0308")
    with pytest.raises(TransientCloudError) as caught:
        gateway_for(cloud).unbind_agency(APP_06)
    assert caught.value.error_code == "APIG.0308"


def test_one_endpoint_for_every_service_reaches_the_http_server(localcloud):
    cloud = localcloud("events/worlds/demo.yaml")
    with LocalCloudServer(cloud) as server:
        gateway = gateway_for(cloud, endpoint=server.endpoint)
        assert gateway.get_server(APP_06).agency_name == "bms_ops_agency"
        assert gateway.find_agency("bms_ops_agency") == (OPS_AGENCY, "bms_ops_agency")
    assert operations(cloud) == ["ListBareMetalServerDetails", "ListAgencies"]
