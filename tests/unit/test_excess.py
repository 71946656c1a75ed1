"""The documented definition of an excess grant, as a table."""

from __future__ import annotations

import pytest
from unit_builders import grant

from bmsguard.excess import excess_verdict, is_read_only_action
from bmsguard.model import GrantScope
from bmsguard.policy import AgencyPolicy

DEFAULT = AgencyPolicy()
STRICT = AgencyPolicy(strict=True, allow=("ECS ReadOnlyAccess", "id-kept"))
LISTS = AgencyPolicy(allow=("te_admin", "Custom*"), deny=("ECS ReadOnlyAccess", "CustomDanger"))


@pytest.mark.parametrize(
    ("the_grant", "policy", "criterion"),
    [
        # full administrators by name or by action
        (grant("te_admin", display="Tenant Administrator"), DEFAULT, "full-admin"),
        (grant("secu_admin", display="Security Administrator"), DEFAULT, "full-admin"),
        (grant("FullAccess", scope=GrantScope.POLICY), DEFAULT, "full-admin"),
        (grant("ecs_all", display="ECS FullAccess"), DEFAULT, "full-admin"),
        (grant("AdministratorAccess", scope=GrantScope.POLICY), DEFAULT, "full-admin"),
        (grant("custom", "*"), DEFAULT, "full-admin"),
        (grant("custom", "*:*:*"), DEFAULT, "full-admin"),
        # IAM writes
        (grant("custom", "iam:agencies:pass"), DEFAULT, "iam-write"),
        (grant("custom", "iam:permissions:grantRoleToAgencyOnProject"), DEFAULT, "iam-write"),
        (grant("custom", "iam:*:*"), DEFAULT, "iam-write"),
        (grant("custom", "ecs:*:get*", "iam:users:create"), DEFAULT, "iam-write"),
        # wildcard writes
        (grant("custom", "ecs:*:*"), DEFAULT, "wildcard"),
        (grant("custom", "ecs:cloudServers:*"), DEFAULT, "wildcard"),
        (grant("custom", "obs:object:put*"), DEFAULT, "wildcard"),
        (grant("custom", "ecs:cloudServers:list", "ecs:*:start*"), DEFAULT, "wildcard"),
        # kept: read-only, narrow writes, deny statements, no statements
        (grant("custom", "ecs:*:get*", "ecs:*:list*", "bms:servers:show*"), DEFAULT, None),
        (grant("custom", "iam:agencies:get*", "iam:agencies:listAgencies", "iam:permissions:check*"), DEFAULT, None),
        (grant("custom", "obs:object:getObject", "obs:object:putObject"), DEFAULT, None),
        (grant("custom", "ecs:cloudServers:list", deny=("*",)), DEFAULT, None),
        (grant("custom", deny=("iam:*:*",)), DEFAULT, None),
        (grant("readonly", display="Tenant Guest"), DEFAULT, None),
        (grant("ECS ReadOnlyAccess", "ecs:*:get*", scope=GrantScope.POLICY), DEFAULT, None),
        # strict: everything not on the allow-list (by name, display name or id)
        (grant("custom", "ecs:cloudServers:list"), STRICT, "strict"),
        (grant("x", "ecs:*:get*", display="ECS ReadOnlyAccess"), STRICT, None),
        (grant("kept", "ecs:*:get*"), STRICT, None),
        (grant("te_admin"), STRICT, "full-admin"),
        # lists: deny wins, allow exempts from the other criteria
        (grant("ECS ReadOnlyAccess", "ecs:*:get*"), LISTS, "deny-listed"),
        (grant("CustomDanger", "ecs:*:get*"), LISTS, "deny-listed"),
        (grant("te_admin", display="Tenant Administrator"), LISTS, None),
        (grant("CustomWide", "ecs:*:*"), LISTS, None),
        (grant("Other", "ecs:*:*"), LISTS, "wildcard"),
    ],
)
def test_excess_definition(the_grant, policy, criterion):
    verdict = excess_verdict(the_grant, policy)
    assert (verdict.criterion if verdict else None) == criterion


def test_verdict_names_what_decided():
    verdict = excess_verdict(grant("custom", "ecs:cloudServers:list", "ecs:*:*"), DEFAULT)
    assert "ecs:*:*" in verdict.detail
    denied = excess_verdict(grant("CustomDanger"), LISTS)
    assert "CustomDanger" in denied.detail


@pytest.mark.parametrize(
    ("action", "read_only"),
    [("ecs:*:get*", True), ("ecs:servers:list*", True), ("iam:agencies:checkX", True), ("ecs:*:*", False),
     ("ecs:servers:start*", False), ("*", False), ("iam:agencies:pass", False), ("ecs:servers:ShowX", True)],
)
def test_read_only_actions(action, read_only):
    assert is_read_only_action(action) is read_only
