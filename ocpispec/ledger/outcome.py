"""How a commit ended when it did not end cleanly: stopped after its commit point
(`CommitPending`), or finished later by recovery (`Recovered`). Shared by the ledger
and by the JSON journal of earlier versions (`executor.journal`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ocpispec.text import count


class CommitPending(Exception):
    """The commit failed after its commit point (the journal written, or the ledger's
    pending row stored): the next run finishes it. `journal` names where it is kept."""

    def __init__(self, journal: Path) -> None:
        super().__init__(str(journal))
        self.journal = journal


class StateMoved(Exception):
    """Another run of the export committed after this one read the state (the export's
    lock did not keep them apart): publishing would deliver the window a second time.
    Raised before the commit point: nothing is published."""

    def __init__(self, read: int, found: int | None) -> None:
        super().__init__(f"serial {read} read, {found} found")
        self.read, self.found = read, found


@dataclass(frozen=True, slots=True)
class Recovered:
    published: int
    missing: int
    state_serial: int | None
    held_back: tuple[str, ...] = ()  # datasets whose state stayed: a file of theirs is gone
    sidecars: int = 0  # manifests and data packages gone beside data files published

    def note(self) -> str:
        done = (f"published the {count(self.published, 'file')} it had not yet renamed"
                if self.published else "its files were already published")
        parts = [f"finished the commit an interrupted run left: {done}"]
        if self.missing and self.held_back:
            names = ", ".join(f"`{name}`" for name in self.held_back)
            parts.append(f"{count(self.missing, 'file')} of {names} no longer there, so the "
                         f"state of {names} was NOT advanced: this run delivers that window "
                         "again" + ("; the other datasets' state advanced as that run meant "
                                    "to" if self.state_serial is not None else ""))
        elif self.state_serial is not None:
            parts.append("the state advanced as that run meant to")
        if self.sidecars:
            files = count(self.sidecars, "manifest or data package",
                          "manifests or data packages")
            parts.append(f"{files} no longer there (removed before their rename) beside "
                         "data files that were published: their records were delivered, and "
                         "the consumer gets those files without them")
        if self.missing and not self.held_back:
            parts.append(f"{count(self.missing, 'file')} of it no longer there, so the state "
                         "was NOT advanced: this run delivers that window again, and the "
                         "files that were published repeat it")
        return "; ".join(parts)
