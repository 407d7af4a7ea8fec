"""A run killed while it creates a new ledger (`ledger/db._create`: the schema is written
under `.<name>.<pid>-<random>.new`, then linked to the ledger's name) leaves that file.
The next creation, or the next run, removes it once its maker is gone, as the scratch
folders of killed runs are swept; a live maker's file (locked) is left alone."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from ocpispec.ledger.db import connect
from ocpispec.ledger.leftovers import remove_leftovers

# kills itself (SIGKILL) as `_create` links the finished file to its name (`link`), or
# as it removes the temporary name once linked (`unlink`)
_KILLED_AT = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from ocpispec.ledger import db
    setattr(os, sys.argv[2], lambda *args: os.kill(os.getpid(), signal.SIGKILL))
    with db.connect(Path(sys.argv[1])):
        pass
""")


def _killed_creation(ledger: Path, at: str = "link") -> list[Path]:
    child = subprocess.run([sys.executable, "-c", _KILLED_AT, str(ledger), at], check=False)
    assert child.returncode == -9
    return sorted(ledger.parent.glob(f".{ledger.name}.*.new"))


def test_the_next_creation_removes_the_file_a_kill_left(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite"
    left = _killed_creation(ledger)
    assert len(left) == 1 and not ledger.exists()
    with connect(ledger) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == ("1",)
    assert sorted(tmp_path.iterdir()) == [ledger]


def test_a_run_removes_it_where_the_ledger_was_linked_before_the_kill(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite"
    left = _killed_creation(ledger, at="unlink")
    assert len(left) == 1 and ledger.exists()
    with connect(ledger):  # there: no creation sweeps
        pass
    assert left[0].exists()
    assert remove_leftovers(ledger) == left  # `execute._execute` calls it as a run starts
    assert sorted(tmp_path.iterdir()) == [ledger]


def test_a_live_makers_file_stays(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite"
    mine = tmp_path / f".ledger.sqlite.{os.getpid()}-0badcafe.new"
    mine.write_bytes(b"")
    other = tmp_path / ".other.sqlite.1-0badcafe.new"  # another ledger's
    other.write_bytes(b"")
    assert remove_leftovers(ledger) == []
    assert mine.exists() and other.exists()
