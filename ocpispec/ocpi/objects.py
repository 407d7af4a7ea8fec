"""Checking, keying and normalising the objects of a module list.

An object is usable when it is a JSON object with its key fields, a parseable
`last_updated` and the version's required top-level fields; anything else is
counted by reason and left out (OCPI: process the valid objects, report the
rest). Before that, every known field is checked against its catalogue type and
known deviations are read (`ocpispec.schema.wire_check`): a value of the wrong type
becomes null, and the findings are counted by path in the fetch statistics. Keys compare as `ocpispec.ids` says ids are the same (case, white space around
them and Unicode's compatibility forms do not count), as joins, pseudonyms and the lookback read ids; duplicates are found by key within a bounded window. Timestamps are rewritten to
`YYYY-MM-DDTHH:MM:SSZ` when a page carries other forms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ocpispec.ids import key_text
from ocpispec.ocpi.body import Unreadable
from ocpispec.ocpi.far_repeats import ForgottenFingerprints
from ocpispec.schema.wire_check import NOTHING, Findings
from ocpispec.timestamps import chronological, normalise_timestamp, parse_timestamp

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from ocpispec.ocpi.stats import FetchStats

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
    def __init__(self, version: str, module: str, stats: FetchStats | None = None,
                 party: str | None = None) -> None:
        """`party`: the CPO party an object sent without one is read as, where the
        platform's credentials name that party alone (`schema.own_party`)."""
        self.keys = key_fields(version, module)
        self.module = module
        self.stats = stats
        self.reader = _reader(version, module, party)
        self.primary = primary = self.keys[-2] if module == "tokens" else self.keys[-1]
        # without its own id an object cannot be told apart; without its party (2.2+: ids
        # are unique per party) a session was looked up at no site of that party, and
        # left out as at a location the platform does not list, though it lists it
        party = tuple(name for name in self.keys if name in ("country_code", "party_id"))
        self.needed = (primary, *party)
        required = required_fields(version, module)
        self.required = tuple(f for f in dict.fromkeys((*required, "last_updated")) if f not in self.needed)

    def problem(self, obj: Any) -> str | None:
        """Why `obj` is unusable, or None. Fixes what it can read tolerantly in place."""
        if obj.__class__ is not dict:
            return obj.reason if isinstance(obj, Unreadable) else "not a JSON object"
        return self.judge(obj, self.reader(obj) if self.reader is not None else NOTHING)

    def judge(self, obj: dict[str, Any], findings: Findings) -> str | None:
        """`problem` of an object the wire reader has read, with what it found."""
        nulled: dict[str, str] = _NOTHING_NULLED
        if findings is not NOTHING:
            if self.stats is not None:
                self.stats.note_findings(self.module, findings)
            nulled = dict(findings.invalid)
        for name in self.needed:
            if not isinstance(obj.get(name), str) or not obj[name].strip():   # `"  "`: no id
                return f"key field `{name}` is {nulled[name]}" if name in nulled else f"missing key field `{name}`"
        for name in self.required:
            if obj.get(name) is None:
                return (f"`{name}` is {nulled[name]}" if name in nulled
                        else f"missing required field `{name}`")
        if self.reader is None:      # the reader has checked it (a bad one is null by now)
            stamp = obj["last_updated"]
            if not isinstance(stamp, str) or parse_timestamp(stamp) is None:   # a real instant, not a shape
                return "`last_updated` is not a DateTime"
        if findings.unknown and self.stats is not None:
            self.stats.note_unknown(self.module, findings.unknown)
        return None

    def key(self, obj: dict[str, Any]) -> tuple[str, ...]:
        return tuple(key_text(obj.get(name)) for name in self.keys)


_NOTHING_NULLED: dict[str, str] = {}


def _reader(version: str, module: str, party: str | None = None) -> Any:
    from ocpispec.schema.wire_check import wire_reader
    try:
        return wire_reader(version, module, party)
    except (KeyError, LookupError):
        return None


def normalise_timestamps(value: Any) -> Any:
    """Rewrite DateTime-named fields in place, at any depth; returns `value`. A loop over
    a stack, not recursion: a platform's vendor field nested 950 levels deep (which the
    JSON parser, going to 1,024, reads) stopped the run with an internal error."""
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            for name, item in current.items():
                if isinstance(item, str):
                    if name.endswith(_DATETIME_SUFFIXES):
                        current[name] = normalise_timestamp(item)
                elif isinstance(item, (dict, list)):
                    stack.append(item)
        elif isinstance(current, list):
            stack.extend(item for item in current if isinstance(item, (dict, list)))
    return value


LOCATION_STAMPS = ("the platform does not raise a location's `last_updated` when one of its EVSEs or connectors "
                   "changes (OCPI says the location's covers them): such locations are read as last updated "
                   "when their latest EVSE or connector was")


def raise_location_stamp(location: Any, before: datetime | None) -> bool:
    """Set a location's `last_updated` to the latest of its EVSEs' and connectors' before
    `before` (the window's end, if any), where one is later (OCPI: the location's covers
    them; some platforms update only the EVSE's, and filter by it, so a location updated
    that way came as if from before the window and was left out). A child updated at or
    after `before` is the next window's: a platform that filters by the location's own
    stamp sends the location in this window only. True when it was raised. A list of one
    sent as its item (`wire_check.ONE_ITEM`, which the wire reader, after this, reads as
    the list) counts as that list."""
    if location.__class__ is not dict or not (evses := _items(location.get("evses"))):
        return False
    text = location.get("last_updated")
    # canonical stamps (`...T12:00:00Z`) compare as text as they do in time: a child's
    # no later than the location's is not parsed (nearly all of them: a third of the
    # parent's CPU on a page of locations went to parsing them), and the location's own
    # is parsed only when a child is left to compare with it (most often each child
    # gives the location's own text, which is the same instant)
    plain = _canonical(text)
    left: list[dict[str, Any]] = []
    for evse in evses:
        if evse.__class__ is not dict:
            continue
        connectors = evse.get("connectors")
        for child in (evse, *(connectors if connectors.__class__ is list else _items(connectors))):
            if child.__class__ is not dict:
                continue
            if plain and (given := child.get("last_updated")).__class__ is str \
                    and (given == text or given < text and _canonical(given)):
                continue
            left.append(child)
    if not left or (own := parse_timestamp(text)) is None:
        return False
    latest, stamp = own, None
    for child in left:
        if (moment := parse_timestamp(child.get("last_updated"))) is not None \
                and moment > latest and (before is None or moment < before):
            latest, stamp = moment, child["last_updated"]
    if stamp is None:
        return False
    location["last_updated"] = stamp
    return True


def _canonical(stamp: Any) -> bool:
    """`YYYY-MM-DDTHH:MM:SSZ` in its shape (a string whose order is its time's order)."""
    return stamp.__class__ is str and len(stamp) == 20 and stamp[19] == "Z" and stamp[10] == "T" \
        and stamp[4] == "-" and stamp[7] == "-" and stamp[13] == ":" and stamp[16] == ":" \
        and stamp.isascii()     # ASCII digits, whose order as text is their order as numbers


def _items(value: Any) -> list[Any] | tuple[Any, ...]:
    """The items of a list of objects, or of one sent as its one object."""
    return value if value.__class__ is list else (value,) if value.__class__ is dict else ()


class RecentKeys:
    """Deduplication over the last `window` to `2 * window` keys in bounded memory:
    two generations (Python dicts) of 64-bit key fingerprints, each with the
    `last_updated` its first copy came with (the object's own text, kept), about
    150 bytes per key, 19 MB at most with the default window. A dict answers in a quarter of the time an open-addressing table written
    in Python took (`KeySet` before, 32 bytes per key): the dedup ran once per object
    in the parent, which every worker waits on.
    Two distinct keys share a fingerprint with odds of about 1 in 10^9 per crawl of
    100,000 objects; such an object would be counted (never silently) as a duplicate.

    Duplicates from overlapping, refetched or repeated pages are always near each
    other. Only a platform that reorders its whole list during the crawl can repeat
    an object farther apart than the window (one sorting by `last_updated` whose ties,
    many objects of one bulk update, come in another order on each request): that
    repeat is handed on, and as it took another object's place, that one may be missed
    with the count still met. The fingerprints of the generations dropped go to a
    temporary file (`far_repeats`: 8 bytes each on disk, none in memory) for
    `forgotten_repeats`, which the crawl asks at its end.

    A repeat whose `last_updated` is later than its first copy's is another version
    of the object, not the same one again: only one copy of an object is handed on,
    so its stamp goes to `later_copies`, where the crawl judges whether the copy
    handed on was the one its window should deliver."""

    def __init__(self, window: int = 65536) -> None:
        self._window = window
        self._current: dict[int, Any] = {}
        self._previous: dict[int, Any] = {}
        # the fingerprints of the generations dropped, on disk (`forgotten_repeats`)
        self._forgotten = ForgottenFingerprints(budget=window)
        self.later_copies: list[str] = []
        # told the generation kept each time one is dropped (`private_copies` prunes by it)
        self.on_dropped: Callable[[dict[int, Any]], None] | None = None

    def add(self, key: tuple[str, ...], stamp: Any = None) -> bool:
        """True when `key` is new within the window. `stamp`: its `last_updated`."""
        return self.add_fingerprint(hash(key), stamp)

    def seen(self, key: tuple[str, ...]) -> bool:
        """Whether `key` was added within the window (not adding it)."""
        fingerprint = hash(key)
        return fingerprint in self._current or fingerprint in self._previous

    def first_copy(self, fingerprint: int) -> tuple[bool, Any]:
        """Whether a key's `hash` was added within the window, and its first copy's stamp."""
        for generation in (self._current, self._previous):
            if fingerprint in generation:
                return True, generation[fingerprint]
        return False, None

    def add_fingerprint(self, fingerprint: int, stamp: Any = None) -> bool:
        """`add` of a key's `hash`, computed elsewhere (`clean_pages`)."""
        if fingerprint in self._current or fingerprint in self._previous:
            if stamp is not None:
                self._repeated(fingerprint, stamp)
            return False
        self._current[fingerprint] = stamp
        if len(self._current) >= self._window:
            self._forgotten.extend(self._previous)
            self._previous, self._current = self._current, {}
            if self.on_dropped is not None:
                self.on_dropped(self._previous)
        return True

    def forgotten_repeats(self) -> int:
        """How many keys were taken as new although added before, in a generation dropped
        since: repeats farther apart than the window, which the crawl handed on twice.
        Exact but for fingerprint collisions; read once the list is read, from the
        dropped generations' file in parts of at most `window` fingerprints
        (`far_repeats`: memory does not grow with the list)."""
        return self._forgotten.repeats((self._previous.keys(), self._current.keys()))

    def close(self) -> None:
        """Let go of the keys held and of the dropped generations' file (the crawl's end:
        nothing is asked after it)."""
        self._forgotten.close()
        self._current, self._previous = {}, {}

    def add_new(self, fingerprints: list[int], stamps: list[Any] | None = None) -> bool:
        """Add them all and say True when none was seen and none repeats another, else
        add none and say False (the caller then adds them one at a time)."""
        distinct = set(fingerprints)
        if len(distinct) != len(fingerprints) or not self._current.keys().isdisjoint(distinct) \
                or not self._previous.keys().isdisjoint(distinct):
            return False
        if len(self._current) + len(distinct) >= self._window:
            return False                # a generation ends inside the page: one at a time
        self._current.update(zip(fingerprints, stamps) if stamps is not None else dict.fromkeys(distinct))
        return True

    def _repeated(self, fingerprint: int, stamp: Any) -> None:
        """Note `stamp` when it is later than the first copy's (the rare path: a repeat)."""
        first = self._current.get(fingerprint, self._previous.get(fingerprint))
        if first is None or first.__class__ is not str or stamp.__class__ is not str:
            return
        before, after = chronological(first), chronological(stamp)
        if before is not None and after is not None and after > before:
            self.later_copies.append(stamp)
