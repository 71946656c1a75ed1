"""localcloud's IAM: v3 agencies, the role catalogue and grants in four scopes, v5 identity policies.

``ROUTES`` are the wire routes; ``Backend`` holds the state (``Backend.from_world``, ``backend.dump``).
The world format is described in docs/localcloud-iam.md.
"""

from __future__ import annotations

from localcloud.iam import agencies, grants, keystone, policies, roles
from localcloud.iam.backend import Backend
from localcloud.wire import Route

ROUTES: list[Route] = [*agencies.ROUTES, *grants.ROUTES, *roles.ROUTES, *policies.ROUTES, *keystone.ROUTES]

__all__ = ["ROUTES", "Backend"]
