"""BMS v1 routes, as ``huaweicloudsdkbms/v1/bms_client.py`` builds them."""

from __future__ import annotations

import json
from typing import Any

from localcloud.bms import errors, views
from localcloud.bms.state import JOB_ID, UUID
from localcloud.scoping import in_project
from localcloud.wire import Reply, Request, Route

SERVERS = "/v1/{project_id}/baremetalservers"
SERVER = SERVERS + "/{server_id}"
LIST_FILTERS = ("name", "status", "tags", "enterprise_project_id", "flavor")
MAX_LIMIT = 1000
# Only an id-shaped segment can name a server or job: ".../baremetalservers/limits" is another API (501
# when localcloud lacks it), never a server that does not exist (404).
ID_SHAPES = (("server_id", UUID), ("job_id", JOB_ID))


def show_server(cloud: Any, request: Request, project_id: str, server_id: str) -> Reply:
    return Reply(body={"server": views.server_details(cloud.bms.read_server(server_id), cloud)})


def list_servers(cloud: Any, request: Request, project_id: str) -> Reply:
    limit = request.int_arg("limit", 25, 1, MAX_LIMIT, errors.bad_request)
    page = request.int_arg("offset", 1, 1, None, errors.bad_request)
    filters = {name: request.arg(name) for name in LIST_FILTERS if request.arg(name)}
    servers, count = cloud.bms.list_page(page, limit, filters)
    return Reply(body={"servers": [views.server_details(s, cloud) for s in servers], "count": count})


def show_metadata_options(cloud: Any, request: Request, project_id: str, server_id: str) -> Reply:
    return Reply(body=views.metadata_options(cloud.bms.metadata_options(server_id)))


def update_metadata_options(cloud: Any, request: Request, project_id: str, server_id: str) -> Reply:
    body = request.json_object(errors.bad_request)
    server = cloud.bms.set_metadata_options(server_id, body.get("http_endpoint"), body.get("http_tokens"))
    return Reply(status=200, body=None, resource=(server.id, server.name))


def update_metadata(cloud: Any, request: Request, project_id: str, server_id: str) -> Reply:
    body = request.json_object(errors.bad_request)
    server, changes = cloud.bms.update_metadata(server_id, body.get("metadata"))
    return Reply(body={"metadata": changes}, resource=(server.id, server.name))


def show_tags(cloud: Any, request: Request, project_id: str, server_id: str) -> Reply:
    return Reply(body=views.tags(cloud.bms.server(server_id)))


def change_tags(cloud: Any, request: Request, project_id: str, server_id: str) -> Reply:
    body = request.json_object(errors.bad_request)
    if body.get("action") not in ("create", "delete"):
        raise errors.bad_request(f"action must be create or delete, got {body.get('action')!r}")
    server = cloud.bms.change_tags(server_id, body["action"], body.get("tags"))
    return Reply(status=204, body=None, resource=(server.id, server.name))


def show_job(cloud: Any, request: Request, project_id: str, job_id: str) -> Reply:
    return Reply(body=views.job(cloud.bms.read_job(job_id)))


def _is_tag_deletion(request: Request) -> bool:
    """Both tag operations share one path; any other action goes to the create route, which refuses it."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("action") == "delete"


def _read(method: str, pattern: str, operation: str, handler: Any) -> Route:
    return Route(method, pattern, "bms", operation, in_project(handler), shapes=ID_SHAPES)


def _write(method: str, pattern: str, operation: str, handler: Any, trace_name: str, **extra: Any) -> Route:
    return Route(method, pattern, "bms", operation, in_project(handler), writes=True, trace_name=trace_name,
                 resource_type="bms", shapes=ID_SHAPES, **extra)


ROUTES = [
    _read("GET", SERVERS + "/detail", "ListBareMetalServers", list_servers),
    _read("GET", SERVER, "ListBareMetalServerDetails", show_server),
    _read("GET", SERVER + "/metadata-options", "ShowMetadataOptions", show_metadata_options),
    _write("PUT", SERVER + "/metadata-options", "UpdateMetadataOptions", update_metadata_options,
           "updateMetadataOptions"),
    _write("POST", SERVER + "/metadata", "UpdateBaremetalServerMetadata", update_metadata, "updateMetadata"),
    _read("GET", SERVER + "/tags", "ShowBaremetalServerTags", show_tags),
    _write("POST", SERVER + "/tags/action", "BatchCreateBaremetalServerTags", change_tags, "createServerTags",
           when=lambda request: not _is_tag_deletion(request)),
    _write("POST", SERVER + "/tags/action", "BatchDeleteBaremetalServerTags", change_tags, "deleteServerTags",
           when=_is_tag_deletion),
    _read("GET", "/v1/{project_id}/jobs/{job_id}", "ShowJobInfos", show_job),
]
