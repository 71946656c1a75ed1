"""Project-scoped routes: a path whose ``{project_id}`` is not the world's project is refused."""

from __future__ import annotations

import functools
from typing import Any

from localcloud.wire import ApiError, Handler, Reply, Request

WRONG_PROJECT_CODE = "LOCALCLOUD.0403"  # emulator choice: the real gateway's answer is not documented


def in_project(handler: Handler) -> Handler:
    @functools.wraps(handler)
    def scoped(cloud: Any, request: Request, project_id: str, **params: str) -> Reply:
        if project_id != cloud.project_id:
            raise ApiError(403, WRONG_PROJECT_CODE,
                           f"project {project_id!r} in the path is not this world's project {cloud.project_id}")
        return handler(cloud, request, project_id=project_id, **params)
    return scoped
