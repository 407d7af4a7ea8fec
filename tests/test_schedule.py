"""The schedule clause: words, cron lines and next run times."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ocpispec import schedule
from ocpispec.compiler import compile_source
from ocpispec.source import SourceFile

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
    ("schedule every 7 minutes", "every 7 minutes", None),
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
