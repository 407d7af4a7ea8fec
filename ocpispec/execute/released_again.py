"""An aggregate is released once per window: a run that would release it again over a
window an earlier delivery of the export covered stops before any request (OCX546).

Each file is safe alone, but the consumer holds both: the later file minus the earlier
one leaves, group by group, the records that came late or changed in between, often a
single session. On the demo CPO (fault `late_records`), `previous month` run again a day
later (`--as-of`) released a postal district's sessions as 7 and then 8: the eighth
session's exact energy and duration were the difference of the two rows. The minimum
group size protects each file, not the difference of two.

This is judged for windows whose runs tile (`previous ...`, `since last run`, a rolling
`last ...` window its schedule runs end to end): a run on
the spec's schedule never reads a window an earlier one delivered, so only a run the
operator steers does (`--as-of`, `--out`, `--restart`, a watermark moved back); and for
a fixed window (`between`) of a spec without a schedule, delivered once and run again
after late records came. A dataset renamed (`as a` -> `as b`) is judged against what its
old name delivered, as any dataset of its module the spec no longer has. Windows whose
scheduled runs overlap by design are warned of by
`check` (OCX336), where the privacy officer sees them. Aggregates without drivers (locations, tariffs) release public facts; samples
(`--limit`) and demo runs release nothing to a consumer.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ocpispec.execute.client import RunError
from ocpispec.execute.windows import ResolvedWindow
from ocpispec.plan import ir
from ocpispec.timestamps import read_timestamp


def check_not_released_again(plan: ir.Plan, windows: Mapping[str, ResolvedWindow],
                             ledger: Path, options: Any) -> list[str]:
    """Raises OCX546 for the first aggregate of drivers whose window overlaps one an
    earlier delivery of the export released; with `--release-again`, the notes that say
    which were released again."""
    if options.demo or options.limit is not None or not options.use_state:
        return []
    notes, tiling = [], _tiling(plan)
    for dataset in plan.datasets:
        step = dataset.step(ir.Aggregate)
        if step is None or step.entity is None or not _released_once(
                dataset.step(ir.Fetch).window, plan.export.schedule, dataset.name in tiling):
            continue
        window = windows[dataset.name]
        found = next((item for item in _earlier(plan, dataset, ledger)
                      if _overlap(window, item[2], item[3])), None)
        if found is None:
            continue
        if not options.release_again:
            raise _released_again(dataset, window, *found)
        notes.append(f"`{dataset.name}` released again over a window the run at {found[1]} "
                     "delivered (--release-again)")
    return notes


def _earlier(plan: ir.Plan, dataset: ir.Dataset, ledger: Path
             ) -> list[tuple[str, str | None, str | None, str | None]]:
    """The windows delivered earlier of `dataset` (dataset name, run time, start, end):
    under its name or its previous one, and under any name the spec no longer has that
    released groups of its module (`as a` renamed `as b`: the same records again). Other
    datasets of the spec are theirs, and compared with it by `check` (OCX332)."""
    from ocpispec.ledger import LedgerError, delivered_groups, delivered_windows

    own = tuple(filter(None, (dataset.name, dataset.previous_name)))
    current = {name for other in plan.datasets
               for name in (other.name, other.previous_name) if name}
    try:
        return [*((name, *found) for name in own
                  for found in delivered_windows(ledger, plan.export.name, name)),
                *(found for found in delivered_groups(ledger, plan.export.name, dataset.module)
                  if found[0] not in current)]
    except (LedgerError, OSError):
        return []  # the state's own checks say what is wrong with the ledger


def _released_once(window: ir.Window, schedule: str | None, tiles: bool) -> bool:
    """Whether every run of the window is meant to release records no earlier run did:
    windows that tile (`tiles`: a rolling window its schedule runs end to end, `last 7
    days` weekly), and a fixed window (`between`) a spec without a schedule reads once.
    A window every run reads again (none, `since DATE`, `month to date`, `last 7 days`
    daily) releases the same records by design: OCX336 when the schedule repeats it."""
    return window.tracked or tiles or (window.kind == "between" and schedule is None)


def _tiling(plan: ir.Plan) -> frozenset[str]:
    """The datasets with a rolling window (`last ...`) whose scheduled runs read windows
    end to end, as `check` plays the schedule (no OCX336)."""
    if plan.export.schedule is None or not any(
            d.step(ir.Fetch).window.kind == "last" and d.step(ir.Aggregate) is not None
            for d in plan.datasets):
        return frozenset()
    from ocpispec.check.calendar import overlapping_runs
    from ocpispec.check.compiler import compile_file
    from ocpispec.plan.planner import dataset_names

    try:
        checked = compile_file(plan.spec)
    except OSError:  # the spec moved since it was planned: judged as overlapping by design
        return frozenset()
    rule = checked.spec.schedule
    if rule is None:
        return frozenset()
    return frozenset(name for name, item in zip(dataset_names(checked), checked.datasets)
                     if item.dataset.source.window is not None
                     and overlapping_runs(item.dataset.source.window, rule) is None)


def _overlap(window: ResolvedWindow, start: str | None, end: str | None) -> bool:
    """Whether `[start, end)` (None: open) shares a moment with what this run releases
    (after a lookback's re-read part, whose records were delivered before and are not
    released again)."""
    begins = window.watermark or window.date_from
    return (begins is None or end is None or read_timestamp(begins) < read_timestamp(end)) \
        and (start is None or window.date_to is None
             or read_timestamp(start) < read_timestamp(window.date_to))


def _released_again(dataset: ir.Dataset, window: ResolvedWindow, earlier: str,
                    run_at: str | None, start: str | None, end: str | None) -> RunError:
    named = "" if earlier in (dataset.name, dataset.previous_name) else \
        f" as `{earlier}`, a dataset of {dataset.module} the spec no longer has"
    return RunError.of(
        "OCX546", f"`{dataset.name}` would release its groups again over records the run at "
                  f"{run_at or 'an earlier time'} released{named} ({start or 'the start'} to "
                  f"{end or 'now'})",
        dataset.step(ir.Fetch).origin, "the window released again",
        notes=(f"this run's window is {window.date_from or 'the start'} to "
               f"{window.date_to or 'now'}",
               "the consumer holds both files: one minus the other leaves, group by group, "
               "the records that came late or changed in between, often a single session, "
               "and the minimum group size protects each file alone, not their difference",
               "nothing was fetched and the state did not move"),
        help="deliver each window once (late records go out once with `since last run` and "
             "--lookback); to replace a delivery the consumer has withdrawn, run again "
             "with --release-again")
