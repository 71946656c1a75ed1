"""Function settings: FunctionGraph user data (or environment) plus the function agency's temporary keys.

The user data is validated once per container: the validated result is cached under the exact user data
it came from, so a changed configuration (or another test) never sees a stale one. Credentials are read
on every invocation (FunctionGraph rotates them) and never appear in ``repr``.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bmsguard.errors import SettingsError
from bmsguard.policy import MODES  # BMSGUARD_MODE overrides the policy's mode: the same choices

REGION = "BMSGUARD_REGION"
PROJECT_ID = "BMSGUARD_PROJECT_ID"
DOMAIN_ID = "BMSGUARD_DOMAIN_ID"
TOPIC_URN = "BMSGUARD_TOPIC_URN"
POLICY = "BMSGUARD_POLICY"
MODE = "BMSGUARD_MODE"
OWN_AGENCY = "BMSGUARD_OWN_AGENCY"
ENDPOINT = "BMSGUARD_ENDPOINT"
RUNTIME_PROJECT_ID = "RUNTIME_PROJECT_ID"  # reserved FunctionGraph variable

USER_DATA_KEYS = (REGION, PROJECT_ID, DOMAIN_ID, TOPIC_URN, POLICY, MODE, OWN_AGENCY, ENDPOINT, RUNTIME_PROJECT_ID)
DEFAULT_OWN_AGENCY = "bmsguard_agency"

_REGION_RE = re.compile(r"^[a-z]{2,}(-[a-z0-9]+)+$")
_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_TOPIC_RE = re.compile(r"^urn:smn:(?P<region>[a-z0-9-]+):(?P<project>[A-Za-z0-9]+):(?P<name>[A-Za-z0-9_-]{1,255})$")
_AGENCY_RE = re.compile(r"^[^/\s]{1,64}$")
_ENDPOINT_RE = re.compile(r"^https?://[^\s/]+(/[^\s]*)?$")


@dataclass(frozen=True)
class Credentials:
    """Temporary AK/SK/security token of the function's agency. ``repr`` shows only the AK prefix."""

    access_key: str = field(default="", repr=False)
    secret_key: str = field(default="", repr=False)
    security_token: str = field(default="", repr=False)

    @property
    def present(self) -> bool:
        return bool(self.access_key and self.secret_key)

    def __repr__(self) -> str:
        shown = f"{self.access_key[:4]}..." if self.access_key else ""
        return f"Credentials(access_key={shown!r}, secret_key=<hidden>, security_token=<hidden>)"


@dataclass(frozen=True)
class Settings:
    region: str
    project_id: str
    domain_id: str
    topic_urn: str
    policy_source: str | None = None  # None: the shipped default policy
    mode_override: str = ""  # "" | "enforce" | "report"
    own_agency: str = DEFAULT_OWN_AGENCY
    endpoint: str = ""  # one endpoint for every client (the localcloud server), "" = regional endpoints
    credentials: Credentials = field(default_factory=Credentials)

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, credentials: Credentials | None = None) -> Settings:
        """Settings from a plain mapping (os.environ, the CLI); credentials are passed separately."""
        values = tuple(str(env.get(key, "") or "").strip() for key in USER_DATA_KEYS)
        validated = _validated(values)
        return dataclasses.replace(validated, credentials=credentials or Credentials())

    @classmethod
    def from_context(cls, context) -> Settings:
        """Settings from a FunctionGraph context: user data, project id and the agency's temporary keys."""
        values = tuple(_user_data(context, key) for key in USER_DATA_KEYS[:-1]) + (_runtime_project_id(context),)
        return dataclasses.replace(_validated(values), credentials=credentials_from_context(context))


def credentials_from_context(context) -> Credentials:
    """The function agency's temporary keys; ``getAccessKey`` is deprecated and deliberately not used."""
    return Credentials(
        access_key=_call(context, "getSecurityAccessKey"),
        secret_key=_call(context, "getSecuritySecretKey"),
        security_token=_call(context, "getSecurityToken"),
    )


# One entry per distinct user data: a warm container validates its configuration once.
_VALIDATED: dict[tuple[str, ...], Settings] = {}
_CACHE_LIMIT = 8


def _validated(values: tuple[str, ...]) -> Settings:
    cached = _VALIDATED.get(values)
    if cached is None:
        cached = _parse(dict(zip(USER_DATA_KEYS, values, strict=True)))
        if len(_VALIDATED) >= _CACHE_LIMIT:
            _VALIDATED.clear()
        _VALIDATED[values] = cached
    return cached


def _parse(raw: dict[str, str]) -> Settings:
    region = _required(raw, REGION, _REGION_RE, "a region id such as sa-brazil-1")
    project_id = raw[PROJECT_ID] or raw[RUNTIME_PROJECT_ID]
    if not project_id:
        raise SettingsError(f"{PROJECT_ID} is not set (and neither {RUNTIME_PROJECT_ID} nor the context "
                            "project id is available)")
    _check(PROJECT_ID, project_id, _ID_RE, "a project id (letters, digits, '-' or '_')")
    domain_id = _required(raw, DOMAIN_ID, _ID_RE, "the account (domain) id, needed for IAM")
    topic_urn = _required(raw, TOPIC_URN, _TOPIC_RE, "an SMN topic URN urn:smn:<region>:<project>:<name>")
    mode = raw[MODE].lower()
    if mode and mode not in MODES:
        raise SettingsError(f"{MODE} must be one of {', '.join(MODES)}, not {raw[MODE]!r}")
    own_agency = raw[OWN_AGENCY] or DEFAULT_OWN_AGENCY
    _check(OWN_AGENCY, own_agency, _AGENCY_RE, "an agency name without '/' or spaces")
    if raw[ENDPOINT]:
        _check(ENDPOINT, raw[ENDPOINT], _ENDPOINT_RE, "an http(s) URL such as http://127.0.0.1:8900")
    return Settings(region=region, project_id=project_id, domain_id=domain_id, topic_urn=topic_urn,
                    policy_source=raw[POLICY] or None, mode_override=mode, own_agency=own_agency,
                    endpoint=raw[ENDPOINT].rstrip("/"))


def _required(raw: Mapping[str, str], key: str, pattern: re.Pattern[str], what: str) -> str:
    if not raw[key]:
        raise SettingsError(f"{key} is not set: expected {what}")
    _check(key, raw[key], pattern, what)
    return raw[key]


def _check(key: str, value: str, pattern: re.Pattern[str], what: str) -> None:
    if not pattern.match(value):
        raise SettingsError(f"{key} is invalid: expected {what}, got {value[:80]!r}")


def _user_data(context, key: str) -> str:
    value = _call(context, "getUserData", key)
    return value.strip() if isinstance(value, str) else ""


def _runtime_project_id(context) -> str:
    """The project the function runs in: context ``getProjectID()`` or the reserved RUNTIME_PROJECT_ID."""
    return _call(context, "getProjectID") or os.environ.get(RUNTIME_PROJECT_ID, "").strip()


def _call(context, method: str, *args) -> str:
    getter: Callable[..., object] | None = getattr(context, method, None)
    if getter is None:
        return ""
    value = getter(*args)
    return value if isinstance(value, str) else ""
