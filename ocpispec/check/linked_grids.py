"""Grids split over row datasets that a record's pseudonym links.

`round(kwh, 1)` in one dataset and `round(kwh + 0.02, 1)` in another each keep steps of
0.1 kWh; when both release `pseudonymize(id)` of the same module, the consumer joins
their rows on it, and each session's energy shows in cells of 0.02 kWh, as if the two
columns were in one dataset (`check/grids.py`); so do the start's hour in one and the
end's hour and the duration in the other (`check/time_pins.py`). A driver's pseudonym does not link rows
this way (a driver has many sessions); a pseudonym of any value that names one record does:
its `id`, the session id a CDR carries, its authorisation reference, its start, end or
update time to the second (`pseudonymize(start_date_time)` is as good a key as the id),
also read through the join of a session to its CDR or back.
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
    linked: dict[tuple[str, str], list[tuple[str, list]]] = {}
    for dataset, name in zip(datasets, names):
        if dataset is None or not isinstance(dataset.dataset.body, syntax.Select):
            continue
        released = ctx.released.get(id(dataset.dataset.body))
        if released is None:
            continue
        for link in sorted(_record_links(dataset)):
            linked.setdefault((dataset.module, link), []).append((name, released))
    checked: set[tuple[str, ...]] = set()
    for (module, link), members in linked.items():
        group = tuple(name for name, _ in members)
        if len(members) > 1 and group not in checked:
            checked.add(group)
            check_linked(members, f"the same pseudonym of each {module} record "
                                  f"(`pseudonymize({link})`)", ctx)
            check_linked_time_pins(members, ctx)


# the fields that name one record of a module: read from the record itself, or from the
# one record a session and its CDR join to (a location, tariff or token is shared)
_NAMING = {
    "sessions": frozenset({("id",), ("authorization_reference",), ("start_date_time",),
                           ("end_date_time",), ("last_updated",)}),
    "cdrs": frozenset({("id",), ("session_id",), ("authorization_reference",),
                       ("start_date_time",), ("end_date_time",), ("last_updated",)}),
}
_ONE_TO_ONE = frozenset({("sessions", "cdrs"), ("cdrs", "sessions")})


def _record_links(dataset: CheckedDataset) -> set[str]:
    """The record-naming values `dataset` releases pseudonymised, as the spec names them
    (`id`, `cdr.id`, `start_date_time`): datasets of one module sharing one are linked."""
    found = set()
    for column in dataset.columns:
        if column.effect is not Effect.PSEUDONYMISE or len(column.sources) != 1:
            continue
        source = column.sources[0]
        same = source.binding == "" or (dataset.module, source.module) in _ONE_TO_ONE
        if same and source.path in _NAMING.get(source.module, ()):
            found.add(source.qualified)
    return found
