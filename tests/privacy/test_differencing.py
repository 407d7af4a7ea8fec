"""Two aggregates of one export that differ only by a filter or a window (issue 7,
part of item 6): their difference isolates records, so the checker warns (OCX332)."""

from __future__ import annotations

import pytest
from frontend_helpers import HEADER, diagnose_source

from ocpispec.diagnostics import report
from ocpispec.diagnostics.source import SourceFile


def _aggregate(clauses: str, out: str, keys: str = "truncate(start_date_time, day) as day",
               measures: str = "sum(kwh) as energy_kwh\n  count() as sessions",
               module: str = "sessions") -> str:
    return (f"from {module}\n{clauses}group by {keys}\ncompute\n  {measures}\n"
            f'  minimum group size 10\noutput csv to "{out}"\n')


def _codes(*datasets: str) -> list[str]:
    """The codes of the spec, but OCX237 (an aggregate's groups by start time in a
    `between` window on `last_updated`: late records), which is not about differencing."""
    found = diagnose_source(SourceFile("t.ocx", HEADER + "".join(datasets)))
    return [d.code for d in found if d.code != "OCX237"]


@pytest.mark.parametrize("first, second", [
    ("  last 7 days\n", "  last 7 days\n  where kwh < 55\n"),          # the attack
    ("", "  where kwh < 55\n"),
    ("  where kwh < 56\n", "  where kwh < 55\n"),                        # a one-kWh slice
    ("  last 7 days\n", "  last 8 days\n"),                              # a one-day slice
    ("  since 2026-01-01\n", "  since 2026-01-02\n"),
    ("  between 2026-01-01 and 2026-02-01\n", "  between 2026-01-15 and 2026-02-15\n"),
    ("  since last run\n", "  since last run\n  where status = \"COMPLETED\"\n"),
    ('  where evse_uid matches "NL*"\n', ""),
    ("", '  include private locations because "depot chargers of our own fleet customers"\n'),
])
def test_aggregates_that_differ_only_by_filter_or_window_are_warned(first, second) -> None:
    found = _codes(_aggregate(first, "a.csv"), _aggregate(second, "b.csv"))
    assert [code for code in found if code != "OCX310"] == ["OCX332"]


@pytest.mark.parametrize("fine, coarse", [
    ("truncate(start_date_time, day) as day", "truncate(start_date_time, week) as week"),
    ("truncate(start_date_time, day) as day", "weekday(start_date_time) as weekday"),
    ("truncate(start_date_time, hour) as hour", "truncate(start_date_time, day) as day"),
    ("truncate(start_date_time, day) as day", 'constant("all") as everything'),
    ("truncate(start_date_time, day) as day\n  prefix(location.postal_code, 3) as area",
     "prefix(location.postal_code, 2) as district"),
    ("truncate(start_date_time, day) as day\n  location.city as city", "location.city as city"),
    ("truncate(start_date_time, day) as day\n  location.city as city",
     'jmespath("location.city") as city'),
    ("truncate(start_date_time, day) as day\n  location.city as city",
     "keep(location.city) as city"),
])
@pytest.mark.parametrize("filters", [
    ('  where status = "COMPLETED"\n', '  where status in ["COMPLETED"]\n'),  # the same, written another way
    ("", "  where kwh < 55\n"),
    ("  last 7 days\n", "  last 8 days\n"),
])
def test_totals_over_other_records_are_warned(fine, coarse, filters) -> None:
    """Totals of another aggregate's groups (coarser keys) over other records: secondary
    suppression does not protect them, and their difference isolates records."""
    join = "  join locations on location_id\n"
    found = _codes(_aggregate(filters[0] + join, "a.csv", keys=fine),
                   _aggregate(filters[1] + join, "b.csv", keys=coarse))
    assert _but_cities(found) == ["OCX332"]
    found = _codes(_aggregate(filters[1] + join, "b.csv", keys=coarse),
                   _aggregate(filters[0] + join, "a.csv", keys=fine))
    assert _but_cities(found) == ["OCX332"]
    # over the same records they are margins: secondary suppression, no warning
    assert _but_cities(_codes(_aggregate(filters[0] + join, "a.csv", keys=fine),
                              _aggregate(filters[0] + join, "b.csv", keys=coarse))) == []


def _but_cities(codes: list[str]) -> list[str]:
    """The codes but OCX303: a charge's city released raw is a quasi-identifier."""
    return [code for code in codes if code != "OCX303"]


def test_a_shared_measure_is_enough() -> None:
    assert _codes(_aggregate("", "a.csv", measures="sum(kwh) as energy_kwh"),
                  _aggregate("  where kwh < 55\n", "b.csv",
                             measures="count() as n\n  sum(kwh) as energy")) == ["OCX332"]


@pytest.mark.parametrize("second", [
    _aggregate("  where kwh < 55\n", "b.csv", keys="truncate(end_date_time, week) as week"),
    _aggregate("  where kwh < 55\n", "b.csv", keys="connector_id as connector\n  evse_uid "
               "because \"the operator plans each charger's connectors\""),
    _aggregate("  where kwh < 55\n", "b.csv", measures="avg(kwh) as mean_kwh"),
    _aggregate("  where total_energy < 55\n", "b.csv", module="cdrs",
               measures="avg(total_time) as hours"),
    _aggregate("  between 2025-01-01 and 2025-02-01\n", "b.csv"),      # no overlap
    _aggregate("  between 2026-01-01 and 2026-02-01\n", "b.csv"),      # the same: a duplicate
])
def test_different_or_disjoint_aggregates_are_not_warned(second) -> None:
    first = _aggregate("  between 2026-01-01 and 2026-02-01\n", "a.csv")
    assert _codes(first, second) == []


def test_one_warning_per_dataset() -> None:
    datasets = [_aggregate(f"  where kwh < {limit}\n", f"{limit}.csv") for limit in (10, 20, 30)]
    assert _codes(*datasets) == ["OCX332", "OCX332"]


def test_select_datasets_are_left_alone() -> None:
    select = ('from sessions\n{}select round(kwh, 1) as energy\noutput csv to "{}"\n')
    assert _codes(select.format("", "a.csv"), select.format("  where kwh < 55\n", "b.csv")) == []


def test_warning_renders(snapshot) -> None:
    text = HEADER + _aggregate("  last 7 days\n", "a.csv") + _aggregate(
        "  last 7 days\n  where kwh < 55\n", "b.csv")
    source = SourceFile("diff.ocx", text)
    assert report.render(diagnose_source(source), {"diff.ocx": source}) == snapshot


@pytest.mark.parametrize("cdr_clauses, cdr_measure, expected", [
    ("  where total_energy < 55\n", "sum(total_energy) as energy_kwh", ["OCX332"]),
    ("  where total_energy < 55\n", "count() as sessions", ["OCX332"]),
    ("  last 8 days\n", "sum(total_energy) as energy_kwh", ["OCX332"]),
    # the same filter, but not the same records: the sessions without a CDR (still
    # charging, failed) are the difference, and no secondary suppression spans modules
    ("", "sum(total_energy) as energy_kwh", ["OCX332"]),
    ("", "avg(total_time) as hours", []),                   # nothing computed in common
])
def test_a_sessions_and_a_cdrs_aggregate_of_the_same_charges_difference(
        cdr_clauses: str, cdr_measure: str, expected: list[str]) -> None:
    """A session and its CDR are one charge: `sum(kwh)` of the sessions minus
    `sum(total_energy)` of the CDRs under 55 kWh leaves the one charge above it."""
    sessions = _aggregate("", "a.csv")
    cdrs = _aggregate(cdr_clauses, "b.csv", measures=cdr_measure, module="cdrs")
    assert _codes(sessions, cdrs) == expected


# ---- row datasets linked by a pseudonym (OCX333) -----------------------------------------


def _rows(where: str, out: str, columns: str = "pseudonymize(cdr_token.uid) as driver") -> str:
    clause = f"  where {where}\n" if where else ""
    return (f"from sessions\n{clause}select\n  {columns}\n  round(kwh, 0) as energy\n"
            f'output csv to "{out}"\n')


def test_energy_ranges_linked_by_the_driver_pseudonym_are_warned() -> None:
    """The oracle of item 4 on a quasi field: ranges of kwh give the exact energy back."""
    datasets = [_rows(f"kwh >= {i / 10} and kwh < {(i + 1) / 10}", f"{i}.csv")
                for i in range(5)]
    assert _codes(*datasets) == ["OCX333"] * 4


@pytest.mark.parametrize("first, second, columns, expected", [
    ("", "kwh > 50", "pseudonymize(cdr_token.uid) as driver", ["OCX333"]),
    ("", "kwh > 50", "pseudonymize(id) as session", ["OCX333"]),
    ('status = "COMPLETED"', 'status = "ACTIVE"', "pseudonymize(cdr_token.uid) as d", []),
    ("kwh > 50", "kwh > 50", "pseudonymize(cdr_token.uid) as driver", []),
    ("", "kwh > 50", "truncate(start_date_time, day) as day", []),
])
def test_linked_rows(first, second, columns, expected) -> None:
    assert _codes(_rows(first, "a.csv", columns), _rows(second, "b.csv", columns)) == expected


@pytest.mark.parametrize("session_link, cdr_link", [
    ("pseudonymize(cdr_token.contract_id) as driver", "pseudonymize(cdr_token.contract_id) as d"),
    ("pseudonymize(id) as charge", "pseudonymize(session_id) as charge"),
    ("pseudonymize(cdr.id) as charge", "pseudonymize(id) as charge"),
])
def test_a_sessions_and_a_cdrs_dataset_sharing_a_pseudonym_are_linked(session_link: str,
                                                                      cdr_link: str) -> None:
    """A driver's contract, or a charge's session id, has one pseudonym in sessions and
    in CDRs: `kwh < 20` in one file and `total_energy >= 20` in the other tell the
    consumer which side of 20 kWh each charge lies, as two sessions datasets would."""
    sessions = ("from sessions\n  join cdrs on id\n  where kwh < 20\nselect\n"
                f"  {session_link}\n  round(kwh, 0) as energy\noutput csv to \"a.csv\"\n")
    cdrs = ("from cdrs\n  where total_energy >= 20\nselect\n"
            f"  {cdr_link}\n  round(total_energy, 0) as energy\noutput csv to \"b.csv\"\n")
    found = diagnose_source(SourceFile("t.ocx", HEADER + sessions + cdrs))
    assert [d.code for d in found] == ["OCX333"]
    assert "two datasets of `sessions` and `cdrs`" in found[0].message


def test_private_locations_on_one_side_only_link_drivers_to_home_chargers() -> None:
    private = ('from sessions\n  include private locations because "depot chargers of our own '
               'fleet customers"\nselect\n  pseudonymize(cdr_token.uid) as driver\n'
               '  round(kwh, 0) as energy\noutput csv to "b.csv"\n')
    found = _codes(_rows("", "a.csv"), private)
    assert [code for code in found if code != "OCX310"] == ["OCX333"]


# ---- one aggregate released again by its own schedule (OCX336) --------------------------------

SCHEDULED = [
    ('  month to date in "Europe/Amsterdam"\n', "schedule hourly\n"),    # the hour in between
    ("  since 2026-01-01\n", "schedule daily at 06:00\n"),                # cumulative totals
    ("", "schedule daily at 06:00\n"),                                     # everything, every day
    ("  between 2026-01-01 and 2026-02-01\n", "schedule daily at 06:00\n"),
    ("  last 7 days\n", "schedule daily at 06:00\n"),                      # rolling, overlapping
    # sliding whole weeks: each week again, with the sessions still charging at the run before
    ("  previous 4 complete weeks\n  window on start_date_time\n",
     "schedule weekly on monday at 05:00\n"),
]


@pytest.mark.parametrize("window, schedule", SCHEDULED)
def test_an_aggregate_released_again_by_its_schedule_is_warned(window, schedule) -> None:
    found = _codes(_aggregate(window, "a-{run.timestamp}.csv"), schedule)
    assert "OCX336" in found


@pytest.mark.parametrize("window, schedule", [
    ("  since last run\n", "schedule hourly\n"),
    ("  previous week\n  window on start_date_time\n", "schedule weekly on wednesday at 05:00\n"),
    ('  previous month in "Europe/Amsterdam"\n', "schedule monthly on day 1 at 06:00\n"),
    ("  last 1 day\n", "schedule daily at 06:00\n"),
    ('  month to date in "Europe/Amsterdam"\n', ""),                       # no schedule: one run
])
def test_an_aggregate_released_once_per_record_is_not_warned(window, schedule) -> None:
    assert "OCX336" not in _codes(_aggregate(window, "a-{run.timestamp}.csv"), schedule)


def test_rows_released_again_are_left_to_ocx424() -> None:
    rows = ('from sessions\n  month to date\nselect\n  status\noutput csv to '
            '"r-{run.timestamp}.csv"\nschedule hourly\n')
    assert "OCX336" not in _codes(rows)


def test_repeated_release_renders(snapshot) -> None:
    text = HEADER + _aggregate('  month to date in "Europe/Amsterdam"\n',
                               "a-{run.timestamp}.csv") + "schedule hourly\n"
    source = SourceFile("t.ocx", text)
    found = [d for d in diagnose_source(source) if d.code == "OCX336"]
    assert report.render(found, {"t.ocx": source}) == snapshot


def test_totals_without_the_join_over_other_records_are_warned() -> None:
    """A join selects no records: a grand total of all sessions beside counts per joined
    area of `kwh < 55` leaves the sessions above 55 kWh, as with the join on both."""
    join = "  join locations on location_id\n"
    found = _codes(_aggregate("  where kwh < 55\n" + join, "a.csv",
                              keys="prefix(location.postal_code, 4) as area"),
                   _aggregate("", "b.csv", keys='constant("all") as everything'))
    assert found == ["OCX332"]


def test_a_cdrs_total_beside_sessions_groups_is_warned() -> None:
    """A grand total of the CDRs beside the sessions per postal district: secondary
    suppression protects totals of one module's records, so the total minus the released
    districts gives the withheld ones back (up to the sessions without a CDR)."""
    sessions = ('from sessions\n  join locations on location_id\ngroup by\n'
                '  prefix(location.postal_code, 2) as area\ncompute\n  count() as sessions\n'
                '  minimum group size 10\noutput csv to "a.csv"\n')
    cdrs = ('from cdrs\ngroup by\n  constant("all") as area\ncompute\n  count() as sessions\n'
            '  minimum group size 10\noutput csv to "b.csv"\n')
    found = diagnose_source(SourceFile("t.ocx", HEADER + sessions + cdrs))
    assert [d.code for d in found] == ["OCX332"]
    assert "one the totals of the other's groups, differ by their module" in found[0].message
    assert "both `from sessions`" in (found[0].help or "")


# ---- a filter that leaves out a few people by name (OCX349) ---------------------------------

_WHY = 'because "the staff test cards are not real charging"'


@pytest.mark.parametrize("left_out", [
    f'  where cdr_token.uid != "04A2B3C4" {_WHY}\n',
    f'  where cdr_token.contract_id not in ["NL-TNM-C1", "NL-TNM-C2", "NL-TNM-C3"] {_WHY}\n',
    f'  where status = "COMPLETED" and cdr_token.uid != "04A2B3C4" {_WHY}\n',
    f'  where "04A2B3C4" != cdr_token.uid {_WHY}\n',
    f'  where not (cdr_token.uid = "04A2B3C4") {_WHY}\n',
    f'  where not (cdr_token.uid in ["04A2B3C4", "04A2B3C5"]) {_WHY}\n',
])
def test_leaving_out_fewer_people_than_the_minimum_by_name_is_an_error(left_out) -> None:
    """The difference of the two tables is those people's charging, group by group: a
    group the minimum group size withholds, released by subtraction."""
    base = '  where status = "COMPLETED"\n' if "status" in left_out else ""
    assert _codes(_aggregate(base, "a.csv"), _aggregate(left_out, "b.csv")) == ["OCX349"]
    assert _codes(_aggregate(left_out, "a.csv"), _aggregate(base, "b.csv")) == ["OCX349"]


@pytest.mark.parametrize("first, second", [
    # as many people as the minimum group size: a group it would release
    ("", "  where cdr_token.uid not in [" + ", ".join(f'"C{n}"' for n in range(10))
     + f"] {_WHY}\n"),
    # keeping named people is no difference of a few
    ("", f'  where cdr_token.uid in ["04A2B3C4"] {_WHY}\n'),
    # and another clause besides
    ("", f'  where kwh < 55 and cdr_token.uid != "04A2B3C4" {_WHY}\n'),
])
def test_other_filters_on_people_stay_a_warning(first, second) -> None:
    assert _codes(_aggregate(first, "a.csv"), _aggregate(second, "b.csv")) == ["OCX332"]


def test_the_same_people_left_out_of_both_is_fine() -> None:
    left_out = f'  where cdr_token.uid != "04A2B3C4" {_WHY}\n'
    assert _codes(_aggregate(left_out, "a.csv"), _aggregate(left_out, "b.csv")) == []


def test_a_run_of_such_a_spec_releases_nothing(run_cli, demo_server, tmp_path) -> None:
    """Against the demo CPO: the spec ran and delivered both tables, whose difference was
    the one card's energy per day."""
    spec = tmp_path / "test_card.ocx"
    spec.write_text(HEADER.replace("source profile demo\n", "source ocpi env OCPI_VERSIONS_URL "
                                   "token env OCPI_TOKEN\n")
                    + _aggregate("", "a.csv")
                    + _aggregate(f'  where cdr_token.uid != "04A2B3C4" {_WHY}\n', "b.csv"))
    result = run_cli("run", str(spec), "--out", str(tmp_path / "out"), "--as-of",
                     "2026-01-01T00:00:00Z",
                     env={"OCPI_VERSIONS_URL": demo_server.versions_url,
                          "OCPI_TOKEN": demo_server.token,
                          "TEST_KEY": "0f8e3a6c1d5b92e47a0c8f3d6b1e59a27c4f0d8b3e6a15c9f2d7b40e8a3c6f1d"})
    assert result.exit_code == 1 and "error[OCX349]" in result.stderr
    assert not list(tmp_path.glob("out*"))
