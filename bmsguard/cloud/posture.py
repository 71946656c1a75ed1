"""A server's posture, read through the gateway: details, metadata options, the bound agency's grants.

No SDK here: these compose gateway verbs (and wait, bounded, while a server is still building).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from bmsguard.cloud.retry import Deadline, poll_until
from bmsguard.errors import NotReady, ResourceGone, UnsupportedInRegion
from bmsguard.model import AgencyPosture, MetadataState, ServerPosture

BUILDING = frozenset({"BUILD", "building"})


def read_when_ready(gateway, server_id: str, *, listed: ServerPosture | None, wait_s: float,
                    deadline: Deadline, sleep: Callable[[float], None]) -> ServerPosture | None:
    """The server with its metadata options once it is past BUILD and the metadata API accepts its state
    (waiting up to ``wait_s`` inside the deadline); None if it never was. ``listed``: a posture already read."""
    pending = [listed] if listed is not None else []

    def read() -> ServerPosture | None:
        server = pending.pop() if pending else gateway.get_server(server_id)
        return None if server.status in BUILDING else with_metadata(gateway, server)

    return poll_until(read, budget_s=wait_s, deadline=deadline, sleep=sleep)


def with_metadata(gateway, server: ServerPosture) -> ServerPosture | None:
    """None while the API refuses the server's state (not ready yet)."""
    try:
        options = gateway.get_metadata_options(server.id)
    except UnsupportedInRegion:
        return dataclasses.replace(server, metadata_state=MetadataState.UNSUPPORTED_REGION)
    except NotReady:
        return None
    return dataclasses.replace(server, metadata_state=MetadataState.OK, metadata=options)


def with_agency(gateway, server: ServerPosture, *, project_id: str, domain_id: str) -> ServerPosture:
    """The bound agency and its grants; unchanged when no agency is bound or the bound one does not exist."""
    if not server.agency_name:
        return server
    found = gateway.find_agency(server.agency_name)
    if found is None:
        return server
    try:
        grants = gateway.list_agency_grants(found[0], project_id=project_id, domain_id=domain_id)
    except ResourceGone:  # deleted between the look-up and the listing: the server is not gone
        return server
    return dataclasses.replace(server, agency=AgencyPosture(name=found[1], id=found[0], grants=grants))


def with_other_servers(gateway, server: ServerPosture, bound: tuple[str, ...] | None) -> ServerPosture:
    """Record the other servers bound to the same agency: ``bound`` when known (agency events, sweeps),
    otherwise the first one found by scanning the project."""
    if server.agency is None:
        return server
    if bound is not None:
        others = tuple(s for s in bound if s != server.id)
    else:
        others = gateway.servers_bound_to(server.agency_name, exclude=(server.id,), stop_after=1)
    return dataclasses.replace(server, agency=dataclasses.replace(server.agency, other_bound_servers=others))
