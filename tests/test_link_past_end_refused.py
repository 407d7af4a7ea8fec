"""A platform whose last page links on, to an offset past its list, and that refuses an
offset past its list (HTTP 400, OCPI 2001) instead of answering an empty page: each
deviation alone is read (a link past the end answers `[]`; an offset past the end asked
by ocpispec is the end of the list), but together every `get` and `run` of a list longer
than a page failed with OCX503: the concurrent crawl asked for the page the last page's
link announced past `X-Total-Count` and took the refusal for a failure (the sequential
crawl already read it as the end). Refused as a bad parameter, it is the end of the list.

Where the end lies is the count the platform answered last, not the count of the last page
accepted: the concurrent crawl asks on while the pages before are accepted, and judged by
the accepted one, a refusal failed the run or not by how far acceptance lagged (a full
suite under load failed the test above once: its one-location list's refused second page
was judged before the first page's count was accepted)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

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


class SitesHeldUntilRefused(IndependentCpo):
    """Answers `get`'s published sites (read beside the sessions) only once the sessions'
    `offset=28` has been refused and the crawl asked on (a sessions request after it), so
    that the sessions' first page, which waits for them, is still being accepted while the
    refusal is judged (30 s at most: a crawl that stops there asks nothing more); its
    sessions requests are handled one at a time (the update of the first page's objects is
    seen whole by every request after it)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.refused = threading.Event()
        self.answered_28 = threading.Event()
        self._one_at_a_time = threading.Lock()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        cpo, base = self, super()._handler()

        class Held(base):  # type: ignore[valid-type, misc]
            def do_GET(self) -> None:  # noqa: N802
                if "/locations" in self.path:
                    cpo.refused.wait(30)
                    return super().do_GET()
                if cpo.answered_28.is_set():
                    cpo.refused.set()
                with cpo._one_at_a_time:
                    super().do_GET()
                if "/sessions" in self.path and "offset=28&" in self.path:
                    cpo.answered_28.set()
        return Held


def test_a_refusal_past_a_count_that_fell_ends_the_list_while_the_first_page_waits(run_cli) -> None:
    """30 sessions counted on the first page; 3 of them updated past `date_to` when the
    next page is asked, so the count falls to 27 and `offset=28` is refused. The sessions'
    first page waits for the published sites meanwhile, its count of 30 the last accepted:
    judged by it, the refusal failed `get` with OCX503 (by the 27 answered since, it ends
    the list, as it does when the crawl reads page after page), its warning said in page
    order, after the fall's."""
    with IndependentCpo("2.2.1", records=30) as honest:
        _login(honest, run_cli)
        expected = run_cli("get", "sessions", "--profile", "independent")
    assert expected.exit_code == 0, expected.stderr
    with SitesHeldUntilRefused("2.2.1", records=30, updates_mid_crawl=3,
                               quirks=("offset past end refused",)) as cpo:
        _login(cpo, run_cli)
        pulled = run_cli("get", "sessions", "--profile", "independent")
        refused = [path for path in cpo.requests if "/sessions" in path and "offset=28&" in path]
    assert refused, cpo.requests
    assert pulled.exit_code == 0, pulled.stderr
    # in page order, as the sequential crawl says them (the refusal's was said from the
    # fetching thread at once, before the warnings of the pages before it)
    warned = [line.split(";")[0] for line in pulled.stderr.splitlines() if line.startswith("warning:")]
    assert warned == ["warning: `X-Total-Count` shrank from 30 to 27 during the crawl (objects changed on the "
                      "platform)", "warning: the platform refuses an `offset` at the end of its `sessions` list "
                      "(HTTP 400 or OCPI 2001) instead of answering an empty page"], pulled.stderr
    lines = pulled.stdout.splitlines()
    assert len(lines) == 30
    assert sorted(lines) == sorted(expected.stdout.splitlines())
