"""The IAM sections of a world file: ``agencies``, ``roles`` (custom v3 roles), ``identity_policies`` (v5).

``load`` validates and applies them to a backend, raising ``WorldError`` with the dotted path of the bad
field; ``dump`` writes the backend's state back in the same format. docs/localcloud-iam.md describes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from localcloud.iam.state import (
    ALL_PROJECTS,
    DOMAIN,
    ENTERPRISE_PROJECT,
    PROJECT,
    SCOPES,
    Agency,
    IamError,
    IdentityPolicy,
    Role,
)
from localcloud.wire import WorldError
from localcloud.world import Fields, stable_id

if TYPE_CHECKING:
    from localcloud.iam.backend import Backend

AGENCY_KEYS = ("name", "id", "trust_domain_name", "trust_domain_id", "description", "duration", "roles",
               "policies")
ROLE_KEYS = ("name", "id", "type", "description", "description_cn", "statements")
STATEMENT_KEYS = ("effect", "actions", "resources", "condition")
POLICY_KEYS = ("name", "id", "description", "document")
HEX32 = r"[0-9a-f]{32}"


def load(backend: Backend, world: Mapping[str, Any], source: str = "") -> None:
    top = Fields(world, "", source)
    for entry in top.items("identity_policies"):
        _load_identity_policy(backend, entry)
    for entry in top.items("roles"):
        _load_role(backend, entry)
    for entry in top.items("agencies"):
        _load_agency(backend, entry)


def _load_identity_policy(backend: Backend, entry: Fields) -> None:
    entry.only(POLICY_KEYS)
    name = entry.str("name", pattern=r"[\w+=.@-]{1,128}")
    document = entry.mapping.get("document")
    _check_document(document, entry.where("document"), entry.source)
    policy_id = entry.str("id", stable_id("policy", backend.domain_id, name), pattern=r"[A-Za-z0-9-]{1,64}")
    try:
        backend.add_custom_policy(name, dict(document), entry.str("description", ""), policy_id)
    except IamError as exc:
        raise entry.error("name", exc.message) from exc


def _check_document(document: Any, where: str, source: str) -> None:
    if not isinstance(document, Mapping):
        raise WorldError(where, "is required and must be a mapping with a Statement list", source)
    statements = document.get("Statement")
    if not isinstance(statements, list) or not statements:
        raise WorldError(f"{where}.Statement", "must be a non-empty list", source)
    for index, statement in enumerate(statements):
        if not isinstance(statement, Mapping) or statement.get("Effect") not in ("Allow", "Deny"):
            raise WorldError(f"{where}.Statement[{index}].Effect", "must be Allow or Deny", source)


def _load_role(backend: Backend, entry: Fields) -> None:
    entry.only(ROLE_KEYS)
    name = entry.str("name")
    statements = [_statement(item) for item in entry.items("statements")]
    if not statements:
        raise entry.error("statements", "must list at least one statement")
    role_id = entry.str("id", stable_id("role", backend.domain_id, name), pattern=HEX32)
    try:
        backend.create_custom_role(name, entry.str("type", "XA", choices=("AX", "XA")),
                                   {"Version": "1.1", "Statement": statements},
                                   entry.str("description", ""), entry.str("description_cn", ""), role_id)
    except IamError as exc:
        raise entry.error("name", exc.message) from exc


def _statement(item: Fields) -> dict[str, Any]:
    item.only(STATEMENT_KEYS)
    actions = item.str_list("actions")
    if not actions:
        raise item.error("actions", "must list at least one action")
    statement: dict[str, Any] = {"Effect": item.str("effect", choices=("Allow", "Deny")), "Action": actions}
    if item.mapping.get("resources") is not None:
        statement["Resource"] = item.mapping["resources"]
    if item.mapping.get("condition") is not None:
        statement["Condition"] = item.mapping["condition"]
    return statement


def _load_agency(backend: Backend, entry: Fields) -> None:
    entry.only(AGENCY_KEYS)
    name = entry.str("name", pattern=r"[^\s].{0,63}")
    trust_name = entry.str("trust_domain_name", "op_svc_ecs")
    agency = Agency(id=entry.str("id", stable_id("agency", backend.domain_id, name), pattern=HEX32),
                    name=name, domain_id=backend.domain_id,
                    trust_domain_id=entry.str("trust_domain_id", stable_id("domain", trust_name), pattern=HEX32),
                    trust_domain_name=trust_name, description=entry.str("description", ""),
                    duration=entry.str("duration", "FOREVER"), created_ms=backend.clock())
    if backend.agency_named(name) is not None:
        raise entry.error("name", f"duplicate agency name {name!r}")
    if agency.id in backend.agencies:
        raise entry.error("id", f"duplicate agency id {agency.id}")
    backend.add_agency(agency)
    _load_grants(backend, agency, Fields(entry.mapping.get("roles") or {}, entry.where("roles"), entry.source))
    for index, ref in enumerate(entry.str_list("policies")):
        policy = backend.policy_named(ref) or backend.policies.get(ref)
        if policy is None:
            raise WorldError(f"{entry.where('policies')}[{index}]", f"unknown identity policy {ref!r}",
                             entry.source)
        backend.attach(policy.id, agency.id)


def _load_grants(backend: Backend, agency: Agency, roles: Fields) -> None:
    roles.only(SCOPES)
    for project_id, refs in _scoped(roles, PROJECT):
        backend.projects.setdefault(project_id, f"{backend.region}_{project_id[:6]}")
        _grant(backend, agency, PROJECT, project_id, refs, f"{roles.where(PROJECT)}.{project_id}", roles.source)
    for scope in (DOMAIN, ALL_PROJECTS):
        refs = roles.str_list(scope)
        _grant(backend, agency, scope, backend.domain_id, refs, roles.where(scope), roles.source)
    for ep_id, refs in _scoped(roles, ENTERPRISE_PROJECT):
        _grant(backend, agency, ENTERPRISE_PROJECT, ep_id, refs,
               f"{roles.where(ENTERPRISE_PROJECT)}.{ep_id}", roles.source)


def _scoped(roles: Fields, scope: str) -> list[tuple[str, list[str]]]:
    """``{scope id: [role refs]}`` with the ids as text (YAML may read ``0`` as a number)."""
    value = roles.mapping.get(scope) or {}
    if not isinstance(value, Mapping):
        raise roles.error(scope, f"must be a mapping of {scope} id to role names, got {type(value).__name__}")
    entries = Fields({str(k): v for k, v in value.items()}, roles.where(scope), roles.source)
    return [(scope_id, entries.str_list(scope_id)) for scope_id in entries.mapping]


def _grant(backend: Backend, agency: Agency, scope: str, scope_id: str, refs: list[str], where: str,
           source: str) -> None:
    for index, ref in enumerate(refs):
        role = backend.role_by_ref(ref)
        if role is None:
            raise WorldError(f"{where}[{index}]", f"unknown role {ref!r} (not a system role, nor a custom role "
                                                  "in this world's roles)", source)
        backend.grant(scope, scope_id, agency.id, role.id)


# ---------------------------------------------------------------- dump


def dump(backend: Backend) -> dict[str, Any]:
    return {"agencies": [_dump_agency(backend, a) for a in backend.agencies.values()],
            "roles": [_dump_role(r) for r in backend.custom_roles()],
            "identity_policies": [_dump_policy(p) for p in backend.policies.values() if p.policy_type == "custom"]}


def _dump_agency(backend: Backend, agency: Agency) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": agency.name, "id": agency.id, "trust_domain_name": agency.trust_domain_name,
                             "trust_domain_id": agency.trust_domain_id}
    if agency.description:
        entry["description"] = agency.description
    if agency.duration != "FOREVER":
        entry["duration"] = agency.duration
    entry["roles"] = _dump_grants(backend, agency.id)
    entry["policies"] = [policy.name for policy, _ in backend.attached(agency.id)]
    return entry


def _dump_grants(backend: Backend, agency_id: str) -> dict[str, Any]:
    roles: dict[str, Any] = {PROJECT: {}, DOMAIN: [], ALL_PROJECTS: [], ENTERPRISE_PROJECT: {}}
    for key in backend.assignments(agency_id=agency_id):
        label = backend.roles[key.role_id].display_name
        if key.scope in (DOMAIN, ALL_PROJECTS):
            roles[key.scope].append(label)
        else:
            roles[key.scope].setdefault(key.scope_id, []).append(label)
    return roles


def _dump_role(role: Role) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": role.display_name, "id": role.id, "type": role.type}
    if role.description:
        entry["description"] = role.description
    if role.description_cn:
        entry["description_cn"] = role.description_cn
    entry["statements"] = [_dump_statement(s) for s in role.policy.get("Statement", [])]
    return entry


def _dump_statement(statement: Mapping[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"effect": statement["Effect"], "actions": list(statement["Action"])}
    if statement.get("Resource") is not None:
        entry["resources"] = statement["Resource"]
    if statement.get("Condition") is not None:
        entry["condition"] = statement["Condition"]
    return entry


def _dump_policy(policy: IdentityPolicy) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": policy.name, "id": policy.id}
    if policy.description:
        entry["description"] = policy.description
    entry["document"] = policy.document
    return entry
