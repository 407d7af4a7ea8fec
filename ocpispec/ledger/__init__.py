"""The ledger: one local SQLite database (default `.ocpispec/ledger.sqlite`; `--state`
or `OCPISPEC_LEDGER` name another) that holds

- the `since last run` state (watermarks) of every export,
- the commit journal of a run being published (`store`), and
- the disclosure log: every run, successful or failed (`log`), which
  `ocpispec history` lists and turns into an Art. 30 register (`report`).

Publishing a run's outputs, advancing its watermarks and logging it are one
recoverable commit; logging and advancing are one SQLite transaction. No record
value, token or key is ever stored.
"""

from __future__ import annotations

import os
from pathlib import Path

from ocpispec.ledger.db import LedgerError, connect, transaction
from ocpispec.ledger.log import new_entry, with_result
from ocpispec.ledger.migrate import is_json_state, legacy_state_path, migrate
from ocpispec.ledger.outcome import StateMoved
from ocpispec.ledger.delivered import commits_seen, delivered_groups, delivered_windows, last_delivered_end
from ocpispec.ledger.pending import (has_pending, pending_files, pending_finals, pending_remote,
                                     pending_remote_finals)
from ocpispec.ledger.store import (CommitPending, Recovered, check_writable, commit, forget_state,
                                   load_state, record, recover, save_state, state_exports)

LEDGER_ENV = "OCPISPEC_LEDGER"

__all__ = ["LEDGER_ENV", "CommitPending", "LedgerError", "Recovered", "check_writable",
           "commit", "commits_seen", "connect", "default_ledger_path", "delivered_groups", "delivered_windows", "forget_state",
           "has_pending",
           "is_json_state", "last_delivered_end", "legacy_state_path", "load_state",
           "migrate", "new_entry", "pending_files", "pending_finals", "pending_remote",
           "pending_remote_finals", "record",
           "recover", "save_state", "state_exports", "StateMoved", "transaction", "with_result"]


def default_ledger_path(directory: Path | None = None) -> Path:
    """`$OCPISPEC_LEDGER`, else `.ocpispec/ledger.sqlite` under the current directory."""
    configured = os.environ.get(LEDGER_ENV)
    if configured:
        return Path(configured)
    return (directory or Path(".")) / ".ocpispec" / "ledger.sqlite"
