"""Mistakes new users make in specs for consumers we do not ship: each help, applied
as written, gives a spec that checks (or a run that goes through)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from frontend_helpers import REPO, diagnose_source

from ocpispec.diagnostics.source import SourceFile

FINANCE = '''export finance_recon
  consumer "Finance department"
  purpose "Monthly reconciliation of CDR revenue per currency"
  legal basis legal obligation "Book 2 BW"
  retention 7 years
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from cdrs
  previous month
  window on {field}
group by
  currency
compute
  count() as cdrs
  round(sum(total_cost.excl_vat), 0) as revenue
  minimum group size 10
output csv to "exports/finance.csv"
'''


def _diagnostics(text: str):
    return diagnose_source(SourceFile("test.ocx", text))


@pytest.mark.parametrize(("written", "meant"), [
    ("stop_date_time", "end_date_time"),     # the OCPI 2.1.1 name
    ("end_date_tim", "end_date_time"),       # a typo
    ("start_datetime", "start_date_time"),
    ("last_updated", "start_date_time"),     # no event time: the start
])
def test_the_window_on_help_names_the_time_meant(written: str, meant: str) -> None:
    [found] = _diagnostics(FINANCE.format(field=written))
    assert found.code == "OCX235"
    assert found.help == f"write `window on {meant}`"
    assert _diagnostics(FINANCE.format(field=meant)) == []


def test_a_spec_pinned_to_an_older_version_runs_on_the_demo(run_cli, tmp_path: Path) -> None:
    """The demo CPO offers every version: a spec pinning 2.2.1 gets 2.2.1 from it, not
    the newest version its plan has no normalizer for (OCX557)."""
    spec = tmp_path / "pinned.ocx"
    spec.write_text(FINANCE.format(field="end_date_time").replace(
        "token env OCPI_TOKEN", "token env OCPI_TOKEN version 2.2.1"))
    done = run_cli("run", str(spec), "--demo", "--demo-size", "300",
                   "--out", str(tmp_path / "out.csv"))
    assert done.exit_code == 0, done.stderr
    assert "OCPI 2.2.1" in done.stderr


def test_a_version_the_plan_was_not_made_for_is_shown_where_it_is_pinned(
        run_cli, tmp_path: Path) -> None:
    spec = tmp_path / "pinned.ocx"
    spec.write_text(FINANCE.format(field="end_date_time").replace(
        "token env OCPI_TOKEN", "token env OCPI_TOKEN version 2.2.1").replace(
        "from cdrs", "from cdrs\n  join locations on cdr_location.id"))
    done = run_cli("run", str(spec), "--demo", "--demo-version", "2.3.0", "--demo-size",
                   "300", "--out", str(tmp_path / "out.csv"))
    assert done.exit_code == 1
    assert "error[OCX557]" in done.stderr
    assert f"{spec}:6:1" in done.stderr and "^^^" in done.stderr
    assert "help: pin the version the platform speaks (`version 2.3.0`)" in done.stderr


ROWS = '''export rows
  consumer "Researchers"
  purpose "Study charging behaviour at public chargers"
  legal basis legitimate interests
  retention 1 year
  pseudonym key env K
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from {module}
  previous month
  {join}
select
  pseudonymize(id) as record
  {column} as value because "the study needs this value of each charge"
output ndjson to "exports/x.ndjson"
'''


def _applied(text: str, found) -> str:
    """The spec with the help's `write `...`` put where the caret is."""
    replacement = re.search(r"write `(.+?)`(?=,| for | \(|$)", found.help).group(1)
    span = found.primary_span
    return text[:span.start] + replacement + text[span.end:]


@pytest.mark.parametrize(("module", "join", "written", "meant"), [
    ("cdrs", "", "kwh", "total_energy"),
    ("cdrs", "", "location_id", "cdr_location.id"),
    ("cdrs", "", "evse_uid", "cdr_location.evse_uid"),          # was: `meter_id`?
    ("cdrs", "", "connector_id", "cdr_location.connector_id"),
    ("sessions", "", "total_energy", "kwh"),
    ("sessions", "", "session_id", "id"),
    ("sessions", "", "cdr_location.id", "location_id"),
    ("sessions", "join locations on location_id", "cdr_location.postal_code",
     "location.postal_code"),
    ("sessions", "join locations on location_id as site", "cdr_location.city", "site.city"),
    ("sessions", "", "total_time", "hours(start_date_time, end_date_time)"),  # was: total_cost?
])
def test_a_field_of_the_other_charge_record_gets_its_name_here(
        module: str, join: str, written: str, meant: str) -> None:
    text = ROWS.format(module=module, join=join, column=written)
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert found.code == "OCX104"
    assert f"`{meant}`" in found.help
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


def test_a_cdr_site_field_on_a_session_without_a_join_says_to_join() -> None:
    text = ROWS.format(module="sessions", join="", column="cdr_location.postal_code")
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert found.help == ("a session names its location by `location_id`: add "
                          "`join locations on location_id` and write `location.postal_code`")


def test_a_status_filter_on_cdrs_says_cdrs_have_none() -> None:
    text = ROWS.format(module="cdrs", join='where status = "COMPLETED"', column="total_energy")
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert found.code == "OCX104" and "a CDR has no status" in found.help


MONEY = '''export money
  consumer "Finance department"
  purpose "Monthly reconciliation of CDR revenue per currency"
  legal basis legal obligation "Book 2 BW"
  retention 7 years
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from {module}
  {clauses}
group by
  {key}
compute
  count() as records
  {measure} as amount
  minimum group size 10
output csv to "exports/finance.csv"
'''


@pytest.mark.parametrize(("module", "clauses", "key", "measure", "currency"), [
    ("cdrs", "previous month\n  window on end_date_time", "truncate(end_date_time, month) as month",
     "sum(total_cost.excl_vat)", "currency"),
    ("sessions", "previous month\n  window on start_date_time",
     "truncate(start_date_time, month) as month",
     "round(avg(total_cost.incl_vat), 2)", "currency"),
    ("tariffs", "each elements as element\n  each element.price_components as component",
     "component.type as dimension", "max(component.price)", "currency"),
    ("sessions", "previous month\n  join tariffs on charging_periods.tariff_id",
     "tariff.type as tariff_type",
     'avg(jmespath("tariff.elements[0].price_components[0].price"))', "tariff.currency"),
])
def test_an_amount_of_every_currency_in_one_figure_is_warned(
        module: str, clauses: str, key: str, measure: str, currency: str) -> None:
    text = MONEY.format(module=module, clauses=clauses, key=key, measure=measure)
    [found] = _diagnostics(text)
    assert found.code == "OCX238"
    assert found.help == (f"add `{currency}` to `group by`, or keep one currency with "
                          f"`where {currency} = \"EUR\"`")
    grouped = MONEY.format(module=module, clauses=clauses, key=f"{currency}\n  {key}",
                           measure=measure)
    assert _diagnostics(grouped) == []
    filtered = MONEY.format(module=module, clauses=f'{clauses}\n  where {currency} = "EUR"',
                            key=key, measure=measure)
    assert _diagnostics(filtered) == []


def test_energy_and_counts_are_in_no_currency() -> None:
    text = MONEY.format(module="cdrs", clauses="previous month\n  window on end_date_time",
                        key="truncate(end_date_time, month) as month",
                        measure="sum(total_energy)")
    assert _diagnostics(text) == []


HATCH = '''export hatch
  consumer "Researchers"
  purpose "Study charging infrastructure and energy"
  legal basis legitimate interests
  retention 1 year
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from {module}
  {clauses}
select
  id
  jmespath("{expression}") as value
output ndjson to "exports/x.ndjson"
'''


@pytest.mark.parametrize(("module", "clauses", "expression", "hop"), [
    ("locations", "", "length(parking_places.vehicle_types)", "parking_places"),
    ("locations", "", "energy_mix.environ_impact.amount", "environ_impact"),
    ("locations", "", "evses.connectors[0].standard", "evses"),
    ("locations", "", "evses[].connectors.standard", "connectors"),
    ("locations", "each evses as evse", "evse.connectors.max_voltage", "connectors"),
    ("tariffs", "", "elements[0].price_components.price", "price_components"),
])
def test_a_field_of_a_list_in_jmespath_is_refused_with_the_brackets(
        module: str, clauses: str, expression: str, hop: str) -> None:
    """JMESPath reads `list.field` as null on every record: a column that is always
    empty, or a function that fails at run time on every record."""
    text = HATCH.format(module=module, clauses=clauses, expression=expression)
    [found] = _diagnostics(text)
    assert found.code == "OCX211" and "is a list" in found.message
    every = found.help.split("`")[1]
    assert every.startswith(hop + "[].")
    fixed = text.replace(hop + ".", hop + "[].", 1)
    assert _diagnostics(fixed) == []


@pytest.mark.parametrize("expression", [
    "evses[].connectors[].standard", "evses[0].connectors[0].standard",
    "length(evses[?status=='AVAILABLE'])", "energy_mix.is_green_energy",
    "join(',', evses[].capabilities[])",
])
def test_lists_read_with_brackets_pass(expression: str) -> None:
    text = HATCH.format(module="locations", clauses="", expression=expression)
    assert _diagnostics(text) == []


@pytest.mark.parametrize(("module", "clauses", "column"), [
    ("locations", "", "energy_mix.environ_impact[0].amount as co2_g_per_kwh"),
    ("locations", "", "evses[0].uid as first_evse"),        # `[0]` reads as a list literal
    ("locations", "", "length(evses[?status=='AVAILABLE']) as available"),
    ("locations", "", "evses[0].connectors[0].standard as first_standard"),
])
def test_a_path_with_brackets_gets_the_escape_hatch(module: str, clauses: str,
                                                     column: str) -> None:
    text = HATCH.format(module=module, clauses=clauses, expression="id").replace(
        '  jmespath("id") as value', "  " + column)
    [found] = _diagnostics(text)
    assert found.code == "OCX001" and found.message == "a field path has no `[...]`"
    span = found.primary_span
    assert "[" in text[span.start:span.end]
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


@pytest.mark.parametrize(("column", "hatch"), [
    ("length(evses[?status=='AVAILABLE']) as available",
     "jmespath(\"length(evses[?status=='AVAILABLE'])\")"),
    ("length(jmespath(\"evses[?status=='AVAILABLE']\")) as available",
     "jmespath(\"length(evses[?status=='AVAILABLE'])\")"),
    ('join(",", evses[].capabilities[]) as caps',
     "jmespath(\"join(',', evses[].capabilities[])\")"),
])
def test_a_jmespath_function_written_as_the_language_s_gets_the_hatch(
        column: str, hatch: str) -> None:
    text = HATCH.format(module="locations", clauses="", expression="id").replace(
        '  jmespath("id") as value', "  " + column)
    [found] = _diagnostics(text)
    assert found.help == f"write `{hatch}`"
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


@pytest.mark.parametrize(("column", "hatch"), [
    ("facilities", "jmespath(\"join(',', facilities || `[]`)\") as facilities"),
    ("evses.capabilities as caps", "jmespath(\"join(',', evses[].capabilities[] || `[]`)\")"),
    ("parking_places.vehicle_types as vehicles",       # was: `jmespath("length(...)") as NAME`
     "jmespath(\"join(',', parking_places[].vehicle_types[] || `[]`)\")"),
    ("evses.images as pictures", None),               # a list of objects: counted
])
def test_a_list_column_gets_a_hatch_that_checks(column: str, hatch: str | None) -> None:
    text = HATCH.format(module="locations", clauses="", expression="id").replace(
        '  jmespath("id") as value', "  " + column)
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert found.code == "OCX209"
    if hatch is not None:
        assert f"write `{hatch}`" in found.help
    assert "NAME" not in found.help and "..." not in found.help
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


@pytest.mark.parametrize(("written", "fixed"), [
    ('output csv excel-NL to "exports/finance.csv"', "excel-nl"),
    ('output csv excel_nl to "exports/finance.csv"', "excel-nl"),   # was: must be quoted
    ('output csv Excel-De to "exports/finance.csv"', "excel-de"),
    ('output csv to "exports/finance.csv" delimiter ";" decimal comma',
     'output csv delimiter ";" decimal comma to "exports/finance.csv"'),
    ('output csv to "exports/finance.csv" excel-nl', 'output csv excel-nl to "exports/finance.csv"'),
    ('output csv delimiter ";" decimal "," to "exports/finance.csv"', "decimal comma"),
    ('output csv encoding "latin-1" to "exports/finance.csv"', "bom"),
    ('output csv separator ";" to "exports/finance.csv"', 'delimiter ";"'),
])
def test_a_csv_output_as_other_tools_write_it_gets_the_clause(written: str, fixed: str) -> None:
    text = FINANCE.format(field="end_date_time").replace(
        'output csv to "exports/finance.csv"', written)
    [found] = _diagnostics(text)
    assert found.code == "OCX001" and found.help == f"write `{fixed}`"
    assert _diagnostics(_applied(text, found)) == []


def test_a_header_option_is_removed() -> None:
    text = FINANCE.format(field="end_date_time").replace(
        'output csv to "exports/finance.csv"', 'output csv with header to "exports/finance.csv"')
    [found] = _diagnostics(text)
    assert found.help == "remove `with header`"
    span = found.primary_span
    assert _diagnostics(text[:span.start] + text[span.end:]) == []


@pytest.mark.parametrize(("unit", "finer", "count"), [
    ("semester", "quarter", "2 quarters"),
    ("fortnight", "week", "2 weeks"), ("decade", "year", "10 years"),
])
def test_truncate_to_a_unit_it_has_not_offers_the_unit_that_adds_up_to_it(
        unit: str, finer: str, count: str) -> None:
    """A statistics office's half-yearly file, `truncate(start_date_time, semester)`:
    the help named no unit at all (a spelling guess would have been `quarter_hour`); a
    quarter is a unit of `truncate` now (test_newcomer_round_fourteen.py)."""
    text = MONEY.format(module="sessions",
                        clauses="previous quarter\n  window on start_date_time",
                        key=f"currency\n  truncate(start_date_time, {unit}) as period",
                        measure="round(sum(kwh), 0)")
    [found] = _diagnostics(text)
    assert found.code == "OCX203"
    assert found.help.endswith(f"e.g. `{finer}`: a {unit} is {count}, so its rows add up "
                               f"to the {unit}")
    assert _diagnostics(text.replace(f", {unit})", f", {finer})")) == []


@pytest.mark.parametrize(("written", "old"), [
    ('cdr_token.contract_id because "the study follows each driver over a year" as driver',
     "pseudonymize(id) as record"),
    ("pseudonymize(id) as record -- one per session", "pseudonymize(id) as record"),
    ("pseudonymize(id) as record // one per session", "pseudonymize(id) as record"),
    ("-- the record's pseudonym\n  pseudonymize(id) as record", "pseudonymize(id) as record"),
])
def test_sql_and_c_habits_in_columns_get_the_language_s_form(written: str, old: str) -> None:
    text = ROWS.format(module="sessions", join="", column="kwh").replace(old, written)
    [found] = _diagnostics(text)
    assert found.code == "OCX001"
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


@pytest.mark.parametrize("name", ["review.pdf", "review.docx"])
def test_a_review_named_as_another_document_is_refused(run_cli, tmp_path: Path,
                                                       name: str) -> None:
    """`-o review.pdf` wrote Markdown into a file no PDF viewer opens."""
    done = run_cli("review", "specs/municipality_sessions.ocx", "-o", str(tmp_path / name))
    assert done.exit_code == 2 and "a review is written as HTML, Markdown or JSON" in done.stderr
    assert not (tmp_path / name).exists()
    done = run_cli("review", "specs/municipality_sessions.ocx", "-o",
                   str(tmp_path / "review.html"))
    assert done.exit_code == 0
    assert (tmp_path / "review.html").read_text().lstrip().lower().startswith("<!doctype html")


@pytest.mark.parametrize("kind", ["left", "LEFT OUTER", "right"])
def test_a_sql_join_kind_is_removed(kind: str) -> None:
    """`left join` was "unknown keyword `left`: write `select`"."""
    text = ROWS.format(module="sessions", join=f"{kind} join locations on location_id",
                       column="location.city")
    [found] = _diagnostics(text)
    assert found.code == "OCX014" and found.help.startswith(f"remove `{kind}`")
    span = found.primary_span
    assert [d.code for d in _diagnostics(text[:span.start] + text[span.end:])
            if d.is_error] == []


@pytest.mark.parametrize(("module", "join", "key"), [
    ("sessions", "join locations using location_id", None),
    ("sessions", "join locations", "location_id"),
    ("cdrs", "join locations", "cdr_location.id"),
    ("sessions", "join tariffs\n  join locations on location_id", "charging_periods.tariff_id"),
])
def test_a_join_without_its_key_gets_it(module: str, join: str, key: str | None) -> None:
    text = ROWS.format(module=module, join=join, column="location.city")
    [found] = _diagnostics(text)
    assert found.code == "OCX001"
    if key is not None:
        assert found.help.endswith(f" on {key}`")
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


def test_a_word_that_starts_with_a_keyword_is_reported_as_written() -> None:
    """After `previous month` no name may follow, so `inner` was lexed as the keyword
    `in` and `ner`: "`ner join locations on location_id` must be quoted"."""
    text = ROWS.format(module="sessions", join="inner join locations on location_id",
                       column="location.city")
    assert "previous month\n  inner join" in text
    [found] = _diagnostics(text)
    assert (found.code, found.help) == ("OCX014", "remove `inner`: write `join ...`")
    span = found.primary_span
    assert text[span.start:span.end].split() == ["inner"]


DSO = (REPO / "specs" / "dso_load_profile.ocx").read_text()


@pytest.mark.parametrize(("written", "meant"), [
    ("period.energy", "period.energy_kwh"), ("period.kwh", "period.energy_kwh"),
    ("period.energie", "period.energy_kwh"), ("period.durration", "period.duration"),
])
def test_a_charging_period_s_derived_field_is_suggested(written: str, meant: str) -> None:
    """A DSO's `spread period.energy ...` was told to list the fields with `ocpispec
    schema sessions`, which does not show the period's derived `energy_kwh`."""
    text = DSO.replace("sum(period.energy_kwh)", f"sum({written})")
    [found] = _diagnostics(text)
    assert (found.code, found.help) == ("OCX104", f"did you mean `{meant}`?")


def test_a_broken_spread_gives_no_unneeded_because_on_its_slot() -> None:
    """The slot's `because` was warned "needs no justification" (OCX307) while the
    spread had an error: removing it as told, the fixed spec needed it again."""
    text = DSO.replace("spread period.energy_kwh", "spread period.energy")
    assert [d.code for d in _diagnostics(text)] == ["OCX104"]


@pytest.mark.parametrize(("measure", "renamed"), [
    ("round(avg(total_parking_time), 2) as avg_idle_min", "avg_idle_hours"),
    ("round(sum(total_energy), 0) as energy_mwh", "energy_kwh"),
    ("round(avg(minutes(start_date_time, end_date_time)), 0) as avg_duration_h",
     "avg_duration_minutes"),
])
def test_a_column_named_for_another_unit_is_warned_with_the_right_name(
        measure: str, renamed: str) -> None:
    text = MONEY.format(module="cdrs", clauses="previous month\n  window on end_date_time",
                        key="currency", measure="count()").replace(
        "count() as amount", measure)
    [found] = _diagnostics(text)
    assert (found.code, found.help) == ("OCX239", f"name it for its unit: write `{renamed}`")
    assert _diagnostics(_applied(text, found)) == []


@pytest.mark.parametrize("measure", [
    "round(avg(total_parking_time) * 60, 0) as avg_idle_min",   # converted
    "round(avg(total_parking_time), 2) as avg_idle_hours",
    "max(total_energy) as peak_kw",                              # another kind of unit
])
def test_a_converted_or_rightly_named_column_is_not_warned(measure: str) -> None:
    text = MONEY.format(module="cdrs", clauses="previous month\n  window on end_date_time",
                        key="currency", measure="count()").replace(
        "count() as amount", measure)
    assert [d.code for d in _diagnostics(text) if d.code == "OCX239"] == []


@pytest.mark.parametrize(("written", "meant"), [
    ("2.2", "2.2.1"), ("2.2.0", "2.2.1"), ("2.1", "2.1.1"), ("v2.2.1", "2.2.1"),
    ('"2.3.0"', "2.3.0"), ("latest", "auto"),
])
def test_an_ocpi_version_as_people_write_it_gets_the_version(written: str,
                                                             meant: str) -> None:
    """`version v2.2.1` was told "write `version auto`" over the `v2` alone, which
    pasted gave `version version auto.2.1`."""
    text = FINANCE.format(field="end_date_time").replace(
        "token env OCPI_TOKEN", f"token env OCPI_TOKEN version {written}")
    [found] = _diagnostics(text)
    assert found.help.startswith(f"write `{meant}`")
    assert _diagnostics(_applied(text, found)) == []


@pytest.mark.parametrize(("old", "written", "fixed"), [
    ("from sessions", "FROM sessions", "from"),
    ("  previous month", "  previous month\n  WHERE kwh > 0 AND kwh < 100",
     "where kwh > 0 and"),
    ("  join locations on location_id", "  JOIN locations ON location_id",
     "join locations on"),
    ("select", "SELECT", "select"),
    ('output ndjson to', 'OUTPUT ndjson to', "output"),
    ("kwh as value", "kwh AS value", "as"),
])
def test_keywords_in_capitals_get_the_line_in_lower_case(old: str, written: str,
                                                         fixed: str) -> None:
    """A SQL user's `SELECT`, `WHERE ... AND`, `JOIN ... ON` got "expected one of ...,
    found name `SELECT`" with the generic help (`AS`: "write `round(kwh) as AS`")."""
    text = ROWS.format(module="sessions", join="join locations on location_id",
                       column="kwh").replace(old, written, 1)
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert found.code == "OCX008" and found.help == f"write `{fixed}`"
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


def test_a_capital_as_before_more_columns_is_one_error() -> None:
    """`round(kwh, 1) AS kwh` followed by another column: one OCX008, no internal
    error, and the column after it is checked as usual."""
    text = ROWS.format(module="sessions", join="", column="truncate(start_date_time, hour)")
    text = text.replace("  truncate(start_date_time, hour) as value",
                        "  round(kwh, 1) AS kwh\n  truncate(start_date_time, hour) as value")
    found = [d for d in _diagnostics(text) if d.is_error]
    assert [(d.code, d.help) for d in found] == [("OCX008", "write `as`")]
    assert [d.code for d in _diagnostics(_applied(text, found[0])) if d.is_error] == []


def test_a_field_named_without_as_after_a_computed_column_names_it() -> None:
    """`round(kwh, 1) kwh` said "this column needs a name" for the first and released
    `kwh` raw as a second column (OCX303); the field is the name it meant."""
    text = ROWS.format(module="sessions", join="", column="kwh").replace(
        "  kwh as value", "  round(kwh, 1) kwh\n  truncate(start_date_time, hour) as value")
    found = [d for d in _diagnostics(text) if d.is_error]
    assert [(d.code, d.help) for d in found] == [("OCX015", "write `round(kwh, 1) as kwh`")]
    assert [d.code for d in _diagnostics(_applied(text, found[0])) if d.is_error] == []


@pytest.mark.parametrize(("window", "iso"), [
    ("between 2025/10/01 and 2026-01-01", "2025-10-01"),
    ("since 2025-10-1", "2025-10-01"),
    ("since 01-10-2025", "2025-10-01"),          # day first, as Europe writes it
    ("between 2025-10-01 and 2026.01.01", "2026-01-01"),
])
def test_a_date_written_another_way_gets_its_iso_form(window: str, iso: str) -> None:
    text = ROWS.format(module="sessions", join="", column="kwh").replace(
        "previous month", window)
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert (found.code, found.help) == ("OCX001", f"write `{iso}`")
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


@pytest.mark.parametrize(("expression", "record"), [
    ("join(',', evses[].capabilities)", {"evses": [{"capabilities": ["RFID_READER"]}]}),
    ("sum(elements[].price_components[].step_size)",
     {"elements": [{"price_components": [{"step_size": [1]}]}]}),
])
def test_a_list_of_lists_is_told_to_flatten(expression: str, record: dict) -> None:
    """`join(',', evses[].capabilities)` failed every location with "write
    `to_string(x)`", which turns the list into one JSON text, not a joined one."""
    import jmespath
    from jmespath.exceptions import JMESPathTypeError

    from ocpispec.execute.expression_failures import reason, remedy

    with pytest.raises(JMESPathTypeError) as caught:
        jmespath.search(expression, record)
    fix = remedy([reason(caught.value)])
    assert "flatten it with `[]`" in fix and "to_string" not in fix
    head, _, tail = expression.rpartition(")")
    assert jmespath.search(head + "[]" + ")" + tail, record) is not None


@pytest.mark.parametrize(("written", "join", "column"), [
    ("from sessions, locations", "join locations on location_id", "location.city"),
    ("from cdrs and locations", "join locations on cdr_location.id", "location.city"),
    ("from sessions, cdrs", "join cdrs on id", "round(cdr.total_energy, 1)"),
])
def test_two_modules_in_one_from_get_the_join(written: str, join: str, column: str) -> None:
    module = written.split()[1].rstrip(",")
    text = ROWS.format(module=module, join="", column=column).replace(
        f"from {module}", written)
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert (found.code, found.help) == ("OCX001", f"write `from {module} {join}`")
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


@pytest.mark.parametrize(("old", "new", "name"), [
    ("token env OCPI_TOKEN", "token OCPI_TOKEN", "OCPI_TOKEN"),
    ("ocpi env OCPI_VERSIONS_URL", "ocpi OCPI_VERSIONS_URL", "OCPI_VERSIONS_URL"),
    ("pseudonym key env K", "pseudonym key K", "K"),
])
def test_a_secret_s_variable_without_env_gets_env_not_quotes(old: str, new: str,
                                                             name: str) -> None:
    """`pseudonym key TUD_KEY` was told to write `"TUD_KEY"`, a literal secret (OCX305)."""
    text = ROWS.format(module="sessions", join="", column="kwh").replace(old, new)
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert (found.code, found.help) == ("OCX001", f"write `env {name}`")
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


@pytest.mark.parametrize(("old", "new", "fixed"), [
    ("  count() as records", "  count as records", "count()"),
])
def test_words_of_the_language_written_as_fields_get_their_form(old: str, new: str,
                                                                fixed: str) -> None:
    """`count as cdrs` and `minimum_group_size 10` were unknown fields with "list the
    fields with `ocpispec schema cdrs`"."""
    text = MONEY.format(module="cdrs", clauses="previous month\n  window on end_date_time",
                        key="currency", measure="round(sum(total_energy), 0)").replace(old, new)
    found = [d for d in _diagnostics(text) if d.is_error][0]  # (`10`: a column of its own)
    assert found.code == "OCX104" and found.help.endswith(f"write `{fixed}`")
    assert _diagnostics(_applied(text, found)) == []


@pytest.mark.parametrize("written", ["minimum_group_size 10", "min size 10",
                                     "min_group_size = 10", "minimum group 10"])
def test_the_group_size_rule_in_other_words_is_one_error_on_its_line(written: str) -> None:
    """`min size 10` parsed as three columns: "write `min as size`" (OCX015), an unnamed
    column `10` and a missing minimum group size (OCX319)."""
    text = MONEY.format(module="cdrs", clauses="previous month\n  window on end_date_time",
                        key="currency", measure="round(sum(total_energy), 0)").replace(
        "minimum group size 10", written)
    [found] = _diagnostics(text)
    assert (found.code, found.help) == ("OCX001", "write `minimum group size 10`")
    assert text[found.primary_span.start:found.primary_span.end] == written
    assert _diagnostics(_applied(text, found)) == []


@pytest.mark.parametrize(("condition", "fixed"), [
    ('status is "COMPLETED"', "="), ('status is not "COMPLETED"', "!="), ("kwh is 0", "="),
])
def test_is_with_a_value_gets_the_comparison(condition: str, fixed: str) -> None:
    text = ROWS.format(module="sessions", join=f"where {condition}", column="kwh")
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert (found.code, found.help) == ("OCX001", f"write `{fixed}`")
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


@pytest.mark.parametrize(("condition", "number"), [("kwh > 0.5kWh", "0.5"), ("kwh >= 5kwh", "5")])
def test_a_number_with_a_unit_gets_the_bare_number(condition: str, number: str) -> None:
    text = ROWS.format(module="sessions", join=f"where {condition}", column="kwh")
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert (found.code, found.help) == ("OCX001", f"write `{number}`")
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


@pytest.mark.parametrize("column", [
    "round(kwh 1) as value", "round(kwh, 1 as value",
    "round(minutes(start_date_time, end_date_time) as value",
    "prefix(location.postal_code 4) as value",
])
def test_a_call_missing_a_comma_or_its_paren_gets_it(column: str) -> None:
    text = ROWS.format(module="sessions", join="join locations on location_id",
                       column=column.removesuffix(" as value")).replace(
        f"{column.removesuffix(' as value')} as value", column)
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert found.code == "OCX001" and found.help.startswith("write `")
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


@pytest.mark.parametrize("after", ["", "\nschedule daily at 06:00\n"])
def test_a_destination_without_to_gets_to(after: str) -> None:
    """`output csv "exports/x.csv"` read the path as a template name, and the help
    offered `to "exports/{export}-{run.date}.csv"`, not the user's own path."""
    text = ROWS.format(module="sessions", join="", column="kwh").replace(
        'output ndjson to "exports/x.ndjson"', 'output ndjson "exports/x.ndjson"') + after
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert found.help == 'write `to "exports/x.ndjson"`'
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


def test_the_review_names_the_files_that_leave_beside_the_output(run_cli, tmp_path: Path) -> None:
    """The officer signs what the consumer receives: the manifest and the data package go
    with every file output, so the review's destination says so (and a run writes them)."""
    review = run_cli("review", "specs/open_data_locations.ocx", "--format", "json")
    [dataset] = __import__("json").loads(review.stdout)["datasets"]
    destination = str(dataset["flow"])
    assert ".manifest.json" in destination and ".datapackage.json" in destination
    out = tmp_path / "x.geojson"
    done = run_cli("run", "specs/open_data_locations.ocx", "--demo", "--demo-size", "200",
                   "--out", str(out))
    assert done.exit_code == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("x.")) == [
        "x.geojson", "x.geojson.datapackage.json", "x.geojson.manifest.json"]


@pytest.mark.parametrize("window", ["since last_run", "since last-run"])
def test_since_last_run_written_as_one_word_gets_the_window(window: str) -> None:
    """`since last_run` marked `_run` alone, so `since last run` pasted over it gave
    `since lastsince last run`."""
    text = ROWS.format(module="sessions", join="", column="kwh").replace(
        "previous month", window)
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert found.help == "write `since last run`"
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


@pytest.mark.parametrize(("old", "new", "number"), [
    ("retention 1 year", "retention one year", "1"),
    ("previous month", "last seven days", "7"),
])
def test_a_number_in_words_gets_its_digits(old: str, new: str, number: str) -> None:
    text = ROWS.format(module="sessions", join="", column="kwh").replace(old, new)
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert (found.code, found.help) == ("OCX001", f"write `{number}`")
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


@pytest.mark.parametrize(("old", "new", "fixed"), [
    ("previous month", "since lastrun", "last run"),
    ("previous month", "sincelast run", "since last"),
    ("previous month", "monthto date", "month to"),
    ("select", "selectkwh", "select kwh"),
    ("from sessions", "fromsessions", "from sessions"),
    ("legal basis", "legalbasis", "legal basis"),
    ("previous month", "previousmonth", "previous month"),  # `month`: a keyword elsewhere
    ("previous month", "previous month\n  joinlocations on location_id", "join locations"),
    ('"exports/x.ndjson"', '"exports/x.ndjson"\nschedule daily at06:00', "at 06"),
])
def test_a_keyword_run_together_with_the_next_word_is_split(old: str, new: str,
                                                            fixed: str) -> None:
    """`since lastrun` checked clean as `since last run`, and `fromsessions` as
    `from sessions`: a keyword was matched at the start of a longer word."""
    text = ROWS.format(module="sessions", join="", column="kwh").replace(old, new, 1)
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert (found.code, found.help) == ("OCX008", f"write `{fixed}`")
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


@pytest.mark.parametrize(("old", "new", "fixed"), [
    ("group by", "groupby", "group by"),
    ("group by\n  currency", "group bycurrency", "by currency"),
])
def test_group_by_run_together_is_split(old: str, new: str, fixed: str) -> None:
    text = MONEY.format(module="cdrs", clauses="previous month\n  window on end_date_time",
                        key="currency", measure="round(sum(total_energy), 0)").replace(old, new)
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert (found.code, found.help) == ("OCX008", f"write `{fixed}`")
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


@pytest.mark.parametrize(("old", "new", "fixed"), [
    ("previous month", "last 3 month", "last 3 months"),
    ("previous month", "last 7 day", "last 7 days"),
    ("retention 1 year", "retention 36 month", "retention 36 months"),
    ("retention 1 year", "retention 2 yrs", "retention 2 years"),
    ("legal basis legitimate interests", "legal basis legitimate interest",
     "legal basis legitimate interests"),
    ("export rows", "export uni-histories", "export uni_histories"),
])
def test_a_help_that_restates_the_clause_covers_it(old: str, new: str, fixed: str) -> None:
    """`last 3 month` marked `month` with "write `last 3 months`": pasted over the
    caret, it gave `last 3 last 3 months`."""
    text = ROWS.format(module="sessions", join="", column="kwh").replace(old, new, 1)
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert found.help.startswith(f"write `{fixed}`")
    span = found.primary_span
    assert text[span.start:span.end] == new.strip()
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


@pytest.mark.parametrize("schedule", [
    "schedule daily 06:00", "schedule daily at 6:00", "schedule every day at 06:00",
    "schedule monthly on 1 at 06:00", "schedule monthly day 1 at 06:00",
    "schedule every 2 hour", "schedule every week",
])
def test_a_schedule_help_pasted_over_the_caret_checks(schedule: str) -> None:
    text = ROWS.format(module="sessions", join="", column="kwh") + schedule + "\n"
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert found.help.startswith("write `")
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


def test_a_number_in_words_before_complete_gets_its_digits() -> None:
    """`previous two complete months` read `two` as the period and stopped at `complete`
    with the generic help."""
    text = ROWS.format(module="sessions", join="", column="kwh").replace(
        "previous month", "previous two complete months")
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert (found.code, found.help) == ("OCX001", "write `2`")
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


@pytest.mark.parametrize("column", ["bucket(kwh [5, 10])", "bucket(kwh [5 , 10])"])
def test_a_list_argument_without_its_comma_gets_it(column: str) -> None:
    text = ROWS.format(module="sessions", join="", column=column)
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert found.code == "OCX001" and found.help.startswith("write `")
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


@pytest.mark.parametrize("written", [
    "min group size 10", "minimum size 10", "group size 10", "minimum group size of 10",
    # what is counted, said after the number: before, `drivers` started a rule and the
    # parser stopped at the next line's `output` with 'expected `counts`'
    "minimum group size 10 drivers", "minimum group size 10 distinct drivers",
    "min group size of 10 sessions",
])
def test_the_minimum_group_size_in_other_words_gets_the_rule(written: str) -> None:
    text = MONEY.format(module="cdrs", clauses="previous month\n  window on end_date_time",
                        key="currency", measure="round(sum(total_energy), 0)").replace(
        "minimum group size 10", written)
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert (found.code, found.help) == ("OCX001", "write `minimum group size 10`")
    assert "fewer than N distinct drivers" in found.notes[0]
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


@pytest.mark.parametrize("output", ["outputndjson", "outputcsv"])
def test_output_run_together_with_its_format_is_split(output: str) -> None:
    """`outputcsv to "x"` was a column named `outputcsv`, and the help on `to` pasted
    over its caret gave `outputcsv output csv to "x"`."""
    text = ROWS.format(module="sessions", join="", column="kwh").replace(
        'output ndjson to "exports/x.ndjson"', f'{output} to "exports/x.{output[6:]}"')
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert found.code == "OCX008" and found.help.startswith(f"write `output {output[6:]} to ")
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


def test_a_list_in_parentheses_is_covered_by_the_caret() -> None:
    """The caret was `(`: pasting `in ["A", "B"]` over it kept `"A", "B")` after it."""
    text = ROWS.format(module="sessions", join='where status in ("COMPLETED", "ACTIVE")',
                       column="kwh")
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert found.help == 'write `in ["COMPLETED", "ACTIVE"]`'
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


@pytest.mark.parametrize(("condition", "fixed"), [
    ("end_date_time = null", "end_date_time is null"),
    ("end_date_time != null", "end_date_time is not null"),
])
def test_a_comparison_with_null_gets_the_test_it_means(condition: str, fixed: str) -> None:
    """The caret was `null` with "write `is null` or `is not null`": pasted, it gave
    `end_date_time = is null`."""
    text = ROWS.format(module="sessions", join=f"where {condition}", column="kwh")
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert (found.code, found.help) == ("OCX204", f"write `{fixed}`")
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


def test_a_field_s_whole_path_in_the_help_covers_the_path() -> None:
    """`location.evse.power` marked `power` with "write
    `location.connector.max_electric_power`": pasted, the path doubled."""
    text = ROWS.format(module="sessions", join="join locations on location_id",
                       column="location.evse.power")
    [found] = [d for d in _diagnostics(text) if d.is_error and d.code == "OCX104"]
    assert found.help.endswith("write `location.connector.max_electric_power`")
    span = found.primary_span
    assert text[span.start:span.end] == "location.evse.power"
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


@pytest.mark.parametrize(("written", "fixed"), [
    ("left(cdr_location.postal_code, 2)", "prefix(cdr_location.postal_code, 2)"),
    ("substr(cdr_location.postal_code, 1, 2)", "prefix(cdr_location.postal_code, 2)"),
    ("substring(cdr_location.postal_code, 0, 3)", "prefix(cdr_location.postal_code, 3)"),
])
def test_the_first_characters_in_sql_get_as_many_in_prefix(written: str, fixed: str) -> None:
    """A statistics office's postal district as SQL writes it (`left(postal_code, 2)`)
    got 'write `prefix(cdr_location.postal_code, 4)`': pasted, four digits, areas
    instead of the districts it asked for. The help keeps the length written."""
    text = MONEY.format(module="cdrs", clauses="previous month\n  window on end_date_time",
                        key=f"{written} as district", measure="round(sum(total_energy), 0)")
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert (found.code, found.help) == ("OCX107", f"write `{fixed}`")
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


def test_sql_s_count_of_a_constant_is_the_records() -> None:
    """`count(1)` (SQL's count of the records) got 'write `count()`, ..., or `count(distinct
    1)`, the number of different values': a count of one value, always 1."""
    text = MONEY.format(module="cdrs", clauses="previous month\n  window on end_date_time",
                        key="currency", measure="round(sum(total_energy), 0)").replace(
        "count() as records", "count(1) as records")
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert (found.code, found.help) == ("OCX202", "write `count()`, the number of records")
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


@pytest.mark.parametrize(("written", "fixed", "said"), [
    ("yearly on january 2 at 06:00", 'cron "0 6 2 1 *"', "on 2 January at 06:00 UTC"),
    ("annually on 15 march at 07:30", 'cron "30 7 15 3 *"', "on 15 March at 07:30 UTC"),
    ("quarterly on day 15 at 05:00", 'cron "0 5 15 1,4,7,10 *"',
     "on day 15 of each quarter at 05:00 UTC"),
    ("quarterly at 05:30", 'cron "30 5 1 1,4,7,10 *"',
     "on the first day of each quarter at 05:30 UTC"),
])
def test_a_yearly_schedule_keeps_its_day_and_its_help_pastes(written: str, fixed: str,
                                                             said: str) -> None:
    """A statistics office's `schedule yearly on january 2 at 06:00` got 'write `cron "0 6
    1 1 *"`: on 1 January', another day, and the caret on `yearly` alone: pasted, the
    help left `on january 2 at 06:00` behind it, a syntax error. The help keeps the day
    written and the caret covers the clause."""
    text = ROWS.format(module="sessions", join="", column="round(kwh, 1)") + \
        f"schedule {written}\n"
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert (found.code, found.help) == ("OCX001", f"write `{fixed}`: {said}")
    span = found.primary_span
    pasted = text[:span.start] + fixed + text[span.end:]
    assert [d.code for d in _diagnostics(pasted) if d.is_error] == []


@pytest.mark.parametrize("option", ['na "NA"', 'na_rep ""', 'null "\\\\N"'])
def test_a_marker_for_missing_values_is_named(option: str, snapshot) -> None:
    """An R user's `output csv na "NA" to ...` got '`na` must be quoted: write `"na"`',
    which pasted is another error; pandas' `na_rep ""` the same. The option is named as
    no CSV option, with what a missing value is in the file and how readers take it."""
    text = ROWS.format(module="sessions", join="", column="round(kwh, 1)").replace(
        "output ndjson to", f"output csv {option} to").replace(".ndjson", ".csv")
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert (found.code, found.message, found.notes, found.help) == snapshot
    span = found.primary_span
    assert [d.code for d in _diagnostics(text[:span.start] + text[span.end:])
            if d.is_error] == []


@pytest.mark.parametrize("join", ["  join locations on cdr_location.id\n", ""])
def test_an_operator_through_the_join_gets_its_name(join: str) -> None:
    """A journalist's CDR totals per `operator` got 'write `location.operator`': pasted,
    OCX209, since the operator is a whole `BusinessDetails` object. The help writes
    its `name`, a value a column can hold."""
    text = MONEY.format(module="cdrs", clauses="previous month\n  window on end_date_time\n"
                        + join, key="operator", measure="round(sum(total_energy), 0)")
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert found.code == "OCX104" and "`location.operator.name`" in found.help
    if join:
        assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


@pytest.mark.parametrize(("written", "fixed"), [
    ("extract(year from end_date_time)", "truncate(end_date_time, year)"),
    ("EXTRACT(hour FROM end_date_time)", "hour_of_day(end_date_time)"),
    ("extract(dow from end_date_time)", "weekday(end_date_time)"),
])
def test_sql_s_extract_gets_the_call_the_language_has(written: str, fixed: str) -> None:
    """A journalist's `extract(year from end_date_time) as year` got '`group by` needs
    `compute`' with the caret on `year from`: the `from` inside the call stopped the
    parser. It is named as SQL, with the call to write."""
    text = MONEY.format(module="cdrs", clauses="previous month\n  window on end_date_time",
                        key=f"{written} as period", measure="round(sum(total_energy), 0)")
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert (found.code, found.help) == ("OCX001", f"write `{fixed}`")
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


@pytest.mark.parametrize(("written", "fixed"), [
    ("order by count() desc", "order by records desc"),
    ("order by count()", "order by records"),
    ("ORDER BY count() DESC", "order by records desc"),
])
def test_an_order_by_a_measure_gets_the_column_that_computes_it(written: str,
                                                                fixed: str) -> None:
    """A journalist's `order by count() desc` just before `output` got '`order by` is
    not allowed here: move it to just before `output`', where it stood. The help names
    the column that computes the measure."""
    text = MONEY.format(module="cdrs", clauses="previous month\n  window on end_date_time",
                        key="currency", measure="round(sum(total_energy), 0)").replace(
        "output csv", f"{written}\noutput csv")
    found = [d for d in _diagnostics(text) if d.is_error]
    if written.startswith("ORDER"):  # the keyword in upper case is told first
        text = text.replace(written, written.lower())
        found = [d for d in _diagnostics(text) if d.is_error]
    [found] = found
    assert (found.code, found.help) == ("OCX001", f"write `{fixed}`")
    assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


def test_a_column_s_name_read_by_another_column_gets_what_it_computes() -> None:
    """A statistician's `records / count(distinct cdr_location.id) as per_site` reused
    the name of `count() as records`, as SQL lets a query do, and got 'unknown field
    `records`: list the fields with `ocpispec schema cdrs`'. The help says it names a
    column and writes what that column computes."""
    text = MONEY.format(module="cdrs", clauses="previous month\n  window on end_date_time",
                        key="currency", measure="round(sum(total_energy), 0)").replace(
        "  minimum group size", "  records / count(distinct cdr_location.id) as per_site\n"
                                "  minimum group size")
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert (found.code, found.help) == ("OCX104", "`records` names a column, which another "
                                        "column cannot read: write what it computes, "
                                        "`count()`")
    span = found.primary_span
    fixed = text[:span.start] + "count()" + text[span.end:]
    assert [d.code for d in _diagnostics(fixed) if d.is_error] == []


def test_a_second_destination_is_named(snapshot) -> None:
    """`output csv to "exports/x-{run.date}.csv", "exports/latest.csv"` (a dated file
    and the latest one) got 'expected one of `from` or `schedule`, found `,`' and the
    generic help. It is named, and its removal checks clean."""
    text = MONEY.format(module="cdrs", clauses="previous month\n  window on end_date_time",
                        key="currency", measure="round(sum(total_energy), 0)").replace(
        'to "exports/finance.csv"', 'to "exports/finance-{run.date}.csv", "exports/latest.csv"')
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert (found.code, found.message, found.notes, found.help) == snapshot
    span = found.primary_span
    assert [d.code for d in _diagnostics(text[:span.start] + text[span.end:])
            if d.is_error] == []


@pytest.mark.parametrize("join", ["  join locations on cdr_location.id\n", ""])
def test_a_field_of_the_location_on_the_cdr_s_site_reads_the_join(join: str) -> None:
    """A journalist's `cdr_location.operator.name` (the CDR's copy of its site has no
    operator) got 'list the fields with `ocpispec schema cdrs`'. The help reads it
    from the location, with the join when the spec has none."""
    text = MONEY.format(module="cdrs", clauses="previous month\n  window on end_date_time\n"
                        + join, key="cdr_location.operator.name as operator",
                        measure="round(sum(total_energy), 0)")
    [found] = [d for d in _diagnostics(text) if d.is_error]
    assert found.code == "OCX104" and found.help.endswith("`location.operator.name`")
    span = found.primary_span
    assert text[span.start:span.end] == "cdr_location.operator.name"
    if join:
        assert [d.code for d in _diagnostics(_applied(text, found)) if d.is_error] == []


@pytest.mark.parametrize("utc", ["truncate(end_date_time, day)", "weekday(end_date_time)"])
def test_a_utc_day_beside_a_local_hour_is_warned(utc: str) -> None:
    """A city's sessions per day and local hour (`truncate(end_date_time, day)` beside
    `hour_of_day(end_date_time, "Europe/Amsterdam")`, a rolling window) checked clean:
    the local hours 0 and 1 were labelled with the UTC day before. OCX236 names the two
    clocks, and its help, pasted, checks clean."""
    text = MONEY.format(module="cdrs", clauses="last 30 days",
                        key=f'{utc} as day\n  hour_of_day(end_date_time, "Europe/Amsterdam") '
                            "as hour", measure="round(sum(total_energy), 0)")
    [found] = [d for d in _diagnostics(text) if d.code == "OCX236"]
    fixed = re.search(r"`(.+?)` \(or", found.help).group(1)
    assert fixed == f'{utc[:-1]}, "Europe/Amsterdam")'
    span = found.primary_span
    pasted = text[:span.start] + fixed + text[span.end:]
    assert [d.code for d in _diagnostics(pasted) if d.code == "OCX236" or d.is_error] == []
