"""Domain errors. Cloud SDK exceptions are translated into these once, in ``bmsguard.cloud``."""

from __future__ import annotations


class BmsGuardError(Exception):
    """Base of every error bmsguard raises on purpose."""


# ---------------------------------------------------------------- input


class InputError(BmsGuardError):
    """Bad input from a user or the platform: reported with a reason, never retried, no cloud call."""


class MalformedEvent(InputError):
    """The event is one we handle, but it is broken (the message names the field)."""


class IgnoredEvent(BmsGuardError):
    """The event is valid but not ours to handle (the message says why)."""


class PolicyError(InputError):
    """A policy file is invalid. ``field`` is the dotted path of the offending entry."""

    def __init__(self, field: str, problem: str, source: str = ""):
        self.field = field
        self.problem = problem
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}policy field '{field}': {problem}")


class SettingsError(InputError):
    """A required setting is missing or invalid (the message names the setting)."""


# ---------------------------------------------------------------- cloud


class CloudError(BmsGuardError):
    """An error answered by (or on the way to) the cloud."""

    retryable = False
    attempts = 1  # set by the retry policy to the number of attempts made before giving up

    def __init__(self, message: str, *, status: int | None = None, error_code: str = "", request_id: str = ""):
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.request_id = request_id


class TransientCloudError(CloudError):
    """429 (including the SDK's body-less 429), 5xx, APIG.0203, connection errors and timeouts."""

    retryable = True


class ResourceGone(CloudError):
    """The resource does not exist (any more)."""


class AccessDenied(CloudError):
    """401/403: our credentials may not do this."""


class UnsupportedInRegion(CloudError):
    """The metadata-options API is not offered in this region."""


class NotReady(CloudError):
    """The resource is in a state the API refuses (e.g. a server still building). Retryable later."""

    retryable = True


class RequestRejected(CloudError):
    """Any other 4xx: a request the cloud refused; not retried."""


class NotApplied(CloudError):
    """A write returned success but the re-read shows the change did not stick."""


class OutOfTime(BmsGuardError):
    """The function's remaining time is too short to go on; the event is failed so it is retried."""
