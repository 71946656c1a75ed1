"""localcloud FunctionGraph through the official SDK: response models, flat FSS errors, CTS traces of writes."""

from __future__ import annotations

import base64
import io
import json
import zipfile

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkfunctiongraph.v2 import (
    CreateFunctionRequest,
    CreateFunctionRequestBody,
    CreateFunctionTriggerRequest,
    CreateFunctionTriggerRequestBody,
    DeleteFunctionRequest,
    FuncCode,
    FunctionGraphClient,
    ListFunctionsRequest,
    ListFunctionTriggersRequest,
    ShowFunctionAsyncInvokeConfigRequest,
    ShowFunctionConfigRequest,
    TriggerEventDataRequestBody,
    UpdateFunctionAsyncInvokeConfigRequest,
    UpdateFunctionAsyncInvokeConfigRequestBody,
    UpdateFunctionConfigRequest,
    UpdateFunctionConfigRequestBody,
)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


CODE = _zip()


@pytest.fixture
def cloud(localcloud):
    return localcloud({"functions": [{"func_name": "payroll", "runtime": "Python3.12", "handler": "main.run",
                                      "memory_size": 512, "user_data": {"MODE": "x"}}]})


@pytest.fixture
def client(cloud):
    alice = cloud.credential("alice")
    config = HttpConfig.get_default_config()
    config.retry_times = 0
    return (FunctionGraphClient.new_builder().with_http_config(config)
            .with_credentials(BasicCredentials(alice.ak, alice.sk, cloud.project_id))
            .with_endpoint(cloud.endpoint).build())


def _create(client, **overrides):
    fields = {"func_name": "fn", "package": "default", "runtime": "Python3.10", "handler": "index.handler",
              "memory_size": 256, "timeout": 30, "code_type": "zip", "code_filename": "fn.zip",
              "func_code": FuncCode(file=base64.b64encode(CODE).decode()), "user_data": json.dumps({"A": "1"})}
    fields.update(overrides)
    return client.create_function(CreateFunctionRequest(body=CreateFunctionRequestBody(**fields)))


def test_created_function_reads_back_through_the_sdk_models(client, cloud):
    created = _create(client)
    shown = client.show_function_config(ShowFunctionConfigRequest(function_urn=created.func_urn))
    assert shown.func_urn == f"urn:fss:{cloud.region}:{cloud.project_id}:function:default:fn:latest"
    assert (shown.runtime, shown.handler, shown.memory_size, shown.timeout) == ("Python3.10", "index.handler", 256, 30)
    assert json.loads(shown.user_data) == {"A": "1"}
    assert shown.code_size == len(CODE)
    names = [f.func_name for f in client.list_functions(ListFunctionsRequest()).functions]
    assert names == ["fn", "payroll"]


def test_config_update_changes_only_what_it_sends(client):
    urn = _create(client).func_urn
    client.update_function_config(UpdateFunctionConfigRequest(
        function_urn=urn, body=UpdateFunctionConfigRequestBody(func_name="fn", runtime="Python3.10", timeout=60,
                                                               handler="index.handler", memory_size=1024)))
    shown = client.show_function_config(ShowFunctionConfigRequest(function_urn=urn))
    assert (shown.memory_size, shown.timeout, json.loads(shown.user_data)) == (1024, 60, {"A": "1"})


@pytest.mark.parametrize(("overrides", "code"), [
    ({"memory_size": 300}, "FSS.1007"), ({"timeout": 1}, "FSS.1008"), ({"runtime": "Cobol"}, "FSS.1005"),
    ({"handler": "nodot"}, "FSS.1003"), ({"func_name": "9bad"}, "FSS.1002"),
    ({"user_data": "not json"}, "FSS.1009"), ({"func_code": FuncCode(file="bm90IGEgemlw")}, "FSS.0400"),
])
def test_invalid_function_is_refused_with_the_documented_code(client, cloud, overrides, code):
    with pytest.raises(ClientRequestException) as raised:
        _create(client, **overrides)
    assert (raised.value.status_code, raised.value.error_code) == (400, code)
    assert [f["func_name"] for f in cloud.dump()["functions"]] == ["payroll"]


def test_duplicate_and_unknown_functions(client):
    _create(client)
    with pytest.raises(ClientRequestException) as duplicate:
        _create(client)
    assert (duplicate.value.status_code, duplicate.value.error_code) == (409, "FSS.0409")
    with pytest.raises(ClientRequestException) as missing:
        client.show_function_config(ShowFunctionConfigRequest(function_urn="urn:fss:r:p:function:default:nope"))
    assert (missing.value.status_code, missing.value.error_code) == (404, "FSS.0404")


def test_writes_are_traced_without_the_code(client, cloud):
    _create(client)
    trace = cloud.traces[-1]
    assert (trace["trace_name"], trace["service_type"], trace["resource_name"]) == ("createFunction",
                                                                                   "FunctionGraph", "fn")
    assert trace["request"]["func_code"] == {"file": f"<{len(CODE)} bytes, zip>"}
    assert trace["user"]["name"] == "alice"


def test_triggers_list_and_go_with_their_function(client, cloud):
    urn = _create(client).func_urn
    body = CreateFunctionTriggerRequestBody(trigger_type_code="TIMER", trigger_status="ACTIVE",
                                            event_data=TriggerEventDataRequestBody(name="t", schedule_type="Rate",
                                                                                   schedule="5m"))
    created = client.create_function_trigger(CreateFunctionTriggerRequest(function_urn=urn, body=body))
    listed = client.list_function_triggers(ListFunctionTriggersRequest(function_urn=urn)).body
    assert [(t.trigger_id, t.trigger_type_code, t.event_data.schedule) for t in listed] == [
        (created.trigger_id, "TIMER", "5m")]
    client.delete_function(DeleteFunctionRequest(function_urn=urn))
    assert [f["func_name"] for f in cloud.dump()["functions"]] == ["payroll"]
    with pytest.raises(ClientRequestException):
        client.list_function_triggers(ListFunctionTriggersRequest(function_urn=urn))


def test_cts_trigger_needs_operations(client):
    urn = _create(client).func_urn
    body = CreateFunctionTriggerRequestBody(trigger_type_code="CTS", event_data=TriggerEventDataRequestBody(name="c"))
    with pytest.raises(ClientRequestException) as raised:
        client.create_function_trigger(CreateFunctionTriggerRequest(function_urn=urn, body=body))
    assert raised.value.error_code == "FSS.0400"


def test_async_config_is_absent_until_set_and_validated(client):
    urn = _create(client).func_urn
    with pytest.raises(ClientRequestException) as absent:
        client.show_function_async_invoke_config(ShowFunctionAsyncInvokeConfigRequest(function_urn=urn))
    assert absent.value.status_code == 404
    with pytest.raises(ClientRequestException) as invalid:
        client.update_function_async_invoke_config(UpdateFunctionAsyncInvokeConfigRequest(
            function_urn=urn, body=UpdateFunctionAsyncInvokeConfigRequestBody(max_async_retry_attempts=9)))
    assert invalid.value.error_code == "FSS.0400"
    client.update_function_async_invoke_config(UpdateFunctionAsyncInvokeConfigRequest(
        function_urn=urn, body=UpdateFunctionAsyncInvokeConfigRequestBody(max_async_retry_attempts=1,
                                                                          max_async_event_age_in_seconds=600)))
    shown = client.show_function_async_invoke_config(ShowFunctionAsyncInvokeConfigRequest(function_urn=urn))
    assert (shown.max_async_retry_attempts, shown.max_async_event_age_in_seconds) == (1, 600)
