"""Crawls that never ended, on pages of nothing new. A platform whose next links lead
back to pages read already, under a new URL each time (a cursor that wraps around to the
start on the last page, with a request number in it): every page of the loop held only
objects sent before, and since a page of repeats that came by a next link and links on
may be objects moved behind others, the crawl followed the links for ever (1,225
requests in a minute; `get` and `run` never ended). Three such pages in a row stop it;
the list cannot be proven complete (OCX571), loudly. And a platform ignoring `offset`
whose page held an invalid object, which no key tells again (below)."""

from __future__ import annotations

import itertools
from typing import Any
from urllib.parse import urlencode

import pytest

from independent_cpo import IndependentCpo


class _WrappingCursor(IndependentCpo):
    """Pages by a cursor; its last page links to the first again, a new URL each time (for
    a hundred turns, so that the crawl before the fix ends at all)."""

    def __init__(self, total: bool) -> None:
        super().__init__("2.2.1", records=10, page_cap=4, paging="cursor", total=total)
        self._turns = itertools.count()

    def _page(self, module: str, query: dict[str, str]) -> tuple[list[dict[str, Any]], dict[str, str]]:
        if module != "sessions":   # the locations `get` reads for its scope are sound
            return super()._page(module, query)
        asked = dict(query)
        page, headers = super()._page(module, query)
        if page and "Link" not in headers and (turn := next(self._turns)) < 100:
            again = {k: v for k, v in asked.items() if k in ("date_from", "date_to", "limit")}
            again.update(cursor="MA==", turn=str(turn))     # the position 0, encoded
            headers["Link"] = f'<{self.origin}{self.root}/{self.version}/{module}/?{urlencode(again)}>; rel="next"'
        return page, headers


@pytest.mark.parametrize("total", [True, False], ids=["with count", "without count"])
def test_next_links_leading_back_to_read_pages_stop_the_crawl(total: bool, run_cli, snapshot) -> None:
    with _WrappingCursor(total) as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent")
        assert done.exit_code == 0, done.output
        pulled = run_cli("get", "sessions", "--include-private", "--profile", "independent", "--date-to", "2030-01-01")
        requests = [path for path in cpo.requests if "/sessions" in path]
    assert len(requests) < 20, len(requests)
    assert pulled.exit_code == 1 and len(pulled.stdout.splitlines()) == 10
    assert "OCX571" in pulled.stderr and "they lead back to pages read already" in pulled.stderr
    assert pulled.stderr == snapshot


class _OneWithoutId(IndependentCpo):
    """Ignores `offset` (every page is the first) and lists one session without its `id`
    (for 100 pages, then empty ones, so that the crawl before the fix ends at all)."""

    def __init__(self, total: bool) -> None:
        super().__init__("2.2.1", records=10, page_cap=4, paging="ignore_offset", total=total)
        self._answered = itertools.count()

    def _records(self, module: str, count: int) -> list[dict[str, Any]]:
        records = super()._records(module, count)
        if module == "sessions":
            del records[0]["id"]
        return records

    def _page(self, module: str, query: dict[str, str]) -> tuple[list[dict[str, Any]], dict[str, str]]:
        page, headers = super()._page(module, query)
        return (page if next(self._answered) < 100 else []), headers


@pytest.mark.parametrize("concurrency", ["1", "4"])
@pytest.mark.parametrize("total", [True, False], ids=["with count", "without count"])
def test_an_invalid_object_on_every_page_is_a_repeat_too(total: bool, concurrency: str, run_cli) -> None:
    """An invalid object has no key to be told again by, so a page holding one beside
    objects sent before was never a page of repeats: a platform ignoring `offset` whose
    first page held a session without `id` was asked for that page for ever (816 requests
    in 40 s). Such an object sent again is a repeat (a fingerprint of its text); the crawl
    stops on pages of repeats, in doubt (OCX571)."""
    with _OneWithoutId(total) as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent")
        assert done.exit_code == 0, done.output
        pulled = run_cli("get", "sessions", "--include-private", "--profile", "independent", "--date-to", "2030-01-01",
                         "--concurrency", concurrency)
        requests = [path for path in cpo.requests if "/sessions" in path]
    assert len(requests) < 20, len(requests)
    assert pulled.exit_code == 1 and len(pulled.stdout.splitlines()) == 3
    assert "OCX571" in pulled.stderr and "missing key field `id`" in pulled.stderr
