"""SDK exception -> domain error, in one place.

| SDK answer                                                   | domain error           |
|--------------------------------------------------------------|------------------------|
| 429 (with a body, or the SDK's body-less 429: code "429")    | TransientCloudError    |
| 5xx, or error code APIG.0203 (gateway backend timeout)       | TransientCloudError    |
| ConnectionException, HostUnreachable, SSL handshake, timeout | TransientCloudError    |
| 404 APIG.0101 on metadata-options                            | UnsupportedInRegion    |
| 404                                                          | ResourceGone           |
| 409 BMS.0103 (server state)                                  | NotReady               |
| 401 / 403                                                    | AccessDenied           |
| any other 4xx                                                | RequestRejected        |

Huawei documents no error code for "metadata options not offered in this region" or "server in the wrong
state"; 404 ``APIG.0101`` (API not found) and 409 ``BMS.0103`` are what localcloud answers, chosen as the
closest documented gateway/BMS codes.

The SDK is imported lazily: ``translate`` is only called once an SDK call has failed, so the SDK is loaded.
"""

from __future__ import annotations

from bmsguard.errors import (
    AccessDenied,
    CloudError,
    NotReady,
    RequestRejected,
    ResourceGone,
    TransientCloudError,
    UnsupportedInRegion,
)

UNSUPPORTED_API = "APIG.0101"
GATEWAY_TIMEOUT = "APIG.0203"
SERVER_STATE = "BMS.0103"
METADATA_OPTIONS_OPERATIONS = frozenset({"ShowMetadataOptions", "UpdateMetadataOptions"})


def translate(exc: BaseException, operation: str = "") -> CloudError:
    """The domain error for an SDK exception raised by ``operation`` (the SDK operation name)."""
    from huaweicloudsdkcore.exceptions import exceptions as sdk

    if isinstance(exc, sdk.ServiceResponseException):
        return _from_response(exc, operation)
    if isinstance(exc, (sdk.ConnectionException, sdk.RequestTimeoutException)):
        return TransientCloudError(f"{operation}: {type(exc).__name__}: {_sdk_message(exc)}",
                                   error_code=type(exc).__name__)
    if isinstance(exc, CloudError):
        return exc
    return RequestRejected(f"{operation}: unexpected {type(exc).__name__}: {exc}", error_code=type(exc).__name__)


def _from_response(exc, operation: str) -> CloudError:
    status = int(exc.status_code or 0)
    code = str(exc.error_code or status)
    cls = classify(status, code, operation)
    message = f"{operation}: HTTP {status} {code}: {_sdk_message(exc)}"
    return cls(message, status=status, error_code=code, request_id=exc.request_id or "")


def classify(status: int, code: str, operation: str = "") -> type[CloudError]:
    """The domain error class for an HTTP status and service error code."""
    if status == 429 or status >= 500 or code == GATEWAY_TIMEOUT:
        return TransientCloudError
    if status == 404 and code == UNSUPPORTED_API and operation in METADATA_OPTIONS_OPERATIONS:
        return UnsupportedInRegion
    if status == 404:
        return ResourceGone
    if status == 409 and code == SERVER_STATE:
        return NotReady
    if status in (401, 403):
        return AccessDenied
    return RequestRejected


def _sdk_message(exc) -> str:
    message = getattr(exc, "error_msg", "") or str(exc)
    return str(message)[:300]
