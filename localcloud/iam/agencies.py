"""v3 agency routes: list by name, show, create, update, delete (``/v3.0/OS-AGENCY/agencies``)."""

from __future__ import annotations

from typing import Any

from localcloud.iam import render
from localcloud.iam.protocol import body_value, int_arg, keystone_errors, require_arg, text_field
from localcloud.iam.state import FOREVER, IamError
from localcloud.wire import Reply, Request, Route
from localcloud.world import stable_id

AGENCIES = "/v3.0/OS-AGENCY/agencies"
AGENCY = "/v3.0/OS-AGENCY/agencies/{agency_id}"


def check_domain(cloud: Any, domain_id: str) -> None:
    if domain_id != cloud.iam.domain_id:
        raise IamError(403, f"You are not authorized to perform the requested action on domain {domain_id}.")


@keystone_errors
def list_agencies(cloud: Any, request: Request) -> Reply:
    check_domain(cloud, require_arg(request, "domain_id"))
    per_page = int_arg(request, "per_page", None, 1, 500)
    page = int_arg(request, "page", 1, 1, 1_000_000)
    found = cloud.iam.find_agencies(name=request.arg("name"), trust_domain_id=request.arg("trust_domain_id"))
    if per_page is not None:
        found = found[(page - 1) * per_page:page * per_page]
    return Reply(200, {"agencies": [render.agency(a) for a in found]})


@keystone_errors
def show_agency(cloud: Any, request: Request, agency_id: str) -> Reply:
    return Reply(200, {"agency": render.agency(cloud.iam.agency(agency_id))})


@keystone_errors
def create_agency(cloud: Any, request: Request) -> Reply:
    fields = body_value(request, "agency")
    name = text_field(fields, "name", "agency", required=True, max_len=64)
    check_domain(cloud, text_field(fields, "domain_id", "agency", required=True))
    trust_id, trust_name = _trust_domain(fields)
    agency = cloud.iam.create_agency(name, trust_id, trust_name,
                                     text_field(fields, "description", "agency") or "", _duration(fields))
    return Reply(201, {"agency": render.agency(agency)}, resource=(agency.id, agency.name))


@keystone_errors
def update_agency(cloud: Any, request: Request, agency_id: str) -> Reply:
    fields = body_value(request, "agency")
    changes: dict[str, str] = {}
    if "trust_domain_id" in fields or "trust_domain_name" in fields:
        changes["trust_domain_id"], changes["trust_domain_name"] = _trust_domain(fields)
    if "description" in fields:
        changes["description"] = text_field(fields, "description", "agency") or ""
    if "duration" in fields:
        changes["duration"] = _duration(fields)
    agency = cloud.iam.update_agency(agency_id, **changes)
    return Reply(200, {"agency": render.agency(agency)}, resource=(agency.id, agency.name))


@keystone_errors
def delete_agency(cloud: Any, request: Request, agency_id: str) -> Reply:
    agency = cloud.iam.delete_agency(agency_id)
    return Reply(204, resource=(agency.id, agency.name), trace_request={"agency_id": agency.id})


def _trust_domain(fields: dict[str, Any]) -> tuple[str, str]:
    trust_id = text_field(fields, "trust_domain_id", "agency")
    trust_name = text_field(fields, "trust_domain_name", "agency")
    if not trust_id and not trust_name:
        raise IamError(400, "Invalid input: 'agency.trust_domain_id' or 'agency.trust_domain_name' is required.")
    return trust_id or stable_id("domain", trust_name or ""), trust_name or ""


def _duration(fields: dict[str, Any]) -> str:
    value = fields.get("duration", FOREVER)
    if value in (FOREVER, "ONEDAY") or (isinstance(value, int) and not isinstance(value, bool) and value > 0):
        return str(value)
    if isinstance(value, str) and value.isdigit() and int(value) > 0:
        return value
    raise IamError(400, f"Invalid input: 'agency.duration' must be FOREVER, ONEDAY or a number of days, "
                        f"got {value!r}.")


ROUTES = [
    Route("GET", AGENCIES, "iam", "ListAgencies", list_agencies),
    Route("GET", AGENCY, "iam", "ShowAgency", show_agency),
    Route("POST", AGENCIES, "iam", "CreateAgency", create_agency, writes=True, trace_name="createAgency",
          resource_type="agency"),
    Route("PUT", AGENCY, "iam", "UpdateAgency", update_agency, writes=True, trace_name="updateAgency",
          resource_type="agency"),
    Route("DELETE", AGENCY, "iam", "DeleteAgency", delete_agency, writes=True, trace_name="deleteAgency",
          resource_type="agency"),
]
