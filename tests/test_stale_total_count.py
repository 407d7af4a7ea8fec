"""A count above the list on every page that holds objects (a stale cached
`X-Total-Count`), the true one on an empty page: the concurrent crawl raised its end to
the count again after each empty page and asked for every offset up to it (987 requests
for 10 sessions; with a count of 10**30, it never ended). The list ends at the first
empty page; the count it does not reach leaves it in doubt (OCX571), loudly."""

from __future__ import annotations

import re
from typing import Any

import pytest

from independent_cpo import IndependentCpo


def _login(cpo: IndependentCpo, run_cli) -> None:
    done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                   "--profile", "independent")
    assert done.exit_code == 0, done.output


class _CachedCount(IndependentCpo):
    """Says `X-Total-Count: 1000` on every page that holds objects."""

    def _page(self, module: str, query: dict[str, str]) -> tuple[list[dict[str, Any]], dict[str, str]]:
        if module != "sessions":   # the locations `get` reads for its scope are sound
            return super()._page(module, query)
        page, headers = super()._page(module, query)
        if page:
            headers["X-Total-Count"] = "1000"
        return page, headers


@pytest.mark.parametrize("concurrency", ["1", "4"])
def test_a_count_above_the_list_ends_at_the_first_empty_page(concurrency: str, run_cli, snapshot) -> None:
    with _CachedCount("2.2.1", records=10, page_cap=4) as cpo:
        _login(cpo, run_cli)
        pulled = run_cli("get", "sessions", "--include-private", "--profile", "independent", "--date-to", "2030-01-01",
                         "--concurrency", concurrency)
        requests = [path for path in cpo.requests if "/sessions" in path]
    assert len(requests) < 20, len(requests)
    assert pulled.exit_code == 1 and len(pulled.stdout.splitlines()) == 10
    assert "OCX571" in pulled.stderr and "says 1,000 objects, 10 arrived" in pulled.stderr
    assert pulled.stderr == snapshot


class _SamePage(IndependentCpo):
    """Ignores `offset` (every page is the first) and says `X-Total-Count: 10**30` on its
    first 300 answers, then an empty page (so that the crawl before the fix ends at all)."""

    def __init__(self) -> None:
        super().__init__("2.2.1", records=10, page_cap=4, paging="ignore_offset")
        self.answered = 0

    def _page(self, module: str, query: dict[str, str]) -> tuple[list[dict[str, Any]], dict[str, str]]:
        if module != "sessions":   # the locations `get` reads for its scope are sound
            return super()._page(module, query)
        page, headers = super()._page(module, query)
        self.answered += 1
        if self.answered > 300:
            return [], headers
        headers["X-Total-Count"] = str(10 ** 30)
        return page, headers


def test_a_platform_repeating_its_first_page_up_to_a_huge_count_is_left_after_three_pages(
        run_cli, snapshot) -> None:
    """The concurrent crawl warned of a page of repeats and asked on, for the same page,
    up to the count: forever with a count of 10**30. Three pages in a row of objects sent
    before stop it; the list is in doubt (OCX571)."""
    with _SamePage() as cpo:
        _login(cpo, run_cli)
        pulled = run_cli("get", "sessions", "--include-private", "--profile", "independent", "--date-to", "2030-01-01")
        requests = [path for path in cpo.requests if "/sessions" in path]
    assert len(requests) < 20, len(requests)
    assert pulled.exit_code == 1 and "OCX571" in pulled.stderr
    # the pages in flight when the crawl stops vary with the threads
    assert re.sub(r"\d+ pages, \d+ requests", "N pages, N requests", pulled.stderr) == snapshot
