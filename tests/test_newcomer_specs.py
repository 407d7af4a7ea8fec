"""Specs a hurried newcomer writes for consumers we do not ship (a statistics office's
monthly kWh per municipality, a grid operator's quarter-hour load, a researcher's
session durations), checked with the real CLI (`ocpispec check FILE`, in this process:
`_check`): each diagnostic is snapshotted as the user sees it, and its help, pasted over
the caret, gives a spec that checks without errors."""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

STATISTICS = '''export stats_office
  consumer "Statistics office"
  purpose "Monthly kWh per municipality for official statistics"
  legal basis legal obligation
  retention 10 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from sessions
  previous month
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
group by
  location.city as municipality
compute
  sum(kwh) as kwh
  minimum group size 10
output csv to "exports/stats.csv"
'''

LOAD = '''export grid_load
  consumer "Grid operator"
  purpose "Quarter-hour load per substation area"
  legal basis legitimate interests
  retention 5 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from sessions
  previous week
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
  each charging_periods as period
  spread period.energy_kwh over quarter_hour in utc as slot
group by
  slot because "grid load is planned per quarter hour; each cell holds ten drivers"
  prefix(location.postal_code, 4) as postal_area
compute
  sum(period.energy_kwh) as energy_kwh
  minimum group size 10
output csv to "exports/load.csv"
'''

ROWS = '''export research
  consumer "University"
  purpose "Session durations for charging behaviour research"
  legal basis legitimate interests
  retention 3 years
  pseudonym key env RESEARCH_KEY

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from sessions
  previous month
  where status = "COMPLETED"
  join locations on location_id
select
  pseudonymize(cdr_token.contract_id) as driver
  round(minutes(start_date_time, end_date_time)) as duration_min
output ndjson to "exports/research.ndjson"
'''

SPECS = {"statistics": STATISTICS, "load": LOAD, "rows": ROWS}


def _check(path: Path) -> subprocess.CompletedProcess:
    """`ocpispec check PATH` from the repo root, as the command runs it (the entry point's
    own reading of a `check` line, `launch.check.run_check` under `launch.guard`), in this
    process: a Python started per check cost 0.3 s of CPU, twice per case, some 250 cases
    (tests/test_launch.py holds the entry point to the same bytes and status)."""
    from ocpispec.launch import check_arguments
    from ocpispec.launch.check import run_check
    from ocpispec.launch.guard import guarded

    arguments = check_arguments(["check", str(path)])
    assert arguments is not None
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in (("NO_COLOR", "1"), ("COLUMNS", "100"), ("TERM", "dumb")):
            patch.setenv(name, value)
        patch.chdir(REPO)
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                status = guarded(lambda: run_check(arguments))
            except SystemExit as stop:
                status = stop.code if isinstance(stop.code, int) else 1
    return subprocess.CompletedProcess(["ocpispec", "check", str(path)], status,
                                       stdout.getvalue(), stderr.getvalue())


def _without_the_city_warning(shown: str) -> str:
    """The statistics spec groups by the joined site's city, a quasi-identifier: its
    OCX303 warning stands beside every case of that spec, and is no newcomer's mistake."""
    blocks = shown.split("\n\n")
    return "\n\n".join(block for block in blocks if not block.startswith(
        "warning[OCX303]: quasi-identifier `location.city`"))


def _applied(text: str, shown: str) -> str:
    """The spec with the help's first `write `...`` put where the caret is: the caret is
    read off the rendered diagnostic (its line number and the `^` under the line)."""
    shown = shown[re.search(r"^(?:error|warning)\[", shown, re.MULTILINE).start():]
    line = int(re.search(r"--> [^\n]*:(\d+):\d+", shown).group(1))
    carets = re.search(rf"\n *{line} \| [^\n]*\n\s+\| ( *)(\^+)", shown)
    replacement = re.search(r"help: [^\n]*?(?:write|did you mean) `(.+?)`"
                            r"(?=,| for | \(|;|\?|$)", shown, re.MULTILINE).group(1)
    lines = text.split("\n")
    start, width = len(carets.group(1)), len(carets.group(2))
    lines[line - 1] = lines[line - 1][:start] + replacement + lines[line - 1][start + width:]
    return "\n".join(lines)


def assert_help_fixes(text: str, old: str, new: str, path: Path, snapshot, *,
                      apply: Callable[[str, str], str] | None = None,
                      mistake_of: Callable[[str], str] = lambda shown: shown) -> None:
    """`text` with `old` made `new` (a newcomer's mistake), written to `path` and checked:
    the output is the snapshot, with no traceback, and names one code; the spec with the
    help of that code applied (`apply`, by default `_applied`) checks without it and
    without an error. `mistake_of`: the part of the output the help is read from."""
    assert old in text
    path.write_text(text.replace(old, new, 1))
    done = _check(path)
    shown = done.stderr.replace(str(path), path.name)
    assert "Traceback" not in shown
    assert (done.returncode, shown) == snapshot
    mistake = mistake_of(shown)
    [code] = re.findall(r"^(?:error|warning)\[(OCX\d+)\]", mistake, re.MULTILINE)
    path.write_text((apply or _applied)(path.read_text(), mistake))
    again = _check(path)
    assert "error[" not in again.stderr and code not in again.stderr, (path.read_text(),
                                                                       again.stderr)


CASES = [
    # `previous month` run together as one word, or as `last month` glued
    ("glued last month", "statistics", "previous month", "lastmonth"),
    ("glued last week", "load", "previous week", "lastweek"),
    # header lines as settings elsewhere are written
    ("consumer =", "statistics", 'consumer "Statistics office"',
     'consumer = "Statistics office"'),
    ("version =", "rows", "token env OCPI_TOKEN", "token env OCPI_TOKEN version = auto"),
    ("export name in words", "statistics", "export stats_office", "export Stats Office NL"),
    ("purpose in two texts", "rows", '"Session durations for charging behaviour research"',
     '"Session durations" "for charging behaviour research"'),
    # a GIS team's names for a location's fields
    ("latitude of a location", "statistics", "location.city as municipality",
     "location.latitude as municipality"),
    ("city of the address", "statistics", "location.city as municipality",
     "location.address.city as municipality"),
    # a user's word for a keyword, or a clause's first keyword left out
    ("recipient", "statistics", "  consumer", "  recipient"),
    ("filter", "rows", "  where status", "  filter status"),
    ("export csv", "statistics", "output csv to", "export csv to"),
    ("output into", "statistics", "output csv to", "output csv into"),
    ("arrow for as", "statistics", "as municipality", "=> municipality"),
    ("schedule left out", "statistics", 'output csv to "exports/stats.csv"',
     'output csv to "exports/stats.csv"\nmonthly on day 1 at 06:00'),
    ("comparison without operator", "rows", 'status = "COMPLETED"', 'status "COMPLETED"'),
    # a field named with a unit or a filler word, or one of a module not joined yet
    ("kwh_delivered", "rows", "round(minutes(start_date_time, end_date_time))",
     "round(kwh_delivered)"),
    ("session_duration", "rows", "round(minutes(start_date_time, end_date_time))",
     "round(session_duration)"),
    ("city of the joined location", "rows", "as duration_min\n",
     "as duration_min\n  city\n"),
    # a join of a module in the singular: one error, not one more per field it reads
    ("join location", "statistics", "join locations on", "join location on"),
    # a legal basis as its article, a retention without an end
    ("legal basis as article", "statistics", "legal basis legal obligation",
     "legal basis GDPR Art. 6(1)(c)"),
    ("retention forever", "statistics", "retention 10 years", "retention indefinitely"),
    # a phrase of the language written as one word, or with a word misspelt
    ("legal_basis", "statistics", "legal basis legal obligation", "legal_basis legal obligation"),
    ("lawful basis", "statistics", "legal basis legal obligation",
     "lawful basis legal obligation"),
    ("group-by", "statistics", "group by", "group-by"),
    ("window_on", "load", "window on", "window_on"),
    # the group size rule in other words, parsed as three columns
    ("min size", "statistics", "minimum group size 10", "min size 10"),
    ("min_group_size =", "statistics", "minimum group size 10", "min_group_size = 10"),
    ("minimum group", "load", "minimum group size 10", "minimum group 10"),
    ("minimum group size >=", "load", "minimum group size 10", "minimum group size >= 10"),
    # the k rule of a row export in other words
    ("k-anonymity", "rows", "as duration_min\n", "as duration_min\n  k-anonymity 5\n"),
    ("require k on", "rows", "as duration_min\n",
     "as duration_min\n  require k >= 5 on (duration_min) suppression 2%\n"),
    # a compute column without an aggregate
    ("number as value", "statistics", "sum(kwh) as kwh", "kwh as value"),
    ("text as value", "statistics", "sum(kwh) as kwh",
     "sum(kwh) as kwh\n  location.city as cities"),
    ("count of a field", "statistics", "sum(kwh) as kwh", "count(location.id) as sites"),
    # a spreadsheet's argument separator
    ("semicolon between arguments", "rows", "round(minutes(start_date_time, end_date_time))",
     "round(minutes(start_date_time; end_date_time))"),
    # a function from SQL or Python whose help writes the whole call
    ("hash", "rows", "pseudonymize(cdr_token.contract_id)", "sha256(cdr_token.contract_id)"),
    # a column's name quoted, or in two words
    ("quoted name", "rows", "as duration_min", 'as "Duration (min)"'),
    ("name in two words", "rows", "as duration_min", "as duration min"),
    # the output clause in another order
    ("format after destination", "statistics", 'output csv to "exports/stats.csv"',
     'output to "exports/stats.ndjson" ndjson'),
    ("format after to", "statistics", 'output csv to "exports/stats.csv"',
     'output to ndjson "exports/stats.ndjson"'),
    ("format and dialect after destination", "statistics", 'output csv to "exports/stats.csv"',
     'output to "exports/stats.csv" csv excel-nl'),
    ("format as", "rows", 'output ndjson to "exports/research.ndjson"',
     'output "exports/research.ndjson" as ndjson'),
    ("no output word", "rows", 'output ndjson to "exports/research.ndjson"',
     'ndjson to "exports/research.ndjson"'),
    ("to stdout without format", "rows", 'output ndjson to "exports/research.ndjson"',
     "output to stdout"),
    # an Excel user's dialect named by the language or where the format goes
    ("dialect as format", "statistics", "output csv to", "output excel-de to"),
    ("locale", "statistics", "output csv to", "output csv locale nl to"),
    ("with dialect", "statistics", "output csv to", "output csv with excel-nl to"),
    # a GIS team's format, and a grid cell written to a CSV
    ("shapefile", "rows", 'as duration_min\noutput ndjson to "exports/research.ndjson"',
     'as duration_min\n  grid(location.coordinates, 0.05) as cell\n'
     'output shapefile to "exports/research.geojson"'),
    # a spread's time zone in other words
    ("spread local time", "load", "in utc as slot", "in local time as slot"),
    ("spread location timezone", "load", "in utc as slot", "in location timezone as slot"),
    ("spread gmt", "load", "in utc as slot", "in gmt as slot"),
    # a unit of time abbreviated, run together with its number, or in Dutch
    ("retention 10y", "statistics", "retention 10 years", "retention 10y"),
    ("retention in Dutch", "statistics", "retention 10 years", "retention 10 jaar"),
    ("window in days abbreviated", "rows", "previous month", "last 30 d"),
    # a test for a missing value as other languages write it
    ("is not empty", "rows", 'status = "COMPLETED"',
     'status = "COMPLETED" and end_date_time is not empty'),
    ("not null", "rows", 'status = "COMPLETED"', 'status = "COMPLETED" and end_date_time not null'),
    # a country or currency in another code than OCPI's: an empty export
    ("country in two letters", "statistics", 'status = "COMPLETED"',
     'status = "COMPLETED" and location.country = "NL"'),
    ("currency as a sign", "rows", 'status = "COMPLETED"',
     'status = "COMPLETED" and currency = "€"'),
    # `order by` as SQL and spreadsheets write it
    ("order by a field", "statistics", "output csv", "order by location.city\noutput csv"),
    ("order by minus", "statistics", "output csv", "order by -kwh\noutput csv"),
    ("sort by", "statistics", "output csv", "sort by municipality\noutput csv"),
    ("order by descending", "statistics", "output csv", "order by kwh descending\noutput csv"),
    ("order by the field's name", "statistics", "output csv", "order by city\noutput csv"),
    # a schedule in local time, or without its day
    ("schedule in local time", "statistics", 'output csv to "exports/stats.csv"',
     'output csv to "exports/stats.csv"\nschedule monthly on day 1 at 06:00 in '
     '"Europe/Amsterdam"'),
    ("schedule without day", "statistics", 'output csv to "exports/stats.csv"',
     'output csv to "exports/stats.csv"\nschedule monthly'),
    # a time zone written as an offset: an hour off if the help guessed by spelling
    ("zone as an offset", "statistics", "previous month", 'previous month in "UTC+1"'),
    ("zone in lower case", "statistics", "previous month", 'previous month in "europe/amsterdam"'),
    # a value the spread does not split, added up per slot
    ("sum of the session's energy per slot", "load", "sum(period.energy_kwh) as energy_kwh",
     "sum(kwh) as energy_kwh"),
    # a group by without keys, an empty destination
    ("group by nothing", "statistics", "  location.city as municipality\n", ""),
    ("empty destination", "rows", '"exports/research.ndjson"', '""'),
    # a list released whole: every way to release it
    ("list of periods", "rows", "  round(minutes(start_date_time, end_date_time)) as "
     "duration_min", "  charging_periods"),
]


@pytest.mark.parametrize(("case", "spec", "old", "new"), CASES, ids=[c[0] for c in CASES])
def test_a_newcomer_s_mistake_gets_a_help_that_fixes_it(case: str, spec: str, old: str,
                                                        new: str, tmp_path: Path,
                                                        snapshot) -> None:
    assert_help_fixes(SPECS[spec], old, new, tmp_path / f"{spec}.ocx", snapshot,
                      mistake_of=_without_the_city_warning)


def test_the_shipped_specs_of_this_file_check(tmp_path: Path) -> None:
    for name, text in SPECS.items():
        path = tmp_path / f"{name}.ocx"
        path.write_text(text)
        done = _check(path)
        assert done.returncode == 0 and "error[" not in done.stderr, done.stderr


def test_a_grid_cell_in_a_csv_is_not_told_to_release_the_exact_place(tmp_path: Path,
                                                                      snapshot) -> None:
    """A GIS team's CSV of grid cells was told to select the location's latitude and
    longitude separately: the exact place the grid was there to hide. The help now
    names the formats that hold a pair, Parquet among them."""
    path = tmp_path / "rows.ocx"
    path.write_text(ROWS.replace('as duration_min\noutput ndjson to "exports/research.ndjson"',
                                 'as duration_min\n  grid(location.coordinates, 0.05) as cell\n'
                                 'output csv to "exports/research.csv"'))
    done = _check(path)
    shown = done.stderr.replace(str(path), "rows.ocx")
    assert (done.returncode, shown) == snapshot
    assert "latitude`" not in shown and "`parquet`" in shown


@pytest.mark.parametrize(("old", "new"), [
    ("compute\n", "compute\n  = "),             # `=` on the line after a keyword
    ("group by\n", "group by =\n"),
    ("export stats_office", "export stats_office office ="),
])
def test_an_equals_sign_anywhere_after_a_keyword_is_a_diagnostic(old: str, new: str,
                                                                 tmp_path: Path) -> None:
    """The help for `consumer = "..."` looked for the `=` on the keyword's line: one on
    the next line was an internal error (a traceback under OCPISPEC_DEBUG)."""
    path = tmp_path / "statistics.ocx"
    path.write_text(STATISTICS.replace(old, new, 1))
    done = _check(path)
    assert done.returncode == 1 and "error[OCX" in done.stderr, done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr


def test_select_star_says_that_columns_are_named(tmp_path: Path, snapshot) -> None:
    """`select *` said "expected one of `-` or an expression, found `*`"."""
    path = tmp_path / "rows.ocx"
    path.write_text(ROWS.replace("select\n", "select *\n"))
    done = _check(path)
    shown = done.stderr.replace(str(path), "rows.ocx")
    assert (done.returncode, shown) == snapshot
    assert "ocpispec schema sessions" in shown


def test_a_one_off_table_by_start_month_in_a_fixed_range_is_warned(tmp_path: Path,
                                                                   snapshot) -> None:
    """A statistics office's `between 2025-11-01 and 2025-12-01` grouped by the month a
    session started checked clean: the range selects by `last_updated`, so October's
    sessions billed in November made a small October row and November's sessions billed
    in December were missing (OCX237 was given for calendar windows only)."""
    path = tmp_path / "statistics.ocx"
    path.write_text(STATISTICS.replace("  previous month\n  window on start_date_time\n",
                                       "  between 2025-11-01 and 2025-12-01\n").replace(
        "location.city as municipality", "truncate(start_date_time, month) as month"))
    done = _check(path)
    shown = done.stderr.replace(str(path), "statistics.ocx")
    assert (done.returncode, shown) == snapshot
    assert "warning[OCX237]" in shown
    path.write_text(path.read_text().replace("2025-12-01\n", "2025-12-01\n  window on "
                                                             "start_date_time\n"))
    assert "warning[" not in _check(path).stderr

