"""The aggregation engine on its own: composed measures, `count(distinct)` against a
reference, percentiles within their stated bound, and spilling to disk that changes
nothing in the output."""

from __future__ import annotations

import random
import statistics
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.plan import ir
from ocpispec.execute.aggregate import Aggregator
from ocpispec.execute.functions import custom_functions
from ocpispec.execute.jmes_compile import compile_expression
from ocpispec.execute.pipeline import Counts
from ocpispec.execute.quantiles import EXACT_LIMIT, RELATIVE_ERROR, Quantiles
from ocpispec.execute.spill import sort_key
from ocpispec.diagnostics.source import Span

SPAN = Span(0, 1)
FUNCTIONS = custom_functions(bytes.fromhex(
    "3f9a1c7e52d80b64e1a7c39f05d2b8e6417ac0953ef28d1b6c4a7e90f3158b2d"), "export")


def compile(text: str):
    return compile_expression(text, FUNCTIONS)


def _measure(name: str, function: str, argument: str | None = None) -> ir.Measure:
    return ir.Measure(name, function, argument, (), "public", SPAN)


def _formula(name: str, formula: str, *parts: ir.Part) -> ir.Measure:
    return ir.Measure(name, "formula", None, (), "public", SPAN, parts=parts, formula=formula,
                      written=name)


def _step(measures, minimum: int = 2, entity: str | None = "driver",
          keys=("area", "hour")) -> ir.Aggregate:
    columns = tuple(ir.Column(k, k, (), "generalised", "", "public", "public", None, SPAN)
                    for k in keys)
    return ir.Aggregate("aggregate.sessions", columns, tuple(measures), minimum, True,
                        "distinct drivers", entity, SPAN)


MEASURES = (
    _measure("sessions", "count"),
    _measure("energy", "sum", "kwh"),
    _measure("mean", "avg", "kwh"),
    _measure("low", "min", "kwh"),
    _formula("energy_r", 'round("#0", `1`)', ir.Part("sum", "kwh")),
    _formula("per_session", 'divide("#0", "#1")', ir.Part("sum", "kwh"), ir.Part("count", None)),
    _formula("drivers", '"#0"', ir.Part("count_distinct", "driver")),
    _formula("median", '"#0"', ir.Part("median", "kwh")),
    _formula("p90", '"#0"', ir.Part("percentile", "kwh", 0.9)),
)

records_strategy = st.lists(st.fixed_dictionaries({
    "area": st.sampled_from(["3511", "1012", None, "9999", ""]),
    "hour": st.sampled_from([0, 1, 2, 23, 1.5, True]),
    "driver": st.sampled_from(["NL-TNM-C0001", "nltnmc0001", "NL-TNM-C0002", "c3", "c4", None]),
    "kwh": st.one_of(st.none(), st.integers(-5, 80), st.floats(0, 80, allow_nan=False)
                     .map(lambda x: round(x, 2))),
}), max_size=80)


def _run(records, max_groups: int = 100_000, minimum: int = 2, tmp=None):
    counts = Counts()
    aggregator = Aggregator(_step(MEASURES, minimum), compile, counts, max_groups=max_groups,
                            spill_directory=tmp)
    aggregator.add_all(records)
    return list(aggregator.rows()), (counts.groups, counts.groups_suppressed), aggregator


@settings(max_examples=60, deadline=None)
@given(records_strategy, st.integers(1, 3))
def test_spilling_changes_nothing(records, minimum) -> None:
    in_memory, counts, _ = _run(records, minimum=minimum)
    spilled, spilled_counts, aggregator = _run(records, max_groups=1, minimum=minimum)
    assert spilled == in_memory
    assert spilled_counts == counts
    assert aggregator.spilled >= (1 if counts[0] > 1 else 0)


@settings(max_examples=60, deadline=None)
@given(records_strategy)
def test_count_distinct_matches_a_reference(records) -> None:
    rows, _, _ = _run(records, minimum=1)
    reference: dict[tuple, set] = {}
    for record in records:
        group = reference.setdefault(sort_key((record["area"], record["hour"])), set())
        if record["driver"] is not None:
            group.add(record["driver"])
    assert sorted(reference) == [sort_key((row["area"], row["hour"])) for row in rows]
    for row in rows:
        assert row["drivers"] == len(reference[sort_key((row["area"], row["hour"]))])


@settings(max_examples=60, deadline=None)
@given(records_strategy)
def test_composed_measures_follow_their_parts(records) -> None:
    rows, _, _ = _run(records, minimum=1)
    for row in rows:
        values = [r["kwh"] for r in records if (r["area"], r["hour"]) == (row["area"], row["hour"])
                  and repr(r["hour"]) == repr(row["hour"]) and r["kwh"] is not None]
        if not values:
            assert row["energy"] is None and row["median"] is None
            continue
        assert row["energy_r"] == float(Decimal(repr(row["energy"])).quantize(
            Decimal("0.1"), ROUND_HALF_UP))  # as the language's `round` rounds
        assert abs(row["median"] - statistics.median(values)) < 1e-6
        assert row["per_session"] == round(row["energy"] / row["sessions"], 6) or \
            abs(row["per_session"] - row["energy"] / row["sessions"]) < 1e-6


def test_drivers_are_counted_only_up_to_the_minimum() -> None:
    _, _, aggregator = _run([{"area": "a", "hour": 1, "driver": f"d{i}", "kwh": 1}
                             for i in range(50)], minimum=5)
    (state,) = aggregator.groups.values()
    # reached: 5 people kept (`accumulators.Full`), counted again at the end, not the 50
    assert len(state[2]) == 5


@settings(max_examples=80, deadline=None)
@given(st.lists(st.fixed_dictionaries({
    "area": st.sampled_from(["3511", "1012"]), "hour": st.sampled_from([0, 1]),
    "driver": st.sampled_from(["c1", "c2", "c3", "c4", "c5", None]),
    "kwh": st.one_of(st.none(), st.integers(0, 80))}), max_size=60),
    st.integers(2, 4), st.booleans())
def test_a_sum_or_average_rests_on_the_minimum_of_drivers(records, minimum, spill) -> None:
    """A released `sum(kwh)` or `avg(kwh)` comes from at least `minimum` drivers who gave
    a value, not only from a group of that many (the others' kwh missing)."""
    rows, _, _ = _run(records, max_groups=1 if spill else 100_000, minimum=minimum)
    for row in rows:
        givers = {r["driver"] for r in records if (r["area"], r["hour"]) == (row["area"], row["hour"])
                  and r["kwh"] is not None and r["driver"] is not None}
        assert row["energy"] is None or len(givers) >= minimum
        assert row["mean"] is None or len(givers) >= minimum


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32), st.integers(1, 600), st.sampled_from([0.1, 0.5, 0.9]))
def test_sketched_percentiles_stay_within_the_stated_error(seed, extra, fraction) -> None:
    generator = random.Random(seed)
    values = [generator.lognormvariate(2, 1.5) for _ in range(EXACT_LIMIT + extra)]
    sketch = Quantiles()
    for value in values:
        sketch.add(value)
    assert sketch.exact is None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    exact = ordered[low] + (position - low) * (ordered[min(low + 1, len(ordered) - 1)]
                                               - ordered[low])
    assert abs(sketch.quantile(fraction) - exact) <= RELATIVE_ERROR * exact * 1.000001


@given(st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=1, max_size=200))
def test_small_groups_have_exact_percentiles(values) -> None:
    sketch = Quantiles()
    for value in values:
        sketch.add(value)
    assert abs(sketch.quantile(0.5) - statistics.median(values)) <= 1e-9 * max(
        1.0, max(abs(v) for v in values))


@given(st.lists(st.tuples(st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                                    st.floats(allow_nan=False), st.text(max_size=4)),
                          st.text(max_size=3)), max_size=30))
def test_sort_keys_order_as_values_do(keys) -> None:
    def rank(value):
        match value:
            case None:
                return (0, 0)
            case bool():
                return (1, int(value))
            case int() | float():
                return (2, value)
        return (3, value)

    encoded = sorted(keys, key=sort_key)
    assert [tuple(rank(v) for v in k) for k in encoded] == \
        sorted(tuple(rank(v) for v in k) for k in keys)
    assert len({sort_key(k) for k in keys}) == len({(repr(a), b) for a, b in keys})
