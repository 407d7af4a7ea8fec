"""The demo CPO's reading of a request's parameters and its token."""

from __future__ import annotations

import base64
import binascii
import calendar
import re

DATETIME = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?$")


class BadParameter(Exception):
    pass


def datetime_param(params: dict[str, str], name: str) -> float | None:
    value = params.get(name)
    if value is None:
        return None
    match = DATETIME.match(value)
    if match is None:
        raise BadParameter(f"`{name}` is not an OCPI DateTime: {value!r}")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    epoch = calendar.timegm((int(year), int(month), int(day), int(hour), int(minute), int(second)))
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        epoch -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    return epoch + (float(fraction) if fraction else 0.0)


def int_param(params: dict[str, str], name: str, default: int | None) -> int | None:
    value = params.get(name)
    if value is None:
        return default
    if not value.isdigit() or (name == "limit" and int(value) == 0):
        raise BadParameter(f"`{name}` must be a positive integer, not {value!r}")
    return int(value)


def b64decode(value: str) -> str | None:
    try:
        return base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
