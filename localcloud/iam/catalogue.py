"""The built-in IAM permissions localcloud serves: v3 system roles/policies and v5 system identity policies.

This module is data. Names, display names, catalogs, types and statements follow what Huawei Cloud's
IAM console and ``GET /v3/roles`` show (role-based "roles" with policy ``Version`` 1.0 and ``Depends``;
fine-grained "system policies" with ``flag: fine_grained`` and ``Version`` 1.1). The ids are 32-hex and
fixed here so they are the same on every run; they are *not* the ids of a real account, so code must
look roles up by name, never hard-code an id. docs/localcloud-iam.md lists this catalogue.

v3 ``type``: ``AX`` = account (domain, global services) level, ``XA`` = project level, ``AA`` = both.
"""

from __future__ import annotations

from typing import Any

PUBLISHED_MS = 1_579_229_246_886  # created/updated time shown for every built-in entry (2020-01-17)
_READS = ("get*", "list*")


def _reads(*services: str) -> list[str]:
    return [f"{service}:*:{verb}" for service in services for verb in _READS]


def _allow(*actions: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": list(actions)}


def _deny(*actions: str) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": list(actions)}


def _depends(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"catalog": catalog, "display_name": name} for catalog, name in pairs]


def _role(role_id: str, name: str, display_name: str, role_type: str, catalog: str, description: str,
          statements: list[dict[str, Any]], depends: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """A role-based system role (policy Version 1.0)."""
    policy: dict[str, Any] = {"Version": "1.0", "Statement": statements}
    if depends:
        policy["Depends"] = depends
    return {"id": role_id, "name": name, "display_name": display_name, "type": role_type, "catalog": catalog,
            "flag": None, "description": description, "policy": policy}


def _fine(role_id: str, name: str, display_name: str, role_type: str, catalog: str, description: str,
          statements: list[dict[str, Any]]) -> dict[str, Any]:
    """A fine-grained system policy (policy Version 1.1)."""
    return {"id": role_id, "name": name, "display_name": display_name, "type": role_type, "catalog": catalog,
            "flag": "fine_grained", "description": description,
            "policy": {"Version": "1.1", "Statement": statements}}


SYSTEM_ROLES: tuple[dict[str, Any], ...] = (
    _role("07c20e612d2469711361fedf1a8a8014", "te_admin", "Tenant Administrator", "AA", "BASE",
          "Tenant Administrator (Exclude IAM)", [_allow("*:*:*"), _deny("identity:*:*")]),
    _role("d1bd0bfb86224069de2d189b9240404f", "readonly", "Tenant Guest", "AA", "BASE",
          "Tenant Guest (Exclude IAM)", [_allow(*_reads("*")), _deny("identity:*:*")]),
    _role("d88a66cba09471464e05a6edf86531d4", "secu_admin", "Security Administrator", "AX", "BASE",
          "Full permissions for Identity and Access Management", [_allow("iam:*:*")]),
    _role("9ced64dfd1da78440aebb3eb1a4f5693", "server_adm", "Server Administrator", "XA", "ECS",
          "Server Administrator", [_allow("ecs:*:*", "evs:*:*", "vpc:*:*")],
          _depends(("BASE", "Tenant Guest"))),
    _role("0ead55328ad5731598747ee623aeb090", "bms_adm", "BMS Administrator", "XA", "BMS",
          "Bare Metal Server Administrator", [_allow("bms:*:*")],
          _depends(("BASE", "Tenant Guest"), ("ECS", "Server Administrator"))),
    _fine("579ac75779b1198d1296bd7e63ea0a04", "system_all_1000", "FullAccess", "AA", "BASE",
          "Full permissions for all services that support policy-based authorization.", [_allow("*:*:*")]),
    _fine("64106f7e1ba72e02d5292844d80f14d8", "system_all_1001", "ReadOnlyAccess", "AA", "BASE",
          "Read-only permissions for all services that support policy-based authorization.",
          [_allow(*_reads("*"))]),
    _fine("2248cfbfe30fd36eb5a88082d39df438", "system_all_1002", "BMS FullAccess", "XA", "BMS",
          "Full permissions for Bare Metal Server.",
          [_allow("bms:*:*", *_reads("ecs", "vpc", "evs", "ims"))]),
    _fine("33cb0f8a3dbd83296649892dc8d40326", "system_all_1003", "BMS ReadOnlyAccess", "XA", "BMS",
          "Read-only permissions for Bare Metal Server.", [_allow(*_reads("bms", "ecs", "vpc", "evs"))]),
    _fine("d1b1e981250e8268fa2727f36d782033", "system_all_1004", "ECS FullAccess", "XA", "ECS",
          "Full permissions for Elastic Cloud Server.",
          [_allow("ecs:*:*", "evs:*:*", "vpc:*:*", *_reads("ims"))]),
    _fine("20b57064c669854512de64980310aee7", "system_all_1005", "ECS ReadOnlyAccess", "XA", "ECS",
          "Read-only permissions for Elastic Cloud Server.", [_allow(*_reads("ecs", "evs", "vpc"))]),
    _fine("6205f2e77193187271e18440ee1c69c3", "system_all_1006", "OBS Administrator", "AA", "OBS",
          "Full permissions for Object Storage Service.", [_allow("obs:*:*")]),
    _fine("8d97a9cb0ee85ae8de2bb456e4c0b109", "system_all_1007", "OBS ReadOnlyAccess", "AA", "OBS",
          "Permissions to list buckets, obtain bucket metadata, list objects, and query bucket location.",
          [_allow("obs:bucket:ListAllMybuckets", "obs:bucket:HeadBucket", "obs:bucket:ListBucket",
                  "obs:bucket:GetBucketLocation", "obs:object:GetObject", "obs:object:GetObjectVersion",
                  "obs:object:GetObjectAcl")]),
    _fine("c48efd1e0cf95b5ccd1556382ef043a7", "system_all_1008", "IAM ReadOnlyAccess", "AX", "IAM",
          "Read-only permissions for Identity and Access Management.",
          [_allow("iam:*:get*", "iam:*:list*", "iam:*:check*")]),
    _fine("d5201ec70606afb9c0003403d571c4c2", "system_all_1009", "SMN FullAccess", "XA", "SMN",
          "Full permissions for Simple Message Notification.", [_allow("smn:*:*")]),
    _fine("ca7113e60c2dc2594477cc3bb3cd2dba", "system_all_1010", "SMN ReadOnlyAccess", "XA", "SMN",
          "Read-only permissions for Simple Message Notification.", [_allow(*_reads("smn"))]),
    _fine("dc32312706c2c62796d586b259ea16e2", "system_all_1011", "FunctionGraph FullAccess", "XA",
          "FunctionGraph", "Full permissions for FunctionGraph.", [_allow("functiongraph:*:*")]),
    _fine("9e10d6a935722918ff38734e14dadcf4", "system_all_1012", "CTS ReadOnlyAccess", "XA", "CTS",
          "Read-only permissions for Cloud Trace Service.", [_allow(*_reads("cts"))]),
    _fine("d585823427b2ddfbe820cbc98feedeb6", "system_all_1013", "VPC FullAccess", "XA", "VPC",
          "Full permissions for Virtual Private Cloud.", [_allow("vpc:*:*")]),
)


def _v5(policy_id: str, name: str, description: str, statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": policy_id, "name": name, "description": description,
            "document": {"Version": "5.0", "Statement": statements}}


def _v5_allow(*actions: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": list(actions), "Resource": ["*"]}


SYSTEM_POLICIES: tuple[dict[str, Any], ...] = (
    _v5("34b66271f5f0bdf49072929a61d9f22b", "AdministratorAccess", "Full permissions for all services.",
        [_v5_allow("*")]),
    _v5("401761b28353e2bb608f63e206996e42", "ReadOnlyAccess", "Read-only permissions for all services.",
        [_v5_allow("*:*:get*", "*:*:list*")]),
    _v5("56eb9d56f1155417d21074bbe2c4fd01", "BMSFullAccessPolicy", "Full permissions for Bare Metal Server.",
        [_v5_allow("bms:*:*", "ecs:*:get*", "ecs:*:list*", "vpc:*:get*", "vpc:*:list*")]),
    _v5("39f09ced9cca2c0b55e9877d76eac988", "BMSReadOnlyPolicy", "Read-only permissions for Bare Metal Server.",
        [_v5_allow("bms:*:get*", "bms:*:list*")]),
    _v5("fb9561e9e908d9c06f60363548b0e32f", "OBSReadOnlyPolicy", "Read-only permissions for OBS.",
        [_v5_allow("obs:bucket:ListAllMybuckets", "obs:bucket:HeadBucket", "obs:bucket:ListBucket",
                   "obs:object:GetObject")]),
    _v5("970ddbbe9537ebe3610143b550c8a17c", "IAMFullAccessPolicy", "Full permissions for IAM.",
        [_v5_allow("iam:*")]),
    _v5("c36128176aaa6c9f278567c09fdaf370", "IAMReadOnlyPolicy", "Read-only permissions for IAM.",
        [_v5_allow("iam:*:get*", "iam:*:list*", "iam:*:check*")]),
    _v5("974112f56fb55ea5c2c6b3839d2f4417", "SMNFullAccessPolicy", "Full permissions for SMN.",
        [_v5_allow("smn:*:*")]),
)
