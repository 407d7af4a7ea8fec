"""Differencing across specs: two exports to one consumer whose aggregates differ only
by a filter or a window (OCX332, as within one spec in `check/differencing.py`); and two
specs with one export name (OCX346), whose pseudonyms, state and history are one; and
two exports delivering into one file (OCX351), which replace each other's deliveries.

Each export passes its own review, yet the consumer holds both files: subtracting one
table from the other leaves, group by group, the records one filter keeps and the other
drops. `ocpispec check` compares every aggregate of every spec it is given with those
of the specs before it whose consumer is the same (case and spacing ignored, as the
pseudonym derivation reads it); the warning goes to the later spec and names the other.
"""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.check.bound_differencing import bounds_against
from ocpispec.check.checked import CheckedDataset, CheckedSpec
from ocpispec.check.dataset_differences import difference_of, is_totals, left_out_by_rows, \
    totals_of_the_same_records
from ocpispec.check.differencing import anchor, explanation
from ocpispec.check.grid_differencing import STRADDLE_NOTE, straddling
from ocpispec.language import syntax
from ocpispec.diagnostics import Diagnostic, Label, Severity


def check_across(specs: Sequence[CheckedSpec]) -> list[list[Diagnostic]]:
    """The warnings of each spec (in the order given) about the specs before it."""
    found: list[list[Diagnostic]] = [[] for _ in specs]
    for index, later in enumerate(specs):
        twin = next((earlier for earlier in specs[:index]
                     if earlier.spec.header.name.name == later.spec.header.name.name), None)
        if twin is not None:
            found[index].append(_same_name(twin, later))
        else:
            found[index] += _same_destinations(specs[:index], later)
        for earlier in specs[:index]:
            if _consumer(earlier) is None or _consumer(earlier) != _consumer(later):
                continue
            for dataset in _aggregates(later):
                warning = _against(earlier, later, dataset)
                if warning is not None:
                    found[index].append(warning)
            found[index] += _rows_against(earlier, later)
            found[index] += bounds_against(earlier, later)
    return [_first_per_dataset(warnings) for warnings in found]


def _same_name(earlier: CheckedSpec, later: CheckedSpec) -> Diagnostic:
    """Pseudonyms are derived per export name and consumer, and the state and the
    disclosure log are kept per export name: two specs of one name are one export to
    them, whatever each review says."""
    name = later.spec.header.name
    line, column = earlier.source.line_col(earlier.spec.header.name.span.start)
    notes = ["the `since last run` state, `ocpispec state` and the disclosure log keep "
             "one export per name: a run of one spec moves the other's watermark, and "
             "`history` mixes their runs"]
    if _consumer(earlier) == _consumer(later):
        consumer = later.spec.header.consumer
        notes.insert(0, "pseudonyms are derived per export name and consumer: both files "
                     "give each driver the same pseudonym, so \""
                     f"{consumer.value if consumer else ''}\" can join them, although "
                     "each review says the pseudonyms are separate for its export")
    return Diagnostic(
        "OCX346", Severity.WARNING,
        f"export `{name.name}` has the name of the export at "
        f"{earlier.source.name}:{line}:{column}",
        (Label(name.span, "the name of another spec's export"),),
        notes=tuple(notes),
        help="give each export its own name (`export NEW_NAME`; a renamed export keeps "
             "its state with `ocpispec state rename`)")


def _same_destinations(earlier: Sequence[CheckedSpec], later: CheckedSpec) -> list[Diagnostic]:
    """A dataset of `later` whose destination is one of an earlier spec's (another
    export's): run one after the other, the second run is refused (OCX556: the file
    holds the other export's rows, which its state has moved past); run at once, the
    second to commit is. Compared as written, with `{export}` filled in (relative paths
    are relative to the folder both run in)."""
    taken = {_destination(spec, dataset): (spec, dataset) for spec in earlier
             for dataset in spec.datasets if _destination(spec, dataset) is not None}
    warnings = []
    for dataset in later.datasets:
        found = taken.get(_destination(later, dataset))
        if found is None or _destination(later, dataset) is None:
            continue
        spec, other = found
        where = other.dataset.output.destination
        line, column = spec.source.line_col(where.span.start)
        warnings.append(Diagnostic(
            "OCX351", Severity.WARNING,
            f"`{later.spec.header.name.name}` delivers into the file of the export "
            f"`{spec.spec.header.name.name}` at {spec.source.name}:{line}:{column}",
            (Label(dataset.dataset.output.destination.span, "the destination of another "
                   "export"),),
            notes=("a run of one export refuses to replace the other's delivery (OCX556: "
                   "the file holds rows the other's `since last run` state has moved "
                   "past), and of two runs at once the second to commit is refused: "
                   "the export that runs second delivers nothing",),
            help="give each export its own file: put `{export}` in the destination, or "
                 "another name"))
    return warnings


def _destination(spec: CheckedSpec, dataset: CheckedDataset) -> str | None:
    import posixpath

    text = dataset.dataset.output.destination
    if text is None:
        return None
    filled = text.value.replace("{export}", spec.spec.header.name.name)
    return filled if "://" in filled else posixpath.normpath(filled)


def _consumer(spec: CheckedSpec) -> str | None:
    """Case and spacing ignored, as the pseudonym derivation reads the consumer
    (`execute/pseudonyms.consumer_identity`)."""
    consumer = spec.spec.header.consumer
    return " ".join(consumer.value.split()).casefold() or None if consumer else None


def _aggregates(spec: CheckedSpec) -> list[CheckedDataset]:
    return [dataset for dataset in spec.datasets if dataset.is_aggregate]


def _against(earlier: CheckedSpec, later: CheckedSpec,
             dataset: CheckedDataset) -> Diagnostic | None:
    for other in _aggregates(earlier):
        difference = difference_of(other, dataset, earlier.source, later.source)
        if difference is not None:
            totals = is_totals(other, dataset, earlier.source, later.source)
            return _warning(earlier, other, later, dataset, difference, totals)
        if totals_of_the_same_records(other, dataset, earlier.source, later.source):
            return _totals_warning(earlier, other, later, dataset)
        found = straddling(other, dataset, earlier.source, later.source, one_spec=False)
        if found is not None:
            return _straddle_warning(earlier, later, found[0], found[1], found[2])
    return None


def _rows_against(earlier: CheckedSpec, later: CheckedSpec) -> list[Diagnostic]:
    """An aggregate of one spec beside a row dataset of the other that leaves out records
    it counts (OCX348, as within one spec); the warning goes to the later spec."""
    found = []
    pairs = [(a, r, earlier.source, later.source, r) for a in _aggregates(earlier)
             for r in later.datasets if not r.is_aggregate]
    pairs += [(a, r, later.source, earlier.source, a) for a in _aggregates(later)
              for r in earlier.datasets if not r.is_aggregate]
    for aggregate, rows, source_a, source_b, here in pairs:
        if left_out_by_rows(aggregate, rows, source_a, source_b) is None:
            continue
        there = rows if here is aggregate else aggregate
        line, column = earlier.source.line_col(anchor(there).start)
        consumer = later.spec.header.consumer
        found.append(Diagnostic(
            "OCX348", Severity.WARNING,
            f"this {'aggregate' if here is aggregate else 'row dataset'} and one of export "
            f"`{earlier.spec.header.name.name}` go to the same consumer: the aggregate counts "
            "records the rows leave out",
            (Label(anchor(here), f"beside the {'rows' if here is aggregate else 'aggregate'} "
                   f"at {earlier.source.name}:{line}:{column}"),),
            notes=(f"both exports go to \"{consumer.value if consumer else ''}\", who holds "
                   "both files",
                   "the aggregate's groups minus the rows in them are the records the rows "
                   "do not hold, often a single one, whatever the minimum group size"),
            help="give both the same filter and window, group the aggregate by keys the rows "
                 "do not release, or release only one of them to this consumer"))
    return found


def _totals_warning(earlier: CheckedSpec, other: CheckedDataset, later: CheckedSpec,
                    dataset: CheckedDataset) -> Diagnostic:
    line, column = earlier.source.line_col(anchor(other).start)
    consumer = later.spec.header.consumer
    return Diagnostic(
        "OCX332", Severity.WARNING,
        f"this aggregate and one of export `{earlier.spec.header.name.name}` go to the same "
        "consumer, and one holds the totals of the other's groups",
        (Label(anchor(dataset), "the totals of the groups (or the groups of the totals) "
               f"at {earlier.source.name}:{line}:{column}"),),
        notes=(f"both exports go to \"{consumer.value if consumer else ''}\", who holds "
               "both files",
               "secondary suppression protects a total only beside the groups of the same "
               "spec: each spec runs alone, so a total minus the released groups of its "
               "line gives a withheld group back",
               "the minimum group size protects each table alone, not their difference"),
        help="release the groups and their totals in one spec, so the run protects the "
             "totals, or only one of the two tables to this consumer")


def _straddle_warning(earlier: CheckedSpec, later: CheckedSpec, there: syntax.Column,
                      here: syntax.Column, field: str) -> Diagnostic:
    line, column = earlier.source.line_col(there.expr.span.start)
    consumer = later.spec.header.consumer
    return Diagnostic(
        "OCX332", Severity.WARNING,
        f"this aggregate and one of export `{earlier.spec.header.name.name}` go to the same "
        f"consumer and group `{field}` on grids whose cells straddle each other",
        (Label(here.expr.span, f"`{field}` cut on another grid than the key at "
               f"{earlier.source.name}:{line}:{column}"),),
        notes=(f"both exports go to \"{consumer.value if consumer else ''}\", who holds "
               "both files", STRADDLE_NOTE,
               "the minimum group size protects each table alone, not their difference"),
        help=f"cut `{field}` the same way in both exports")


def _first_per_dataset(warnings: list[Diagnostic]) -> list[Diagnostic]:
    """One warning per dataset is enough to send the reviewer to it."""
    seen: set = set()
    kept = []
    for warning in warnings:
        if warning.primary_span not in seen:
            seen.add(warning.primary_span)
            kept.append(warning)
    return kept


def _warning(earlier: CheckedSpec, other: CheckedDataset, later: CheckedSpec,
             dataset: CheckedDataset, difference: str, totals: bool) -> Diagnostic:
    line, column = earlier.source.line_col(anchor(other).start)
    where = f"{earlier.source.name}:{line}:{column}"
    shape = "the totals of the groups" if totals else "the same groups and measures"
    consumer = later.spec.header.consumer
    return Diagnostic(
        "OCX332", Severity.WARNING,
        f"this aggregate of `{dataset.module}` and one of export "
        f"`{earlier.spec.header.name.name}` go to the same consumer and differ only by "
        f"their {difference}",
        (Label(anchor(dataset), f"{shape} as the aggregate at {where}, but another "
               f"{difference}"),),
        notes=(f"both exports go to \"{consumer.value if consumer else ''}\", who holds "
               "both files", explanation(difference),
               "the minimum group size protects each table alone, not their difference"),
        help="release only one of the two tables to this consumer, or give them filters "
             "and windows that do not overlap")
