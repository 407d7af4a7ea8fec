"""Which objects `ocpispec get` may print at all: those `run` would not leave out.

A run exports only what the public record of the CPO's infrastructure covers
(`plan/privacy_step.py`, `privacy.public_locations`): locations with `publish` true,
tariffs a connector of such a location names (a home charger's own tariff, or one
only some drivers get, is no public price: its id, text and URL name the home or the
contract), and sessions and CDRs at such locations, CDRs with
`home_charging_compensation` aside. `get` withholds fields by path, but an object at a
home is personal whatever fields it keeps: the home's tariff with its id, text and URL,
a session there with its times and energy. So `get` leaves such objects out as the run
does, counts them, and prints them only with `--include-private`, which warns as
loudly as `--privacy-pass .`.

OCPI 2.1.1 has no `publish`: a platform lists public locations only there, so records at
a location it does not list are left out too. A location is keyed by its party and id
(`country_code`, `party_id`, `id`), so one party's public id does not let another
party's home through on a hub.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import compress
from dataclasses import dataclass
from typing import Any

from ocpispec.schema.publish import on_driveway, says_not_public

# modules whose objects a run keeps only where a published location covers them
SCOPED = frozenset({"locations", "tariffs", "sessions", "cdrs"})
NEEDS_SITES = frozenset({"tariffs", "sessions", "cdrs"})  # a crawl of locations first
# the fields of an object of these modules that name what the scope looks it up by, beside
# its party (`country_code`, `party_id`): the site a session stands at (or, where
# `location_id` is null, the embedded site of `PLACE_FALLBACKS`), a tariff's own id.
# `fast_pages` reads them in C into the same key (`PublicScope.keeps_places`)
PLACE_FIELDS = {"sessions": "location_id", "cdrs": "location_id", "tariffs": "id"}
PLACE_FALLBACKS = ("cdr_location", "location")
# the sites a session or CDR carries (`release` strips them; a fast path leaves such a page)
EMBEDDED_LOCATIONS = {"sessions": ("location",), "cdrs": ("location", "cdr_location")}


@dataclass(frozen=True)
class PublicScope:
    """`sites`: (country_code, party_id, id) of the published locations; `tariffs`:
    (country_code, party_id, tariff id) their connectors name. `pending`: the locations
    are still being read (`get` reads them beside the module, `cli/get_sites.py`): `key`
    says what each object will be looked up by, and `keeps` cannot be asked yet."""

    module: str
    sites: frozenset[tuple[Any, Any, Any]] = frozenset()
    tariffs: frozenset[tuple[Any, Any, Any]] = frozenset()
    pending: bool = False

    def keeps(self, obj: dict[str, Any]) -> bool:
        assert not self.pending, "the scope is asked before its locations were read"
        match self.module:
            case "locations":
                return not private_site(obj)
            case "tariffs":
                return _key(obj, obj.get("id")) in self.tariffs
            case "sessions" | "cdrs":
                if self.module == "cdrs" and home_charging(obj):
                    return False
                return place(obj) in self.sites
        return True

    def key(self, obj: dict[str, Any]) -> tuple[Any, Any, Any] | None:
        """What `obj` will be looked up by in `places` (as `keeps` looks it up): a tariff
        its party and id, a session or CDR its `place`; None where it is left out
        whatever the locations say (a CDR with home charging, a key naming no site)."""
        if self.module == "tariffs":
            return _key(obj, obj.get("id"))
        if self.module == "cdrs" and home_charging(obj):
            return None
        return place(obj)

    @property
    def places(self) -> frozenset[tuple[Any, Any, Any]] | None:
        """The keys `place` is looked up in (sessions and CDRs: the published sites;
        tariffs: the tariffs their connectors name), or None for locations, which
        are judged by their own flags."""
        match self.module:
            case "tariffs":
                return self.tariffs
            case "sessions" | "cdrs":
                return self.sites
        return None

    def keeps_places(self, places: list[tuple[Any, Any, Any]]) -> list[int] | None:
        """Of objects `place` keyed (or the fast path, in C, as `place` keys them), the
        indices of those kept, or None when all are."""
        kept = self.places_kept(places)
        return None if kept is None else list(compress(range(len(places)), kept))

    def places_kept(self, places: list[tuple[Any, Any, Any]]) -> list[bool] | None:
        """Per place, whether the object keyed by it is kept (a look-up per place, in C),
        or None when all are. Only for sessions and tariffs: a CDR's
        `home_charging_compensation` is judged too."""
        assert self.module in ("sessions", "tariffs"), self.module
        known = self.places
        assert known is not None
        kept = list(map(known.__contains__, places))
        return None if all(kept) else kept

    def why(self) -> str:
        """Why the objects left out were, for the summary."""
        match self.module:
            case "locations":
                return "not published (publish false, or a private driveway)"
            case "tariffs":
                return "no connector of a published location names them"
            case "cdrs":
                return "at a location not published or not listed, or home charging"
        return "at a location not published or not listed"


def scope_from_locations(module: str, locations: Iterable[dict[str, Any]],
                         version: str) -> PublicScope:
    """The scope of `module` from every location the platform lists. The tariffs their
    connectors name are gathered for a scope of tariffs only, which alone looks them up
    (`places`, `keeps`): a walk of every EVSE and connector cost `get sessions` more than
    reading the sites."""
    sites, tariffs = set(), set()
    gather_tariffs = module == "tariffs"
    for location in locations:
        if not isinstance(location, dict) or private_site(location):
            continue
        if (site := _key(location, location.get("id"))) is not None:
            sites.add(site)
        for evse in _objects(location.get("evses")) if gather_tariffs else ():
            for connector in _objects(evse.get("connectors")):
                tariffs.update(key for tariff in connector_tariffs(connector, version)
                               if isinstance(tariff, str) and tariff
                               and (key := _key(location, tariff)) is not None)
    return PublicScope(module, frozenset(sites), frozenset(tariffs))


def connector_tariffs(connector: dict[str, Any], version: str) -> list[Any]:
    """The tariffs a connector names under its version's key, as `run` reads them (the
    normalizer: 2.1.1's `tariff_id`, 2.2's `tariff_ids`). The other version's key is an
    unknown field there, withheld and not read: taken too, `get tariffs` printed as a
    public price a tariff `run` kept out (`tests/privacy/test_tariff_keys_together.py`)."""
    if version == "2.1.1":
        return [connector.get("tariff_id")]
    named = connector.get("tariff_ids")
    return named if isinstance(named, list) else [named]


def private_site(obj: dict[str, Any]) -> bool:
    """As the run reads `publish` (`schema.neutral`): a location that says it and not
    exactly `true` (`false`, `"false"`, `0`), also under another key (`schema.publish`),
    is not public, on 2.1.1 too; so is a site on a driveway."""
    publish = obj.get("publish")
    return (publish is not None and publish is not True) or says_not_public(obj) or \
        on_driveway(obj)


def place(obj: dict[str, Any]) -> tuple[Any, Any, Any] | None:
    """What a session or CDR is looked up by: its party and the location it names."""
    return _key(obj, location_named(obj))


def _key(obj: dict[str, Any], ident: Any) -> tuple[Any, Any, Any] | None:
    """(country_code, party_id, id), or None where one of them is an object or a list
    (a platform's own field on 2.1.1, which has no party): such a key names no site,
    and an object keyed by it is in no scope."""
    key = (obj.get("country_code"), obj.get("party_id"), ident)
    return key if all(part is None or part.__class__ in _SCALARS for part in key) else None


_SCALARS = frozenset({str, int, float, bool})


def location_named(obj: dict[str, Any]) -> Any:
    """The location a session or CDR names: 2.2+ `location_id` / `cdr_location.id`,
    2.1.1 `location.id`. One naming two (a field its version lacks beside the one it
    has: a CDR's or a 2.1.1 session's `location_id` beside the id of the site it embeds)
    names no site (`_TWO_SITES`, which no scope holds): which is the charge's cannot be
    told, and a platform's own field must not move a charge at a home to a public site."""
    ident = obj.get("location_id")
    for name in PLACE_FALLBACKS:
        if (embedded := obj.get(name)).__class__ is dict and \
                (other := embedded.get("id")) is not None:
            if ident is None:
                ident = other
            elif other != ident:
                return _TWO_SITES
    return ident


_TWO_SITES = ("two sites",)     # not a scalar: `_key` makes no key of it


def home_charging(obj: dict[str, Any]) -> bool:
    flag = obj.get("home_charging_compensation")
    return flag is not None and flag is not False and str(flag).strip().lower() not in \
        ("false", "0", "")


def _objects(items: Any) -> list[dict[str, Any]]:
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
