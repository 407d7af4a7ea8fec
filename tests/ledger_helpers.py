"""Reading the ledger (state, pending commits, logged runs) in tests, read-only."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path


def _rows(path: Path, query: str, *args) -> list[tuple]:
    if not path.exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(query, args).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):  # a run is creating the ledger right now
            return []
        raise
    finally:
        conn.close()


def state_dict(path: Path, export: str | None = None) -> dict | None:
    """The state of `export` (or of the only export) as the JSON state file held it
    (a JSON state file not yet moved into a ledger is read as it is)."""
    if path.exists() and path.read_bytes()[:1] == b"{":
        return json.loads(path.read_text())
    rows = _rows(path, "SELECT export, body FROM state")
    found = [json.loads(body) for name, body in rows if export in (None, name)]
    assert len(found) <= 1, "name the export"
    return found[0] if found else None


def has_state(path: Path) -> bool:
    return state_dict(path) is not None


def pending(path: Path) -> int:
    return len(_rows(path, "SELECT export FROM pending"))


def runs(path: Path) -> list[dict]:
    if not path.exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute("SELECT * FROM runs ORDER BY seq")]
    finally:
        conn.close()
