"""Grids split over row datasets that a record's pseudonym links.

`round(kwh, 1)` in one dataset and `round(kwh + 0.02, 1)` in another each keep steps of
0.1 kWh; when both release `pseudonymize(id)` of the same module, the consumer joins
their rows on it, and each session's energy shows in cells of 0.02 kWh, as if the two
columns were in one dataset (`check/grids.py`); so do the start's hour in one and the
end's hour and the duration in the other (`check/time_pins.py`). A driver's pseudonym does not link rows
this way (a driver has many sessions); a pseudonym of any value that names one record does:
its `id`, the session id a CDR carries, its authorisation reference, its start, end or
update time to the second (`pseudonymize(start_date_time)` is as good a key as the id),
its exact energy or cost (`pseudonymize(kwh)`: to the Wh, no two charges share one),
also read through the join of a session to its CDR or back, and across a sessions and a
CDR dataset (a session's `id` and its CDR's `session_id` have one pseudonym).
"""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.language import syntax
from ocpispec.check.checked import CheckedDataset
from ocpispec.check.context import Context
from ocpispec.check.grids import check_linked
from ocpispec.check.quantities import EVENT_MODULES, charge_link, quantity
from ocpispec.check.time_pins import check_linked_time_pins
from ocpispec.language.functions import Effect


def check_linked_grids(datasets: Sequence[CheckedDataset | None], names: Sequence[str],
                       ctx: Context) -> None:
    linked: dict[str, list[tuple[str, list]]] = {}
    shown: dict[str, str] = {}
    for dataset, name in zip(datasets, names):
        if dataset is None or not isinstance(dataset.dataset.body, syntax.Select):
            continue
        released = ctx.released.get(id(dataset.dataset.body))
        if released is None:
            continue
        for link, written in sorted(_record_links(dataset)):
            linked.setdefault(link, []).append((name, released))
            shown.setdefault(link, written)
    checked: set[tuple[str, ...]] = set()
    for link, members in linked.items():
        group = tuple(name for name, _ in members)
        if len(members) > 1 and group not in checked:
            checked.add(group)
            check_linked(members, f"the same pseudonym of each charge's {link} "
                                  f"(`pseudonymize({shown[link]})`)", ctx)
            check_linked_time_pins(members, ctx)


def _record_links(dataset: CheckedDataset) -> set[tuple[str, str]]:
    """The charge-naming values `dataset` releases pseudonymised: (what the value is,
    as the spec names it: `id`, `cdr.id`, `session_id`). Datasets sharing one are
    linked, sessions and CDRs alike (a session's `id` is its CDR's `session_id`)."""
    found = set()
    for column in dataset.columns:
        if column.effect is not Effect.PSEUDONYMISE or len(column.sources) != 1:
            continue
        source = column.sources[0]
        if dataset.module in EVENT_MODULES and (link := _naming(source)) is not None:
            found.add((link, source.qualified))
    return found


def _naming(source) -> str | None:
    """What one charge's pseudonymised value is: an id or a time (`charge_link`), or its
    exact energy or cost (`kwh` to the Wh, a cost to the cent: no two charges of a
    window are likely to share one, so `pseudonymize(kwh)` joins two files as the id
    does). A charging period's values are not the charge's."""
    if (link := charge_link(source)) is not None:
        return link
    held = quantity(source)
    return held.removeprefix("charge ") if not source.base and held.startswith("charge ") \
        else None
