"""Moving JSON state files (ocpispec before the ledger) into the ledger, automatically.

Two layouts are found:
- `--state FILE` naming a JSON state file: FILE becomes the ledger. The JSON is kept
  as `FILE.pre-ledger.json`, the ledger is built under a temporary name and renamed
  over FILE in one step, so a kill at any moment leaves either the JSON or the ledger.
- the default layout: `.ocpispec/state/<export>.json` beside `.ocpispec/ledger.sqlite`.
  Its state is stored in one transaction, then the file is renamed
  `<export>.json.migrated`; a kill in between finds the state already there and only
  renames.
A commit an interrupted old run left (`<file>.journal`) is finished first, as that
version would have.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from ocpispec.ledger.db import connect, transaction, write_state
from ocpispec.ledger.state import State, load_state as load_json_state


def legacy_state_path(ledger: Path, export: str) -> Path:
    return ledger.parent / "state" / f"{export}.json"


def migrate(ledger: Path, export: str) -> None:
    from ocpispec.execute.journal import JournalError
    from ocpispec.ledger.db import LedgerError

    try:
        if is_json_state(ledger) or (Path(f"{ledger}.journal").exists() and not _is_sqlite(ledger)):
            _in_place(ledger, export)
        legacy = legacy_state_path(ledger, export)
        if legacy.exists() or Path(f"{legacy}.journal").exists():
            _beside(ledger, legacy, export)
    except JournalError as exc:
        raise LedgerError(str(exc)) from None


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def is_json_state(path: Path) -> bool:
    """Whether `path` holds a JSON state file of an earlier version."""
    try:
        with path.open("rb") as handle:
            return handle.read(64).lstrip()[:1] == b"{"
    except OSError:
        return False


def _finish_old_commit(path: Path, export: str) -> None:
    from ocpispec.execute import journal

    journal.recover(path, export)


def _in_place(ledger: Path, export: str) -> None:
    from ocpispec.execute.atomic import write_atomically

    _finish_old_commit(ledger, export)
    if not ledger.exists():
        return
    text = ledger.read_text(encoding="utf-8")
    state = load_json_state(ledger, export)  # another export's file stays as it is
    write_atomically(Path(f"{ledger}.pre-ledger.json"), text)
    temporary = ledger.with_name(f".{ledger.name}.migrating")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    with connect(temporary) as conn, transaction(conn):
        write_state(conn, state)
    from ocpispec.execute.atomic import publish

    publish(temporary, ledger)


def _beside(ledger: Path, legacy: Path, export: str) -> None:
    from ocpispec.execute.atomic import fsync_directory

    _finish_old_commit(legacy, export)
    if not legacy.exists():
        return
    state = load_json_state(legacy, export)
    with connect(ledger) as conn, transaction(conn):
        if conn.execute("SELECT 1 FROM state WHERE export = ?", (export,)).fetchone() is None:
            write_state(conn, state)
    legacy.rename(legacy.with_name(legacy.name + ".migrated"))
    fsync_directory(legacy.parent)


__all__ = ["State", "is_json_state", "legacy_state_path", "migrate"]
