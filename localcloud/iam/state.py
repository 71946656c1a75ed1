"""The records the IAM backend keeps: agencies, v3 roles (system and custom), v5 identity policies, grants."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

PROJECT = "project"
DOMAIN = "domain"
ALL_PROJECTS = "all_projects"
ENTERPRISE_PROJECT = "enterprise_project"
SCOPES = (PROJECT, DOMAIN, ALL_PROJECTS, ENTERPRISE_PROJECT)

FOREVER = "FOREVER"


class IamError(Exception):
    """A refusal by the IAM backend; routes turn it into the keystone (v3) or flat (v5) wire error.

    ``v5_code`` is the ``error_code`` a v5 route answers with (v3 answers carry only the HTTP status).
    """

    def __init__(self, status: int, message: str, v5_code: str = ""):
        super().__init__(message)
        self.status = status
        self.message = message
        self.v5_code = v5_code or f"PAP5.{status:04d}"


@dataclass(frozen=True)
class Agency:
    id: str
    name: str
    domain_id: str
    trust_domain_id: str
    trust_domain_name: str
    description: str = ""
    duration: str = FOREVER  # "FOREVER" | "ONEDAY" | a number of days as text
    created_ms: int = 0


@dataclass(frozen=True)
class Role:
    """A v3 role or policy. ``policy`` is the wire JSON: {"Version", "Statement": [...], "Depends"?}."""

    id: str
    name: str  # te_admin, system_all_1002, custom_<domain>_<n>
    display_name: str
    type: str  # AX | XA | AA
    catalog: str
    policy: dict[str, Any]
    description: str = ""
    description_cn: str = ""
    flag: str | None = None  # "fine_grained" for system policies
    domain_id: str | None = None  # set for custom roles only
    created_ms: int = 0
    updated_ms: int = 0

    @property
    def custom(self) -> bool:
        return self.domain_id is not None


@dataclass(frozen=True)
class IdentityPolicy:
    """A v5 identity policy; ``document`` is the parsed JSON the version endpoint serves as a string."""

    id: str
    name: str
    document: dict[str, Any]
    policy_type: str  # system | custom
    urn: str
    description: str = ""
    created_ms: int = 0

    @property
    def version_id(self) -> str:
        return "v1"


class GrantKey(NamedTuple):
    """One v3 role assignment: ``scope_id`` is a project id, the domain id, or an enterprise project id."""

    scope: str
    scope_id: str
    agency_id: str
    role_id: str
