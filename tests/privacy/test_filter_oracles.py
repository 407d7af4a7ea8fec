"""Filters cannot be used as oracles on personal fields (issue 7 item 4).

The attack: many datasets, each keeping the records whose card uid fits one pattern and
each releasing the uid's pseudonym. Which datasets a pseudonym appears in spells out the
uid. Every way of probing a personal field in a filter is refused (OCX330); naming an
identifier exactly needs a justification (OCX308); the plan and the manifest show it.
"""

from __future__ import annotations

import json

import pytest
from frontend_helpers import HEADER, check_text, codes_of, diagnose_source
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.diagnostics import report
from ocpispec.check.checker import check
from ocpispec.diagnostics import CompileError
from ocpispec.execute.functions import matcher
from ocpispec.language.parser import parse
from ocpispec.plan.planner import plan
from ocpispec.render.plan_text import plan_text
from ocpispec.diagnostics.source import SourceFile

JUSTIFIED = 'because "the fraud team reviews these blocked cards"'


def _dataset(where: str, index: int = 0) -> str:
    return (f"from sessions\n  where {where}\nselect\n  pseudonymize(cdr_token.uid) as driver\n"
            f"output csv to \"out-{index}.csv\"\n")


def _oracle_spec(patterns: list[str], because: str = "") -> str:
    return HEADER + "".join(_dataset(f'cdr_token.uid matches "{p}" {because}', i)
                            for i, p in enumerate(patterns))


def _hex_bit_patterns() -> list[str]:
    """The issue's attack: 14 hex positions x 4 bits, one character class each."""
    patterns = []
    for position in range(14):
        for bit in range(4):
            chars = "".join(f"{v:X}" for v in range(16) if v >> bit & 1)
            patterns.append("?" * position + f"[{chars}]*")
    return patterns


def _all_codes(text: str) -> list[str]:
    source = SourceFile("oracle.ocx", text)
    with pytest.raises(CompileError) as caught:
        check(parse(source), source, max_errors=10_000)
    return [d.code for d in caught.value.diagnostics]


def test_the_56_dataset_character_class_attack_is_refused_everywhere() -> None:
    found = _all_codes(_oracle_spec(_hex_bit_patterns(), JUSTIFIED))
    assert found.count("OCX330") == 56  # the probe, even though every one is justified
    assert found.count("OCX331") == 56  # and the character class itself


def test_the_attack_without_character_classes_is_refused_too() -> None:
    """`?` and literal characters alone rebuild it: 14 positions x 16 values."""
    patterns = ["?" * position + f"{value:X}*" for position in range(14) for value in range(16)]
    found = _all_codes(_oracle_spec(patterns, JUSTIFIED))
    assert found.count("OCX330") == 224 and "OCX331" not in found


@pytest.mark.parametrize("where, probe", [
    ('cdr_token.uid matches "04*"', "`matches` tests it against a pattern"),
    ('cdr_token.uid > "8"', "`>` compares it by order"),
    ('cdr_token.uid <= "8"', "`<=` compares it by order"),
    ('"8" < cdr_token.contract_id', "`<` compares it by order"),
    ('prefix(cdr_token.uid, 3) = "04A"', "the filter tests a value computed from it"),
    ('pseudonymize(cdr_token.uid) = "abc"', "the filter tests a value computed from it"),
    ('keep(cdr_token.uid) in ["04A2B3C4D5E6F7"]', "the filter tests a value computed from it"),
    ("jmespath(\"starts_with(cdr_token.uid, '04')\") = true",
     "`jmespath(...)` can test any part of it"),
    ('jmespath("length(cdr_token.uid)") = 14', "`jmespath(...)` can test any part of it"),
    ('jmespath("cdr_token.uid") = "04A2B3C4D5E6F7"', "`jmespath(...)` can test any part of it"),
    ('not (cdr_token.uid matches "0*")', "`matches` tests it against a pattern"),
    ('kwh > 1 or authorization_reference matches "A*"', "`matches` tests it against a pattern"),
    ("cdr_token.uid = evse_uid", "it is compared with another field, not named by a value"),
    ("connector_id != cdr_token.contract_id",
     "it is compared with another field, not named by a value"),
])
def test_every_probe_of_a_personal_field_is_refused_even_justified(where, probe) -> None:
    found = [d for d in diagnose_source(SourceFile("t.ocx", HEADER + _dataset(
        f"{where} {JUSTIFIED}"))) if d.is_error]
    assert [d.code for d in found] == ["OCX330"]
    assert found[0].labels[0].message == probe


@pytest.mark.parametrize("where", [
    'cdr_token.uid = "04A2B3C4D5E6F7"',
    'cdr_token.uid != "04A2B3C4D5E6F7"',
    'cdr_token.contract_id in ["NL-ABC-C12345678-X"]',
    'cdr_token.contract_id not in ["NL-ABC-C12345678-X"]',
    "authorization_reference is null",
    "authorization_reference is not null",
    "cdr_token is not null",
    'status = "COMPLETED" and meter_id = "M1"',
])
def test_naming_a_personal_value_needs_a_justification(where) -> None:
    assert codes_of(_dataset(where)) == ["OCX308"]
    assert codes_of(_dataset(f"{where} {JUSTIFIED}")) == []


def test_a_weak_filter_justification_does_not_count() -> None:
    assert codes_of(_dataset('cdr_token.uid = "04A2" because "0000000000 0"')) == ["OCX306"]


def test_joined_personal_fields_are_personal_in_filters_too() -> None:
    body = ("from cdrs\n  join tokens on cdr_token.uid as token\n"
            '  where token.visual_number matches "12*"\n'
            "select round(total_energy, 1) as energy\noutput csv to stdout\n")
    assert codes_of(body) == ["OCX330"]


def test_quasi_and_public_filters_stay_allowed() -> None:
    assert codes_of(_dataset('kwh > 0.5 and evse_uid matches "NL*E?"')) == []


def test_a_justification_on_a_public_filter_is_needless() -> None:
    assert codes_of(_dataset(f'status = "COMPLETED" {JUSTIFIED}')) == ["OCX307"]


@pytest.mark.parametrize("pattern", ["NL[0-9]*", "NL*]", "[!A]*"])
def test_brackets_are_refused_in_any_pattern(pattern) -> None:
    body = f'from locations\n  where id matches "{pattern}"\nselect id\noutput csv to stdout\n'
    assert codes_of(body) == ["OCX331"]


@pytest.mark.parametrize("pattern, value, expected", [
    ("04*", "04A2B3", True), ("04*", "X04", False), ("04*", "04", True),
    ("?4*", "04", True), ("?4*", "4", False), ("a?c", "abc", True), ("a?c", "abcd", False),
    ("*", "", True), ("a.c", "abc", False), ("a+", "aa", False), ("[1]*", "[1]x", True),
    ("[1]*", "1x", False), ("A*", "a", False), ("*\\n", "x\\n", True),
])
def test_the_executor_knows_only_star_and_question_mark(pattern, value, expected) -> None:
    """Even a hand-edited plan gets no character classes or regex syntax."""
    assert matcher(pattern)(value) is expected


def test_the_plan_marks_privacy_filters_and_shows_reads_and_justification(snapshot) -> None:
    body = ("from sessions\n"
            f'  where kwh > 1 and cdr_token.uid in ["04A2B3C4D5E6F7"] {JUSTIFIED}\n'
            "select pseudonymize(cdr_token.uid) as driver\noutput csv to \"a.csv\"\n"
            'from sessions\n  where status = "COMPLETED"\n'
            "select round(kwh, 1) as energy\noutput csv to \"b.csv\"\n")
    planned = plan(check_text(body))
    text = plan_text(planned)
    lines = [line for line in text.splitlines() if "filter.sessions" in line]
    assert lines[0].startswith("  ! filter.sessions") and lines[1].startswith("  ~ filter.")
    data = planned.to_dict()["datasets"][0]
    step = next(s for s in data["steps"] if s["kind"] == "filter")
    assert step["reads"] == [{"field": "kwh", "privacy": "quasi-identifier"},
                             {"field": "cdr_token.uid", "privacy": "personal"}]
    assert step["justification"] == "the fraud team reviews these blocked cards"
    public = next(s for s in planned.to_dict()["datasets"][1]["steps"] if s["kind"] == "filter")
    assert "reads" not in public and "justification" not in public  # fingerprints unchanged
    assert "04A2B3C4D5E6F7" not in text
    assert text == snapshot


_IDS = st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=4, max_size=24).map(lambda s: "ZQ" + s)


@settings(max_examples=40, deadline=None)
@given(_IDS, _IDS, st.sampled_from(["{f} = \"{a}\"", "{f} != \"{a}\"",
                                    "{f} in [\"{a}\", \"{b}\"]", "{f} not in [\"{a}\"]",
                                    "not ({f} = \"{a}\") and kwh > 1 and {f} != \"{b}\""]),
       st.sampled_from(["cdr_token.uid", "cdr_token.contract_id", "id"]))
def test_a_personal_value_named_in_a_filter_is_in_no_view_of_the_plan(a, b, form, field):
    """The values a filter names personal fields by are blanked in every view a
    reviewer or a log sees: the plan text, `plan --format json`, the review."""
    from ocpispec.review import build_review, render_review

    where = form.format(f=field, a=a, b=b)
    checked = check_text(_dataset(f"{where} {JUSTIFIED}"))
    planned = plan(checked)
    views = [plan_text(planned), planned.to_view_json(),
             *(render_review(build_review(checked, planned), format)
               for format in ("json", "markdown", "html"))]
    for view in views:
        assert a not in view and b not in view
    assert json.loads(planned.to_view_json())["fingerprint"] == planned.fingerprint


def test_the_justification_changes_the_fingerprint() -> None:
    body = ("from sessions\n  where cdr_token.uid = \"04\" because \"{why}\"\n"
            "select round(kwh, 1) as energy\noutput csv to stdout\n")
    first = plan(check_text(body.format(why="the fraud team reviews this card")))
    second = plan(check_text(body.format(why="the fraud team reviews that card")))
    assert first.fingerprint != second.fingerprint


def test_the_manifest_lists_filters_and_justifications(run_cli, tmp_path) -> None:
    spec = tmp_path / "fraud.ocx"
    spec.write_text(HEADER + (
        "from sessions\n"
        f'  where kwh > 0 and cdr_token.uid not in ["0000"] {JUSTIFIED}\n'
        "select\n  pseudonymize(cdr_token.uid) as driver\n"
        '  end_date_time as ended because "billing disputes need the exact end time"\n'
        'output csv to "out.csv"\n'))
    result = run_cli("run", str(spec), "--demo", "--demo-size", "50",
                     "--out", str(tmp_path / "out.csv"))
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((tmp_path / "out.csv.manifest.json").read_text())
    where = manifest["filters"][0]
    assert where["privacy_step"] is True and where["justification"] == (
        "the fraud team reviews these blocked cards")
    assert {"field": "cdr_token.uid", "privacy": "personal"} in where["fields"]
    assert manifest["private_locations"]["rule"] == "exclude-private-locations"
    ended = next(c for c in manifest["columns"] if c["name"] == "ended")
    assert ended["justification"] == "billing disputes need the exact end time"
    assert where["condition"] == 'where kwh > 0 and cdr_token.uid not in [(personal value), ...]'
    assert "0000" not in json.dumps(manifest)


def test_the_review_says_how_many_values_a_personal_filter_names(run_cli, tmp_path,
                                                                  snapshot) -> None:
    """`in [(personal value), ...]` hid whether the filter keeps 2 pilot cards or 2,000
    from the officer who signs the review; the values stay out of it, and the manifest
    the consumer reads says no number of them."""
    spec = tmp_path / "pilot.ocx"
    spec.write_text(HEADER + (
        "from sessions\n"
        '  where cdr_token.uid in ["04A2B3C4", "04A2B3C5", "04A2B3C6"] and kwh > 0 '
        f'and cdr_token.contract_id != "NL-TNM-C0042" {JUSTIFIED}\n'
        "select\n  pseudonymize(cdr_token.uid) as driver\n"
        'output csv to "out.csv"\n'))
    pages = {form: run_cli("review", str(spec), "--format", form) for form in
             ("markdown", "html", "json")}
    assert all(page.exit_code == 0 for page in pages.values())
    for page in pages.values():
        assert "04A2B3C" not in page.stdout and "C0042" not in page.stdout
    (row,) = [line for line in pages["markdown"].stdout.splitlines()
              if line.startswith("| filters |")]
    assert row == snapshot
    assert "in [3 personal values]" in pages["html"].stdout
    result = run_cli("run", str(spec), "--demo", "--demo-size", "50",
                     "--out", str(tmp_path / "out.csv"))
    assert result.exit_code == 0, result.stderr
    manifest = (tmp_path / "out.csv.manifest.json").read_text()
    assert "3 personal values" not in manifest and "04A2B3C" not in manifest


def test_diagnostics_of_the_attack_render(snapshot) -> None:
    text = _oracle_spec(_hex_bit_patterns()[:2], JUSTIFIED)
    found = diagnose_source(SourceFile("oracle.ocx", text))
    assert report.render(found, {"oracle.ocx": SourceFile("oracle.ocx", text)}) == snapshot


# ---- hypothesis: every way of writing a filter on a personal field ---------------------

_PERSONAL = ["cdr_token.uid", "cdr_token.contract_id", "authorization_reference", "meter_id",
             "id"]
_NAMING = ['{f} = "X1"', '{f} != "X1"', '{f} in ["X1", "X2"]', '{f} not in ["X1"]',
           "{f} is null", "{f} is not null", '"X1" = {f}']
_PROBING = ['{f} matches "X*"', '{f} matches "?1"', '{f} < "X"', '{f} >= "X"',
            'prefix({f}, 2) = "X1"', 'keep({f}) = "X1"', 'pseudonymize({f}) = "X1"',
            'jmespath("{f}") = "X1"', 'jmespath("length({f})") = 2',
            "jmespath(\"starts_with({f}, 'X')\") = true", "{f} = evse_uid", "evse_uid != {f}"]


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(_PERSONAL), st.sampled_from(_NAMING + _PROBING), st.booleans(),
       st.sampled_from(["", 'status = "COMPLETED" and ', "kwh > 1 or ", "not "]))
def test_a_personal_filter_is_justified_naming_or_refused(field, form, justified, context):
    predicate = form.format(f=field)
    where = f"{context}({predicate})" if context.startswith("not") else context + predicate
    written = f"{where} {JUSTIFIED}" if justified else where
    found = [d.code for d in diagnose_source(SourceFile("t.ocx", HEADER + _dataset(written)))
             if d.is_error]
    if form in _PROBING:
        assert found == ["OCX330"], written
    else:
        assert found == ([] if justified else ["OCX308"]), written


# ---- a filter that pins a quasi-identifier below its floor (OCX303) ---------------------------

PINNED = "\n  round(kwh, 0) as energy\n  truncate(start_date_time, day) as day\n"


def _pinned(where: str) -> str:
    return _dataset(where).replace("as driver\n", "as driver" + PINNED)


@pytest.mark.parametrize("where", [
    "kwh >= 23.41 and kwh < 23.42",
    "23.42 > kwh and kwh > 23.41",
    'status = "COMPLETED" and kwh = 23.417',
    "kwh in [23.417, 11.204]",
    "start_date_time >= 2025-03-01T10:15:00Z and start_date_time < 2025-03-01T10:16:00Z",
    "start_date_time = 2025-03-01T10:15:00Z",
    "(kwh > 1 and (kwh <= 1.05))",
    "round(kwh, 3) = 23.417",
    "kwh * 1000 = 23417",
    "truncate(start_date_time, minute) = 2025-03-01T10:15:00Z",
    'jmespath("kwh == `23.417`") = true',
    'jmespath("start_date_time == \'2025-03-01T10:15:00Z\'") = true',
    # the same conditions turned round by `not` (each went unwarned)
    "not (kwh < 23.41 or kwh >= 23.42)",
    "not kwh != 23.417",
    "not (not kwh = 23.417)",
    "not kwh not in [23.417, 11.204]",
    # a range of a value computed from the field, in the value's own steps
    "kwh * 1 >= 23.41 and kwh * 1 < 23.42",
    "round(kwh, 3) >= 23.41 and round(kwh, 3) < 23.42",
    "kwh * 1000 >= 23000 and kwh * 1000 < 23050",
    "kwh + 0 >= 23.41 and kwh < 23.42", "0 - kwh <= -23.41 and kwh < 23.42",
    # every branch of an `or` pins it: each row is in one of the narrow ranges
    "(kwh >= 23.41 and kwh < 23.42) or (kwh >= 50.01 and kwh < 50.02)",
    "kwh = 23.417 or kwh = 11.204",
    "not (kwh != 23.417 and kwh != 11.204)",
    # one branch pins it: the other may keep no row (`kwh < 0`, a country no record
    # has), and where it keeps some, a row it cannot have kept (under 50) is pinned
    "kwh = 23.417 or kwh > 50", "(kwh >= 23.41 and kwh < 23.42) or kwh < 0",
    '(kwh >= 23.41 and kwh < 23.42) or country_code = "ZZ"',
    'status = "COMPLETED" and (kwh < 0 or (status = "ACTIVE" or kwh = 23.417))',
    "minutes(2025-01-01T00:00:00Z, start_date_time) >= 1000 and "
    "minutes(2025-01-01T00:00:00Z, start_date_time) < 1001",
    'status = "COMPLETED" and not (start_date_time < 2025-03-01T10:15:00Z '
    "or start_date_time >= 2025-03-01T10:16:00Z)",
])
def test_a_filter_that_pins_a_quasi_value_below_its_floor_is_warned(where) -> None:
    """`where kwh >= 23.41 and kwh < 23.42` beside `round(kwh, 0)`: every row of the
    file has its energy to 0.01 kWh, and the pseudonym says whose; it checked clean."""
    assert codes_of(_pinned(where)) == ["OCX303"]
    reviewed = f'{where} because "the grid study needs exactly these sessions"'
    assert codes_of(_pinned(reviewed)) == []


@pytest.mark.parametrize("where", [
    "kwh > 0", "kwh >= 10 and kwh < 10.1", "kwh >= 10 and kwh < 20",
    "start_date_time >= 2025-03-01 and start_date_time < 2025-03-02",
    "start_date_time >= 2025-03-01T10:00:00Z and start_date_time < 2025-03-01T11:00:00Z",
    "not kwh = 23.417", "kwh != 23.417", "kwh not in [1.5]",
    "not (kwh < 23.41 and kwh >= 23.42)", "not (kwh >= 23.41)",
    "kwh * 1000 >= 23000 and kwh * 1000 < 23100", "round(kwh, 0) >= 23 and round(kwh, 0) < 24",
    "kwh * 1 > 5",
    "end_date_time is null", 'status = "COMPLETED"',
    "round(kwh, 0) = 23", "truncate(start_date_time, day) = 2025-03-01",
    "hours(start_date_time, end_date_time) > 1",
    'jmespath("length(charging_periods) > `1`") = true',
])
def test_ranges_at_the_floor_and_conditions_not_every_row_meets_stay_quiet(where) -> None:
    assert codes_of(_pinned(where)) == []


def _cdrs(where: str) -> str:
    return _dataset(where).replace("from sessions", "from cdrs")


@pytest.mark.parametrize("where", [
    'cdr_location.postal_code = "3511AB"',
    'cdr_location.postal_code in ["3511", "3511 AB"]',
    'cdr_location.address = "Dorpsstraat 12"',
    'cdr_location.name in ["Oprit Jansen", "Garage De Vries"]',
    'cdr_location.coordinates.latitude = "52.090700"',
    # the same place written another way: a pattern, a range of texts, a computed value,
    # the escape hatch (each went unwarned)
    'cdr_location.postal_code matches "3511AB"',
    'cdr_location.postal_code matches "3511A*"',
    'cdr_location.address matches "Dorpsstraat 1*"',
    'cdr_location.name matches "Oprit Jans?n"',
    'cdr_location.postal_code >= "3511AB" and cdr_location.postal_code <= "3511AC"',
    'not cdr_location.postal_code != "3511AB"',
    'prefix(cdr_location.postal_code, 6) = "3511AB"',
    'jmespath("cdr_location.postal_code") = "3511AB"',
])
def test_a_filter_naming_a_place_as_text_pins_it(where) -> None:
    """`where cdr_location.address = "Dorpsstraat 12"` releases, with each row's driver
    and hour, the street address it happened at, which as a column is OCX303."""
    assert codes_of(_cdrs(where)) == ["OCX303"]
    assert codes_of(_cdrs(f'{where} because "the study covers this site alone"')) == []


@pytest.mark.parametrize(("join", "where"), [
    # the text and URL that name a charge's tariff as `tariff.id` does (which pinned)
    ("join tariffs on tariffs.id", 'tariff.tariff_alt_url = "https://cpo.example/t/fleet-7"'),
    ("", 'jmespath("tariffs[0].tariff_alt_text[0].text") = "Fleet contract Jansen BV"'),
    ("join tariffs on tariffs.id", 'tariff.tariff_alt_url matches "https://cpo.example/t/f*"'),
    # the issuer of the driver's card: an employer, a fleet, a one-person firm
    ("join tokens on cdr_token.uid", 'token.issuer = "Jansen Consultancy"'),
    ("join tokens on cdr_token.uid", 'token.issuer in ["Jansen Consultancy", "De Vries BV"]'),
])
def test_a_filter_naming_a_contract_s_tariff_or_a_card_s_issuer_pins_it(join, where) -> None:
    """`where tariff.id = "FLEET-7"` was warned, yet the same tariff named by its URL or
    text, or the drivers named by their cards' issuer, kept one contract's or one firm's
    charges with each row's driver and hour, unwarned."""
    spec = _cdrs(where).replace("  where", f"  {join}\n  where" if join else "  where")
    assert codes_of(spec) == ["OCX303"]
    assert codes_of(spec.replace(where, f'{where} because "the study covers this fleet alone"')) == []


@pytest.mark.parametrize("where", [
    'cdr_location.postal_code in ["3511", "3512"]', 'cdr_location.postal_code = "35 11"',
    'cdr_location.city = "Utrecht"', 'cdr_location.country = "NLD"',
    'cdr_location.address != "Dorpsstraat 12"', 'cdr_location.postal_code matches "3511*"',
    'cdr_location.address matches "*straat*"', 'cdr_location.city matches "Utrecht"',
    'cdr_location.postal_code >= "3500" and cdr_location.postal_code < "3600"',
    'prefix(cdr_location.postal_code, 4) = "3511"', 'cdr_location.name matches "Op*"',
])
def test_coarse_places_and_exclusions_stay_quiet(where) -> None:
    assert codes_of(_cdrs(where)) == []


def test_an_aggregate_may_filter_on_an_exact_value() -> None:
    """Its groups hold at least the minimum group size of drivers: no row is one's."""
    body = ("from sessions\n  join locations on location_id\n  where kwh = 0\n"
            "group by prefix(location.postal_code, 4) as area\ncompute count() as sessions\n"
            "  minimum group size 10\noutput csv to stdout\n")
    assert codes_of(body) == []


def test_the_pinning_filter_renders(snapshot) -> None:
    text = HEADER + _pinned("kwh >= 23.41 and kwh < 23.42")
    found = diagnose_source(SourceFile("pin.ocx", text))
    assert report.render(found, {"pin.ocx": SourceFile("pin.ocx", text)}) == snapshot


@pytest.mark.parametrize("window, code", [
    ("between 2025-03-01T10:15:00Z and 2025-03-01T10:16:00Z\n  window on start_date_time",
     ["OCX303"]),
    ("between 2025-03-01T10:15:00Z and 2025-03-01T10:45:00Z", ["OCX303"]),
    ("between 2025-03-01T10:00:00Z and 2025-03-01T11:00:00Z\n  window on start_date_time", []),
    ("between 2025-03-01 and 2025-03-02", []),
])
def test_a_fixed_window_narrower_than_an_hour_pins_its_time(window, code) -> None:
    """`between` one minute `window on start_date_time` beside `truncate(start_date_time,
    day)`: every row's start to the minute; it checked clean."""
    assert codes_of(_pinned("kwh > 0").replace("  where kwh > 0", f"  {window}")) == code
    aggregate = (f"from sessions\n  {window}\ngroup by truncate(start_date_time, day) as d\n"
                 "compute count() as n\n  minimum group size 10\noutput csv to stdout\n")
    # OCX237 (a `between` window on `last_updated` beside groups by start) is no pin
    assert [found for found in codes_of(aggregate) if found != "OCX237"] == []


@pytest.mark.parametrize("window, where, code", [
    ("between 2025-03-01T10:00:00Z and 2025-03-01T11:00:00Z\n  window on start_date_time",
     "start_date_time >= 2025-03-01T10:59:00Z", ["OCX303"]),
    ("between 2025-03-01T10:00:00Z and 2025-03-01T11:00:00Z",
     "last_updated < 2025-03-01T10:01:00Z", ["OCX303"]),
    ("between 2025-03-01T10:00:00Z and 2025-03-01T11:00:00Z\n  window on start_date_time",
     "last_updated < 2025-03-01T10:01:00Z", []),
    ("between 2025-03-01T10:00:00Z and 2025-03-01T12:00:00Z\n  window on start_date_time",
     "start_date_time >= 2025-03-01T11:00:00Z", []),
])
def test_a_window_and_a_filter_close_a_range_together(window, where, code) -> None:
    """An hour's window and a filter's one bound each pass; together they kept the rows
    of one minute, unwarned."""
    spec = _pinned(where).replace(f"  where {where}", f"  {window}\n  where {where}")
    assert codes_of(spec) == code


KEY = "0f8e3a6c1d5b92e47a0c8f3d6b1e59a27c4f0d8b3e6a15c9f2d7b40e8a3c6f1d"
ROWS_EVERY = ("from {module}\n  {window}\nselect\n  pseudonymize(cdr_token.uid) as driver\n"
              "output csv to \"{out}/rows-{{run.timestamp}}.csv\"\n{schedule}")


@pytest.mark.parametrize("window, schedule, code", [
    ("since last run", "schedule every 10 minutes", ["OCX303"]),
    ("since last run", 'schedule cron "0,15,30,45 * * * *"', ["OCX303"]),
    ("last 10 minutes", "schedule hourly", ["OCX303"]),
    ("last 10 minutes", "", ["OCX303"]),
    ("since last run", "schedule hourly", []),
    ("since last run", "schedule every 2 hours", []),
    ("since last run", 'schedule cron "5 * * * *"', []),
    ("since last run", "", []),
    ("last 60 minutes", "schedule hourly", []),
    # read again by every run: a file minus the one before is what was updated between
    ("month to date", "schedule every 15 minutes", ["OCX303"]),
    ("since 2025-01-01", "schedule every 15 minutes", ["OCX303"]),
    ("last 2 hours", "schedule every 15 minutes", ["OCX303"]),
    ("where status = \"COMPLETED\"", "schedule every 15 minutes", ["OCX303"]),
    # every run of a period reads the same records
    ("previous day", "schedule every 15 minutes", []),
    ("between 2025-01-01 and 2025-02-01", "schedule every 15 minutes", []),
    ("month to date", "schedule hourly", []),
])
def test_a_window_each_run_reads_under_an_hour_of_pins_the_update_time(window, schedule,
                                                                        code) -> None:
    """`since last run` every 10 minutes delivers in each file the sessions last updated
    (ended) in those 10 minutes, and the manifest says which: every row's end to 10
    minutes beside `truncate(start_date_time, day)`. It checked clean."""
    rows = ROWS_EVERY.format(module="sessions", window=window, out="x", schedule=schedule)
    assert [found for found in codes_of(rows) if found not in ("OCX410", "OCX424")] == code
    aggregate = (f"from sessions\n  {window}\ngroup by truncate(start_date_time, day) as d\n"
                 f"compute count() as n\n  minimum group size 10\noutput csv to stdout\n{schedule}")
    assert "OCX303" not in codes_of(aggregate)


def test_the_scheduled_window_pin_renders(snapshot) -> None:
    text = HEADER + ROWS_EVERY.format(module="sessions", window="since last run", out="x",
                                      schedule="schedule every 10 minutes\n")
    found = diagnose_source(SourceFile("feed.ocx", text))
    assert report.render(found, {"feed.ocx": SourceFile("feed.ocx", text)}) == snapshot


def test_a_status_feed_of_locations_may_run_every_few_minutes() -> None:
    """A location's `last_updated` is public: a feed of charger status is what it is for."""
    body = ("from locations\n  since last run\nselect\n  id\n  last_updated\n"
            'output csv to "x/sites-{run.timestamp}.csv"\nschedule every 10 minutes\n')
    assert codes_of(body) == []


def test_a_delivery_every_half_hour_tells_when_each_charge_ended(run_cli, tmp_path) -> None:
    """Against the demo CPO: the second run's file holds the session that ended between
    08:00 and 08:30, and its manifest says so, beside a start cut to the day."""
    spec = tmp_path / "feed.ocx"
    spec.write_text(HEADER.replace("source profile demo", "source ocpi env U token env T")
                    + ROWS_EVERY.format(module="sessions", window="since last run",
                                        out=tmp_path / "out", schedule="schedule every 30 minutes\n")
                    .replace("as driver\n", "as driver\n  truncate(start_date_time, day) as day\n")
                    .replace("  since last run\n", '  since last run\n  where status = "COMPLETED"\n'))
    checked = run_cli("check", str(spec), "--format", "concise")
    assert "warning[OCX303]: the window pins the quasi-identifier `last_updated`" in checked.stderr
    for moment in ("2025-12-30T08:00:00Z", "2025-12-30T08:30:00Z"):
        done = run_cli("run", str(spec), "--demo", "--as-of", moment, "--state",
                       str(tmp_path / "state.sqlite"), env={"TEST_KEY": KEY})
        assert done.exit_code == 0, done.stderr
    manifest = json.loads((tmp_path / "out" / "rows-20251230T083000Z.csv.manifest.json").read_text())
    assert (manifest["window"]["start"], manifest["window"]["end"], manifest["output"]["rows"]) == \
        ("2025-12-30T08:00:00Z", "2025-12-30T08:30:00Z", 1)


# ---- a justification that names the value blanked out of the condition (OCX350) ----------------

@pytest.mark.parametrize("released", [
    'where cdr_token.uid = "04A2B3C4D5" because "{why}"\nselect\n  kwh',
    'where cdr_token.contract_id in ["NL-TNM-C0042", "NL-TNM-C0043"] because "{why}"\n'
    "select\n  kwh",
    "select\n  jmespath(\"cdr_token.uid == '04A2B3C4D5'\") as flagged because \"{why}\"",
])
@pytest.mark.parametrize("why", ["the fraud desk follows card 04A2B3C4D5 reported stolen",
                                 "the contracts nl-tnm-c0042 and 43 of the pilot fleet"])
def test_a_justification_may_not_name_the_blanked_value(released, why) -> None:
    named = ("04A2B3C4D5" in released and "04A2" in why) or ("C0042" in released
                                                            and "c0042" in why)
    found = [d.code for d in diagnose_source(SourceFile(
        "t.ocx", HEADER + "from sessions\n" + released.format(why=why)
        + '\noutput csv to "x"\n'))]
    assert ("OCX350" in found) is named


@pytest.mark.parametrize("written", [
    ('  where cdr_token.uid = "04A2B3C4D5" because "the fraud desk follows the stolen card"\n'
     "select\n  kwh as card_04a2b3c4d5 because \"the fraud team needs the exact energy\"\n"
     'output csv to "x"\n'),
    ('  where cdr_token.uid = "04A2B3C4D5" because "the fraud desk follows the stolen card"\n'
     'select\n  round(kwh, 1) as kwh\noutput csv to "exports/04A2B3C4D5.csv"\n'),
])
def test_no_text_of_the_spec_may_name_the_blanked_value(written) -> None:
    """A column's name and a file name are shown as written too; a comment is not."""
    found = [d.code for d in diagnose_source(SourceFile("t.ocx", HEADER + "from sessions\n"
                                                        + written))]
    assert "OCX350" in found
    commented = ('  where cdr_token.uid = "04A2B3C4D5" because "the fraud desk follows the '
                 'stolen card"  # card 04A2B3C4D5\nselect\n  round(kwh, 1) as kwh\n'
                 'output csv to "x"\n')
    assert "OCX350" not in [d.code for d in diagnose_source(SourceFile(
        "t.ocx", HEADER + "from sessions\n" + commented))]


def test_a_justification_may_use_a_word_the_filter_names() -> None:
    """`TEST` is a card's uid here, but also a word: only values with a digit, or of 8
    characters or more, count."""
    found = [d.code for d in diagnose_source(SourceFile("t.ocx", HEADER + (
        'from sessions\n  where cdr_token.uid != "TEST" because "the test cards of the '
        'staff are not real charging"\nselect\n  kwh\noutput csv to "x"\n')))]
    assert "OCX350" not in found


def test_the_card_does_not_reach_the_manifest_through_its_justification(run_cli,
                                                                        tmp_path) -> None:
    """Against the demo CPO: the manifest blanked the card id out of the condition and
    gave it back in the justification beside it."""
    spec = tmp_path / "stolen.ocx"
    spec.write_text(HEADER + (
        'from sessions\n  where cdr_token.uid = "04A2B3C4D5" because "the fraud desk '
        'follows card 04A2B3C4D5 reported stolen"\nselect\n'
        "  pseudonymize(cdr_token.uid) as driver\n"
        'output csv to "out.csv"\n'))
    result = run_cli("run", str(spec), "--demo", "--demo-size", "50",
                     "--out", str(tmp_path / "out.csv"))
    assert result.exit_code == 1 and "error[OCX350]" in result.stderr
    assert not (tmp_path / "out.csv.manifest.json").exists()


def test_a_template_may_not_write_the_blanked_value(run_cli, tmp_path, snapshot) -> None:
    """A template's text goes into the consumer's file as written, and the review shows
    only its name and sha256: a report headed `Sessions of card 04A2B3C4D5` gave back the
    card the manifest blanks out of the filter beside it. A Jinja comment is not written."""
    (tmp_path / "report.md.j2").write_text(
        "{# for the fraud desk: card 04A2B3C4D5 #}\n# Sessions per month\n\n"
        "{% for row in rows %}- {{ row.month }}: {{ row.sessions }}\n{% endfor %}")
    (tmp_path / "card.md.j2").write_text(
        "# Sessions of the card 04a2-b3c4-d5\n{% include \"report.md.j2\" %}")
    spec = tmp_path / "stolen.ocx"
    spec.write_text(HEADER + (
        'from sessions\n  where cdr_token.uid = "04A2B3C4D5" because "the fraud desk '
        'follows the card reported stolen"\ngroup by\n  truncate(start_date_time, month) as '
        'month\ncompute\n  count() as sessions\n  minimum group size 10\n'
        'output template "card.md.j2" to "out.md"\n'))
    checked = run_cli("check", str(spec))
    assert checked.exit_code == 1
    assert checked.stderr.replace(str(tmp_path), "FOLDER") == snapshot
    result = run_cli("run", str(spec), "--demo", "--demo-size", "50",
                     "--out", str(tmp_path / "out.md"))
    assert result.exit_code == 1 and "error[OCX350]" in result.stderr
    assert not (tmp_path / "out.md").exists()
    spec.write_text(spec.read_text().replace("card.md.j2", "report.md.j2"))
    assert run_cli("check", str(spec)).exit_code == 0


def test_the_spec_s_file_name_may_not_name_the_blanked_value(run_cli, tmp_path) -> None:
    """The manifest delivered with the file names the spec's file (`spec.file`), and the
    review does too: `fraud_card_04A2B3C4D5.ocx` gave back the card its filter blanks."""
    spec = tmp_path / "fraud_card_04a2-b3c4-d5.ocx"
    spec.write_text(HEADER + (
        'from sessions\n  where cdr_token.uid = "04A2B3C4D5" because "the fraud desk '
        'follows the card reported stolen"\nselect\n  truncate(start_date_time, day) as day\n'
        'output csv to "out.csv"\n'))
    checked = run_cli("check", str(spec), "--format", "concise")
    assert checked.exit_code == 1
    assert "error[OCX350]: the spec's file name repeats a personal value it compares" \
        in checked.stderr
    result = run_cli("run", str(spec), "--demo", "--demo-size", "50",
                     "--out", str(tmp_path / "out.csv"))
    assert result.exit_code == 1 and "error[OCX350]" in result.stderr
    assert not (tmp_path / "out.csv.manifest.json").exists()
    renamed = spec.rename(tmp_path / "fraud_case_F-2026-12.ocx")
    assert run_cli("check", str(renamed)).exit_code == 0
    out = tmp_path / "card-04A2B3C4D5.csv"
    result = run_cli("run", str(renamed), "--demo", "--demo-size", "50", "--out", str(out))
    assert result.exit_code == 1 and "error[OCX350]" in result.stderr, result.output
    assert "04A2" not in result.output and not out.exists()
