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
parking, a CDR's home charging: `ocpi.public_scope`), and for a session or CDR the
published sites where the crawl is given them (`scope`: `get` reads them first), by the
place a charge names, in every page: of objects, of the fast reader (`CleanPage.places`)
and of worker processes (a place each row gives, or a row `get`'s release left out or
printed in its private form); in a page worker processes read for a run (`Prepared`,
`RowPage`), the run's privacy step, which excluded it there. Without `scope` a charge
sent at a published site and again at a home went unseen on every page but a worker's:
`get sessions` printed the charge at the home as one at the public site, in one process
and on the fast reader, on every version.
"""

from __future__ import annotations

from itertools import compress
from operator import not_
from typing import Any

from ocpispec.ocpi.accept import Prepared, key_reader
from ocpispec.ocpi.clean_pages import CleanPage
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
    memory); this marks which of them were private, and only while the crawl remembers
    them: a mark is asked only of a key the crawl still holds. (A window of its own held
    up to 131,072 private marks whatever the crawl had forgotten, and wrote each one it
    dropped to a temporary file nobody read.) An object is known by
    the `hash` of its key as the dedup reads it (`ids.key_text`: `S1 `, `s1` and `Ｓ１`
    are one site). A page with no private object costs a scan for one."""

    def __init__(self, module: str, keys: tuple[str, ...], recent: RecentKeys,
                 window: int, scope: Any = None) -> None:
        self._module = module
        # the published sites, for sessions and CDRs (`public_scope.PublicScope`), or None;
        # or, while `get` reads them beside the crawl, what gives them once read
        charges = module in ("sessions", "cdrs")
        self._scope = scope if charges and not callable(scope) else None
        self._scope_once_read = scope if charges and callable(scope) else None
        self._keys = keys   # the crawl's key fields (`objects.key_fields`)
        self._key = key_reader(keys)
        self._recent = recent
        # the fingerprints of the private first copies, pruned to the keys `recent` still
        # holds each time it drops a generation (`_pruned`); those of the page being
        # judged, which `recent` adds after it, are kept
        self._private_first: set[int] = set()
        self._page_marks: set[int] = set()
        recent.on_dropped = self._pruned

    @property
    def waits_for_scope(self) -> bool:
        """Whether the first page will wait for the published sites (still being read)."""
        return self._scope_once_read is not None

    def private_repeat(self, objects: list[Any]) -> bool:
        """Whether a copy in `objects` (a page as the crawl received it, before it is
        accepted) says private of an object whose first copy did not. The first page
        waits for the published sites where they are still being read (their error, if
        any, raised here: no object is handed on before)."""
        if self._scope_once_read is not None:
            self._scope, self._scope_once_read = self._scope_once_read(), None
        private = self._private_indices(objects)
        if not private:
            return False
        self._page_marks = set()
        fingerprints, stamps = self._fingerprints(objects)
        marked = set(private)
        # a page's first copy of each key, in one pass in C (not a scan per copy): built
        # from the page's end, so that the first copy's index is written last
        first_at = dict(zip(reversed(fingerprints), range(len(fingerprints) - 1, -1, -1)))
        doubt = False
        for index in private:
            fingerprint = fingerprints[index]
            if fingerprint is None:
                continue
            seen, first_stamp = self._recent.first_copy(fingerprint)
            if seen:                                   # a copy on a page before
                first_private = fingerprint in self._private_first
            elif (first := first_at[fingerprint]) < index:   # one on this page
                first_private, first_stamp = first in marked, stamps[first]
            else:                                      # the first copy: private
                self._private_first.add(fingerprint)
                self._page_marks.add(fingerprint)
                continue
            doubt = doubt or (not first_private and not _later(stamps[index], first_stamp))
        return doubt

    def marks(self) -> frozenset[int]:
        """The fingerprints of the private first copies held (at most those the crawl
        remembers, and a page's marked before the crawl added it)."""
        return frozenset(self._private_first)

    def _pruned(self, kept: dict[int, Any]) -> None:
        """The marks of the keys the crawl forgot let go, when it drops a generation and
        keeps `kept` (its only one then): a mark is never asked of a key forgotten. The
        marks of the page being judged stay: the crawl adds its keys after."""
        self._private_first = {mark for mark in self._private_first
                               if mark in kept or mark in self._page_marks}

    def _private_indices(self, objects: list[Any]) -> list[int]:
        if objects.__class__ is CleanPage:  # the fast reader gives places under a scope
            if self._scope is None or objects.place_of is None:
                return []
            kept = objects.kept_by(self._scope)   # asked again by `get`'s writer
            return [] if kept is None else list(compress(range(len(kept)), map(not_, kept)))
        if objects.__class__ is RowPage:
            kinds = {index for index, kind in enumerate(objects.kinds) if kind[1]}
            return [index for index, kind in enumerate(objects.kind_of) if kind in kinds] \
                if kinds else []
        if objects.__class__ is Prepared:
            sites = None if self._scope is None else self._scope.places
            return [index for index, (problem, _, _, _, outcome) in enumerate(objects)
                    if problem is None and _prepared_private(outcome, sites)]
        if self._module == "sessions" and self._scope is None:  # where a charge was needs the sites
            return []
        if self._scope is not None and self._module in ("sessions", "cdrs"):
            keeps = self._scope.keeps   # `_private`, bound once a page
            return [index for index, obj in enumerate(objects)
                    if obj.__class__ is dict and not keeps(obj)]
        return [index for index, obj in enumerate(objects)
                if obj.__class__ is dict and self._private(obj)]

    def _fingerprints(self, objects: list[Any]) -> tuple[list[Any], list[Any]]:
        """Per object the `hash` of its key (None for an unusable one) and its stamp, as
        the crawl's dedup adds them."""
        if objects.__class__ is CleanPage:
            return list(objects.fingerprints), objects.stamps
        if objects.__class__ is RowPage:
            return list(objects), objects.stamps
        if objects.__class__ is Prepared:
            return [hash(key) if problem is None else None for problem, _, key, _, _ in objects], \
                [stamp for _, _, _, stamp, _ in objects]
        key = self._key
        return [hash(key(obj)) if obj.__class__ is dict else None for obj in objects], \
            [obj.get("last_updated") if obj.__class__ is dict else None for obj in objects]

    def _private(self, obj: dict[str, Any]) -> bool:
        match self._module:
            case "locations":
                return private_site(obj)
            case "sessions" | "cdrs" if self._scope is not None:
                return not self._scope.keeps(obj)
            case "cdrs":
                return home_charging(obj)
        return False


def _prepared_private(outcome: Any, sites: Any = None) -> bool:
    """Whether what a worker made of an object says it is private: a run's outcome
    `(row, excluded, ...)`, where `get`'s row is `(line, (withheld, sites, embedded,
    opened, left out, kept in private form))`, or with a third item, the key of a line
    made while the scope was pending (`Release.line`), not among the `sites`; `get`'s row of the fast reader
    `((line, outcome, place),)`, its place not among the published `sites`; False for
    another shape."""
    if outcome.__class__ is tuple and len(outcome) == 1 and sites is not None:
        row = outcome[0]
        return row.__class__ is tuple and len(row) == 3 and row[2] not in sites
    if outcome.__class__ is not tuple or len(outcome) < 2 or outcome[1].__class__ is not int:
        return False
    row = outcome[0]
    if row.__class__ is tuple and len(row) == 3 and row[0].__class__ is bytes:
        # made while the published sites were read: its key, looked up now they are
        return sites is not None and row[2] not in sites
    if row.__class__ is tuple and len(row) == 2 and row[0].__class__ is bytes \
            and row[1].__class__ is tuple:
        return bool(sum(row[1][4:6]))
    return bool(outcome[1])


def _later(stamp: Any, first: Any) -> bool:
    if stamp.__class__ is not str or first.__class__ is not str:
        return False
    before, after = chronological(first), chronological(stamp)
    return before is not None and after is not None and after > before
