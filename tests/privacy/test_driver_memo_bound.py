"""What a run's k rule and risk meter remember per driver is bounded by a number a run of
100,000 realistic sessions (16,666 drivers) nearly reaches, so a larger run holds no
more: the hidden pair of a driver is remembered once, by the id as read
(`RowRisk._hidden_reader`), and `Drivers` behind it remembers nothing. At 65,536 in each
of two memos, a run of 1,000,000 realistic sessions (166,666 drivers) held some 21 MB
more than one of 100,000 (`benchmarks/bench_memory.py --data realistic`)."""

from __future__ import annotations

import gc
from pathlib import Path

from ocpispec.check.compiler import compile_file
from ocpispec.demo import charges
from ocpispec.demo.world import World
from ocpispec.execute.disclosure import RowRisk
from ocpispec.execute.functions import custom_functions
from ocpispec.execute.jmes_compile import compile_expression
from ocpispec.plan.planner import plan as make_plan

SPEC = Path(__file__).resolve().parents[2] / "specs" / "municipality_sessions.ocx"
KEY = b"a4f1c8e3b72d05f9e6a1c4b8d03f7e25c9a6b1f4d8e02c7a5f3b96d1e4c8a07b"
DRIVERS = 40_000
# a driver's id, its hidden pair and a dict slot: some 240 bytes; 16,384 of them
MOST_HELD = 16_384


class _ManyDrivers(World):
    """The demo world with a driver of its own for every charge."""

    def __init__(self, seed: int, size: int) -> None:
        super().__init__(seed, size)
        self.driver_count = size


def _largest_memo(risk: RowRisk, reader: object) -> int:
    """The most entries a dict reachable from the reader's closure or `risk.drivers` holds."""
    held = [0]
    for root in (reader, risk.drivers):
        for item in gc.get_referents(root):
            for inner in [item, *gc.get_referents(item)]:
                if isinstance(inner, dict):
                    held.append(len(inner))
    return max(held)


def test_what_is_remembered_per_driver_stays_bounded() -> None:
    plan = make_plan(compile_file(SPEC))
    dataset = plan.datasets[0]
    functions = custom_functions(KEY, plan.export.name)
    risk = RowRisk(dataset, lambda text: compile_expression(text, functions), "2.2.1")
    world = _ManyDrivers(11, DRIVERS)
    hidden = risk._hidden
    pairs = set()
    for i in range(DRIVERS):
        pairs.add(hidden(charges.session("2.2.1", world.charge(i))))
    assert len(pairs) > MOST_HELD  # more drivers than the bound, told apart
    again = hidden(charges.session("2.2.1", world.charge(0)))
    assert again in pairs  # forgotten or not, a driver hides the same way
    assert _largest_memo(risk, hidden) <= MOST_HELD
