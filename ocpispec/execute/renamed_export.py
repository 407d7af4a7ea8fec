"""Refuse the first run of an export that is another export renamed (OCX586).

The ledger keeps `since last run` state by the export's name. A spec whose `export`
line was edited finds no state under its new name and starts at 1970-01-01: its first
run would deliver again every record the consumer has had. The old name's last
committed run read the same spec file (the disclosure log says which), and its state
holds a dataset of the same name or plan. Then the run stops before fetching and says
how to move the state (`ocpispec state rename`) or to start over on purpose
(`--restart`). A copy of a spec under a new name, in another file, is a new export
and runs as one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ocpispec.execute import plan_change
from ocpispec.execute.client import RunError
from ocpispec.ledger.state import State
from ocpispec.plan import ir


def check_not_renamed(plan: ir.Plan, state: State, state_path: Path, options: Any) -> None:
    if state.datasets or options.restart or not options.use_state or options.limit is not None:
        return
    tracked = [d for d in plan.datasets if d.step(ir.Fetch).window.incremental]
    if not tracked or plan.spec is None:
        return
    from ocpispec.ledger import LedgerError
    from ocpispec.ledger.renames import renamed_from

    try:
        earlier = renamed_from(state_path, plan.export.name, str(Path(plan.spec).resolve()))
    except (LedgerError, OSError):
        return  # the run's own use of the ledger reports what is wrong with it
    for old in earlier:
        if _same_datasets(tracked, old):
            raise _refusal(plan, old, state_path, options)


def _same_datasets(tracked: list[ir.Dataset], old: State) -> bool:
    summaries = [found.plan_summary for found in old.datasets.values()]
    return any(d.name in old.datasets or plan_change.summarize(d) in summaries
               for d in tracked)


def _refusal(plan: ir.Plan, old: State, state_path: Path, options: Any) -> RunError:
    new = plan.export.name
    marks = ", ".join(f"`{name}` up to {found.watermark}"
                      for name, found in sorted(old.datasets.items()))
    ledger = f" --state {state_path}" if options.state_path is not None else ""
    return RunError.of(
        "OCX586", f"`{new}` has no `since last run` state, but this spec ran as `{old.export}`, "
        "whose state is in the ledger: the first window, from 1970-01-01, would deliver "
        "again what it delivered",
        notes=(f"the ledger `{state_path}` holds the state of `{old.export}`: {marks}",
               "the ledger keeps state by the export's name; nothing was fetched",
               "pseudonyms are keyed by the export's name too: under the new name the "
               "same driver or record gets another pseudonym than before"),
        help=f"if the export was renamed, move its state: `ocpispec state rename "
             f"{old.export} {new}{ledger}`; to deliver everything again on purpose, run "
             "with --restart")
