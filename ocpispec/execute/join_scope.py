"""What a join may find: only the objects `from MODULE` would export.

A run of sessions or CDRs keeps only records at published sites (`privacy.public_locations`),
and a join must not open what that scope closes: a CDR at a public site names a tariff
only its driver's contract gets (no published location names it: `from tariffs` and `get
tariffs` leave it out), a session's CDR may be one for home charging, a CDR's session may
stand at a home. So the records of a joined module are judged as `from MODULE` judges them
before its lookup table holds them; one left out is no match, as a key the platform never
listed (the join's misses, `left null`), and the run's summary says how many were left out.

- tariffs: only those a connector of a published location names (the locations are read
  first: their lookup collects the names as it streams), by party and id
- sessions, CDRs: only those at a location the locations lookup lists as published, by
  party (`private_places.LookedUpSites`, the crawl's judge); CDRs for home charging never
- locations: only published ones, as the privacy step reads them (`pipeline`: a
  joined location's `publish`, whether the table or its per-id fallback found it)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ocpispec.execute.charge_tariffs import tariff_key
from ocpispec.execute.lookups import fold
from ocpispec.execute.private_places import LookedUpSites
from ocpispec.ocpi.public_scope import PublicScope, connector_tariffs, private_site
from ocpispec.schema.joins import PARTY

SCOPED_JOINS = frozenset({"tariffs", "sessions", "cdrs"})  # judged before their table


@dataclass
class JoinScope:
    """The scope of one run's joined modules. `tariffs`: (country code, party id, tariff
    id), folded, that a connector of a published location names; `left_out`: objects of
    each joined module its scope kept out of the lookup."""

    version: str
    # whether the run reads `tariffs` (a tariffs join, or a charge's copies of its
    # tariffs): without, the locations' connectors are not walked for the names
    reads_tariffs: bool = True
    sites: LookedUpSites | None = None
    tariffs: set[tuple[Any, Any, Any]] = field(default_factory=set)
    left_out: dict[str, int] = field(default_factory=dict)

    def read_locations(self, records: Iterable[dict], listed: Callable[..., Any]
                       ) -> Iterator[dict]:
        """The locations as listed, the tariffs each published one names collected on
        the way; `listed` (the table's) judges sessions and CDRs afterwards."""
        from ocpispec.execute.pipeline import is_published

        self.sites = None
        for location in records:
            if self.reads_tariffs and isinstance(location, dict) and \
                    not private_site(location) and is_published(location.get("publish"),
                                                                self.version):
                self.tariffs.update(_named_tariffs(location, self.version))
            yield location
        self.sites = LookedUpSites("cdrs", self.version, listed, PARTY)

    def kept(self, module: str, records: Iterable[dict]) -> Iterator[dict]:
        """The records of a joined module `from MODULE` would keep."""
        keeps = self._judge(module)
        for record in records:
            if isinstance(record, dict) and keeps(record):
                yield record
            else:
                self.left_out[module] = self.left_out.get(module, 0) + 1

    def warnings(self, module: str) -> list[str]:
        """What the summary says of the objects of `module` left out (none: nothing)."""
        left = self.left_out.get(module, 0)
        return [f"{left:,} `{module}` out of the run's scope ({PublicScope(module).why()}) "
                f"left out of the lookup for joins: a join finds none of them (left null)"] if left else []

    def _judge(self, module: str) -> Callable[[dict], bool]:
        match module:
            case "tariffs":
                return lambda tariff: tariff_key(tariff, tariff.get("id")) in self.tariffs
            case "sessions" | "cdrs":
                if self.sites is None:   # no locations read: no site is known public
                    return lambda _: False
                sites = LookedUpSites(module, self.version, self.sites.find, PARTY)
                return sites.keeps
        return lambda _: True


def _named_tariffs(location: dict, version: str) -> Iterator[tuple[Any, Any, Any]]:
    """`tariff_key(location, tariff)` of each tariff its connectors name, the location's
    party folded once (not once per tariff: 82,125 folds for 3,334 locations)."""
    party: tuple[Any, Any] | None = None
    for evse in _objects(location.get("evses")):
        for connector in _objects(evse.get("connectors")):
            for tariff in connector_tariffs(connector, version):
                if (folded := fold(tariff)) is not None:
                    if party is None:
                        party = fold(location.get("country_code")), fold(location.get("party_id"))
                    yield (*party, folded)


def _objects(items: Any) -> list[dict]:
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []

