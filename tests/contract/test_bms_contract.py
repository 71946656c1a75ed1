"""The official BmsClient against localcloud (in process and over HTTP; read-only checks also live)."""

from __future__ import annotations

import pytest
from huaweicloudsdkbms.v1 import (
    BaremetalServerTag,
    BatchCreateBaremetalServerTagsRequest,
    BatchCreateBaremetalServerTagsRequestBody,
    BatchDeleteBaremetalServerTagsRequest,
    BatchDeleteBaremetalServerTagsRequestBody,
    ListBaremetalFlavorDetailExtendsRequest,
    ListBareMetalServerDetailsRequest,
    ListBareMetalServersRequest,
    ShowBaremetalServerTagsRequest,
    ShowBaremetalServerVolumeInfoRequest,
    ShowJobInfosRequest,
    ShowMetadataOptionsRequest,
    ShowTenantQuotaRequest,
    UpdateBaremetalServerMetadataOptionsRequestBody,
    UpdateBaremetalServerMetadataReq,
    UpdateBaremetalServerMetadataRequest,
    UpdateMetadataOptionsRequest,
)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException, ServerResponseException

PROD = "53206ed0-56de-4d6b-b8d8-4d8c3c2b2bd1"
BUILDING = "7b1c9e44-0f5e-4d55-9d0f-3c2a1e7f9a10"
BROKEN = "0c3d5e7f-1a2b-4c6d-8e9f-a1b2c3d4e5f6"
UNKNOWN = "00000000-0000-4000-8000-000000000000"
JOB = "ff80808288d41e1b018b1c1b0e3a0001"
FAILED_JOB = "ff80808288d41e1b018b1c1b0e3a0002"
WORLD = {
    "servers": [
        {"id": PROD, "name": "bms-prod-01", "tags": {"env": "prod", "team": "db"}, "agency": "bms_app_agency",
         "metadata_options": {"http_endpoint": "enabled", "http_tokens": "optional"}, "enterprise_project_id": "0"},
        {"id": BUILDING, "name": "bms-new-01", "status": "BUILD", "active_after_reads": 2},
        {"id": BROKEN, "name": "bms-broken", "status": "ERROR", "tags": {"env": "dev"}},
    ],
    "jobs": [{"id": JOB, "status": "RUNNING", "success_after_reads": 1, "servers": [BUILDING]},
             {"id": FAILED_JOB, "status": "RUNNING", "success_after_reads": 0, "servers": [],
              "failed_servers": ["9d9d9d9d-0000-4000-8000-000000000001"]}],
}


def world_server(cloud, server_id):
    return next(s for s in cloud.dump()["servers"] if s["id"] == server_id)


# ---------------------------------------------------------------- reads


def test_server_details_parse_into_the_sdk_model_and_keep_agency_in_the_raw_body(target):
    t = target(WORLD)
    t.require_emulator()

    response = t.bms().list_bare_metal_server_details(ListBareMetalServerDetailsRequest(server_id=PROD))

    server = response.server
    assert (server.id, server.name, server.status) == (PROD, "bms-prod-01", "ACTIVE")
    assert (server.os_ext_st_svm_state, server.os_ext_st_spower_state) == ("active", 1)
    assert sorted(server.tags) == ["env=prod", "team=db"]
    assert server.enterprise_project_id == "0"
    assert server.sys_tags[0].key == "_sys_enterprise_project_id"
    assert server.flavor.id and server.image.id and server.os_ext_a_zavailability_zone == "sa-brazil-1a"
    assert response.to_json_object()["server"]["metadata"]["agency_name"] == "bms_app_agency"


def test_unknown_server_is_a_404(target):
    t = target(WORLD)

    with pytest.raises(ClientRequestException) as caught:
        t.bms().list_bare_metal_server_details(ListBareMetalServerDetailsRequest(server_id=UNKNOWN))

    assert caught.value.status_code == 404
    assert caught.value.request_id
    if t.emulated:
        assert caught.value.error_code == "BMS.0005"


def test_list_pages_count_every_server_and_use_offset_as_a_page_number(target):
    t = target(WORLD)

    first = t.bms().list_bare_metal_servers(ListBareMetalServersRequest(limit=2, offset=1))

    assert isinstance(first.count, int)
    if t.emulated:
        second = t.bms().list_bare_metal_servers(ListBareMetalServersRequest(limit=2, offset=2))
        ids = [s.id for s in first.servers + second.servers]
        assert first.count == 3 and len(first.servers) == 2 and len(second.servers) == 1
        assert sorted(ids) == sorted([PROD, BUILDING, BROKEN])


def test_list_filters_by_tag_and_status(target):
    t = target(WORLD)
    t.require_emulator()

    tagged = t.bms().list_bare_metal_servers(ListBareMetalServersRequest(tags="env=prod"))
    errored = t.bms().list_bare_metal_servers(ListBareMetalServersRequest(status="ERROR"))

    assert [s.id for s in tagged.servers] == [PROD] and tagged.count == 1
    assert [s.id for s in errored.servers] == [BROKEN]


def test_list_limit_above_1000_is_a_400(target):
    t = target(WORLD)
    t.require_emulator()

    with pytest.raises(ClientRequestException) as caught:
        t.bms().list_bare_metal_servers(ListBareMetalServersRequest(limit=1001))

    assert caught.value.status_code == 400
    assert "limit must be an integer from 1 to 1000, got '1001'" in caught.value.error_msg


def test_building_server_turns_active_after_the_configured_reads(target):
    t = target(WORLD)
    t.require_emulator()
    read = ListBareMetalServerDetailsRequest(server_id=BUILDING)

    states = [t.bms().list_bare_metal_server_details(read).server.status for _ in range(3)]

    assert states == ["BUILD", "BUILD", "ACTIVE"]
    assert world_server(t.cloud, BUILDING)["status"] == "ACTIVE"


def test_job_runs_then_succeeds_with_its_server_in_the_sub_jobs(target):
    t = target(WORLD)
    t.require_emulator()

    running = t.bms().show_job_infos(ShowJobInfosRequest(job_id=JOB))
    done = t.bms().show_job_infos(ShowJobInfosRequest(job_id=JOB))

    assert running.status == "RUNNING"
    assert done.status == "SUCCESS"
    assert [(j.status, j.entities.server_id) for j in done.entities.sub_jobs] == [("SUCCESS", BUILDING)]


def test_job_whose_every_sub_job_failed_reports_fail_with_reasons(target):
    t = target(WORLD)
    t.require_emulator()

    job = t.bms().show_job_infos(ShowJobInfosRequest(job_id=FAILED_JOB))

    assert job.status == "FAIL" and job.fail_reason
    assert [j.status for j in job.entities.sub_jobs] == ["FAIL"]
    assert job.entities.sub_jobs[0].fail_reason


# ---------------------------------------------------------------- metadata options


def test_metadata_options_update_is_200_without_body_and_changes_state(target):
    t = target(WORLD)
    cloud = t.require_emulator()
    body = UpdateBaremetalServerMetadataOptionsRequestBody(http_tokens="required")

    response = t.bms().update_metadata_options(UpdateMetadataOptionsRequest(server_id=PROD, body=body))
    shown = t.bms().show_metadata_options(ShowMetadataOptionsRequest(server_id=PROD))

    assert response.status_code == 200 and response.raw_content == b""
    assert (shown.http_endpoint, shown.http_tokens) == ("enabled", "required")
    assert world_server(cloud, PROD)["metadata_options"] == {"http_endpoint": "enabled", "http_tokens": "required"}


def test_metadata_options_update_is_traced_like_a_cts_event(target):
    t = target(WORLD)
    cloud = t.require_emulator()
    body = UpdateBaremetalServerMetadataOptionsRequestBody(http_endpoint="disabled")

    t.bms().update_metadata_options(UpdateMetadataOptionsRequest(server_id=PROD, body=body))

    (trace,) = cloud.traces
    assert (trace["service_type"], trace["resource_type"], trace["trace_name"]) == (
        "BMS", "bms", "updateMetadataOptions")
    assert (trace["resource_id"], trace["resource_name"]) == (PROD, "bms-prod-01")
    assert trace["request"] == {"http_endpoint": "disabled"} and trace["response"] is None
    assert trace["code"] == 200 and trace["trace_type"] == "ApiCall"
    assert trace["user"]["type"] == "AssumedAgency"
    assert trace["user"]["name"].split("/")[0] == "bmsguard_agency"
    assert trace["user"]["access_key_id"] == cloud.credential().ak
    assert trace["user"]["domain"]["id"] == cloud.domain_id


def test_invalid_metadata_option_value_is_a_400_and_changes_nothing(target):
    t = target(WORLD)
    cloud = t.require_emulator()
    body = UpdateBaremetalServerMetadataOptionsRequestBody(http_tokens="sometimes")

    with pytest.raises(ClientRequestException) as caught:
        t.bms().update_metadata_options(UpdateMetadataOptionsRequest(server_id=PROD, body=body))

    assert caught.value.status_code == 400
    assert world_server(cloud, PROD)["metadata_options"]["http_tokens"] == "optional"
    assert cloud.traces == []


def test_metadata_options_outside_the_published_regions_answer_apig_0101(target):
    t = target({**WORLD, "metadata_options_regions": ["la-south-2"]})
    t.require_emulator()

    with pytest.raises(ClientRequestException) as caught:
        t.bms().show_metadata_options(ShowMetadataOptionsRequest(server_id=PROD))

    assert (caught.value.status_code, caught.value.error_code) == (404, "APIG.0101")
    assert "has not been published" in caught.value.error_msg


def test_metadata_options_on_a_server_in_error_state_is_a_409(target):
    t = target(WORLD)
    t.require_emulator()
    body = UpdateBaremetalServerMetadataOptionsRequestBody(http_endpoint="disabled")

    with pytest.raises(ClientRequestException) as caught:
        t.bms().update_metadata_options(UpdateMetadataOptionsRequest(server_id=BROKEN, body=body))

    assert (caught.value.status_code, caught.value.error_code) == (409, "BMS.0103")


# ---------------------------------------------------------------- metadata and tags


def test_metadata_update_merges_and_empty_agency_name_unbinds(target):
    t = target(WORLD)
    cloud = t.require_emulator()
    request = UpdateBaremetalServerMetadataRequest(
        server_id=PROD, body=UpdateBaremetalServerMetadataReq(metadata={"agency_name": "", "owner": "dba"}))

    response = t.bms().update_baremetal_server_metadata(request)

    assert response.metadata == {"agency_name": "", "owner": "dba"}
    server = world_server(cloud, PROD)
    assert "agency" not in server and server["metadata"] == {"owner": "dba"}
    assert cloud.traces[-1]["trace_name"] == "updateMetadata"
    assert cloud.traces[-1]["request"] == {"metadata": {"agency_name": "", "owner": "dba"}}


def test_tags_are_created_and_deleted_through_the_shared_action_path(target):
    t = target(WORLD)
    cloud = t.require_emulator()
    client = t.bms()

    client.batch_create_baremetal_server_tags(BatchCreateBaremetalServerTagsRequest(
        server_id=PROD, body=BatchCreateBaremetalServerTagsRequestBody(
            action="create", tags=[BaremetalServerTag(key="bmsguard", value="exempt")])))
    client.batch_delete_baremetal_server_tags(BatchDeleteBaremetalServerTagsRequest(
        server_id=PROD, body=BatchDeleteBaremetalServerTagsRequestBody(
            action="delete", tags=[BaremetalServerTag(key="team", value="db")])))
    shown = client.show_baremetal_server_tags(ShowBaremetalServerTagsRequest(server_id=PROD))

    assert {(tag.key, tag.value) for tag in shown.tags} == {("env", "prod"), ("bmsguard", "exempt")}
    assert [tr["trace_name"] for tr in cloud.traces] == ["createServerTags", "deleteServerTags"]
    assert [c["operation"] for c in cloud.calls[:2]] == ["BatchCreateBaremetalServerTags",
                                                         "BatchDeleteBaremetalServerTags"]


# ---------------------------------------------------------------- gateway errors and faults


def test_swallowed_metadata_update_answers_200_but_a_later_read_shows_the_old_value(target):
    t = target(WORLD)
    cloud = t.require_emulator()
    cloud.add_fault(service="bms", operation="UpdateMetadataOptions", swallow=True, times=1)
    body = UpdateBaremetalServerMetadataOptionsRequestBody(http_endpoint="enabled", http_tokens="required")

    lost = t.bms().update_metadata_options(UpdateMetadataOptionsRequest(server_id=PROD, body=body))
    after_lost = t.bms().show_metadata_options(ShowMetadataOptionsRequest(server_id=PROD))
    t.bms().update_metadata_options(UpdateMetadataOptionsRequest(server_id=PROD, body=body))
    after_kept = t.bms().show_metadata_options(ShowMetadataOptionsRequest(server_id=PROD))

    assert lost.status_code == 200
    assert (after_lost.http_endpoint, after_lost.http_tokens) == ("enabled", "optional")
    assert (after_kept.http_endpoint, after_kept.http_tokens) == ("enabled", "required")
    puts = [c for c in cloud.calls if c["operation"] == "UpdateMetadataOptions"]
    assert [c["status"] for c in puts] == [200, 200] and all(c["request_id"] for c in puts)
    assert [(tr["trace_name"], tr["request_id"]) for tr in cloud.traces] == [
        ("updateMetadataOptions", puts[1]["request_id"])]  # the lost write left no CTS trace


def test_injected_429_loses_its_body_on_get_and_put(target):
    t = target(WORLD)
    cloud = t.require_emulator()
    cloud.add_fault(service="bms", operation="ShowMetadataOptions", status=429, error_code="APIG.0308", times=1)
    cloud.add_fault(service="bms", operation="UpdateMetadataOptions", status=429, error_code="APIG.0308", times=1)
    body = UpdateBaremetalServerMetadataOptionsRequestBody(http_tokens="required")

    with pytest.raises(ClientRequestException) as on_get:
        t.bms().show_metadata_options(ShowMetadataOptionsRequest(server_id=PROD))
    with pytest.raises(ClientRequestException) as on_put:
        t.bms().update_metadata_options(UpdateMetadataOptionsRequest(server_id=PROD, body=body))

    for caught in (on_get, on_put):
        assert (caught.value.status_code, caught.value.error_code) == (429, "429")
    assert world_server(cloud, PROD)["metadata_options"]["http_tokens"] == "optional"
    assert t.bms().show_metadata_options(ShowMetadataOptionsRequest(server_id=PROD)).http_tokens == "optional"


def test_injected_429_keeps_apig_0308_on_post(target):
    t = target(WORLD)
    cloud = t.require_emulator()
    cloud.add_fault(service="bms", operation="UpdateBaremetalServerMetadata", status=429,
                    error_code="APIG.0308", times=1)
    request = UpdateBaremetalServerMetadataRequest(
        server_id=PROD, body=UpdateBaremetalServerMetadataReq(metadata={"agency_name": ""}))

    with pytest.raises(ClientRequestException) as caught:
        t.bms().update_baremetal_server_metadata(request)

    assert (caught.value.status_code, caught.value.error_code) == (429, "APIG.0308")
    assert "throttling threshold" in caught.value.error_msg
    assert world_server(cloud, PROD)["agency"] == "bms_app_agency"


def test_injected_server_error_raises_server_response_exception(target):
    t = target(WORLD)
    cloud = t.require_emulator()
    cloud.add_fault(service="bms", operation="ListBareMetalServerDetails", status=503, error_code="APIG.0203",
                    times=1)

    with pytest.raises(ServerResponseException) as caught:
        t.bms().list_bare_metal_server_details(ListBareMetalServerDetailsRequest(server_id=PROD))

    assert (caught.value.status_code, caught.value.error_code) == (503, "APIG.0203")
    assert t.bms().list_bare_metal_server_details(ListBareMetalServerDetailsRequest(server_id=PROD)).server.id == PROD


def test_wrong_secret_key_is_a_401(target):
    t = target(WORLD)

    with pytest.raises(ClientRequestException) as caught:
        t.bms(sk="not-the-secret-key").list_bare_metal_servers(ListBareMetalServersRequest(limit=1))

    assert caught.value.status_code == 401
    if t.emulated:
        assert caught.value.error_code == "APIG.0301"


def test_temporary_key_without_its_security_token_is_a_401(target):
    t = target(WORLD)
    t.require_emulator()

    with pytest.raises(ClientRequestException) as caught:
        t.bms(token="").list_bare_metal_servers(ListBareMetalServersRequest(limit=1))

    assert (caught.value.status_code, caught.value.error_code) == (401, "APIG.0301")


def test_unsigned_request_is_a_401(target):
    import requests

    t = target(WORLD)
    cloud = t.require_emulator()
    base = t.endpoint or "https://bms.sa-brazil-1.myhuaweicloud.com"

    response = requests.get(f"{base}/v1/{cloud.project_id}/baremetalservers/{PROD}", timeout=5)

    assert response.status_code == 401
    assert response.json()["error_code"] == "APIG.0301"
    assert response.headers["X-Request-Id"]


@pytest.mark.parametrize("call, path", [
    (lambda client: client.show_tenant_quota(ShowTenantQuotaRequest()), "baremetalservers/limits"),
    (lambda client: client.list_baremetal_flavor_detail_extends(ListBaremetalFlavorDetailExtendsRequest()),
     "baremetalservers/flavors"),
])
def test_collection_paths_under_baremetalservers_are_501_not_a_missing_server(target, call, path):
    t = target(WORLD)
    cloud = t.require_emulator()

    with pytest.raises(ServerResponseException) as caught:
        call(t.bms())

    assert (caught.value.status_code, caught.value.error_code) == (501, "LOCALCLOUD.0501")
    assert f"GET /v1/{cloud.project_id}/{path}" in caught.value.error_msg


@pytest.mark.parametrize("method, tail", [("GET", "not-a-server"), ("GET", "not-a-server/metadata-options"),
                                          ("PUT", "limits/metadata-options"), ("GET", f"{UNKNOWN}/remote")])
def test_unknown_routes_under_baremetalservers_are_501_naming_method_and_path(method, tail):
    from localcloud import LocalCloud

    cloud = LocalCloud(WORLD)
    path = f"/v1/{cloud.project_id}/baremetalservers/{tail}"

    response = cloud.dispatcher.handle(method, path, "", {}, b"")

    assert response.status == 501
    assert f"localcloud does not implement {method} {path}" in response.body.decode()


def test_operation_localcloud_does_not_implement_is_a_501_naming_method_and_path(target):
    t = target(WORLD)
    cloud = t.require_emulator()

    with pytest.raises(ServerResponseException) as caught:
        t.bms().show_baremetal_server_volume_info(ShowBaremetalServerVolumeInfoRequest(server_id=PROD))

    assert caught.value.status_code == 501
    assert f"GET /v1/{cloud.project_id}/baremetalservers/{PROD}/os-volume_attachments" in caught.value.error_msg
