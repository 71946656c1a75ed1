"""BMS state records and their world format (``servers``, ``jobs``, ``metadata_options_regions``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from localcloud.world import Fields

STATUSES = ("ACTIVE", "BUILD", "SHUTOFF", "ERROR", "REBOOT", "HARD_REBOOT", "DELETED")
# vm_state and power_state a status implies (Nova semantics; power 1 RUNNING, 4 SHUTDOWN, 0 NO STATE)
STATUS_STATES = {"ACTIVE": ("active", 1), "BUILD": ("building", 0), "SHUTOFF": ("stopped", 4),
                 "ERROR": ("error", 0), "REBOOT": ("active", 1), "HARD_REBOOT": ("active", 1),
                 "DELETED": ("deleted", 0)}
VM_STATES = ("active", "building", "stopped", "paused", "suspended", "error", "deleted", "rescued", "resized")
JOB_STATUSES = ("INIT", "RUNNING", "SUCCESS", "FAIL")
HTTP_ENDPOINT = ("enabled", "disabled")
HTTP_TOKENS = ("optional", "required")
DEFAULT_FLAVOR = "physical.s4.3xlarge"
DEFAULT_IMAGE = "1ed11c2d-3f0a-4a8e-9b9c-52d8d2f6c0aa"
DEFAULT_CREATED = "2024-06-10T08:13:20Z"
UUID = r"[0-9a-fA-F-]{8,64}"
JOB_ID = r"[0-9a-zA-Z-]{8,64}"
SERVER_KEYS = ("id", "name", "status", "vm_state", "task_state", "active_after_reads", "tags", "agency",
               "metadata", "metadata_options", "enterprise_project_id", "flavor", "image",
               "availability_zone", "created", "description")


@dataclass
class Server:
    id: str
    name: str
    status: str
    vm_state: str
    task_state: str | None
    active_after_reads: int | None  # BUILD servers turn ACTIVE after this many details reads
    tags: dict[str, str]
    agency: str | None
    metadata: dict[str, str]  # every other metadata key (agency_name is kept in ``agency``)
    http_endpoint: str
    http_tokens: str
    enterprise_project_id: str
    flavor: str
    image: str
    availability_zone: str
    created: str
    updated: str
    description: str = ""
    reads: int = 0

    @property
    def power_state(self) -> int:
        return STATUS_STATES[self.status][1]

    def set_status(self, status: str) -> None:
        self.status = status
        self.vm_state = STATUS_STATES[status][0]
        self.task_state = None

    def to_world(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"id": self.id, "name": self.name, "status": self.status}
        if self.vm_state != STATUS_STATES[self.status][0]:
            entry["vm_state"] = self.vm_state
        if self.task_state:
            entry["task_state"] = self.task_state
        if self.active_after_reads is not None and self.status == "BUILD":
            entry["active_after_reads"] = max(0, self.active_after_reads - self.reads)
        entry["tags"] = dict(self.tags)
        if self.agency:
            entry["agency"] = self.agency
        if self.metadata:
            entry["metadata"] = dict(self.metadata)
        entry["metadata_options"] = {"http_endpoint": self.http_endpoint, "http_tokens": self.http_tokens}
        entry.update({"enterprise_project_id": self.enterprise_project_id, "flavor": self.flavor,
                      "image": self.image, "availability_zone": self.availability_zone,
                      "created": self.created})
        if self.description:
            entry["description"] = self.description
        return entry


@dataclass
class Job:
    id: str
    status: str
    success_after_reads: int | None
    servers: list[str]
    failed_servers: list[str]
    job_type: str = "baremetalBatchCreate"
    begin_time: str = DEFAULT_CREATED
    reads: int = 0
    fail_reason: str = "Insufficient resources for the flavor in the availability zone"
    extra: dict[str, Any] = field(default_factory=dict)

    def to_world(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"id": self.id, "status": self.status}
        if self.success_after_reads is not None and self.status in ("INIT", "RUNNING"):
            entry["success_after_reads"] = max(0, self.success_after_reads - self.reads)
        entry["servers"] = list(self.servers)
        if self.failed_servers:
            entry["failed_servers"] = list(self.failed_servers)
        entry["job_type"] = self.job_type
        return entry


def parse_server(entry: Fields, region: str) -> Server:
    entry.only(SERVER_KEYS)
    server_id = entry.str("id", pattern=UUID)
    status = entry.str("status", "ACTIVE", choices=STATUSES)
    options = Fields(entry.mapping.get("metadata_options") or {}, entry.where("metadata_options"), entry.source)
    options.only(("http_endpoint", "http_tokens"))
    metadata = entry.str_map("metadata")
    agency = entry.optional_str("agency") or metadata.pop("agency_name", None) or None
    created = entry.str("created", DEFAULT_CREATED)
    return Server(
        id=server_id, name=entry.str("name", f"bms-{server_id[:8]}"), status=status,
        vm_state=entry.str("vm_state", STATUS_STATES[status][0], choices=VM_STATES),
        task_state=entry.optional_str("task_state"),
        active_after_reads=entry.int("active_after_reads", minimum=0),
        tags=entry.str_map("tags"), agency=agency, metadata=metadata,
        http_endpoint=options.str("http_endpoint", "enabled", choices=HTTP_ENDPOINT),
        http_tokens=options.str("http_tokens", "optional", choices=HTTP_TOKENS),
        enterprise_project_id=entry.str("enterprise_project_id", "0"),
        flavor=entry.str("flavor", DEFAULT_FLAVOR), image=entry.str("image", DEFAULT_IMAGE),
        availability_zone=entry.str("availability_zone", f"{region}a"),
        created=created, updated=created, description=entry.str("description", ""),
    )


def parse_job(entry: Fields, known_servers: dict[str, Server]) -> Job:
    entry.only(("id", "status", "success_after_reads", "servers", "failed_servers", "job_type", "begin_time"))
    servers = entry.str_list("servers")
    failed = entry.str_list("failed_servers")
    for index, server_id in enumerate(servers):
        if server_id not in known_servers and server_id not in failed:
            raise entry.error(f"servers[{index}]", f"server {server_id} is not in the world's servers")
    return Job(id=entry.str("id", pattern=JOB_ID),
               status=entry.str("status", "RUNNING", choices=JOB_STATUSES),
               success_after_reads=entry.int("success_after_reads", minimum=0),
               servers=servers, failed_servers=failed,
               job_type=entry.str("job_type", "baremetalBatchCreate"),
               begin_time=entry.str("begin_time", DEFAULT_CREATED))
