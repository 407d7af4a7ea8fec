"""Round nine of new users' specs for consumers we do not ship, through the real CLI:
a journalist's one-off figures for a year. Each stumble's diagnostic is snapshot, its
help applied checks clean, and the figures the run releases are recomputed from what
`ocpispec get --demo` lists."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

YEAR = '''export nrc_charging_2025
  consumer "NRC Handelsblad, data desk"
  purpose "Article on public charging use in Dutch cities in 2025"
  legal basis legitimate interests "LIA-2026-41"
  retention 6 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version auto
from sessions {window}
  where status = "COMPLETED"
group by
  truncate(start_date_time, month) as month
compute
  count() as sessions
  minimum group size 10
output csv to "exports/nrc-2025.csv"
'''


@pytest.mark.parametrize("said", ["in 2025", "during 2025", "year 2025", "2025",
                                  "in 2025-12"])
def test_a_journalist_s_year_is_written_as_a_window(run_cli, tmp_path: Path, said: str,
                                                     snapshot) -> None:
    """`from sessions in 2025` (or `during 2025`, `year 2025`) got OCX001 'expected one
    of `as`, `between`, ...' and the generic help. It now writes the year's window."""
    spec = tmp_path / "year.ocx"
    spec.write_text(YEAR.format(window=said))
    first = run_cli("check", str(spec))
    assert first.exit_code == 1
    assert first.stderr.replace(str(spec), "year.ocx") == snapshot
    fixed = first.stderr.split("help: write `")[1].split("`")[0]
    spec.write_text(YEAR.format(window=fixed + " window on start_date_time"))
    again = run_cli("check", str(spec))
    assert again.exit_code == 0 and "warning" not in again.stderr, again.stderr


def test_a_window_ending_on_a_month_s_last_day_is_told_that_day_is_not_read(
        run_cli, tmp_path: Path, snapshot) -> None:
    """`between 2025-01-01 and 2025-12-31`, a year as a journalist writes one, read up to
    the start of 31 December: December's figure lacked its last day's sessions, exit 0
    and nothing said. It is warning OCX325, whose help ends the window on the next day;
    December's count is then the one `get` lists."""
    spec = tmp_path / "year.ocx"
    spec.write_text(YEAR.format(window="between 2025-01-01 and 2025-12-31 window on "
                                       "start_date_time"))
    first = run_cli("check", str(spec))
    assert first.exit_code == 0
    assert first.stderr.replace(str(spec), "year.ocx") == snapshot
    fixed = first.stderr.split("help: write `")[1].split("`")[0]
    spec.write_text(YEAR.format(window=fixed + " window on start_date_time"))
    again = run_cli("check", str(spec))
    assert again.exit_code == 0 and "warning" not in again.stderr, again.stderr
    out = tmp_path / "nrc.csv"
    ran = run_cli("run", str(spec), "--demo", "--demo-size", "3000", "--out", str(out))
    assert ran.exit_code == 0, ran.stderr
    listed = run_cli("get", "sessions", "--demo", "--demo-size", "3000", "--privacy-pass",
                     "status,start_date_time")
    assert listed.exit_code == 0, listed.stderr
    months = Counter(r["start_date_time"][:7] + "-01T00:00:00Z"
                     for r in map(json.loads, listed.stdout.splitlines())
                     if r.get("status") == "COMPLETED" and r["start_date_time"][:4] == "2025")
    with out.open(newline="", encoding="utf-8") as file:
        released = {row["month"]: int(row["sessions"]) for row in csv.DictReader(file)}
    assert released == dict(months)
    assert released["2025-12-01T00:00:00Z"] > 0


FILTERED = YEAR.replace('from sessions {window}\n  where status = "COMPLETED"',
                        'from sessions\n  where status = "COMPLETED" and {where}')


@pytest.mark.parametrize("where", ["start_date_time >= 2025-01-01 and start_date_time <= "
                                   "2025-12-31",
                                   "start_date_time > 2024-12-31 and start_date_time < "
                                   "2026-01-01",
                                   "2025-12-31 >= start_date_time",
                                   "start_date_time = 2025-12-24",
                                   "start_date_time != 2025-12-25"])
def test_a_date_compared_as_a_day_is_told_it_is_its_first_instant(
        run_cli, tmp_path: Path, where: str, snapshot) -> None:
    """`start_date_time <= 2025-12-31` kept the sessions up to the start of 31 December
    only: December's count was 1,287 where the month has 1,317, exit 0 and nothing said
    (and `> 2024-12-31` kept the whole of that day; `= 2025-12-24`, the sessions of
    Christmas Eve, kept none: 0 rows). It is warning OCX326, whose help writes the
    comparison that keeps (or leaves out) the whole day."""
    spec = tmp_path / "year.ocx"
    spec.write_text(FILTERED.format(where=where))
    first = run_cli("check", str(spec))
    assert first.exit_code == 0
    assert first.stderr.replace(str(spec), "year.ocx") == snapshot
    fixed = first.stderr.split("help: write `")[1].split("`")[0]
    written = first.stderr.split("]: `")[1].split("`")[0]
    spec.write_text(FILTERED.format(where=where.replace(written, fixed)))
    again = run_cli("check", str(spec))
    assert again.exit_code == 0 and "warning" not in again.stderr, again.stderr
