"""A location sent twice in one list, first as a published site and then as a private one.

A crawl hands each object on once, as its first copy (`RecentKeys`): the copies after it
are dropped as repeats. Where a platform lists a site twice with the same `last_updated`,
once with `publish` true and once as the home it is (`publish` false, a driveway: two
replicas out of step, a merge of two lists), the published copy read first decided: a
run exported the charges at the home, with the home's city and id, and said nothing
(`X-Total-Count` counting the site once, as the platform lists it once). Which copy holds
cannot be told; the published one may be a home's. The crawl says so as a doubt
(`private-copy`), so a run fails with OCX571 and `get` exits 1, as for any list that
cannot be proven whole. A private copy first is no doubt: the site is left out; nor is
a private copy with a later `last_updated`: the site became private while the list was
read (within a window, `RecentKeys.later_copies` doubts that one).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ocpispec.ids import key_text
from ocpispec.ocpi.accept import Prepared
from ocpispec.ocpi.public_scope import private_site
from ocpispec.ocpi.row_pages import RowPage
from ocpispec.timestamps import chronological

PRIVATE_COPY = ("`locations` sent a site again saying it is private (`publish` false, or a driveway) "
                "after a copy saying it is published: which one holds cannot be told, and the "
                "published copy was read")


class SiteCopies:
    """What a crawl of the locations has seen of each site, in the order its copies came:
    the first copy is the one handed on (`RecentKeys`), so a site whose first copy was
    published and a later one private was handed on in doubt. A site is known by its
    key fields in a page of objects, as the dedup reads them (`ids.key_text`: `S1 `,
    `s1` and `Ｓ１` are one site), by the fingerprint of its key in a page worker
    processes read (`Prepared`, `RowPage`: a private site is one the
    run's privacy step excluded there)."""

    def __init__(self, keys: tuple[str, ...]) -> None:
        self._keys = keys   # the crawl's key fields (`objects.key_fields`)
        # site -> (whether its first copy was private, its `last_updated`)
        self._first: dict[Any, tuple[bool, Any]] = {}

    def private_repeat(self, objects: list[Any]) -> bool:
        """Whether a copy in `objects` (a page as the crawl received it) says private of
        a site whose first copy, on this page or before, said published."""
        doubt = False
        for site, private, stamp in _copies(objects, self._keys):
            first, stamped = self._first.setdefault(site, (private, stamp))
            doubt = doubt or (private and not first and not _later(stamp, stamped))
        return doubt


def _copies(objects: list[Any], keys: tuple[str, ...]) -> Iterator[tuple[Any, bool, Any]]:
    """(site, private, `last_updated`) per usable object of a page, in the forms a crawl
    receives it."""
    if objects.__class__ is RowPage:
        kinds, kind_of, stamps = objects.kinds, objects.kind_of, objects.stamps
        for index, fingerprint in enumerate(objects):
            yield fingerprint, bool(kinds[kind_of[index]][1]), stamps[index]
    elif objects.__class__ is Prepared:
        for problem, _, fingerprint, stamp, outcome in objects:
            if problem is None and outcome.__class__ is tuple and len(outcome) > 1 \
                    and outcome[1].__class__ is int:   # a run's: (row, excluded, ...)
                yield fingerprint, bool(outcome[1]), stamp
    else:
        for obj in objects:
            if obj.__class__ is dict:
                yield tuple(key_text(obj.get(name)) for name in keys), private_site(obj), \
                    obj.get("last_updated")


def _later(stamp: Any, first: Any) -> bool:
    if stamp.__class__ is not str or first.__class__ is not str:
        return False
    before, after = chronological(first), chronological(stamp)
    return before is not None and after is not None and after > before
