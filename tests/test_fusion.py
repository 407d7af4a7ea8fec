"""Fusing the normalizer into the later steps changes no value, count or error."""

from __future__ import annotations

from pathlib import Path

import jmespath
import pytest
from hypothesis import given, settings

from ocpispec.plan import ir
from ocpispec.check.compiler import compile_file
from ocpispec.demo import charges, wire
from ocpispec.demo.world import World
from ocpispec.execute.functions import TransformError
from ocpispec.execute.jmes_compile import compile_expression, parse_expression
from ocpispec.execute.jmes_fuse import Unfusable, fusable, fuse
from ocpispec.execute.lookups import TableLookup
from ocpispec.execute.pipeline import Counts, Pipeline
from ocpispec.plan.planner import plan as make_plan

# the records, functions and comparison of the compiler's own agreement tests
from test_jmes_compile import FUNCTIONS, OPTIONS, RECORDS, _canonical

NORMALIZER = ("{a: a, b: \"quoted key\".b, c: {b: c, c: kwh, d: {e: status}}, kwh: kwh, "
              "status: status, start_date_time: start_date_time, n: `null`}")
EXPRESSIONS = [
    "a", "b", "c", "c.b", "c.c", "c.x", "c.d.e", "c.d.x", "x", "\"quoted key\"",
    "\"quoted key\".b", "n", "@", "keys(@)", "c.*",
    "a.b", "a[0]", "a[*].b", "a[?b].c", "a[?b == `1`].b", "a[]", "a[1:]", "c | b", "c | @",
    "[a, c.b]", "{x: c.c, y: {z: c.d}}", "a == b", "a && c.b", "!a || kwh > `3`",
    "status == 'COMPLETED'", "length(a)", "sort_by(a, &b)", "map(&b, a)", "not_null(x, c.c)",
    "pseudonymize(c.b, 'token')", "truncate(start_date_time, 'hour')", "round(kwh, `1`)",
    "minutes(start_date_time, c.b)", "{d: pseudonymize(a, 'session'), k: round(c.c, `0`)}",
]
FUSED = {text: compile_expression(fuse(parse_expression(text), parse_expression(NORMALIZER)),
                                  FUNCTIONS) for text in EXPRESSIONS}


def _agree(text: str, record: dict) -> None:
    """On the wire record, the fused expression gives what the expression gives on
    the normalized record (jmespath.search twice)."""
    try:
        expected = jmespath.search(text, jmespath.search(NORMALIZER, record, OPTIONS), OPTIONS)
    except TypeError:
        return  # ordering a string against a number: jmespath raises, the compiler says null
    except (jmespath.exceptions.JMESPathError, TransformError) as raised:
        with pytest.raises(type(raised)):
            FUSED[text](record)
        return
    assert _canonical(FUSED[text](record)) == _canonical(expected), f"{text!r} on {record!r}"


@settings(max_examples=300, deadline=None)
@given(record=RECORDS)
def test_fused_expressions_agree_with_normalize_then_search(record: dict) -> None:
    for text in EXPRESSIONS:
        _agree(text, record)


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_a_fixed_record(text: str) -> None:
    _agree(text, {"a": [{"b": 1, "c": "x"}, {"b": None}],
                  "quoted key": {"b": "2026-01-05T11:00:00Z"}, "c": "NL-ABC", "kwh": 7.25,
                  "status": "COMPLETED", "start_date_time": "2026-01-05T10:23:45Z",
                  "secret": "never read"})


def test_only_normalizers_that_cannot_fail_are_fused() -> None:
    assert fusable(parse_expression(NORMALIZER))
    assert not fusable(parse_expression("{a: to_number(a)}"))
    assert not fusable(parse_expression("a.{b: b}"))


def test_an_unknown_node_type_is_not_fused() -> None:
    with pytest.raises(Unfusable):
        fuse({"type": "from_the_future", "children": []}, parse_expression(NORMALIZER))


SESSIONS_SPEC = """export fusion
  consumer "tests"
  purpose "fusion"
  legal basis public task "tests"
  retention 1 months
  pseudonym key env KEY
source ocpi env URL token env TOKEN
from sessions
  where status = "COMPLETED" and kwh > 2
select
  pseudonymize(cdr_token.contract_id) as driver
  truncate(start_date_time, hour) as started
  minutes(start_date_time, end_date_time) as duration_min
  round(total_cost.excl_vat, 0) as cost_eur
  location_id
output csv to "out.csv"
"""
CDRS_SPEC = SESSIONS_SPEC.replace("from sessions", "from cdrs").replace(
    '  where status = "COMPLETED" and kwh > 2\n', "  where total_energy > 2\n").replace(
    "  round(total_cost.excl_vat, 0) as cost_eur\n  location_id\n", "  total_energy\n")


def _rows(dataset: ir.Dataset, version: str, records: list[dict], sites: list[dict],
          fused: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[list[dict], Counts]:
    compile = lambda text: compile_expression(text, FUNCTIONS)  # noqa: E731
    lookup_step = dataset.step(ir.Lookup)
    normalize = next(item.expression for item in dataset.get(lookup_step.normalize).expressions
                     if item.version == version)
    table = TableLookup(sites, compile(normalize), lookup_step.key)
    counts = Counts()
    pipeline = Pipeline(dataset, version, compile, {lookup_step.id: table}, counts)
    with monkeypatch.context() as patched:
        if not fused:
            patched.setattr(Pipeline, "_fused_record", lambda self: None)
        else:
            assert pipeline._fused_record() is not None
        rows = list(pipeline.rows(records))
    return rows, counts


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3.0"])
@pytest.mark.parametrize("module, text", [("sessions", SESSIONS_SPEC), ("cdrs", CDRS_SPEC)])
def test_fused_pipelines_give_the_same_rows_and_counts(module: str, text: str, version: str,
                                                       tmp_path: Path, monkeypatch) -> None:
    spec = tmp_path / "fusion.ocx"
    spec.write_text(text)
    dataset = make_plan(compile_file(spec)).datasets[0]
    world = World(11, 600)
    if module == "sessions":
        records = [charges.session(version, world.charge(i)) for i in range(600)]
    else:
        records = [charges.cdr(version, world.charge(i), 0) for i in range(600)]
    soon = {"start_date_time": "soon", "start_datetime": "soon"}
    nowhere = {"location_id": "nowhere", "location": {"id": "nowhere"},
               "cdr_location": {**records[6].get("cdr_location", {}), "id": "nowhere"}}
    records[5] = {**records[5], **soon, "kwh": 9, "total_energy": 9}  # invalid: counted
    records[6] = {**records[6], **nowhere}                          # at no listed location
    sites = [wire.location(version, world.site(j)) for j in range(world.site_count)]
    fused_rows, fused_counts = _rows(dataset, version, records, sites, True, monkeypatch)
    plain_rows, plain_counts = _rows(dataset, version, records, sites, False, monkeypatch)
    assert _canonical(fused_rows) == _canonical(plain_rows)
    assert fused_counts == plain_counts
    assert plain_counts.excluded_private and plain_counts.filtered and len(plain_rows) > 100
    assert plain_counts.invalid
