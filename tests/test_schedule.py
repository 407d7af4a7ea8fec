"""The schedule clause: words, cron lines and next run times."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ocpispec.language import schedule
from ocpispec.check.compiler import compile_source
from ocpispec.diagnostics.source import SourceFile

HEADER = """export s consumer "Gemeente Utrecht" purpose "Capacity planning for chargers"
  legal basis public task retention 12 months
source profile demo
from tariffs select id as tariff output csv to stdout
"""


def parse_schedule(text: str):
    checked = compile_source(SourceFile("s.ocx", HEADER + text))
    return checked.spec.schedule


@pytest.mark.parametrize(("text", "words", "cron"), [
    ("schedule every 15 minutes", "every 15 minutes", "*/15 * * * *"),
    ("schedule every 90 minutes", "every 90 minutes", None),
    ("schedule every 6 hours", "every 6 hours", "0 */6 * * *"),
    ("schedule hourly", "hourly, on the hour", "0 * * * *"),
    ("schedule daily at 02:30", "daily at 02:30 UTC", "30 2 * * *"),
    ("schedule weekly on monday at 06:00", "weekly on monday at 06:00 UTC", "0 6 * * 1"),
    ("schedule weekly on sunday at 23:05", "weekly on sunday at 23:05 UTC", "5 23 * * 0"),
])
def test_describe_and_cron(text: str, words: str, cron: str | None) -> None:
    rule = parse_schedule(text)
    assert schedule.describe(rule) == words
    assert schedule.cron_line(rule) == cron


# 2026-11-24 is a Tuesday
NOW = datetime(2026, 11, 24, 10, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ("schedule every 15 minutes", datetime(2026, 11, 24, 10, 15, tzinfo=UTC)),
    ("schedule every 6 hours", datetime(2026, 11, 24, 12, 0, tzinfo=UTC)),
    ("schedule hourly", datetime(2026, 11, 24, 11, 0, tzinfo=UTC)),
    ("schedule daily at 02:30", datetime(2026, 11, 25, 2, 30, tzinfo=UTC)),
    ("schedule daily at 10:08", datetime(2026, 11, 24, 10, 8, tzinfo=UTC)),
    ("schedule weekly on monday at 06:00", datetime(2026, 11, 30, 6, 0, tzinfo=UTC)),
    ("schedule weekly on tuesday at 10:07", datetime(2026, 12, 1, 10, 7, tzinfo=UTC)),
    ("schedule weekly on tuesday at 11:00", datetime(2026, 11, 24, 11, 0, tzinfo=UTC)),
])
def test_next_run_is_strictly_after(text: str, expected: datetime) -> None:
    assert schedule.next_run(parse_schedule(text), NOW) == expected


def test_next_run_on_the_boundary_moves_on() -> None:
    rule = parse_schedule("schedule every 15 minutes")
    at = datetime(2026, 11, 24, 10, 15, tzinfo=UTC)
    assert schedule.next_run(rule, at) == datetime(2026, 11, 24, 10, 30, tzinfo=UTC)


def _schedule_codes(text: str) -> list[str]:
    from frontend_helpers import diagnose_source

    return [d.code for d in diagnose_source(SourceFile("s.ocx", HEADER + text))]


@pytest.mark.parametrize("minutes", range(1, 7 * 24 * 60 + 1, 7))
def test_an_interval_is_accepted_only_when_it_divides_a_day(minutes: int) -> None:
    """Intervals restart at midnight UTC; one that does not divide a day would space its
    runs unevenly (`every 7 hours`: 21:00 then 00:00) or, beyond a day, run daily."""
    for text in (f"schedule every {minutes} minutes",
                 *([f"schedule every {minutes // 60} hours"] if minutes % 60 == 0 else [])):
        refused = "OCX409" in _schedule_codes(text)
        assert refused == (24 * 60 % minutes != 0 or minutes > 24 * 60), text


def test_an_uneven_interval_says_why_and_what_instead(snapshot) -> None:
    from frontend_helpers import diagnose_source

    from ocpispec.diagnostics.report import render

    source = SourceFile("s.ocx", HEADER + "schedule every 7 hours")
    assert render(diagnose_source(source), {"s.ocx": source}) == snapshot


def test_a_plan_says_why_no_cron_line_fits() -> None:
    from ocpispec.plan.planner import plan
    from ocpispec.render.plan_text import plan_text

    checked = compile_source(SourceFile("s.ocx", HEADER + "schedule every 90 minutes"))
    text = " ".join(plan_text(plan(checked)).split())
    assert "no single cron line can say it (cron's `*/N` minutes needs N to divide 60)" in text


SINCE_LAST_RUN = HEADER.replace("from tariffs select id as tariff",
                                "from sessions since last run select round(kwh, 1) as kwh")


@pytest.mark.parametrize(("destination", "warned"), [
    ("exports/s-{run.date}.csv", True), ("exports/s.csv", True),
    ("exports/s-{run.timestamp}.csv", False), ("exports/s-{run.date}-{run.time}.csv", False),
    ("exports/s-{window.start}.csv", False), ("exports/s-{window.end}.csv", False)])
def test_same_day_overwrite_needs_a_path_that_changes_each_run(destination: str,
                                                              warned: bool) -> None:
    """OCX412 warned also for `{window.start}`/`{window.end}`, which differ per run."""
    text = (SINCE_LAST_RUN.replace("output csv to stdout", f'output csv to "{destination}"')
            + "schedule every 6 hours")
    from frontend_helpers import diagnose_source

    codes = [d.code for d in diagnose_source(SourceFile("s.ocx", text))]
    assert ("OCX412" in codes) is warned


@pytest.mark.parametrize("interval", ["every 0 minutes", "every 0 hours", "every 7 minutes",
                                      "every 7 hours"])
def test_a_refused_interval_gets_one_diagnostic(interval: str) -> None:
    """OCX409 says the schedule cannot run; OCX412 (same-day overwrite) would only add
    a second diagnostic about a schedule that is already wrong."""
    text = (HEADER.replace("output csv to stdout", 'output csv to "exports/s.csv"')
            + f"schedule {interval}")
    from frontend_helpers import diagnose_source

    assert [d.code for d in diagnose_source(SourceFile("s.ocx", text))] == ["OCX409"]


def _overwrite_warnings(window: str, schedule_line: str, destination: str) -> list:
    from frontend_helpers import diagnose_source

    text = HEADER.replace("from tariffs select id as tariff",
                          f"from sessions {window} select round(kwh, 1) as kwh") \
        .replace("output csv to stdout", f'output csv to "{destination}"')
    return [d for d in diagnose_source(SourceFile("s.ocx", text + schedule_line))
            if d.code == "OCX412"]


@pytest.mark.parametrize(("window", "warned"), [
    ("since last run", True), ("last 2 hours", True), ("", False), ("previous day", False),
    ("previous month in \"Europe/Amsterdam\"", False), ("month to date", False),
    ("since 2026-01-01", False), ("between 2026-01-01 and 2026-02-01", False)])
def test_same_day_overwrite_only_where_runs_deliver_other_records(window: str,
                                                                  warned: bool) -> None:
    """A feed of current status (every location, the previous day's file refreshed) is
    meant to be replaced: a later run's file holds what the earlier one did. Only
    `since last run` and a rolling window lose the earlier run's records."""
    found = _overwrite_warnings(window, "schedule every 15 minutes", "exports/s.csv")
    assert bool(found) is warned
    if window == "last 2 hours":
        assert found[0].notes[0].startswith("each run reads the `last 2 hours` before it")


@pytest.mark.parametrize(("line", "warned"), [
    ('cron "0 */6 * * *"', True), ('cron "0,30 6 * * *"', True), ('cron "0 6 * * *"', False),
    ('cron "0 6 1 * *"', False), ("daily at 06:00", False), ("hourly", True)])
def test_same_day_overwrite_of_a_cron_line(line: str, warned: bool) -> None:
    assert bool(_overwrite_warnings("since last run", f"schedule {line}",
                                    "exports/s-{run.date}.csv")) is warned


@pytest.mark.parametrize(("destination", "suggested"), [
    ("exports/ops-{run.date}.csv", "exports/ops-{run.timestamp}.csv"),
    ("exports/evses.geojson", "exports/evses-{run.timestamp}.geojson"),
    ("exports/{export}.csv.gz", "exports/{export}-{run.timestamp}.csv.gz"),
    ("sftp://host/in/.hidden.ndjson", "sftp://host/in/.hidden-{run.timestamp}.ndjson")])
def test_the_help_of_a_same_day_overwrite_keeps_the_format(destination: str,
                                                           suggested: str) -> None:
    """The help's path is the spec's own with the run's timestamp: copied, it fits the
    format (a `.csv` example under `output geojson` was OCX416) and checks clean."""
    found = _overwrite_warnings("since last run", "schedule hourly", destination)
    assert found[0].help.endswith(f'`"{suggested}"`')
    assert not _overwrite_warnings("since last run", "schedule hourly", suggested)
