"""Two row datasets whose filters bound one quasi-identifier close together pin it
between them (OCX303).

`where total_cost.excl_vat >= 20` in one row dataset and `>= 20.05` in another each
keep a range wider than any floor, yet the rows the first keeps and the second does not
are the charges that cost between 20 and 20.05: a band half the floor of 0.1 wide. The
consumer finds them by comparing the two files (row by row where they show the same
columns, which a start cut to the hour, a postal area and an energy to 0.1 kWh make all
but unique; their number at least), and a third dataset of the export that releases the
driver's pseudonym beside the same columns tells whose they are. Each filter alone
checked clean (`filter_pins.py` closes a range within one filter only; the bounds are
`filter_bounds.py`'s); OCX333 looks for
a pseudonym shared by the two, which these need not release. A session and its CDR are
one charge, so their datasets are compared too (`kwh` and `total_energy` are one
energy). Aggregates hold the minimum group size of drivers and are OCX332's. Two exports
to one consumer are compared the same way (`check/across.py`): the consumer holds both
files.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ocpispec.check.checked import CheckedDataset, CheckedSpec
from ocpispec.check.context import Context
from ocpispec.check.dataset_names import dataset_ids
from ocpispec.check.filter_bounds import Bound, amount
from ocpispec.check.quantities import EVENT_MODULES, quantity
from ocpispec.diagnostics import Diagnostic, Label, Severity
from ocpispec.diagnostics.source import Span


def check_bound_differencing(datasets: Sequence[CheckedDataset | None], names: Sequence[str],
                             ctx: Context) -> None:
    """`datasets` as the spec lists them (None for one that failed), `names` theirs."""
    seen: list[tuple[str, CheckedDataset]] = []
    for dataset, name in zip(datasets, names):
        if dataset is None:
            continue
        for bound, other, kept in _closing(seen, name, dataset):
            ctx.emit(_warn(bound, name, f"`{other}`", kept, kept.span))
        seen.append((name, dataset))


def bounds_against(earlier: CheckedSpec, later: CheckedSpec) -> list[Diagnostic]:
    """The same between the row datasets of two exports to one consumer, who holds both
    files; the warning goes to the later spec and says where the other bound is."""
    seen = list(zip(dataset_ids([d.dataset for d in earlier.datasets]), earlier.datasets))
    found = []
    for dataset, name in zip(later.datasets, dataset_ids([d.dataset for d in later.datasets])):
        for bound, other, kept in _closing(seen, name, dataset):
            line, column = earlier.source.line_col(kept.span.start)
            where = (f"`{other}` of export `{earlier.spec.header.name.name}` at "
                     f"{earlier.source.name}:{line}:{column}")
            found.append(_warn(bound, name, where, kept, None,
                               f"the bound of export `{earlier.spec.header.name.name}`"))
    return found


def _closing(seen: Sequence[tuple[str, CheckedDataset]], name: str, dataset: CheckedDataset
             ) -> Iterator[tuple[Bound, str, Bound]]:
    """Each quasi-identifier a bound of `dataset` pins with one of a dataset in `seen`:
    the bound, the other dataset's name and its bound (once per quantity)."""
    reported: set[tuple[str, str]] = set()
    for bound in _bounds(dataset):
        key = _key(dataset.module, quantity(bound.use.field))
        if key in reported:
            continue
        for other_name, other in seen:
            kept = next((b for b in _bounds(other) if
                         _key(other.module, quantity(b.use.field)) == key and
                         _band(bound, b) is not None), None)
            if kept is not None:
                reported.add(key)
                yield bound, other_name, kept
                break


def _bounds(dataset: CheckedDataset) -> tuple[Bound, ...]:
    if dataset.is_aggregate or dataset.filter is None:
        return ()
    return dataset.filter.bounds


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


def _warn(bound: Bound, name: str, other: str, kept: Bound, there: Span | None,
          short: str | None = None) -> Diagnostic:
    field = bound.use.field.qualified
    width = _band(bound, kept) or 0.0
    shown = f"a band of {amount(width, bound.use)}" if width else "one value exactly"
    short = short or f"the bound of {other}"
    labels = [Label(bound.span, f"and {short} leave {shown} between them")]
    if there is not None:
        labels.append(Label(there, f"the bound of {other}", False))
    return Diagnostic(
        "OCX303", Severity.WARNING,
        f"the filters of {other} and `{name}` pin the quasi-identifier `{field}` below "
        "its floor together", tuple(labels),
        notes=["the rows one dataset keeps and the other does not have their value in "
               f"{shown}; comparing the two files finds them (row by row where they show "
               "the same columns, their number at least), whatever the columns coarsen "
               "the value to",
               "another dataset the consumer receives that releases the driver's pseudonym "
               "beside the same columns tells whose they are"],
        help="give both datasets the same bound, or bounds at least the floor apart, or "
             "aggregate them")
