"""Verification of the SDK's ``SDK-HMAC-SHA256`` request signature.

Mirrors ``huaweicloudsdkcore/signer/signer.py``: canonical request = method, canonical URI (every path
segment re-encoded, always ending in ``/``), sorted canonical query, the signed headers as
``name:value`` lines, the signed header names, and the hex SHA-256 of the body (or the value of
``X-Sdk-Content-Sha256``). String to sign = algorithm, ``X-Sdk-Date``, hex SHA-256 of the canonical
request; signature = hex HMAC-SHA256 keyed with the secret key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from urllib.parse import quote, unquote

from localcloud.world import Credential

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_CLOCK_SKEW_S = 15 * 60
EMPTY_HASH = hashlib.sha256(b"").hexdigest()
_AUTH = re.compile(r"^(?P<alg>\S+) Access=(?P<ak>[^,]+), SignedHeaders=(?P<headers>[^,]+), "
                   r"Signature=(?P<sig>[0-9a-f]+)$")


class SignatureError(Exception):
    """Why a request's signature was refused (never includes a secret)."""


def verify(method: str, raw_path: str, query: list[tuple[str, str]], headers: Mapping[str, str],
           body: bytes, credentials: Mapping[str, Credential], now: datetime | None = None) -> Credential:
    """Return the credential that signed the request or raise SignatureError."""
    match = _AUTH.match(headers.get("authorization", ""))
    if not match:
        raise SignatureError("missing or malformed Authorization header")
    if match["alg"] != ALGORITHM:
        raise SignatureError(f"unsupported signing algorithm {match['alg']}")
    credential = credentials.get(match["ak"])
    if credential is None:
        raise SignatureError("unknown access key")
    _check_token(credential, headers.get("x-security-token"))
    signed_at = _check_date(headers.get("x-sdk-date", ""), now or datetime.now(timezone.utc))
    signed_headers = match["headers"].split(";")
    canonical = canonical_request(method, raw_path, query, headers, signed_headers, body)
    expected = signature(credential.sk, signed_at, canonical)
    if not hmac.compare_digest(expected, match["sig"]):
        raise SignatureError("signature does not match")
    return credential


def signature(sk: str, date: str, canonical: str) -> str:
    string_to_sign = f"{ALGORITHM}\n{date}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    return hmac.new(sk.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()


def canonical_request(method: str, raw_path: str, query: list[tuple[str, str]], headers: Mapping[str, str],
                      signed_headers: list[str], body: bytes) -> str:
    lines = []
    for name in signed_headers:
        if name not in headers:
            raise SignatureError(f"signed header {name} is missing")
        lines.append(f"{name}:{_header_text(headers[name]).strip()}")
    return "\n".join([method.upper(), canonical_uri(raw_path), canonical_query(query),
                      "\n".join(lines) + "\n", ";".join(signed_headers), _payload_hash(headers, body)])


def canonical_uri(raw_path: str) -> str:
    uri = "/".join(quote(segment, safe="~") for segment in unquote(raw_path).split("/"))
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(query: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in sorted(query))


def _payload_hash(headers: Mapping[str, str], body: bytes) -> str:
    if not body:
        return EMPTY_HASH
    return headers.get("x-sdk-content-sha256") or hashlib.sha256(body).hexdigest()


def _header_text(value: str) -> str:
    # The SDK sends UTF-8 bytes that HTTP stacks hand back decoded as ISO-8859-1.
    try:
        return value.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _check_token(credential: Credential, token: str | None) -> None:
    if credential.security_token:
        if token is None:
            raise SignatureError("temporary access key used without X-Security-Token")
        if not hmac.compare_digest(token.encode(), credential.security_token.encode()):
            raise SignatureError("X-Security-Token does not belong to the access key")
    elif token is not None:
        raise SignatureError("X-Security-Token sent with a permanent access key")


def _check_date(value: str, now: datetime) -> str:
    try:
        signed_at = datetime.strptime(value, DATE_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError as exc:
        raise SignatureError("missing or malformed X-Sdk-Date") from exc
    if abs((now - signed_at).total_seconds()) > MAX_CLOCK_SKEW_S:
        raise SignatureError("X-Sdk-Date is more than 15 minutes away from the server clock")
    return value
