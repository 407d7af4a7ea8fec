"""A generaliser only counts when it generalises (issue 7 item 5).

Below its floor a call is treated like no call: OCX303 for a quasi-identifier (OCX301
for a personal field under any generaliser). Each attack from the issue, variants of
our own, and hypothesis over the parameters of every generaliser.
"""

from __future__ import annotations

import math

import pytest
from frontend_helpers import HEADER, check_text, diagnose_source
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.diagnostics import report
from ocpispec.check import floors
from ocpispec.diagnostics.codes import lookup
from ocpispec.diagnostics.source import SourceFile

FAST = settings(max_examples=60, deadline=None)


def _findings(column: str, module: str = "sessions") -> list[tuple[str, str]]:
    body = f"from {module}\nselect\n  {column}\noutput ndjson to stdout\n"
    found = diagnose_source(SourceFile("t.ocx", HEADER + body))
    return [(d.code, d.message) for d in found]


def _codes(column: str, module: str = "sessions") -> list[str]:
    return [code for code, _ in _findings(column, module)]


@pytest.mark.parametrize("column, module", [
    # the attacks
    ("minutes(2000-01-01, start_date_time) as t", "sessions"),
    ("round(kwh, 10) as k", "sessions"),
    ("prefix(cdr_location.postal_code, 20) as p", "cdrs"),
    ("round_coords(cdr_location.coordinates, 7) as c", "cdrs"),
    ("grid(cdr_location.coordinates, 0.0000001) as c", "cdrs"),
    ("bucket(kwh, [0, 0.001, 0.002]) as b", "sessions"),
    # our own variants
    ("truncate(start_date_time, minute) as t", "sessions"),
    ("truncate(start_date_time, quarter_hour) as t", "sessions"),
    ("hours(2000-01-01, end_date_time) as t", "sessions"),
    ("minutes(start_date_time, start_date_time) as t", "sessions"),
    ("minutes(start_date_time, end_date_time) as d", "sessions"),
    ("round(minutes(start_date_time, end_date_time), 2) as d", "sessions"),
    ("hours(start_date_time, end_date_time) * 60 as d", "sessions"),
    ("minutes(location.last_updated, start_date_time) as d",
     "sessions\n  join locations on location_id"),
    ("round(minutes(2000-01-01, start_date_time), 0) as t", "sessions"),
    ("round(kwh * 1000, 1) as k", "sessions"),
    ("round(kwh / 0.001, 0) as k", "sessions"),
    ("round((kwh + 1) * 100, 0) as k", "sessions"),
    ("round(kwh * kwh, 1) as k", "sessions"),
    ("round(round(kwh, 4) * 1000, 0) as k", "sessions"),
    ("round(jmespath(\"kwh\"), 0) as k", "sessions"),
    ("bucket(kwh * 100, [0, 1, 2, 3]) as b", "sessions"),
    ("round(kwh, 2) + 0 as k", "sessions"),
    ("keep(kwh) as k", "sessions"),
    ("prefix(cdr_location.address, 4) as a", "cdrs"),
    ("prefix(cdr_location.city, 2) as a", "cdrs"),
    ("round(total_cost.excl_vat, 2) as c", "cdrs"),
])
def test_below_the_floor_is_released_raw(column, module) -> None:
    assert "OCX303" in _codes(column, module)


def test_min_and_max_of_a_too_fine_value_release_one_records_value() -> None:
    body = ("from sessions\ngroup by truncate(start_date_time, day) as day\ncompute\n"
            "  max(minutes(2000-01-01, start_date_time)) as last_start\n"
            "  min(round(kwh, 3)) as smallest\n  minimum group size 10\noutput csv to stdout\n")
    found = [d.code for d in diagnose_source(SourceFile("t.ocx", HEADER + body))]
    assert found == ["OCX303", "OCX303"]


@pytest.mark.parametrize("column, module", [
    ("truncate(start_date_time, hour) as t", "sessions"),
    ("truncate(start_date_time, month) as t", "sessions"),
    ("round(kwh, 1) as k", "sessions"),
    ("round(kwh) as k", "sessions"),
    ("round(kwh * 1000, -2) as wh", "sessions"),
    ("round(kwh / 10, 0) as k", "sessions"),
    ("round(kwh, 1) * 1000 as wh", "sessions"),
    ("round(round(kwh, 4), 1) as k", "sessions"),
    ("bucket(kwh, [0, 5, 10, 20, 50]) as b", "sessions"),
    ("bucket(kwh, [10]) as b", "sessions"),
    ("round(minutes(start_date_time, end_date_time), 1) as d", "sessions"),
    ("round(hours(start_date_time, end_date_time), 1) as d", "sessions"),
    ("bucket(minutes(start_date_time, end_date_time), [0, 30, 60]) as d", "sessions"),
    ("round(minutes(2000-01-01, start_date_time), -2) as t", "sessions"),
    ("prefix(cdr_location.postal_code, 4) as p", "cdrs"),
    ("prefix(cdr_location.postal_code, 2) as p", "cdrs"),
    ("round_coords(cdr_location.coordinates, 2) as c", "cdrs"),
    ("grid(cdr_location.coordinates, 0.01) as c", "cdrs"),
    ("weekday(start_date_time) as d", "sessions"),
    ("hour_of_day(start_date_time) as h", "sessions"),
    ("constant(3) as c", "sessions"),
])
def test_at_or_above_the_floor_protects(column, module) -> None:
    assert _codes(column, module) == []


@pytest.mark.parametrize("column", [
    "prefix(cdr_token.uid, 1) as p", "round(jmespath(\"length(cdr_token.uid)\"), 0) as n",
    "bucket(jmespath(\"length(cdr_token.contract_id)\"), [0, 100]) as n",
])
def test_personal_fields_are_not_protected_by_any_generaliser(column) -> None:
    assert _codes(column) == ["OCX301"]


# ---- hypothesis ------------------------------------------------------------------------


@FAST
@given(st.integers(-6, 10), st.sampled_from([1, 10, 1000, 0.001, 3.6, 60]))
def test_round_counts_exactly_when_its_step_reaches_the_floor(digits, scale) -> None:
    expected = 10.0 ** -digits / scale >= floors.NUMBER_STEP * (1 - 1e-9)
    found = _codes(f"round(kwh * {scale}, {digits}) as k")
    assert ("OCX303" not in found) is expected


@FAST
@given(st.lists(st.integers(0, 10_000), min_size=2, max_size=6, unique=True))
def test_bucket_counts_exactly_when_every_band_is_wide_enough(cents) -> None:
    edges = sorted(value / 100 for value in cents)
    expected = min(b - a for a, b in zip(edges, edges[1:])) >= floors.NUMBER_STEP - 1e-9
    written = ", ".join(f"{edge:g}" for edge in edges)
    assert ("OCX303" not in _codes(f"bucket(kwh, [{written}]) as b")) is expected


@FAST
@given(st.integers(1, 9), st.integers(0, 9))
def test_grid_counts_exactly_from_one_hundredth_of_a_degree(digit, exponent) -> None:
    size = digit * 10.0 ** -exponent
    expected = size >= floors.COORDINATE_STEP * (1 - 1e-9)
    found = _codes(f"grid(cdr_location.coordinates, {size:.{exponent}f}) as c", "cdrs")
    assert ("OCX303" not in found) is expected


@FAST
@given(st.integers(0, 7))
def test_round_coords_counts_up_to_two_decimals(digits) -> None:
    found = _codes(f"round_coords(cdr_location.coordinates, {digits}) as c", "cdrs")
    assert ("OCX303" not in found) is (digits <= 2)


@FAST
@given(st.sampled_from(sorted(floors.UNIT_SECONDS)))
def test_truncate_counts_from_the_hour(unit) -> None:
    found = _codes(f"truncate(start_date_time, {unit}) as t")
    assert ("OCX303" not in found) is (floors.UNIT_SECONDS[unit] >= 3600)


@FAST
@given(st.integers(1, 20))
def test_prefix_counts_only_on_postal_codes_up_to_four(length) -> None:
    postal = _codes(f"prefix(cdr_location.postal_code, {length}) as p", "cdrs")
    other = _codes(f"prefix(cdr_location.city, {length}) as p", "cdrs")
    assert ("OCX303" not in postal) is (length <= floors.POSTAL_PREFIX)
    assert "OCX303" in other


_BELOW = st.sampled_from([
    "round(kwh, 2)", "round(kwh, 10)", "bucket(kwh, [0, 0.01, 0.02])", "round(kwh * 1000, 0)",
    "minutes(2000-01-01, start_date_time)", "hours(2000-01-01, start_date_time)",
    "keep(kwh)", "kwh"])
_WRAPPERS = st.sampled_from(["keep({})", "({}) + 1", "({}) - 2", "({}) * 1", "max({})",
                             "min({})", "({}) + ({})", "round({}, 3)", "round({} * 10, 2)"])


@FAST
@given(_BELOW, st.lists(_WRAPPERS, max_size=3))
def test_wrapping_a_too_fine_value_never_silences_the_warning(inner, wrappers) -> None:
    """Pass-through calls, constant offsets, finer rounding: still a raw release."""
    expression = inner
    for wrapper in wrappers:
        expression = wrapper.format(expression, expression)
    aggregate = "max(" in expression or "min(" in expression
    if aggregate:
        body = ("from sessions\ngroup by truncate(start_date_time, day) as day\ncompute\n"
                f"  {expression} as v\n  minimum group size 10\noutput csv to stdout\n")
        found = [d.code for d in diagnose_source(SourceFile("t.ocx", HEADER + body))]
    else:
        found = _codes(f"{expression} as v")
    # a type error, or arithmetic over an aggregate (OCX216), stops the column
    refused = {"OCX201", "OCX210", "OCX214", "OCX216"} & set(found)
    assert "OCX303" in found or refused, expression


@FAST
@given(st.sampled_from(["prefix({}, 2)", "round_coords({}, 0)", "truncate({}, year)",
                        "bucket({}, [0, 100])", "round({}, -3)", "keep({})"]))
def test_no_generaliser_silences_a_personal_field(template) -> None:
    field = {"prefix": "cdr_token.uid", "keep": "cdr_token.contract_id"}.get(
        template.split("(")[0], "cdr_token.uid")
    found = _codes(template.format(field) + " as v")
    assert "OCX301" in found or {"OCX201"} & set(found)


# ---- what the reviewer reads -------------------------------------------------------------


def test_floor_notes_render(snapshot) -> None:
    body = ("from cdrs\nselect\n  round(total_energy * 1000, 1) as wh\n"
            "  minutes(2000-01-01, start_date_time) as t\n"
            "  grid(cdr_location.coordinates, 0.001) as cell\n"
            "  prefix(cdr_location.postal_code, 6) as area\n"
            "  truncate(end_date_time, minute) as ended\noutput ndjson to stdout\n")
    source = SourceFile("floors.ocx", HEADER + body)
    assert report.render(diagnose_source(source), {"floors.ocx": source}) == snapshot


def test_explain_and_docs_show_every_floor() -> None:
    from frontend_helpers import REPO

    page = lookup("OCX303").text
    language = (REPO / "docs" / "language.md").read_text()
    for name in floors.GENERALISERS:
        assert f"`{name}(" in page or f"`{name}`" in page, name
        assert f"`{name}(" in language or f"`{name}`" in language, name
    assert "0.01 degrees" in page and "`hour` or coarser" in page and "at most 4" in page
    assert math.isclose(floors.NUMBER_STEP, 0.1) and floors.TIME_FLOOR_SECONDS == 3600


# ---- generalisations that combine --------------------------------------------------------


@pytest.mark.parametrize("columns, module", [
    (["round(kwh, 1) as a", "round(kwh + 0.02, 1) as b"], "sessions"),
    (["round(kwh, 1) as a", "round(kwh + 0.033, 1) as b", "round(kwh + 0.066, 1) as c"],
     "sessions"),
    (["bucket(kwh, [0, 1, 2]) as a", "bucket(kwh, [0.02, 1.02, 2.02]) as b"], "sessions"),
    (["truncate(start_date_time, hour) as a",
      "round(minutes(2026-01-01T00:20:00Z, start_date_time), -2) as b"], "sessions"),
    (["grid(cdr_location.coordinates, 0.013) as a", "grid(cdr_location.coordinates, 0.01) as b"],
     "cdrs"),
])
def test_shifted_grids_of_one_field_combine_below_the_floor(columns, module) -> None:
    body = f"from {module}\nselect\n" + "".join(f"  {c}\n" for c in columns) + \
        "output ndjson to stdout\n"
    found = diagnose_source(SourceFile("t.ocx", HEADER + body))
    assert {d.code for d in found} == {"OCX303"}
    assert all("different grids" in d.notes[-1] for d in found)


@pytest.mark.parametrize("columns, module", [
    (["round(kwh, 1) as a", "round(kwh, 0) as b", "round(kwh * 1000, -2) as wh"], "sessions"),
    (["round(kwh, 1) as a", "bucket(kwh, [0, 5, 10, 20]) as b"], "sessions"),
    (["truncate(start_date_time, hour) as a", "truncate(start_date_time, week) as b",
      "truncate(start_date_time, month) as c", "weekday(start_date_time) as d"], "sessions"),
    (["round_coords(cdr_location.coordinates, 2) as a",
      "grid(cdr_location.coordinates, 0.01) as b"], "cdrs"),
    (["truncate(start_date_time, hour) as a",
      "round(minutes(start_date_time, end_date_time)) as b"], "sessions"),
])
def test_nested_or_half_floor_grids_pass(columns, module) -> None:
    body = f"from {module}\nselect\n" + "".join(f"  {c}\n" for c in columns) + \
        "output ndjson to stdout\n"
    assert [d.code for d in diagnose_source(SourceFile("t.ocx", HEADER + body))] == []


@FAST
@given(st.integers(2, 6))
def test_n_evenly_shifted_roundings_give_the_step_over_n(copies) -> None:
    shifts = [round(0.1 * k / copies, 4) for k in range(copies)]
    columns = "".join(f"  round(kwh + {shift}, 1) as c{k}\n" for k, shift in enumerate(shifts))
    body = f"from sessions\nselect\n{columns}output ndjson to stdout\n"
    found = [d.code for d in diagnose_source(SourceFile("t.ocx", HEADER + body))]
    assert (found != []) is (0.1 / copies < 0.05 - 1e-9)


@pytest.mark.parametrize("key, expected", [
    ("truncate(start_date_time, minute) as minute", ["OCX303"]),
    ("bucket(kwh, [0, 0.01, 0.02]) as band", ["OCX303"]),
    ("truncate(start_date_time, hour) as hour", []),
])
def test_group_keys_have_the_same_floors(key, expected) -> None:
    body = (f"from sessions\ngroup by {key}\ncompute\n  count() as n\n"
            "  minimum group size 10\noutput csv to stdout\n")
    assert [d.code for d in diagnose_source(SourceFile("t.ocx", HEADER + body))] == expected


def test_min_and_max_keep_the_class_of_what_they_release() -> None:
    from frontend_helpers import check_text

    body = ("from sessions\ngroup by truncate(start_date_time, day) as day\ncompute\n"
            "  max(round(kwh, 0)) as biggest\n  sum(kwh) as total\n"
            "  minimum group size 10\noutput csv to stdout\n")
    columns = {c.name: c.released_as.value for c in check_text(body).datasets[0].columns}
    assert columns == {"day": "quasi-identifier", "biggest": "quasi-identifier",
                       "total": "public"}


def test_a_field_read_twice_by_one_expression_is_warned_once() -> None:
    """`sort_by(charging_periods, &start_date_time)[0].start_date_time` reads the period
    start twice; the check printed the same OCX303, word for word, twice."""
    from frontend_helpers import codes_of

    body = ('from sessions\nselect\n  jmespath("sort_by(charging_periods, &start_date_time)'
            '[0].start_date_time") as first_period\noutput csv to stdout\n')
    assert codes_of(body) == ["OCX303"]


# ---- two cut times and the duration between them ----------------------------------------


def _pinned_start(start_hour: int, end_hour: int, minutes: int) -> tuple[float, float]:
    """What a consumer learns of a start (in minutes of the day) from its hour, the end's
    hour and the duration rounded to the minute."""
    low = max(start_hour * 60, end_hour * 60 - minutes - 0.5)
    high = min(start_hour * 60 + 60, end_hour * 60 + 60 - minutes + 0.5)
    return low, high


def test_two_cut_times_and_their_duration_pin_the_times() -> None:
    # started 10:58, ran 3 minutes: hour 10, hour 11, 3 minutes
    low, high = _pinned_start(10, 11, 3)
    assert high - low <= 3.5 and low <= 10 * 60 + 58 < high


@pytest.mark.parametrize("columns", [
    ["truncate(start_date_time, hour) as started", "truncate(end_date_time, hour) as ended",
     "round(minutes(start_date_time, end_date_time)) as duration"],
    ["truncate(start_date_time, day) as started", "truncate(end_date_time, day) as ended",
     "round(hours(start_date_time, end_date_time), 1) as duration"],
    ["round(minutes(end_date_time, start_date_time), -1) as duration",
     "truncate(end_date_time, hour, \"Europe/Amsterdam\") as ended",
     "truncate(start_date_time, week) as started"],
    ["truncate(start_date_time, hour) as started", "truncate(end_date_time, hour) as ended",
     "bucket(minutes(start_date_time, end_date_time), [0, 10, 30, 60]) as duration"],
    ["truncate(start_date_time, hour) as started", "hour_of_day(end_date_time) as ended",
     "round(minutes(start_date_time, end_date_time)) as duration"],
    ["truncate(start_date_time, hour) as started", "truncate(end_date_time, hour) as ended",
     "round(total_time, 1) as hours"],
])
def test_two_cut_times_and_a_fine_duration_between_them_are_below_the_floor(columns) -> None:
    module = "cdrs" if any("total_time" in column for column in columns) else "sessions"
    body = f"from {module}\nselect\n" + "".join(f"  {c}\n" for c in columns) + \
        "output ndjson to stdout\n"
    # (a duration written end first is also warned about as reversed: OCX255)
    found = [d for d in diagnose_source(SourceFile("t.ocx", HEADER + body))
             if d.code != "OCX255"]
    assert [d.code for d in found] == ["OCX303"]
    assert "the time between them" in found[0].notes[0]


@pytest.mark.parametrize("columns", [
    ["truncate(start_date_time, hour) as started", "truncate(end_date_time, hour) as ended",
     "round(hours(start_date_time, end_date_time), 0) as duration"],
    ["truncate(start_date_time, hour) as started", "truncate(end_date_time, hour) as ended",
     "bucket(minutes(start_date_time, end_date_time), [0, 30, 60, 120]) as duration"],
    ["truncate(start_date_time, hour) as started",
     "round(minutes(start_date_time, end_date_time)) as duration"],
    ["truncate(start_date_time, hour) as started", "truncate(end_date_time, hour) as ended",
     "round(minutes(start_date_time, end_date_time)) as duration because \"the reviewer "
     "accepted exact start times for this research consortium\""],
    ["truncate(start_date_time, hour) as started", "truncate(end_date_time, hour) as ended",
     "round(total_time, 0) as hours"],
])
def test_a_coarse_duration_or_one_cut_time_passes(columns) -> None:
    module = "cdrs" if any("total_time" in column for column in columns) else "sessions"
    body = f"from {module}\nselect\n" + "".join(f"  {c}\n" for c in columns) + \
        "output ndjson to stdout\n"
    assert [d.code for d in diagnose_source(SourceFile("t.ocx", HEADER + body))
            if d.code != "OCX307"] == []


@pytest.mark.parametrize("module", ["sessions", "cdrs"])
def test_a_charging_periods_cut_times_and_its_duration_pin_its_start(module: str) -> None:
    """`period.duration` is the minutes from `period.start_date_time` to `period.end`: with
    both cut to the hour it gave the period's start to the minute without a word."""
    columns = ["truncate(period.start_date_time, hour) as started",
               "truncate(period.end, hour) as ended", "round(period.duration) as minutes"]
    body = (f"from {module}\n  each charging_periods as period\nselect\n"
            + "".join(f"  {c}\n" for c in columns) + "output ndjson to stdout\n")
    found = diagnose_source(SourceFile("t.ocx", HEADER + body))
    assert [d.code for d in found] == ["OCX303"]
    assert "`period.start_date_time` and `period.end`" in found[0].notes[0]
    coarse = body.replace("round(period.duration)", "round(period.duration, -2)")
    assert [d.code for d in diagnose_source(SourceFile("t.ocx", HEADER + coarse))] == []


SAME_CHARGE = [
    # a session's CDR holds the same start, end and energy as the session
    ("sessions", "  join cdrs on id\n", ["truncate(start_date_time, hour) as started",
     'truncate(cdr.start_date_time, hour, "Asia/Kathmandu") as started_there']),
    ("sessions", "  join cdrs on id\n", ["truncate(start_date_time, hour) as started",
     'hour_of_day(cdr.start_date_time, "Asia/Kathmandu") as hour_there']),
    ("sessions", "  join cdrs on id\n", ["round(kwh, 1) as kwh",
                                          "round(cdr.total_energy + 0.02, 1) as kwh_shifted"]),
    ("cdrs", "  join sessions on session_id\n", ["round(total_energy, 1) as kwh",
                                                   "round(session.kwh + 0.02, 1) as kwh_shifted"]),
    # the first charging period starts with the charge
    ("sessions", "  each charging_periods as period\n",
     ["truncate(start_date_time, hour) as started",
      'truncate(period.start_date_time, hour, "Asia/Kathmandu") as period_started']),
    # two cut times and the duration between them, one of them read through the join
    ("sessions", "  join cdrs on id\n", ["truncate(start_date_time, hour) as started",
     "truncate(cdr.end_date_time, hour) as ended",
     "round(minutes(start_date_time, end_date_time)) as duration"]),
    ("sessions", "  join cdrs on id\n", ["truncate(cdr.start_date_time, hour) as started",
     "truncate(end_date_time, hour) as ended", "round(cdr.total_time, 1) as hours"]),
]


@pytest.mark.parametrize(("module", "clause", "columns"), SAME_CHARGE)
def test_one_charges_value_read_under_another_name_combines_too(module: str, clause: str,
                                                               columns: list[str]) -> None:
    """A session and its CDR, or a record and its first charging period, hold one start,
    end and energy: cut on two grids under two names, they showed the start to the
    quarter hour (or the energy to 0.02 kWh) without a word."""
    body = (f"from {module}\n{clause}select\n" + "".join(f"  {c}\n" for c in columns)
            + "output ndjson to stdout\n")
    assert [d.code for d in diagnose_source(SourceFile("t.ocx", HEADER + body))] == ["OCX303"]


@pytest.mark.parametrize("columns", [
    ["truncate(start_date_time, hour) as started", "truncate(cdr.start_date_time, day) as day"],
    ["round(kwh, 1) as kwh", "round(cdr.total_energy, 1) as cdr_kwh"],
])
def test_the_same_cut_of_one_charges_value_under_two_names_passes(columns: list[str]) -> None:
    body = ("from sessions\n  join cdrs on id\nselect\n" + "".join(f"  {c}\n" for c in columns)
            + "output ndjson to stdout\n")
    assert [d.code for d in diagnose_source(SourceFile("t.ocx", HEADER + body))] == []


# ---- the parts of a spread value in a row dataset ---------------------------------------


@pytest.mark.parametrize("spread, column", [
    ("each charging_periods as period\n  spread period.duration over hour in utc as slot",
     "round(period.duration, 0) as minutes_in_slot"),
    ("each charging_periods as period\n  spread period.energy_kwh over day in utc as slot",
     "round(period.energy_kwh, 1) as energy_kwh"),
    ("spread kwh over hour in utc as slot", "bucket(kwh, [0, 1, 5, 10]) as energy_band"),
])
def test_a_row_dataset_releasing_a_spread_value_releases_the_records_times(spread,
                                                                           column) -> None:
    # the first hour's part of a duration is the minutes the period ran in it: a part of
    # 46 in the 19:00 slot is a period that started at 19:14
    body = f"from sessions\n  {spread}\nselect\n  slot\n  {column}\noutput ndjson to stdout\n"
    found = diagnose_source(SourceFile("t.ocx", HEADER + body))
    assert [d.code for d in found] == ["OCX303"]
    assert "gives the record's times" in found[0].labels[0].message


@pytest.mark.parametrize("body", [
    "from sessions\n  each charging_periods as period\n"
    "  spread period.duration over hour in utc as slot\ngroup by slot\ncompute\n"
    "  sum(period.duration) as minutes\n  minimum group size 10\noutput csv to stdout\n",
    "from sessions\n  spread kwh over hour in utc as slot\nselect\n  slot\n"
    "  round(kwh, 0) as energy_kwh because \"the consumer may see each session's load over "
    "time\"\noutput csv to stdout\n",
])
def test_aggregated_or_justified_spread_values_pass(body) -> None:
    assert [d.code for d in diagnose_source(SourceFile("t.ocx", HEADER + body))] == []


# ---- grids in datasets linked by a record's pseudonym -----------------------------------


def _two_datasets(first: str, second: str, link: str = "pseudonymize(id) as session") -> str:
    return (f"from sessions as a\nselect\n  {link}\n  {first}\noutput ndjson to \"a.ndjson\"\n"
            f"from sessions as b\nselect\n  {link}\n  {second}\noutput ndjson to \"b.ndjson\"\n")


def test_grids_split_over_datasets_that_share_a_records_pseudonym_combine() -> None:
    # each file alone keeps 0.1 kWh; joined on the session's pseudonym, 0.02 kWh
    body = _two_datasets("round(kwh, 1) as e", "round(kwh + 0.02, 1) as e")
    found = diagnose_source(SourceFile("t.ocx", HEADER + body))
    assert [d.code for d in found] == ["OCX303"]
    assert "`a.e`" in found[0].labels[0].message
    assert any("pseudonym" in note for note in found[0].notes)


@pytest.mark.parametrize("link", [
    "pseudonymize(start_date_time) as started", "pseudonymize(end_date_time) as ended",
    "pseudonymize(last_updated) as updated", "pseudonymize(authorization_reference) as auth",
    "pseudonymize(cdr.id) as charge", "pseudonymize(cdr.session_id) as charge",
    # a charge's exact energy or cost: no two charges of a window share one
    "pseudonymize(kwh) as energy_key", "pseudonymize(cdr.total_cost.excl_vat) as cost_key"])
def test_any_pseudonym_naming_one_record_links_the_datasets(link: str) -> None:
    """Not only `pseudonymize(id)`: a session's exact start, or the id of its one CDR,
    is as good a key to join the two files on; so is its exact energy or cost, which
    checked clean (a pseudonym of a quasi-identifier reads `-> public`)."""
    body = _two_datasets("round(kwh, 1) as e", "round(kwh + 0.02, 1) as e", link)
    body = body.replace("\nselect", "\n  join cdrs on id\nselect")
    found = diagnose_source(SourceFile("t.ocx", HEADER + body))
    assert [d.code for d in found] == ["OCX303"]
    assert any(f"`{link.split(' as ')[0]}`" in note for note in found[0].notes)


@pytest.mark.parametrize(("session_link", "cdr_link"), [
    ("pseudonymize(id) as charge", "pseudonymize(session_id) as charge"),
    ("pseudonymize(start_date_time) as charge", "pseudonymize(start_date_time) as charge"),
    ("pseudonymize(authorization_reference) as charge",
     "pseudonymize(authorization_reference) as charge"),
])
def test_a_sessions_and_a_cdrs_dataset_sharing_a_charges_pseudonym_combine(
        session_link: str, cdr_link: str) -> None:
    """A session's `id` and its CDR's `session_id` have one pseudonym (family `session`),
    as their start times do: the consumer joins the two files on it, and the session's
    start shows to the quarter hour from an hour in UTC and one in Kathmandu."""
    body = (f"from sessions as a\nselect\n  {session_link}\n"
            "  truncate(start_date_time, hour) as started\noutput ndjson to \"a.ndjson\"\n"
            f"from cdrs as b\nselect\n  {cdr_link}\n"
            '  truncate(start_date_time, hour, "Asia/Kathmandu") as started\n'
            'output ndjson to "b.ndjson"\n')
    found = diagnose_source(SourceFile("t.ocx", HEADER + body))
    assert [d.code for d in found] == ["OCX303"]
    assert any("pseudonym of each charge" in note for note in found[0].notes)


@pytest.mark.parametrize("link", ["pseudonymize(cdr_token.contract_id) as driver",
                                  "pseudonymize(location_id) as site",
                                  "constant(\"x\") as tag"])
def test_grids_in_datasets_without_a_shared_records_pseudonym_do_not(link) -> None:
    body = _two_datasets("round(kwh, 1) as e", "round(kwh + 0.02, 1) as e", link)
    assert [d.code for d in diagnose_source(SourceFile("t.ocx", HEADER + body))] == []


def test_a_time_pin_split_over_linked_datasets_is_found() -> None:
    body = _two_datasets("truncate(start_date_time, hour) as started",
                         "truncate(end_date_time, hour) as ended\n"
                         "  round(minutes(start_date_time, end_date_time)) as duration")
    found = diagnose_source(SourceFile("t.ocx", HEADER + body))
    assert [d.code for d in found] == ["OCX303"]
    assert "`a.started` and `b.ended`" in found[0].labels[0].message


@pytest.mark.parametrize(("column", "fix"), [
    ("kwh * 1000 as wh", "round(kwh * 1000, -2) as wh"),
    ("round(kwh * 1000, 1) as wh", "round(kwh * 1000, -2) as wh"),
    ("total_cost.excl_vat * 1.21 as cost", "round(total_cost.excl_vat * 1.21, 0) as cost"),
    ("kwh / 60 as per_minute", "round(kwh / 60, 2) as per_minute"),
    ("hours(start_date_time, end_date_time) * 60 as minutes",
     "round(hours(start_date_time, end_date_time) * 60, -1) as minutes"),
])
def test_the_help_for_a_scaled_value_keeps_its_scale(column: str, fix: str) -> None:
    """`kwh * 1000 as wh` was offered `round(kwh, 1) as wh`: a column named Wh holding
    kWh. The help rounds the column as written, to the digits its scale needs, and
    checks clean."""
    body = "from sessions\nselect\n  {}\noutput ndjson to stdout\n"
    found = [d for d in diagnose_source(SourceFile("t.ocx", HEADER + body.format(column)))
             if d.code == "OCX303"]
    assert len(found) == 1 and f"`{fix}`" in found[0].help
    assert check_text(body.format(fix)).warnings == ()
