"""A worker process keys and renders a row of a CSV row export in one generated call
(`execute.keyed_lines`): for any row, the key and the rendered line (with the columns
it fills, or None for a number beyond range) are those the separate functions make
(`value_key.ascending_key`, `DatasetOutput.rendered_beside`), in every dialect whose
lines it writes, on ranked and unranked columns, typed numbers and any other value."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.check.compiler import compile_file
from ocpispec.execute import value_order
from ocpispec.execute.dataset_output import DatasetOutput
from ocpispec.execute.empty_columns import EmptyColumns
from ocpispec.execute.outputs import Target
from ocpispec.execute.value_key import ascending_key
from ocpispec.plan.planner import plan as make_plan

SPEC = '''export keyed
  consumer "Test consumer"
  purpose "Testing keyed lines"
  legal basis public task "test"
  retention 1 months
  pseudonym key env UTRECHT_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
select
  pseudonymize(id) as session
  truncate(start_date_time, hour) as started
  weekday(start_date_time) as day
  currency
  meter_id because "the study compares meter texts"
  kwh because "the study compares energy figures"
  round(kwh) as whole because "the study compares energy figures"
  total_cost.excl_vat as cost because "the study compares energy figures"
output csv {dialect} to "out.csv"
'''
DIALECTS = ["", "unix", "excel-en", "tab-separated", 'delimiter ";"', 'delimiter "|" lines lf',
            "excel-nl", "quote all"]
EDGE_TEXTS = ['"', ",", ";", "|", "\t", "\n", "\r", "=1+1", "+31 20", "-5", "@SUM", "ID",
              "\x00", "\ud800", "🔌", "Monday", "Sun", "2026-01-01T10:00:00Z",
              "2026-01-01T10:00:00+01:00", "not a time", ""]
EDGE_NUMBERS = [0, -0.0, 0.1, 41.0, 5e-324, 1e308, math.inf, -math.inf, math.nan, 2 ** 53,
                2 ** 53 + 1, -2 ** 53 - 1, 2 ** 53 - 1, 2 ** 64, -2 ** 70]
VALUES = (st.none() | st.booleans() | st.text(max_size=8) | st.sampled_from(EDGE_TEXTS)
          | st.floats() | st.integers() | st.sampled_from(EDGE_NUMBERS)
          | st.lists(st.integers(), max_size=2)
          | st.dictionaries(st.text(max_size=2), st.integers(), max_size=1))


def _functions(tmp: Path, dialect: str):
    spec = tmp / "keyed.ocx"
    spec.write_text(SPEC.format(dialect=dialect))
    plan = make_plan(compile_file(spec))
    dataset = plan.datasets[0]
    output = DatasetOutput(plan, dataset, Target(None), datetime.now(timezone.utc))
    ranks = value_order.ranks(dataset.released_columns)
    order = ascending_key(dataset.column_names, ranks)
    rendered = output.rendered_beside(EmptyColumns(dataset).filled())
    return dataset.column_names, order, rendered, output.keyed_beside(rendered, order, ranks)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    return {dialect: _functions(tmp_path_factory.mktemp("keyed"), dialect)
            for dialect in DIALECTS}


def test_keyed_where_lines_are_written_plainly(made) -> None:
    """Fused for point and comma-free dialects; a decimal comma or quotes around every
    field leave the separate functions."""
    assert {dialect for dialect, (*_, keyed) in made.items() if keyed is None} == \
        {"excel-nl", "quote all"}


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_the_keyed_call_makes_what_the_separate_functions_make(made, data) -> None:
    dialect = data.draw(st.sampled_from([d for d in DIALECTS if made[d][3] is not None]))
    columns, order, rendered, keyed = made[dialect]
    # a row holds its columns in column order (the render contract, `CsvLines.liner`),
    # or some of them
    values = data.draw(st.lists(VALUES, min_size=len(columns), max_size=len(columns)))
    row = dict(zip(columns, values))
    left_out = data.draw(st.sets(st.sampled_from(columns), max_size=2))
    for name in left_out:
        del row[name]
    assert keyed(row) == (order(row), rendered(row))


def test_plain_rows_take_the_fused_path(made) -> None:
    """The usual row never falls back: its line is written by the generated call."""
    columns, order, rendered, keyed = made[""]
    row = {"session": "2fe2367c", "started": "2024-12-31T20:00:00Z", "day": "Tuesday",
           "currency": "EUR", "meter_id": None, "kwh": 27.6, "whole": 28, "cost": 11.2}
    calls = []
    fallback = keyed.__globals__["SLOW"]
    keyed.__globals__["SLOW"] = lambda row: calls.append(row) or fallback(row)
    try:
        assert keyed(row) == (order(row), rendered(row))
    finally:
        keyed.__globals__["SLOW"] = fallback
    assert calls == []


_REPEATED_NUMBERS = st.sampled_from([0.0, -0.0, 0.1, 27.6, -27.6, 5e-324, -5e-324, 1e308, 41, None])


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_a_double_kept_from_a_row_before_makes_the_same_key_and_cell(made, data) -> None:
    """The keyed call keeps a double's key part and cell by its value: row after row of
    the same few numbers (and both zeros, equal yet written apart) are keyed and written
    as the separate functions key and write each."""
    dialect = data.draw(st.sampled_from([d for d in DIALECTS if made[d][3] is not None]))
    columns, order, rendered, keyed = made[dialect]
    for _ in range(data.draw(st.integers(1, 16))):
        row = dict(zip(columns, data.draw(st.lists(_REPEATED_NUMBERS, min_size=len(columns),
                                                   max_size=len(columns)))))
        assert keyed(row) == (order(row), rendered(row))
