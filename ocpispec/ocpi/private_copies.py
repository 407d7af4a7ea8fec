"""An object sent twice in one list, first as one a run exports and then as a private one.

A crawl hands each object on once, as its first copy (`RecentKeys`): the copies after it
are dropped as repeats. Where a platform lists a site twice with the same `last_updated`,
once with `publish` true and once as the home it is (`publish` false, a driveway: two
replicas out of step, a merge of two lists), the published copy read first decided: a
run exported the charges at the home, with the home's city and id, and said nothing
(`X-Total-Count` counting the site once, as the platform lists it once). So did a CDR
sent without `home_charging_compensation` and again with it, and a charge sent at a
published site and again at a home. Which copy holds cannot be told; the first may be a
home's. The crawl says so as a doubt (`private-copy`), so a run fails with OCX571 and
`get` exits 1, as for any list that cannot be proven whole. A private copy first is no
doubt: the object is left out; nor is a private copy with a later `last_updated`: it
became private while the list was read (within a window, `RecentKeys.later_copies`
doubts that one).

What says private: in a page of objects, the object itself (a location's `publish` and
parking, a CDR's home charging: `ocpi.public_scope`; where a charge was needs the
locations, which the crawl does not hold); in a page worker processes read for a run
(`Prepared`, `RowPage`), the run's privacy step, which excluded it there; in one they
read for `get`, its release, which left it out or printed its private form.
"""

from __future__ import annotations

from typing import Any

from ocpispec.ids import key_text
from ocpispec.ocpi.accept import Prepared
from ocpispec.ocpi.objects import RecentKeys
from ocpispec.ocpi.public_scope import home_charging, private_site
from ocpispec.ocpi.row_pages import RowPage
from ocpispec.timestamps import chronological

MODULES = frozenset({"locations", "sessions", "cdrs"})   # objects a run leaves out whole
PRIVATE_COPY = ("`{module}` sent an object again saying it is private (a site not published, "
                "a charge at one or with home charging) after a copy that did not: which one "
                "holds cannot be told, and the first was read")


class PrivateCopies:
    """Judges each page of a crawl of `module` before it is accepted: a private copy of
    an object whose first copy, on this page or before, was not private. The crawl's
    `RecentKeys` holds the first copies (their key's `hash` and stamp, in bounded
    memory); this holds, as bounded, which of them were private. An object is known by
    the `hash` of its key as the dedup reads it (`ids.key_text`: `S1 `, `s1` and `Ｓ１`
    are one site). A page with no private object costs a scan for one."""

    def __init__(self, module: str, keys: tuple[str, ...], recent: RecentKeys,
                 window: int) -> None:
        self._module = module
        self._keys = keys   # the crawl's key fields (`objects.key_fields`)
        self._recent = recent
        self._private_first = RecentKeys(window)

    def private_repeat(self, objects: list[Any]) -> bool:
        """Whether a copy in `objects` (a page as the crawl received it, before it is
        accepted) says private of an object whose first copy did not."""
        private = self._private_indices(objects)
        if not private:
            return False
        fingerprints, stamps = self._fingerprints(objects)
        marked = set(private)
        doubt = False
        for index in private:
            fingerprint = fingerprints[index]
            if fingerprint is None:
                continue
            seen, first_stamp = self._recent.first_copy(fingerprint)
            if seen:                                   # a copy on a page before
                first_private = self._private_first.first_copy(fingerprint)[0]
            elif (first := fingerprints.index(fingerprint)) < index:   # one on this page
                first_private, first_stamp = first in marked, stamps[first]
            else:                                      # the first copy: private
                self._private_first.add_fingerprint(fingerprint)
                continue
            doubt = doubt or (not first_private and not _later(stamps[index], first_stamp))
        return doubt

    def _private_indices(self, objects: list[Any]) -> list[int]:
        if objects.__class__ is RowPage:
            kinds = {index for index, kind in enumerate(objects.kinds) if kind[1]}
            return [index for index, kind in enumerate(objects.kind_of) if kind in kinds] \
                if kinds else []
        if objects.__class__ is Prepared:
            return [index for index, (problem, _, _, _, outcome) in enumerate(objects)
                    if problem is None and _prepared_private(outcome)]
        if self._module == "sessions":  # where a charge was needs the locations
            return []
        return [index for index, obj in enumerate(objects)
                if obj.__class__ is dict and self._private(obj)]

    def _fingerprints(self, objects: list[Any]) -> tuple[list[Any], list[Any]]:
        """Per object the `hash` of its key (None for an unusable one) and its stamp, as
        the crawl's dedup adds them."""
        if objects.__class__ is RowPage:
            return list(objects), objects.stamps
        if objects.__class__ is Prepared:
            return [hash(key) if problem is None else None for problem, _, key, _, _ in objects], \
                [stamp for _, _, _, stamp, _ in objects]
        return [hash(tuple(key_text(obj.get(name)) for name in self._keys))
                if obj.__class__ is dict else None for obj in objects], \
            [obj.get("last_updated") if obj.__class__ is dict else None for obj in objects]

    def _private(self, obj: dict[str, Any]) -> bool:
        match self._module:
            case "locations":
                return private_site(obj)
            case "cdrs":
                return home_charging(obj)
        return False


def _prepared_private(outcome: Any) -> bool:
    """Whether what a worker made of an object says it is private: a run's outcome
    `(row, excluded, ...)`, where `get`'s row is `(line, (withheld, sites, embedded,
    opened, left out, kept in private form))`; False for another shape."""
    if outcome.__class__ is not tuple or len(outcome) < 2 or outcome[1].__class__ is not int:
        return False
    row = outcome[0]
    if row.__class__ is tuple and len(row) == 2 and row[0].__class__ is bytes \
            and row[1].__class__ is tuple:
        return bool(sum(row[1][4:6]))
    return bool(outcome[1])


def _later(stamp: Any, first: Any) -> bool:
    if stamp.__class__ is not str or first.__class__ is not str:
        return False
    before, after = chronological(first), chronological(stamp)
    return before is not None and after is not None and after > before
