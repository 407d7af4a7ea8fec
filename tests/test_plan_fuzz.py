"""Property: whatever a spec says, `check`, `plan` and the run's preparation end in
diagnostics or a plan, never in an uncaught exception. Specs come from a grammar-aware
generator and from mutations of the shipped specs; every failure found is kept below
as a named regression case."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from frontend_helpers import REPO, SPECS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jmespath.exceptions import JMESPathError
from test_frontend_fuzz import mangled_spec

from ocpispec.plan import ir
from ocpispec.language import schedule
from ocpispec.diagnostics import report
from ocpispec.check.compiler import compile_source
from ocpispec.diagnostics import CompileError
from ocpispec.execute.errors import TransformError
from ocpispec.execute.functions import custom_functions
from ocpispec.execute.jmes_compile import compile_expression
from ocpispec.execute.windows import resolve_window
from ocpispec.language.functions import FUNCTIONS, TIME_UNITS
from ocpispec.plan.planner import plan
from ocpispec.render.plan_text import plan_text
from ocpispec.diagnostics.source import SourceFile

FUZZ = settings(max_examples=100, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
HEADER = '''export fuzz_export
  consumer "Fuzz consumer"
  purpose "Exercise the planner with generated specs"
  legal basis legitimate interests
  retention 1 year
  pseudonym key env FUZZ_KEY
source profile demo
'''
# what execute/pipeline.py treats as one bad record rather than a failed run
RECORD_ERRORS = (TransformError, JMESPathError, TypeError, ValueError, ArithmeticError)
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RECORDS = [{}, {"kwh": 12.5, "status": "COMPLETED", "start_date_time": "2026-01-01T10:00:00Z",
                "end_date_time": "2026-01-01T12:30:00Z", "location_id": "LOC1",
                "cdr_token": {"uid": "U1", "contract_id": "C1"}, "location":
                {"postal_code": "3511 AB", "coordinates": {"latitude": "52.1",
                                                          "longitude": "5.1"}}},
           {"kwh": "12", "status": 7, "start_date_time": "not a time", "location": []}]


def outcome(source: SourceFile) -> str:
    """`diagnostics` or `plan`; anything else is raised to the test."""
    try:
        checked = compile_source(source)
        result = plan(checked)
    except CompileError as exc:
        assert exc.diagnostics
        bugs = [d for d in exc.diagnostics if d.code == "OCX900"]
        assert not bugs, f"`check` passed what `plan` cannot plan: {bugs[0].message}"
        for fmt in report.FORMATS:
            report.render(list(exc.diagnostics), {source.name: source}, format=fmt)
        return "diagnostics"
    plan_text(result)
    assert ir.Plan.from_dict(result.to_dict()).fingerprint == result.fingerprint
    _prepare_run(result)
    if checked.spec.schedule is not None:
        schedule.next_run(checked.spec.schedule, NOW)
    return "plan"


def _prepare_run(result: ir.Plan) -> None:
    """What a run does before and while reading records, minus the network."""
    functions = custom_functions(b"k" * 32, result.export.name)
    for dataset in result.datasets:
        for fetch in dataset.all(ir.Fetch):
            resolve_window(fetch.window, None, NOW)
            resolve_window(fetch.window, "2026-02-01T00:00:00Z", NOW)
        for step in dataset.steps:
            for text in ir.step_expressions(step):
                compiled = compile_expression(text, functions)
                for record in RECORDS:
                    try:
                        compiled(record)
                    except RECORD_ERRORS:
                        pass  # a bad value in a record: the pipeline counts it, by design


# ---- grammar-aware generation ---------------------------------------------------------

FIELDS = {
    "sessions": ["kwh", "kwh", "status", "start_date_time", "end_date_time", "cdr_token.uid",
                 "location_id", "location.postal_code", "location.coordinates",
                 "total_cost.excl_vat", "auth_method", "currency", "charging_periods",
                 "nonexistent", "location.evse.uid"],
    "locations": ["postal_code", "coordinates", "city", "country", "publish", "evses",
                  "nonexistent", "last_updated"],
    "cdrs": ["total_energy", "start_date_time", "cdr_location.postal_code", "total_cost.excl_vat",
             "cdr_token.contract_id", "nonexistent"],
}
EXTREME_NUMBERS = ["0", "1" + "0" * 15, "1" + "0" * 16, "9" * 4300, "9" * 4301,
                   "1" + "0" * 309, "0." + "0" * 20 + "1", "3.14159265358979323", "-5"]
_SMALL = st.integers(0, 1000).map(str)
NUMBERS = st.one_of(_SMALL, _SMALL, _SMALL, _SMALL, _SMALL, _SMALL,
                    st.floats(0, 1e6, allow_nan=False).map(lambda f: f"{f:.3f}"),
                    st.sampled_from(EXTREME_NUMBERS))
STRINGS = st.sampled_from(['"COMPLETED"', '""', '"x\\"y"', '"%s{0}"', '"(a+)+$"',
                           '"' + "a" * 500 + '"', '"\\u0000"', '"é"'])
DATES = st.sampled_from(["2025-01-01", "2025-06-01", "2026-01-01", "2026-01-01T10:00:00Z"] * 3
                        + ["0001-01-01", "9999-12-31", "2026-02-30", "2026-13-01"])
UNITS = st.sampled_from(["minutes", "hours", "days", "days", "weeks", "months", "years",
                         "hour", "fortnights"])
JMES = st.sampled_from(["kwh", "length(charging_periods)", "(" * 300 + "kwh" + ")" * 300,
                        "abs(" * 60 + "kwh" + ")" * 60, " && ".join(["kwh"] * 300),
                        "!" * 200 + "kwh", "[" * 100 + "kwh" + "]" * 100, "@", "kwh ||",
                        "`1e309`", "to_number('1e400')", "charging_periods[*].dimensions[*]"])


_COUNT = st.integers(1, 500).map(str)
INTS = st.one_of(_COUNT, _COUNT, _COUNT, _COUNT, st.sampled_from(EXTREME_NUMBERS))
NUMERIC = {"sessions": ["kwh", "total_cost.excl_vat"], "cdrs": ["total_energy"],
           "locations": ["coordinates.latitude"]}
TIMES = {"sessions": ["start_date_time", "end_date_time"],
         "cdrs": ["start_date_time", "end_date_time"], "locations": ["last_updated"]}
TEXTS = {"sessions": ["location.postal_code", "status", "cdr_token.uid"],
         "cdrs": ["cdr_location.postal_code", "id"], "locations": ["postal_code", "city"]}
GEOS = {"sessions": ["location.coordinates"], "cdrs": ["cdr_location.coordinates"],
        "locations": ["coordinates"]}


def _arguments(kind: str, module: str, inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A plausible argument for a parameter kind (often right, sometimes not)."""
    pick = lambda table: st.sampled_from(table.get(module, table["sessions"]))  # noqa: E731
    match kind:
        case "NUMBER":
            return st.one_of(pick(NUMERIC), inner)
        case "INTEGER_LITERAL":
            return INTS
        case "NUMBER_LITERAL":
            return NUMBERS
        case "NUMBER_LIST":
            return st.lists(NUMBERS, max_size=5).map(lambda items: f"[{', '.join(items)}]")
        case "TIME_UNIT":
            return st.sampled_from([*TIME_UNITS, "fortnight"])
        case "DATETIME":
            return pick(TIMES)
        case "GEO":
            return pick(GEOS)
        case "STRING":
            return pick(TEXTS)
        case "JMESPATH":
            return JMES.map(lambda text: f'"{text}"')
        case "LITERAL":
            return st.one_of(NUMBERS, STRINGS)
    return inner


def expressions(module: str = "sessions") -> st.SearchStrategy[str]:
    fields = st.sampled_from(FIELDS.get(module, FIELDS["sessions"]))
    leaves = st.one_of(fields, fields, NUMBERS, STRINGS, DATES,
                       JMES.map(lambda text: f'jmespath("{text}")'))

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        def call(function) -> st.SearchStrategy[str]:
            arguments = [_arguments(kind.name, module, inner) for kind in function.params]
            return st.tuples(*arguments).map(
                lambda args: f"{function.name}({', '.join(args)})")

        calls = st.sampled_from([f for f in FUNCTIONS.values() if not f.aggregate]).flatmap(call)
        binary = st.builds(lambda a, op, b: f"{a} {op} {b}", inner,
                           st.sampled_from(["+", "-", "*", "/"]), inner)
        return st.one_of(calls, calls, binary, inner.map(lambda e: f"({e})"))

    return st.recursive(leaves, extend, max_leaves=10)


def conditions(module: str) -> st.SearchStrategy[str]:
    expr = expressions(module)
    atom = st.one_of(
        st.builds(lambda a, op, b: f"{a} {op} {b}", expr,
                  st.sampled_from(["=", "!=", "<", "<=", ">", ">="]), expr),
        st.builds(lambda a, items: f"{a} in [{', '.join(items)}]", expr,
                  st.lists(st.one_of(NUMBERS, STRINGS), max_size=5)),
        expr.map(lambda e: f"{e} is not null"),
        st.builds(lambda a, s: f"{a} matches {s}", expr, STRINGS))

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        chain = st.builds(lambda parts, op: f" {op} ".join(parts),
                          st.lists(inner, min_size=2, max_size=6), st.sampled_from(["and", "or"]))
        return st.one_of(chain, inner.map(lambda c: f"not ({c})"))

    long_chain = st.builds(lambda n, op: f" {op} ".join(f"kwh > {i}" for i in range(n)),
                           st.sampled_from([99, 100, 150, 1000]), st.sampled_from(["and", "or"]))
    return st.one_of(st.recursive(atom, extend, max_leaves=8), long_chain)


def measures(module: str) -> st.SearchStrategy[str]:
    """Aggregates over per-record expressions, sometimes with arithmetic, rounding or a
    second aggregate around them (which `check` must refuse, not `plan` or `run`)."""
    aggregate = st.sampled_from(["sum", "avg", "min", "max"])
    single = st.one_of(st.just("count()"),
                       st.builds(lambda f, e: f"{f}({e})", aggregate, expressions(module)))
    return st.one_of(
        single, single,
        st.builds(lambda m, op, n: f"{m} {op} {n}", single, st.sampled_from("+-*/"), NUMBERS),
        st.builds(lambda m, n: f"round({m}, {n})", single, INTS),
        st.builds(lambda f, m: f"{f}({m})", aggregate, single))


@st.composite
def generated_spec(draw) -> SourceFile:
    module = draw(st.sampled_from(["sessions", "sessions", "cdrs", "locations", "tariffs"]))
    lines = [f"from {module}"]
    window = draw(st.one_of(
        st.none(), st.just("since last run"), DATES.map(lambda d: f"since {d}"),
        st.builds(lambda a, b: f"between {a} and {b}", DATES, DATES),
        st.builds(lambda n, u: f"last {n} {u}", INTS, UNITS)))
    if window and module != "locations":
        lines.append(f"  {window}")
    if module in ("sessions", "cdrs") and draw(st.booleans()):
        lines.append("  join locations on location_id")
    if draw(st.booleans()):
        lines.append(f"  where {draw(conditions(module))}")
    columns = [f"  {expr} as c{index}" for index, expr in enumerate(
        draw(st.lists(expressions(module), min_size=1, max_size=3)))]
    if draw(st.booleans()):
        lines += ["select", *columns]
    else:
        measure = draw(measures(module))
        size = draw(st.one_of(st.just("10"), st.just("10"), INTS))
        lines += ["group by", *columns, "compute", f"  {measure} as m",
                  f"  minimum group size {size}"]
    fmt = draw(st.sampled_from(["csv", "ndjson", "json", "geojson", "markdown", "html", "xml"]))
    lines.append(f'output {fmt} to "exports/fuzz-{{run.date}}.out"')
    rule = draw(st.one_of(st.none(), st.builds(lambda n, u: f"schedule every {n} {u}",
                                                INTS, UNITS),
                          st.sampled_from(["schedule daily at 25:00", "schedule hourly",
                                           "schedule weekly on someday at 06:00"])))
    if rule:
        lines.append(rule)
    return SourceFile("fuzz.ocx", HEADER + "\n".join(lines) + "\n")


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


@FUZZ
@given(generated_spec())
def test_generated_specs_end_in_diagnostics_or_a_plan(source: SourceFile) -> None:
    assert outcome(source) in ("diagnostics", "plan")


@settings(FUZZ, max_examples=60)
@given(mangled_spec())
def test_mangled_shipped_specs_end_in_diagnostics_or_a_plan(source: SourceFile) -> None:
    assert outcome(source) in ("diagnostics", "plan")


def test_every_shipped_spec_plans() -> None:
    for path in SPECS:
        source = SourceFile(path.relative_to(REPO).as_posix(), path.read_text())
        assert outcome(source) == "plan", path.name


# ---- regressions: each crashed `plan` or `run` before, and now has an answer ----------

SELECT = "select round(kwh, 1) as e\noutput csv to stdout\n"
REGRESSIONS = {
    "arithmetic_over_an_aggregate": ("from sessions\ngroup by weekday(start_date_time) as d\n"
                                     "compute round(sum(kwh), 1) as e\n  minimum group size 10\n"
                                     "output csv to stdout\n", "plan"),
    "a_dataset_that_reads_no_field": ("from tariffs\nselect constant(1) as one\n"
                                      "output csv to stdout\n", "plan"),
    "an_impossible_date_in_a_column": ("from sessions\nselect 2026-02-30 as d\n"
                                       "output csv to stdout\n", "diagnostics"),
    "where_100_terms": ("from sessions\n  where " + " and ".join(
        f"kwh > {i}" for i in range(100)) + "\n" + SELECT, "plan"),
    "where_1000_or_terms": ("from sessions\n  where " + " or ".join(
        f"kwh > {i}" for i in range(1000)) + "\n" + SELECT, "plan"),
    "bucket_edge_1e309": ("from sessions\nselect bucket(kwh, [0, 10, 1" + "0" * 309
                          + "]) as e\noutput csv to stdout\n", "diagnostics"),
    "integer_of_4300_digits": ("from sessions\n  where kwh > " + "9" * 4300 + "\n" + SELECT,
                               "diagnostics"),
    "integer_of_4301_digits": ("from sessions\n  where kwh > " + "9" * 4301 + "\n" + SELECT,
                               "diagnostics"),
    "float_beyond_double": ("from sessions\n  where kwh > 1" + "0" * 400 + ".5\n" + SELECT,
                            "diagnostics"),
    "grid_of_400_digits": ("from locations\nselect grid(coordinates, 1" + "0" * 400
                           + ".5) as g\noutput geojson to stdout\n", "diagnostics"),
    "jmespath_200_nested_calls": ('from sessions\nselect jmespath("' + "abs(" * 200 + "kwh"
                                  + ")" * 200 + '") as e\noutput csv to stdout\n',
                                  "diagnostics"),
    "jmespath_1000_parentheses": ('from sessions\nselect jmespath("' + "(" * 1000 + "kwh"
                                  + ")" * 1000 + '") as e\noutput csv to stdout\n',
                                  "diagnostics"),
    "jmespath_100_and_terms": ('from sessions\nselect jmespath("' + " && ".join(["kwh"] * 100)
                               + '") as e\noutput csv to stdout\n', "diagnostics"),
    "jmespath_1000_pipes": ('from sessions\nselect jmespath("' + " | ".join(["kwh"] * 1000)
                            + '") as e\noutput csv to stdout\n', "diagnostics"),
    "jmespath_400_brackets": ('from sessions\nselect jmespath("' + "[" * 400 + "kwh"
                              + "]" * 400 + '") as e\noutput csv to stdout\n', "diagnostics"),
    "last_huge_days": ("from sessions\n  last 999999999999999 days\n" + SELECT, "diagnostics"),
    "last_huge_months": ("from sessions\n  last 999999999999999 months\n" + SELECT,
                         "diagnostics"),
    "every_huge_hours": ("from sessions\n" + SELECT + "schedule every 999999999999999 hours\n",
                         "diagnostics"),
    "every_huge_minutes": ("from sessions\n" + SELECT
                           + "schedule every 999999999999999 minutes\n", "diagnostics"),
    "where_90_nested_nots": ("from sessions\n  where " + "not " * 90 + "kwh > 1\n" + SELECT,
                             "plan"),
}


@pytest.mark.parametrize("name", sorted(REGRESSIONS))
def test_regression(name: str) -> None:
    body, expected = REGRESSIONS[name]
    assert outcome(SourceFile(f"{name}.ocx", HEADER + body)) == expected
