"""JSON of BMS objects, keyed exactly like the SDK models' ``attribute_map``."""

from __future__ import annotations

import hashlib
from typing import Any

from localcloud.bms.backend import job_failed_entirely
from localcloud.bms.state import Job, Server

JOB_TIME_FORMAT_END = "2024-06-10T08:19:42.516Z"


def server_details(server: Server, cloud: Any) -> dict[str, Any]:
    metadata = {"chargingMode": "0", "metering.image_id": server.image, "metering.imagetype": "gold",
                "metering.resourcespeccode": server.flavor, "metering.resourcetype": "__type_baremetal",
                "image_name": "CentOS 7.9 64bit", "os_type": "Linux", "os_bit": "64",
                "vpc_id": _fake_uuid("vpc", server.id), **server.metadata}
    if server.agency:
        metadata["agency_name"] = server.agency
    mac_seed = hashlib.md5(server.id.encode(), usedforsecurity=False).hexdigest()
    return {
        "id": server.id, "name": server.name, "status": server.status, "description": server.description,
        "user_id": _fake_hex("user", server.id), "tenant_id": cloud.project_id,
        "hostId": _fake_hex("host", server.id), "created": server.created, "updated": server.updated,
        "addresses": {metadata["vpc_id"]: [{
            "version": "4", "addr": f"192.168.{int(mac_seed[0:2], 16)}.{int(mac_seed[2:4], 16) % 254 + 1}",
            "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS:port_id": _fake_uuid("port", server.id),
            "OS-EXT-IPS-MAC:mac_addr": ":".join(["fa", "16", "3e", mac_seed[4:6], mac_seed[6:8], mac_seed[8:10]])}]},
        "key_name": "", "image": {"id": server.image},
        "flavor": {"id": server.flavor, "name": server.flavor, "disk": "1675", "vcpus": "48", "ram": "196608"},
        "security_groups": [{"name": "default", "id": _fake_uuid("sg", cloud.project_id)}],
        "accessIPv4": "", "accessIPv6": "", "progress": 100 if server.status != "BUILD" else 0,
        "config_drive": "", "metadata": metadata,
        "OS-EXT-STS:task_state": server.task_state, "OS-EXT-STS:vm_state": server.vm_state,
        "OS-EXT-STS:power_state": server.power_state,
        "OS-EXT-SRV-ATTR:host": _fake_hex("host", server.id)[:16],
        "OS-EXT-SRV-ATTR:instance_name": f"instance-{server.id[:8]}",
        "OS-EXT-SRV-ATTR:hypervisor_hostname": _fake_hex("hv", server.id)[:16],
        "OS-EXT-SRV-ATTR:hostname": server.name, "OS-EXT-AZ:availability_zone": server.availability_zone,
        "OS-DCF:diskConfig": "MANUAL", "OS-SRV-USG:launched_at": server.created, "OS-SRV-USG:terminated_at": "",
        "os-extended-volumes:volumes_attached": [], "locked": False, "host_status": "UP",
        "tags": [f"{k}={v}" for k, v in server.tags.items()],
        "enterprise_project_id": server.enterprise_project_id,
        "sys_tags": [{"key": "_sys_enterprise_project_id", "value": server.enterprise_project_id}],
    }


def metadata_options(server: Server) -> dict[str, str]:
    return {"http_endpoint": server.http_endpoint, "http_tokens": server.http_tokens}


def tags(server: Server) -> dict[str, Any]:
    return {"tags": [{"key": k, "value": v} for k, v in server.tags.items()]}


def job(job: Job) -> dict[str, Any]:
    finished = job.status in ("SUCCESS", "FAIL")
    sub_ids = job.servers + [s for s in job.failed_servers if s not in job.servers]
    sub_jobs = [_sub_job(job, server_id, index, finished) for index, server_id in enumerate(sub_ids)]
    failed = job.status == "FAIL" or (finished and job_failed_entirely(job))
    return {
        "status": job.status, "job_id": job.id, "job_type": job.job_type, "begin_time": job.begin_time,
        "end_time": JOB_TIME_FORMAT_END if finished else "",
        "error_code": "BMS.0216" if failed else None, "fail_reason": job.fail_reason if failed else None,
        "entities": {"sub_jobs_total": len(sub_jobs), "sub_jobs": sub_jobs,
                     **({"server_id": sub_ids[0]} if len(sub_ids) == 1 else {})},
    }


def _sub_job(job: Job, server_id: str, index: int, finished: bool) -> dict[str, Any]:
    failed = finished and server_id in job.failed_servers
    status = ("FAIL" if failed else "SUCCESS") if finished else "RUNNING"
    return {"status": status, "job_id": _fake_hex(job.id, str(index)), "job_type": "baremetalSingleCreate",
            "begin_time": job.begin_time, "end_time": JOB_TIME_FORMAT_END if finished else "",
            "error_code": "BMS.0216" if failed else None, "fail_reason": job.fail_reason if failed else None,
            "entities": {"server_id": server_id,
                         **({"errorcode_message": job.fail_reason} if failed else {})}}


def _fake_hex(*parts: str) -> str:
    return hashlib.md5("/".join(parts).encode(), usedforsecurity=False).hexdigest()


def _fake_uuid(*parts: str) -> str:
    h = _fake_hex(*parts)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
