"""What each dataset of a spec is called: its name (`from sessions as weekly_sessions`)
or, without one, its module with `-2`, `-3`... for the second and third dataset of the
same module (counting named ones too, so naming one dataset never renames another).

The name keys the `since last run` state, the run history, the manifests and the `--out`
file names. A dataset that gains a name keeps its state: the plan records the id it had
before (`Dataset.previous_name`) and the executor moves the state to the new name.
"""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.language import syntax


def positional_ids(modules: Sequence[str]) -> list[str]:
    """`sessions`, `sessions-2`...: the ids of datasets without names."""
    seen: dict[str, int] = {}
    ids = []
    for module in modules:
        seen[module] = seen.get(module, 0) + 1
        ids.append(module if seen[module] == 1 else f"{module}-{seen[module]}")
    return ids


def dataset_ids(datasets: Sequence[syntax.Dataset]) -> list[str]:
    positional = positional_ids([d.source.module.name for d in datasets])
    return [d.source.name.name if d.source.name is not None else fallback
            for d, fallback in zip(datasets, positional)]
