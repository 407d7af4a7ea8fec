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
    return runs


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
