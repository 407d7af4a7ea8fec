"""What `ocpispec get` lets out of an object: the default privacy profile.

Fields that are public at their place pass (`ocpispec.schema.public_projection`),
plus the paths opened with `--privacy-pass`; everything else, unknown fields
included, is withheld and counted by path. Private sites (`publish=false` or a
driveway) lose their address, coordinates, names and owner too: there they are
a person's home (`privacy.md`, context rule); and their EVSEs' status, status
schedule and the times the site, its EVSEs and connectors last changed, which say
when the resident charges there. The location a session or CDR carries
(2.1.1 `location`, 2.2+ `cdr_location`) loses them always: the record alone cannot
tell a public charger from a home one (2.1.1 has no `publish`, `cdr_location` none
either), and `get locations` gives a public site's details by id.

`--privacy-pass` can open those details too (`cdr_location.postal_code`); then they
are personal data, and `opened_site_details` names them so that `get` warns as
loudly as for `--privacy-pass .`.

Objects a run leaves out whole (a private site, a home's tariff, a session there:
`ocpi.public_scope`) are not released at all unless `get --include-private` keeps them:
`apply` gives None and `line` an empty line, and `left_out` counts them. Kept
(`keep_private`), they are released in their private form (`ocpi.private_form`, an
allow-list): a private site's country, time zone, parking type and its connectors' kind
and power, not its id, EVSE uids, tariffs (`HOME-<contract>` ties the home to the
contract) or energy supplier; a tariff no published location names without its id, text,
URL and energy mix; a session or CDR there without the site's, EVSE's and connector's
ids; `private_kept` counts them.

`--privacy-pass` paths are read in `privacy_pass_paths`; the site details a private site
loses are named in `site_details`.
"""

from __future__ import annotations

import orjson

from collections import Counter
from typing import Any

from ocpispec.ocpi.private_form import PRIVATE_FORMS, keep_private_form
from ocpispec.ocpi.public_scope import EMBEDDED_LOCATIONS, PublicScope, private_site
from ocpispec.ocpi.release_cards import card_scrub
from ocpispec.ocpi.release_codegen import compiled_projection
from ocpispec.ocpi.site_details import (
    PRIVATE_ACTIVITY_FIELDS, PRIVATE_CONNECTOR_FIELDS, PRIVATE_EVSE_FIELDS, site_fields)
from ocpispec.schema import public_projection, unknown_fields
from ocpispec.schema.records import unknown_fields_finder
from ocpispec.schema.records import reportable_name

_LEFT_OUT = ((), 0, 0, 0, 1, 0)  # `line`'s outcome of an object the scope leaves out


class Release:
    """`apply` releases one object. With `crawl_counts_unknown`, the unknown fields are
    the crawl's to count (its wire reader notes them in `FetchStats.unknown_fields` in
    the same walk that checks the types), so they are not walked for a second time."""

    def __init__(self, version: str, module: str, open_paths: frozenset[str],
                 crawl_counts_unknown: bool = False, scope: PublicScope | None = None,
                 keep_private: bool = False) -> None:
        self.version = version
        self.module = module
        self.open_paths = open_paths
        self.scope = scope  # None: every object is in scope
        self.keep_private = keep_private  # `get --include-private`: out of scope, private form
        self.left_out = 0   # objects the scope left out whole
        self.private_kept = 0  # objects out of the scope released in their private form
        self._withheld: Counter[str] = Counter()
        self._noted: dict[tuple[str, ...], int] = {}  # withheld paths of one object -> objects
        self.unknown: Counter[str] = Counter()
        self.private_sites = 0
        self.embedded_locations = 0
        self.site_details_released = 0  # objects whose site details --privacy-pass let out
        # texts read as null for holding the record's card, by path (`release_cards`)
        self.carded: Counter[str] = Counter()
        self._cards = card_scrub(version, module, open_paths)
        self._embedded = EMBEDDED_LOCATIONS.get(module, ())
        self._project: Any = None
        self._outcomes: dict[tuple, tuple] = {}
        self._noted_outcomes: dict[tuple[str, ...], tuple] = {}
        self._absorbed: dict[tuple, int] = {}
        self.counts_unknown = True
        try:
            self._unknown: Any = unknown_fields_finder(version, module)
            if module != "locations":  # private sites lose fields after the projection
                self._project = compiled_projection(version, module, open_paths)
            self.counts_unknown = not crawl_counts_unknown
        except KeyError:  # a module the version lacks: the crawl reports it first
            self._unknown = lambda obj: unknown_fields(version, module, obj)

    @property
    def withheld(self) -> Counter[str]:
        """Fields withheld as not public, by path (the compiled pass's notes folded in)."""
        if self._noted:
            for paths, times in self._noted.items():
                for path in paths:
                    self._withheld[path] += times
            self._noted.clear()
        return self._withheld

    @withheld.setter
    def withheld(self, counter: Counter[str]) -> None:
        self._noted.clear()
        self._withheld = counter

    def unknown_tally(self, crawl_tally: dict[str, int] | None) -> dict[str, int]:
        """The unknown fields by path: this release's count, or the crawl's."""
        return dict(self.unknown) if self.counts_unknown else dict(crawl_tally or {})

    def line(self, obj: dict[str, Any]) -> tuple[bytes, tuple] | tuple[bytes, tuple, tuple]:
        """`apply` as a worker process does it (`get --workers`): the released object
        as an NDJSON line, and what it withheld, for `absorb` in the parent (equal
        outcomes are one shared tuple, so a page pickles each kind once); an object
        the scope leaves out is an empty line. While the scope is pending (`get` still
        reading the locations), a third item: the key the parent looks the object up
        by once they are read (`PublicScope.key`), as the fast reader gives places."""
        scope = self.scope
        if scope is not None and scope.pending:
            assert not self.keep_private    # a private form needs the scope at once
            if (key := scope.key(obj)) is None:
                return b"", _LEFT_OUT
            return (*self._line(obj, False), key)
        private = scope is not None and not scope.keeps(obj)
        if private and not self.keep_private:
            return b"", _LEFT_OUT
        return self._line(obj, private)

    def _line(self, obj: dict[str, Any], private: bool) -> tuple[bytes, tuple]:
        if not private and self._project is not None and not self.counts_unknown \
                and not any(name in obj for name in self._embedded):
            noted: list[str] = []  # the compiled pass alone: its notes name the outcome
            released = self._project(obj, noted)
            nulled = self._cards(obj, released) if self._cards is not None else None
            text = orjson.dumps(released) + b"\n"
            if nulled:
                outcome = (tuple(Counter(noted).items()), 0, 0, 0, 0, 0, tuple(Counter(nulled).items()))
                return text, self._outcomes.setdefault(outcome, outcome)
            key = tuple(noted)
            if (outcome := self._noted_outcomes.get(key)) is None:
                outcome = (tuple(Counter(noted).items()), 0, 0, 0)
                outcome = self._noted_outcomes[key] = self._outcomes.setdefault(outcome, outcome)
            return text, outcome
        self.withheld = Counter()
        sites, embedded, opened, kept = self.private_sites, self.embedded_locations, \
            self.site_details_released, self.private_kept
        carded, self.carded = self.carded, Counter()
        try:
            text = orjson.dumps(self._released(obj, private)) + b"\n"
            nulled = tuple(self.carded.items())
        finally:
            carded.update(self.carded)
            self.carded = carded
        outcome = (tuple(self.withheld.items()), self.private_sites - sites,
                   self.embedded_locations - embedded, self.site_details_released - opened,
                   0, self.private_kept - kept, *((nulled,) if nulled else ()))
        return text, self._outcomes.setdefault(outcome, outcome)

    def absorb(self, outcome: tuple, times: int = 1) -> None:
        """Count what a worker's `line` withheld from `times` objects that were written."""
        self._absorbed[outcome] = self._absorbed.get(outcome, 0) + times

    def settle(self) -> None:
        """Fold the absorbed outcomes into the counts (before they are read)."""
        for (withheld, sites, embedded, opened, *scoped), times in self._absorbed.items():
            # the fast path's outcomes have four parts, those without a card read as null six
            left, kept, carded = (*scoped, *(0, 0, ())[len(scoped):])
            for path, n in carded:
                self.carded[path] += n * times
            self.left_out += left * times
            self.private_kept += kept * times
            for path, n in withheld:
                self.withheld[path] += n * times
            self.private_sites += sites * times
            self.embedded_locations += embedded * times
            self.site_details_released += opened * times
        self._absorbed.clear()

    def apply(self, obj: dict[str, Any]) -> dict[str, Any] | None:
        """The released object, or None when the scope leaves it out whole."""
        private = self.scope is not None and not self.scope.keeps(obj)
        if private and not self.keep_private:
            self.left_out += 1
            return None
        return self._released(obj, private)

    def _released(self, obj: dict[str, Any], private: bool) -> dict[str, Any]:
        """`apply` of an object the scope keeps, or (`private`) one kept in its private
        form; a text holding the record's card read as null in it (`release_cards`)."""
        released = self._projected(obj, private)
        if self._cards is not None and (nulled := self._cards(obj, released)):
            self.carded.update(nulled)
        return released

    def _projected(self, obj: dict[str, Any], private: bool) -> dict[str, Any]:
        if self.counts_unknown:
            self.unknown.update(self._unknown(obj))
        if private:
            self.private_kept += 1
            return self.reference(obj, private=True)
        if self._project is not None and not any(name in obj for name in self._embedded):
            noted: list[str] = []  # nothing to strip: one compiled pass
            released = self._project(obj, noted)
            if noted:
                key = tuple(noted)
                self._noted[key] = self._noted.get(key, 0) + 1
            return released
        return self.reference(obj)

    def reference(self, obj: dict[str, Any], private: bool = False) -> dict[str, Any]:
        """`apply` without the unknown-field count, in two generic passes; `private`:
        an object out of the scope, released in its private form."""
        released = public_projection(self.version, self.module, obj, self.open_paths)
        private = private or (self.module == "locations" and private_site(obj))
        self.private_sites += private and self.module == "locations"
        embedded = [name for name in EMBEDDED_LOCATIONS.get(self.module, ())
                    if isinstance(released.get(name), dict)]
        # `--privacy-pass .` withholds nothing: "details withheld" was untrue
        self.embedded_locations += len(embedded) if "." not in self.open_paths else 0
        if private:
            self._private_form(released, embedded)
        for name in () if private else embedded:
            self._strip_private_site(released[name], name + ".")
        _count_withheld(obj, released, "", self.withheld)
        return released

    def _private_form(self, released: dict[str, Any], embedded: list[str]) -> None:
        """An object a run leaves out whole, kept by `--include-private`: what
        `ocpi.private_form` allows, and the opened paths."""
        if "." in self.open_paths:
            self.site_details_released += self.module == "locations" or bool(embedded)
            return
        opened = keep_private_form(released, PRIVATE_FORMS[self.module], self.open_paths)
        sites = ("",) if self.module == "locations" else tuple(name + "." for name in embedded)
        self.site_details_released += any(path.startswith(sites) for path in opened)

    def _strip_private_site(self, site: dict[str, Any], prefix: str) -> None:
        """`site` is a location (or a CDR's flat `cdr_location`, whose EVSE fields
        sit at its top) at `prefix`; opened paths stay (and are counted)."""
        if "." in self.open_paths:
            self.site_details_released += 1
            return
        opened = False
        opened = self._strip(site, prefix, (*site_fields(prefix), "last_updated"))
        for evse in site.get("evses") or []:
            if not isinstance(evse, dict):
                continue
            opened |= self._strip(evse, f"{prefix}evses.",
                                  (*PRIVATE_EVSE_FIELDS, *PRIVATE_ACTIVITY_FIELDS))
            for connector in evse.get("connectors") or []:
                if isinstance(connector, dict):
                    opened |= self._strip(connector, f"{prefix}evses.connectors.",
                                          PRIVATE_CONNECTOR_FIELDS)
        self.site_details_released += opened

    def _strip(self, node: dict[str, Any], prefix: str, names: tuple[str, ...]) -> bool:
        """Pop `names` from `node` unless opened; whether an opened one was there."""
        opened = False
        for name in names:
            if prefix + name in self.open_paths:
                opened = opened or name in node
            else:
                node.pop(name, None)
        return opened


def _count_withheld(original: Any, released: Any, prefix: str, tally: Counter[str]) -> None:
    if isinstance(original, list):
        kept = released if isinstance(released, list) else []
        objects = [item for item in original if isinstance(item, dict)]
        for position, item in enumerate(objects):
            _count_withheld(item, kept[position] if position < len(kept) else {}, prefix, tally)
        return
    if not isinstance(original, dict):
        return
    kept = released if isinstance(released, dict) else {}
    for name, value in original.items():
        if not reportable_name(name):
            continue                # counted as an unknown field with an unusual name
        path = prefix + name
        if name not in kept:
            tally[path] += 1
        elif isinstance(value, (dict, list)):
            _count_withheld(value, kept[name], path + ".", tally)
