"""The state a recovered commit advances when some of its files are gone.

A pending commit whose data file never began its rename and is gone (removed by hand, its
folder replaced) must not advance the state of that file's dataset: its records would
be lost. (A manifest or data package gone beside a data file that was published holds
nothing back: `store.recover` passes only data files here.) The other datasets' files were published, and holding their state back too
delivered their windows a second time (each of their records twice). So the state
advances for every dataset but those with a file gone, which keep the state they had.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from ocpispec.ledger.state import State


def held_back(before: State, after: State | None, run: Mapping[str, Any] | None,
              gone: Iterable[str]) -> tuple[State | None, tuple[str, ...]]:
    """The state to store and the datasets held back; (None, ()) holds back the whole
    state (the run's log names no dataset for a file that is gone: an older version's)."""
    if after is None:
        return None, ()
    owners = _owners(run)
    names = {owners.get(path) for path in gone}
    if not names or None in names:
        return None, ()
    held = tuple(sorted(name for name in names if name is not None))
    if _moved(before, after, held):
        return None, ()
    kept = {name: found for name, found in after.datasets.items() if name not in held}
    kept.update({name: before.datasets[name] for name in held if name in before.datasets})
    if kept == dict(before.datasets):
        return None, held
    return State(after.export, after.serial, MappingProxyType(kept)), held


def _moved(before: State, after: State, held: tuple[str, ...]) -> bool:
    """Whether that run moved a state to another name (a dataset renamed, or another
    of its module inserted before it), or changed a held dataset's plan: holding back by
    name would drop the state a name came from, or give it another dataset's. All of it
    stays then, and the next run moves it again."""
    if before.datasets.keys() - after.datasets.keys():
        return True
    for name in held:
        summary = after.datasets[name].plan_summary if name in after.datasets else None
        if name in before.datasets:  # another dataset's under this name, or a plan change
            if before.datasets[name].plan_summary != summary:
                return True
        elif summary is not None and any(found.plan_summary == summary
                                         for found in before.datasets.values()):
            return True
    return False


def _owners(run: Mapping[str, Any] | None) -> dict[str, str]:
    """Each output's final path (a remote one's URL) -> its dataset, as the log has it."""
    outputs = run.get("outputs") if isinstance(run, Mapping) else None
    return {item["path"]: item["dataset"] for item in outputs or ()
            if isinstance(item, Mapping) and isinstance(item.get("path"), str)
            and isinstance(item.get("dataset"), str)}
