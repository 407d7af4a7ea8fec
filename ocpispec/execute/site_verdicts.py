"""A site's verdict remembered by the location id and party fields a charge sends.

The privacy step (`pipeline._privacy_check`) and the crawl's judge of private copies
(`private_places.LookedUpSites`) each ask, of every charge, whether its site is
published, and remember the answer per site: a function of three texts as sent (the
location id, `country_code`, `party_id`). Kept as a tuple of the three per site, each
entry held the charge's own three strings (the two party fields, the same for every
site of a party, once per site) and a tuple: some 270 bytes a site, 4.5 MB in each of
the two memos at the 16,666 sites of a million realistic sessions, where a hundred
thousand sessions hold a tenth of that. Here the verdicts are held by party, then by
location id: a site costs its id and a dict entry, and a party's two texts are held
once. Equal texts find the same verdict either way.

    verdicts = SiteVerdicts()
    verdicts.by_party.get(country, NONE).get(party, NONE).get(site)   # None: not known
    verdicts.remember(country, party, site, True)     # len(verdicts): the sites held
    verdicts.clear()
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

# what `by_party.get` falls back to: an empty mapping that nothing writes to
NONE: Any = MappingProxyType({})


class SiteVerdicts:
    """Verdicts by `country_code`, then `party_id`, then location id (all text)."""

    __slots__ = ("by_party", "held")

    def __init__(self) -> None:
        self.by_party: dict[str, dict[str, dict[str, bool]]] = {}
        self.held = 0

    def find(self, country: str, party: str, site: str) -> bool | None:
        """The verdict remembered for the site, None when none is."""
        return self.by_party.get(country, NONE).get(party, NONE).get(site)

    def remember(self, country: str, party: str, site: str, verdict: bool) -> bool:
        sites = self.by_party.setdefault(country, {}).setdefault(party, {})
        if site not in sites:
            self.held += 1
        sites[site] = verdict
        return verdict

    def clear(self) -> None:
        self.by_party.clear()
        self.held = 0

    def __len__(self) -> int:
        return self.held
