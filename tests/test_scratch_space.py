"""A run whose temporary directory cannot take its spills names that directory
(OCX559), not the output it never reached: a real file-size limit, over real HTTP."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ocpispec.execute.client import RunError
from ocpispec.execute.scratch_space import spilling, upstream

REPO = Path(__file__).resolve().parents[1]


def _limited(size: int):
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    return limit


def test_a_full_scratch_space_is_named_and_nothing_is_written(tmp_path: Path, snapshot) -> None:
    """The k rule of the municipality spec holds every row back in the scratch space
    before a byte of the output is written; its spill passes the limit first."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    out = tmp_path / "out" / "sessions.csv"
    env = {**os.environ, "TMPDIR": str(scratch), "PYTHONDONTWRITEBYTECODE": "1",
           "OCPISPEC_CONFIG_DIR": str(tmp_path / "config")}
    done = subprocess.run([sys.executable, "-m", "ocpispec", "run",
                           str(REPO / "specs" / "municipality_sessions.ocx"), "--demo",
                           "--out", str(out)], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, preexec_fn=_limited(256 * 1024))
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "OCX554" not in done.stderr
    error = done.stderr[done.stderr.index("error[OCX559]"):].replace(str(scratch), "<TMPDIR>") \
        .replace(str(REPO), "<REPO>")
    assert error == snapshot
    assert not out.exists() and list(scratch.iterdir()) == []  # spills removed


def test_what_the_writer_raises_is_not_the_scratch_space() -> None:
    def rows():
        yield {"a": 1}
        raise OSError(28, "No space left on device")

    pulled = upstream(rows())
    assert next(pulled) == {"a": 1}
    with pytest.raises(RunError) as raised:
        next(pulled)
    assert raised.value.diagnostic.code == "OCX559"
    with pytest.raises(OSError):  # the output's own write keeps its OSError (OCX554)
        with spilling():
            pass
        raise OSError(28, "No space left on device")


def test_an_sqlite_error_that_is_no_lack_of_room_stays_a_bug() -> None:
    import sqlite3

    with pytest.raises(RunError):
        with spilling():
            raise sqlite3.OperationalError("database or disk is full")
    with pytest.raises(sqlite3.OperationalError):
        with spilling():
            raise sqlite3.OperationalError("no such table: rows")


def test_a_full_spool_of_a_server_delivery_names_the_temporary_directory(snapshot) -> None:
    """A delivery to a server is written to a local copy in the temporary directory
    first; a full one was reported as "cannot write `sftp://...`", which sent the user to
    the server's disk."""
    from ocpispec.execute.output_failures import output_failed
    from ocpispec.execute.outputs import Target
    from ocpispec.formats.remote import parse_remote

    target = Target(Path("/var/tmp/ocpispec-outbox-41-x1y2/sessions.csv"),
                    parse_remote("sftp://files.example.org/drop/sessions.csv"))
    failure = output_failed(target, OSError(28, "No space left on device")).diagnostic
    assert failure.code == "OCX559"
    assert (failure.message, failure.notes, failure.help) == snapshot
