"""Checking, keying and normalising the objects of a module list.

An object is usable when it is a JSON object with its key fields, a parseable
`last_updated` and the version's required top-level fields; anything else is
counted by reason and left out (OCPI: process the valid objects, report the
rest). Keys compare case-insensitively (ids are CiString). Timestamps are
rewritten to `YYYY-MM-DDTHH:MM:SSZ` when a page carries other forms.
"""

from __future__ import annotations

from array import array
from typing import Any

from ocpispec.ocpi.timestamps import CANONICAL, normalise_timestamp, parse_timestamp

_FALLBACK_REQUIRED = ("last_updated",)
_DATETIME_SUFFIXES = ("date_time", "datetime", "last_updated", "period_begin", "period_end", "timestamp")


def key_fields(version: str, module: str) -> tuple[str, ...]:
    own = ("uid", "type") if module == "tokens" else ("id",)
    return own if version == "2.1.1" else ("country_code", "party_id", *own)


def required_fields(version: str, module: str) -> tuple[str, ...]:
    """Top-level required fields from the schema catalogue (just `last_updated` without it)."""
    try:
        from ocpispec.schema import wire_root
        root = wire_root(version, module)
    except (ImportError, KeyError, LookupError, ValueError):
        return _FALLBACK_REQUIRED
    return tuple(name for name, field in root.fields.items() if field.required)


class ObjectCheck:
    def __init__(self, version: str, module: str) -> None:
        self.keys = key_fields(version, module)
        primary = self.keys[-2] if module == "tokens" else self.keys[-1]
        self._needed = (primary,)  # without its own id an object cannot be told apart
        required = required_fields(version, module)
        self._required = tuple(f for f in dict.fromkeys((*required, "last_updated")) if f != primary)

    def problem(self, obj: Any) -> str | None:
        """Why `obj` is unusable, or None."""
        if not isinstance(obj, dict):
            return "not a JSON object"
        for name in self._needed:
            if not isinstance(obj.get(name), str) or not obj[name]:
                return f"missing key field `{name}`"
        for name in self._required:
            if obj.get(name) is None:
                return f"missing required field `{name}`"
        stamp = obj["last_updated"]
        if not isinstance(stamp, str) or (not CANONICAL.match(stamp) and parse_timestamp(stamp) is None):
            return "`last_updated` is not a DateTime"
        return None

    def key(self, obj: dict[str, Any]) -> tuple[str, ...]:
        return tuple(str(obj.get(name, "")).lower() for name in self.keys)


def normalise_timestamps(value: Any) -> Any:
    """Rewrite DateTime-named fields in place, recursively; returns `value`."""
    if isinstance(value, dict):
        for name, item in value.items():
            if isinstance(item, str):
                if name.endswith(_DATETIME_SUFFIXES):
                    value[name] = normalise_timestamp(item)
            elif isinstance(item, (dict, list)):
                normalise_timestamps(item)
    elif isinstance(value, list):
        for item in value:
            normalise_timestamps(item)
    return value


class KeySet:
    """Exact set of object keys in 8 bytes per key (64-bit hashes, open addressing),
    so deduplicating a million objects costs megabytes, not hundreds of them."""

    def __init__(self) -> None:
        self._slots = array("Q", bytes(8 * 1024))
        self._mask = 1023
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, key: tuple[str, ...]) -> bool:
        """True when `key` was not there before."""
        fingerprint = (hash(key) & 0xFFFFFFFFFFFFFFFF) or 1
        slots, mask = self._slots, self._mask
        index = fingerprint & mask
        while True:
            current = slots[index]
            if current == 0:
                slots[index] = fingerprint
                self._count += 1
                if 2 * self._count > mask:
                    self._grow()
                return True
            if current == fingerprint:
                return False
            index = (index + 1) & mask

    def _grow(self) -> None:
        old = self._slots
        self._slots = array("Q", bytes(16 * len(old)))
        self._mask = 2 * len(old) - 1
        slots, mask = self._slots, self._mask
        for fingerprint in old:
            if fingerprint:
                index = fingerprint & mask
                while slots[index]:
                    index = (index + 1) & mask
                slots[index] = fingerprint
