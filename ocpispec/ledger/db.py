"""The ledger file: one SQLite database holding the `since last run` state of every
export, the commit journal and the disclosure log.

Opened with a rollback journal and `synchronous=FULL`: a transaction is durable when
`commit` returns and is either wholly there or not at all after a kill -9 or a power
cut. No WAL (no `-wal`/`-shm` files beside it, and it works on network shares that
lack shared memory).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

SCHEMA_VERSION = 1
_BUSY_MS = 10_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS state (
    export TEXT PRIMARY KEY, serial INTEGER NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pending (
    export TEXT PRIMARY KEY, pid INTEGER NOT NULL, renames TEXT NOT NULL,
    state TEXT, run TEXT);
CREATE TABLE IF NOT EXISTS runs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, export TEXT NOT NULL,
    run_at TEXT, recorded_at TEXT NOT NULL, user TEXT, host TEXT,
    spec_path TEXT, spec_sha256 TEXT, plan_fingerprint TEXT,
    privacy_fingerprint TEXT, approval TEXT,
    consumer TEXT, purpose TEXT, legal_basis TEXT, legal_reference TEXT, retention TEXT,
    outcome TEXT NOT NULL, code TEXT, ocpi_version TEXT, requests INTEGER,
    duration_s REAL, sample_limit INTEGER, source TEXT);
CREATE INDEX IF NOT EXISTS runs_by_export ON runs (export, recorded_at);
CREATE TABLE IF NOT EXISTS run_datasets (
    run_id TEXT NOT NULL REFERENCES runs (id), dataset TEXT NOT NULL, module TEXT,
    window_start TEXT, window_end TEXT, counts TEXT NOT NULL, columns TEXT NOT NULL,
    PRIMARY KEY (run_id, dataset));
CREATE TABLE IF NOT EXISTS run_outputs (
    run_id TEXT NOT NULL REFERENCES runs (id), dataset TEXT NOT NULL, kind TEXT NOT NULL,
    path TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL);
"""


class LedgerError(Exception):
    """The ledger cannot be opened or used; the message says why (never a value)."""

    newer = False  # written by a newer version of ocpispec (`state.UPGRADE_HELP`)
    damaged = False  # SQLite's check of its pages fails (`check_pages`)


class NewerLedgerError(LedgerError):
    newer = True


class DamagedLedgerError(LedgerError):
    damaged = True


@contextlib.contextmanager
def connect(path: Path, *, create: bool = True) -> Iterator[sqlite3.Connection]:
    """A connection with the schema in place; the caller opens transactions itself
    (`with transaction(conn)`)."""
    if path.is_dir():  # SQLite's "unable to open database file" says nothing of it
        raise LedgerError("it is a directory, not a file (give the path of the ledger's "
                          "file, e.g. DIR/ledger.sqlite)")
    try:
        if not path.exists():
            if not create:  # SQLite would make an empty file there
                raise LedgerError("there is no ledger at this path")
            _create(path.resolve())  # through a symbolic link to a ledger not made yet
        empty = path.stat().st_size == 0 if path.exists() else False
        conn = sqlite3.connect(path, timeout=_BUSY_MS / 1000, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise LedgerError(f"cannot open the ledger: {reason_of(exc)}") from None
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("PRAGMA synchronous=FULL")
        _check_schema(conn, empty)
        yield conn
    except sqlite3.DatabaseError as exc:
        raise LedgerError(f"the ledger is not usable: {reason_of(exc)}") from None
    finally:
        conn.close()


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT: all of it or nothing. SQLite rolls a transaction
    back itself on some errors (a full disk, an I/O error): rolling back again would
    fail with "no transaction is active" and hide the reason."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _create(path: Path) -> None:
    """A new ledger appears whole: its schema is written under a temporary name beside
    it and linked to `path`. So a ledger file is always one ocpispec finished, and one
    without the schema (0 bytes: a truncated file, a failed copy or restore) is damage
    to report, never a new ledger: read as new, it delivered every record again."""
    from ocpispec.execute.atomic import file_mode, fsync_directory

    path.parent.mkdir(parents=True, exist_ok=True)
    from ocpispec.ledger.leftovers import leftover_name, remove_leftovers

    remove_leftovers(path)
    temporary = leftover_name(path)
    held = None
    try:
        held = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, file_mode())
        fcntl.flock(held, fcntl.LOCK_EX)  # ours while it is written (`leftovers`)
        conn = sqlite3.connect(temporary, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=DELETE")
            conn.execute("PRAGMA synchronous=FULL")
            conn.executescript(f"BEGIN IMMEDIATE;{_SCHEMA}INSERT INTO meta VALUES "
                               f"('schema', '{SCHEMA_VERSION}');COMMIT;")
        finally:
            conn.close()
        try:
            os.link(temporary, path)
        except FileExistsError:  # another run made it meanwhile: it is as good
            pass
        except OSError:  # a file system without hard links
            if not path.exists():
                os.replace(temporary, path)
        fsync_directory(path.parent)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if held is not None:
            os.close(held)


def _check_schema(conn: sqlite3.Connection, empty: bool) -> None:
    found = conn.execute("SELECT name FROM sqlite_master WHERE name = 'meta'").fetchone()
    if found is None:
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        raise LedgerError(
            "the file is empty (0 bytes), which no ledger ocpispec wrote is: a ledger "
            "truncated or overwritten (a full disk, a failed copy or restore) lost the state "
            "it held, and read as a new one it would deliver every record again (a file "
            "created empty on purpose can be removed: the run makes the ledger)" if empty else
            "it is a SQLite database of another program, not an ocpispec ledger" if tables
            else "it is an empty SQLite database, not a ledger ocpispec wrote")
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    found = row[0] if row is not None else None
    if isinstance(found, str) and found.isascii() and found.isdigit() \
            and int(found) > SCHEMA_VERSION:
        raise NewerLedgerError(f"the ledger was written by a newer version of ocpispec "
                               f"(ledger schema {int(found)}; this version reads "
                               f"{SCHEMA_VERSION})")
    if found != str(SCHEMA_VERSION):
        raise LedgerError("the ledger was written by another version of ocpispec")
    _add_columns(conn)


# A ledger up to this size has every page checked before a run fetches (about 3 MB
# holds 1,000 runs, checked in a few milliseconds); the check of a larger one is bounded
# (`check_pages`): reading every page of a ledger of 100,000 runs (290 MB) took seconds.
WHOLE_CHECK_BYTES = 4 << 20
# the tables a run reads or rewrites whole; the run log only grows (`try_run_log`)
_SMALL_TABLES = ("meta", "state", "pending", "sqlite_sequence")


def check_pages(conn: sqlite3.Connection) -> None:
    """DamagedLedgerError when SQLite's check of the ledger's pages fails (a bad sector,
    a copy torn or cut short). Damage in a table a run reads only at its commit (the
    disclosure log's `runs`, `run_datasets`, `run_outputs`) passed the opening and the
    write check: the run fetched, published its outputs and then failed half way
    through its commit, which no later run could finish. A ledger of up to
    WHOLE_CHECK_BYTES has every page checked (`quick_check`); a larger one, its small
    tables whole here and its run log where a commit writes it (`try_run_log`, in the
    write probe), so that the check does not grow with the number of runs logged. What
    it found is not shown (page numbers, no values)."""
    if ledger_bytes(conn) <= WHOLE_CHECK_BYTES:
        _quick_check(conn, "1")  # up to the first fault found
        return
    for table in _SMALL_TABLES:
        _quick_check(conn, table)


def try_run_log(conn: sqlite3.Connection) -> None:
    """Log a run's entry as a commit does, inside the caller's transaction (which rolls
    it back): SQLite reads every page an append to the run log reads (each table's and
    index's root and the pages down to where the rows go) and says where one is
    damaged. For a ledger larger than WHOLE_CHECK_BYTES, whose pages are not all
    checked (`check_pages`)."""
    probe = f"write-check-{os.urandom(8).hex()}"
    with _damage_said():
        conn.execute("INSERT INTO runs (id, export, recorded_at, outcome) VALUES (?, ?, ?, ?)",
                     (probe, probe, "9999-12-31T23:59:59Z", "probe"))
        conn.execute("INSERT INTO run_datasets (run_id, dataset, counts, columns) "
                     "VALUES (?, ?, '{}', '[]')", (probe, probe))
        conn.execute("INSERT INTO run_outputs VALUES (?, ?, 'output', '', '', 0)", (probe, probe))


def _quick_check(conn: sqlite3.Connection, argument: str) -> None:
    with _damage_said():
        found = [row[0] for row in conn.execute(f"PRAGMA quick_check({argument})")]
    if found != ["ok"]:
        raise _damaged()


@contextlib.contextmanager
def _damage_said() -> Iterator[None]:
    """SQLite's report of a damaged page (SQLITE_CORRUPT, SQLITE_NOTADB) as
    DamagedLedgerError; any other error as it is."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorcode", 0) & 0xFF not in (sqlite3.SQLITE_CORRUPT,
                                                                sqlite3.SQLITE_NOTADB):
            raise
        raise _damaged() from None


def ledger_bytes(conn: sqlite3.Connection) -> int:
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    return pages * conn.execute("PRAGMA page_size").fetchone()[0]


def _damaged() -> DamagedLedgerError:
    return DamagedLedgerError("the ledger is damaged: SQLite's check of its pages fails "
                              "(a bad sector, or a copy torn or cut short)")


def _add_columns(conn: sqlite3.Connection) -> None:
    """Columns added to a schema since ledgers were first written (older versions name
    their columns when they insert, so they keep writing such a ledger): `runs.source`
    ("demo" for a run that read the built-in demo CPO)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(runs)")}
    if "source" in columns:
        return
    try:
        conn.execute("ALTER TABLE runs ADD COLUMN source TEXT")
    except sqlite3.OperationalError:  # another process added it, or a read-only ledger:
        pass                          # its runs are read without the column (not demo)


def reason_of(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or exc.__class__.__name__
    text = str(exc)
    return text if text in _SQLITE_REASONS else exc.__class__.__name__


_SQLITE_REASONS = {"database is locked", "file is not a database", "disk I/O error",
                   "attempt to write a readonly database", "database or disk is full",
                   "unable to open database file", "database disk image is malformed"}


def write_state(conn: sqlite3.Connection, state) -> None:
    """Store one export's `State` (as the state module serialises it) in the ledger."""
    import json

    from ocpispec.ledger.state import state_to_dict

    conn.execute("INSERT OR REPLACE INTO state VALUES (?, ?, ?)",
                 (state.export, state.serial, json.dumps(state_to_dict(state), sort_keys=True)))
