"""A platform that, at every request of a list, invents sessions back-dated into a window a
run delivered already, and sends no `X-Total-Count` (so nothing says the list grew).

Without `--lookback` no later window asks for them (OCPI filters on `last_updated`): they
are late records, which only a lookback or a count (OCX562) can find. With one, the
window's list re-reads the part before the watermark, and there the invented sessions kept
coming as it was read: the crawl's bound on a growing list (`ocpi/crawl_bound.py`) takes
every session updated before the crawl began as one the list held, so a run read on as
long as the platform invented (d11: 1,384 requests, until the test's platform stopped).
The late records a lookback brings are now bounded by what the runs before read in that
part (`execute/late_bound.py`): past it, the run stops reading and fails (OCX571), nothing
written, the state unchanged; once the platform stops, the next run delivers every
session once.

A backlog that truly came at once and is larger than that bound fails every run the same
way (docs/plan-and-run.md, Late records): without a count nothing tells it apart from a
list invented as it is read."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path
from typing import Any

from independent_cpo import FIRST, IndependentCpo
from test_independent_cpo import KEY, spec_text
from test_independent_deviations import _login

# requests after which the platform stops inventing (so that a run that follows it ends)
INVENTING_UNTIL = 400
LOOKBACK = ("--lookback", "800d")


class _BackDating(IndependentCpo):
    """While `inventing`, ten sessions at each request of sessions, last updated inside
    the first window (after the records it held then): more than a page (7) holds."""

    inventing = False

    def _page(self, module: str, query: dict[str, str]) -> tuple[list[dict[str, Any]], dict[str, str]]:
        if module == "sessions" and self.inventing and len(self.requests) < INVENTING_UNTIL:
            for _ in range(10):
                self.add_session(FIRST + timedelta(seconds=len(self.lists["sessions"])))
            self.lists["sessions"].sort(key=lambda record: record["last_updated"])
        return super()._page(module, query)


def _sessions(path: Path) -> list[str]:
    """The pseudonyms of the sessions delivered (under one key: a session's is the same in every run)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [row["session"] for row in csv.DictReader(handle)]


def test_sessions_back_dated_into_a_delivered_window_as_the_list_is_read_fail_the_run_bounded(
        run_cli, tmp_path: Path, snapshot) -> None:
    with _BackDating("2.2.1", records=30, total=False) as cpo:
        _login(cpo, run_cli)
        spec = tmp_path / "sessions.ocx"
        spec.write_text(spec_text("sessions", "since last run"))
        state = tmp_path / "state.sqlite"

        def run(name: str):
            return run_cli("run", str(spec), "--out", str(tmp_path / name), "--state", str(state),
                           *LOOKBACK, env={"INDEPENDENT_KEY": KEY})

        first = run("first.csv")
        assert first.exit_code == 0, first.output
        served = {record["id"] for record in cpo.lists["sessions"]}
        cpo.inventing = True
        before = len(cpo.requests)
        busy = run("busy.csv")
        asked = len(cpo.requests) - before
        assert busy.exit_code == 1 and "OCX571" in busy.output, busy.output
        assert "back-dated" in busy.output and "nothing was written" in busy.output, busy.output
        assert not (tmp_path / "busy.csv").exists()
        assert [line.strip() for line in busy.output.splitlines() if "late records came" in line] == snapshot
        # the bound stopped the reading, and says so: no second line saying the list was not read to its end
        assert "not read to its end" not in busy.output, busy.output
        # late records past 20 pages of 7 and twice the 30 read before: 200, two new a page
        # (without a count each page is asked five objects early, as a shift between pages
        # would show nothing else), and the pages in flight: not 1,384
        assert asked <= 130, asked
        # the platform stops, and what it invented goes (a replica that replayed a backlog
        # at every request, then caught up)
        cpo.inventing = False
        cpo.lists["sessions"] = [record for record in cpo.lists["sessions"] if record["id"] in served]
        after = run("after.csv")
    assert after.exit_code == 0, after.output
    delivered = _sessions(tmp_path / "first.csv") + _sessions(tmp_path / "after.csv")
    assert len(delivered) == len(set(delivered)) == 30, delivered
