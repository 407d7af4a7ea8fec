"""Whether a location says it is not public under a key other than OCPI's `publish`,
and whether a CDR says it was charged at the driver's home.

Platforms send the flag in other casing (`Publish`), with a stray space (`publish `),
in full-width letters (`ｐｕｂｌｉｓｈ`: keys are read in their NFKC form), or under a name
of their own (`is_published`, `published`); on OCPI 2.1.1, which has
no `publish`, such a key is the only word the platform says about it. The rule is
conservative: any such key whose value is not exactly `true` makes the location not
public, whatever `publish` itself says, and so does a non-empty `publish_allowed_to`
(a site shown to some drivers only), in `run` and `get` alike (the wire reader of
locations applies it, `schema.wire_check`).

A location with `parking_type: ON_DRIVEWAY` ("parking in the driveway of a house") is
a home: it is not public either, whatever `publish` says (a homeowner sharing the charger
through an app), as `ocpispec get` always held it.

A CDR's `home_charging_compensation` is read the other way round, as conservatively:
under any casing, and on 2.1.1 (which has no such field) too, a value that is not
`false` (`1`, `"yes"`, an object) says the CDR was charged at the driver's home, so the
run leaves it out with the CDRs at private sites.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

# the key's letters, lowercased: `Publish`, `publish `, `is_published`, `IsPublished`
_NAMES = frozenset({"publish", "published", "ispublish", "ispublished"})
_LONGEST = 24
_HOME = "homechargingcompensation"
# the key under which `ocpi/repeated.py` lists the flags an object gave more than once
REPEATED = "\x00repeated privacy flags"


def says_not_public(obj: dict[str, Any]) -> bool:
    """Whether a key of `obj` other than `publish` names the publish flag and does not
    say exactly `true`, or the location lists the tokens it is shown to
    (`publish_allowed_to`, which OCPI allows only beside `publish: false`)."""
    return bool(obj.get("publish_allowed_to")) or any(
        obj[key] is not True for key in _flag_keys(obj)[0])


def _flag_keys(obj: dict[str, Any]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """Of the keys of `obj`, those other than `publish` that name the publish flag, and
    those that name `parking_type`. A platform's objects share their keys: each list of
    them is read once (a location's every key was read twice per question, and `get`
    asks of every location the platform lists)."""
    keys = tuple(obj)
    return _flag_keys_of(keys) if len(keys) <= _SHARED_KEYS else _flag_keys_of.__wrapped__(keys)


_SHARED_KEYS = 64   # an object with more keys is read by itself, not remembered


@lru_cache(maxsize=1024)
def _flag_keys_of(keys: tuple[Any, ...]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    return (tuple(key for key in keys if key != "publish" and _names_publish(key)),
            tuple(key for key in keys
                  if key.__class__ is str and len(key) <= _LONGEST and _letters(key) in _PARKING))


def _names_publish(key: Any) -> bool:
    if not isinstance(key, str) or len(key) > _LONGEST:
        return False
    return _letters(key) in _NAMES


@lru_cache(maxsize=4096)
def _letters(key: str) -> str:
    """A key's letters, lowercased, in their compatibility form (NFKC: full-width
    `ｐｕｂｌｉｓｈ` is `publish`, as a reader of the platform's page would take it);
    every key of every location is asked, and keys repeat."""
    if not key.isascii():
        key = unicodedata.normalize("NFKC", key)
    return "".join(ch for ch in key.lower() if ch.isalpha())


def says_home_charging(obj: dict[str, Any]) -> bool:
    """Whether a key of `obj` naming `home_charging_compensation` (in any casing or
    spacing) holds anything but null or false (`false`, `"false"`)."""
    return any(not _says_no(value) for key, value in obj.items()
               if isinstance(key, str) and len(key) <= _LONGEST + 8
               and _letters(key) == _HOME)


def _says_no(value: Any) -> bool:
    return value is None or value is False or (
        isinstance(value, str) and value.strip().lower() == "false")


# `parking_type` in any casing (`parkingType`), and `type`, its OCPI 2.1.1 name, which a
# 2.2+ platform built on a 2.1.1 model may still send it under (beside `parking_type` too)
_PARKING = frozenset({"parkingtype", "type"})


def on_driveway(obj: dict[str, Any]) -> bool:
    """Whether a location says it is on the driveway of a house (`parking_type`, under
    any of its names), in any spelling of the letters (`" ON_DRIVEWAY "`,
    `On-Driveway`), alone or in a list."""
    return any(_says_driveway(obj[key]) for key in _flag_keys(obj)[1])


def _says_driveway(parking: Any) -> bool:
    return any(value.__class__ is str and len(value) <= _LONGEST and _letters(value) == "ondriveway"
               for value in (parking if parking.__class__ is list else (parking,)))


def flag_kind(key: Any) -> str | None:
    """Which privacy flag a key names (`publish`, `publish_allowed_to`, `parking_type`,
    `home_charging_compensation`, in the spellings read above), or None."""
    if not isinstance(key, str) or len(key) > _LONGEST + 8:
        return None
    letters = _letters(key)
    if letters in _NAMES:
        return "publish"
    return {"publishallowedto": "publish_allowed_to", "parkingtype": "parking_type",
            _HOME: "home_charging_compensation"}.get(letters)


def repeated_kind(key: Any, values: list[Any]) -> str | None:
    """Which privacy flag a key given several times in one object is (`flag_kind`), or
    `parking_type` for a `type` (its 2.1.1 name) of which a value says ON_DRIVEWAY (a
    `type` that never does is some other object's, an image's or a dimension's)."""
    if (kind := flag_kind(key)) is not None:
        return kind
    if isinstance(key, str) and len(key) <= _LONGEST and _letters(key) == "type" \
            and any(_says_driveway(value) for value in values):
        return "parking_type"
    return None


def most_private(kind: str, values: list[Any]) -> Any:
    """Of the values one object gives a flag of `kind` several times, the one that says
    private: a publish flag that is not exactly `true`, a non-empty `publish_allowed_to`,
    an ON_DRIVEWAY `parking_type`, a `home_charging_compensation` that does not say no;
    the first value when none does."""
    says_private = {
        "publish": lambda value: value is not True,
        "publish_allowed_to": bool,
        "parking_type": _says_driveway,
        "home_charging_compensation": lambda value: not _says_no(value),
    }[kind]
    return next((value for value in values if says_private(value)), values[0])


_KINDS = ("publish", "publish_allowed_to", "parking_type", "home_charging_compensation")


def repeated_flags(record: dict[str, Any]) -> tuple[str, ...]:
    """The flags (by kind, never by the platform's key) that `ocpi/repeated.py` found
    given more than once in `record`, removed from it; a platform sending the key
    itself names nothing but these kinds."""
    found = record.pop(REPEATED, ())
    return tuple(kind for kind in _KINDS if isinstance(found, list) and kind in found)
