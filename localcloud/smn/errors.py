"""SMN error answers (flat ``error_code``/``error_msg``). The codes are emulator choices (docs/localcloud.md)."""

from __future__ import annotations

from localcloud.wire import ApiError

BAD_REQUEST = "SMN.00010001"
TOPIC_NOT_FOUND = "SMN.00010008"
SUBSCRIPTION_NOT_FOUND = "SMN.00010009"


def bad_request(problem: str) -> ApiError:
    return ApiError(400, BAD_REQUEST, f"Invalid request: {problem}")


def topic_not_found(urn: str) -> ApiError:
    return ApiError(404, TOPIC_NOT_FOUND, f"The topic {urn} does not exist")


def subscription_not_found(urn: str) -> ApiError:
    return ApiError(404, SUBSCRIPTION_NOT_FOUND, f"The subscription {urn} does not exist")
