"""The keystone look-ups the SDK makes on its own: ``GET /v3/projects?name=`` and ``GET /v3/auth/domains``.

``BasicCredentials`` without a project id and ``GlobalCredentials`` without a domain id, built
``with_region``, ask these before their first call (huaweicloudsdkcore/auth/credentials.py).
"""

from __future__ import annotations

from typing import Any

from localcloud.iam import render
from localcloud.iam.protocol import bool_arg, keystone_errors
from localcloud.wire import Reply, Request, Route


@keystone_errors
def list_projects(cloud: Any, request: Request) -> Reply:
    base = render.endpoint(cloud.region)
    name, domain_id, parent_id = request.arg("name"), request.arg("domain_id"), request.arg("parent_id")
    enabled, is_domain = bool_arg(request, "enabled"), bool_arg(request, "is_domain")
    projects = [_project(cloud, project_id, project_name, base)
                for project_id, project_name in cloud.iam.projects.items()
                if name is None or project_name == name]
    projects = [p for p in projects
                if (domain_id is None or p["domain_id"] == domain_id)
                and (parent_id is None or p["parent_id"] == parent_id)
                and enabled in (None, True) and is_domain in (None, False)]
    return Reply(200, {"links": {"self": base + request.path, "previous": None, "next": None},
                       "projects": projects})


def _project(cloud: Any, project_id: str, name: str, base: str) -> dict[str, Any]:
    return {"is_domain": False, "description": "", "enabled": True, "id": project_id, "name": name,
            "parent_id": cloud.iam.domain_id, "domain_id": cloud.iam.domain_id,
            "links": {"self": f"{base}/v3/projects/{project_id}", "previous": None, "next": None}}


@keystone_errors
def list_auth_domains(cloud: Any, request: Request) -> Reply:
    base = render.endpoint(cloud.region)
    domain = {"enabled": True, "id": cloud.iam.domain_id, "name": cloud.iam.domain_name, "description": "",
              "links": {"self": f"{base}/v3/domains/{cloud.iam.domain_id}"}}
    return Reply(200, {"domains": [domain], "links": {"self": base + request.path}})


ROUTES = [
    Route("GET", "/v3/projects", "iam", "KeystoneListProjects", list_projects),
    Route("GET", "/v3/auth/domains", "iam", "KeystoneListAuthDomains", list_auth_domains),
]
