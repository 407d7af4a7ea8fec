"""The state and the commit journal in the ledger.

A run's outputs, its state advance and its entry in the disclosure log happen all or
not at all (`commit`):

1. every output and manifest is complete and fsynced under its temporary name;
2. one transaction stores the pending commit: each temporary name with its final
   name, the whole new state and the run's log entry (the commit point);
3. the temporary files are renamed to their final names;
4. one transaction stores the new state, adds the run to the log and removes the
   pending commit.

A run killed before 2 left only temporary files: nothing was published, the state did
not move and the log has no entry (the next run removes the leftovers). A run killed
after 2 is finished by the next run (`recover`, under the export's lock, before the
state is read): the renames not yet done are repeated and step 4 is done. Renames are
idempotent and step 4 is one transaction, so a crash during recovery is recovered the
same way, and no run is ever logged twice.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ocpispec.ledger.db import (WHOLE_CHECK_BYTES, LedgerError, check_pages, connect,
                                ledger_bytes, transaction, try_run_log, write_state)
from ocpispec.ledger.held_back import held_back
from ocpispec.ledger.migrate import migrate
from ocpispec.ledger.outcome import CommitPending, Recovered, StateMoved
from ocpispec.ledger.state import State, StateError, state_from_dict, state_to_dict

# the files published beside each data file, after it (`execute.outputs`)
SIDECARS = (".manifest.json", ".datapackage.json")


def load_state(path: Path, export: str) -> State:
    """The export's state in the ledger at `path` (an empty state when it has none);
    legacy JSON state files are moved in first (`migrate`)."""
    migrate(path, export)
    if not path.exists():
        return State(export)
    with connect(path) as conn:
        return _read_state(conn, export)


def state_exports(path: Path) -> list[str]:
    """The exports that have a state in the ledger at `path` (none without a ledger)."""
    if not path.is_file():
        return []
    with connect(path, create=False) as conn:
        return [row[0] for row in conn.execute("SELECT export FROM state ORDER BY export")]


def _read_state(conn: sqlite3.Connection, export: str) -> State:
    row = conn.execute("SELECT body FROM state WHERE export = ?", (export,)).fetchone()
    if row is None:
        return State(export)
    try:
        return state_from_dict(json.loads(row[0]), export)
    except StateError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError):
        raise StateError("the ledger's state of this export is damaged") from None


def save_state(path: Path, state: State) -> None:
    with connect(path) as conn, transaction(conn):
        _write_state(conn, state)


def forget_state(path: Path, export: str) -> None:
    with connect(path) as conn, transaction(conn):
        conn.execute("DELETE FROM state WHERE export = ?", (export,))


def _write_state(conn: sqlite3.Connection, state: State) -> None:
    write_state(conn, state)


def check_writable(path: Path) -> None:
    """Raise OSError/LedgerError now, not after publishing, when it cannot be written.
    The probe changes a page, so SQLite makes its rollback journal beside the ledger and
    writes to it, as the commit will: an update to the same value changes no byte, and
    SQLite wrote nothing, so a folder where the journal cannot be made (no inode left,
    not writable, a full disk) passed, and the run failed only after its whole crawl.
    A ledger whose pages are damaged is refused here too (`check_pages`; in a large
    ledger, the run log's pages a commit reads, `try_run_log`)."""
    with connect(path) as conn:
        check_pages(conn)
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('write_check', ?)",
                         (os.urandom(8).hex(),))
            if ledger_bytes(conn) > WHOLE_CHECK_BYTES:
                try_run_log(conn)
        except sqlite3.OperationalError as exc:
            if str(exc) != "unable to open database file":
                raise
            raise LedgerError(f"cannot make its rollback journal `{path.name}-journal` "
                              "beside it (its folder needs write permission and room for "
                              "a new file: a free inode)") from None
        finally:
            if conn.in_transaction:  # SQLite rolled back itself on a full disk
                conn.execute("ROLLBACK")


def commit(files: Sequence[Any], path: Path, export: str, state: State | None,
           run: dict[str, Any] | None, pause=lambda step: None, outbox: Any = None) -> None:
    """Publish `files` (finished AtomicFiles) and the `outbox`'s uploads (verified under
    temporary remote names, `ocpispec.deliver`), save `state` and log `run`, recoverably:
    the pending row is the commit point, and recovery repeats what is left. `state` is
    the state the run read, advanced once: when the ledger holds another by then (a run
    the lock did not keep out committed meanwhile), StateMoved, and nothing is published."""
    from ocpispec.deliver import Failure

    local = [[str(f.temp.resolve()), str(f.path.resolve())] for f in files]
    remote = outbox.renames() if outbox is not None else []
    renames = {"local": local, "remote": remote, "started": 0}
    body = json.dumps(state_to_dict(state)) if state is not None else None
    with connect(path) as conn:
        with transaction(conn):
            if state is not None:
                _check_serial(conn, state)
            conn.execute("INSERT INTO pending VALUES (?, ?, ?, ?, ?)",
                         (export, os.getpid(), json.dumps(renames), body,
                          json.dumps(run) if run is not None else None))
        pause("journal")
        try:
            for begun, file in enumerate(files, 1):
                _started(conn, export, renames, begun)
                _undone_if_failed(file.publish, conn, export, renames, begun - 1)
                pause("rename")
            if outbox is not None:
                outbox.publish(pause, lambda begun: _started(conn, export, renames,
                                                             len(files) + begun),
                               lambda begun: _started(conn, export, renames,
                                                      len(files) + begun - 1))
            _finish(conn, export, state, run)
            pause("state")
        except (OSError, sqlite3.Error, Failure) as exc:
            raise CommitPending(path) from exc


def _check_serial(conn: sqlite3.Connection, state: State) -> None:
    """The state in the ledger is still the one `state` advanced from (serial one less;
    a ledger without the export's state holds serial 0). The serial is read as the run
    read it, from the stored state itself."""
    row = conn.execute("SELECT body FROM state WHERE export = ?", (state.export,)).fetchone()
    try:
        found = json.loads(row[0])["serial"] if row is not None else None
    except (ValueError, TypeError, KeyError):
        found = -1      # damaged since the run read it
    if (found if found is not None else 0) != state.serial - 1:
        raise StateMoved(state.serial - 1, found)


def _started(conn: sqlite3.Connection, export: str, renames: dict[str, Any],
             begun: int) -> None:
    """The first `begun` renames of the pending commit were begun (stored before each
    rename): a temporary name of theirs that is gone was renamed, so recovery counts it
    published even when the final file is gone too (a consumer took it from the
    folder). Without this it took such a file for one never published, did not
    advance the state and delivered the window again."""
    with transaction(conn):
        conn.execute("UPDATE pending SET renames = ? WHERE export = ?",
                     (json.dumps(renames | {"started": begun}), export))


def renames_of(text: str) -> tuple[list[tuple[Path, Path]], list[tuple[str, str]]]:
    """(local temp -> final, remote (url, temp)) of a pending row."""
    data = json.loads(text)
    local, remote = (data.get("local", []), data.get("remote", [])) \
        if isinstance(data, dict) else (data, [])
    return ([(Path(temp), Path(final)) for temp, final in local],
            [(str(url), str(temp)) for url, temp in remote])


def _undone_if_failed(rename: Callable[[], None], conn: sqlite3.Connection, export: str,
                      renames: dict[str, Any], before: int) -> None:
    """A rename that failed (its temporary file gone, its folder replaced) was not done:
    recovery must not count it published."""
    try:
        rename()
    except OSError:
        _started(conn, export, renames, before)
        raise


def _begun(text: str) -> int:
    """How many renames of a pending row were begun, in order (local, then remote);
    0 for a row of a version that did not count them."""
    data = json.loads(text)
    begun = data.get("started", 0) if isinstance(data, dict) else 0
    return begun if isinstance(begun, int) and not isinstance(begun, bool) else 0


def _finish(conn: sqlite3.Connection, export: str, state: State | None,
            run: dict[str, Any] | None) -> None:
    from ocpispec.ledger.log import insert_run

    with transaction(conn):
        if state is not None:
            _write_state(conn, state)
        if run is not None:
            insert_run(conn, run)
        conn.execute("DELETE FROM pending WHERE export = ?", (export,))


def recover(path: Path, export: str,
            finish_remote: Callable[[str, str], str] | None = None) -> Recovered | None:
    """Finish the commit a crashed run of `export` left, if any; `finish_remote(url,
    temp)` finishes a remote rename (`published`, `done` or `missing`)."""
    from ocpispec.deliver import Failure
    from ocpispec.execute.atomic import publish

    if not path.exists():
        return None
    with connect(path) as conn:
        row = conn.execute("SELECT renames, state, run FROM pending WHERE export = ?",
                           (export,)).fetchone()
        if row is None:
            return None
        try:
            renames, remote = renames_of(row[0])
            begun = _begun(row[0])
            state = state_from_dict(json.loads(row[1]), export) if row[1] else None
            run = json.loads(row[2]) if row[2] else None
        except (ValueError, KeyError, TypeError, AttributeError, StateError) as exc:
            raise LedgerError(f"the pending commit of `{export}` is damaged "
                              f"({exc.__class__.__name__})") from None
        published, gone = 0, []
        for number, (temp, final) in enumerate(renames):
            if temp.exists():
                publish(temp, final)
                published += 1
            elif number >= begun and not final.exists():
                gone.append(str(final))
        for number, (url, temp) in enumerate(remote, len(renames)):
            if finish_remote is None:
                raise LedgerError(f"the pending commit of `{export}` holds remote deliveries")
            try:
                outcome = finish_remote(url, temp)
            except Failure as exc:
                raise LedgerError(exc.message) from None
            published += outcome == "published"
            if outcome == "missing" and number >= begun:
                gone.append(url)
        held: tuple[str, ...] = ()
        # a manifest or data package gone beside a data file that was published: its
        # records reached the consumer, and holding the state back delivered them twice
        data = [path for path in gone if not path.endswith(SIDECARS)]
        if data:  # a data file is gone: advancing its dataset would lose its records
            state, held = held_back(_read_state(conn, export), state, run, data)
            if run is not None:
                run = {**run, "outcome": "incomplete"}
        _finish(conn, export, state, run)
    beside = [path for path in gone if path.endswith(SIDECARS)
              and path.removesuffix(".manifest.json").removesuffix(".datapackage.json")
              not in data]
    return Recovered(published, len(data), state.serial if state is not None else None, held,
                     sidecars=len(beside))


def record(path: Path, run: dict[str, Any]) -> None:
    """Log a run that published nothing under the commit protocol (a failure, or an
    export without state) in its own transaction."""
    from ocpispec.ledger.log import insert_run

    with connect(path) as conn, transaction(conn):
        insert_run(conn, run)
