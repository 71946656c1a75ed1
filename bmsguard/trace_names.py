"""The CTS trace names bmsguard handles, per trigger kind, and the CTS trigger ``operations`` that subscribe
to them (template.yaml's CTS triggers must list exactly ``cts_operations()``). Pure data, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bmsguard.model import TriggerKind

CREATE_TRACE_NAMES = ("createBareMetalServers",)
SERVER_CHANGED_TRACE_NAMES = (
    "updateMetadata",
    "updateMetadataAndServerAgency",
    "updateServerAgency",
    "updateMetadataOptions",
)
AGENCY_CHANGED_TRACE_NAMES = (
    "grantRoleToAgencyOnProject",
    "grantRoleToAgencyOnDomain",
    "grantRoleToAgencyOnAllProjects",
    "grantRoleToAgencyOnEnterpriseProject",
    "attachAgencyPolicyV5",
    "updateAgency",
    "updateAgencyV5",
    "updateTrustPolicyV5",
)
# kind -> trace names the parser handles (job completion is the SystemAction trace of a creation).
HANDLED_TRACE_NAMES: dict[str, tuple[str, ...]] = {
    TriggerKind.SERVER_CREATED: CREATE_TRACE_NAMES,
    TriggerKind.JOB_COMPLETED: CREATE_TRACE_NAMES,
    TriggerKind.SERVER_CHANGED: SERVER_CHANGED_TRACE_NAMES,
    TriggerKind.AGENCY_CHANGED: AGENCY_CHANGED_TRACE_NAMES,
}
# kind -> (CTS service_type, resource_type) its traces are recorded under.
TRACE_SOURCES: dict[str, tuple[str, str]] = {
    TriggerKind.SERVER_CREATED: ("BMS", "bms"),
    TriggerKind.JOB_COMPLETED: ("BMS", "bms"),
    TriggerKind.SERVER_CHANGED: ("BMS", "bms"),
    TriggerKind.AGENCY_CHANGED: ("IAM", "agency"),
}
CTS_NAMES_PER_OPERATION = 10  # a CTS trigger operation entry lists at most 10 trace names
EXTENDABLE_KINDS = (TriggerKind.SERVER_CREATED, TriggerKind.SERVER_CHANGED, TriggerKind.AGENCY_CHANGED)


def cts_operations(extra_trace_names: Mapping[str, Iterable[str]] | None = None) -> tuple[str, ...]:
    """CTS trigger ``operations`` entries (``SERVICE:resource_type:name1;name2``) for every handled name.

    A service with more than 10 names gets several entries of at most 10 names each.
    """
    names: dict[tuple[str, str], list[str]] = {}
    for kind, (service, resource_type) in TRACE_SOURCES.items():
        bucket = names.setdefault((service, resource_type), [])
        for name in (*HANDLED_TRACE_NAMES[kind], *extra_names(extra_trace_names, kind)):
            if name not in bucket:
                bucket.append(name)
    return tuple(f"{service}:{rtype}:{';'.join(found[i:i + CTS_NAMES_PER_OPERATION])}"
                 for (service, rtype), found in names.items()
                 for i in range(0, len(found), CTS_NAMES_PER_OPERATION))


def extra_names(extra: Mapping[str, Iterable[str]] | None, kind: str) -> tuple[str, ...]:
    """The policy's extra trace names for ``kind`` (``triggers:``), strings only."""
    if not extra:
        return ()
    names = extra.get(kind) or ()
    return tuple(n for n in names if isinstance(n, str))
