"""OCPI DateTime values in every form platforms send, and the one form we send.

Accepted: `2025-01-01T10:00:00Z`, no zone (UTC by the 2.2+ rules),
fractional seconds with 1-9 digits, and offsets such as `+00:00` or `+0200`
(not compliant but common; converted to UTC). Sent and normalised: second
precision with `Z`, which also sorts correctly as text.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_DATETIME = re.compile(
    r"^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d{1,9}))?)?\s*(Z|z|[+-]\d\d(?::?\d\d)?)?$")
CANONICAL = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
EPOCH_FLOOR = datetime(2000, 1, 1, tzinfo=UTC)


def parse_timestamp(text: str) -> datetime | None:
    """An aware UTC datetime, or None when `text` is not an OCPI DateTime."""
    match = _DATETIME.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        value = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
                         int((fraction or "0").ljust(6, "0")[:6]), tzinfo=UTC)
    except ValueError:
        return None
    return value - _offset(zone)


def _offset(zone: str | None) -> timedelta:
    if not zone or zone in ("Z", "z"):
        return timedelta(0)
    sign = 1 if zone[0] == "+" else -1
    digits = zone[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) > 2 else 0)
    return timedelta(minutes=sign * minutes)


def format_timestamp(value: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SSZ` in UTC; naive datetimes are taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def normalise_timestamp(text: str) -> str:
    """The canonical form of a DateTime string; anything else is returned unchanged."""
    if CANONICAL.match(text):
        return text
    parsed = parse_timestamp(text)
    return text if parsed is None else format_timestamp(parsed)


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
