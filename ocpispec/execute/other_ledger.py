"""Refuse the first `since last run` (or calendar) run of an export whose spec's folder
holds its state in another ledger (OCX601).

The default ledger is `.ocpispec/ledger.sqlite` under the current directory, so a spec
run first from its own folder and then from another one (cron starts jobs in the home
folder) found no state and delivered everything since 1970-01-01 again (a calendar
window: the last window again, with each ledger tracking half the deliveries). When the run
uses that default and the spec's folder has a ledger of its own holding the export's
state, the run stops before any request and names it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from ocpispec.execute.client import RunError
from ocpispec.ledger.state import State
from ocpispec.plan import ir


def check_not_elsewhere(plan: ir.Plan, state: State, state_path: Path, options: Any) -> None:
    if state.datasets or options.restart or not options.use_state or options.limit is not None \
            or options.state_path is not None or plan.spec is None:
        return
    windows = [d.step(ir.Fetch).window for d in plan.datasets]
    if not any(window.tracked for window in windows):
        return
    if _resolved(state_path) != _resolved(Path(".ocpispec") / "ledger.sqlite"):
        return  # a ledger the configuration or environment chose: the same from any folder
    beside = Path(plan.spec).resolve().parent / ".ocpispec" / "ledger.sqlite"
    if not beside.is_file() or _resolved(beside) == _resolved(state_path):
        return
    last = _last_committed(beside, plan.export.name)
    if last is None:
        return
    since = any(window.incremental for window in windows)
    raise RunError.of(
        "OCX601", f"`{plan.export.name}` has no `since last run` state in this folder's "
        "ledger, but the spec's folder has a ledger holding it: the first window, from "
        "1970-01-01, would deliver again what it delivered" if since else
        f"`{plan.export.name}` has no state of its calendar windows in this folder's "
        "ledger, but the spec's folder has a ledger holding it: this run would deliver "
        "again a window it delivered, and each ledger would track only its own windows",
        notes=(f"the ledger `{beside}` holds the export's state (last committed run "
               f"{last})",
               f"without --state, the ledger is `{state_path}`, under the current "
               "directory; nothing was fetched"),
        help=f"run from the spec's folder (`cd {beside.parent.parent}`), or name its ledger: "
             f"`--state {beside}` (or `state_dir` in an `ocpispec.toml` beside the spec); "
             "to deliver everything again on purpose, run with --restart")


def _resolved(path: Path) -> Path:
    return path.resolve()


def _last_committed(ledger: Path, export: str) -> str | None:
    """When the export's last committed run in `ledger` ran, if the ledger holds its
    state; read only, so a ledger another run holds is never changed."""
    try:
        with sqlite3.connect(f"file:{ledger}?mode=ro", uri=True) as conn:
            if conn.execute("SELECT 1 FROM state WHERE export = ?", (export,)).fetchone() \
                    is None:
                return None
            found = conn.execute("SELECT MAX(recorded_at) FROM runs WHERE export = ? AND "
                                 "outcome = 'committed'", (export,)).fetchone()
    except sqlite3.Error:
        return None  # not a ledger this run can read: no evidence either way
    return str(found[0]) if found and found[0] else "unknown"
