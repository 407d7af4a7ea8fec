"""The modules the workers' page reading imports on first use, imported before a fork.

A fork copies the lock of a module another thread is importing at that instant held, by
a thread the child does not have: a child importing that module waits forever. `get
--demo` serves the demo CPO from threads of its own process, and `--workers auto` forks
from the crawl's thread mid-crawl, so 2 of 4 `get cdrs --demo --privacy-pass .` hung
with both workers waiting on `zoneinfo`'s lock. Imported first by the forking thread,
such an import is waited for, and the children find every module whole.
"""

from __future__ import annotations

import importlib

WORKER_IMPORTS = ("zoneinfo", "ocpispec.calendar_windows", "ocpispec.schema.neutral",
                  "ocpispec.user_cache", "ocpispec.execute.value_key")


def settle() -> None:
    for name in WORKER_IMPORTS:
        importlib.import_module(name)
