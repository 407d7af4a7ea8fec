"""The commit journal of ocpispec before the ledger (JSON state files), kept to finish
a commit such a version left when its state moves into the ledger (`ledger.migrate`);
runs now commit through `ocpispec.ledger.store`.

A run's outputs and the state advance must both happen or neither. `commit` does:

1. every output and manifest is complete and fsynced under its temporary name;
2. the journal `<state>.journal` is written atomically: each temporary name with its
   final name, each file uploaded to a remote destination (`ocpispec.delivery`, verified
   under a temporary name there) with its final URL, and the whole new state (this is
   the commit point);
3. the temporary files are renamed to their final names, locally and on the servers;
4. the new state is written;
5. the journal is removed.

A run killed before 2 left only temporary files: nothing was published and the state
did not move (the next run removes the leftovers: roll back). A run killed after 2 is
finished by the next run (`recover`, under the run lock, before the state is read):
the renames not yet done and the state write are repeated (roll forward). Every step
is idempotent, so a crash during recovery is recovered the same way.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Sequence
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocpispec.delivery import Failure
from ocpispec.executor.atomic import AtomicFile, fsync_directory, publish, write_atomically
from ocpispec.state import State, state_from_dict, state_text, state_to_dict
from ocpispec.text import count

JOURNAL_FORMAT = 1


class JournalError(Exception):
    """A pending commit cannot be finished; the message says why."""


class CommitPending(Exception):
    """The commit failed after its journal was written: the next run finishes it."""

    def __init__(self, journal: Path) -> None:
        super().__init__(str(journal))
        self.journal = journal


@dataclass(frozen=True, slots=True)
class Recovered:
    published: int
    missing: int
    state_serial: int | None

    def note(self) -> str:
        done = (f"published the {count(self.published, 'file')} it had not yet renamed"
                if self.published else "its files were already published")
        parts = [f"finished the commit an interrupted run left: {done}"]
        if self.state_serial is not None:
            parts.append("the state advanced as that run meant to")
        if self.missing:
            parts.append(f"{count(self.missing, 'file')} of it no longer there, so the state "
                         "was NOT advanced: this run delivers that window again, and the "
                         "files that were published repeat it")
        return "; ".join(parts)


def journal_path(state_path: Path) -> Path:
    return state_path.with_name(state_path.name + ".journal")


def pending_files(state_path: Path) -> frozenset[Path]:
    """The temporary files pending commits still need (never to be cleaned up): those
    of every journal beside the state file, so other exports' are kept too."""
    needed: set[Path] = set()
    for journal in state_path.parent.glob("*.journal"):
        try:
            data = json.loads(journal.read_text(encoding="utf-8"))
            needed.update(Path(temp) for temp, _ in data["renames"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return frozenset(needed)


def commit(files: Sequence[AtomicFile], state_path: Path | None, state: State | None,
           pause=lambda step: None, outbox: Any = None) -> None:
    """Publish `files` (finished) and the `outbox`'s uploads (verified under temporary
    names) and save `state`, recoverably when there is a state path (without one, there
    is no state to keep in step with the outputs)."""
    if state_path is None:
        for file in files:
            file.publish()
        if outbox is not None:
            outbox.publish()
        return
    journal = journal_path(state_path)
    write_atomically(journal, json.dumps({
        "format_version": JOURNAL_FORMAT, "pid": os.getpid(),
        "renames": [[str(f.temp.resolve()), str(f.path.resolve())] for f in files],
        "remote": outbox.renames() if outbox is not None else [],
        "state": state_to_dict(state) if state is not None else None}, indent=1) + "\n")
    pause("journal")
    try:
        for file in files:
            file.publish()
            pause("rename")
        if outbox is not None:
            outbox.publish(pause)
        if state is not None:
            write_atomically(state_path, state_text(state))
            pause("state")
        _remove(journal)
    except (OSError, Failure) as exc:
        raise CommitPending(journal) from exc


def recover(state_path: Path, export: str,
            finish_remote: Callable[[str, str], str] | None = None) -> Recovered | None:
    """Finish the commit a crashed run left in the journal, if any. `finish_remote(url,
    temp)` finishes a remote rename (`published`, `done` or `missing`)."""
    journal = journal_path(state_path)
    try:
        text = journal.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise JournalError(f"cannot read the journal `{journal}`: {exc.strerror}") from None
    try:
        data = json.loads(text)
        if data.get("format_version") != JOURNAL_FORMAT:
            raise ValueError("unknown journal format")
        renames = [(Path(temp), Path(final)) for temp, final in data["renames"]]
        remote = [(str(url), str(temp)) for url, temp in data.get("remote", [])]
        state = state_from_dict(data["state"], export) if data["state"] is not None else None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise JournalError(f"the journal `{journal}` is damaged ({exc.__class__.__name__})") \
            from None
    published = missing = 0
    for temp, final in renames:
        if temp.exists():
            publish(temp, final)
            published += 1
        elif not final.exists():
            missing += 1
    for url, temp in remote:
        if finish_remote is None:
            raise JournalError(f"the journal `{journal}` holds remote deliveries")
        try:
            outcome = finish_remote(url, temp)
        except Failure as exc:
            raise JournalError(f"{exc.message}") from None
        published += outcome == "published"
        missing += outcome == "missing"
    if missing:  # a file is gone: advancing would lose its records; repeating is loud
        state = None
    if state is not None:
        write_atomically(state_path, state_text(state))
    _remove(journal)
    return Recovered(published, missing, state.serial if state is not None else None)


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    fsync_directory(path.parent)
