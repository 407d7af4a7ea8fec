"""Round fourteen's new users. A statistics office or a tax office reporting per quarter
wrote `truncate(start_date_time, quarter)` and was told (OCX203) to cut by month: a
quarter is now a unit of `truncate`, between the month and the year, on the UTC or a
local clock (the second quarter in Amsterdam begins at 2025-03-31T22:00:00Z), labelled
as a month is (`2025-04-01T00:00:00+02:00`), and one level of the k rule's hierarchy
above the month. Then eight consumers we do not ship, each first written as a hurried
user coming from SQL, pandas, dbt or jq writes it (tests/specs/consumers/, run by
test_consumer_specs.py): each first try's diagnostic is snapshot, and its help, pasted
over what the caret covers, checks clean."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fixtures_cli import cli_block
from independent_cpo import IndependentCpo
from ocpispec.disclosure.hierarchy import levels_for, recoder
from ocpispec.execute.functions import local_truncator
from ocpispec.execute.time_functions import truncator
from test_newcomer_round_twelve_consumers import _WRITE, _caret, _first_try

KEY = "9e4c1a7f3b08d26e5c9a0f7b3d1e84c6a2f5b09d7e3c16a8f4b2d90e5c7a3f1b"
HEADER = '''export quarters
  consumer "Statistics office"
  purpose "Quarterly statistics on public charging"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
'''

# (start in UTC, its quarter in Amsterdam, its quarter in UTC)
BOUNDARIES = [
    # the last second of the first quarter in Amsterdam (summer time since 30 March)
    ("2025-03-31T21:59:59Z", "2025-01-01T00:00:00+01:00", "2025-01-01T00:00:00Z"),
    # the first second of the second, which is still March in UTC
    ("2025-03-31T22:00:00Z", "2025-04-01T00:00:00+02:00", "2025-01-01T00:00:00Z"),
    ("2025-03-31T23:59:59Z", "2025-04-01T00:00:00+02:00", "2025-01-01T00:00:00Z"),
    ("2025-04-01T00:00:00Z", "2025-04-01T00:00:00+02:00", "2025-04-01T00:00:00Z"),
    # the fourth quarter crosses the end of summer time (26 October, 03:00 -> 02:00)
    ("2025-10-26T00:30:00Z", "2025-10-01T00:00:00+02:00", "2025-10-01T00:00:00Z"),
    ("2025-12-31T22:59:59Z", "2025-10-01T00:00:00+02:00", "2025-10-01T00:00:00Z"),
    ("2025-12-31T23:00:00Z", "2026-01-01T00:00:00+01:00", "2025-10-01T00:00:00Z"),
]


@pytest.mark.parametrize("start, local, utc", BOUNDARIES)
def test_a_quarter_starts_on_its_clock(start: str, local: str, utc: str) -> None:
    assert local_truncator("quarter", "Europe/Amsterdam")(start) == local
    assert truncator("quarter")(start) == utc
    # the sliced fast path and the parsed one agree (milliseconds take the parsed one)
    assert truncator("quarter")(start.replace("Z", ".5Z")) == utc


def test_boundary_sessions_land_in_their_quarter(run_cli, tmp_path: Path) -> None:
    """Through a real OCPI server: each boundary session's row says the quarter of its
    start on each clock; the hour beside it tells the rows apart."""
    spec = tmp_path / "quarters.ocx"
    spec.write_text(HEADER + '''from sessions
  between 2025-01-01 and 2026-06-01
select
  truncate(start_date_time, hour) as started
  truncate(start_date_time, quarter, "Europe/Amsterdam") as local_quarter
  truncate(start_date_time, quarter) as utc_quarter
output csv to "exports/quarters.csv"
''')
    assert run_cli("check", str(spec)).exit_code == 0
    with IndependentCpo("2.2.1", records=len(BOUNDARIES)) as cpo:
        for record, (start, _, _) in zip(cpo.lists["sessions"], BOUNDARIES, strict=True):
            moment = datetime.fromisoformat(start)
            record["start_date_time"] = start
            record["end_date_time"] = record["last_updated"] = \
                (moment + timedelta(minutes=50)).strftime("%Y-%m-%dT%H:%M:%SZ")
        done = run_cli("run", str(spec), "--out", str(tmp_path / "q.csv"),
                       env={"OCPI_VERSIONS_URL": cpo.versions_url, "OCPI_TOKEN": cpo.token,
                            "TEST_KEY": KEY})
    assert done.exit_code == 0, cli_block(done)
    rows = {row["started"]: row for row in csv.DictReader(io.StringIO(
        (tmp_path / "q.csv").read_text()))}
    for start, local, utc in BOUNDARIES:
        hour = datetime.fromisoformat(start).astimezone(UTC).strftime("%Y-%m-%dT%H:00:00Z")
        assert (rows[hour]["local_quarter"], rows[hour]["utc_quarter"]) == (local, utc), start


def test_the_k_rule_coarsens_a_month_to_its_quarter_then_its_year() -> None:
    assert levels_for("truncate", "month") == ("quarter", "year")
    assert levels_for("truncate", "quarter") == ("year",)
    # where no month is, the levels stay as they were: a quarter takes no year's place
    assert levels_for("truncate", "day") == ("week", "month", "year")
    assert levels_for("truncate", "week") == ("month", "year")
    assert recoder("time", "quarter")("2025-05-01T00:00:00Z") == "2025-04-01T00:00:00Z"
    assert recoder("time", "year")("2025-04-01T00:00:00Z") == "2025-01-01T00:00:00Z"


def test_a_k_rule_recodes_lone_months_to_their_quarter(run_cli, tmp_path: Path) -> None:
    """April's and May's single drivers are one class of two in the second quarter (in
    its year they would read as January's); August's two drivers keep their month."""
    spec = tmp_path / "months.ocx"
    spec.write_text(HEADER + '''from sessions
  between 2025-01-01 and 2026-01-01
select
  truncate(start_date_time, month) as month
  round(kwh, 0) as kwh
  require k 2 over (month) suppression limit 50%
output csv to "exports/months.csv"
''')
    starts = ["2025-04-10T10:00:00Z", "2025-05-10T10:00:00Z", "2025-08-03T10:00:00Z",
              "2025-08-20T10:00:00Z"]
    with IndependentCpo("2.2.1", records=len(starts)) as cpo:
        for record, start in zip(cpo.lists["sessions"], starts, strict=True):
            record["start_date_time"] = start
            record["end_date_time"] = record["last_updated"] = start.replace("T10", "T11")
        done = run_cli("run", str(spec), "--out", str(tmp_path / "m.csv"),
                       env={"OCPI_VERSIONS_URL": cpo.versions_url, "OCPI_TOKEN": cpo.token,
                            "TEST_KEY": KEY})
    assert done.exit_code == 0, cli_block(done)
    months = sorted(row["month"] for row in csv.DictReader(io.StringIO(
        (tmp_path / "m.csv").read_text())))
    assert months == ["2025-04-01T00:00:00Z", "2025-04-01T00:00:00Z",
                      "2025-08-01T00:00:00Z", "2025-08-01T00:00:00Z"]


def test_the_plan_says_quarter(run_cli, tmp_path: Path, snapshot) -> None:
    spec = tmp_path / "quarters.ocx"
    spec.write_text(HEADER + '''from sessions
  previous quarter in "Europe/Amsterdam"
  window on start_date_time
group by
  truncate(start_date_time, quarter, "Europe/Amsterdam") as quarter
compute
  count() as sessions
  minimum group size 10
output csv to "exports/quarters.csv"
''')
    done = run_cli("plan", str(spec))
    assert done.exit_code == 0, done.stderr
    assert "truncate(start_date_time, quarter, \"Europe/Amsterdam\")" in done.stdout
    review = run_cli("review", str(spec), "--format", "markdown")
    assert review.exit_code == 0, review.stderr
    assert "cut to the quarter (Europe/Amsterdam time)" in review.stdout


_TAX = "tax_energy_municipality_quarterly"  # `previous quarter in "Europe/Amsterdam"`
_CITY = "city_occupancy_hour_of_week"
_IDLE = "idle_time_percentiles"
_TOURISM = "tourism_foreign_cards_monthly"
_SAMPLE = "university_repeat_sample"
_LOCAL_QUARTER = 'truncate(start_date_time, quarter, "Europe/Amsterdam")'
_LOCAL_MONTH = 'truncate(start_date_time, month, "Europe/Amsterdam")'
_MEDIAN = "round(median(total_parking_time), 1)"
_P90 = "round(percentile(total_parking_time, 0.9), 1)"

# (spec, what the spec says, the first try, the code, what the help writes over the caret)
_TRIES = [
    (_TAX, _LOCAL_QUARTER, "date_trunc('quarter', start_date_time)", "OCX002", _LOCAL_QUARTER),
    (_TAX, _LOCAL_QUARTER, 'date_trunc("quarter", start_date_time)', "OCX107", _LOCAL_QUARTER),
    (_TAX, _LOCAL_QUARTER, 'truncate(start_date_time, "quarter", "Europe/Amsterdam")',
     "OCX203", "quarter"),
    (_TAX, _LOCAL_QUARTER, "extract(quarter from start_date_time)", "OCX001", _LOCAL_QUARTER),
    (_TAX, _LOCAL_QUARTER, "quarter(start_date_time)", "OCX107", _LOCAL_QUARTER),
    (_TAX, _LOCAL_QUARTER, "date_part('quarter', start_date_time)", "OCX002", _LOCAL_QUARTER),
    (_TAX, _LOCAL_QUARTER, "to_char(start_date_time, 'YYYY-\"Q\"Q')", "OCX002",
     _LOCAL_QUARTER),
    ("fleet_energy_per_card", "truncate(start_date_time, month)",
     "date_trunc('month', start_date_time)", "OCX002", "truncate(start_date_time, month)"),
    (_TOURISM, _LOCAL_MONTH, "strftime('%Y-%m', start_date_time)", "OCX002", _LOCAL_MONTH),
    (_TOURISM, '!= "NL"', '<> "NL"', "OCX001", "!="),
    (_CITY, 'weekday(start_date_time, "Europe/Amsterdam")',
     "extract(dow from start_date_time)", "OCX001",
     'weekday(start_date_time, "Europe/Amsterdam")'),
    (_CITY, 'hour_of_day(start_date_time, "Europe/Amsterdam")',
     "extract(hour from start_date_time)", "OCX001",
     'hour_of_day(start_date_time, "Europe/Amsterdam")'),
    (_CITY, "count() as sessions", "count(*) as sessions", "OCX001", "count()"),
    (_CITY, "prefix(location.postal_code, 4)", "left(location.postal_code, 4)", "OCX107",
     "prefix(location.postal_code, 4)"),
    (_IDLE, _MEDIAN, "percentile_cont(0.5) within group (order by total_parking_time)",
     "OCX014", _MEDIAN),
    (_IDLE, _MEDIAN, "round(median(total_time - total_charging_time), 1)", "OCX104",
     "total_parking_time"),
    (_IDLE, _P90, "quantile(total_parking_time, 0.9)", "OCX107", _P90),
    (_SAMPLE, "sample 10%", "tablesample bernoulli (10)", "OCX014", "sample 10%"),
    (_SAMPLE, "pseudonymize(cdr_token.uid)", "hash(cdr_token.uid)", "OCX107",
     "pseudonymize(cdr_token.uid)"),
    ("insurer_connector_fault_stops", 'status = "INVALID"', 'status == "INVALID"', "OCX001",
     "="),
    ("grid_site_load_15min", "over quarter_hour", "over 15 minutes", "OCX224",
     "over quarter_hour"),
]


def _told(said: str) -> str:
    """What the first diagnostic's help writes: the last `...` of its help line."""
    help_line = next(line for line in said.splitlines() if line.startswith("help: "))
    return help_line.rsplit("`", 2)[-2]


@pytest.mark.parametrize("name, good, first, code, told", _TRIES,
                         ids=[f"{n}-{i}" for i, (n, *_) in enumerate(_TRIES)])
def test_the_help_applied_checks_clean(run_cli, tmp_path: Path, name: str, good: str,
                                       first: str, code: str, told: str, snapshot) -> None:
    """Each first try gets one diagnostic whose help, pasted over what the caret covers,
    gives a spec that checks clean with no warning: in one step (a quoted `date_trunc`
    unit was told its double quotes, then the call; a `quantile` was told a percentile,
    then to round it; `extract(dow from t)` in an Amsterdam window a UTC weekday)."""
    done, spec, _ = _first_try(run_cli, tmp_path, name, good, first)
    said = done.stderr
    assert done.exit_code == 1 and f"[{code}]" in said, said
    assert "Traceback" not in said and "expected one of" not in said, said
    assert said.replace(str(spec), f"{name}.ocx") == snapshot
    assert _told(said) == told, said
    written = spec.read_text()
    begin, end = _caret(said, written)
    spec.write_text(written[:begin] + told + written[end:])
    again = run_cli("check", str(spec))
    assert again.exit_code == 0 and "warning" not in again.stderr, again.stderr


_FLEET_ROWS = (
    'select\n  cdr_token.contract_id as card because "the fleet manager books each of its own '
    'cards to a vehicle group"\n  truncate(start_date_time, month) as month\n'
    '  round(total_energy, 1) as energy_kwh\n')
# a token's `group_id` groups the tokens of one driver (OCPI): a group per person
_FLEET_GROUPS = ("  join tokens on cdr_token.uid\ngroup by\n  token.group_id as vehicle_group\n"
                 "  truncate(start_date_time, month) as month\ncompute\n"
                 "  round(sum(total_energy), 1) as energy_kwh\n  minimum group size 10\n")

# first tries whose help asks for a choice (a reason, a key, a join): (spec, what the spec
# says, the first try, the code)
_CHOICES = [
    ("fleet_energy_per_card", _FLEET_ROWS, _FLEET_GROUPS, "OCX321"),
    ("grid_site_load_15min", "  join locations on cdr_location.id\n", "", "OCX225"),
    (_TOURISM, 'card_country because "visitors are counted per country; each row holds '
     'ten drivers"', "card_country", "OCX303"),
    ("insurer_connector_fault_stops", "  location.connector.standard as standard",
     "  connector_id as connector", "OCX242"),
    ("insurer_connector_fault_stops", "  minimum group size 10\n", "", "OCX319"),
    (_TAX, _LOCAL_QUARTER, "truncate(start_date_time, quarter)", "OCX236"),
]


@pytest.mark.parametrize("name, good, first, code", _CHOICES,
                         ids=[f"{n}-{i}" for i, (n, *_) in enumerate(_CHOICES)])
def test_a_first_try_that_asks_for_a_choice(run_cli, tmp_path: Path, name: str, good: str,
                                           first: str, code: str, snapshot) -> None:
    done, _, _ = _first_try(run_cli, tmp_path, name, good, first)
    assert f"[{code}]" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and "expected one of" not in done.stderr
    assert cli_block(done, tmp=tmp_path) == snapshot
