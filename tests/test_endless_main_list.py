"""A window's own list that never ends (d8): a platform that ignores `date_to` and
invents sessions at every request, whose `X-Total-Count` rises with them, or that sends
no count at all. Before, the crawl read such a list as long as the platform invented
(the extra lists after a window were bounded by d6, `execute/extra_lists.py`; the
window's own list was not). The crawl is now bounded by what the list held when its
first page came (`ocpi/crawl_bound.py`): an endless list fails the run loudly, nothing
written, the state unchanged; `get` fails the same way."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from independent_cpo import IndependentCpo
from test_independent_cpo import KEY, spec_text
from test_independent_deviations import _leaks, _login, _written

# requests after which the endless platform stops inventing (so that the code before the
# bound ended too, and the test could fail instead of hanging)
INVENTING_UNTIL = 400


class _Inventing(IndependentCpo):
    """Ignores `date_to` and adds ten sessions, last updated now, at each request of
    sessions: more than a page (7) holds, so the list grows faster than it is read."""

    def _page(self, module: str, query: dict[str, str]) -> tuple[list[dict[str, Any]], dict[str, str]]:
        if module == "sessions" and len(self.requests) < INVENTING_UNTIL:
            for _ in range(10):
                self.add_session(datetime.now(UTC))
        return super()._page(module, query)


def _sessions(cpo: IndependentCpo) -> int:
    return sum(1 for path in cpo.requests if "/sessions" in path)


@pytest.mark.parametrize(("concurrency", "total"), [("1", True), ("4", True), ("1", False), ("4", False)])
def test_a_window_whose_list_never_ends_fails_the_run(concurrency: str, total: bool, run_cli,
                                                      tmp_path: Path) -> None:
    with _Inventing("2.2.1", records=30, quirks=("to ignored",), total=total) as cpo:
        _login(cpo, run_cli)
        spec = tmp_path / "sessions.ocx"
        spec.write_text(spec_text("sessions", "since last run"))
        out, state = tmp_path / "sessions.csv", tmp_path / "state.sqlite"
        before = _sessions(cpo)
        done = run_cli("run", str(spec), "--out", str(out), "--state", str(state),
                       "--concurrency", concurrency, env={"INDEPENDENT_KEY": KEY})
        asked = _sessions(cpo) - before
        assert "Traceback" not in done.output
        assert done.exit_code == 1, done.output
        # the first page said 40 sessions (30 and the 10 invented as it was asked): 20 pages of
        # 7 and twice the 40, some 32 pages, and the pages in flight as the bound is reached.
        # Without a count, 40 sessions came updated before the crawl began, and each page is
        # asked five objects early (a shift between pages would show nothing else): two new a page
        assert asked <= (45 if total else 110), asked
        assert "OCX571" in done.output and "nothing was written" in done.output, done.output
        assert "went on growing as it was read" in done.output, done.output
        assert not out.exists()
        assert not _leaks(cpo, _written(tmp_path) + done.output.encode())
        assert "the `since last run` state did not change" in done.output


@pytest.mark.parametrize("concurrency", ["1", "4"])
def test_get_of_a_list_that_never_ends_stops_and_fails(concurrency: str, run_cli) -> None:
    with _Inventing("2.2.1", records=30, quirks=("to ignored",)) as cpo:
        _login(cpo, run_cli)
        before = _sessions(cpo)
        done = run_cli("get", "sessions", "--profile", "independent", "--include-private",
                       "--concurrency", concurrency)
        asked = _sessions(cpo) - before
        assert "Traceback" not in done.output
        assert done.exit_code != 0, done.output
        assert asked <= 45, asked
        assert "went on growing as it was read" in done.output, done.output


class _InventingUncounted(_Inventing):
    """As `_Inventing`, its `X-Total-Count` 10**30 on every page (a count that bounds nothing)."""

    def _count(self, number: int) -> str:
        return str(10**30)


def test_a_count_that_bounds_nothing_does_not_unbound_the_crawl(run_cli, tmp_path: Path) -> None:
    with _InventingUncounted("2.2.1", records=30, quirks=("to ignored",)) as cpo:
        _login(cpo, run_cli)
        spec = tmp_path / "sessions.ocx"
        spec.write_text(spec_text("sessions", "since last run"))
        before = _sessions(cpo)
        done = run_cli("run", str(spec), "--out", str(tmp_path / "sessions.csv"), "--state",
                       str(tmp_path / "state.sqlite"), "--concurrency", "4", env={"INDEPENDENT_KEY": KEY})
        asked = _sessions(cpo) - before
        assert done.exit_code == 1 and "Traceback" not in done.output, done.output
        # the 140 objects of the floor's pages taken as held, then twice as many: 60 pages
        assert asked <= 75, asked
        assert "went on growing as it was read" in done.output and "OCX571" in done.output, done.output
        assert "updated before its reading began" in done.output, done.output
        assert not (tmp_path / "sessions.csv").exists()


class _CountingPages(IndependentCpo):
    """An honest list whose `X-Total-Count` counts its pages, not its objects."""

    def _count(self, number: int) -> str:
        return str(-(-number // self.page_cap))


@pytest.mark.parametrize("concurrency", ["1", "4"])
def test_a_long_list_under_a_count_that_stays_is_read_whole(concurrency: str, run_cli) -> None:
    """No bound trips on an ordinary list, however its count reads: 400 sessions, a count of
    58 (pages) on every page; the bound by that count alone stopped after 256."""
    with _CountingPages("2.2.1", records=400) as cpo:
        _login(cpo, run_cli)
        done = run_cli("get", "sessions", "--profile", "independent", "--include-private",
                       "--concurrency", concurrency, "--date-to", "2026-12-01")
        assert "went on growing" not in done.output, done.output
        assert sum(1 for line in done.output.splitlines() if line.startswith("{")) == 400, done.output[-2000:]
