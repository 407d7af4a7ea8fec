"""Reading the disclosure log back: runs with their datasets and outputs, oldest first."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from ocpispec.ledger.db import connect


def logged_runs(path: Path, export: str | None = None,
                since: str | None = None) -> list[dict[str, Any]]:
    """Every logged run (of `export`, recorded at or after `since`, a UTC timestamp),
    each as the entry that was logged."""
    if not path.exists():
        return []
    with connect(path, create=False) as conn:
        conn.row_factory = sqlite3.Row
        where, args = [], []
        if export is not None:
            where.append("export = ?")
            args.append(export)
        if since is not None:
            where.append("recorded_at >= ?")
            args.append(since)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        runs = [dict(row) for row in conn.execute(
            f"SELECT * FROM runs {clause} ORDER BY recorded_at, seq", args)]
        for run in runs:
            run.pop("seq", None)
            run["datasets"] = [_dataset(row) for row in conn.execute(
                "SELECT * FROM run_datasets WHERE run_id = ? ORDER BY rowid", (run["id"],))]
            run["outputs"] = [_output(row) for row in conn.execute(
                "SELECT * FROM run_outputs WHERE run_id = ? ORDER BY rowid", (run["id"],))]
        pending = [run for run in _pending_runs(conn) if (export is None or run["export"] == export)
                   and (since is None or run["recorded_at"] >= since)]
    return sorted(runs + pending, key=lambda run: run["recorded_at"])  # stable: seq kept


def last_published_run(path: Path, export: str) -> dict[str, Any] | None:
    """The run of `export` that published files last (`committed`, `sample`,
    `incomplete`), as `{"run_at", "recorded_at", "outcome"}`; None when there is none."""
    if not path.exists():
        return None
    with connect(path, create=False) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute(
            "SELECT run_at, recorded_at, outcome FROM runs WHERE export = ? AND outcome IN "
            "('committed', 'sample', 'incomplete') ORDER BY recorded_at DESC, seq DESC LIMIT 1",
            (export,)).fetchone()
    return dict(row) if row is not None else None


def _pending_runs(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """The entries of commits past their commit point that a killed run left: their files
    are published (or are, by the run that finishes the commit), yet the log holds them
    only once the next run of the export (or an `ocpispec state` command) finished it.
    Until then the log read back said nothing of a delivery a consumer may have taken."""
    found = []
    for (text,) in conn.execute("SELECT run FROM pending WHERE run IS NOT NULL ORDER BY export"):
        try:
            entry = json.loads(text)
        except ValueError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("recorded_at"), str):
            found.append({"source": None, **entry, "outcome": "pending"})
    return found


def logged_exports(path: Path) -> list[str]:
    """The exports with a run in the disclosure log."""
    if not path.exists():
        return []
    with connect(path, create=False) as conn:
        return [row[0] for row in conn.execute("SELECT DISTINCT export FROM runs ORDER BY 1")]


def _dataset(row: sqlite3.Row) -> dict[str, Any]:
    return {"dataset": row["dataset"], "module": row["module"],
            "window_start": row["window_start"], "window_end": row["window_end"],
            "counts": json.loads(row["counts"]), "columns": json.loads(row["columns"])}


def _output(row: sqlite3.Row) -> dict[str, Any]:
    return {"dataset": row["dataset"], "kind": row["kind"], "path": row["path"],
            "sha256": row["sha256"], "size": row["size"]}
