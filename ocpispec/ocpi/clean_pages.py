"""A page the fast path read whole (`fast_pages`), in columns, for `get`'s parent.

Every object of such a page is clean (no problem, no finding), so the parent needs of
each only its released line, its key for the dedup, its `last_updated` for the
window and the kind of what it withheld. A `CleanPage` is the list of released lines
with the rest beside it in plain lists: it pickles as a few lists, not as a tuple per
object, and the crawl, the window and the writer each take a whole page in C where
nothing happens to it (no repeat, every stamp inside the window):

    fresh, duplicates, invalid = accept_clean(page, room, keys)    # the crawl's dedup
    page.inside(low, high)                                         # the window's test
    page.items()            # the tuple per object of a `Prepared` page, for the rest

Where `get` leaves out what a run would, `places` holds each object's place, the key
its scope looks it up by (`public_scope.place`); the parent keeps what the scope knows
(`PublicScope.keeps_places`), after the dedup and the window, as it would judge the
objects themselves. The crawl's check of private copies asks first (`kept_by`), and the
writer gets the same answer: each place is looked up once. A page holds its distinct
places once (`place_keys`) and per object an index into them (`place_of`): a page of
1,000 sessions names a few hundred sites, so the parent unpickles small numbers in
place of a tuple of three fresh texts per object, and hashes each distinct place once.

The key of an object is its fingerprint, `hash(key)`, which worker processes compute
as the parent does: they are forked, so they share its hash seed.
"""

from __future__ import annotations

from typing import Any

from ocpispec.ocpi.accept import Prepared


class CleanPage(list):  # type: ignore[type-arg]
    """The released NDJSON lines of a page, with `fingerprints`, `stamps` (canonical
    `last_updated` texts), `kind_of` (an index into `kinds`, per object) and `kinds`
    (what `Release.line` withheld: its outcome tuples), and `places` (each object's
    place for the scope, or None where there is no scope), held as `place_of` (an index
    into `place_keys`, per object)."""

    __slots__ = ("fingerprints", "stamps", "kind_of", "kinds", "place_of", "place_keys",
                 "_kept", "_kept_by")
    prepared = True

    def __init__(self, lines: list[bytes], fingerprints: list[int], stamps: list[str],
                 kind_of: list[int], kinds: list[tuple], places: list[tuple] | None = None) -> None:
        super().__init__(lines)
        self.fingerprints, self.stamps, self.kind_of, self.kinds = fingerprints, stamps, kind_of, kinds
        if places is None:
            self.place_of, self.place_keys = None, []
        else:       # each distinct place once, in C: a dict keeps the first of equal ones
            self.place_keys = list(dict.fromkeys(places))
            self.place_of = list(map(dict(zip(self.place_keys, range(len(self.place_keys)))).__getitem__,
                                     places))

    @property
    def places(self) -> list[tuple] | None:
        """Each object's place, or None where there is no scope."""
        return None if self.place_of is None else list(map(self.place_keys.__getitem__, self.place_of))

    def inside(self, low: str | None, high: str | None) -> bool:
        """Whether every `last_updated` lies in [low, high) (canonical texts order as time)."""
        return not self.stamps or ((low is None or min(self.stamps) >= low)
                                   and (high is None or max(self.stamps) < high))

    def kept_by(self, scope: Any) -> list[bool] | None:
        """Per object whether `scope` keeps its place (`PublicScope.places_kept`; None: all
        are), looked up once per page: the crawl's check of private copies and `get`'s
        writer both ask, and a look-up hashes each place's texts, fresh from the pickle:
        each distinct place is looked up, the objects take their place's answer."""
        if getattr(self, "_kept_by", None) is not scope:
            self._kept, self._kept_by = self._kept_places(scope), scope
        return self._kept  # type: ignore[no-any-return]

    def _kept_places(self, scope: Any) -> list[bool] | None:
        if self.place_of is None:
            return scope.places_kept(None)      # as it answers for no places
        if (distinct := scope.places_kept(self.place_keys)) is None:
            return None
        kept = list(map(distinct.__getitem__, self.place_of))
        return None if all(kept) else kept

    def items(self) -> Prepared:
        """The page as a `Prepared` one: per object (None, None, fingerprint, stamp,
        ((line, outcome),)), as `get`'s writer reads a worker's page; with places,
        ((line, outcome, place),), for the writer to look the place up."""
        kinds = self.kinds
        if (places := self.places) is not None:
            return Prepared((None, None, fingerprint, stamp, ((line, kinds[kind], place),))
                            for line, fingerprint, stamp, kind, place
                            in zip(self, self.fingerprints, self.stamps, self.kind_of, places,
                                   strict=True))
        return Prepared((None, None, fingerprint, stamp, ((line, kinds[kind]),))
                        for line, fingerprint, stamp, kind
                        in zip(self, self.fingerprints, self.stamps, self.kind_of, strict=True))

    def subset(self, indices: list[int]) -> CleanPage:
        places = None if self.place_of is None else [self.place_keys[self.place_of[i]] for i in indices]
        return CleanPage([self[i] for i in indices], [self.fingerprints[i] for i in indices],
                         [self.stamps[i] for i in indices], [self.kind_of[i] for i in indices], self.kinds,
                         places)


def accept_clean(page: CleanPage, room: int | None, keys: Any) -> tuple[CleanPage, int, dict[str, int]]:
    """`accept_prepared` for a clean page: nothing is invalid; the objects not seen
    before, up to `room`, and the number of repeats."""
    if (room is None or room >= len(page)) and keys.add_new(page.fingerprints, page.stamps):
        return page, 0, {}
    kept: list[int] = []
    duplicates = 0
    for index, (fingerprint, stamp) in enumerate(zip(page.fingerprints, page.stamps, strict=True)):
        if room is not None and len(kept) >= room:
            break
        if keys.add_fingerprint(fingerprint, stamp):
            kept.append(index)
        else:
            duplicates += 1
    return page.subset(kept), duplicates, {}
