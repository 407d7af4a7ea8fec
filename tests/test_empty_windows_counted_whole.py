"""A platform whose `X-Total-Count` counts its whole list whatever the date filters keep
(a count query apart from the list query), and that answers a window without objects
with `"data": null` or HTTP 204: each deviation alone is read, but together every run
failed with OCX504 ("a page ... came without `data`, although the list goes on"), from
the run's check for locations changed since the window's end, and every `since last run`
window with nothing new. A first page without `data` whose only sign of more is
`X-Total-Count` is now an empty page, judged as `"data": []` is: the count is tested by
a window where nothing lies, and one that the list falls short of still fails (OCX571)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from independent_cpo import IndependentCpo
from test_independent_cpo import KEY, _csv_rows, _next_second, spec_text
from test_independent_deviations import _leaks, _login, _written


@pytest.mark.parametrize("empty", ["null for empty", "204 empty"])
def test_empty_windows_of_a_platform_counting_its_whole_list_are_read(empty: str, run_cli, tmp_path: Path) -> None:
    with IndependentCpo("2.2.1", records=30, quirks=("total unfiltered", empty)) as cpo:
        _login(cpo, run_cli)
        spec = tmp_path / "sessions.ocx"
        spec.write_text(spec_text("sessions", "since last run").replace(
            '"sessions.csv"', '"sessions-{run.timestamp}.csv"'))
        delivered: list[list[str]] = []
        for run, added in enumerate((0, 5, 0)):
            for _ in range(added):
                cpo.add_session(datetime.now(UTC))
            if run:     # windows end on whole seconds: this run's ends after the sessions just added
                _next_second()
            folder = tmp_path / f"run-{run}"
            folder.mkdir()
            done = run_cli("run", str(spec), "--out", str(folder), "--state", str(tmp_path / "state.sqlite"),
                           env={"INDEPENDENT_KEY": KEY})
            assert done.exit_code == 0, done.output
            assert "Traceback" not in done.output
            delivered.append([row["session"] for path in folder.glob("*.csv") for row in _csv_rows(path)])
        assert not _leaks(cpo, _written(tmp_path))
    assert [len(rows) for rows in delivered] == [30, 5, 0]
    every = [session for rows in delivered for session in rows]
    assert len(set(every)) == len(every)


class _FirstPageUnfilled(IndependentCpo):
    """Counts the window it filters (a true count), and answers the first sessions page
    with `"data": null`: a page it failed to fill."""

    def _envelope(self, data: Any, status_code: int, message: str) -> dict[str, Any]:
        body = super()._envelope(data, status_code, message)
        if isinstance(data, list) and data and str(data[0].get("id", "")).endswith("-0000"):
            body["data"] = None
        return body


def test_a_first_page_left_unfilled_under_a_true_count_still_fails(run_cli, tmp_path: Path) -> None:
    with _FirstPageUnfilled("2.2.1", records=30) as cpo:
        _login(cpo, run_cli)
        spec = tmp_path / "sessions.ocx"
        spec.write_text(spec_text("sessions"))
        out = tmp_path / "out" / "sessions.csv"
        done = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                       env={"INDEPENDENT_KEY": KEY})
        pulled = run_cli("get", "sessions", "--profile", "independent")
    for result in (done, pulled):
        assert result.exit_code == 1, result.output
        assert re.search(r"error\[OCX57[01]\]|error\[OCX504\]", result.stderr), result.stderr
        assert "Traceback" not in result.output
    assert not out.exists() and "nothing was written" in done.stderr
