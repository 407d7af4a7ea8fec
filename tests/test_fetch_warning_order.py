"""The warnings of the concurrent crawl come in page order, whichever answer came first.

The pages after the first are fetched several at a time in pool threads. What a page's
fetching warned of (the transport's and the answer's warnings: no envelope, a nested
list, a wait the platform asked for) was said from that thread the moment its answer
came: a slow page let the warnings of the pages after it be said before its own, and
under load stderr (a snapshot of it) changed from run to run. They are now held as
notes of their page and said as the page is handed on, as the sequential crawl says
them."""

from __future__ import annotations

import pytest

from ocpispec.demo import DemoServer, Faults

NESTED = "warning: the platform's `tokens` pages nest the list as `data.items` instead of `data`"
BARE = "warning: the platform answers without the OCPI envelope (`status_code`, `data`)"


def _warned(stderr: str) -> list[str]:
    return [line.split(";")[0] for line in stderr.splitlines() if line.startswith("warning:")]


def _login(run_cli, server: DemoServer) -> None:
    done = run_cli("login", server.versions_url, "--token", server.token, "--party", "NL-ABC")
    assert done.exit_code == 0, done.stderr


@pytest.mark.parametrize("slow", ["", "10:1.5"], ids=["in-time", "second-page-slow"])
def test_the_warnings_of_pages_fetched_side_by_side_come_in_page_order(run_cli, slow: str) -> None:
    """The page at offset 10 is nested, the one at 20 bare; with the one at 10 answered
    1.5 s late, the page at 20 arrived first and its warning was said first."""
    faults = Faults(odd_pages="10:nested,20:bare", slow_page=slow)
    with DemoServer(version="2.2.1", size=600, max_page_size=10, faults=faults) as server:
        _login(run_cli, server)
        got = run_cli("get", "tokens", "--page-size", "10")
    assert got.exit_code == 0, got.stderr
    assert _warned(got.stderr) == [NESTED, BARE], got.stderr
    with DemoServer(version="2.2.1", size=600, max_page_size=10) as plain:
        _login(run_cli, plain)
        same = run_cli("get", "tokens", "--page-size", "10")
    assert same.stdout == got.stdout != ""
