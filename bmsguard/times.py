"""Turn the time formats Huawei services write into epoch milliseconds (pure, stdlib only).

Accepted: epoch ms or s as int/float or digit strings; ISO 8601 (``2024-06-10T08:13:20.123Z``,
``2018-06-01T08:30:00+08:00``, a bare date ``2027-01-31``); CTS's older ``2016/12/08 11:07:28 GMT+08:00``.
"""

from __future__ import annotations

import datetime as dt
import re

_EPOCH_SECONDS_LIMIT = 100_000_000_000  # below this a number is epoch seconds (until the year 5138)
_LATEST_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z: the last instant a datetime (and a report) can show
_GMT_FORM = re.compile(
    r"^(\d{4})/(\d{2})/(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?\s*(?:GMT|UTC)?\s*([+-]\d{2}:?\d{2})?$"
)


def parse_time_ms(value: object) -> int:
    """Epoch milliseconds for ``value``; raises ValueError with the reason."""
    if isinstance(value, bool):
        raise ValueError(f"expected a time, got {value!r}")
    if isinstance(value, (int, float)):
        return _number_to_ms(value)
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d+(\.\d+)?", text):
            return _number_to_ms(float(text))
        return _text_to_ms(text)
    raise ValueError(f"expected a time, got {type(value).__name__}")


def iso_utc(ms: int) -> str:
    """``2024-06-10T08:13:20Z`` for an epoch-ms value (what reports and notifications show)."""
    moment = dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _number_to_ms(number: float) -> int:
    if number < 0:
        raise ValueError(f"negative time {number!r}")
    ms = number * 1000 if number < _EPOCH_SECONDS_LIMIT else number
    if not ms <= _LATEST_MS:  # also NaN and infinity
        raise ValueError(f"time {number!r} is out of range (after the year 9999)")
    return int(ms)


def _text_to_ms(text: str) -> int:
    match = _GMT_FORM.match(text)
    if match:
        return _gmt_form_to_ms(match)
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        moment = dt.datetime.fromisoformat(_trim_fraction(iso))
    except ValueError:
        raise ValueError(f"unrecognised time format {text[:40]!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return int(moment.timestamp() * 1000)


def _trim_fraction(text: str) -> str:
    """Python 3.10's fromisoformat accepts only 3 or 6 fraction digits: normalise to 6."""
    return re.sub(r"\.(\d+)", lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)


def _gmt_form_to_ms(match: re.Match[str]) -> int:
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    fraction = match.group(7) or ""
    offset = match.group(8) or "+00:00"
    sign = -1 if offset.startswith("-") else 1
    digits = offset[1:].replace(":", "")
    zone = dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    try:
        moment = dt.datetime(year, month, day, hour, minute, second, tzinfo=zone)
    except ValueError as exc:
        raise ValueError(f"invalid date/time: {exc}") from None
    return int(moment.timestamp() * 1000) + int((fraction + "000")[:3])
