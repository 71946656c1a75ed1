"""The localcloud core: worlds (defaults, validation, files, dump), the in-process adapter, signatures,
faults and rate limits, CTS traces, the call log, the HTTP server and its command line."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
import yaml
from huaweicloudsdkcore.auth.credentials import Credentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from localcloud import LocalCloud, WorldError
from localcloud.__main__ import main
from localcloud.faults import FaultBook, TokenBucket
from localcloud.signing import SignatureError, verify

REPO = Path(__file__).resolve().parents[2]
SERVER_ID = "53206ed0-56de-4d6b-b8d8-4d8c3c2b2bd1"
ONE_SERVER = {"servers": [{"id": SERVER_ID, "name": "bms-prod-01"}]}


def signed_get(cloud, path, identity=None):
    """A GET signed by the SDK's own signer with a world credential, as (method, path, query, headers, body)."""
    credential = cloud.credential(identity)
    request = SdkRequest(method="GET", schema="https", host="bms.sa-brazil-1.myhuaweicloud.com",
                         resource_path=path, query_params=[("limit", 1)],
                         header_params={"Content-Type": "application/json",
                                        "X-Security-Token": credential.security_token or ""}, body="")
    if not credential.security_token:
        del request.header_params["X-Security-Token"]
    Signer(credential).sign(request)
    headers = {k.lower(): v for k, v in request.header_params.items()}
    return "GET", path, [("limit", "1")], headers, b""


def signed_call(cloud, method, path, body):
    """A signed request as the dispatcher's ``handle`` takes it: (method, path, query, headers, body)."""
    credential = cloud.credential()
    request = SdkRequest(method=method, schema="https", host="bms.sa-brazil-1.myhuaweicloud.com",
                         resource_path=path, query_params=[],
                         header_params={"Content-Type": "application/json",
                                        "X-Security-Token": credential.security_token}, body=body)
    Signer(credential).sign(request)
    return method, path, "", dict(request.header_params), body.encode()


# ---------------------------------------------------------------- worlds


def test_default_world_has_the_documented_ids_topic_and_credentials():
    cloud = LocalCloud()

    assert (cloud.region, cloud.project_id, cloud.domain_id) == (
        "sa-brazil-1", "0945241c5ebc4660bac540d48f2a2c14", "b2b3853af40448fcb9e40d6b89505bab")
    assert [t["name"] for t in cloud.dump()["topics"]] == ["bmsguard-alerts"]
    assert cloud.dump()["servers"] == []
    function = cloud.credential()
    assert (function.ak, function.identity.type, function.identity.name) == (
        "LOCALCLOUDFUNCTIONAK00", "AssumedAgency", "bmsguard_agency")
    assert function.security_token and cloud.credential("alice").security_token is None


def test_credential_repr_hides_the_secret_key_and_token():
    credential = LocalCloud().credential()

    assert credential.sk not in repr(credential) and credential.security_token not in repr(credential)


@pytest.mark.parametrize("world, field", [
    ({"serverz": []}, "serverz"),
    ({"region": 42}, "region"),
    ({"project_id": "not-hex"}, "project_id"),
    ({"servers": [{"id": SERVER_ID, "status": "RUNNING"}]}, "servers[0].status"),
    ({"servers": [{"id": SERVER_ID}, {"id": SERVER_ID}]}, "servers[1].id"),
    ({"servers": [{"id": SERVER_ID, "metadata_options": {"http_tokens": "maybe"}}]},
     "servers[0].metadata_options.http_tokens"),
    ({"servers": [{"id": SERVER_ID, "colour": "red"}]}, "servers[0].colour"),
    ({"jobs": [{"id": "ff80808288d41e1b", "servers": ["missing-server-id"]}]}, "jobs[0].servers[0]"),
    ({"topics": [{"name": "bad name!"}]}, "topics[0].name"),
    ({"topics": [{"name": "t", "subscriptions": [{"protocol": "pigeon", "endpoint": "x"}]}]},
     "topics[0].subscriptions[0].protocol"),
    ({"credentials": [{"ak": "AKAKAKAKAK", "sk": "s", "identity": {"type": "Robot"}}]},
     "credentials[0].identity.type"),
    ({"credentials": []}, "credentials"),
    ({"faults": [{"service": "bms", "operation": "X"}]}, "faults[0].status"),
    ({"faults": [{"service": "ecs", "status": 500}]}, "faults[0].service"),
    ({"faults": [{"service": "bms", "status": 500, "swallow": True}]}, "faults[0].swallow"),
    ({"faults": [{"service": "bms", "swallow": "yes"}]}, "faults[0].swallow"),
    ({"rate_limits": [{"service": "bms", "rate": 0}]}, "rate_limits[0].rate"),
    ({"rate_limits": [{}]}, "rate_limits[0].rate"),
    ({"rate_limits": [{"service": "bms", "rate": float("inf")}]}, "rate_limits[0].rate"),
    ({"rate_limits": [{"service": "bms", "rate": float("nan")}]}, "rate_limits[0].rate"),
    ({"rate_limits": [{"service": "bms", "rate": 1, "burst": 0}]}, "rate_limits[0].burst"),
])
def test_invalid_world_is_a_world_error_naming_the_field(world, field):
    with pytest.raises(WorldError) as caught:
        LocalCloud(world)

    assert caught.value.field == field
    assert f"'{field}'" in str(caught.value)


def test_world_file_errors_name_the_file_and_the_field(tmp_path):
    path = tmp_path / "world.yaml"
    path.write_text("servers:\n  - id: 53206ed0-56de-4d6b-b8d8-4d8c3c2b2bd1\n    status: RUNNING\n")

    with pytest.raises(WorldError) as caught:
        LocalCloud.from_file(path)

    assert str(path) in str(caught.value) and "servers[0].status" in str(caught.value)


@pytest.mark.parametrize("text, problem", [("servers: [unclosed", "not valid YAML"), ("- a list", "mapping")])
def test_unreadable_world_file_is_a_world_error(tmp_path, text, problem):
    path = tmp_path / "world.yaml"
    path.write_text(text)

    with pytest.raises(WorldError, match=problem):
        LocalCloud.from_file(path)


def test_missing_world_file_is_a_world_error_naming_it(tmp_path):
    with pytest.raises(WorldError, match="nope.yaml"):
        LocalCloud.from_file(tmp_path / "nope.yaml")


def test_json_world_files_load_too(tmp_path):
    path = tmp_path / "world.json"
    path.write_text(json.dumps(ONE_SERVER))

    assert [s["name"] for s in LocalCloud.from_file(path).dump()["servers"]] == ["bms-prod-01"]


def test_dump_is_a_loadable_world_with_the_current_state(localcloud):
    import huaweicloudsdkbms.v1 as bms

    cloud = localcloud({**ONE_SERVER, "faults": [{"service": "smn", "status": 500, "times": 3}]})
    cloud.faultbook.inject("smn", "PublishMessage")
    client = _bms_client(cloud)
    client.update_metadata_options(bms.UpdateMetadataOptionsRequest(
        server_id=SERVER_ID, body=bms.UpdateBaremetalServerMetadataOptionsRequestBody(http_endpoint="disabled")))

    dump = cloud.dump()
    reloaded = LocalCloud(yaml.safe_load(yaml.safe_dump(dump))).dump()

    assert dump["servers"][0]["metadata_options"]["http_endpoint"] == "disabled"
    assert dump["faults"] == [{"service": "smn", "status": 500, "times": 2}]
    assert {k: v for k, v in reloaded.items() if k not in ("outbox", "traces", "calls")} == \
        {k: v for k, v in dump.items() if k not in ("outbox", "traces", "calls")}
    assert len(dump["calls"]) == 1 and reloaded["calls"] == []


def test_example_complete_world_loads_every_section():
    cloud = LocalCloud.from_file(REPO / "events" / "worlds" / "example-complete.yaml")
    dump = cloud.dump()

    for section in ("servers", "jobs", "topics", "agencies", "roles", "identity_policies", "functions", "faults",
                    "rate_limits"):
        assert dump[section], section
    assert {c["identity"]["type"] for c in dump["credentials"]} == {"AssumedAgency", "IAMUser"}


def test_example_complete_world_survives_a_dump_and_reload():
    def state(dump):
        return {k: v for k, v in dump.items() if k not in ("outbox", "traces", "calls")}

    dump = LocalCloud.from_file(REPO / "events" / "worlds" / "example-complete.yaml").dump()

    assert state(LocalCloud(yaml.safe_load(yaml.safe_dump(dump))).dump()) == state(dump)


# ---------------------------------------------------------------- in-process adapter


def _bms_client(cloud, identity=None):
    from huaweicloudsdkbms.v1 import BmsClient
    from huaweicloudsdkbms.v1.region.bms_region import BmsRegion
    from huaweicloudsdkcore.auth.credentials import BasicCredentials

    credential = cloud.credential(identity)
    creds = BasicCredentials(credential.ak, credential.sk, cloud.project_id)
    if credential.security_token:
        creds = creds.with_security_token(credential.security_token)
    return BmsClient.new_builder().with_credentials(creds).with_region(BmsRegion.value_of(cloud.region)).build()


def test_in_process_adapter_answers_real_hostnames_and_the_localcloud_endpoint(localcloud):
    cloud = localcloud(ONE_SERVER)
    path = f"/v1/{cloud.project_id}/baremetalservers/{SERVER_ID}"

    for base in ("https://bms.sa-brazil-1.myhuaweicloud.com", cloud.endpoint, "http://anything.example"):
        response = requests.get(base + path, timeout=1)
        assert response.status_code == 401 and response.headers["X-Request-Id"]

    assert [c["status"] for c in cloud.calls] == [401, 401, 401]


def test_activation_is_nesting_safe_and_clears_the_sdk_caches():
    cloud = LocalCloud(ONE_SERVER)
    Credentials._CACHE["leaked-from-another-test"] = "project"

    with cloud:
        assert "leaked-from-another-test" not in Credentials._CACHE
        with cloud:
            pass
        assert requests.get(cloud.endpoint + "/v1/x", timeout=1).status_code == 501
    with pytest.raises(requests.ConnectionError):
        requests.get(cloud.endpoint + "/v1/x", timeout=1)


def test_fixture_clouds_are_independent(localcloud):
    first = localcloud(ONE_SERVER)
    second = localcloud(None)

    assert first.dump()["servers"] and not second.dump()["servers"]
    assert first.credential().ak == second.credential().ak


def test_sdk_calls_are_signed_by_the_world_identity_and_logged(localcloud):
    from huaweicloudsdkbms.v1 import ListBareMetalServerDetailsRequest

    cloud = localcloud(ONE_SERVER)

    _bms_client(cloud, "alice").list_bare_metal_server_details(ListBareMetalServerDetailsRequest(server_id=SERVER_ID))

    (call,) = cloud.calls
    assert {k: call[k] for k in ("service", "operation", "method", "status")} == {
        "service": "bms", "operation": "ListBareMetalServerDetails", "method": "GET", "status": 200}
    assert call["path"] == f"/v1/{cloud.project_id}/baremetalservers/{SERVER_ID}" and call["request_id"]


def test_a_path_with_another_project_is_refused(localcloud):
    from huaweicloudsdkbms.v1 import BmsClient, ListBareMetalServerDetailsRequest
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

    cloud = localcloud(ONE_SERVER)
    credential = cloud.credential()
    creds = BasicCredentials(credential.ak, credential.sk).with_security_token(credential.security_token)
    client = BmsClient.new_builder().with_credentials(creds).with_endpoint(cloud.endpoint).build()

    with pytest.raises(ClientRequestException) as caught:  # no project id: the SDK sends {project_id} literally
        client.list_bare_metal_server_details(ListBareMetalServerDetailsRequest(server_id=SERVER_ID))

    assert caught.value.status_code == 403 and "{project_id}" in caught.value.error_msg


# ---------------------------------------------------------------- signatures


def test_sdk_signature_verifies_and_names_the_caller():
    cloud = LocalCloud()

    credential = verify(*signed_get(cloud, "/v1/p/baremetalservers"), cloud.credentials_by_ak)

    assert credential.identity.name == "bmsguard_agency" and credential.identity.has_token


@pytest.mark.parametrize("tamper, problem", [
    (lambda h: h.update({"x-sdk-date": (datetime.now(timezone.utc) - timedelta(minutes=16)).strftime(
        "%Y%m%dT%H%M%SZ")}), "15 minutes"),
    (lambda h: h.update({"x-security-token": "someone-elses-token"}), "X-Security-Token"),
    (lambda h: h.pop("x-security-token"), "X-Security-Token"),
    (lambda h: h.update({"authorization": h["authorization"].replace("LOCALCLOUDFUNCTIONAK00", "UNKNOWNAK000")}),
     "unknown access key"),
    (lambda h: h.pop("authorization"), "Authorization"),
    (lambda h: h.update({"host": "evil.example"}), "does not match"),
])
def test_tampered_or_stale_signatures_are_refused(tamper, problem):
    cloud = LocalCloud()
    method, path, query, headers, body = signed_get(cloud, "/v1/p/baremetalservers")
    tamper(headers)

    with pytest.raises(SignatureError, match=problem):
        verify(method, path, query, headers, body, cloud.credentials_by_ak)


def test_permanent_key_must_not_send_a_security_token():
    cloud = LocalCloud()
    method, path, query, headers, body = signed_get(cloud, "/v1/p/x", identity="alice")
    headers["x-security-token"] = "stray"

    with pytest.raises(SignatureError, match="permanent access key"):
        verify(method, path, query, headers, body, cloud.credentials_by_ak)


# ---------------------------------------------------------------- faults and rate limits


def test_fault_fires_for_the_next_n_calls_then_stops():
    book = FaultBook()
    book.add_fault(service="bms", operation="UpdateMetadataOptions", status=500, error_code="BMS.9999", times=2)

    results = [book.inject("bms", "UpdateMetadataOptions")[1] for _ in range(3)]

    assert [e.status if e else None for e in results] == [500, 500, None]
    assert book.inject("bms", "ShowMetadataOptions") == (0, None)


def test_probabilistic_fault_is_reproducible_with_its_seed():
    def pattern():
        book = FaultBook()
        book.add_fault(service="smn", status=503, probability=0.5, seed=7)
        return [book.inject("smn", "PublishMessage")[1] is not None for _ in range(40)]

    first = pattern()

    assert first == pattern() and 5 < sum(first) < 35


def test_latency_fault_delays_the_answer_once(localcloud):
    from huaweicloudsdkbms.v1 import ListBareMetalServerDetailsRequest

    cloud = localcloud(ONE_SERVER)
    slept = []
    cloud.sleep = slept.append
    cloud.add_fault(service="bms", latency_ms=60, times=1)
    client = _bms_client(cloud)

    answers = [client.list_bare_metal_server_details(ListBareMetalServerDetailsRequest(server_id=SERVER_ID))
               for _ in range(2)]

    assert slept == [0.06] and [a.server.id for a in answers] == [SERVER_ID, SERVER_ID]


OTHER_ID = "7d1c3f0a-2b7e-4d1e-9a51-0c9b8f3e6a02"


@pytest.mark.parametrize("operation, tail, body", [
    ("UpdateMetadataOptions", "metadata-options", {"http_endpoint": "disabled"}),
    ("UpdateBaremetalServerMetadata", "metadata", {"metadata": {"agency_name": "ops_agency"}}),
])
def test_swallowed_write_answers_exactly_like_a_kept_one_but_changes_nothing(operation, tail, body):
    cloud = LocalCloud({"servers": [{"id": SERVER_ID}, {"id": OTHER_ID}]})
    cloud.add_fault(service="bms", operation=operation, swallow=True, times=1)
    path = f"/v1/{cloud.project_id}/baremetalservers/{{}}/{tail}"
    before = {s["id"]: s for s in cloud.dump()["servers"]}

    lost = cloud.dispatcher.handle(*signed_call(cloud, "PUT" if tail == "metadata-options" else "POST",
                                                path.format(SERVER_ID), json.dumps(body)))
    kept = cloud.dispatcher.handle(*signed_call(cloud, "PUT" if tail == "metadata-options" else "POST",
                                                path.format(OTHER_ID), json.dumps(body)))

    assert (lost.status, lost.body, sorted(lost.headers)) == (kept.status, kept.body, sorted(kept.headers))
    assert lost.status == 200 and lost.headers["X-Request-Id"] not in ("", kept.headers["X-Request-Id"])
    after = {s["id"]: s for s in cloud.dump()["servers"]}
    assert after[SERVER_ID] == before[SERVER_ID] and after[OTHER_ID] != before[OTHER_ID]
    assert [t["resource_id"] for t in cloud.traces] == [OTHER_ID]
    assert [c["status"] for c in cloud.calls] == [200, 200]


def test_swallow_fault_loads_from_a_world_and_dumps_back(localcloud):
    world = {**ONE_SERVER, "faults": [{"service": "smn", "operation": "PublishMessage", "swallow": True,
                                       "times": 2}]}

    assert LocalCloud(world).dump()["faults"] == world["faults"]


def test_add_fault_refuses_a_fault_that_both_fails_and_swallows():
    with pytest.raises(ValueError, match="swallow"):
        LocalCloud().add_fault(service="bms", status=500, swallow=True)


def test_add_fault_refuses_an_unknown_service():
    with pytest.raises(ValueError, match="unknown service 'ecs'"):
        LocalCloud().add_fault(service="ecs", status=500)


def test_token_bucket_refills_at_its_rate():
    now = [0.0]
    bucket = TokenBucket(rate=2.0, burst=2, clock=lambda: now[0])

    burst = [bucket.take() for _ in range(3)]
    now[0] = 0.5
    refilled = bucket.take()

    assert burst == [True, True, False] and refilled is True


@pytest.mark.parametrize("limit", [{"rate": 2.5}, {"rate": 2.5, "burst": None}])
def test_rate_limit_without_a_burst_holds_one_seconds_worth(limit):
    cloud = LocalCloud({"rate_limits": [{"service": "bms", **limit}]})

    assert cloud.dump()["rate_limits"] == [{"service": "bms", "rate": 2.5, "burst": 2}]


def test_world_rate_limit_answers_apig_0308(localcloud):
    from huaweicloudsdkbms.v1 import ListBareMetalServerDetailsRequest
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

    cloud = localcloud({**ONE_SERVER, "rate_limits": [{"service": "bms", "rate": 0.01, "burst": 1}]})
    client = _bms_client(cloud)
    client.list_bare_metal_server_details(ListBareMetalServerDetailsRequest(server_id=SERVER_ID))

    with pytest.raises(ClientRequestException) as caught:
        client.list_bare_metal_server_details(ListBareMetalServerDetailsRequest(server_id=SERVER_ID))

    assert caught.value.status_code == 429
    assert [c["status"] for c in cloud.calls] == [200, 429]


# ---------------------------------------------------------------- traces


def test_trace_has_the_cts_trigger_shape_and_round_trips_as_an_event(localcloud):
    from huaweicloudsdkbms.v1 import UpdateBaremetalServerMetadataReq, UpdateBaremetalServerMetadataRequest

    cloud = localcloud(ONE_SERVER)
    _bms_client(cloud, "alice").update_baremetal_server_metadata(UpdateBaremetalServerMetadataRequest(
        server_id=SERVER_ID, body=UpdateBaremetalServerMetadataReq(metadata={"agency_name": "ops_agency"})))

    (trace,) = cloud.traces
    event = json.loads(json.dumps({"cts": trace}))["cts"]
    assert isinstance(event["time"], int) and isinstance(event["record_time"], int) and event["code"] == 200
    assert event["user"] == {"type": "IAMUser", "name": "alice", "id": cloud.credential("alice").identity.id,
                             "access_key_id": "LOCALCLOUDALICEAK0000",
                             "domain": {"id": cloud.domain_id, "name": cloud.domain_name}}
    assert event["response"] == {"metadata": {"agency_name": "ops_agency"}}
    assert (event["trace_type"], event["trace_status"], event["api_version"]) == ("ApiCall", "normal", "v1")
    assert (event["project_id"], event["domain_id"]) == (cloud.project_id, cloud.domain_id)
    assert event["trace_id"] and event["source_ip"]


def test_failed_writes_leave_no_trace(localcloud):
    cloud = localcloud(ONE_SERVER)
    cloud.add_fault(service="bms", operation="UpdateBaremetalServerMetadata", status=500, times=1)
    from huaweicloudsdkbms.v1 import UpdateBaremetalServerMetadataReq, UpdateBaremetalServerMetadataRequest
    from huaweicloudsdkcore.exceptions.exceptions import ServerResponseException

    with pytest.raises(ServerResponseException):
        _bms_client(cloud).update_baremetal_server_metadata(UpdateBaremetalServerMetadataRequest(
            server_id=SERVER_ID, body=UpdateBaremetalServerMetadataReq(metadata={"a": "b"})))

    assert cloud.traces == [] and cloud.calls[-1]["status"] == 500


# ---------------------------------------------------------------- scale: reads use the index


def test_reads_and_unfiltered_pages_of_a_10k_world_do_not_scan():
    servers = [{"id": f"{i:08x}-0000-4000-8000-000000000000"} for i in range(10_000)]
    cloud = LocalCloud({"servers": servers})
    backend = cloud.bms

    backend.read_server("00001388-0000-4000-8000-000000000000")
    page, count = backend.list_page(page=40, limit=25, filters={})
    scans_before_filter = backend.scans
    backend.list_page(page=1, limit=25, filters={"status": "ACTIVE"})

    assert count == 10_000 and [s.id for s in page][0] == servers[975]["id"]
    assert scans_before_filter == 0 and backend.scans == 1


# ---------------------------------------------------------------- HTTP server and command line


def test_server_answers_the_sdk_and_serves_the_dump():
    cloud = LocalCloud(ONE_SERVER)
    with cloud.serve() as server:
        assert cloud.endpoint == server.endpoint and server.endpoint.startswith("http://127.0.0.1:")
        unsigned = requests.get(f"{server.endpoint}/v1/{cloud.project_id}/baremetalservers/{SERVER_ID}", timeout=2)
        dump = requests.get(f"{server.endpoint}/_localcloud/world", timeout=2).json()

    assert unsigned.status_code == 401 and unsigned.headers["X-Request-Id"]
    assert dump["servers"][0]["id"] == SERVER_ID and dump["calls"][0]["status"] == 401
    assert cloud.endpoint == "https://localcloud.invalid"


def test_main_refuses_a_bad_world_file_with_exit_2_and_no_traceback(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text("servers: [{id: 53206ed0-56de-4d6b-b8d8-4d8c3c2b2bd1, status: RUNNING}]\n")

    code = main(["serve", "--world", str(path)])

    err = capsys.readouterr().err
    assert code == 2 and str(path) in err and "servers[0].status" in err and "Traceback" not in err


def test_serve_command_stops_on_sigterm_and_writes_the_dump(tmp_path):
    world, dump = tmp_path / "world.yaml", tmp_path / "dump.json"
    world.write_text(yaml.safe_dump(ONE_SERVER))
    process = subprocess.Popen([sys.executable, "-m", "localcloud", "serve", "--world", str(world), "--dump", str(dump)],
                               cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        endpoint = line.rsplit(" ", 1)[-1].strip()
        served = requests.get(f"{endpoint}/_localcloud/world", timeout=2).json()
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=5)
    finally:
        process.kill()

    assert line.startswith("localcloud listening on http://127.0.0.1:")
    assert served["servers"][0]["id"] == SERVER_ID
    assert code == 0 and json.loads(dump.read_text())["servers"][0]["id"] == SERVER_ID
