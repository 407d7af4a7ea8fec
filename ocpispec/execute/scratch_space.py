"""A run that cannot write its scratch folders says so, and where.

Sorted rows, the rows a k rule holds back, the risk meter's records, an aggregate's
groups, large lookup tables and an XLSX output's sheets (`render/xlsx_sheets.py`) go
to private folders in the temporary directory
(`ocpispec.scratch`), which may lie on another disk than the output. Without this, a
full temporary directory reached the user as "cannot write `out.csv`" (OCX554): they
freed space beside the output, and the next run failed the same way.

    rows = upstream(rows)      # what the rows' producers raise, before the writer sees it
    with spilling():           # around a lookup or an aggregate that may spill
        ...

The output's own writes stay outside both, so they keep their OCX554.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from ocpispec.execute.client import RunError

# what SQLite says where the OS would say ENOSPC, EIO or EACCES
_SQLITE_SPACE = ("full", "disk i/o", "readonly", "unable to open", "read-only")


@contextmanager
def spilling() -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise scratch_failed(exc.strerror or str(exc)) from None
    except sqlite3.OperationalError as exc:
        if not any(word in str(exc).lower() for word in _SQLITE_SPACE):
            raise
        raise scratch_failed(str(exc)) from None


def upstream(rows: Iterable[dict]) -> Iterator[dict]:
    """`rows`, with a failure to spill them (or anything before them) named as such."""
    with spilling():
        yield from rows


def scratch_failed(reason: str) -> RunError:
    folder = tempfile.gettempdir()
    return RunError.of(
        "OCX559", f"cannot write the run's scratch space in `{folder}`: {reason}",
        notes=("a run spills sorted rows, the rows a k rule holds back, its risk "
               "measurements, an aggregate's groups, large lookup tables and the sheets of "
               "an XLSX output there, in private folders it removes afterwards",
               "nothing was written and the state did not move"),
        help=f"free space in `{folder}`, or point TMPDIR at a folder with room (at least "
             "twice the size of the output)")


def spool_failed(destination: str, folder: str, reason: str) -> RunError:
    """A delivery to a server is written into a local spool in the temporary directory
    first: a full temporary directory there was reported as "cannot write
    `sftp://...`", and the user freed space on the server."""
    return RunError.of(
        "OCX559", f"cannot write the local copy of `{destination}` in `{folder}`: {reason}",
        notes=("a delivery to a server is written and checked in the temporary directory "
               "before it is uploaded", "nothing was delivered and the state did not move"),
        help=f"free space in `{folder}`, or point TMPDIR at a folder with room (at least "
             "the size of the output)")
