"""Make user-controlled strings (server, tag, agency and actor names) safe to put in a notification.

Control and format characters (including newlines and bidi overrides) go, whitespace collapses, the
length is capped, and angle brackets are neutralised so no client renders them as markup. The SMS
form also replaces the brackets SMN forbids in SMS (``[]`` and ``【】``).
"""

from __future__ import annotations

import re
import unicodedata

_MARKUP = str.maketrans({"<": "‹", ">": "›"})
_SMS_BRACKETS = str.maketrans({"[": "(", "]": ")", "【": "(", "】": ")", "〔": "(", "〕": ")"})
_SPACES = re.compile(r"\s+")
ELLIPSIS = "…"


def clean(value: object, limit: int = 128) -> str:
    """One safe line of at most ``limit`` characters."""
    text = "" if value is None else str(value)
    kept = "".join(ch for ch in text if _visible(ch))  # tabs and line breaks survive to become spaces
    return cap(_SPACES.sub(" ", kept).strip().translate(_MARKUP), limit)


def for_sms(text: str) -> str:
    """``text`` with the brackets SMN rejects in SMS replaced by parentheses."""
    return text.translate(_SMS_BRACKETS)


def cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + ELLIPSIS


def cap_utf8(text: str, limit_bytes: int) -> str:
    """``text`` cut to at most ``limit_bytes`` UTF-8 bytes on a character boundary (with an ellipsis)."""
    if len(text.encode("utf-8")) <= limit_bytes:
        return text
    budget = limit_bytes - len(ELLIPSIS.encode("utf-8"))
    cut = text.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    return cut + ELLIPSIS


def clean_tree(value: object, limit: int = 2000) -> object:
    """A JSON-like value with every string cleaned of control characters (keys included)."""
    if isinstance(value, str):
        return cap("".join(ch for ch in value if _visible(ch) or ch == " "), limit)
    if isinstance(value, dict):
        return {clean_tree(k, 200): clean_tree(v, limit) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_tree(v, limit) for v in value]
    return value


def _visible(ch: str) -> bool:
    return unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp") or ch in "\t\n\r"
