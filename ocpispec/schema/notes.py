"""Privacy class and a short description of every OCPI field, shared by all versions.

One object per unindented line, then `field  class  doc`. Classes: `public`,
`quasi` (quasi-identifier), `personal`, `never`. For an object field the class is a
floor for its contents: `CDR.cdr_location` is public, but `CdrLocation.address` is
quasi; `Session.total_cost` raises every `Price` field below it to quasi. A tariff is
quasi where a charge reaches it, but for the CPO's identity, its currency and type
(`contract_tariffs.py`), and so are a joined location's place fields
(`charge_sites.py`). Fields that exist in one version only (`start_datetime`,
`before_taxes`...) are listed too.

The objects are listed by area: charges (`notes_charging`), sites (`notes_sites`),
tariffs (`notes_tariffs`), tokens and platforms (`notes_parties`).
"""

from __future__ import annotations

from ocpispec.schema.notes_charging import CHARGING_NOTES
from ocpispec.schema.notes_parties import PARTY_NOTES
from ocpispec.schema.notes_sites import SITE_NOTES
from ocpispec.schema.notes_tariffs import TARIFF_NOTES

NOTES = CHARGING_NOTES + SITE_NOTES + TARIFF_NOTES + PARTY_NOTES
