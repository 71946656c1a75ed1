"""BMS error answers. Codes marked "emulator choice" are not documented by Huawei (see docs/localcloud.md)."""

from __future__ import annotations

from localcloud.wire import ApiError

SERVER_NOT_FOUND = "BMS.0005"
JOB_NOT_FOUND = "BMS.0200"  # emulator choice
BAD_REQUEST = "BMS.0001"  # emulator choice
STATE_CONFLICT = "BMS.0103"  # emulator choice
API_NOT_PUBLISHED = "APIG.0101"


def server_not_found(server_id: str) -> ApiError:
    return ApiError(404, SERVER_NOT_FOUND, f"The server {server_id} does not exist")


def job_not_found(job_id: str) -> ApiError:
    return ApiError(404, JOB_NOT_FOUND, f"The job {job_id} does not exist")


def bad_request(problem: str) -> ApiError:
    return ApiError(400, BAD_REQUEST, f"Invalid request: {problem}")


def state_conflict(vm_state: str) -> ApiError:
    return ApiError(409, STATE_CONFLICT, f"The server state does not allow this operation (vm_state {vm_state})")


def api_not_published() -> ApiError:
    return ApiError(404, API_NOT_PUBLISHED, "The API does not exist or has not been published in the environment")
