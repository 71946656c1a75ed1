"""Builders for the pure-core unit tests: postures and grants with readable defaults."""

from __future__ import annotations

from bmsguard.model import AgencyPosture, Grant, GrantScope, MetadataOptions, ServerPosture, Statement

NOW_MS = 1_800_000_000_000  # 2027-01-15


def statement(*actions: str, effect: str = "Allow") -> Statement:
    return Statement(effect=effect, actions=tuple(actions))


def grant(name: str = "custom", *actions: str, scope: str = GrantScope.PROJECT, display: str = "",
          role_id: str = "", deny: tuple[str, ...] = ()) -> Grant:
    statements = [statement(*actions)] if actions else []
    if deny:
        statements.append(statement(*deny, effect="Deny"))
    return Grant(scope=scope, scope_id="" if scope == GrantScope.POLICY else "p-1", role_id=role_id or f"id-{name}",
                 role_name=name, display_name=display, statements=tuple(statements),
                 policy_urn=f"iam::system:policy:{name}" if scope == GrantScope.POLICY else "")


def make_server(*, endpoint: str = "enabled", tokens: str = "optional", tags: dict[str, str] | None = None,
                grants: tuple[Grant, ...] = (), others: tuple[str, ...] = (), agency: str = "bms_agency",
                metadata_state: str = "ok", name: str = "bms-app-01", server_id: str = "srv-1") -> ServerPosture:
    agency_posture = AgencyPosture(name=agency, id=f"id-{agency}", grants=grants,
                                   other_bound_servers=others) if agency else None
    return ServerPosture(
        id=server_id, name=name, status="ACTIVE", vm_state="active",
        tags=tuple(sorted((tags or {}).items())),
        agency_name=agency,
        metadata_state=metadata_state,
        metadata=MetadataOptions(endpoint, tokens) if metadata_state == "ok" else None,
        agency=agency_posture,
    )
