"""What committed runs delivered, from the disclosure log and from a commit past its
commit point (its files are published; the next run finishes it): the windows and the
groups of a dataset, and where the latest window ended."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from ocpispec.ledger.db import connect
from ocpispec.timestamps import read_timestamp


def last_delivered_end(path: Path, export: str, dataset: str) -> str | None:
    """The end of the latest window of `dataset` a committed (whole, not sample) run of
    `export` delivered, from the disclosure log; None when there is none."""
    if not path.exists():
        return None
    with connect(path) as conn:
        row = conn.execute(
            "SELECT MAX(d.window_end) FROM run_datasets d JOIN runs r ON r.id = d.run_id "
            "WHERE r.export = ? AND r.outcome = 'committed' AND d.dataset = ?",
            (export, dataset)).fetchone()
        pending = conn.execute("SELECT run FROM pending WHERE export = ?", (export,)).fetchone()
    ends = [end for end in (row[0] if row else None, _pending_end(pending, dataset)) if end]
    return max(ends, key=read_timestamp) if ends else None

def commits_seen(path: Path, export: str) -> tuple[int, str | None] | None:
    """Where `export`'s state stands in the ledger: its serial (moved by every commit) and
    the run of a commit in progress. Read before and after a run waited for the export's
    lock, it tells whether the run it waited for committed. None when there is no ledger
    or it cannot be read (read only: no ledger is made)."""
    from ocpispec.ledger.db import LedgerError

    try:
        with connect(path, create=False) as conn:
            serial = conn.execute("SELECT serial FROM state WHERE export = ?",
                                  (export,)).fetchone()
            pending = conn.execute("SELECT run FROM pending WHERE export = ?",
                                   (export,)).fetchone()
    except (LedgerError, OSError, sqlite3.Error):
        return None
    return serial[0] if serial else 0, pending[0] if pending else None


def delivered_windows(path: Path, export: str, dataset: str) -> list[tuple[str, str | None,
                                                                           str | None]]:
    """Each window of `dataset` a committed (whole, not sample) run of `export` delivered
    from a platform (the demo CPO's synthetic data disclosed nothing), as (run time,
    start, end); a commit past its commit point counts too: its files are published."""
    if not path.exists():
        return []
    with connect(path) as conn:
        found = conn.execute(
            "SELECT r.run_at, d.window_start, d.window_end FROM run_datasets d "
            "JOIN runs r ON r.id = d.run_id WHERE r.export = ? AND r.outcome = 'committed' "
            "AND d.dataset = ? AND (r.source IS NULL OR r.source != 'demo') "
            "ORDER BY r.recorded_at", (export, dataset)).fetchall()
        run = _pending_delivery(conn, export)
    windows = [tuple(row) for row in found]
    if run is not None:
        windows += [(run.get("run_at"), item.get("window_start"), item.get("window_end"))
                    for item in run["datasets"] if item.get("dataset") == dataset]
    return windows  # type: ignore[return-value]

def delivered_groups(path: Path, export: str, module: str
                     ) -> list[tuple[str, str | None, str | None, str | None]]:
    """Each window of a dataset of `module` a committed (whole, not demo) run of `export`
    delivered groups of, whatever the dataset was named, as (dataset, run time, start,
    end): a dataset renamed since (`as a` -> `as b`) still delivered its records."""
    if not path.exists():
        return []
    with connect(path) as conn:
        found = conn.execute(
            "SELECT d.dataset, r.run_at, d.window_start, d.window_end, d.counts "
            "FROM run_datasets d JOIN runs r ON r.id = d.run_id WHERE r.export = ? "
            "AND r.outcome = 'committed' AND d.module = ? AND (r.source IS NULL OR "
            "r.source != 'demo') ORDER BY r.recorded_at", (export, module)).fetchall()
        run = _pending_delivery(conn, export)
    items = [(name, run_at, start, end, counts) for name, run_at, start, end, counts in found]
    if run is not None:
        items += [(item.get("dataset"), run.get("run_at"), item.get("window_start"),
                   item.get("window_end"), item.get("counts"))
                  for item in run["datasets"] if item.get("module") == module]
    return [(name, run_at, start, end) for name, run_at, start, end, counts in items
            if _groups(counts)]

def _pending_delivery(conn: sqlite3.Connection, export: str) -> dict | None:
    """The run of `export` whose commit passed its commit point but did not finish (its
    files are published), from a platform, not the demo CPO; its `datasets` are the
    logged datasets that are objects. None when there is none, or it cannot be read."""
    pending = conn.execute("SELECT run FROM pending WHERE export = ?", (export,)).fetchone()
    try:
        run = json.loads(pending[0]) if pending is not None and pending[0] else None
    except (ValueError, TypeError):
        return None
    if not isinstance(run, dict) or run.get("outcome") != "committed" \
            or run.get("source") == "demo":
        return None
    datasets = run.get("datasets")
    items = datasets if isinstance(datasets, list) else ()
    return {**run, "datasets": [item for item in items if isinstance(item, dict)]}

def _groups(counts: object) -> bool:
    """Whether a logged dataset's counts say it released groups (an aggregate)."""
    try:
        counts = json.loads(counts) if isinstance(counts, str) else counts
        return isinstance(counts, dict) and int(counts.get("groups") or 0) > 0
    except (ValueError, TypeError):
        return False

def _pending_end(row: tuple[str | None] | None, dataset: str) -> str | None:
    """The window end of `dataset` in a commit past its commit point: the next run of the
    export finishes it (a catch-up must not deliver that window again)."""
    try:
        run = json.loads(row[0]) if row is not None and row[0] else None
        if run is None or run.get("outcome") != "committed":
            return None
        ends = [item.get("window_end") for item in run.get("datasets", ())
                if item.get("dataset") == dataset]
        return next((end for end in ends if isinstance(end, str)), None)
    except (ValueError, TypeError, AttributeError):
        return None
