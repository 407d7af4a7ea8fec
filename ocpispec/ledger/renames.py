"""An export renamed in its spec: the ledger keeps state by export name.

`export city_feed` edited to `export amsterdam_feed` finds no state under the new name,
and its first `since last run` window, from 1970-01-01, would deliver every record the
consumer already has. The disclosure log tells a rename from a new export: the old
name's last committed run read the same spec file. `renamed_from` finds such names;
`move_state` moves a state to a new name (`ocpispec state rename`).
"""

from __future__ import annotations

import json
from pathlib import Path

from ocpispec.ledger.db import LedgerError, connect, transaction, write_state
from ocpispec.ledger.state import State, StateError, state_from_dict
from ocpispec.ledger.store import load_state


def renamed_from(path: Path, export: str, spec_path: str) -> list[State]:
    """The states of other exports whose last committed run read the spec file
    `spec_path` (resolved), newest first."""
    if not path.exists():
        return []
    with connect(path) as conn:
        rows = conn.execute(
            "SELECT r.export FROM runs r JOIN state s ON s.export = r.export "
            "WHERE r.export != ? AND r.outcome = 'committed' AND r.seq = "
            "(SELECT MAX(seq) FROM runs WHERE export = r.export AND outcome = 'committed') "
            "AND r.spec_path = ? ORDER BY r.seq DESC", (export, spec_path)).fetchall()
    found = []
    for (name,) in rows:
        try:
            found.append(load_state(path, name))
        except StateError:
            continue  # a damaged state is no evidence either way
    return found


def move_state(path: Path, old: str, new: str) -> State:
    """Keep `old`'s state under `new` (the caller holds both exports' locks and has
    finished their pending commits). LedgerError when `new` has state of its own or
    `old` has none."""
    with connect(path) as conn, transaction(conn):
        if conn.execute("SELECT 1 FROM state WHERE export = ?", (new,)).fetchone():
            raise LedgerError(f"`{new}` has a state of its own")
        row = conn.execute("SELECT body FROM state WHERE export = ?", (old,)).fetchone()
        if row is None:
            raise LedgerError(f"there is no state of `{old}`")
        try:
            stored = state_from_dict(json.loads(row[0]), old)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise StateError(f"the ledger's state of `{old}` is damaged") from None
        moved = State(new, stored.serial, stored.datasets)
        write_state(conn, moved)
        conn.execute("DELETE FROM state WHERE export = ?", (old,))
    return moved


def last_specs(path: Path, export: str, datasets: list[str]) -> list[tuple[str, str | None]]:
    """The spec file (resolved path) and consumer of the last committed run of each of
    `export`'s `datasets`: the specs whose runs left their `since last run` state."""
    if not path.exists() or not datasets:
        return []
    marks = ", ".join("?" for _ in datasets)
    with connect(path) as conn:
        latest = [seq for (seq,) in conn.execute(
            "SELECT MAX(r.seq) FROM runs r JOIN run_datasets d ON d.run_id = r.id "
            f"WHERE r.export = ? AND r.outcome = 'committed' AND d.dataset IN ({marks}) "
            "GROUP BY d.dataset", (export, *datasets))]
        rows = conn.execute(
            f"SELECT spec_path, consumer FROM runs WHERE seq IN ({', '.join('?' for _ in latest)})",
            latest).fetchall() if latest else []
    return sorted({(spec, consumer) for spec, consumer in rows if spec},
                  key=lambda found: found[0])
