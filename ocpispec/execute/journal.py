"""The commit journal of ocpispec before the ledger (JSON state files), kept to finish
a commit such a version left when its state moves into the ledger (`ledger.migrate`);
runs now commit through `ocpispec.ledger.store`.

A run's outputs and the state advance must both happen or neither. `commit` does:

1. every output and manifest is complete and fsynced under its temporary name;
2. the journal `<state>.journal` is written atomically: each temporary name with its
   final name and the whole new state (this is the commit point);
3. the temporary files are renamed to their final names;
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
from pathlib import Path

from ocpispec.execute.atomic import AtomicFile, fsync_directory, publish, write_atomically
from ocpispec.ledger.outcome import CommitPending, Recovered
from ocpispec.ledger.state import State, state_from_dict, state_text, state_to_dict

JOURNAL_FORMAT = 1


class JournalError(Exception):
    """A pending commit cannot be finished; the message says why."""


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
           pause=lambda step: None) -> None:
    """Publish `files` (finished) and save `state`, recoverably when there is a state
    path (without one, there is no state to keep in step with the outputs)."""
    if state_path is None:
        for file in files:
            file.publish()
        return
    journal = journal_path(state_path)
    write_atomically(journal, json.dumps({
        "format_version": JOURNAL_FORMAT, "pid": os.getpid(),
        "renames": [[str(f.temp.resolve()), str(f.path.resolve())] for f in files],
        "state": state_to_dict(state) if state is not None else None}, indent=1) + "\n")
    pause("journal")
    try:
        for file in files:
            file.publish()
            pause("rename")
        if state is not None:
            write_atomically(state_path, state_text(state))
            pause("state")
        _remove(journal)
    except OSError as exc:
        raise CommitPending(journal) from exc


def recover(state_path: Path, export: str) -> Recovered | None:
    """Finish the commit a crashed run left in the journal, if any."""
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
