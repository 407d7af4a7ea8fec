"""The privacy step of a dataset's pipeline (`pipeline.py`): whether a record may leave,
by the spec's rule: its own `publish` flag, or the published location it was charged at
(`lookups`), remembered per location and party in bounded caches.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ocpispec.execute.jmes_compile import Compiled, is_false
from ocpispec.execute.lookups import Lookup, party_reader
from ocpispec.plan import ir
from ocpispec.execute.site_verdicts import NONE, SiteVerdicts
from ocpispec.plan.lower import quote

# bound of the per-key caches of the privacy check and the joins (keys are locations,
# EVSEs, connectors: a dimension's size, not the number of records)
_CACHE_LIMIT = 100_000


def _privacy_check(step: ir.PrivacyFilter | None, version: str,
                   compile: Callable[[str], Compiled],
                   lookups: Mapping[str, Lookup]) -> Callable[[dict], bool] | None:
    if step is None or step.rule in ("included-by-spec", "not-location-bound"):
        return None
    if step.rule == "public-locations-only":
        return lambda record: is_published(record.get("publish"), version)
    exclude = compile(step.exclude) if step.exclude else None
    lookup = lookups[step.lookup] if step.lookup else None
    location_of = compile(".".join(quote(name) for name in step.location_key or ()))

    # only the locations the platform lists count (never a per-id GET for a miss)
    find = getattr(lookup, "listed", None) or getattr(lookup, "get", None)
    # a site is its party's: a home charger's id another party's public site holds
    # opens nothing, and a record whose party is unknown finds no site of a party
    owner_of = party_reader(step.party) if step.party else None
    verdicts: dict[tuple[Any, tuple[str, str] | None], bool] = {}

    def published(key: Any, owner: tuple[str, str] | None) -> bool:
        location = find(key, owner) if find is not None else None
        return location is not None and is_published(location.get("publish"), version)

    def verdict(key: Any, owner: tuple[str, str] | None) -> bool:
        if key.__class__ is not str:
            return published(key, owner)
        found = verdicts.get((key, owner))
        if found is None:  # per location and party: bounded by the locations
            if len(verdicts) >= _CACHE_LIMIT:
                verdicts.clear()
            found = verdicts[(key, owner)] = published(key, owner)
        return found

    def public(record: dict) -> bool:
        if exclude is not None and not is_false(exclude(record)):
            return False
        return lookup is None or verdict(location_of(record),
                                         owner_of(record) if owner_of is not None else None)

    fields = _party_fields(step.party) if lookup is not None and exclude is None else None
    if fields is None:
        return public
    first, second = fields
    # by party, then location id (`site_verdicts`: a site's id and an entry, not a tuple
    # of the record's three texts)
    as_sent = SiteVerdicts()
    by_party = as_sent.by_party

    def public_as_sent(record: dict) -> bool:
        """`public`, remembered by the location key and party fields as the record
        sends them (the verdict is a function of those three values alone): the party
        is not folded again for every record at a site."""
        key = location_of(record)
        country, party = record.get(first), record.get(second)
        if key.__class__ is not str or country.__class__ is not str \
                or party.__class__ is not str:
            return public(record)   # another type: keyed only as text
        found = by_party.get(country, NONE).get(party, NONE).get(key)
        if found is None:
            if len(as_sent) >= _CACHE_LIMIT:
                as_sent.clear()
            # not remembered by the folded party as well: a second memo of the same
            # sites behind this one (some 330 bytes a site) answered only a party spelled
            # two ways, and held 5 MB at 16,666 sites
            found = as_sent.remember(country, party, key, published(key, owner_of(record)))  # type: ignore[misc]
        return found

    # what a generated row function reads to find a remembered verdict itself
    # (`fused_rows`), calling `public_as_sent` for any other case
    public_as_sent.as_sent = (location_of, first, second, by_party)  # type: ignore[attr-defined]
    return public_as_sent


def _party_fields(party: tuple[tuple[str, ...], ...] | None) -> tuple[str, str] | None:
    """The two top-level fields a record names its party by (`country_code`,
    `party_id`), None for any other shape of `party`."""
    if party is None or len(party) != 2 or len(party[0]) != 1 or len(party[1]) != 1:
        return None
    return party[0][0], party[1][0]


def is_published(flag: Any, version: str) -> bool:
    # OCPI 2.1.1 has no `publish`: every location it lists is a public one
    return flag is True or (flag is None and version == "2.1.1")
