"""An extra list read for a window (the records updated since its `date_to`, before its
`date_from`, or since a `window on FIELD` was pinned) is doubted as the window's own list
is: a platform that sends pages of objects sent before on it (a link loop), or empty
pages that link on, may have kept records of the window from arriving, so the run fails
with nothing written and the state unchanged, unless `--accept-incomplete` (d9).

Before, only an extra list cut short (its page budget, `endless`) was read as a doubt of
the list after the window or before it: a loop or empty pages there let the run exit 0."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from independent_cpo import IndependentCpo
from test_independent_cpo import KEY, spec_text
from test_independent_deviations import _leaks, _login, _written

# the window of the list before it: the platform ignores `date_to`, so it sends records
# of the hours after the window (its 30 sessions run from 08:00 on 5 January to 01:53 the
# next day) and none before: it may read our UTC as its local time west of UTC
BETWEEN = "between 2026-01-05 and 2026-01-06"
# each extra list: the spec whose run reads it, the platform's quirks, what it says of it
LISTS = {
    "after": (spec_text("sessions", "since last run"), (), "the list of records updated since `date_to`"),
    "before": (spec_text("sessions", BETWEEN), ("to ignored",),
               "the list of records updated before `date_from`"),
    "pinned": (spec_text("sessions", BETWEEN + "\n  window on start_date_time"), (),
               "the list of records updated since the window was pinned"),
}


def _extra(which: str, query: dict[str, str]) -> bool:
    """Whether a request of sessions asks for the extra list `which`."""
    if which == "before":
        return query.get("date_to", "").startswith("2026-01-05T00:00:00")
    return "date_to" not in query


class _ExtraListMisbehaves(IndependentCpo):
    """The sessions list `which` (an extra list) misbehaves as `fault` says; the window's
    own list does not. 'loop': every page is the whole list's first, its next link moving
    on (the platform ignores `offset` and the date filters there); 'empty': empty pages
    whose next links go on."""

    def __init__(self, *args: Any, which: str, fault: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.which, self.fault = which, fault
        self.extra_requests = 0

    def _page(self, module: str, query: dict[str, str]) -> tuple[list[dict], dict[str, str]]:
        if module != "sessions" or not _extra(self.which, query):
            return super()._page(module, query)
        self.extra_requests += 1
        offset = int(query.get("offset", "0"))
        page = self.lists["sessions"][:self.page_cap] if self.fault == "loop" else []
        following = {**query, "offset": str(offset + self.page_cap), "limit": str(self.page_cap)}
        link = f"{self.listed}{self.root}/{self.version}/sessions/?{urlencode(following)}"
        headers = {"X-Limit": str(self.page_cap)}
        if offset < 60 * self.page_cap:     # so that a crawl reading on for ever ends
            headers["Link"] = f'<{link}>; rel="next"'
        return page, headers


WHY = {"loop": "next links led to pages of objects sent before",
       "empty": "too many empty pages in a row carried next links"}


@pytest.mark.parametrize("fault", ["loop", "empty"])
@pytest.mark.parametrize("which", ["after", "before", "pinned"])
def test_an_extra_list_that_stops_in_doubt_fails_the_run(which: str, fault: str, run_cli,
                                                         tmp_path: Path) -> None:
    spec_source, quirks, named = LISTS[which]
    with _ExtraListMisbehaves("2.2.1", records=30, which=which, fault=fault, quirks=quirks) as cpo:
        _login(cpo, run_cli)
        spec = tmp_path / "sessions.ocx"
        spec.write_text(spec_source)
        out, state = tmp_path / "sessions.csv", tmp_path / "state.sqlite"
        done = run_cli("run", str(spec), "--out", str(out), "--state", str(state),
                       env={"INDEPENDENT_KEY": KEY})
        assert cpo.extra_requests, "the extra list was not read"
        assert "Traceback" not in done.output
        assert done.exit_code == 1, done.output
        assert "OCX571" in done.output and "nothing was written" in done.output, done.output
        assert "the `since last run` state did not change" in done.output
        assert f"`sessions` ({named}): {WHY[fault]}" in done.output, done.output
        assert not out.exists()
        assert not _leaks(cpo, _written(tmp_path) + done.output.encode())

        accepted = run_cli("run", str(spec), "--out", str(out), "--state", str(state),
                           "--accept-incomplete", env={"INDEPENDENT_KEY": KEY})
        assert accepted.exit_code == 0, accepted.output
        assert out.exists()
        record = json.loads(next((tmp_path / "runs").rglob("*.json")).read_text())
        assert any(WHY[fault] in doubt and named in doubt for doubt in _doubts(record)), record
        manifest = json.loads((tmp_path / "sessions.csv.manifest.json").read_text())
        assert any(WHY[fault] in doubt and named in doubt for doubt in _doubts(manifest)), manifest


def _doubts(record: Any) -> list[str]:
    """Every text of the run record that names a doubt (wherever the record keeps it)."""
    if isinstance(record, dict):
        return [text for value in record.values() for text in _doubts(value)]
    if isinstance(record, list):
        return [text for value in record for text in _doubts(value)]
    return [record] if isinstance(record, str) else []
