"""Pages without objects: `"data": []`, `"data": null` and HTTP 204, first, in the middle
and at the end of a list. An empty page ends the list only where nothing says it goes on;
a page without `data` where the list goes on fails loudly, never as a silent end.
Over real HTTP to the demo CPO, through a small rewriting proxy."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fixtures_demo import scrub
from fixtures_proxy import RewritingProxy

from ocpispec.demo import DemoServer, Faults
from ocpispec.diagnostics.report import render
from ocpispec.ocpi import Credentials, FetchOptions, OcpiClient, OcpiError

DATE_TO = datetime(2026, 1, 1, tzinfo=UTC)
ALL = [f"SES{i:09d}" for i in range(250)]
Pick = Callable[[str], bool]


def at(offset: int) -> Pick:
    return lambda path: "/sessions" in path and re.search(rf"[?&]offset={offset}(&|$)", path) is not None


# Without `X-Total-Count`, the page a next link to offset 100 leads to is asked for 5
# objects early (objects may have shifted down onto the page read): at offset 95
SECOND_PAGE = {True: 100, False: 95}


def proxy(server: DemoServer, pages: Pick, *, data: object = (), status: int = 200,
          total: bool = True, link: Callable[[str], str | None] | None = None) -> RewritingProxy:
    """The pages `pages` picks answer `data` (`()`: unchanged) or HTTP `status` without a
    body; `total=False` drops `X-Total-Count`; `link(path)` replaces their next link."""

    def rewrite(path: str, code: int, headers: dict[str, str], body: bytes):
        if not total:
            headers.pop("x-total-count", None)
        if not pages(path):
            return code, headers, body
        if link is not None:
            headers.pop("link", None)
            if (target := link(path)) is not None:
                headers["link"] = f'<{target}>; rel="next"'
        if status != 200:
            return status, headers, b""
        if data != ():
            envelope = json.loads(body)
            envelope["data"] = data
            body = json.dumps(envelope).encode()
        return code, headers, body

    return RewritingProxy(server.origin, rewrite)


def fetch(url: str, token: str, **options: object) -> tuple[list[str], OcpiClient]:
    credentials = Credentials(url, token, party="NL-ABC")
    with OcpiClient.connect(credentials, options=FetchOptions(**options)) as client:  # type: ignore[arg-type]
        found = [o["id"] for o in client.fetch("sessions", date_to=DATE_TO)]
    return found, client


@pytest.fixture
def server(demo_server_factory) -> DemoServer:
    return demo_server_factory(size=250, max_page_size=100)


@pytest.mark.parametrize("concurrency", [1, 4])
@pytest.mark.parametrize("total", [True, False], ids=["total", "link-only"])
def test_a_page_without_data_in_the_middle_fails_loudly(server, concurrency: int, total: bool, snapshot) -> None:
    """`"data": null` with a next link (or a total beyond it) was read as an empty page: the
    crawl ended after 100 of 250 sessions and called the list complete."""
    with proxy(server, at(SECOND_PAGE[total]), data=None, total=total) as rewriting, \
            pytest.raises(OcpiError) as caught:
        fetch(rewriting.origin + "/ocpi/cpo/versions", server.token, concurrency=concurrency)
    assert caught.value.code == "OCX504"
    assert scrub(render([caught.value.diagnostic], {})) == snapshot


@pytest.mark.parametrize("concurrency", [1, 4])
def test_204_in_the_middle_of_a_list_fails_loudly(server, concurrency: int) -> None:
    with proxy(server, at(100), status=204) as rewriting, pytest.raises(OcpiError) as caught:
        fetch(rewriting.origin + "/ocpi/cpo/versions", server.token, concurrency=concurrency)
    assert caught.value.code == "OCX504"
    assert "came without `data`, although the list goes on" in caught.value.diagnostic.message


@pytest.mark.parametrize("answer", ["null", "204", "empty"])
def test_a_last_page_without_objects_ends_the_list(demo_server_factory, answer: str) -> None:
    """A platform without pagination headers answers the page after the last one with
    `data: null`, HTTP 204 or `[]`: the end of the list (204 said "not an OCPI endpoint")."""
    server = demo_server_factory(size=250, max_page_size=100, faults=Faults(no_pagination_headers=True))
    shape = {"null": {"data": None}, "204": {"status": 204}, "empty": {"data": []}}[answer]
    with proxy(server, at(250), **shape) as rewriting:  # type: ignore[arg-type]
        found, client = fetch(rewriting.origin + "/ocpi/cpo/versions", server.token, concurrency=1)
    assert found == ALL
    assert client.stats.crawls[-1].finished


def test_204_for_an_empty_list(server) -> None:
    with proxy(server, at(0), status=204, total=False, link=lambda path: None) as rewriting:
        found, client = fetch(rewriting.origin + "/ocpi/cpo/versions", server.token)
    assert found == []
    assert client.stats.crawls[-1].finished and client.stats.warnings == []


@pytest.mark.parametrize("offset", [0, SECOND_PAGE[False]])
def test_an_empty_page_with_a_next_link_is_followed(server, offset: int) -> None:
    """A platform that filters a page after cutting it (objects the token may not see)
    sends an empty page whose next link goes on: the crawl stopped there, losing the rest."""
    with proxy(server, at(offset), data=[], total=False) as rewriting:
        found, client = fetch(rewriting.origin + "/ocpi/cpo/versions", server.token)
    if offset:
        # asked 5 objects early, that page must hold the objects 95-99 the first page held:
        # empty, it is one the platform failed to fill (asked again, empty again: in doubt),
        # never followed past the objects 100-194 (tests/test_emptied_pages.py)
        assert found == ALL[:100]
        assert "emptied" in client.stats.crawls[-1].warning_kinds
        assert len([path for path in rewriting.paths if at(offset)(path)]) == 2
        return
    assert found == ALL[100:]
    assert client.stats.warnings == ["the platform sent an empty page with a next link; following the link"]
    assert "empty-page-followed" in client.stats.crawls[-1].warning_kinds


def test_empty_pages_with_next_links_forever_stop_in_doubt(server) -> None:
    """Every page after the first is empty and links to the next offset, without end."""
    def onward(path: str) -> str:
        offset = int(re.search(r"offset=(\d+)", path).group(1))  # type: ignore[union-attr]
        return rewriting.origin + re.sub(r"offset=\d+", f"offset={offset + 100}", path)

    # from the first page on: a page after one with objects is asked a few objects early, and
    # empty it is one the platform failed to fill (tests/test_emptied_pages.py)
    pages = lambda path: "/sessions" in path  # noqa: E731
    with proxy(server, pages, data=[], total=False, link=onward) as rewriting:
        found, client = fetch(rewriting.origin + "/ocpi/cpo/versions", server.token)
    assert found == []
    assert len([p for p in rewriting.paths if "/sessions" in p]) == 1 + 5    # the first, 5 followed
    assert "empty-pages" in client.stats.crawls[-1].warning_kinds


@pytest.mark.parametrize("concurrency", [1, 4])
def test_a_platform_linking_every_page_ends_after_the_short_one(server, concurrency: int) -> None:
    """Some platforms send a next link on every page, the last (short) one too: the empty
    page it leads to ends the list, as before (not followed on, not in doubt)."""
    def onward(path: str) -> str:
        offset = int(re.search(r"offset=(\d+)", path).group(1))  # type: ignore[union-attr]
        return rewriting.origin + re.sub(r"offset=\d+", f"offset={offset + 100}", path)

    with proxy(server, lambda path: "/sessions" in path, total=False, link=onward) as rewriting:
        found, client = fetch(rewriting.origin + "/ocpi/cpo/versions", server.token, concurrency=concurrency)
    assert found == ALL
    assert len([p for p in rewriting.paths if "/sessions" in p]) == 4
    report = client.stats.crawls[-1]
    assert report.finished and not [kind for kind in report.warning_kinds if kind.startswith("empty-page")]


def test_an_unfollowable_link_on_an_empty_page_makes_get_fail(run_cli, server) -> None:
    """The empty page's link leads to another host: not followed, and `get` says the dump
    may be incomplete (OCX571) instead of ending quietly."""
    foreign = lambda path: "http://cpo-internal.local:8080" + path  # noqa: E731
    with proxy(server, at(0), data=[], total=False, link=foreign) as rewriting:
        login = run_cli("login", rewriting.origin + "/ocpi/cpo/versions", "--token", server.token,
                        "--party", "NL-ABC")
        assert login.exit_code == 0, login.stderr
        result = run_cli("get", "sessions", "--include-private", "--concurrency", "1", "--date-to", "2026-01-01")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "OCX571" in result.stderr
    assert "an empty page carried a next link that could not be followed" in result.stderr


@pytest.mark.parametrize("answer", ["success", "unknown", "plain"])
def test_an_empty_list_answered_with_404(server, answer: str) -> None:
    """Some platforms answer a window without objects with HTTP 404 and an OCPI envelope of
    success without objects: every incremental run of a quiet hour failed (OCX501). That is
    read as an empty page, with a warning; a 404 saying anything else (a 2xxx status, which
    may mean the token is unknown, or no envelope at all) still fails."""
    bodies = {"success": {"data": [], "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"},
              "unknown": {"status_code": 2004, "status_message": "no sessions", "timestamp": "2026-01-01T00:00:00Z"},
              "plain": None}

    def rewrite(path: str, code: int, headers: dict[str, str], body: bytes):
        if not at(0)(path):                    # the window holds nothing
            return code, headers, body
        shown = bodies[answer]
        return 404, {"content-type": "application/json"}, b"Not Found" if shown is None else json.dumps(shown).encode()

    with RewritingProxy(server.origin, rewrite) as rewriting:
        if answer != "success":
            with pytest.raises(OcpiError) as caught:
                fetch(rewriting.origin + "/ocpi/cpo/versions", server.token)
            assert caught.value.code == ("OCX503" if answer == "unknown" else "OCX501")
            return
        found, client = fetch(rewriting.origin + "/ocpi/cpo/versions", server.token)
    assert found == [] and client.stats.crawls[-1].finished
    assert client.stats.warnings == ["the platform answers an empty list with HTTP 404 (and OCPI status 1000 without "
                                     "objects); read as an empty page"]


def test_an_empty_page_in_the_middle_of_a_list_without_pagination_headers_is_in_doubt(demo_server_factory) -> None:
    """A platform without `X-Total-Count` or `Link` answering one page in the middle with
    `[]` (it failed to fill it): the crawl ended there with 100 of 250 sessions and called
    the list complete (get and run exited 0). That page is asked 5 objects early, for
    objects read just before: empty, it is asked for once more, and then answers (a page
    failing for good leaves the list in doubt: tests/test_emptied_pages.py; an empty page
    first in a window, the end of the list on a platform cutting pages before the date
    filters, is checked by the list's last object: test_independent_deviations).
    A list read whole ends at a page of nothing but the objects asked for again (the last
    page's overlap), not at an empty page: it asks nothing more, and stays complete."""
    server = demo_server_factory(size=250, max_page_size=100, faults=Faults(no_pagination_headers=True))
    first_time = []
    hole = lambda path: at(95)(path) and not first_time and not first_time.append(path)  # noqa: E731
    with proxy(server, hole, data=[]) as rewriting:
        found, client = fetch(rewriting.origin + "/ocpi/cpo/versions", server.token, concurrency=1)
    assert found == ALL
    assert "emptied-once" in client.stats.crawls[-1].warning_kinds
    assert len([path for path in rewriting.paths if at(95)(path)]) == 2
    before = len(server.request_log)
    whole, client = fetch(server.versions_url, server.token, concurrency=1)
    assert whole == ALL and "cut-before-filters" not in client.stats.crawls[-1].warning_kinds
    assert not [r for r in server.request_log[before:] if r.target.endswith("limit=1")]
