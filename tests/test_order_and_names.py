"""`order by`, `limit` and dataset names (`from sessions as weekly_sessions`), checked,
planned and run against the demo CPO; the state of a dataset that gains a name moves
to the name in an existing ledger."""

from __future__ import annotations

import csv
import io
import json
import random
import sqlite3
import tracemalloc
from pathlib import Path
from types import MappingProxyType

import pytest
from frontend_helpers import codes_of
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.plan import ir
from ocpispec.execute.ordering import external_sort, ordered, sort_key
from ocpispec.ledger import load_state, save_state
from ocpispec.ledger.state import DatasetState, State

AS_OF = "2026-01-01T00:00:00Z"
HEADER = '''export ordering
  consumer "Test consumer"
  purpose "End-to-end tests of ocpispec"
  legal basis public task "test"
  retention 1 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
'''
AREAS = '''from sessions{name}
  {window}
  join locations on location_id
group by prefix(location.postal_code, 3) as area
compute
  count() as sessions
  sum(kwh) as energy_kwh
  minimum group size 5
{order}output csv to "{out}"
'''


@pytest.fixture
def run(run_cli, tmp_path: Path, demo_server):
    def invoke(text: str, *args: str):
        spec = tmp_path / "spec.ocx"
        spec.write_text(HEADER + text)
        env = {"OCPI_VERSIONS_URL": demo_server.versions_url, "OCPI_TOKEN": demo_server.token}
        return run_cli("run", str(spec), "--state", str(tmp_path / "ledger.sqlite"),
                       "--as-of", AS_OF, *args, env=env)

    return invoke


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


# ---- check -----------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "codes"), [
    ("select round(kwh, 0) as e\norder by e desc\n", []),
    ("select round(kwh, 0) as e\norder by e desc\nlimit 5\n", ["OCX232"]),
    ("select round(kwh, 0) as e\norder by kwh\n", ["OCX234"]),
    ("select round(kwh, 0) as e\norder by e e\n", ["OCX234"]),
    ("group by status compute count() as n minimum group size 10\nlimit 5\n", ["OCX232"]),
    ("group by status compute count() as n minimum group size 10\norder by n desc\nlimit 0\n",
     ["OCX232"]),
    ("group by status compute count() as n minimum group size 10\norder by n desc\nlimit 2\n",
     []),
])
def test_order_and_limit_checks(body: str, codes: list[str]) -> None:
    assert codes_of("from sessions\n" + body + "output csv to stdout\n") == codes


def test_duplicate_names_and_ids_are_refused() -> None:
    two = ('from sessions as a select status output csv to "a.csv"\n'
           'from cdrs as a select currency output csv to "b.csv"\n')
    assert codes_of(two) == ["OCX233"]
    clash = ('from sessions select status output csv to "a.csv"\n'
             'from cdrs as sessions select currency output csv to "b.csv"\n')
    assert codes_of(clash) == ["OCX233"]


@pytest.mark.parametrize("body", [
    "select status\n  location.evse.status as Status\n",
    "group by status compute count() as STATUS minimum group size 10\n",
])
def test_column_names_that_differ_only_in_case_are_refused(body: str) -> None:
    """DuckDB, SQLite and most databases read `Status` and `status` as one column."""
    spec = "from sessions\n  join locations on location_id\n" + body + "output csv to stdout\n"
    assert codes_of(spec) == ["OCX207"]


def test_a_file_with_case_only_different_names_would_not_load(run, tmp_path: Path) -> None:
    """What the refusal prevents: the run writes nothing, and a file with such a header
    is one SQLite (and DuckDB) will not create a table from."""
    out = tmp_path / "x.csv"
    result = run("from sessions previous month\nselect\n  status\n  currency as Status\n"
                 f'output csv to "{out}"\n')
    assert result.exit_code != 0 and "OCX207" in result.output
    assert not out.exists()
    with pytest.raises(sqlite3.OperationalError, match="duplicate column name"):
        sqlite3.connect(":memory:").execute('CREATE TABLE t ("status", "Status")')


# ---- run -------------------------------------------------------------------------------


def test_top_n_of_released_groups(run, tmp_path: Path) -> None:
    everything = AREAS.format(name="", window="previous month", order="",
                              out=str(tmp_path / "all.csv"))
    top = AREAS.format(name=" as top_areas", window="previous month",
                       order="order by sessions desc area\nlimit 3\n",
                       out=str(tmp_path / "top.csv"))
    assert run(everything).exit_code == 0
    result = run(top, "--release-again")   # the same window's groups, a second file (OCX546)
    assert result.exit_code == 0, result.output
    released = rows(tmp_path / "all.csv")
    expected = sorted(released, key=lambda r: (-int(r["sessions"]), r["area"]))[:3]
    assert rows(tmp_path / "top.csv") == expected
    assert "top_areas -> " in result.output
    assert "(previous month in UTC)" in result.output
    manifest = json.loads((tmp_path / "top.csv.manifest.json").read_text())
    assert manifest["dataset"] == "top_areas"
    assert manifest["window"]["rule"] == "previous month in UTC"
    assert manifest["window"]["start"] == "2025-12-01T00:00:00Z"


def test_row_export_is_sorted(run, tmp_path: Path) -> None:
    spec = ('from sessions previous month\nselect\n  round(kwh, 0) as energy\n'
            '  truncate(start_date_time, day) as day\n'
            f'order by energy desc day\noutput csv to "{tmp_path / "rows.csv"}"\n')
    assert run(spec).exit_code == 0
    written = rows(tmp_path / "rows.csv")
    assert len(written) > 10
    keys = [(-float(r["energy"]) if r["energy"] else float("inf"), r["day"]) for r in written]
    assert keys == sorted(keys)


def test_a_dataset_that_gains_a_name_keeps_its_state(run, tmp_path: Path) -> None:
    """An old ledger keyed by position (`sessions-2`): naming the dataset moves its
    watermark to the name, and the next window starts where the old one ended."""
    ledger = tmp_path / "ledger.sqlite"
    old = {name: DatasetState("2025-12-20T00:00:00Z", "0" * 64, "2025-12-20T00:00:05Z")
           for name in ("sessions", "sessions-2")}
    save_state(ledger, State("ordering", 3, MappingProxyType(old)))
    body = ('from sessions since last run select status output csv to "{a}"\n'
            'from sessions{name} since last run select status output csv to "{b}"\n')
    named = body.format(a=tmp_path / "a.csv", b=tmp_path / "b.csv", name=" as late_sessions")
    result = run(named)
    assert result.exit_code == 0, result.output
    assert "late_sessions -> " in result.output
    assert result.output.count("2025-12-20T00:00:00Z to 2026-01-01T00:00:00Z") == 2
    state = load_state(ledger, "ordering")
    assert sorted(state.datasets) == ["late_sessions", "sessions"]
    assert state.watermark("late_sessions") == AS_OF


# ---- the sort itself ---------------------------------------------------------------------


values = st.one_of(st.none(), st.integers(-5, 5), st.floats(-3, 3, allow_nan=False))
row_lists = st.lists(st.fixed_dictionaries({"a": values, "b": st.sampled_from(["x", "y", None]),
                                            "c": st.integers(0, 3)}), max_size=60)


@settings(max_examples=80, deadline=None)
@given(data=row_lists, descending=st.booleans(), run_rows=st.integers(1, 9),
       fan_in=st.integers(2, 4))
def test_external_sort_is_the_in_memory_sort(data, descending, run_rows, fan_in) -> None:
    """Whatever the run size, and however many runs are merged at once (runs merged
    into larger runs, those again into larger ones)."""
    step = ir.Order("order.x", (ir.SortKey("a", descending), ir.SortKey("b")), None, None)
    key = sort_key(step.keys, ("a", "b", "c"))
    expected = sorted(data, key=key)
    assert list(external_sort(data, key, run_rows, fan_in)) == expected
    nulls = [row["a"] is None for row in expected]
    assert nulls == sorted(nulls)  # nulls last in either direction
    present = [row["a"] for row in expected if row["a"] is not None]
    assert present == sorted(present, reverse=descending)


def test_sorting_rows_keeps_memory_flat() -> None:
    """Peak memory of sorting 10x more rows grows far less than 10x (runs spill)."""
    def peak(count: int) -> int:
        rng = random.Random(7)
        source = ({"kwh": rng.random(), "day": f"2025-12-{rng.randint(1, 28):02d}"}
                  for _ in range(count))
        step = ir.Order("order.x", (ir.SortKey("kwh", True),), None, None)
        tracemalloc.start()
        for _ in ordered(source, step, ("kwh", "day"), aggregate=False, run_rows=2_000):
            pass
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(10_000), peak(100_000)
    assert large < small * 3, (small, large)


def test_limit_on_an_aggregate_holds_n_rows() -> None:
    step = ir.Order("order.x", (ir.SortKey("n", True),), 2, None)
    data = [{"g": g, "n": n} for g, n in (("a", 3), ("b", 9), ("c", 9), ("d", 1))]
    assert [r["g"] for r in ordered(iter(data), step, ("g", "n"), aggregate=True)] == ["b", "c"]


def test_out_directory_files_are_named_after_the_datasets(run, tmp_path: Path) -> None:
    """A dataset writing to stdout is written under `--out DIR/` as NAME.csv."""
    spec = ('from sessions as weekly_sessions previous week select status output csv to stdout\n'
            'from cdrs previous week select currency output csv to "b.csv"\n')
    result = run(spec, "--out", str(tmp_path / "out") + "/")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").glob("*.csv")) == \
        ["b.csv", "weekly_sessions.csv"]
