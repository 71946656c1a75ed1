"""BMS state and behaviour (no HTTP): servers indexed by id with a stable sorted id list, jobs, and the
region list where the metadata-options API is published."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from localcloud.bms import errors
from localcloud.bms.state import HTTP_ENDPOINT, HTTP_TOKENS, Job, Server, parse_job, parse_server
from localcloud.world import Fields

METADATA_OPTIONS_STATES = ("active", "stopped", "paused", "suspended")
METADATA_UPDATE_STATES = ("active", "stopped", "paused")
METADATA_KEY = re.compile(r"[A-Za-z0-9\-_:.]{1,255}")


class Backend:
    def __init__(self, cloud: Any, metadata_options_regions: list[str]):
        self.cloud = cloud
        self.metadata_options_regions = metadata_options_regions
        self.servers: dict[str, Server] = {}
        self.sorted_ids: list[str] = []
        self.jobs: dict[str, Job] = {}
        self.scans = 0  # how many requests had to walk every server (only filtered lists should)

    @classmethod
    def from_world(cls, world: Mapping[str, Any], cloud: Any) -> Backend:
        top = Fields(world, "", getattr(cloud, "source", ""))
        backend = cls(cloud, top.str_list("metadata_options_regions", ["sa-brazil-1"]))
        servers = [parse_server(entry, cloud.region) for entry in top.items("servers")]
        seen: set[str] = set()
        for index, server in enumerate(servers):
            if server.id in seen:
                raise top.error(f"servers[{index}].id", f"duplicate server id {server.id}")
            seen.add(server.id)
            backend.servers[server.id] = server
        backend.sorted_ids = sorted(backend.servers)
        for entry in top.items("jobs"):
            job = parse_job(entry, backend.servers)
            backend.jobs[job.id] = job
        return backend

    def dump(self) -> dict[str, Any]:
        return {"metadata_options_regions": list(self.metadata_options_regions),
                "servers": [self.servers[i].to_world() for i in self.sorted_ids],
                "jobs": [job.to_world() for job in self.jobs.values()]}

    # ------------------------------------------------------------ servers

    def server(self, server_id: str) -> Server:
        server = self.servers.get(server_id)
        if server is None:
            raise errors.server_not_found(server_id)
        return server

    def read_server(self, server_id: str) -> Server:
        """A details read: counts towards a building server becoming ACTIVE."""
        server = self.server(server_id)
        server.reads += 1
        if server.status == "BUILD" and server.active_after_reads is not None \
                and server.reads > server.active_after_reads:
            server.set_status("ACTIVE")
        return server

    def list_page(self, page: int, limit: int, filters: Mapping[str, str]) -> tuple[list[Server], int]:
        """One page (``page`` from 1) and the total count; only a filtered list walks every server."""
        start = (page - 1) * limit
        if not filters:
            ids = self.sorted_ids[start:start + limit]
            return [self.servers[i] for i in ids], len(self.sorted_ids)
        self.scans += 1
        matching = [s for s in self._iter_sorted() if _matches(s, filters)]
        return matching[start:start + limit], len(matching)

    def _iter_sorted(self) -> Iterator[Server]:
        return (self.servers[i] for i in self.sorted_ids)

    # ------------------------------------------------------------ metadata options and metadata

    def require_metadata_options_api(self) -> None:
        if self.cloud.region not in self.metadata_options_regions:
            raise errors.api_not_published()

    def metadata_options(self, server_id: str) -> Server:
        self.require_metadata_options_api()
        server = self.server(server_id)
        _require_state(server, METADATA_OPTIONS_STATES)
        return server

    def set_metadata_options(self, server_id: str, http_endpoint: str | None, http_tokens: str | None) -> Server:
        server = self.metadata_options(server_id)
        for name, value, allowed in (("http_endpoint", http_endpoint, HTTP_ENDPOINT),
                                     ("http_tokens", http_tokens, HTTP_TOKENS)):
            if value is not None and value not in allowed:
                raise errors.bad_request(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
        server.http_endpoint = http_endpoint or server.http_endpoint
        server.http_tokens = http_tokens or server.http_tokens
        self._touch(server)
        return server

    def update_metadata(self, server_id: str, metadata: Any) -> tuple[Server, dict[str, str]]:
        server = self.server(server_id)
        changes = _valid_metadata(metadata)
        _require_state(server, METADATA_UPDATE_STATES)
        for key, value in changes.items():
            if key == "agency_name":
                server.agency = value or None  # emulator choice: "" unbinds the agency
            else:
                server.metadata[key] = value
        self._touch(server)
        return server, changes

    # ------------------------------------------------------------ tags

    def change_tags(self, server_id: str, action: str, tags: Any) -> Server:
        server = self.server(server_id)
        pairs = _valid_tags(tags)
        for key, value in pairs:
            if action == "create":
                server.tags[key] = value
            elif key in server.tags and (not value or server.tags[key] == value):
                del server.tags[key]
        self._touch(server)
        return server

    # ------------------------------------------------------------ jobs

    def read_job(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise errors.job_not_found(job_id)
        job.reads += 1
        if job.status in ("INIT", "RUNNING") and job.success_after_reads is not None \
                and job.reads > job.success_after_reads:
            job.status = "FAIL" if job_failed_entirely(job) else "SUCCESS"
        return job

    def _touch(self, server: Server) -> None:
        server.updated = _iso(self.cloud.now_ms())


def job_failed_entirely(job: Job) -> bool:
    sub_jobs = set(job.servers) | set(job.failed_servers)
    return bool(sub_jobs) and sub_jobs <= set(job.failed_servers)


def _require_state(server: Server, allowed: tuple[str, ...]) -> None:
    if server.vm_state not in allowed:
        raise errors.state_conflict(server.vm_state)


def _valid_metadata(metadata: Any) -> dict[str, str]:
    if not isinstance(metadata, dict) or not metadata:
        raise errors.bad_request("metadata must be a non-empty object of string keys and values")
    for key, value in metadata.items():
        if not METADATA_KEY.fullmatch(str(key)):
            raise errors.bad_request(f"metadata key {key!r} must be 1-255 characters of A-Z a-z 0-9 - _ : .")
        if not isinstance(value, str) or len(value) > 255:
            raise errors.bad_request(f"metadata value of {key!r} must be a string of at most 255 characters")
    return dict(metadata)


def _valid_tags(tags: Any) -> list[tuple[str, str]]:
    if not isinstance(tags, list) or not tags:
        raise errors.bad_request("tags must be a non-empty list of {key, value}")
    pairs = []
    for tag in tags:
        if not isinstance(tag, dict) or not isinstance(tag.get("key"), str) or not tag["key"]:
            raise errors.bad_request("every tag needs a non-empty string key")
        value = tag.get("value", "")
        if not isinstance(value, str):
            raise errors.bad_request(f"the value of tag {tag['key']!r} must be a string")
        pairs.append((tag["key"], value))
    return pairs


def _matches(server: Server, filters: Mapping[str, str]) -> bool:
    checks = {
        "name": lambda v: v in server.name,
        "status": lambda v: server.status == v.upper(),
        "flavor": lambda v: server.flavor == v,
        "enterprise_project_id": lambda v: v == "all_granted_eps" or server.enterprise_project_id == v,
        "tags": lambda v: _has_tag(server, v),
    }
    return all(checks[name](value) for name, value in filters.items() if name in checks)


def _has_tag(server: Server, wanted: str) -> bool:
    key, _, value = wanted.partition("=")
    return key in server.tags and (not value or server.tags[key] == value)


def _iso(ms: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
