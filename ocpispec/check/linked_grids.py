"""Grids split over row datasets that a record's pseudonym links.

`round(kwh, 1)` in one dataset and `round(kwh + 0.02, 1)` in another each keep steps of
0.1 kWh; when both release `pseudonymize(id)` of the same module, the consumer joins
their rows on it, and each session's energy shows in cells of 0.02 kWh, as if the two
columns were in one dataset (`check/grids.py`); so do the start's hour in one and the
end's hour and the duration in the other (`check/time_pins.py`). A driver's pseudonym does not link rows
this way (a driver has many sessions), so only the record's own `id` counts.
"""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.language import syntax
from ocpispec.check.checked import CheckedDataset
from ocpispec.check.context import Context
from ocpispec.check.grids import check_linked
from ocpispec.check.time_pins import check_linked_time_pins
from ocpispec.language.functions import Effect


def check_linked_grids(datasets: Sequence[CheckedDataset | None], names: Sequence[str],
                       ctx: Context) -> None:
    linked: dict[str, list[tuple[str, list]]] = {}
    for dataset, name in zip(datasets, names):
        if dataset is None or not isinstance(dataset.dataset.body, syntax.Select):
            continue
        released = ctx.released.get(id(dataset.dataset.body))
        if released is not None and _releases_record_pseudonym(dataset):
            linked.setdefault(dataset.module, []).append((name, released))
    for module, members in linked.items():
        if len(members) > 1:
            check_linked(members, f"the same pseudonym of each {module} record "
                                  "(`pseudonymize(id)`)", ctx)
            check_linked_time_pins(members, ctx)


def _releases_record_pseudonym(dataset: CheckedDataset) -> bool:
    return any(column.effect is Effect.PSEUDONYMISE and len(column.sources) == 1
               and column.sources[0].binding == "" and column.sources[0].path == ("id",)
               for column in dataset.columns)
