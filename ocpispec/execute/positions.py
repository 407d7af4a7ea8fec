"""The state of datasets without a name follows them when their position changes.

A dataset without `as NAME` is keyed in the state by its module and its place among the
datasets of that module (`sessions`, `sessions-2`, ...: `check.dataset_names`). A
dataset of the same module inserted before it in the spec shifts it to the next id: it
found no state under its new id and delivered everything since 1970-01-01 again, while
the inserted dataset continued from its watermark as if it had delivered before. The
state keeps each dataset's plan summary (`plan_change.summarize`): a dataset whose id
holds another plan's state (or none), while exactly one other id of its module holds
its own plan's, is the dataset that moved there, and its state moves with it. So does
a dataset renamed with `as` (`as long` -> `as long_sessions`) that no state is kept for,
where exactly one state of a name the spec no longer has holds its plan's summary.
"""

from __future__ import annotations

import re
from types import MappingProxyType

from ocpispec.execute import plan_change
from ocpispec.ledger.state import State
from ocpispec.plan import ir


def followed(plan: ir.Plan, state: State) -> tuple[State, list[str]]:
    """`state` with the states of moved unnamed datasets under their new ids, and a
    note for each move."""
    current = {d.name: plan_change.summarize(d) for d in plan.datasets
               if d.step(ir.Fetch).window.tracked}
    names = {d.name for d in plan.datasets}
    stored = {name: found.plan_summary for name, found in state.datasets.items()
              if found.plan_summary is not None}
    moves = {}
    for name, summary in current.items():
        if _positional(name, summary["module"]):
            if _same(stored.get(name), summary):
                continue
            holders = [old for old, kept in stored.items() if old != name
                       and _same(kept, summary) and _positional(old, summary["module"])
                       and not _same(current.get(old), kept)]
        elif name in state.datasets:
            continue
        else:  # renamed: a state of a name the spec no longer has
            holders = [old for old, kept in stored.items()
                       if old not in names and _same(kept, summary)]
        if len(holders) == 1:
            moves[name] = holders[0]
    if not moves or len(set(moves.values())) != len(moves):
        return state, []
    datasets = {name: found for name, found in state.datasets.items()
                if name not in moves.values()}
    datasets.update({new: state.datasets[old] for new, old in moves.items()})
    notes = [f"the dataset `{old}` is `{new}` now ({_why(new, old, current)}): its state "
             "moved with it" for new, old in sorted(moves.items())]
    return State(state.export, state.serial, MappingProxyType(datasets)), notes


def _why(new: str, old: str, current: dict) -> str:
    if _positional(new, current[new]["module"]) and _positional(old, current[new]["module"]):
        return ("a dataset of its module came before it in the spec, or went; name "
                "datasets with `as` to keep them apart")
    return "renamed in the spec, with the same plan"


def _positional(name: str, module: str) -> bool:
    return re.fullmatch(rf"{re.escape(module)}(?:-\d+)?", name) is not None


def _same(a: object, b: object) -> bool:
    return a is not None and b is not None and a == b
