"""Wire JSON of IAM records, keyed exactly as the SDK models' ``attribute_map`` (huaweicloudsdkiam v3/v5)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from localcloud.iam.state import FOREVER, Agency, IdentityPolicy, Role


def endpoint(region: str) -> str:
    return f"https://iam.{region}.myhuaweicloud.com"


def keystone_time(ms: int) -> str:
    """v3 agency times: ``2020-01-04T03:37:16.000000``."""
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")


def iso_time(ms: int) -> str:
    """v5 times: ``2023-09-21T08:25:42.346Z``."""
    moment = datetime.fromtimestamp(ms / 1000, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def agency(record: Agency) -> dict[str, Any]:
    """AgencyListResult / AgencyShowResult (Create/Update results read a subset of these keys)."""
    return {"create_time": keystone_time(record.created_ms), "description": record.description,
            "domain_id": record.domain_id, "duration": record.duration,
            "expire_time": None if record.duration == FOREVER else _expiry(record),
            "id": record.id, "name": record.name, "trust_domain_id": record.trust_domain_id,
            "trust_domain_name": record.trust_domain_name,
            "agency_urn": f"iam::{record.domain_id}:agency:{record.name}"}


def _expiry(record: Agency) -> str:
    days = 1 if record.duration == "ONEDAY" else int(record.duration) if record.duration.isdigit() else 0
    return keystone_time(record.created_ms + days * 86_400_000)


def role(record: Role, region: str) -> dict[str, Any]:
    """RoleResult (keystone list/show, agency role lists) and the custom-policy results."""
    body: dict[str, Any] = {
        "domain_id": record.domain_id, "description_cn": record.description_cn, "catalog": record.catalog,
        "name": record.name, "description": record.description,
        "links": {"self": f"{endpoint(region)}/v3/roles/{record.id}"},
        "id": record.id, "display_name": record.display_name, "type": record.type, "policy": record.policy,
        "updated_time": str(record.updated_ms), "created_time": str(record.created_ms)}
    if record.flag:
        body["flag"] = record.flag
    return body


def role_link(record: Role, region: str) -> dict[str, Any]:
    """AgencyAllProjectRole: the all-projects list carries no policy content."""
    return {"id": record.id, "name": record.name, "links": {"self": f"{endpoint(region)}/v3/roles/{record.id}"}}


def policy(record: IdentityPolicy, attachment_count: int) -> dict[str, Any]:
    """v5 Policy."""
    return {"policy_type": record.policy_type, "policy_name": record.name, "policy_id": record.id,
            "urn": record.urn, "path": "", "default_version_id": record.version_id,
            "attachment_count": attachment_count, "description": record.description,
            "created_at": iso_time(record.created_ms), "updated_at": iso_time(record.created_ms)}


def policy_version(record: IdentityPolicy) -> dict[str, Any]:
    """v5 PolicyVersion: ``document`` is a JSON string, as the real API sends it."""
    return {"document": json.dumps(record.document, separators=(",", ":")), "version_id": record.version_id,
            "is_default": True, "created_at": iso_time(record.created_ms)}


def attached_policy(record: IdentityPolicy, attached_ms: int) -> dict[str, Any]:
    return {"policy_name": record.name, "policy_id": record.id, "urn": record.urn,
            "attached_at": iso_time(attached_ms)}
