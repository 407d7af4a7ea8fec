"""How many worker processes `--workers` asked for, and whether `auto` did.

`auto` on a machine with cores to spare is an `AutoWorkers`: at most that many
processes, started only once a list shows that it is long enough for them to pay
(`execute.lazy_pool`). A number given (`--workers 2`) starts them with the command, as
it always did. Kept apart from the CLI and the executor so that both read it without
loading the other.
"""

from __future__ import annotations

# objects after a list's first page from which `auto` starts its workers: below 5,000
# they cost more CPU and wall than they save; from 20,000 on they save wall where a core
# is free (docs/plan-and-run.md, "Worker processes"; `benchmarks/bench_workers.py`)
AUTO_START_OBJECTS = 10_000


class AutoWorkers(int):
    """`--workers auto`: the most worker processes a long list gets; a short one none."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"AutoWorkers({int(self)})"

    def __str__(self) -> str:     # int's `str` is its `repr`: messages say the number
        return int.__repr__(self)


def started_lazily(workers: int) -> bool:
    return isinstance(workers, AutoWorkers)
