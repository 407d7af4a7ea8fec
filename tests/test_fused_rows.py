"""A worker process makes a record's row, its sort key, its CSV line and the risk
meter's part in one generated call (`execute.fused_rows`): for any wire record, what
the call gives (or, where it falls back, what the present functions then give) is what
the pipeline, the keyed line and the meter's part make one after the other, with the
same counts: nulls, unicode, cells that need quoting, formula-like texts the CSV guard
rewrites, values no column type expects, private sites, filtered records."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.check.compiler import compile_file
from ocpispec.disclosure.risk_records import _POINT_NAMES as POINT_NAMES
from ocpispec.execute import value_order
from ocpispec.execute.dataset_output import DatasetOutput
from ocpispec.execute.disclosure import RowRisk
from ocpispec.execute.empty_columns import EmptyColumns
from ocpispec.execute.lookups import TableLookup
from ocpispec.execute.outputs import Target
from ocpispec.execute.pipeline import Counts, Pipeline
from ocpispec.execute.pseudonyms import PseudonymDomain
from ocpispec.execute.run_compiler import run_compiler
from ocpispec.execute.value_key import ascending_key
from ocpispec.ocpi.row_pages import FALLBACK
from ocpispec.plan import ir
from ocpispec.plan.planner import plan as make_plan

SPEC = '''export fused
  consumer "Test consumer"
  purpose "Testing fused rows"
  legal basis public task "test"
  retention 1 months
  pseudonym key env UTRECHT_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
  where status = "COMPLETED" or kwh > 40
select
  pseudonymize(cdr_token.contract_id) as driver
  pseudonymize(id) as session
  truncate(start_date_time, hour) as started
  truncate(end_date_time, hour) as ended
  round(kwh, 1) as energy_kwh
  minutes(start_date_time, end_date_time) as duration_min
  round(total_cost.excl_vat, 0) as cost_eur
  auth_method
  currency
  meter_id because "the study compares meter texts"
  status
output csv {dialect} to "out.csv"
'''
VERSION = "2.2.1"
SITES = [{"country_code": "NL", "party_id": "TNM", "id": f"LOC{n}", "publish": n % 3 != 0,
          "last_updated": "2025-01-01T00:00:00Z"} for n in range(6)]
EDGE_TEXTS = ['"', ",", ";", "\n", "\r", "=1+1", "+31 20", "-5", "@SUM", "\x00", "\ud800",
              "🔌", "Ünïcode", "", " ", "a,b", 'say "hi"']
TIMES = st.sampled_from(["2025-03-01T10:15:00Z", "2025-03-01T11:45:30Z", "2025-02-28T23:59:59Z",
                         "2025-03-01T10:15:00.500Z", "2025-03-01T10:15:00+01:00", "not a time",
                         ""]) | st.none()
TEXTS = st.none() | st.text(max_size=6) | st.sampled_from(EDGE_TEXTS)
NUMBERS = st.none() | st.integers(-10 ** 20, 10 ** 20) | st.floats() \
    | st.sampled_from([0, -0.0, 41.0, 2 ** 53 + 1, math.inf, math.nan]) | st.text(max_size=3)


PLAIN = st.fixed_dictionaries({
    "id": st.sampled_from(["S1", "S2", "s-3", "Ünï"]),
    "start_date_time": st.sampled_from(["2025-03-01T10:15:00Z", "2025-03-01T11:45:30Z"]),
    "end_date_time": st.sampled_from(["2025-03-01T12:15:00Z", "2025-03-02T01:00:00Z"]),
    "kwh": st.sampled_from([12.34, 41, 0.0, 55.5]),
    "cdr_token": st.fixed_dictionaries({
        "uid": st.just("U1"), "type": st.just("RFID"),
        "contract_id": st.sampled_from(["NL-TNM-C1", "NL-TNM-C2", "ＮＬ－ＴＮＭ－Ｃ３"])}),
    "auth_method": st.sampled_from(["WHITELIST", "AUTH_REQUEST", "=cmd", "🔌"]),
    "meter_id": st.sampled_from(["M1", "m 2", "-5", ""]),
    "location_id": st.sampled_from([site["id"] for site in SITES] + ["loc1"]),
    "currency": st.sampled_from(["EUR", "CHF"]),
    "total_cost": st.fixed_dictionaries({"excl_vat": st.sampled_from([3.5, 10, 0.49])}),
    "status": st.sampled_from(["COMPLETED", "COMPLETED", "ACTIVE"])})
ODD = {"id": TEXTS, "start_date_time": TIMES, "end_date_time": TIMES, "kwh": NUMBERS,
       "cdr_token": st.none() | st.fixed_dictionaries({"contract_id": TEXTS})
       | st.fixed_dictionaries({"contract_id": TEXTS | st.just("NL-TNM-C1"), "uid": TEXTS,
                                "type": st.sampled_from(["RFID", "AD_HOC_USER", "APP_USER"])}),
       "auth_method": TEXTS, "meter_id": TEXTS | st.integers() | st.lists(st.integers(), max_size=1),
       "location_id": st.sampled_from(["none", "LOC1 "]) | TEXTS, "currency": TEXTS,
       "total_cost": st.none() | st.fixed_dictionaries({"excl_vat": NUMBERS}), "status": TEXTS}


@st.composite
def sessions(draw: st.DrawFn) -> dict:
    """A plain record with at most two fields odd (a field odd each time, nearly every
    record would leave the fused call)."""
    wire = {"country_code": "NL", "party_id": "TNM", **draw(PLAIN),
            "last_updated": "2025-03-02T00:00:00Z"}
    for field in draw(st.lists(st.sampled_from(sorted(ODD)), max_size=2, unique=True)):
        wire[field] = draw(ODD[field])
    return wire


def _made(tmp: Path, dialect: str):
    spec = tmp / "fused.ocx"
    spec.write_text(SPEC.format(dialect=dialect))
    plan = make_plan(compile_file(spec))
    dataset = plan.datasets[0]
    compile = run_compiler(b"k" * 32, PseudonymDomain("fused", "Test consumer"))
    lookup = dataset.step(ir.Lookup)
    normalizer = next(item.expression for item in dataset.get(lookup.normalize).expressions
                      if item.version == VERSION)
    table = TableLookup(SITES, compile(normalizer), lookup.key)
    counts = Counts()
    pipeline = Pipeline(dataset, VERSION, compile, {lookup.id: table}, counts)
    risk = RowRisk(dataset, compile, VERSION)
    output = DatasetOutput(plan, dataset, Target(None), datetime.now(timezone.utc))
    ranks = value_order.ranks(dataset.released_columns)
    rendered = output.rendered_beside(EmptyColumns(dataset).filled())
    keyed = output.keyed_beside(rendered, ascending_key(dataset.column_names, ranks), ranks)
    fused = output.fused_beside(keyed, pipeline.bare(), counts, ranks, risk.fused_parts())
    return pipeline.one(), risk.beside(), keyed, fused, counts


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    return {dialect: _made(tmp_path_factory.mktemp("fused"), dialect)
            for dialect in ("", 'delimiter ";"', "quote all")}


def _counted(counts: Counts) -> tuple:
    return counts.excluded_private, counts.filtered, dict(counts.invalid)


def _cleared(counts: Counts) -> None:
    counts.excluded_private = counts.filtered = 0
    counts.invalid.clear()


def test_fused_where_the_keyed_line_is_written(made) -> None:
    """Fused where the keyed line is (quotes around every field leave both out)."""
    assert {dialect for dialect, (*_, fused, _) in made.items() if fused is None} == {"quote all"}


@settings(max_examples=300, deadline=None)
@given(wires=st.lists(sessions(), min_size=1, max_size=6))
def test_the_fused_call_makes_what_the_separate_functions_make(made, wires) -> None:
    for dialect, (one, beside, keyed, fused, counts) in made.items():
        if fused is None:
            continue
        for wire in wires * 2:  # a second time: the meter has named its points
            _cleared(counts)
            got = fused(dict(wire))     # first: a point met first is named by it
            if got is FALLBACK:     # as `fitting_row_page` takes it
                assert _counted(counts) == (0, 0, {})
                row = one(dict(wire))
                got = None if row is None else (*keyed(row), beside(wire, row))
            counted = _counted(counts)
            _cleared(counts)
            POINT_NAMES.clear()     # the meter names the point again, as it would alone
            row = one(dict(wire))
            want = None if row is None else (*keyed(row), beside(wire, row))
            assert got == want, (dialect, wire)
            assert _counted(counts) == counted, (dialect, wire)


def test_plain_records_take_the_fused_path(made) -> None:
    """The usual record (a driver met before, plain texts and numbers) is not left to
    the present functions: the fused call is what a worker runs on it."""
    one, beside, keyed, fused, counts = made[""]
    assert "PUBLIC" in fused.__code__.co_names     # the projection's columns computed inline
    wire = {"country_code": "NL", "party_id": "TNM", "id": "S1", "kwh": 12.34,
            "start_date_time": "2025-03-01T10:15:00Z", "end_date_time": "2025-03-01T11:45:30Z",
            "cdr_token": {"uid": "U1", "type": "RFID", "contract_id": "NL-TNM-C1"},
            "auth_method": "=WHITELIST", "meter_id": "Ünïcode", "location_id": "LOC1",
            "currency": "EUR", "total_cost": {"excl_vat": 3.5}, "status": "COMPLETED",
            "last_updated": "2025-03-02T00:00:00Z"}
    for _ in range(2):  # the second time the class's point is named by the meter's memo
        got = fused(dict(wire))
        assert got is not FALLBACK and got[2] is not None
        row = one(dict(wire))
        assert got == (*keyed(row), beside(wire, row))
    assert fused({**wire, "location_id": "LOC0"}) is None   # a private site: excluded
