"""Refuse a run of a spec whose export's state another spec advanced (OCX346).

The ledger keeps `since last run` state by the export's name. A spec copied to start
a second export (another city, another window) with its `export` line left as it was,
run with the same ledger (one `$OCPISPEC_LEDGER` or `state_dir` for every cron job),
continued from the first spec's watermark: its consumer never got the records before
it, and the first spec's next run continued from the copy's watermark, so its consumer
never got the records between. Both runs exited 0 with a note that the plan changed.
`ocpispec check` warns of such specs (OCX346) only when it is given both.

The disclosure log says which spec file, for which consumer, last committed each
dataset. When that is another file, still there and still naming the export, for
another consumer, two specs share the export: the run stops before fetching. A spec
moved (its old file gone), renamed (the old file names another export) or edited in a
copy for the same consumer (`v2.ocx` beside `v1.ocx`: its plan change is named) runs
as before.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from ocpispec.execute.client import RunError
from ocpispec.ledger.state import State
from ocpispec.plan import ir


def check_not_shared(plan: ir.Plan, state: State, state_path: Path, options: Any) -> None:
    if not options.use_state or plan.spec is None:
        return
    continued = sorted({name for d in plan.datasets for name in (d.name, d.previous_name)
                        if name is not None and name in state.datasets})
    if not continued:
        return
    from ocpispec.ledger import LedgerError
    from ocpispec.ledger.renames import last_specs

    spec = Path(plan.spec).resolve()
    try:
        others = last_specs(state_path, plan.export.name, continued)
    except (LedgerError, OSError):
        return  # the run's own use of the ledger reports what is wrong with it
    for other, consumer in others:
        if consumer != plan.export.consumer and _another_spec_of(Path(other), spec,
                                                                  plan.export.name):
            raise _refusal(plan, other, consumer, state, continued, state_path)


def _another_spec_of(other: Path, spec: Path, export: str) -> bool:
    """Whether `other` is a spec file of its own that still exports `export`."""
    if other == spec:
        return False
    try:
        if os.path.samefile(other, spec):
            return False
        text = other.read_text(encoding="utf-8", errors="replace")
    except OSError:  # moved, removed or unreadable: no evidence of a second spec
        return False
    pattern = rf"^\s*export\s+{re.escape(export)}(?:\s|#|$)"
    return re.search(pattern, text, re.MULTILINE) is not None


def _refusal(plan: ir.Plan, path: str, consumer: str | None, state: State,
             continued: list[str], state_path: Path) -> RunError:
    name, other = plan.export.name, _shown(path)
    marks = ", ".join(f"`{dataset}` up to {state.datasets[dataset].watermark}"
                      for dataset in continued)
    return RunError.of(
        "OCX346", f"the export `{name}` is another spec's too: its `since last run` state "
                  f"was advanced by `{other}`, for another consumer",
        notes=(f"`{other}` delivers to {_quoted(consumer)}, this spec to "
               f"{_quoted(plan.export.consumer)}",
               f"the ledger `{state_path}` keeps one state per export name: {marks}",
               "continuing from it, this spec would never deliver the records before it, "
               "and the other spec's next run would skip the records this one delivers; "
               "nothing was fetched"),
        help=f"give this spec's export a name of its own (`export {name}_2`; its first "
             "run starts at 1970-01-01) and check both files together with `ocpispec "
             f"check`; if `{other}` is an old copy of this spec that no longer runs, "
             "remove it and run again")


def _quoted(consumer: str | None) -> str:
    return f'"{_shown(consumer)}"' if consumer is not None else "no named consumer"


def _shown(text: str) -> str:
    """A text from the ledger as the terminal shows it: a control character (a line
    break in a file name, an escape sequence) escaped, never acted on."""
    return "".join(char if char.isprintable() else ascii(char)[1:-1] for char in text)
