"""Specs as a new user writes them from the README and the docs: the forms guessed from
SQL, spreadsheets and plain English get a diagnostic that says what the language writes
instead, not a bare "expected one of ..."."""

from __future__ import annotations

import re

import pytest

from frontend_helpers import HEADER, check_text, diagnose_source
from ocpispec.diagnostics import report
from ocpispec.diagnostics.source import SourceFile

AGGREGATE = '''from sessions
  {window}
  {join}
group by
  {key}
compute
  {measure}
  minimum group size 10
output csv to "exports/x.csv"
'''
DEFAULTS = {"window": "last 4 weeks", "join": "join locations on location_id",
            "key": "weekday(start_date_time) as day",
            "measure": "count() as sessions"}

# (what the user wrote, replacing one part of AGGREGATE) -> (the fix the help names)
CASES = {
    "unquoted zone": ({"window": "previous month in Europe/Amsterdam"},
                      'write `"Europe/Amsterdam"`'),
    "count star": ({"measure": "count(*) as sessions"}, "write `count()`"),
    "group size with =": ({"measure": "count() as sessions\n  minimum group size = 25"},
                          "write `minimum group size 25`"),
    "join on a = b": ({"join": "join locations on location_id = location.id"},
                      "write `on location_id`"),
    "truncate to 15 minutes": ({"key": "truncate(start_date_time, 15 minutes) as slot"},
                               "write `quarter_hour` instead of `15 minutes`"),
    "date()": ({"key": "date(end_date_time) as day"}, "write `truncate(end_date_time, day)`"),
    "day_of_week()": ({"key": "day_of_week(start_date_time) as day"},
                      "write `weekday(start_date_time)`"),
    "quoted date": ({"window": 'between "2025-01-01" and "2025-02-01"'}, "write `2025-01-01`"),
    "quoted second date": ({"window": 'between 2025-01-01 and "2025-02-01T06:00:00Z"'},
                           "write `2025-02-01T06:00:00Z`"),
    "last month": ({"window": "last month"},
                   "write `last 1 month`, or `previous month` for the calendar month"),
    "last quarter": ({"window": "last quarter"},
                     "write `last 3 months`, or `previous quarter` for the calendar quarter"),
}


def _diagnostics(parts: dict[str, str], tail: str = "") -> tuple[list, SourceFile]:
    source = SourceFile("test.ocx", HEADER + AGGREGATE.format(**{**DEFAULTS, **parts}) + tail)
    return diagnose_source(source), source


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_guessed_form_gets_the_form_to_write(case: str, snapshot) -> None:
    parts, fix = CASES[case]
    found, source = _diagnostics(parts)
    errors = [d for d in found if d.is_error]
    assert len(errors) == 1, [(d.code, d.message) for d in found]
    assert errors[0].help == fix
    assert report.render(errors, {"test.ocx": source}) == snapshot


@pytest.mark.parametrize(("tail", "fix"), [
    ('schedule monthly on the 1st at 06:00\n', "write `monthly on day 1 at 06:00`"),
    ("schedule monthly at 05:00\n", "write `schedule monthly on day 1 at 05:00`"),
    ("schedule daily 06:30\n", "write `schedule daily at 06:30`"),
    ("schedule weekly 06:30\n", "write `schedule weekly on monday at 06:30`"),
    ("schedule every friday at 18:00\n", "write `schedule weekly on friday at 18:00`"),
    ("schedule every day at 05:30\n", "write `schedule daily at 05:30`"),
])
def test_a_schedule_in_plain_english(tail: str, fix: str) -> None:
    found, _ = _diagnostics({}, tail)
    assert [d.help for d in found if d.is_error] == [fix]


def test_an_unquoted_destination() -> None:
    found, _ = _diagnostics({}, "")
    body = AGGREGATE.format(**DEFAULTS).replace('"exports/x.csv"', "exports/x-{run.date}.csv")
    found = diagnose_source(SourceFile("test.ocx", HEADER + body))
    assert [d.help for d in found] == ['write `"exports/x-{run.date}.csv"`']


def test_the_fixes_check_clean() -> None:
    """Each help, applied, gives a spec that checks (OCX236 aside: a UTC weekday of a
    local month, which the spec then says on purpose)."""
    fixed = [
        {"window": 'previous month in "Europe/Amsterdam"',
         "key": 'weekday(start_date_time, "Europe/Amsterdam") as day'},
        {"key": "prefix(location.postal_code, 4) as area"},
        {"key": "truncate(start_date_time, quarter_hour) as slot because \"grid load is "
                "planned per quarter hour\""},
        {"key": "truncate(end_date_time, day) as day"},
    ]
    fixed += [{"window": "between 2025-01-01 and 2025-02-01"}, {"window": "last 1 month"},
              {"window": "previous month"}, {"window": "last 3 months"}]
    for parts in fixed:
        check_text(AGGREGATE.format(**{**DEFAULTS, **parts}))


def test_the_documented_dialect_unix_parses() -> None:
    """docs/language.md lists `unix` among the dialects; the dialect token was hyphenated
    only, so `output csv unix to ...` stopped with "expected ... found name `unix`"."""
    body = AGGREGATE.format(**DEFAULTS).replace('output csv to', 'output csv unix to')
    checked = check_text(body)
    assert checked.spec.datasets[0].output.dialect.name == "unix"


@pytest.mark.parametrize("written", ["excel", "tsv"])
def test_a_dialect_guessed_without_its_country_is_ocx419(written: str) -> None:
    body = AGGREGATE.format(**DEFAULTS).replace('output csv to', f'output csv {written} to')
    found = [d for d in diagnose_source(SourceFile("test.ocx", HEADER + body)) if d.is_error]
    assert [d.code for d in found] == ["OCX419"]


@pytest.mark.parametrize("measure", ["median(hours(start_date_time, end_date_time))",
                                     "max(kwh)", "percentile(kwh, 0.9)"])
def test_the_help_for_an_exact_measure_keeps_the_measure(measure: str) -> None:
    """The help of OCX303 on `median(hours(...))` said `round(hours(...), 1) as x`: a
    per-record value, which `compute` refuses (OCX210). It rounds the measure now."""
    parts = {"measure": f"{measure} as x"}
    found, _ = _diagnostics(parts)
    assert [d.code for d in found] == ["OCX303"]
    assert found[0].help == (f"round the result, e.g. `round({measure}, 1) as x`, or add "
                             "`because \"...\"` with the reason")
    check_text(AGGREGATE.format(**{**DEFAULTS, "measure": f"round({measure}, 1) as x"}))


@pytest.mark.parametrize(("key", "fix"), [
    ("location.municipality", "did you mean `location.city`?"),
    ("location.gemeente", "did you mean `location.city`?"),
    ("location.zip", "did you mean `location.postal_code`?"),
    ("location.street", "did you mean `location.address`?"),
    ("location.region", "did you mean `location.state`?"),  # was `location.directions`
    ("location.lat", "did you mean `location.coordinates.latitude`?"),
    ("energy", "did you mean `kwh`?"),
    ("total_kwh", "did you mean `kwh`?"),  # was `total_cost`
    ("duration", "it is computed: write `minutes(start_date_time, end_date_time)`"),
    ("month", "it is computed: write `truncate(start_date_time, month)`"),
])
def test_a_field_named_in_the_users_words_gets_the_catalogue_name(key: str, fix: str) -> None:
    found, _ = _diagnostics({"key": f"{key} as k"})
    assert [(d.code, d.help) for d in found if d.is_error] == [("OCX104", fix)]


def test_a_computed_word_is_not_offered_where_the_module_has_no_start() -> None:
    body = ('from locations\nselect\n  month as m\noutput csv to "x.csv"\n')
    found = diagnose_source(SourceFile("test.ocx", HEADER + body))
    assert [d.help for d in found] == ["list the fields with `ocpispec schema locations`"]


def test_spreading_a_computed_duration_points_to_period_duration() -> None:
    """A city wanting occupancy per hour wrote `spread hours(start_date_time,
    end_date_time) over hour ...` and got "expected one of `.`, `as`, ... found `(`"."""
    parts = {"join": "join locations on location_id\n  spread hours(start_date_time, "
                     "end_date_time) over hour in utc as slot", "key": "slot"}
    found, _ = _diagnostics(parts)
    assert [d.message for d in found] == ["`spread` takes a field, not a computed value"]
    check_text(AGGREGATE.format(**{
        **DEFAULTS, "join": "join locations on location_id\n  each charging_periods as "
                            "period\n  spread period.duration over hour in utc as slot",
        "key": "slot", "measure": "round(sum(period.duration), 0) as occupied_minutes"}))


def test_a_load_profile_by_start_quarter_hour_is_pointed_to_spread() -> None:
    """A grid operator's first guess at 15-minute load, `group by truncate(start_date_time,
    quarter_hour)` with `sum(kwh)`, puts a four-hour session's energy in one quarter hour.
    The floor warning it gets says how a load profile is written."""
    found, _ = _diagnostics({"key": "truncate(start_date_time, quarter_hour) as slot",
                             "measure": "sum(kwh) as energy_kwh"})
    assert [d.code for d in found] == ["OCX303"]
    assert any("`spread kwh over quarter_hour in utc as slot`" in note
               for note in found[0].notes)
    hourly, _ = _diagnostics({"key": "truncate(end_date_time, minute) as slot"})
    assert not any("spread" in note for note in hourly[0].notes)


@pytest.mark.parametrize(("line", "fix"), [
    ("  retention = 24 months", "write `retention 24`"),
])
def test_an_equals_sign_in_the_header_names_only_its_keyword(line: str, fix: str) -> None:
    header = HEADER.replace("  retention 1 year", line)
    found = diagnose_source(SourceFile("test.ocx", header + AGGREGATE.format(**DEFAULTS)))
    assert [d.help for d in found] == [fix]


def test_an_unquoted_text_is_quoted_to_the_end_of_its_line() -> None:
    header = HEADER.replace('consumer "Test consumer"', "consumer Gemeente Utrecht  # GU")
    found = diagnose_source(SourceFile("test.ocx", header + AGGREGATE.format(**DEFAULTS)))
    assert [(d.message, d.help) for d in found] == [
        ("`Gemeente Utrecht` must be quoted", 'write `"Gemeente Utrecht"`')]


@pytest.mark.parametrize(("window", "codes"), [
    ("previous month", ["OCX237"]),
    ("previous month\n  window on start_date_time", []),
    ("last 30 days", []),  # rolling windows overlap anyway (OCX336 on a schedule)
])
def test_monthly_groups_by_start_in_a_window_on_last_update(window: str,
                                                           codes: list[str]) -> None:
    """A statistics office's first monthly spec without `window on start_date_time`:
    sessions that started in the month before and ended in this one make a small row of
    the month before in this file, usually suppressed, and are in no released total."""
    parts = {"window": window, "key": "truncate(start_date_time, month) as month"}
    found, _ = _diagnostics(parts)
    assert [d.code for d in found] == codes
    if codes:
        assert found[0].help == ("select by the same time: add `window on start_date_time` "
                                 "after `previous month`")


@pytest.mark.parametrize(("module", "join", "key"), [
    ("cdrs", "join locations on cdr_location.id",
     "slot because \"grid load is planned per quarter hour\""),
    ("sessions", "join locations on location_id",
     "truncate(period.start_date_time, hour) as hour"),
])
def test_a_load_profile_in_a_window_on_last_update(module: str, join: str, key: str) -> None:
    """A grid operator's monthly load profile from charging periods, spread over slots
    or cut by the period's start, in `previous month` without `window on`: a CDR billed
    in this month for a session of the last one puts that session's slots in this file,
    as small rows of the month before. Not warned (OCX237 read only `truncate` of the
    record's own start or end)."""
    body = (f"from {module}\n  previous month\n  {join}\n  each charging_periods as period\n"
            "  spread period.energy_kwh over quarter_hour in utc as slot\n"
            f"group by\n  {key}\n  prefix(location.postal_code, 4) as area\n"
            "compute\n  sum(period.energy_kwh) as kwh\n  minimum group size 10\n"
            'output csv to "x.csv"\n')
    found = [d for d in diagnose_source(SourceFile("test.ocx", HEADER + body))]
    assert [d.code for d in found] == ["OCX237"]
    assert found[0].help == ("select by the same time: add `window on start_date_time` "
                             "after `previous month`")
    assert check_text(body.replace("previous month\n", "previous month\n  window on "
                                   "start_date_time\n")).warnings == ()


@pytest.mark.parametrize(("written", "fix"), [
    ("excel", "for Excel, write `xlsx` (a workbook with typed cells), or `csv excel-nl` "
              "(`excel-de`, `excel-en`) for a CSV file Excel opens"),
    ("xlsc", "for Excel, write `xlsx` (a workbook with typed cells), or `csv excel-nl` "
             "(`excel-de`, `excel-en`) for a CSV file Excel opens"),
    ("jsonl", "for one JSON object per line, write `ndjson`"),
    ("tsv", "for tab-separated values, write `csv tab-separated`"),
    ("cvs", "did you mean `csv`?"),
    # a researcher's R or pandas format: said only 'write one of the formats'
    ("feather", "for a typed table that pandas, R (arrow), DuckDB and Spark read, write "
                "`parquet`"),
    ("rds", "for a typed table that pandas, R (arrow), DuckDB and Spark read, write "
            "`parquet`"),
])
def test_a_format_named_after_its_tool_or_extension(written: str, fix: str, snapshot) -> None:
    """`output excel` said only "write one of the formats", `output jsonl` suggested
    `json` (one document, not one object per line)."""
    body = AGGREGATE.format(**DEFAULTS).replace("output csv to", f"output {written} to")
    source = SourceFile("test.ocx", HEADER + body)
    found = [d for d in diagnose_source(source) if d.is_error]
    assert [(d.code, d.help) for d in found] == [("OCX401", fix)]
    if written == "excel":
        assert report.render(found, {"test.ocx": source}) == snapshot
    fixed = fix.split("`")[1]
    check_text(body.replace(f"output {written} to", f"output {fixed} to")
               .replace("x.csv", "x.xlsx" if fixed == "xlsx" else "x.parquet" if fixed ==
                        "parquet" else "x.ndjson" if fixed ==
                        "ndjson" else "x.tsv" if "tab" in fixed else "x.csv"))


PEAK = '''from sessions
  join locations on location_id
group by location.connector.power_type as power
compute
  {measure} as peak_kw
  minimum group size 10
output csv to "exports/x.csv"
'''


@pytest.mark.parametrize("measure", [
    'round(max(jmespath("max(charging_periods[].dimensions[?type == '
    "'MAX_POWER'].volume[])\")), 1)",
    "max(kwh)",
])
def test_the_help_never_repeats_the_column_it_warns_about(measure: str, snapshot) -> None:
    """A grid operator's peak power per EVSE: the help said "round the result, e.g.
    `round(max(jmespath(...)), 1)`", the column as written, for a field (the dimension
    type, an enum) that no round protects."""
    body = PEAK.format(measure=measure)
    source = SourceFile("test.ocx", HEADER + body)
    found = [d for d in diagnose_source(source) if d.code == "OCX303"]
    assert found
    for diagnostic in found:
        assert f"`{measure} as peak_kw`" not in (diagnostic.help or "")
    assert report.render(found, {"test.ocx": source}) == snapshot


def test_a_minimum_group_size_in_a_row_export_points_to_both_forms(snapshot) -> None:
    """`select ... minimum group size 10` said "expected one of `-`, `limit`, ...";
    a row export is made k-anonymous with `require k`, groups have a minimum size."""
    body = ("from sessions\n  join locations on location_id\nselect\n"
            "  prefix(location.postal_code, 4) as area\n  minimum group size 10\n"
            'output csv to "exports/x.csv"\n')
    source = SourceFile("test.ocx", HEADER + body)
    found = [d for d in diagnose_source(source) if d.is_error]
    assert [d.help for d in found] == [
        "write `require k 10` after the columns, or aggregate with `group by ... compute "
        "... minimum group size 10`"]
    assert report.render(found, {"test.ocx": source}) == snapshot
    check_text(body.replace("minimum group size 10", "require k 10"))


@pytest.mark.parametrize(("module", "column", "fix"), [
    ("locations", "evses.uid", "for one row per element, add `each evses as evse` under "
                               "`from` and select `evse.uid`"),
    ("locations", "evses.connectors.max_electric_power",
     "for one row per element, add `each evses as evse` and `each evse.connectors as "
     "connector` under `from` and select `connector.max_electric_power`"),
    ("tariffs", "elements.price_components.price",
     "for one row per element, add `each elements as element` and `each "
     "element.price_components as price_component` under `from` and select "
     "`price_component.price`"),
    ("sessions", "charging_periods.start_date_time",
     "for one row per element, add `each charging_periods as charging_period` under "
     "`from` and select `charging_period.start_date_time`"),
])
def test_a_field_of_a_list_points_to_each(module: str, column: str, fix: str,
                                          snapshot) -> None:
    """A GIS team's `select evses.uid` on locations said "select a single field, or count
    the list with `jmespath(\"length(...)\")`", not how to get one row per EVSE."""
    body = f'from {module}\nselect\n  {column} as x\noutput ndjson to "x.ndjson"\n'
    source = SourceFile("test.ocx", HEADER + body)
    found = [d for d in diagnose_source(source) if d.is_error]
    # the other ways follow: the list's values joined or counted in one column
    assert [d.code for d in found] == ["OCX209"] and found[0].help.startswith(f"{fix}; or ")
    assert "`jmespath(\"length(" in found[0].help
    if column == "evses.uid":
        assert report.render(found, {"test.ocx": source}) == snapshot
    eaches = re.findall(r"`(each [^`]+)`", fix)
    selected = fix.rsplit("`", 2)[1]
    check_text(body.replace(f"from {module}\n", f"from {module}\n  " + "\n  ".join(eaches)
                            + "\n").replace(column, selected))


def test_a_list_of_values_inside_an_element_is_joined_in_the_hatch() -> None:
    """`each` unnests lists of objects; a list of texts inside the element
    (`day_of_week`) would still be a list, so no `each` is offered for it: the help
    joins it in the escape hatch, with `[]` on each list (no placeholder to fill in)."""
    body = ('from tariffs\nselect\n  elements.restrictions.day_of_week as x\n'
            'output ndjson to "x.ndjson"\n')
    found = [d for d in diagnose_source(SourceFile("test.ocx", HEADER + body)) if d.is_error]
    hatch = "elements[].restrictions.day_of_week[] || `[]`"
    assert [(d.code, d.help) for d in found] == [
        ("OCX209", f"join its values into one text: write `jmespath(\"join(',', {hatch})\")`, "
                   f"or count them: `jmespath(\"length({hatch})\")`")]
    check_text(body.replace("elements.restrictions.day_of_week",
                            f"jmespath(\"join(',', {hatch})\")"))


@pytest.mark.parametrize(("lines", "column", "fix"), [
    ("join locations on location_id as site", "location.city",
     "the `locations` join is named `site` here: write `site.city`"),
    ("join locations on location_id", "location.evse.max_electric_power",
     "it is a field of `location.connector`: write `location.connector.max_electric_power`"),
    ("join locations on location_id", "location.power_type",
     "it is a field of `location.connector`: write `location.connector.power_type`"),
    # in the user's words: a location has no connector type or power (was `owner`)
    ("join locations on location_id", "location.connector_type",
     "it is a field of `location.connector`: write `location.connector.standard`"),
    ("join locations on location_id", "location.power",
     "it is a field of `location.connector`: write `location.connector.max_electric_power`"),
])
def test_a_field_named_through_the_wrong_binding(lines: str, column: str, fix: str,
                                                 snapshot) -> None:
    """A joined location renamed `site` and then read as `location.city` got "join the
    locations first"; a connector's field read on the EVSE got "list the fields with
    `ocpispec schema locations`"."""
    body = f'from sessions\n  {lines}\nselect\n  {column} as x\noutput csv to "x.csv"\n'
    source = SourceFile("test.ocx", HEADER + body)
    found = [d for d in diagnose_source(source) if d.is_error]
    assert [(d.code, d.help) for d in found] == [("OCX104", fix)]
    if "site" in lines:
        assert report.render(found, {"test.ocx": source}) == snapshot
    check_text(body.replace(column, fix.rsplit("`", 2)[1]))


@pytest.mark.parametrize(("condition", "code", "fix"), [
    ("status = COMPLETED", "OCX104", 'a value is quoted: write `"COMPLETED"`'),
    # a list item is a parse error; its help quoted the bracket too: `"AVAILABLE]"`
    ("location.evse.status in [AVAILABLE]", "OCX001", 'write `"AVAILABLE"`'),
    ('location.evse.status in ["CHARGING", AVAILABLE]', "OCX001", 'write `"AVAILABLE"`'),
])
def test_an_unquoted_value_is_not_called_an_unknown_field(condition: str, code: str,
                                                          fix: str) -> None:
    """`where status = COMPLETED` said "unknown field `COMPLETED` in `Session`", "list
    the fields with `ocpispec schema sessions`"."""
    body = (f'from sessions\n  join locations on location_id\n  where {condition}\n'
            'select\n  status\noutput csv to "x.csv"\n')
    found = [d for d in diagnose_source(SourceFile("test.ocx", HEADER + body)) if d.is_error]
    assert [(d.code, d.help) for d in found] == [(code, fix)]
    value = fix.rsplit("`", 2)[1]
    check_text(body.replace(value.strip('"'), value))


def test_a_bare_boolean_condition_is_written_with_true() -> None:
    """`where publish` said "expected one of `in`, `is`, `matches`, `not` or a
    comparison ..., found `select`"."""
    body = 'from locations\n  where publish\nselect\n  id\noutput csv to "x.csv"\n'
    found = [d for d in diagnose_source(SourceFile("test.ocx", HEADER + body)) if d.is_error]
    assert [(d.message, d.help) for d in found] == [
        ("a condition compares a field", "write `where publish = true`")]
    check_text(body.replace("where publish", "where publish = true"))


@pytest.mark.parametrize(("module", "column", "fix"), [
    ("cdrs", "round(total_cost, 0)",
     "pass one of its fields: `total_cost.excl_vat` or `total_cost.incl_vat`"),
    ("sessions", "pseudonymize(cdr_token)",
     "pass one of its fields: `cdr_token.country_code`, `cdr_token.party_id`, "
     "`cdr_token.uid`, `cdr_token.type` or `cdr_token.contract_id`"),
])
def test_a_whole_object_passed_to_a_function_names_its_fields(module: str, column: str,
                                                              fix: str) -> None:
    """`round(total_cost, 0)`, a Price, said "pass one of the object's fields"
    without naming any."""
    body = f'from {module}\nselect\n  {column} as x\noutput csv to "x.csv"\n'
    found = [d for d in diagnose_source(SourceFile("test.ocx", HEADER + body)) if d.is_error]
    assert [(d.code, d.help) for d in found] == [("OCX201", fix)]
    first = fix.split("`")[1]
    check_text(body.replace(column, column.replace(first.split(".")[0], first)))


@pytest.mark.parametrize(("line", "message", "fix"), [
    ('  consumer \u201cGemeente Utrecht\u201d', "unexpected character `\u201c` (a typographic "
     "quote)", 'write a straight double quote `"`: editors and web pages turn `"` into '
     "`\u201c` or `\u201d`"),
    ("  consumer\u00a0\"Test consumer\"", "unexpected character U+00A0 (a no-break space)",
     "replace it with a plain space; text copied from a web page or a document brings "
     "these in"),
    ('  consumer "Test consumer"\u200b', "unexpected character U+200B (a zero-width "
     "space)", "delete it: it is invisible, and text copied from a web page or a document "
     "brings these in"),
    ('  consumer "Test consumer"\u0000', "unexpected character U+0000 (a control "
     "character)", "delete it: it is invisible, and text copied from a web page or a "
     "document brings these in"),
])
def test_characters_pasted_from_a_document_are_named(line: str, message: str, fix: str,
                                                     snapshot) -> None:
    """A spec copied from a web page or a Word document: a no-break space showed as
    "unexpected character ` `" (invisible), a curly quote as "remove it, or put it
    inside a quoted string"."""
    header = HEADER.replace('  consumer "Test consumer"', line)
    source = SourceFile("test.ocx", header + AGGREGATE.format(**DEFAULTS))
    found = diagnose_source(source)
    assert [(d.code, d.message, d.help) for d in found] == [("OCX002", message, fix)]
    if "\u00a0" in line:
        assert report.render(found, {"test.ocx": source}) == snapshot


def test_a_dash_in_a_name_is_named() -> None:
    body = AGGREGATE.format(**DEFAULTS).replace("as sessions", "as all\u2013sessions")
    found = diagnose_source(SourceFile("test.ocx", HEADER + body))
    assert [(d.message, d.help) for d in found] == [
        ("unexpected character `\u2013` (a dash)",
         "names are ASCII letters, digits and `_`: write `_` (a minus is `-`)")]


SPREAD = '''from sessions
  join locations on location_id
  each charging_periods as period
  {spread}
group by slot
compute
  round(sum(period.energy_kwh), 1) as energy_kwh
  minimum group size 10
output csv to "x.csv"
'''


@pytest.mark.parametrize(("spread", "code", "fix"), [
    ('spread period.energy_kwh over hour in "Europe/Amsterdam" as slot', "OCX225",
     "write `over hour in location time zone` (each charger's own zone) or `over hour in "
     "utc`"),
    ("spread period.energy_kwh over hour in Europe/Amsterdam as slot", "OCX225",
     "write `over hour in location time zone` (each charger's own zone) or `over hour in "
     "utc`"),
    ("spread period.energy_kwh over 15 minutes in utc as slot", "OCX224",
     "write `over quarter_hour`"),
    ("spread period.energy_kwh over 1 hour in utc as slot", "OCX224", "write `over hour`"),
])
def test_a_spread_written_as_a_window_is(spread: str, code: str, fix: str, snapshot) -> None:
    """A grid operator wrote the spread's zone as a window's (`in "Europe/Amsterdam"`)
    and its slot as a length (`over 15 minutes`): both said "expected a name, found
    ..." with the generic help."""
    body = SPREAD.format(spread=spread)
    source = SourceFile("test.ocx", HEADER + body)
    found = [d for d in diagnose_source(source) if d.is_error]
    assert [(d.code, d.help) for d in found] == [(code, fix)]
    if '"Europe' in spread:
        assert report.render(found, {"test.ocx": source}) == snapshot
    fixed = fix.split("`")[1]
    check_text(body.replace(spread, re.sub(r"over .* as", f"{fixed} as", spread)
                            if "in" in fixed else re.sub(r"over .* in", f"{fixed} in", spread)))


def test_an_error_after_a_whole_spread_is_not_blamed_on_its_zone() -> None:
    body = SPREAD.format(spread="spread period.energy_kwh over hour in utc as slot\n  "
                                "where kwh > 0")
    found = [d for d in diagnose_source(SourceFile("test.ocx", HEADER + body)) if d.is_error]
    assert [d.code for d in found] != ["OCX225"]


@pytest.mark.parametrize("zone", ["utc", "location time zone"])
def test_a_spread_without_its_name_is_not_blamed_on_its_zone(zone: str) -> None:
    """`spread ... over hour in utc` without `as slot` was OCX225 "a fixed time zone" at
    `utc`, with the help to write `over hour in utc`: what it said."""
    body = SPREAD.format(spread=f"spread period.energy_kwh over hour in {zone}")
    found = [d for d in diagnose_source(SourceFile("test.ocx", HEADER + body)) if d.is_error]
    assert [(d.code, d.help) for d in found] == [
        ("OCX001", f"write `... over hour in {zone} as slot`")]
    check_text(body.replace(f"in {zone}", f"in {zone} as slot"))


@pytest.mark.parametrize(("source", "message", "fix"), [
    ("source ocpi $OCPI_VERSIONS_URL token $OCPI_TOKEN", "unexpected character `$`",
     "write `env OCPI_VERSIONS_URL`"),
    ("source ocpi env U token env T version latest",
     "an OCPI version is `2.1.1`, `2.2.1`, `2.3.0` or `auto`",
     "write `auto` (the newest version both sides speak)"),
    ("source ocpi env U token env T version newest",
     "an OCPI version is `2.1.1`, `2.2.1`, `2.3.0` or `auto`",
     "write `auto` (the newest version both sides speak)"),
])
def test_a_source_written_as_a_shell_or_in_words(source: str, message: str, fix: str) -> None:
    """`ocpi $OCPI_VERSIONS_URL` said "remove it, or put it inside a quoted string";
    `version latest` said "expected an OCPI version ..." with the generic help."""
    header = HEADER.replace("source profile demo", source)
    found = diagnose_source(SourceFile("test.ocx", header + AGGREGATE.format(**DEFAULTS)))
    assert [(d.message, d.help) for d in found if d.is_error] == [(message, fix)]


@pytest.mark.parametrize(("condition", "written", "fix"), [
    ("kwh between 1 and 10", "kwh between 1 and 10", "kwh >= 1 and kwh <= 10"),
    ('status = "COMPLETED" and round(kwh, 0) between 2 and 99',
     "round(kwh, 0) between 2 and 99", "round(kwh, 0) >= 2 and round(kwh, 0) <= 99"),
    ("not kwh between 3 and 4", "not kwh between 3 and 4", "not (kwh >= 3 and kwh <= 4)"),
    ('location.city in ("Utrecht", "Zeist")', '("Utrecht", "Zeist")', '["Utrecht", "Zeist"]'),
])
def test_a_condition_written_as_in_sql_gets_its_own_values_back(condition: str, written: str,
                                                                fix: str) -> None:
    """The help wrote `kwh >= 5 and kwh <= 10` and `in ["COMPLETED", "ACTIVE"]` whatever
    the spec said: copied, it changed the filter. It now writes the user's condition."""
    body = (f"from sessions\n  join locations on location_id\n  where {condition}\n"
            'select\n  round(kwh, 1) as kwh\noutput csv to "x.csv"\n')
    found = diagnose_source(SourceFile("test.ocx", HEADER + body))
    assert [d.code for d in found] == ["OCX001"]
    help_text = found[0].help
    assert help_text.endswith(f"`{fix}`") or help_text == f"write `in {fix}`"
    check_text(body.replace(written, fix))


@pytest.mark.parametrize(("written", "fix"), [
    ("delimiter tab", 'delimiter "\\t"'), ("delimiter semicolon", 'delimiter ";"'),
    ("delimiter ;", 'delimiter ";"'), ("delimiter ,", 'delimiter ","'),
    ("delimiter |", 'delimiter "|"'),
])
def test_an_unquoted_delimiter_gets_the_quoted_character(written: str, fix: str) -> None:
    """`delimiter tab to "x.csv"` was told to write `"tab to "x.csv"`, and `delimiter ;`
    to remove the `;`: the help now quotes the character, and the fix checks clean."""
    body = 'from sessions\nselect\n  round(kwh, 1) as kwh\noutput csv {} to "x.csv"\n'
    found = [d for d in diagnose_source(SourceFile("test.ocx", HEADER + body.format(written)))
             if d.is_error]
    assert [d.help for d in found] == [f"write `{fix}`"]
    check_text(body.format(fix))


def test_an_unquoted_text_stops_before_a_quoted_one_on_its_line() -> None:
    body = 'from sessions\nselect\n  round(kwh, 1) as kwh\noutput csv to "x.csv"\n'
    text = HEADER.replace('purpose "Exercise the checker in a unit test"',
                          'purpose Planning "public" chargers') + body
    found = [d for d in diagnose_source(SourceFile("test.ocx", text)) if d.is_error]
    assert [d.help for d in found] == ['write `"Planning"`']


@pytest.mark.parametrize(("tail", "fix", "fixed"), [
    ('select\n  round(kwh, 1) as kwh\noutput to "x.parquet"\n',
     'write `output parquet to "x.parquet"`', 'output parquet to "x.parquet"'),
    ('select\n  round(kwh, 1) as kwh\noutput "x.ndjson.gz"\n',
     'write `output ndjson to "x.ndjson.gz"`', 'output ndjson to "x.ndjson.gz"'),
    ('select\n  round(kwh, 1) as kwh\nto "x.csv"\n', 'write `output csv to "x.csv"`',
     'output csv to "x.csv"'),
    ("select\n  round(kwh, 1) as kwh\noutput parquet\n",
     'end the clause with `to "exports/{export}-{run.date}.parquet"` (or `to stdout`)',
     'output parquet to "exports/{export}-{run.date}.parquet"'),
])
def test_a_dataset_missing_a_part_gets_the_part(tail: str, fix: str, fixed: str) -> None:
    """`output to "x.parquet"`, `output parquet` with no destination, `to "x.csv"`
    without `output`: "expected a name, found `to`" and the like, with the generic help.
    The help now writes the missing part, and it checks clean."""
    body = "from sessions\n  last 7 days\n" + tail
    found = [d for d in diagnose_source(SourceFile("test.ocx", HEADER + body)) if d.is_error]
    assert [d.help for d in found] == [fix]
    check_text("from sessions\n  last 7 days\nselect\n  round(kwh, 1) as kwh\n" + fixed)


@pytest.mark.parametrize("after", ["", 'from locations\nselect\n  id\noutput csv to "y.csv"\n'])
def test_a_from_block_without_columns_says_so(after: str) -> None:
    body = "from sessions\n  last 7 days\n\n" + after
    found = [d for d in diagnose_source(SourceFile("test.ocx", HEADER + body)) if d.is_error]
    assert [d.message for d in found] == ["the dataset has no columns"]
    example = found[0].help.split("e.g. `")[1].rstrip("`")
    check_text("from sessions\n  last 7 days\n" + example + "\n" + after)


@pytest.mark.parametrize(("module", "block", "column"), [
    ("evses", "from locations each evses as evse", "evse.status"),
    ("connectors", "from locations each evses as evse each evse.connectors as connector",
     "connector.standard"),
    ("charging_periods", "from sessions each charging_periods as period",
     "period.start_date_time"),
])
def test_a_part_of_a_record_taken_for_a_module_gets_the_each(module: str, block: str,
                                                             column: str) -> None:
    """A GIS team writes `from evses`: OCX101 said "use one of the modules above"."""
    body = f'from {module}\nselect\n  status\noutput ndjson to "x.ndjson"\n'
    found = [d for d in diagnose_source(SourceFile("test.ocx", HEADER + body)) if d.is_error]
    assert [d.code for d in found] == ["OCX101"]
    assert f"write `{block}` for one row per element" in found[0].help
    check_text(f'{block}\nselect\n  {column} as x because "the consumer plans the network"\n'
               'output ndjson to "x.ndjson"\n')


@pytest.mark.parametrize(("name", "fix"), [("naam_é", "write `e` for `é`"),
                                           ("straße", "write `ss` for `ß`"),
                                           ("größe", "write `oe` for `ö`"),
                                           ("名前", "write it in ASCII letters")])
def test_a_letter_outside_ascii_in_a_name_gets_its_own_spelling(name: str, fix: str) -> None:
    """The help said "write `ae` for `ä`" whatever the letter was."""
    body = f'from locations\nselect\n  city as {name}\noutput csv to "x.csv"\n'
    found = [d for d in diagnose_source(SourceFile("test.ocx", HEADER + body)) if d.is_error]
    assert [d.code for d in found] == ["OCX002"]
    assert f"({fix})" in found[0].help


@pytest.mark.parametrize(("window", "fixed"), [("last 2 years", "last 24 months"),
                                               ("last 100 years", None),
                                               ("last 1000 years", None)])
def test_a_window_in_years_is_offered_a_length_that_checks(window: str,
                                                           fixed: str | None) -> None:
    """`last 1000 years` was offered `last 12000 months`, the same length, which is
    OCX213 again (more than 100 years)."""
    found, _ = _diagnostics({"window": window})
    errors = [d for d in found if d.is_error]
    assert [d.code for d in errors] == ["OCX213"]
    if fixed is None:
        assert errors[0].help == ("write a shorter period, or leave the window out to read "
                                  "every record")
    else:
        assert errors[0].help == f"write `{fixed}`, the same length"
        assert not [d for d in _diagnostics({"window": fixed})[0] if d.is_error]


@pytest.mark.parametrize(("column", "fixed"), [
    ("round(-kwh, 1) as k", "round(0 - kwh, 1) as k"),
    ("round(-total_cost.excl_vat, 0) as refund", "round(0 - total_cost.excl_vat, 0) as refund"),
])
def test_a_negated_field_is_written_as_a_subtraction(column: str, fixed: str) -> None:
    """An auditor turning a credit CDR's negative cost round: "expected a number, found
    name `kwh`", with the generic help."""
    body = f'from cdrs\nselect\n  {column}\noutput csv to "x.csv"\n'.replace("kwh", "total_energy")
    fixed_body = body.replace(column.replace("kwh", "total_energy"),
                              fixed.replace("kwh", "total_energy"))
    found = [d for d in diagnose_source(SourceFile("test.ocx", HEADER + body)) if d.is_error]
    assert len(found) == 1 and found[0].help.startswith("subtract it from zero: write `0 - ")
    check_text(fixed_body)


@pytest.mark.parametrize(("written", "fixed"), [
    ("quarterly", 'cron "0 6 1 1,4,7,10 *"'),
    ("quarterly at 05:30", 'cron "30 5 1 1,4,7,10 *"'),
    ("yearly", 'cron "0 6 1 1 *"'),
    ("weekdays at 06:00", 'cron "0 6 * * 1-5"'),
    ("daily at 6am", "daily at 06:00"),
    ("daily at 6 pm", "daily at 18:00"),
    ("daily at 06:00 UTC", "daily at 06:00"),
    ("daily at 06:00 Europe/Amsterdam", "daily at 05:00"),
    ("monthly on day 1", "monthly on day 1 at 06:00"),
    ("daily", "daily at 06:00"),
    ("cron 0 6 * * *", 'cron "0 6 * * *"'),
])
def test_a_schedule_as_said_gets_the_clause_the_language_has(written: str, fixed: str) -> None:
    """`schedule quarterly`, `at 6am`, `at 06:00 UTC`, `schedule daily` with no time, an
    unquoted cron line: "expected one of `cron`, `daily`, ...", "expected <end-of-file>,
    found name `UTC`" or "unknown keyword `weekdays`: write `weekly`". The help now
    writes the clause, and it checks clean."""
    body = 'from locations\nselect\n  id\noutput csv to "x-{run.timestamp}.csv"\n'
    found = [d for d in diagnose_source(SourceFile("t.ocx", HEADER + body +
                                                   f"schedule {written}\n")) if d.is_error]
    assert len(found) == 1 and found[0].code in ("OCX001", "OCX003")
    assert f"`{fixed}`" in found[0].help or f"`schedule {fixed}`" in found[0].help \
        or f"`{fixed.removeprefix('daily ')}`" in found[0].help
    check_text(body + f"schedule {fixed}\n")


@pytest.mark.parametrize(("written", "fixed"), [
    ("yesterday", "previous day"), ("this month", "month to date"),
    ("this year", "last 12 months"), ("today", "last 1 day"), ("incremental", "since last run"),
    ("previous 7 days", "previous 7 complete days"),
    ("previous calendar month", "previous month"), ("since yesterday", "previous day"),
    ("since last export", "since last run"),
    ("between 2025-01-01 to 2025-02-01", "between 2025-01-01 and 2025-02-01"),
    ("from 2025-01-01T00:00:00Z to 2025-02-01", "between 2025-01-01T00:00:00Z and 2025-02-01"),
    ('last 7 days in "Europe/Amsterdam"', "last 7 days"),
    ('since last run in "Europe/Amsterdam"', "since last run"),
])
def test_a_window_as_said_gets_the_window_the_language_has(written: str, fixed: str) -> None:
    """`yesterday`, `this month`, `previous calendar month`, `from A to B`, a zone on a
    rolling window: "expected one of `as`, `between`, ...", "expected `to`, found
    `select`" or "the dataset has no columns". The help writes the window; it checks."""
    body = "from sessions\n  {}\nselect\n  round(kwh, 1) as kwh\noutput csv to \"x.csv\"\n"
    found = [d for d in diagnose_source(SourceFile("t.ocx", HEADER + body.format(written)))
             if d.is_error]
    assert len(found) == 1 and found[0].code == "OCX001"
    assert f"`{fixed}`" in found[0].help or found[0].help.startswith("remove `in")
    check_text(body.format(fixed))


@pytest.mark.parametrize(("line", "fixed"), [
    ('legal basis "public task"', "legal basis public task"),
    ("legal basis public task (Art. 6(1)(e) GDPR)", 'legal basis public task "Art. 6(1)(e) GDPR"'),
    ("legal basis contract DSA-12", 'legal basis contract "DSA-12"'),
    ("legal basis GDPR 6(1)(e)", 'legal basis public task "Art. 6(1)(e) GDPR"'),
    ("retention 12 months after delivery", "retention 12 months"),
])
def test_a_header_line_as_said_gets_the_line_the_language_has(line: str, fixed: str) -> None:
    """A quoted basis, an article in its place, a reference in parentheses, words after
    the retention: "expected a name, found quoted string" and the like."""
    header = HEADER.replace("  legal basis legitimate interests\n", f"  {line}\n")
    body = 'from locations\nselect\n  id\noutput csv to "x.csv"\n'
    found = [d for d in diagnose_source(SourceFile("t.ocx", header + body)) if d.is_error]
    assert len(found) == 1 and f"`{fixed}`" in found[0].help
    check_text(body, HEADER.replace("  legal basis legitimate interests\n", f"  {fixed}\n")
               if "legal" in fixed else HEADER.replace("  retention 1 year\n", f"  {fixed}\n")
               .replace("  legal basis legitimate interests\n", "  legal basis contract\n"))


@pytest.mark.parametrize(("name", "fixed"), [('"My export"', "my_export"),
                                             ("2026_sessions", "export_2026_sessions"),
                                             ('"Gemeente Utrecht (2026)"', "gemeente_utrecht_2026")])
def test_an_export_name_as_said_gets_a_name(name: str, fixed: str) -> None:
    header = HEADER.replace("export test_export", f"export {name}")
    body = 'from locations\nselect\n  id\noutput csv to "x.csv"\n'
    found = [d for d in diagnose_source(SourceFile("t.ocx", header + body)) if d.is_error]
    assert [d.help for d in found] == [f"write `export {fixed}`"]
    check_text(body, HEADER.replace("export test_export", f"export {fixed}"))


@pytest.mark.parametrize(("output", "fix"), [
    ('output csv to "exports/x.csv" delimiter ";"',
     'write `output csv delimiter ";" to "exports/x.csv"`'),
    ('output csv to "exports/x.csv" excel-nl', 'write `output csv excel-nl to "exports/x.csv"`'),
    ('output json to "exports/x.json" pretty', "remove `pretty`"),
    ('output csv to "exports/x.csv" with header', "remove `with header`"),
    ('output parquet compression snappy to "exports/x.parquet"', "remove `compression snappy`"),
    ('output xlsx sheet "Data" to "exports/x.xlsx"', 'remove `sheet "Data"`'),
    ('output json pretty to "exports/x.json"', "remove `pretty`"),
])
def test_words_after_the_destination(output: str, fix: str, snapshot) -> None:
    """Words after `to "..."` were all "CSV options" to move before `to`: `output json
    to "x.json" pretty` got the help `output json pretty to "x.json"`, which fails again:
    a word before `to` in a format other than `csv` was read as a template's name to
    quote (`write "pretty"`, `write "compression"`). Only CSV options and dialects are
    moved; other words are named as no option, with what the format does instead."""
    body = AGGREGATE.format(**DEFAULTS).replace('output csv to "exports/x.csv"', output)
    source = SourceFile("test.ocx", HEADER + body)
    found = diagnose_source(source)
    assert [d.help for d in found] == [fix]
    if fix.startswith("write"):
        check_text(body.replace(output, fix.removeprefix("write `").removesuffix("`")))
    else:
        assert report.render(found, {"test.ocx": source}) == snapshot


@pytest.mark.parametrize(("written", "read", "fix"), [
    (r'"C:\exports\x.csv"', "C:exportsx.csv", '"C:/exports/x.csv"'),
    (r'"C:\new\table.csv"', "C:<line break>ew<tab>able.csv", '"C:/new/table.csv"'),
    (r'"exports\\x.csv"', r"exports\x.csv", '"exports/x.csv"'),
])
def test_a_windows_path_as_destination(run_cli, tmp_path, written: str, read: str,
                                       fix: str) -> None:
    """`output csv to "C:\\exports\\x.csv"` checked clean and the run wrote
    `C:exportsx.csv` in the current folder (`\\e` stands for `e`); `"C:\\new\\table.csv"`
    a name with a line break and a tab. OCX429 now refuses it, with the path in `/`."""
    body = AGGREGATE.format(**DEFAULTS).replace('"exports/x.csv"', written)
    spec = tmp_path / "windows.ocx"
    spec.write_text(HEADER + body)
    done = run_cli("run", str(spec), "--demo", "--as-of", "2026-01-01T00:00:00Z")
    assert done.exit_code == 1 and "error[OCX429]" in done.stderr
    assert f"read as `{read}`" in done.stderr and f"write the path with `/`: `{fix}`" \
        in done.stderr
    assert not any(path.name.startswith("C:") for path in tmp_path.iterdir())
    check_text(body.replace(written, fix))
