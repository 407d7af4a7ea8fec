"""A record's public id that holds its card, read as null where a dataset shows it.

The attack (helper review, round 36): a platform that names a charge's site or charger
after the driver's card or contract (`location_id: "LOC-NL-TNM-C12345678"`, `evse_uid:
"EVSE-04A2B3C4-1"`) released the card through a column that shows the site: the wire
reader reads a public id (`schema/public_ids.py`) as null only when it is the card
whole, since a site's id is a key (the public-location check, a join to `locations`).

Here a dataset whose columns or measures show a public id of its records other than as
a pseudonym reads it as it reads a shown own id (`shown_own_ids`): holding a card as
free text does (a long card anywhere in its letters and digits, a short one only as a
whole word, so `LOC-04A2` beside the uid `04A2B3C4` stays), it is null in the dataset's
copy of the record, once the record's public-location check and joins have read it as
sent; the record keeps its rows; counted by path and reason, never shown.

    scrub = public_id_scrubber(dataset, counts.join_misses)  # None: no public id shown
    scrub(record, wire)   # `record` normalized (nulled in place, copied below its top),
                          # its cards read from `wire`, the record as sent
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from ocpispec.execute.joined_own_ids import counted_as_nulled
from ocpispec.execute.shown_own_ids import read_sources, record_cards
from ocpispec.plan import ir
from ocpispec.schema.own_ids import CARD_PATHS, OWN_ID_IN_TEXT, card_forms, held_form, shown_public_ids

Path = tuple[str, ...]
Scrub = Callable[[dict, dict], None]


def public_id_scrubber(dataset: ir.Dataset, counted: Counter[str]) -> Scrub | None:
    """The scrub of `dataset`'s records (counting into `counted`, a dataset's join
    misses), or None where it shows no public id of its records."""
    paths = shown_public_ids(dataset.module, read_sources(dataset, hidden=False, joins=False))
    if not paths:
        return None
    cards = CARD_PATHS[dataset.module]
    keys = [counted_as_nulled(".".join(name.removesuffix("[]") for name in path), OWN_ID_IN_TEXT)
            for path in paths]

    def scrub(record: dict, wire: dict) -> None:
        forms: list[bytes] | None = None
        for path, key in zip(paths, keys):
            name = path[0].removesuffix("[]")
            value = record.get(name)
            if value is None:
                continue
            if forms is None:
                forms = card_forms(record_cards(wire, cards))
                if not forms:
                    return
            cleaned, nulled = _cleaned(value, path, forms)
            if nulled:
                record[name] = cleaned
                counted[key] += nulled
    return scrub


def _cleaned(value: Any, path: Path, forms: list[bytes]) -> tuple[Any, int]:
    """`value` (at `path[0]`) with each text at the rest of `path` holding a card null,
    copied where one is (the record's objects may be another record's, a join's), and
    how many were."""
    rest = path[1:]
    if path[0].endswith("[]"):
        if value.__class__ is not list:
            return value, 0
        items, nulled = [], 0
        for item in value:
            found, count = _cleaned_one(item, rest, forms)
            items.append(found)
            nulled += count
        return (items, nulled) if nulled else (value, 0)
    return _cleaned_one(value, rest, forms)


def _cleaned_one(value: Any, rest: Path, forms: list[bytes]) -> tuple[Any, int]:
    if not rest:
        return (None, 1) if value.__class__ is str and held_form(value, forms) else (value, 0)
    if value.__class__ is not dict:
        return value, 0
    name = rest[0].removesuffix("[]")
    below = value.get(name)
    if below is None:
        return value, 0
    found, nulled = _cleaned(below, rest, forms)
    return ({**value, name: found}, nulled) if nulled else (value, 0)
