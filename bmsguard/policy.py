"""The remediation policy: frozen data, loaded from YAML/JSON and validated field by field.

``load_policy(None)`` gives the shipped ``default_policy.yaml``. Every problem raises
``PolicyError(field, problem, source)`` with the dotted field (``exemptions[2].expires``).
The schema is documented in docs/policy.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fnmatch
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bmsguard.errors import PolicyError
from bmsguard.model import Exemption, ServerPosture
from bmsguard.policy_reader import FieldReader, yaml_problem
from bmsguard.times import parse_time_ms

DEFAULT_POLICY_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "default_policy.yaml")

MODES = ("enforce", "report")
METADATA_ACTIONS = ("disable", "require_v2", "leave")
AGENCY_TREATMENTS = ("strip_excess", "unbind", "report")
COVERABLE = ("metadata", "agency")
_DAY_MS = 86_400_000
_MAX_BUILD_WAIT_SECONDS = 840  # FunctionGraph answers synchronous calls within 900 s


@dataclass(frozen=True)
class TagOverride:
    tag: str
    action: str
    value: str | None = None  # None: any value of the tag

    def matches(self, tags: Mapping[str, str]) -> bool:
        return self.tag in tags and (self.value is None or tags[self.tag] == self.value)


@dataclass(frozen=True)
class MetadataPolicy:
    default: str = "require_v2"
    tag_overrides: tuple[TagOverride, ...] = ()

    def decision_for(self, server: ServerPosture) -> tuple[str, str]:
        """(action, the policy clause that chose it) for one server."""
        tags = server.tag_map
        for index, override in enumerate(self.tag_overrides):
            if override.matches(tags):
                shown = override.tag if override.value is None else f"{override.tag}={override.value}"
                return override.action, f"metadata.tag_overrides[{index}] (tag {shown})"
        return self.default, f"metadata.default={self.default}"


@dataclass(frozen=True)
class AgencyPolicy:
    treatment: str = "strip_excess"
    strict: bool = False
    allow: tuple[str, ...] = ()  # glob patterns over role/policy name, display name, id or URN
    deny: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExemptionRule:
    """One ``exemptions[]`` entry: exactly one of server_id / name (glob) / tag_key matches servers."""

    owner: str
    reason: str
    expires: str  # as written (ISO date or date-time)
    expires_ms: int  # first instant at which it no longer applies
    covers: tuple[str, ...] = COVERABLE
    server_id: str = ""
    name: str = ""
    tag_key: str = ""
    tag_value: str | None = None

    @property
    def match(self) -> str:
        if self.server_id:
            return f"server_id:{self.server_id}"
        if self.name:
            return f"name:{self.name}"
        return f"tag:{self.tag_key}" + ("" if self.tag_value is None else f"={self.tag_value}")

    def matches(self, server: ServerPosture) -> bool:
        if self.server_id:
            return server.id == self.server_id
        if self.name:
            return fnmatch.fnmatchcase(server.name, self.name)
        tags = server.tag_map
        return self.tag_key in tags and (self.tag_value is None or tags[self.tag_key] == self.tag_value)

    def valid_at(self, now_ms: int) -> bool:
        return now_ms < self.expires_ms

    def to_exemption(self) -> Exemption:
        return Exemption(match=self.match, owner=self.owner, reason=self.reason, expires=self.expires,
                         covers=self.covers)


@dataclass(frozen=True)
class TriggerNames:
    server_created: tuple[str, ...] = ()
    server_changed: tuple[str, ...] = ()
    agency_changed: tuple[str, ...] = ()

    def as_mapping(self) -> dict[str, tuple[str, ...]]:
        """kind -> extra trace names, the form ``events.parse_event(extra_trace_names=...)`` takes."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Limits:
    max_remediations_per_server_per_hour: int = 3
    build_wait_seconds: int = 120


@dataclass(frozen=True)
class Policy:
    version: int = 1
    mode: str = "enforce"
    metadata: MetadataPolicy = MetadataPolicy()
    agency: AgencyPolicy = AgencyPolicy()
    exemptions: tuple[ExemptionRule, ...] = ()
    triggers: TriggerNames = TriggerNames()
    limits: Limits = Limits()
    source: str = ""

    @property
    def extra_trace_names(self) -> dict[str, tuple[str, ...]]:
        return self.triggers.as_mapping()

    def to_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(dataclasses.asdict(self)))


# ---------------------------------------------------------------- loading


def load_policy(source: str | os.PathLike[str] | None = None) -> Policy:
    """The policy in a file (path), in inline YAML/JSON text, or the shipped default (None)."""
    if source is None:
        return _load_file(DEFAULT_POLICY_PATH)
    if isinstance(source, os.PathLike):
        return _load_file(os.fspath(source))
    if not isinstance(source, str):
        raise PolicyError("<document>", f"expected a path or YAML/JSON text, got {type(source).__name__}")
    if _looks_inline(source):
        return parse_policy(_decode(source, "<inline>"), source="<inline>")
    return _load_file(source)


def _looks_inline(text: str) -> bool:
    stripped = text.strip()
    return "\n" in stripped or stripped.startswith(("{", "---")) or (
        ":" in stripped and not os.path.exists(stripped) and not stripped.endswith((".yaml", ".yml", ".json"))
    )


def _load_file(path: str) -> Policy:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise PolicyError("<document>", "file not found", path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError("<document>", f"cannot read the file: {exc}", path) from None
    return parse_policy(_decode(text, path), source=path)


def _decode(text: str, source: str) -> Any:
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except ValueError:
            pass  # YAML flow style is a superset; let the YAML parser report the position
    import yaml  # imported here: only policy loading pays for it

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError("<document>", f"not valid YAML/JSON{yaml_problem(exc)}", source) from None


# ---------------------------------------------------------------- validation


def parse_policy(mapping: Any, source: str = "") -> Policy:
    """Validate a decoded policy document; unknown keys and wrong types are errors."""
    reader = FieldReader(source)
    doc = reader.section(mapping, "", Policy)
    version = reader.integer(doc.get("version", 1), "version", minimum=1)
    if version != 1:
        raise PolicyError("version", f"unsupported policy version {version} (this bmsguard reads version 1)", source)
    return Policy(
        version=version,
        mode=reader.choice(doc.get("mode", "enforce"), "mode", MODES),
        metadata=_metadata(reader, doc.get("metadata", {})),
        agency=_agency(reader, doc.get("agency", {})),
        exemptions=tuple(_exemption(reader, e, f"exemptions[{i}]")
                         for i, e in enumerate(reader.items(doc.get("exemptions", []), "exemptions"))),
        triggers=_triggers(reader, doc.get("triggers", {})),
        limits=_limits(reader, doc.get("limits", {})),
        source=source,
    )


def _metadata(reader: FieldReader, value: Any) -> MetadataPolicy:
    section = reader.section(value, "metadata", MetadataPolicy)
    overrides = reader.items(section.get("tag_overrides", []), "metadata.tag_overrides")
    return MetadataPolicy(
        default=reader.choice(section.get("default", "require_v2"), "metadata.default", METADATA_ACTIONS),
        tag_overrides=tuple(_tag_override(reader, o, f"metadata.tag_overrides[{i}]")
                            for i, o in enumerate(overrides)),
    )


def _tag_override(reader: FieldReader, value: Any, path: str) -> TagOverride:
    entry = reader.section(value, path, TagOverride, required=("tag", "action"))
    value_field = entry.get("value")
    return TagOverride(
        tag=reader.text(entry["tag"], f"{path}.tag"),
        action=reader.choice(entry["action"], f"{path}.action", METADATA_ACTIONS),
        value=None if value_field is None else reader.text(value_field, f"{path}.value", allow_empty=True),
    )


def _agency(reader: FieldReader, value: Any) -> AgencyPolicy:
    section = reader.section(value, "agency", AgencyPolicy)
    return AgencyPolicy(
        treatment=reader.choice(section.get("treatment", "strip_excess"), "agency.treatment", AGENCY_TREATMENTS),
        strict=reader.boolean(section.get("strict", False), "agency.strict"),
        allow=reader.texts(section.get("allow", []), "agency.allow"),
        deny=reader.texts(section.get("deny", []), "agency.deny"),
    )


_EXEMPTION_KEYS = ("server_id", "name", "tag", "owner", "reason", "expires", "covers")


def _exemption(reader: FieldReader, value: Any, path: str) -> ExemptionRule:
    entry = reader.section(value, path, _EXEMPTION_KEYS, required=("owner", "reason", "expires"))
    matchers = [key for key in ("server_id", "name", "tag") if key in entry]
    if len(matchers) != 1:
        found = ", ".join(matchers) or "none"
        raise PolicyError(path, f"needs exactly one of server_id, name or tag (found: {found})", reader.source)
    expires, expires_ms = _expiry(reader, entry["expires"], f"{path}.expires")
    tag_key, tag_value = _exemption_tag(reader, entry.get("tag"), f"{path}.tag") if "tag" in entry else ("", None)
    return ExemptionRule(
        owner=reader.text(entry["owner"], f"{path}.owner"),
        reason=reader.text(entry["reason"], f"{path}.reason"),
        expires=expires,
        expires_ms=expires_ms,
        covers=_covers(reader, entry.get("covers", list(COVERABLE)), f"{path}.covers"),
        server_id=reader.text(entry["server_id"], f"{path}.server_id") if "server_id" in entry else "",
        name=reader.text(entry["name"], f"{path}.name") if "name" in entry else "",
        tag_key=tag_key,
        tag_value=tag_value,
    )


def _exemption_tag(reader: FieldReader, value: Any, path: str) -> tuple[str, str | None]:
    entry = reader.section(value, path, ("key", "value"), required=("key",))
    tag_value = entry.get("value")
    return (reader.text(entry["key"], f"{path}.key"),
            None if tag_value is None else reader.text(tag_value, f"{path}.value", allow_empty=True))


def _expiry(reader: FieldReader, value: Any, path: str) -> tuple[str, int]:
    """(as written, first instant it no longer applies). A bare date is valid through that day (UTC)."""
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
        return value.isoformat(), int(moment.timestamp() * 1000)
    if isinstance(value, dt.date):
        value = value.isoformat()
    if not isinstance(value, str) or not value.strip():
        raise PolicyError(path, f"expected a date (2027-01-31) or date-time, got {value!r}", reader.source)
    text = value.strip()
    try:
        ms = parse_time_ms(text)
    except ValueError as exc:
        raise PolicyError(path, f"expected a date (2027-01-31) or date-time: {exc}", reader.source) from None
    is_bare_date = len(text) == 10 and text[4] == "-"
    return text, ms + _DAY_MS if is_bare_date else ms


def _covers(reader: FieldReader, value: Any, path: str) -> tuple[str, ...]:
    covers = reader.texts(value, path)
    if not covers:
        raise PolicyError(path, f"must name at least one of {', '.join(COVERABLE)}", reader.source)
    for index, item in enumerate(covers):
        reader.choice(item, f"{path}[{index}]", COVERABLE)
    return tuple(dict.fromkeys(covers))


def _triggers(reader: FieldReader, value: Any) -> TriggerNames:
    section = reader.section(value, "triggers", TriggerNames)
    return TriggerNames(**{key: reader.texts(section.get(key, []), f"triggers.{key}")
                           for key in ("server_created", "server_changed", "agency_changed")})


def _limits(reader: FieldReader, value: Any) -> Limits:
    section = reader.section(value, "limits", Limits)
    return Limits(
        max_remediations_per_server_per_hour=reader.integer(
            section.get("max_remediations_per_server_per_hour", 3), "limits.max_remediations_per_server_per_hour",
            minimum=1),
        build_wait_seconds=reader.integer(section.get("build_wait_seconds", 120), "limits.build_wait_seconds",
                                          minimum=0, maximum=_MAX_BUILD_WAIT_SECONDS),
    )
