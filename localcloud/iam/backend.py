"""IAM state and behaviour, with no HTTP: agencies, the role catalogue, v3 grants in four scopes, v5 policies.

Methods raise ``IamError``; the route modules translate it into Huawei's wire errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

from localcloud.iam import catalogue
from localcloud.iam.state import (
    ALL_PROJECTS,
    DOMAIN,
    ENTERPRISE_PROJECT,
    PROJECT,
    Agency,
    GrantKey,
    IamError,
    IdentityPolicy,
    Role,
)
from localcloud.world import stable_id


class Backend:
    """One account's IAM. ``clock`` returns epoch milliseconds (the cloud's clock)."""

    def __init__(self, *, domain_id: str, domain_name: str, project_id: str, region: str,
                 clock: Callable[[], int]):
        self.domain_id = domain_id
        self.domain_name = domain_name
        self.project_id = project_id
        self.region = region
        self.clock = clock
        self.projects: dict[str, str] = {project_id: region}  # project id -> project name
        self.agencies: dict[str, Agency] = {}
        self.roles: dict[str, Role] = {r["id"]: _system_role(r) for r in catalogue.SYSTEM_ROLES}
        self.policies: dict[str, IdentityPolicy] = {p["id"]: _system_policy(p) for p in catalogue.SYSTEM_POLICIES}
        self.grants: dict[GrantKey, None] = {}  # an insertion-ordered set
        self.attachments: dict[tuple[str, str], int] = {}  # (agency id, policy id) -> attached at (ms)

    @classmethod
    def from_world(cls, world: Mapping[str, Any], cloud: Any) -> Backend:
        """Seed from the world's ``agencies``, ``roles`` and ``identity_policies`` (raises WorldError)."""
        from localcloud.iam import seed

        backend = cls(domain_id=cloud.domain_id, domain_name=cloud.domain_name,
                      project_id=cloud.project_id, region=cloud.region, clock=cloud.now_ms)
        seed.load(backend, world, source=cloud.source)
        return backend

    def dump(self) -> dict[str, Any]:
        from localcloud.iam import seed

        return seed.dump(self)

    # ------------------------------------------------------------ agencies

    def agency(self, agency_id: str) -> Agency:
        found = self.agencies.get(agency_id)
        if found is None:
            raise IamError(404, f"Could not find agency: {agency_id}.")
        return found

    def agency_named(self, name: str) -> Agency | None:
        return next((a for a in self.agencies.values() if a.name == name), None)

    def find_agencies(self, name: str | None = None, trust_domain_id: str | None = None) -> list[Agency]:
        return [a for a in self.agencies.values()
                if (name is None or a.name == name)
                and (trust_domain_id is None or a.trust_domain_id == trust_domain_id)]

    def add_agency(self, agency: Agency) -> Agency:
        if self.agency_named(agency.name) is not None:
            raise IamError(409, f"The agency name {agency.name} already exists.")
        self.agencies[agency.id] = agency
        return agency

    def create_agency(self, name: str, trust_domain_id: str, trust_domain_name: str, description: str = "",
                      duration: str = "FOREVER") -> Agency:
        agency_id = stable_id("agency", self.domain_id, name)
        if agency_id in self.agencies:  # the name was used before and deleted: take a fresh id
            agency_id = stable_id("agency", self.domain_id, name, str(self.clock()), str(len(self.agencies)))
        return self.add_agency(Agency(agency_id, name, self.domain_id, trust_domain_id, trust_domain_name,
                                      description, duration, self.clock()))

    def update_agency(self, agency_id: str, **changes: str) -> Agency:
        updated = replace(self.agency(agency_id), **changes)
        self.agencies[agency_id] = updated
        return updated

    def delete_agency(self, agency_id: str) -> Agency:
        agency = self.agency(agency_id)
        del self.agencies[agency_id]
        for key in [k for k in self.grants if k.agency_id == agency_id]:
            del self.grants[key]
        for key in [k for k in self.attachments if k[0] == agency_id]:
            del self.attachments[key]
        return agency

    # ------------------------------------------------------------ roles

    def role(self, role_id: str) -> Role:
        found = self.roles.get(role_id)
        if found is None:
            raise IamError(404, f"Could not find role: {role_id}.")
        return found

    def role_by_ref(self, ref: str) -> Role | None:
        """A role by display name or role name; a custom role wins over a system one of the same name."""
        ordered = [*self.custom_roles(), *self.system_roles()]
        return next((r for r in ordered if ref in (r.display_name, r.name)), None)

    def system_roles(self) -> list[Role]:
        return [r for r in self.roles.values() if not r.custom]

    def custom_roles(self) -> list[Role]:
        return [r for r in self.roles.values() if r.custom]

    def create_custom_role(self, display_name: str, role_type: str, policy: dict[str, Any],
                           description: str = "", description_cn: str = "", role_id: str = "") -> Role:
        if any(r.display_name == display_name for r in self.custom_roles()):
            raise IamError(409, f"Policy name {display_name} already exists.")
        number = 1 + max((int(r.name.rsplit("_", 1)[1]) for r in self.custom_roles()), default=0)
        now = self.clock()
        role = Role(id=role_id or stable_id("role", self.domain_id, display_name),
                    name=f"custom_{self.domain_id}_{number}", display_name=display_name, type=role_type,
                    catalog="CUSTOMED", policy=policy, description=description, description_cn=description_cn,
                    domain_id=self.domain_id, created_ms=now, updated_ms=now)
        self.roles[role.id] = role
        return role

    def update_custom_role(self, role_id: str, **changes: Any) -> Role:
        role = self.custom_role(role_id)
        updated = replace(role, updated_ms=self.clock(), **changes)
        self.roles[role_id] = updated
        return updated

    def delete_custom_role(self, role_id: str) -> Role:
        role = self.custom_role(role_id)
        if self.references(role_id):
            raise IamError(409, f"Policy {role.display_name} is still granted; revoke it first.")
        del self.roles[role_id]
        return role

    def custom_role(self, role_id: str) -> Role:
        role = self.role(role_id)
        if not role.custom:
            raise IamError(403, f"Role {role_id} is a system role and cannot be changed.")
        return role

    def references(self, role_id: str) -> int:
        return sum(1 for k in self.grants if k.role_id == role_id)

    # ------------------------------------------------------------ v3 grants

    def check_scope(self, scope: str, scope_id: str) -> None:
        if scope == PROJECT and scope_id not in self.projects:
            raise IamError(404, f"Could not find project: {scope_id}.")
        if scope in (DOMAIN, ALL_PROJECTS) and scope_id != self.domain_id:
            raise IamError(404, f"Could not find domain: {scope_id}.")

    def _key(self, scope: str, scope_id: str, agency_id: str, role_id: str) -> GrantKey:
        self.check_scope(scope, scope_id)
        self.agency(agency_id)
        self.role(role_id)
        return GrantKey(scope, scope_id, agency_id, role_id)

    def grant(self, scope: str, scope_id: str, agency_id: str, role_id: str) -> GrantKey:
        key = self._key(scope, scope_id, agency_id, role_id)
        self.grants[key] = None
        return key

    def revoke(self, scope: str, scope_id: str, agency_id: str, role_id: str) -> GrantKey:
        key = self._key(scope, scope_id, agency_id, role_id)
        if key not in self.grants:
            raise IamError(404, f"Could not find role assignment: role {role_id} on {scope} {scope_id} "
                                f"for agency {agency_id}.")
        del self.grants[key]
        return key

    def has_grant(self, scope: str, scope_id: str, agency_id: str, role_id: str) -> bool:
        return self._key(scope, scope_id, agency_id, role_id) in self.grants

    def granted_roles(self, scope: str, scope_id: str, agency_id: str) -> list[Role]:
        self.check_scope(scope, scope_id)
        self.agency(agency_id)
        return [self.roles[k.role_id] for k in self.grants
                if (k.scope, k.scope_id, k.agency_id) == (scope, scope_id, agency_id)]

    def grant_all(self, keys: Iterable[tuple[str, str, str, str]], *, revoke: bool = False) -> list[GrantKey]:
        """Grant (or revoke) several assignments, all or nothing: every one is validated first."""
        checked = [self._key(*key) for key in keys]
        if revoke:
            missing = [k for k in checked if k not in self.grants]
            if missing:
                raise IamError(404, f"Could not find role assignment: role {missing[0].role_id} on "
                                    f"{missing[0].scope} {missing[0].scope_id} for agency {missing[0].agency_id}.")
        for key in checked:
            if revoke:
                del self.grants[key]
            else:
                self.grants[key] = None
        return checked

    def assignments(self, *, agency_id: str | None = None, role_id: str | None = None,
                    scopes: Iterable[str] = (PROJECT, DOMAIN, ALL_PROJECTS, ENTERPRISE_PROJECT),
                    scope_id: str | None = None) -> list[GrantKey]:
        scopes = tuple(scopes)
        return [k for k in self.grants
                if k.scope in scopes and (agency_id is None or k.agency_id == agency_id)
                and (role_id is None or k.role_id == role_id) and (scope_id is None or k.scope_id == scope_id)]

    # ------------------------------------------------------------ v5 identity policies

    def policy(self, policy_id: str) -> IdentityPolicy:
        found = self.policies.get(policy_id)
        if found is None:
            raise IamError(404, f"policy {policy_id} does not exist")
        return found

    def policy_named(self, name: str) -> IdentityPolicy | None:
        return next((p for p in self.policies.values() if p.name == name), None)

    def add_custom_policy(self, name: str, document: dict[str, Any], description: str = "",
                          policy_id: str = "") -> IdentityPolicy:
        if self.policy_named(name) is not None:
            raise IamError(409, f"policy name {name} already exists")
        policy = IdentityPolicy(id=policy_id or stable_id("policy", self.domain_id, name), name=name,
                                document=document, policy_type="custom",
                                urn=f"iam::{self.domain_id}:policy:{name}", description=description,
                                created_ms=self.clock())
        self.policies[policy.id] = policy
        return policy

    def attach(self, policy_id: str, agency_id: str) -> tuple[IdentityPolicy, Agency]:
        policy, agency = self.policy(policy_id), self.agency(agency_id)
        self.attachments.setdefault((agency_id, policy_id), self.clock())
        return policy, agency

    def detach(self, policy_id: str, agency_id: str) -> tuple[IdentityPolicy, Agency]:
        policy, agency = self.policy(policy_id), self.agency(agency_id)
        if self.attachments.pop((agency_id, policy_id), None) is None:
            raise IamError(404, f"policy {policy_id} is not attached to agency {agency_id}")
        return policy, agency

    def attached(self, agency_id: str) -> list[tuple[IdentityPolicy, int]]:
        self.agency(agency_id)
        return [(self.policies[p], at) for (a, p), at in self.attachments.items() if a == agency_id]

    def attachment_count(self, policy_id: str) -> int:
        return sum(1 for _, p in self.attachments if p == policy_id)


def _system_role(entry: Mapping[str, Any]) -> Role:
    return Role(id=entry["id"], name=entry["name"], display_name=entry["display_name"], type=entry["type"],
                catalog=entry["catalog"], policy=entry["policy"], description=entry["description"],
                flag=entry["flag"], created_ms=catalogue.PUBLISHED_MS, updated_ms=catalogue.PUBLISHED_MS)


def _system_policy(entry: Mapping[str, Any]) -> IdentityPolicy:
    return IdentityPolicy(id=entry["id"], name=entry["name"], document=entry["document"], policy_type="system",
                          urn=f"iam::system:policy:{entry['name']}", description=entry["description"],
                          created_ms=catalogue.PUBLISHED_MS)
