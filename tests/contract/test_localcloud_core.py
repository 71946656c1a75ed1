"""The localcloud core: world loading and validation, dispatch, signatures, faults, traces, dump."""

from __future__ import annotations

import pytest

from localcloud import LocalCloud, WorldError

SERVER_ID = "53206ed0-56de-4d6b-b8d8-4d8c3c2b2bd1"


def test_default_world_has_the_documented_ids_topic_and_credentials():
    cloud = LocalCloud()

    assert (cloud.region, cloud.project_id, cloud.domain_id) == (
        "sa-brazil-1", "0945241c5ebc4660bac540d48f2a2c14", "b2b3853af40448fcb9e40d6b89505bab")
    assert [t["name"] for t in cloud.dump()["topics"]] == ["bmsguard-alerts"]
    assert cloud.credential().identity.name == "bmsguard_agency"
    assert cloud.credential("alice").identity.type == "IAMUser"


def test_fixture_activates_the_in_process_adapter(localcloud):
    import requests

    cloud = localcloud({"servers": [{"id": SERVER_ID}]})
    response = requests.get(f"https://bms.sa-brazil-1.myhuaweicloud.com/v1/{cloud.project_id}/baremetalservers/x")

    assert response.status_code == 401
    assert response.json()["error_code"] == "APIG.0301"
    assert response.headers["X-Request-Id"] == cloud.calls[-1]["request_id"]


def test_unknown_top_level_key_is_a_world_error_naming_it():
    with pytest.raises(WorldError, match="'serverz'"):
        LocalCloud({"serverz": []})
