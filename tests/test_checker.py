"""The check stage: resolution, typing and the CheckedSpec contract."""

from __future__ import annotations

import pytest
from frontend_helpers import HEADER, check_text, codes_of, diagnose_source, only

from ocpispec.check.checker import check
from ocpispec.diagnostics import CompileError, Severity
from ocpispec.language.functions import Effect
from ocpispec.language.parser import parse
from ocpispec.schema.model import Kind, PrivacyClass
from ocpispec.diagnostics.source import SourceFile

SESSIONS = "from sessions\n  join locations on location_id\nselect\n{columns}output csv to stdout\n"


def select(*columns: str, module: str = "sessions", clauses: str = "") -> str:
    lines = "".join(f"  {c}\n" for c in columns)
    return f"from {module}\n{clauses}select\n{lines}output ndjson to stdout\n"


# ---- the "done when" ----------------------------------------------------------


def test_misspelled_field_gets_a_caret_and_a_suggestion() -> None:
    found = only(select("round(kwhh, 1) as energy"))
    assert (found.code, found.message) == ("OCX104", "unknown field `kwhh` in `Session`")
    assert found.help == "did you mean `kwh`?"


def test_old_version_name_gets_a_rename_hint() -> None:
    found = only(select("truncate(start_datetime, hour) as started"))
    assert found.code == "OCX105"
    assert found.help == "use `start_date_time`, which works on every OCPI version"
    assert any("2.1.1" in note for note in found.notes)


def test_version_neutral_name_just_works_on_every_version() -> None:
    for version in ("2.1.1", "2.2.1", "2.3.0", "auto"):
        header = HEADER.replace("source profile demo", f"source profile demo version {version}")
        checked = check_text(select("truncate(start_date_time, hour) as started",
                                    "pseudonymize(cdr_token.contract_id) as driver"), header)
        assert checked.warnings == ()


def test_raw_card_uid_is_refused_with_the_rewrite() -> None:
    found = only(select("cdr_token.uid as card", module="cdrs"))
    assert found.code == "OCX301" and found.severity is Severity.ERROR
    assert "`pseudonymize(cdr_token.uid) as card`" in found.help


# ---- CheckedSpec contents ---------------------------------------------------------------


def test_checked_dataset_carries_bindings_joins_and_fields() -> None:
    checked = check_text(SESSIONS.format(columns="  location.evse.status\n"
                                                 "  prefix(location.postal_code, 4) as area\n"))
    dataset = checked.datasets[0]
    assert [b.name for b in dataset.bindings] == ["", "location", "location.evse",
                                                  "location.connector"]
    join = dataset.joins[0]
    assert (join.module, join.alias, join.remote_key) == ("locations", "location", ("id",))
    assert join.local_key.qualified == "location_id"
    status = dataset.columns[0].sources[0]
    assert (status.binding, status.path, status.module) == ("location.evse", ("status",),
                                                             "locations")
    assert status.field.kind is Kind.ENUM
    assert {ref.dotted for ref in dataset.fields} == {"location_id", "location.evse.status",
                                                      "location.postal_code"}
    assert dataset.output_name == "stdout" and not dataset.include_private


def test_columns_are_classified() -> None:
    checked = check_text(select("pseudonymize(id) as session", "round(kwh, 1) as energy",
                                "constant(\"NL\") as country", "status"))
    columns = {c.name: c for c in checked.datasets[0].columns}
    assert (columns["session"].effect, columns["session"].privacy,
            columns["session"].released_as) == (Effect.PSEUDONYMISE, PrivacyClass.PERSONAL,
                                                PrivacyClass.PUBLIC)
    assert (columns["energy"].effect, columns["energy"].released_as) == \
        (Effect.GENERALISE, PrivacyClass.QUASI)
    assert (columns["country"].effect, columns["country"].kind, columns["country"].sources) == \
        (Effect.CONSTANT, Kind.STRING, ())
    assert columns["status"].effect is Effect.RAW and columns["status"].kind is Kind.ENUM


def test_jmespath_touches_are_resolved_and_recorded() -> None:
    checked = check_text(select('jmespath("length(charging_periods[].dimensions[])") as n',
                                'jmespath("max(charging_periods[].dimensions[].volume)") as v'))
    dataset = checked.datasets[0]
    touched = [f.qualified for f in dataset.touched]
    assert touched == ["charging_periods.dimensions", "charging_periods.dimensions.volume"]
    assert dataset.fields == {}
    synthetic = dataset.columns[1].sources[0].ref
    assert synthetic.path == ("charging_periods", "dimensions", "volume")


def test_jmespath_follows_a_path_of_more_than_two_segments() -> None:
    """jmespath parses `a.b.c` as one subexpression of three children; the walk read the
    first two only, so `location.evse.status` was the whole EVSE (OCX209) and a third
    segment went unchecked."""
    checked = check_text(SESSIONS.format(columns=(
        '  jmespath("location.evse.status") as status\n'
        '  jmespath("join(\',\', location.evse.capabilities || `[]`)") as caps\n'
        '  jmespath("location.evse.connectors[0].standard") as standard\n')))
    touched = {f"{f.binding}.{'.'.join(f.path)}" for f in checked.datasets[0].touched}
    assert touched == {".location_id", "location.evse.status", "location.evse.capabilities",
                       "location.evse.connectors.standard"}
    assert codes_of(select('jmespath("location.evse.statuss") as s',
                           clauses="  join locations on location_id\n")) == ["OCX104"]
    assert codes_of(select('jmespath("cdr.cdr_token.uid") as card',
                           clauses="  join cdrs on id\n")) == ["OCX301"]


def test_the_length_of_a_list_with_a_default_reveals_only_its_shape() -> None:
    """`length(x || `[]`)`, the form the run's help offers for a record without `x`,
    read `x` whole (OCX303 on `charging_periods`); `length(x)` reads only its shape."""
    for expression in ("length(charging_periods)", "length(charging_periods || `[]`)"):
        checked = check_text(select(f'jmespath("{expression}") as periods'))
        assert checked.warnings == (), expression
    assert codes_of(select('jmespath("max(charging_periods[].dimensions[].volume || `[]`)") '
                           'as k')) == ["OCX303"]  # a value, not a shape
    assert codes_of(select('jmespath("length(cdr_token.uid || `x`)") as n')) == ["OCX301"]


def test_jmespath_fields_are_checked_like_everything_else() -> None:
    assert codes_of(select('jmespath("length(evses[?statuss==\'AVAILABLE\'])") as n',
                           module="locations")) == ["OCX104"]
    assert codes_of(select('jmespath("sort_by(evses, &uid)[0].uid") as first',
                           module="locations")) == []
    assert codes_of(select('jmespath("truncate(kwh)") as k')) == ["OCX211"]
    assert codes_of(select('jmespath("@") as everything')) == ["OCX211"]
    assert codes_of(select('jmespath("signed_data.url") as url', module="cdrs")) == ["OCX302"]


def test_whole_object_read_in_jmespath_exposes_its_fields() -> None:
    found = only(select('jmespath("to_string(cdr_token)") as token'))
    assert found.code == "OCX301"


def test_warnings_are_returned_on_success() -> None:
    checked = check_text(select("start_date_time"))
    assert [w.code for w in checked.warnings] == ["OCX303"]


def test_problems_are_collected_and_sorted_by_position() -> None:
    with pytest.raises(CompileError) as caught:
        check_text(select("kwhh", "truncate(kwh, hour) as x", "cdr_token.uid as card"))
    assert [d.code for d in caught.value.diagnostics] == ["OCX104", "OCX201", "OCX301"]


def test_errors_are_capped() -> None:
    columns = [f"nope_{i}" for i in range(8)]
    spec = parse(SourceFile("t.ocx", HEADER + select(*columns)))
    with pytest.raises(CompileError) as caught:
        check(spec, SourceFile("t.ocx", HEADER + select(*columns)), max_errors=3)
    diagnostics = caught.value.diagnostics
    assert len(diagnostics) == 3
    assert diagnostics[-1].notes[-1] == "stopped after 3 errors; fix these and check again"


# ---- names, joins, versions -------------------------------------------------------------


def test_join_alias_and_bad_keys() -> None:
    checked = check_text("from cdrs\n  join locations on cdr_location.id as site\n"
                         "select site.city\noutput csv to stdout\n")
    assert checked.datasets[0].columns[0].sources[0].binding == "site"
    assert codes_of("from sessions\n  join locations on evse_uid\nselect id as x\n"
                    "output csv to stdout\n") == ["OCX206", "OCX301"]
    assert codes_of("from sessions\n  join locatons on location_id\nselect kwh\n"
                    "output csv to stdout\n") == ["OCX101", "OCX303"]


AGGREGATE_TAIL = "compute sum(period.energy_kwh) as e\n  minimum group size 10\noutput csv to stdout\n"


@pytest.mark.parametrize(("body", "code"), [
    ("from sessions\n  join locations on evse_uid\nselect location.city\n  location.evse.status\n"
     "output csv to stdout\n", "OCX206"),
    ("from sessions\n  join locations on evse_uid as site\nwhere site.city = \"Utrecht\"\n"
     "select site.city\noutput csv to stdout\n", "OCX206"),
    ("from cdrs\n  join tariffs on tariff_id\nselect tariff.currency\noutput csv to stdout\n",
     "OCX206"),
    ("from tokens\n  join locations on uid\nselect location.city\noutput csv to stdout\n",
     "OCX102"),
    ("from sessions\n  each periods as period\ngroup by period.start_date_time as start\n"
     + AGGREGATE_TAIL, "OCX222"),
    ("from sessions\n  each charging_periods as period\n"
     "  spread period.energy_kwh over minute in utc as slot\ngroup by slot\n" + AGGREGATE_TAIL,
     "OCX224"),
    ("from sessions\n  each charging_periods as period\n"
     "  spread period.energy_kwh over hour as slot\ngroup by slot\n" + AGGREGATE_TAIL, "OCX225"),
])
def test_a_failed_join_each_or_spread_is_reported_once(body: str, code: str) -> None:
    """The columns reading a join, `each` or `spread` name that failed its own check are
    not reported again as unknown fields ("join the locations first" after a join)."""
    assert codes_of(body) == [code]


def test_join_alias_may_not_hide_a_field() -> None:
    found = only("from cdrs\n  join tariffs on tariffs.id as tariffs\nselect currency\n"
                 "output csv to stdout\n")
    assert (found.code, found.message) == (
        "OCX215", "the join name `tariffs` hides the field `tariffs` of `CDR`")


def test_pinned_version_warns_about_missing_fields_once() -> None:
    header = HEADER.replace("source profile demo", "source profile demo version 2.1.1")
    checked = check_text(select("country_code", "pseudonymize(session_id) as s",
                                module="cdrs"), header)
    assert [(w.code, w.message) for w in checked.warnings] == [
        ("OCX106", "`country_code` is always null on OCPI 2.1.1"),
        ("OCX106", "`session_id` is always null on OCPI 2.1.1")]


def test_scalar_through_field_is_reported() -> None:
    found = only(select("kwh.value"))
    assert found.code == "OCX104" and "`kwh` is a number" in found.labels[0].message


def test_whole_join_binding_is_not_a_column() -> None:
    found = only(SESSIONS.format(columns="  location\n"))
    assert found.code == "OCX209"


# ---- types ------------------------------------------------------------------------------


@pytest.mark.parametrize("column, code", [
    ("round(start_date_time, 1) as x", "OCX201"),
    ("prefix(kwh, 2) as x", "OCX201"),
    ("round(kwh, 1.5) as x", "OCX203"),
    ("prefix(currency, 0) as x", "OCX203"),
    ("truncate(start_date_time, hours) as x", "OCX203"),
    ("bucket(kwh, []) as x", "OCX203"),
    ("constant(kwh) as x", "OCX203"),
    ("round(kwh, 1, 2) as x", "OCX202"),
    ("count() as n", "OCX210"),
    ("status * 2 as x", "OCX214"),
    ("rounded(kwh) as x", "OCX107"),
    ("charging_periods", "OCX209"),
])
def test_type_errors(column, code) -> None:
    assert codes_of(select(column)) == [code]


@pytest.mark.parametrize("where, code", [
    ('kwh > "5"', "OCX204"),
    ("status > 3", "OCX204"),
    ('kwh matches "1*"', "OCX204"),
    ('status in ["COMPLETED", "DONE"]', "OCX205"),
    ("start_date_time > 2026-02-30", "OCX213"),
    ("charging_periods.tariff_id = \"x\"", "OCX204"),
    ('auth_method = "COMMAND" and kwh >= 0.5 and end_date_time is not null', None),
    ("sum(kwh) > 3", "OCX210"),
])
def test_filter_checks(where, code) -> None:
    found = codes_of(select("round(kwh, 1) as kwh", clauses=f"  where {where}\n"))
    assert found == ([code] if code else [])


def test_aggregates() -> None:
    body = ("from sessions\ngroup by truncate(start_date_time, day) as day\ncompute\n"
            "  {measure}\n  minimum group size 10\noutput csv to stdout\n")
    assert codes_of(body.format(measure="sum(kwh) * 1000 as wh")) == []
    assert codes_of(body.format(measure="sum(kwh * 1000) as wh")) == []
    # a run of these once ended in an internal error; now they compose over aggregates
    for measure in ("sum(kwh) / count() as mean", "round(sum(kwh), 1) as x", "count() / 7 as x",
                    "round(avg(minutes(start_date_time, end_date_time)), 0) as x",
                    "round(median(kwh), 1) as x", "round(percentile(kwh, 0.9), 0) as x",
                    "count(distinct status) as x", "count(distinct evse_uid) / count() as x"):
        assert codes_of(body.format(measure=measure)) == [], measure
    for measure, code in (("bucket(sum(kwh), [0, 10]) as x", "OCX216"),
                          ("sum(distinct kwh) as x", "OCX226"),
                          ("count(distinct cdr_token.uid) as x", "OCX227"),
                          ("count(distinct cdr_token.contract_id) + 1 as x", "OCX227"),
                          ("percentile(kwh, 1) as x", "OCX228"),
                          ("percentile(kwh, 0.01) as x", "OCX228")):
        assert codes_of(body.format(measure=measure)) == [code], measure
    assert codes_of(body.format(measure="sum(avg(kwh)) as x")) == ["OCX210"]
    assert codes_of(body.format(measure="round(kwh, 1) as x")) == ["OCX210"]
    assert codes_of(body.format(measure="sum(kwh) + kwh as x")) == ["OCX210"]


def test_min_and_max_release_one_records_value() -> None:
    body = ("from sessions\ngroup by truncate(start_date_time, day) as day\ncompute\n"
            "  {measure}\n  minimum group size 10\noutput csv to stdout\n")
    found = only(body.format(measure="max(kwh) as biggest"))
    assert found.code == "OCX303"
    assert found.notes[-1] == "`max` releases one record's exact value, not a summary"
    assert codes_of(body.format(measure="max(round(kwh, 0)) as biggest")) == []


@pytest.mark.parametrize("measure", ["median(kwh)", "percentile(kwh, 0.95)"])
def test_median_and_percentiles_release_one_records_value(measure) -> None:
    """The median of an odd group is one driver's exact energy; the 0.95 percentile of
    ten drivers lies between the two largest: like `max`, below the floor."""
    body = ("from sessions\ngroup by truncate(start_date_time, day) as day\ncompute\n"
            f"  {measure} as x\n  minimum group size 10\noutput csv to stdout\n")
    found = only(body)
    assert found.code == "OCX303"
    assert "releases one record's exact value" in found.notes[-1]
    assert codes_of(body.replace(f"{measure} as x", f"round({measure}, 1) as x")) == []


# ---- templates --------------------------------------------------------------------------


def _template_codes(tmp_path, template: str, extra: dict[str, str] | None = None) -> list:
    (tmp_path / "t.md.j2").write_text(template)
    for name, text in (extra or {}).items():
        (tmp_path / name).write_text(text)
    body = ('from sessions\nselect round(kwh, 1) as energy_kwh\n'
            'output template "t.md.j2" to "out.md"\n')
    found = diagnose_source(SourceFile(str(tmp_path / "spec.ocx"), HEADER + body))
    return [(d.code, d.message.split(" reads ")[-1]) for d in found]


def test_template_sees_only_released_columns_and_documented_keys(tmp_path) -> None:
    ok = ("{{ export.name }} {{ run.date }} {{ columns|join(',') }}\n"
          "{% for row in rows %}{{ row.energy_kwh }} {{ row['energy_kwh'] }}"
          "{% for k, v in row.items() %}{{ k }}{% endfor %}{{ loop.index }}{% endfor %}")
    assert _template_codes(tmp_path, ok) == []
    bad = ("{{ export.owner }} {{ run.window.start }} {{ secret }}\n"
           "{% for r in rows %}{{ r.driver }}{% endfor %}")
    assert _template_codes(tmp_path, bad) == [
        ("OCX405", "`secret`, which it is not given"),
        ("OCX405", "`export.owner`, which does not exist"),
        ("OCX405", "`run.window`, which does not exist"),
        ("OCX405", "`r.driver`, which is not a released column")]


def test_template_may_use_the_documented_json_and_cell_filters(tmp_path) -> None:
    """`json` and `cell` are ocpispec's own filters: the run has them, so the check
    must compile a template that uses them (it said "No filter named 'json'")."""
    body = ("{{ rows | json }}\n"
            "{% for row in rows %}{{ row.energy_kwh | cell }} {{ row | json }}{% endfor %}")
    assert _template_codes(tmp_path, body) == []


def test_included_templates_are_checked_too(tmp_path) -> None:
    found = _template_codes(tmp_path, '{% include "part.j2" %}{% include "gone.j2" %}',
                            {"part.j2": "{% for row in rows %}{{ row.kwh }}{% endfor %}"})
    assert [code for code, _ in found] == ["OCX402", "OCX405"]


@pytest.mark.parametrize(("body", "code", "words"), [
    ("select\n  status\nhaving count() > 5\n", "OCX014", "`having` is SQL"),
    ("  order by status\nselect\n  status\n", "OCX014", "`order by` is not allowed here"),
    ("  limit 10\nselect\n  status\n", "OCX014", "`limit` is not allowed here"),
    ("select distinct status\n", "OCX014", "`distinct` is SQL"),
    ("select\n  status session_status\n", "OCX015", "`session_status` follows `status` without `as`"),
    ("select\n  round(kwh, 1) energy\n", "OCX015", "`energy` follows `round(kwh, 1)` without `as`"),
])
def test_sql_habits_get_their_own_diagnostic(body: str, code: str, words: str) -> None:
    found = diagnose_source(SourceFile("t.ocx", HEADER + "from sessions\n" + body
                                       + "output csv to stdout\n"))
    assert [d.code for d in found] == [code], [d.message for d in found]
    assert found[0].message.startswith(words)


def test_a_known_field_after_a_column_is_still_a_column() -> None:
    assert codes_of("from sessions\nselect\n  status kwh\noutput csv to stdout\n") == ["OCX303"]


def test_secrets_written_into_a_spec_are_masked_in_every_rendering() -> None:
    """OCX305 and OCX422 name a secret: no snippet shows it, in any format."""
    from ocpispec.diagnostics import report

    text = HEADER.replace("retention", 'pseudonym key "s3cr3t-key-value-123"\n  retention') \
        if "pseudonym key" not in HEADER else HEADER
    body = ('from locations\nselect\n  id\n'
            'output csv to "sftp://bob:hunter2pw@files.example.org/x.csv"\n')
    source = SourceFile("t.ocx", text + body)
    found = diagnose_source(source)
    assert "OCX422" in [d.code for d in found]
    for fmt in report.FORMATS:
        shown = report.render(found, {"t.ocx": source}, format=fmt)
        assert "hunter2pw" not in shown and "bob:" not in shown
        assert "s3cr3t" not in shown
    assert "sftp://*************@files.example.org" in report.render(found, {"t.ocx": source})


def test_a_literal_token_and_key_are_masked() -> None:
    from ocpispec.diagnostics import report

    text = ('export x\n  consumer "c"\n  purpose "statistics for the city council"\n'
            '  legal basis public task "x"\n  retention 1 months\n'
            '  pseudonym key "s3cr3t-key-value-123"\n'
            'source ocpi "http://x/versions" token "t0k3n-secret"\n'
            'from locations\nselect\n  id\noutput csv to "x.csv"\n')
    source = SourceFile("t.ocx", text)
    found = diagnose_source(source)
    assert [d.code for d in found].count("OCX305") == 2
    shown = report.render(found, {"t.ocx": source})
    assert "s3cr3t" not in shown and "t0k3n" not in shown
    assert 'token "************"' in shown


@pytest.mark.parametrize(("first", "second", "message"), [
    ('"out/x.csv"', '"out/x.csv"', "two datasets write to `out/x.csv`"),
    ('"out/X.csv"', '"out/x.csv"', "two datasets write to `out/x.csv`"),
    ('"out/{export}.csv"', '"out/test_export.csv"',
     "two datasets write to `out/test_export.csv`"),
    ('"out/x.csv"', '"out/x.csv.manifest.json"',
     "`out/x.csv.manifest.json` and `out/x.csv` would write one file"),
    ('"out/x.csv.datapackage.json"', '"out/x.csv"',
     "`out/x.csv` and `out/x.csv.datapackage.json` would write one file"),
])
def test_two_datasets_never_write_one_file(first: str, second: str, message: str) -> None:
    """Neither one destination (in any case, `{export}` filled in) nor a destination
    named like the manifest or data package another output has beside it."""
    format_of = lambda path: "json" if path.endswith('json"') else "csv"  # noqa: E731
    body = "".join(f"from sessions as d{index}\nselect status\noutput {format_of(path)} to {path}\n"
                   for index, path in enumerate((first, second)))
    found = only(body)
    assert (found.code, found.message) == ("OCX408", message)


def test_a_placeholder_error_is_not_also_a_shared_destination() -> None:
    body = ('from sessions as a select status output csv to "out/{consumer}.csv"\n'
            'from sessions as b select status output csv to "out/{consumer}.csv"\n')
    assert codes_of(body) == ["OCX407", "OCX407"]


def test_the_total_the_compute_help_suggests_checks_clean() -> None:
    """OCX001 for `compute` without `group by` suggests `group by constant("all")`."""
    assert codes_of('from sessions\ngroup by constant("all") as scope\ncompute count() as n\n'
                    '  minimum group size 10\noutput csv to stdout\n') == []
