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

from collections.abc import Iterator
from typing import Any

from ocpispec.ids import key_text
from ocpispec.ocpi.accept import Prepared
from ocpispec.ocpi.public_scope import home_charging, private_site
from ocpispec.ocpi.row_pages import RowPage
from ocpispec.timestamps import chronological

MODULES = frozenset({"locations", "sessions", "cdrs"})   # objects a run leaves out whole
PRIVATE_COPY = ("`{module}` sent an object again saying it is private (a site not published, "
                "a charge at one or with home charging) after a copy that did not: which one "
                "holds cannot be told, and the first was read")


class PrivateCopies:
    """What a crawl of `module` has seen of each object, in the order its copies came:
    the first copy is the one handed on (`RecentKeys`), so an object whose first copy was
    exported and a later one private was handed on in doubt. An object is known by its
    key fields in a page of objects, as the dedup reads them (`ids.key_text`: `S1 `, `s1`
    and `Ｓ１` are one site), by the fingerprint of its key in a page worker processes
    read."""

    def __init__(self, module: str, keys: tuple[str, ...]) -> None:
        self._module = module
        self._keys = keys   # the crawl's key fields (`objects.key_fields`)
        # object -> (whether its first copy was private, its `last_updated`)
        self._first: dict[Any, tuple[bool, Any]] = {}

    def private_repeat(self, objects: list[Any]) -> bool:
        """Whether a copy in `objects` (a page as the crawl received it) says private of
        an object whose first copy, on this page or before, did not."""
        doubt = False
        for ident, private, stamp in self._copies(objects):
            first, stamped = self._first.setdefault(ident, (private, stamp))
            doubt = doubt or (private and not first and not _later(stamp, stamped))
        return doubt

    def _copies(self, objects: list[Any]) -> Iterator[tuple[Any, bool, Any]]:
        """(object, private, `last_updated`) per usable object of a page, in the forms a
        crawl receives it."""
        if objects.__class__ is RowPage:
            kinds, kind_of, stamps = objects.kinds, objects.kind_of, objects.stamps
            for index, fingerprint in enumerate(objects):
                yield fingerprint, bool(kinds[kind_of[index]][1]), stamps[index]
        elif objects.__class__ is Prepared:
            for problem, _, key, stamp, outcome in objects:   # the key, as `accept_prepared` adds it
                if problem is None and (private := _prepared_private(outcome)) is not None:
                    yield hash(key), private, stamp
        else:
            for obj in objects:
                if obj.__class__ is dict:
                    yield tuple(key_text(obj.get(name)) for name in self._keys), \
                        self._private(obj), obj.get("last_updated")

    def _private(self, obj: dict[str, Any]) -> bool:
        match self._module:
            case "locations":
                return private_site(obj)
            case "cdrs":
                return home_charging(obj)
        return False


def _prepared_private(outcome: Any) -> bool | None:
    """Whether what a worker made of an object says it is private: a run's outcome
    `(row, excluded, ...)`, where `get`'s row is `(line, (withheld, sites, embedded,
    opened, left out, kept in private form))`; None for another shape."""
    if outcome.__class__ is not tuple or len(outcome) < 2 or outcome[1].__class__ is not int:
        return None
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
