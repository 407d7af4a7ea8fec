"""The columns of a page the fast path read (`fast_pages`): what `get`'s parent needs of
each strict object beside its released line (`CleanPage`).

What `Release` withheld of an object is found a field at a time where `notes` looks into
no kept object (`fast_notes.flat_notes`): a field every strict object holds is noted for
each, so only those an object may leave out are read, by `map` in C, and the objects
are grouped by which of them they sent. The generated `notes` function, called for each
object, appended a dozen paths to a list per realistic session: a tenth of a worker's
time on a page. A place is read by one `attrgetter` where its fields are all required.

    columns = Columns(key, notes, flat, required, place, place_names)
    columns.page(objects, lines)        # -> CleanPage
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import compress, repeat
from operator import attrgetter, is_not
from typing import Any

from msgspec import UNSET

from ocpispec.ocpi.clean_pages import CleanPage

_STAMP = attrgetter("last_updated")


class Columns:
    def __init__(self, key: Callable[[Any], tuple], notes: Callable[[Any], tuple[str, ...]],
                 flat: tuple[str, ...] | None, required: frozenset[str],
                 place: Callable[[Any], tuple[Any, Any, Any]] | None = None,
                 place_names: tuple[str, ...] = (), key_names: tuple[str, ...] = ()) -> None:
        """`key`, `notes`, `place`: of one strict object (`fast_pages`); `flat`: the fields
        `notes` notes when sent, in its order, where it looks into no kept object (else
        None); `required`: the root's fields every strict object holds (never UNSET nor
        null); `place_names`: the fields `place` reads; `key_names`: the fields `key` reads."""
        self.key, self.notes, self.place, self.flat = key, notes, place, flat
        self.optional = tuple(name for name in flat or () if name not in required)
        self.sent = tuple(map(attrgetter, self.optional))
        self.place_fields = attrgetter(*place_names) if place is not None and place_names \
            and set(place_names) <= required else None
        self.outcomes: dict[tuple, tuple] = {}    # by what an object sent (its signature)
        self.key_reads = tuple(map(attrgetter, key_names))

    def page(self, objects: list[Any], lines: list[bytes]) -> CleanPage:
        signatures = self._signatures(objects)
        kinds = dict.fromkeys(signatures)       # in order of first appearance
        for at, signature in enumerate(kinds):
            kinds[signature] = at
        return CleanPage(lines, self._fingerprints(objects), list(map(_STAMP, objects)),
                         list(map(kinds.__getitem__, signatures)), list(map(self._outcome, kinds)),
                         None if self.place is None else self._places(objects))

    def _fingerprints(self, objects: list[Any]) -> list[int]:
        """`hash(key(obj))` per object: where every key field of every object is ASCII text,
        whose `ids.key_text` is `strip().lower()`, read a field at a time in C instead of a
        call of `key` per object."""
        if self.key_reads:
            try:
                columns = [list(map(read, objects)) for read in self.key_reads]
                if all(all(map(str.isascii, column)) for column in columns):
                    return list(map(hash, zip(*[map(str.lower, map(str.strip, column)) for column in columns])))
            except TypeError:   # a key field missing (UNSET), null or no text: `key` reads it
                pass
        key = self.key
        return [hash(key(obj)) for obj in objects]

    def _signatures(self, objects: list[Any]) -> list[Any]:
        """Per object, which fields it may leave out it sent (a bool each), or, where
        `notes` looks into kept objects, its notes."""
        if self.flat is None:
            return list(map(self.notes, objects))
        if not self.sent:
            return [()] * len(objects)
        return list(zip(*[list(map(is_not, map(read, objects), repeat(UNSET))) for read in self.sent]))

    def _places(self, objects: list[Any]) -> list[tuple[Any, Any, Any]]:
        return list(map(self.place_fields or self.place, objects))  # type: ignore[arg-type]

    def _outcome(self, signature: tuple) -> tuple:
        """`Release.line`'s outcome of an object of this signature (one tuple per kind)."""
        if (found := self.outcomes.get(signature)) is None:
            counts: dict[str, int] = {}
            for path in self._noted(signature):
                counts[path] = counts.get(path, 0) + 1
            found = self.outcomes[signature] = (tuple(counts.items()), 0, 0, 0)
        return found

    def _noted(self, signature: tuple) -> tuple[str, ...]:
        if self.flat is None:
            return signature
        sent = frozenset(compress(self.optional, signature))
        return tuple(name for name in self.flat if name in sent or name not in self.optional)
