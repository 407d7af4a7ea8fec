"""A platform whose next links carry a cursor that keeps its place on the platform (a
search index's scroll: each request answers the page after the one answered last, whatever
cursor it names), without `X-Total-Count`. When an answer is lost after the platform sent it
(a gateway's HTTP 504, a connection closed), the retry gets the page after the lost one.
Every record of the window arrives once, or the command fails saying so, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from independent_cpo import IndependentCpo
from test_independent_cpo import KEY, _csv_rows, spec_text
from test_independent_deviations import _login

RECORDS = 40        # pages of 7


@pytest.mark.parametrize("lost", [None, 2, 5], ids=["answered", "an-answer-lost", "the-last-answer-lost"])
@pytest.mark.parametrize("command", ["get", "run"])
def test_a_page_skipped_by_a_scroll_on_a_retry_is_not_lost(command: str, lost: int | None, run_cli,
                                                            tmp_path: Path) -> None:
    with IndependentCpo("2.2.1", records=RECORDS, total=False, paging="scroll", scroll_lost=lost) as cpo:
        _login(cpo, run_cli)
        out = tmp_path / "sessions.csv"
        if command == "get":
            done = run_cli("get", "sessions", "--profile", "independent")
            arrived = len(done.stdout.splitlines())
        else:
            spec = tmp_path / "sessions.ocx"
            spec.write_text(spec_text("sessions"))
            done = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                           env={"INDEPENDENT_KEY": KEY})
            arrived = len(_csv_rows(out)) if out.exists() else 0
        asked_again = sum(f"cursor=scroll-{lost}&" in path or path.endswith(f"cursor=scroll-{lost}")
                          for path in cpo.requests)
    assert "Traceback" not in done.output
    if done.exit_code == 0:
        assert arrived == RECORDS, f"`{command}` exited 0 with {arrived} of {RECORDS} sessions"
        assert lost is None
        return
    assert lost is not None and asked_again >= 2       # the lost answer's request, and its retry
    assert done.exit_code == 1 and "OCX571" in done.output, done.output
    assert "the page whose answer was lost was skipped" in done.output, done.output
    if command == "run":
        assert "nothing was written" in done.output and not out.exists()
