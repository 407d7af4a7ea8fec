"""A page the platform failed to fill, in the middle of a list without `X-Total-Count`.

Without a count, each page by offset is asked a few objects early (`SHIFT_OVERLAP`): the
objects it repeats were read just before, inside the window. A platform that answers such
a request with `"data": []` and a next link (a query that timed out inside, answered as an
empty list) says nothing else is wrong; the crawl followed the link as it follows the
empty pages of a platform filtering a page after cutting it, and the objects between the
previous page's end and the link's offset never arrived: `get` exited 0 with 10 of 12
sessions, and a `since last run` run committed them and moved past the other two for good.

An empty answer to a request whose first objects were just read cannot be an honest end
of the list: it is asked for once more (a page failing once is then read), and an empty
answer again leaves the list in doubt (OCX571: nothing written, the state unchanged).

A page cut short to just those objects (a cap on one page, objects filtered after the
page was cut) with a next link ended the list as a page of nothing but repeats does:
`get` exited 0 with 9 of 12. After a full page, such a page that links on is read on
from its end."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest

from independent_cpo import IndependentCpo
from test_independent_cpo import KEY, spec_text
from test_independent_deviations import _login

# the request a crawl of 12 sessions, pages of 7, makes third: asked 5 objects early
EMPTIED = "4"


class _Emptied(IndependentCpo):
    """Answers the request of sessions at offset `EMPTIED` with no objects (its headers,
    next link and all, as they would be) `failures` times; with `cut`, with its first 5
    objects (those the page before held) every time."""

    failures = 0
    cut = False

    def _page(self, module: str, query: dict[str, str]) -> tuple[list[dict[str, Any]], dict[str, str]]:
        page, headers = super()._page(module, query)
        if module != "sessions" or query.get("offset") != EMPTIED:
            return page, headers
        if self.cut:
            return page[:5], headers
        if self.failures:
            self.failures -= 1
            return [], headers
        return page, headers


@pytest.fixture(scope="module")
def cpo():
    with _Emptied("2.2.1", records=12, total=False) as server:
        yield server


def _stamps(stdout: str) -> list[str]:
    return [json.loads(line)["last_updated"] for line in stdout.splitlines() if line.strip()]


@pytest.mark.parametrize("failures", [1, 1000])
def test_get_does_not_follow_past_a_page_that_came_empty(cpo: _Emptied, run_cli, failures: int,
                                                         snapshot) -> None:
    _login(cpo, run_cli)
    cpo.failures = failures
    pulled = run_cli("get", "sessions", "--include-private", "--privacy-pass", "last_updated",
                     "--profile", "independent")
    cpo.failures = 0
    if failures == 1:   # asked for again, the page came
        assert pulled.exit_code == 0, pulled.output
        assert len(set(_stamps(pulled.stdout))) == len(_stamps(pulled.stdout)) == 12
        assert "came empty" in pulled.stderr, pulled.stderr
        assert re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", pulled.stderr) == snapshot
        return
    assert pulled.exit_code == 1 and "OCX571" in pulled.output, pulled.output
    assert [line.strip() for line in pulled.stderr.splitlines() if "came empty" in line]
    assert re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", pulled.stderr) == snapshot


def test_a_page_cut_to_the_objects_asked_again_does_not_end_the_list(cpo: _Emptied, run_cli) -> None:
    _login(cpo, run_cli)
    cpo.cut = True
    pulled = run_cli("get", "sessions", "--include-private", "--privacy-pass", "last_updated",
                     "--profile", "independent")
    cpo.cut = False
    assert pulled.exit_code == 0, pulled.output
    assert len(set(_stamps(pulled.stdout))) == len(_stamps(pulled.stdout)) == 12


def test_a_run_fails_and_the_next_delivers_each_session_once(cpo: _Emptied, run_cli, tmp_path: Path) -> None:
    _login(cpo, run_cli)
    spec = tmp_path / "sessions.ocx"
    spec.write_text(spec_text("sessions", "since last run"))
    state = tmp_path / "state.sqlite"

    def run(name: str):
        return run_cli("run", str(spec), "--out", str(tmp_path / name), "--state", str(state),
                       env={"INDEPENDENT_KEY": KEY})

    cpo.failures = 1000
    failed = run("failed.csv")
    cpo.failures = 0
    assert failed.exit_code == 1 and "OCX571" in failed.output, failed.output
    assert "nothing was written" in failed.output, failed.output
    assert not (tmp_path / "failed.csv").exists()
    done = run("done.csv")
    assert done.exit_code == 0, done.output
    with (tmp_path / "done.csv").open(newline="", encoding="utf-8") as handle:
        sessions = [row["session"] for row in csv.DictReader(handle)]
    assert len(sessions) == len(set(sessions)) == 12
