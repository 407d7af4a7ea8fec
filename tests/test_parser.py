"""The parse stage: text -> typed syntax tree, with spans; syntax errors as one OCX0xx."""

from __future__ import annotations

import pytest

from ocpispec.language import syntax as s
from ocpispec.diagnostics import CompileError
from ocpispec.language.parser import grammar_path, lark_parser, parse, unescape
from ocpispec.diagnostics.source import SourceFile

EVERYTHING = '''# every construct of the language
export everything
  consumer "Consumer \\"quoted\\""
  purpose "Purpose"
  legal basis legitimate interests "LIA-1"
  retention 12 months
  pseudonym key profile keys
  pseudonym scope per quarter
  licence "CC-BY-4.0"
  requires signed approval
source
  ocpi "https://ocpi.example.com/versions"
  token env OCPI_TOKEN
  party NL-TNM
  version 2.2.1
  profile demo
from sessions
  since last run
  where status = "COMPLETED" and (kwh >= 1.5 or not auth_method in ["COMMAND"])
    and end_date_time is not null and location_id not in ["a", "b"]
    and currency matches "EU?" and kwh != -2 and start_date_time > 2026-01-01T06:00:00Z
    and evse_uid is null
  include private locations because "approved by the privacy officer"
  sample 10% of drivers
  join locations on location_id as site
select
  pseudonymize(cdr_token.contract_id) as driver because "justified in review"
  (kwh + 1) * 2 - kwh / 4 as weird
  bucket(kwh, [0, 5.5, 10]) as band
  constant(true) as yes
  constant(false) as no
  constant(null) as nothing
  site.evse.status
output template "report.j2" to "out/{run.date}.md"
from cdrs
  since 2026-01-01
  each charging_periods as period
  spread period.energy_kwh over hour in location time zone as slot
group by truncate(start_date_time, day) as day
compute count() as n
  count(distinct status) as statuses
  minimum group size 10
  dominance 1 85%
  round counts to 5
output csv excel-nl delimiter "|" decimal point no bom bom quote all lines lf to stdout
from locations between 2026-01-01 and 2026-02-01 select id output json to "a.json"
from tariffs last 7 days select id output json to "b.json"
from locations select prefix(postal_code, 4) as area
  require k 5 over (area) suppression limit 2% output json to "c.json"
from sessions as named previous month in "Europe/Amsterdam" window on start_date_time
group by status compute count() as n order by n desc status asc limit 3
output csv to "c.csv"
from cdrs previous 4 complete weeks select id order by id output json to "d.json"
from cdrs month to date select id output json to "e.json"
schedule weekly on monday at 06:00
'''


def parse_text(text: str) -> s.Spec:
    return parse(SourceFile("test.ocx", text))


def test_the_grammar_is_found_and_the_parser_built_once() -> None:
    assert grammar_path().is_file()
    assert lark_parser() is lark_parser()


def test_header_and_source() -> None:
    spec = parse_text(EVERYTHING)
    header = spec.header
    assert header.name.name == "everything"
    assert header.consumer.value == 'Consumer "quoted"'
    assert header.legal_basis.phrase == "legitimate interests"
    assert header.legal_basis.reference.value == "LIA-1"
    assert (header.retention.amount, header.retention.unit.name) == (12, "months")
    assert header.pseudonym_key == s.SecretRef("profile", "keys", header.pseudonym_key.span)
    assert header.pseudonym_scope.phrase == "per quarter"
    source = spec.source
    assert source.versions_url.kind == "literal"
    assert source.token.kind == "env" and source.token.value == "OCPI_TOKEN"
    assert (source.party.name, source.version.name, source.profile.name) == \
        ("NL-TNM", "2.2.1", "demo")


def test_first_dataset() -> None:
    dataset = parse_text(EVERYTHING).datasets[0]
    block = dataset.source
    assert block.module.name == "sessions"
    assert isinstance(block.window, s.SinceLastRun)
    assert block.include_private.justification.value == "approved by the privacy officer"
    join = block.joins[0]
    assert (join.module.name, join.key.path, join.alias.name) == \
        ("locations", ("location_id",), "site")
    columns = dataset.body.columns
    assert [c.alias.name if c.alias else None for c in columns] == \
        ["driver", "weird", "band", "yes", "no", "nothing", None]
    assert columns[0].justification.value == "justified in review"
    assert columns[-1].expr.path == ("site", "evse", "status")
    assert dataset.output.format.name == "template"
    assert dataset.output.template.value == "report.j2"
    assert dataset.output.destination.value == "out/{run.date}.md"


def test_expressions() -> None:
    columns = parse_text(EVERYTHING).datasets[0].body.columns
    weird = columns[1].expr
    assert isinstance(weird, s.BinaryOp) and weird.op == "-"
    assert isinstance(weird.left, s.BinaryOp) and weird.left.op == "*"
    assert isinstance(weird.right, s.BinaryOp) and weird.right.op == "/"
    band = columns[2].expr
    assert band.name.name == "bucket"
    assert [item.value for item in band.args[1].items] == [0, 5.5, 10]
    assert [c.expr.args[0].value for c in columns[3:6]] == [True, False, None]
    assert [c.expr.args[0].kind for c in columns[3:6]] == ["boolean", "boolean", "null"]


def test_conditions() -> None:
    condition = parse_text(EVERYTHING).datasets[0].source.wheres[0].condition
    assert isinstance(condition, s.And)
    kinds = [type(operand).__name__ for operand in condition.operands]
    assert kinds == ["Compare", "Or", "IsNull", "InList", "Matches", "Compare", "Compare",
                     "IsNull"]
    inner = condition.operands[1]
    assert isinstance(inner.operands[1], s.Not)
    assert isinstance(inner.operands[1].operand, s.InList)
    assert condition.operands[2].negated and not condition.operands[7].negated
    assert condition.operands[3].negated
    assert condition.operands[5].right.value == -2
    assert condition.operands[6].right == s.Literal("2026-01-01T06:00:00Z", "date",
                                                     condition.operands[6].right.span)


def test_aggregate_and_windows() -> None:
    spec = parse_text(EVERYTHING)
    body = spec.datasets[1].body
    assert isinstance(body, s.Aggregate)
    assert [c.alias.name for c in body.keys] == ["day"]
    assert [c.alias.name for c in body.measures] == ["n", "statuses"]
    assert [getattr(c.expr, "distinct", None) for c in body.measures] == [False, True]
    assert body.min_group_size == 10
    assert body.keys[0].expr.args[1] == s.FieldRef(("day",), body.keys[0].expr.args[1].span)
    assert spec.datasets[1].output.destination is None
    assert isinstance(spec.datasets[1].source.window, s.SinceDate)
    between = spec.datasets[2].source.window
    assert (between.start.value, between.end.value) == ("2026-01-01", "2026-02-01")
    last = spec.datasets[3].source.window
    assert (last.amount, last.unit.name) == (7, "days")
    assert isinstance(spec.schedule, s.Weekly)
    assert (spec.schedule.day.name, spec.schedule.at.value) == ("monday", "06:00")
    each, spread = spec.datasets[1].source.eaches[0], spec.datasets[1].source.spreads[0]
    assert (each.path.path, each.alias.name) == (("charging_periods",), "period")
    assert (spread.value.path, spread.unit.name, spread.zone_phrase, spread.alias.name) == \
        (("period", "energy_kwh"), "hour", "location time zone", "slot")


@pytest.mark.parametrize("rule, cls", [("every 15 minutes", s.Every), ("hourly", s.Hourly),
                                       ("daily at 06:30", s.Daily)])
def test_schedules(rule, cls) -> None:
    text = EVERYTHING.replace("weekly on monday at 06:00", rule)
    assert isinstance(parse_text(text).schedule, cls)


def test_spans_point_at_the_text() -> None:
    spec = parse_text(EVERYTHING)
    column = spec.datasets[0].body.columns[0]
    assert EVERYTHING[column.expr.span.start:column.expr.span.end] == \
        "pseudonymize(cdr_token.contract_id)"
    assert EVERYTHING[column.alias.span.start:column.alias.span.end] == "driver"
    ref = column.expr.args[0]
    assert EVERYTHING[ref.span.start:ref.span.end] == "cdr_token.contract_id"
    assert EVERYTHING[spec.span.start:].startswith("export everything")
    assert spec.span.end == len(EVERYTHING.rstrip())


def test_keywords_are_reserved_but_module_names_are_not() -> None:
    spec = parse_text(EVERYTHING.replace("from tariffs", "from locations"))
    assert spec.datasets[3].source.module.name == "locations"
    with pytest.raises(CompileError) as caught:
        parse_text(EVERYTHING.replace("as driver", "as output"))
    assert caught.value.diagnostics[0].code == "OCX005"


def test_syntax_error_is_exactly_one_diagnostic() -> None:
    with pytest.raises(CompileError) as caught:
        parse_text(EVERYTHING.replace("select", "select ,", 1))
    assert [d.code for d in caught.value.diagnostics] == ["OCX006"]


@pytest.mark.parametrize("text, expected", [("plain", "plain"), ('a\\"b', 'a"b'),
                                            ("a\\\\b", "a\\b"), ("a\\nb", "a\nb"),
                                            ("a\\qb", "aqb"), ("end\\", "end")])
def test_unescape(text, expected) -> None:
    assert unescape(text) == expected


def test_every_grammar_rule_is_reached_and_built() -> None:
    from ocpispec.language.syntax_builder import _ToSyntax

    parser = lark_parser()
    rules = {str(rule.alias or rule.origin.name) for rule in parser.rules
             if not str(rule.origin.name).startswith("_") and
             (rule.alias or not rule.options.expand1)}
    seen: set[str] = set()
    for rule in ("weekly on monday at 06:00", "every 15 minutes", "hourly", "daily at 06:30",
                 "monthly on day 1 at 06:00", 'cron "0 6 * * 1-5"'):
        tree = parser.parse(EVERYTHING.replace("weekly on monday at 06:00", rule))
        seen |= {str(node.data) for node in tree.iter_subtrees()}
    assert rules - seen == set()
    assert {name for name in rules if not hasattr(_ToSyntax, name)} == set()
