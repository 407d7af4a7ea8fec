"""The published sites a run's crawl of sessions or CDRs tells a private copy by.

A charge sent at a published site and again, with the same stamp, at a home is a doubt
(`ocpi.private_copies`): which copy holds cannot be told, and the first was handed on.
The crawl tells it only where it knows which sites are published: `get` hands it the
sites it read first (`ocpi.public_scope.PublicScope`); a run hands it its lookup of the
locations, which the privacy step (`privacy.public_locations`) reads anyway. Before, a
run told it only on pages its worker processes had judged, and in one process exported
the charge at the home as one at the public site, and exited 0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ocpispec.execute.lookups import party_of
from ocpispec.execute.site_verdicts import NONE, SiteVerdicts
from ocpispec.ocpi.public_scope import home_charging, location_named, place


_MEMO_LIMIT = 65_536


@dataclass(frozen=True)
class LookedUpSites:
    """`PublicScope.keeps` for a run's crawl: whether a raw session or CDR is at a
    location its lookup lists as published (a CDR with home charging: no)."""

    module: str
    version: str
    find: Callable[[Any, tuple[str, str] | None], dict | None]
    party: tuple[tuple[str, ...], ...]
    places: None = None     # a run reads no fast reader's pages (`CleanPage.places`)
    # verdicts by (location id, party), as the privacy step memoises them: a lookup per
    # charge of a million cost more than the crawl's scan of a page for private copies
    verdicts: dict[Any, bool] = field(default_factory=dict, compare=False, repr=False)

    # verdicts by the location named, country_code and party_id as sent, where the party
    # is those two fields and all three are text: the verdict is a function of these three
    # values alone, and a run's crawl asks it of every charge (folding the party of each,
    # as `judged` does, cost more than the privacy step's own check of the charge). The
    # location named is `place`'s: a `location_id` beside an embedded site of another id
    # names none, and must not find the verdict of a charge that sent that id alone. Held
    # by party, then location id (`site_verdicts`: not a tuple of three texts per site)
    as_sent: SiteVerdicts = field(default_factory=SiteVerdicts, compare=False, repr=False)

    @cached_property
    def _sent_party(self) -> bool:
        return self.party == (("country_code",), ("party_id",))

    def keeps(self, obj: dict[str, Any]) -> bool:
        if self.module == "cdrs" and home_charging(obj):
            return False
        if self._sent_party:
            site, country, party = location_named(obj), obj.get("country_code"), obj.get("party_id")
            if site.__class__ is str and country.__class__ is str and party.__class__ is str:
                known = self.as_sent.by_party.get(country, NONE).get(party, NONE).get(site)
                if known is None:
                    if len(self.as_sent) >= _MEMO_LIMIT:
                        self.as_sent.clear()
                    # not in `verdicts` too: a second memo of the same sites
                    known = self.as_sent.remember(country, party, site,  # type: ignore[arg-type]
                                                  self.judged(obj, remember=False))
                return known
        return self.judged(obj)

    def judged(self, obj: dict[str, Any], remember: bool = True) -> bool:
        """`keeps` of a charge without home charging, read as `place` and the party read it;
        `remember` False: not in `verdicts` (the caller remembers it as sent)."""
        from ocpispec.execute.pipeline import is_published

        key = place(obj)
        if key is None or key[2] is None:
            return False
        owner = party_of(obj, self.party) if self.party else None
        memo = (key[2], owner) if remember and key[2].__class__ is str else None
        if memo is not None and (known := self.verdicts.get(memo)) is not None:
            return known
        found = self.find(key[2], owner)
        verdict = found is not None and is_published(found.get("publish"), self.version)
        if memo is not None:
            if len(self.verdicts) >= _MEMO_LIMIT:
                self.verdicts.clear()
            self.verdicts[memo] = verdict
        return verdict


def looked_up_sites(dataset: Any, lookups: Mapping[str, Any], version: str) -> LookedUpSites | None:
    """The sites of a run of sessions or CDRs whose privacy step looks locations up in a
    table the platform listed; None otherwise (a spec that includes private locations,
    a per-id lookup, which lists nothing)."""
    from ocpispec.plan import ir

    step = dataset.step(ir.PrivacyFilter)
    if dataset.module not in ("sessions", "cdrs") or step is None \
            or step.rule != "exclude-private-locations" or step.lookup is None:
        return None
    find = getattr(lookups.get(step.lookup), "listed", None)
    return None if find is None else LookedUpSites(dataset.module, version, find, step.party)
