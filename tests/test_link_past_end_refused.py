"""A platform whose last page links on, to an offset past its list, and that refuses an
offset past its list (HTTP 400, OCPI 2001) instead of answering an empty page: each
deviation alone is read (a link past the end answers `[]`; an offset past the end asked
by ocpispec is the end of the list), but together every `get` and `run` of a list longer
than a page failed with OCX503: the concurrent crawl asked for the page the last page's
link announced past `X-Total-Count` and took the refusal for a failure (the sequential
crawl already read it as the end). Refused as a bad parameter, it is the end of the list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from independent_cpo import IndependentCpo
from test_independent_cpo import KEY, _csv_rows, spec_text
from test_independent_deviations import _login


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1"])
def test_a_link_past_the_end_refused_ends_the_list(version: str, run_cli, tmp_path: Path) -> None:
    with IndependentCpo(version, records=30, quirks=("link past end", "offset past end refused")) as cpo:
        _login(cpo, run_cli)
        pulled = run_cli("get", "sessions", "--include-private", "--profile", "independent")
        spec = tmp_path / "sessions.ocx"
        spec.write_text(spec_text("sessions"))
        out = tmp_path / "out" / "sessions.csv"
        done = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                       env={"INDEPENDENT_KEY": KEY})
        refused_links = [path for path in cpo.requests if "offset=30" in path and "/sessions" in path]
    assert refused_links, cpo.requests
    assert pulled.exit_code == 0, pulled.stderr
    assert len([json.loads(line) for line in pulled.stdout.splitlines()]) == 30
    assert "instead of answering an empty page; read as the end of the list" in pulled.stderr
    assert done.exit_code == 0, done.output
    sessions = [row["session"] for row in _csv_rows(out)]
    assert len(sessions) == len(set(sessions)) == 30
