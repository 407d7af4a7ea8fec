"""The temporary files of ledgers whose creation a kill cut short.

A new ledger is written under `.<name>.<pid>-<random>.new` beside it and linked to its
name (`db._create`); a run killed in between (`kill -9`, the OOM killer, a power cut)
leaves that file, which no later run would ever read. Like the scratch folders
(`ocpispec.scratch`), such a file is removed only when its maker is gone: the process
its name gives no longer lives *and* nobody holds its `flock` (the maker locks it while
it writes, which tells a live maker in another pid namespace from a dead one).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from ocpispec.scratch import process_alive


def leftover_name(ledger: Path) -> Path:
    """The temporary name this process gives a new ledger at `ledger`."""
    return ledger.with_name(f".{ledger.name}.{os.getpid()}-{os.urandom(4).hex()}.new")


def remove_leftovers(ledger: Path) -> list[Path]:
    """Remove the temporary files of ledgers at `ledger` whose makers are gone; those removed."""
    prefix, removed = f".{ledger.name}.", []
    try:
        names = [entry.name for entry in os.scandir(ledger.parent)
                 if entry.name.startswith(prefix) and entry.name.endswith(".new")]
    except OSError:
        return removed
    for name in names:
        pid, dash, tag = name[len(prefix):-len(".new")].partition("-")
        if pid.isdigit() and dash and tag and not process_alive(int(pid)) \
                and _remove_unlocked(ledger.parent / name):
            removed.append(ledger.parent / name)
    return removed


def _remove_unlocked(path: Path) -> bool:
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.unlink(path)
        return True
    except OSError:  # held (its maker lives elsewhere) or removed meanwhile
        return False
    finally:
        with contextlib.suppress(OSError):
            os.close(handle)
