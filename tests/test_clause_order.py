"""Clauses a new user writes in the wrong place, or leaves out, get a diagnostic that
names the clause and where it goes, not a missing `source` that is there, nor a bare
"expected one of ..." listing header words after the source."""

from __future__ import annotations

import pytest

from frontend_helpers import HEADER, check_text, diagnose_source
from ocpispec.diagnostics import report
from ocpispec.diagnostics.source import SourceFile

ROWS = 'from sessions\n  {where}\nselect\n  status\n{tail}output csv to "x.csv"\n'


def _errors(body: str) -> tuple[list, SourceFile]:
    source = SourceFile("test.ocx", HEADER + body)
    return [d for d in diagnose_source(source) if d.is_error], source


def _rendered(body: str) -> str:
    found, source = _errors(body)
    assert len(found) == 1, [(d.code, d.message) for d in found]
    return report.render(found, {"test.ocx": source})


def test_a_spec_with_a_header_and_a_source_only_has_no_dataset(snapshot) -> None:
    """The header and the source, nothing more: it said "missing `source` section",
    pointing at the end of the source line."""
    found, _ = _errors("")
    assert [(d.code, d.message) for d in found] == [("OCX019", "the spec has no dataset")]
    assert "source" not in found[0].help.split("`")[0]
    assert _rendered("") == snapshot


@pytest.mark.parametrize("first", ["select status", "where status = \"COMPLETED\"",
                                   "group by status"])
def test_a_dataset_that_does_not_start_with_from(first: str, snapshot) -> None:
    """`select` before `from`: it said "missing `source` section" with the source right
    above it."""
    body = f'{first}\nfrom sessions\nselect status\noutput csv to "x.csv"\n'
    found, _ = _errors(body)
    assert [d.code for d in found] == ["OCX019"]
    assert found[0].help.startswith("start the dataset with `from MODULE`")
    if first.startswith("select"):
        assert _rendered(body) == snapshot


@pytest.mark.parametrize(("body", "where"), [
    (ROWS.format(where="", tail='  where status = "COMPLETED"\n'), "after the columns"),
    (ROWS.format(where="", tail="") + 'where status = "COMPLETED"\n', "after `output`"),
])
def test_a_where_after_the_columns_goes_under_from(body: str, where: str, snapshot) -> None:
    """`where` after `select` or after `output` said "expected one of `-`, `as`,
    `because`, ... or an expression, found `where`"."""
    found, _ = _errors(body)
    assert [(d.code, d.message) for d in found] == [
        ("OCX001", "`where` belongs under `from`, before the columns")]
    assert found[0].help == "move `where ...` to the lines after `from sessions`, before `select`"
    assert _rendered(body) == snapshot
    check_text(ROWS.format(where='where status = "COMPLETED"', tail=""))


@pytest.mark.parametrize("clause", ["join locations on location_id", "last 7 days",
                                    "since last run", "each charging_periods as period"])
def test_other_from_clauses_after_the_columns(clause: str) -> None:
    found, _ = _errors(ROWS.format(where="", tail=f"  {clause}\n"))
    word = clause.split()[0]
    assert [d.message for d in found] == [f"`{word}` belongs under `from`, before the columns"]


def test_group_by_after_select(snapshot) -> None:
    """`select status` then `group by status compute ...`: it said "expected one of `-`,
    `as`, ... found `group`"."""
    body = 'from sessions\nselect status\ngroup by status\ncompute count() as n\n' \
           'output csv to "x.csv"\n'
    found, _ = _errors(body)
    assert [(d.code, d.message) for d in found] == [
        ("OCX001", "`select` and `group by` do not mix")]
    assert _rendered(body) == snapshot


def test_minimum_group_size_before_compute(snapshot) -> None:
    body = 'from sessions\ngroup by status\nminimum group size 10\ncompute count() as n\n' \
           'output csv to "x.csv"\n'
    found, _ = _errors(body)
    assert [(d.code, d.help) for d in found] == [
        ("OCX001", "move `minimum group size 10` after the measures under `compute`")]
    assert _rendered(body) == snapshot
    check_text('from sessions\ngroup by status\ncompute count() as n\nminimum group size 10\n'
               'output csv to "x.csv"\n')


@pytest.mark.parametrize(("schedule", "fix"), [
    ("daily at 6:00", "write `schedule daily at 06:00`"),
    ("weekly on Monday at 6:30", "write `schedule weekly on Monday at 06:30`"),
    ("monthly on day 1 at 5:00", "write `schedule monthly on day 1 at 05:00`"),
    ("daily 6:00", "write `schedule daily at 06:00`"),  # was `daily at 6:00`, refused again
])
def test_a_time_with_one_digit_for_the_hour(schedule: str, fix: str) -> None:
    """`at 6:00` said "expected a time such as `06:00`, found number `6`"."""
    found, _ = _errors(ROWS.format(where="", tail="") + f"schedule {schedule}\n")
    assert [(d.code, d.help) for d in found] == [("OCX001", fix)]
    check_text(ROWS.format(where="", tail="") + fix.split("`")[1] + "\n")


@pytest.mark.parametrize(("window", "fix"), [
    ("since 2026-01-01 06:00", "write `2026-01-01T06:00:00Z`"),
    ("between 2026-01-01 00:00 and 2026-02-01", "write `2026-01-01T00:00:00Z`"),
    ("between 2026-01-01 and 2026-02-01 12:30:15", "write `2026-02-01T12:30:15Z`"),
])
def test_a_date_and_time_with_a_space(window: str, fix: str, snapshot) -> None:
    """`since 2026-01-01 06:00` said "expected one of `between`, `each`, ... found
    `06:00`"."""
    body = ROWS.format(where=window, tail="")
    found, _ = _errors(body)
    assert [(d.code, d.help) for d in found] == [("OCX001", fix)]
    if window.startswith("since"):
        assert _rendered(body) == snapshot


K_ROWS = ('from sessions\nselect\n  truncate(start_date_time, hour) as started\n'
          '  round(kwh, 1) as energy_kwh\n  {rule}\noutput csv to "x.csv"\n')


LIMIT = "a suppression limit is a percentage"
PARENTHESES = "the columns of `over` stand in parentheses"


@pytest.mark.parametrize(("rule", "message", "fix", "fixed"), [
    ("require k 5 over (started) suppression limit 5", LIMIT, "write `suppression limit 5%`",
     "require k 5 over (started) suppression limit 5%"),
    ("require k 5 suppression limit 2.5", LIMIT, "write `suppression limit 2.5%`",
     "require k 5 suppression limit 2.5%"),
    ("require k 5 over started, energy_kwh", PARENTHESES,
     "write `over (started, energy_kwh)`", "require k 5 over (started, energy_kwh)"),
    ("require k 5 over started", PARENTHESES, "write `over (started)`",
     "require k 5 over (started)"),
])
def test_a_k_rule_written_almost_right(rule: str, message: str, fix: str, fixed: str,
                                       snapshot) -> None:
    """`suppression limit 5` said "`limit` is not allowed here ... a row export takes no
    `limit`" (OCX014 for SQL's `limit`); `over a, b` said "expected `(`"."""
    body = K_ROWS.format(rule=rule)
    found, _ = _errors(body)
    assert [(d.code, d.message, d.help) for d in found] == [("OCX001", message, fix)]
    if rule.endswith("limit 5"):
        assert _rendered(body) == snapshot
    check_text(K_ROWS.format(rule=fixed))


def test_a_k_rule_in_an_aggregate_points_to_the_minimum_group_size(snapshot) -> None:
    """`group by ... compute ... require k 5` said "expected one of `-`, `dominance`,
    `limit`, ... found `require`"."""
    body = ('from sessions\ngroup by status\ncompute count() as n\n  require k 5\n'
            'output csv to "x.csv"\n')
    found, _ = _errors(body)
    assert [(d.code, d.help) for d in found] == [
        ("OCX001", "write `minimum group size 5` after the measures")]
    assert _rendered(body) == snapshot
    check_text(body.replace("require k 5", "minimum group size 5"))


UNIT_HEADER = HEADER.replace("retention 1 year", "{retention}")


@pytest.mark.parametrize(("retention", "window", "schedule", "message", "fix"), [
    ("retention 1 year", "last 7 day", "", "`day` after 7 is written `days`",
     "write `last 7 days`"),
    ("retention 24 month", "last 7 days", "", "`month` after 24 is written `months`",
     "write `retention 24 months`"),
    ("retention 1 year", "last 7 days", "schedule every 2 hour\n",
     "`hour` after 2 is written `hours`", "write `every 2 hours`"),
])
def test_a_unit_in_the_singular_after_a_number(retention: str, window: str, schedule: str,
                                               message: str, fix: str, snapshot) -> None:
    """`last 7 day` said "`day` is not a unit of time here" and "write `last 1 week`, the
    same length"; `retention 24 month` "write `retention 2 years`, the same period"."""
    header = UNIT_HEADER.format(retention=retention)
    body = ROWS.format(where=window, tail="").replace("x.csv", "x-{run.timestamp}.csv")
    found = [d for d in diagnose_source(SourceFile("test.ocx", header + body + schedule))
             if d.is_error]
    assert [(d.message, d.help) for d in found] == [(message, fix)]
    if window == "last 7 day":
        source = SourceFile("test.ocx", header + body)
        assert report.render(found, {"test.ocx": source}) == snapshot
    fixed = fix.removeprefix("write `").removesuffix("`")
    check_text(body.replace(window, fixed if fixed.startswith("last") else window)
               + (f"schedule {fixed}\n" if fixed.startswith("every") else ""),
               header=UNIT_HEADER.format(retention=fixed if "retention" in fixed
                                         else retention))


def test_an_empty_window_on_the_last_day_of_the_calendar_is_a_diagnostic() -> None:
    """`between 9999-12-31 and 9999-12-31`: the help's "the day after" overflowed the
    calendar and `check` crashed with OverflowError (found by tests/test_plan_fuzz.py)."""
    found, _ = _errors(ROWS.format(where="between 9999-12-31 and 9999-12-31", tail=""))
    assert [(d.code, d.message) for d in found] == [("OCX213", "the window is empty")]
    assert found[0].help == "start it earlier, e.g. `between 9999-12-30 and 9999-12-31`"
