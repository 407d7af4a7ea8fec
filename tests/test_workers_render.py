"""`run --workers 2` renders a CSV row export's lines in the worker processes (the
parent merges the sorted lines into the file as they are): the file is byte for byte
the one `--workers 1` writes, whatever the texts hold (quotes, separators, line
breaks, formula starts, any Unicode), whatever numbers the platform sends, and a
computed number beyond what an output holds stops both runs at the same row with the
same message. Runs go over HTTP to the independent CPO, its sessions made here."""

from __future__ import annotations

import copy
import itertools
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from independent_cpo import IndependentCpo
from test_run_e2e import KEYS, run_record

from ocpispec.execute.workers import available

pytestmark = pytest.mark.skipif(not available(), reason="needs fork")

SPEC = '''export workers_render
  consumer "Test consumer"
  purpose "Testing worker processes"
  legal basis public task "test"
  retention 1 months
  pseudonym key env UTRECHT_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
select
  pseudonymize(id) as session
  currency
  meter_id because "the study compares meter texts"
  kwh because "the study compares energy figures"
  kwh * kwh * kwh as cubed because "the study compares energy figures"
  round(kwh * kwh) as whole because "the study compares energy figures"
  total_cost.excl_vat as cost because "the study compares energy figures"
output csv to "out.csv"
'''
ROOT_OF_LARGEST = math.sqrt(2 ** 53 - 1)  # round(kwh * kwh) is out of range just above
TEXTS = st.none() | st.text(max_size=12) | st.sampled_from(
    ['"', '""', ",", ";", "\n", "\r", "\r\n", " a, \"b\"\n", "=1+1", "+31 20", "-5", "@SUM",
     "\t", "ID", "é", "\u202e", "\x00", "🔌", "\u2028"])
NUMBERS = st.floats(allow_nan=False, allow_infinity=False) | st.integers(
    -2 ** 60, 2 ** 60) | st.sampled_from(
    [0, -0.0, 5e-324, 1e102, 1e103, -1e103, 1.7976931348623157e308, ROOT_OF_LARGEST,
     math.nextafter(ROOT_OF_LARGEST, 0), math.nextafter(ROOT_OF_LARGEST, math.inf),
     94906265, 94906266, -94906266, 2 ** 53, 0.1, 41.0])
# a currency is required and of at most 3 characters: others make the record invalid
CURRENCIES = st.text(min_size=1, max_size=3) | st.sampled_from(
    ['"', ",", "\n", "a\rb", "=1", "-", "@", " ", "€", "\x85", "\ud7ff"])
# so is `kwh`; a cost may be left out
SESSIONS = st.lists(st.tuples(TEXTS, CURRENCIES, NUMBERS, st.none() | NUMBERS), min_size=1,
                    max_size=40)
RUNS = itertools.count()


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(SESSIONS)
def test_workers_render_the_lines_one_process_writes(run_cli, tmp_path: Path,
                                                     sessions: list[tuple]) -> None:
    with IndependentCpo("2.2.1", records=len(sessions), page_cap=3) as cpo:
        for record, (meter, currency, kwh, cost) in zip(cpo.lists["sessions"], sessions):
            _set(record, "meter_id", meter)
            _set(record, "currency", currency)
            _set(record, "kwh", kwh)
            record["total_cost"] = copy.deepcopy(record.get("total_cost") or {})
            _set(record["total_cost"], "excl_vat", cost)
        outcomes = [_run(run_cli, tmp_path, cpo, workers) for workers in ("1", "2")]
        # a small sample is read record by record, its lines rendered by the writer
        sample = _run(run_cli, tmp_path, cpo, "1", "--limit", "1000")
    assert outcomes[1] == outcomes[0]
    assert sample[0] == outcomes[0][0] and sample[2] == outcomes[0][2]


def test_a_number_beyond_range_stops_both_at_the_same_row(run_cli, tmp_path: Path) -> None:
    """Two rows out of range in different columns, on different pages: the one sorted
    first names its column, with workers too (a worker sends such a row unrendered)."""
    with IndependentCpo("2.2.1", records=12, page_cap=3) as cpo:
        for index, record in enumerate(cpo.lists["sessions"]):
            record["kwh"] = {2: 1e103, 9: 1e8}.get(index, float(index))
        one, two = (_run(run_cli, tmp_path, cpo, workers) for workers in ("1", "2"))
    assert one == two
    assert one[0] != 0 and "OCX568" in one[1]
    assert ("column `cubed`" in one[1]) != ("column `whole`" in one[1])


def test_the_parent_renders_no_line_of_the_workers(run_cli, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The lines are rendered where the rows are made: the parent writes them as they
    come (rendering them was a third of its work after the last page). One process
    renders them as a worker does, a page at a time (`pages_here`); a small sample,
    read record by record, renders each row's line in the writer: the same lines."""
    from ocpispec.render.values import CsvLines

    rendered_here: list[int] = []  # lines rendered in this process (a worker counts in its own)
    liner = CsvLines.liner

    def counted(self: CsvLines):
        line = liner(self)
        return lambda row: rendered_here.append(1) or line(row)

    monkeypatch.setattr(CsvLines, "liner", counted)
    outcomes = {}
    with IndependentCpo("2.2.1", records=30, page_cap=4) as cpo:
        for workers in ("1", "2", "sample"):
            rendered_here.clear()
            outcomes[workers] = _run(run_cli, tmp_path, cpo, *(
                ("1", "--limit", "1000") if workers == "sample" else (workers,)))
            outcomes[workers + " here"] = len(rendered_here)
    assert outcomes["1"] == outcomes["2"] and outcomes["1"][0] == 0
    assert outcomes["sample"][2] == outcomes["1"][2]
    assert outcomes["sample here"] == outcomes["1"][2].count(b"\r\n") - 1 > 5
    assert outcomes["1 here"] == outcomes["2 here"] == 0


def _set(record: dict, name: str, value: object) -> None:
    if value is None:
        record.pop(name, None)
    else:
        record[name] = value


def _run(run_cli, tmp_path: Path, cpo: IndependentCpo, workers: str, *extra: str) -> tuple:
    number = next(RUNS)
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC)
    out = tmp_path / f"out-{number}.csv"
    done = run_cli("run", str(spec), "--out", str(out), "--state",
                   str(tmp_path / f"state-{number}.json"), "--as-of", "2026-02-01T00:00:00Z",
                   "--allow-invalid", "100%", "--workers", workers, "-q", *extra,
                   env={"OCPI_VERSIONS_URL": cpo.versions_url, "OCPI_TOKEN": cpo.token, **KEYS})
    written = out.read_bytes() if out.exists() else None
    said = None
    if done.exit_code == 0:  # what the run says of the rows: counts, empty columns, risk
        record = run_record(tmp_path)["datasets"][0]
        said = {key: record[key] for key in ("counts", "warnings", "risk")}
    return done.exit_code, done.stderr.replace(str(tmp_path), "TMP"), written, said
