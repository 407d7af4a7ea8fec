"""Two row datasets whose filters bound one quasi-identifier close together pin it
between them (OCX303).

`where total_cost.excl_vat >= 20` in one row dataset and `>= 20.05` in another each
keep a range wider than any floor, yet the rows the first keeps and the second does not
are the charges that cost between 20 and 20.05: a band half the floor of 0.1 wide. The
consumer finds them by comparing the two files (row by row where they show the same
columns, which a start cut to the hour, a postal area and an energy to 0.1 kWh make all
but unique; their number at least), and a third dataset of the export that releases the
driver's pseudonym beside the same columns tells whose they are. Each filter alone
checked clean (`filter_pins.py` closes a range within one filter only); OCX333 looks for
a pseudonym shared by the two, which these need not release. A session and its CDR are
one charge, so their datasets are compared too (`kwh` and `total_energy` are one
energy). Aggregates hold the minimum group size of drivers and are OCX332's.
"""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.check.checked import CheckedDataset
from ocpispec.check.context import Context
from ocpispec.check.filter_pins import Bound, amount
from ocpispec.check.quantities import EVENT_MODULES, quantity
from ocpispec.diagnostics import Diagnostic, Label, Severity


def check_bound_differencing(datasets: Sequence[CheckedDataset | None], names: Sequence[str],
                             ctx: Context) -> None:
    """`datasets` as the spec lists them (None for one that failed), `names` theirs."""
    seen: dict[tuple[str, str], list[tuple[str, Bound]]] = {}
    for dataset, name in zip(datasets, names):
        if dataset is None or dataset.is_aggregate or not dataset.dataset.source.wheres:
            continue
        reported: set[tuple[str, str]] = set()
        for bound in ctx.bounds.get(id(dataset.dataset.source.wheres[0]), ()):
            key = _key(dataset.module, quantity(bound.use.field))
            earlier = seen.setdefault(key, [])
            found = next(((other, kept) for other, kept in earlier
                          if other != name and _band(bound, kept) is not None), None)
            if found is not None and key not in reported:
                reported.add(key)
                ctx.emit(_warn(bound, name, *found))
            earlier.append((name, bound))


def _key(module: str, held: str) -> tuple[str, str]:
    """A charge's start, end, energy or cost is one value in a session and its CDR;
    anything else (`last_updated`) is the module's own."""
    shared = module in EVENT_MODULES and held.startswith("charge ")
    return ("charges" if shared else module, held)


def _band(a: Bound, b: Bound) -> float | None:
    """The width of the values one bound keeps and the other does not, when it is below
    the floor: two lower bounds (or two upper ones) a little apart, or one value kept by
    one and not the other (`kwh < 20` and `kwh <= 20`: every row at 20 exactly)."""
    if a.below != b.below:
        return None
    width = abs(a.value - b.value)
    if width == 0:
        return 0.0 if a.inclusive != b.inclusive else None
    return width if width < a.floor * (1 - 1e-9) else None


def _warn(bound: Bound, name: str, other: str, kept: Bound) -> Diagnostic:
    field = bound.use.field.qualified
    width = _band(bound, kept) or 0.0
    shown = f"a band of {amount(width, bound.use)}" if width else "one value exactly"
    return Diagnostic(
        "OCX303", Severity.WARNING,
        f"the filters of `{other}` and `{name}` pin the quasi-identifier `{field}` below "
        "its floor together",
        (Label(bound.span, f"and the bound of `{other}` leave {shown} between them"),
         Label(kept.span, f"the bound of `{other}`", False)),
        notes=["the rows one dataset keeps and the other does not have their value in "
               f"{shown}; comparing the two files finds them (row by row where they show "
               "the same columns, their number at least), whatever the columns coarsen "
               "the value to",
               "another dataset of the export that releases the driver's pseudonym beside "
               "the same columns tells whose they are"],
        help="give both datasets the same bound, or bounds at least the floor apart, or "
             "aggregate them")
