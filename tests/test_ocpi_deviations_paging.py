"""Issue 8, paging: next links that would lead the crawl astray are not followed.
Over real HTTP to the demo CPO, and through a small rewriting proxy for a stale link."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from fixtures_proxy import RewritingProxy

from ocpispec.demo import DemoServer, Faults
from ocpispec.ocpi import Credentials, FetchOptions, OcpiClient, OcpiError
from ocpispec.ocpi.links import assess

DATE_TO = datetime(2026, 1, 1, tzinfo=UTC)


def fetch(url: str, token: str, module: str = "sessions", **options: object) -> tuple[list[str], OcpiClient]:
    credentials = Credentials(url, token, party="NL-ABC")
    with OcpiClient.connect(credentials, options=FetchOptions(**options)) as client:  # type: ignore[arg-type]
        found = [o.get("id") or o["uid"] for o in client.fetch(module, date_to=DATE_TO)]
    return found, client


def module_requests(server: DemoServer, module: str) -> list[str]:
    return [r.target for r in server.request_log if module in r.target]


@pytest.mark.parametrize("module", ["sessions", "tokens"])
def test_garbled_next_path_is_not_followed(demo_server_factory, module: str, snapshot) -> None:
    server = demo_server_factory(size=250, max_page_size=15, faults=Faults(garbled_next_path=True))
    found, client = fetch(server.versions_url, server.token, module, concurrency=1)
    total = server.listings["2.2.1"][module].total(server.listings["2.2.1"][module].window(None, None))
    assert len(found) == len(set(found)) == total
    assert all(urlsplit(t).path == f"/ocpi/cpo/2.2.1/{module}" for t in module_requests(server, module))
    assert all(r.status == 200 for r in server.request_log)
    assert client.stats.warnings == snapshot


def test_link_filter_where_none_was_sent_is_not_followed() -> None:
    endpoint = "https://cpo.example/ocpi/2.2.1/locations"
    ours = {"date_to": "2026-01-01T00:00:00Z"}
    link = assess(endpoint + "?date_from=None&date_to=2026-01-01T00:00:00Z&offset=100", endpoint, endpoint, ours)
    assert (link.verdict, link.detail) == ("filters", "date_from=None where none was sent")
    link = assess(endpoint + "/?date_to=2026-01-01T00:00:00Z&offset=100", endpoint, endpoint, ours)
    assert link.verdict == "ok"         # a trailing slash is the same list (doctor says so too)
    assert assess("/ocpi/2.2.1/locations2?date_to=2026-01-01T00:00:00Z", endpoint, endpoint,
                  ours).verdict == "path"
    assert assess(endpoint + "?date_to=2026-01-01T00%3A00%3A00Z&offset=100&x=1", endpoint, endpoint,
                  ours).verdict == "ok"
    twice = assess(endpoint + "?date_to=2020-01-01T00:00:00Z&date_to=2026-01-01T00:00:00Z", endpoint, endpoint, ours)
    assert (twice.verdict, twice.detail) == ("filters", "date_to given more than once")
    session = assess("/x;jsessionid=S3CRET/locations?date_to=2026-01-01T00:00:00Z", endpoint, endpoint, ours)
    assert (session.verdict, session.detail) == ("path", "`/` then 2 segments of its own instead of "
                                                         "`/ocpi/2.2.1/locations`")
    assert assess(endpoint.replace("locations", "sessions%2F..%2Flocations") + "?date_to=2026-01-01T00:00:00Z",
                  endpoint, endpoint, ours).verdict == "path"


def stale_link_proxy(server: DemoServer, answer_404: bool = True) -> RewritingProxy:
    """Next links gain `cursor=stale`; requests carrying it answer 404 (an expired cursor)."""

    def rewrite(path: str, status: int, headers: dict[str, str], body: bytes):
        if "link" in headers:
            headers["link"] = headers["link"].replace('>; rel="next"', '&cursor=stale>; rel="next"')
        return status, headers, body

    def early(path: str):
        if "cursor=stale" in path and answer_404:
            return 404, {"Content-Type": "application/json"}, b'{"status_code": 2000, "data": null}'
        return None

    return RewritingProxy(server.origin, rewrite, early)


def test_a_404_on_a_followed_link_falls_back_to_offset_once(demo_server_factory, snapshot) -> None:
    server = demo_server_factory(size=250, max_page_size=100)
    with stale_link_proxy(server) as proxy:
        found, client = fetch(proxy.origin + "/ocpi/cpo/versions", server.token, concurrency=1)
        sessions = [parse_qs(urlsplit(p).query) for p in proxy.paths if "/sessions" in p]
    assert found == [f"SES{i:09d}" for i in range(250)]
    assert [("cursor" in q, q["offset"]) for q in sessions] == [
        (False, ["0"]), (True, ["100"]), (False, ["100"]), (False, ["200"]),
        (False, ["0"])]     # the objects updated since the pinned `date_to`, asked once after the list
    assert client.stats.warnings == snapshot


def test_a_404_on_the_rebuilt_request_fails(demo_server_factory) -> None:
    server = demo_server_factory(size=250, max_page_size=100)

    def rewrite(path: str, status: int, headers: dict[str, str], body: bytes):
        if "link" in headers:
            headers["link"] = headers["link"].replace('>; rel="next"', '&cursor=stale>; rel="next"')
        return status, headers, body

    def early(path: str):
        if "/sessions" in path and "offset=0" not in path:
            return 404, {"Content-Type": "application/json"}, b'{"status_code": 2000, "data": null}'
        return None

    with RewritingProxy(server.origin, rewrite, early) as proxy, pytest.raises(OcpiError) as caught:
        fetch(proxy.origin + "/ocpi/cpo/versions", server.token, concurrency=1)
    assert caught.value.http_status == 404
    assert len([p for p in proxy.paths if "/sessions" in p]) == 3


def page_length_total_proxy(server: DemoServer, links: bool = True) -> RewritingProxy:
    """`X-Total-Count` says how many objects the page holds, not the list (a platform that
    counts what it sends); the next links are right, or there are none."""

    def rewrite(path: str, status: int, headers: dict[str, str], body: bytes):
        if "x-total-count" in headers:
            headers["x-total-count"] = str(len(json.loads(body)["data"]))
        if not links:
            headers.pop("link", None)
        return status, headers, body

    return RewritingProxy(server.origin, rewrite)


@pytest.mark.parametrize("concurrency", [1, 2, 4])
@pytest.mark.parametrize("links", [True, False], ids=["links", "no-links"])
def test_a_total_that_is_the_page_length_does_not_end_the_list(demo_server_factory, concurrency: int,
                                                                links: bool) -> None:
    """With next links, they say the list goes on; without, a full page does."""
    server = demo_server_factory(size=250, max_page_size=30)
    with page_length_total_proxy(server, links) as proxy:
        found, client = fetch(proxy.origin + "/ocpi/cpo/versions", server.token, concurrency=concurrency)
    assert found == [f"SES{i:09d}" for i in range(250)]
    assert client.stats.crawls[-1].finished


def stride_link_proxy(server: DemoServer) -> RewritingProxy:
    """Next links advance by the `limit` asked for, not by the objects sent (the platform
    caps pages lower), and no `X-Total-Count` would tell."""

    def rewrite(path: str, status: int, headers: dict[str, str], body: bytes):
        headers.pop("x-total-count", None)
        if "link" in headers:
            asked = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
            headers["link"] = re.sub(r"offset=\d+", f"offset={int(asked.get('offset', 0)) + int(asked['limit'])}",
                                     headers["link"])
        return status, headers, body

    return RewritingProxy(server.origin, rewrite)


@pytest.mark.parametrize("concurrency", [1, 4])
def test_next_links_that_skip_objects_are_not_followed(demo_server_factory, concurrency: int) -> None:
    server = demo_server_factory(size=250, max_page_size=30)
    with stride_link_proxy(server) as proxy:
        found, client = fetch(proxy.origin + "/ocpi/cpo/versions", server.token, concurrency=concurrency,
                              page_size=100)
    assert found == [f"SES{i:09d}" for i in range(250)]
    assert client.stats.warnings == [
        "the platform's next links skip objects (offset 100 after 30 objects from offset 0); the next pages "
        "are requested by offset from the end of each page"]


@pytest.mark.parametrize("concurrency", [1, 4])
def test_an_empty_page_whose_total_fell_to_zero_is_checked(demo_server_factory, concurrency: int) -> None:
    """A page that comes back empty with `X-Total-Count: 0` (a platform's query failed
    inside) looks like the end of the list. The shrink is checked like any other: the
    objects before it are asked for again, whose total says the list did not end."""
    server = demo_server_factory(size=250, max_page_size=50)
    glitched: list[str] = []

    def early(path: str):
        if "/sessions" in path and "offset=100" in path and not glitched:
            glitched.append(path)
            return 200, {"Content-Type": "application/json", "X-Total-Count": "0", "X-Limit": "50"}, (
                b'{"data": [], "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"}')
        return None

    with RewritingProxy(server.origin, lambda *answer: answer[1:], early) as proxy:
        found, client = fetch(proxy.origin + "/ocpi/cpo/versions", server.token, concurrency=concurrency)
    report = client.stats.crawls[-1]
    assert glitched and report.finished
    assert (report.received, report.last_total) == (len(set(found)), 250) and len(found) < 250


def test_date_from_none_where_none_was_sent_is_not_followed(demo_server_factory) -> None:
    server = demo_server_factory(size=250, max_page_size=15, faults=Faults(garbled_date_filters=True))
    found, client = fetch(server.versions_url, server.token, "tokens", concurrency=1)
    assert len(found) == len(set(found)) == 41
    requests = module_requests(server, "tokens")
    pages = [t for t in requests if "date_to" in t]  # (then once: the objects updated since `date_to`)
    assert all("date_from" not in t for t in pages) and len(requests) == len(pages) + 1
    assert client.stats.warnings == [
        "the platform's next links change the date filters (date_from=None where none was sent); the next "
        "pages are requested with the original filters by offset"]


def test_run_with_garbled_next_links_is_complete(run_cli, demo_server_factory, tmp_path) -> None:
    import json
    server = demo_server_factory(size=1000, max_page_size=20, faults=Faults(garbled_next_path=True))
    locations = server.listings["2.2.1"]["locations"]
    out = tmp_path / "locations.geojson"
    result = run_cli("run", "specs/open_data_locations.ocx", "--out", str(out), "--concurrency", "1",
                     "--page-size", "20", "--state", str(tmp_path / "state.json"),
                     env={"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token})
    assert result.exit_code == 0, result.stderr
    assert "warning: the platform's next links point to another path" in result.stderr
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    published = [server.render("2.2.1", "locations", i) for i in range(locations.total(locations.window(None, None)))]
    assert len(published) == 100
    assert sorted(f["properties"]["location_id"] for f in features) == sorted(
        o["id"] for o in published if o.get("publish", True))
    assert all(r.status == 200 for r in server.request_log)


_ENDPOINT = "https://cpo.example/ocpi/2.2.1/sessions"
_OURS = {"date_from": "2025-01-01T00:00:00Z", "date_to": "2026-01-01T00:00:00Z"}


@given(st.sampled_from(["https://cpo.example", "http://cpo.example", "https://cpo.example:8443",
                        "https://evil.example", ""]),
       st.sampled_from(["/ocpi/2.2.1/sessions", "/ocpi/2.2.1/sessions/", "/cpo/VersionNumber.v_2_2_1/ModuleID.sessions/",
                        "/ocpi/2.2.1/cdrs"]),
       st.sampled_from([None, "2025-01-01T00:00:00Z", "None", "2024-01-01T00:00:00Z"]),
       st.sampled_from([None, "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"]),
       st.integers(0, 10_000))
def test_a_link_is_followed_only_when_it_keeps_endpoint_and_filters(origin, path, date_from, date_to,
                                                                     offset) -> None:
    query = {"date_from": date_from, "date_to": date_to, "offset": str(offset)}
    href = origin + path + "?" + "&".join(f"{k}={v}" for k, v in query.items() if v is not None)
    link = assess(href, _ENDPOINT + "?offset=0", _ENDPOINT, _OURS)
    kept = (origin in ("https://cpo.example", "") and path.rstrip("/") == "/ocpi/2.2.1/sessions"
            and date_from == _OURS["date_from"] and date_to == _OURS["date_to"])
    assert (link.verdict == "ok") == kept


def stale_total_proxy(server: DemoServer, total: int, links: bool) -> RewritingProxy:
    """Every page says `X-Total-Count: total`, below what the list holds (a cached count,
    or 0 from a count query that failed); with or without next links."""

    def rewrite(path: str, status: int, headers: dict[str, str], body: bytes):
        if "x-total-count" in headers:
            headers["x-total-count"] = str(total)
        if not links:
            headers.pop("link", None)
        return status, headers, body

    return RewritingProxy(server.origin, rewrite)


@pytest.mark.parametrize("concurrency", [1, 4])
@pytest.mark.parametrize("links", [True, False], ids=["links", "no-links"])
@pytest.mark.parametrize("total", [0, 150])
def test_a_full_page_past_the_total_disproves_it(demo_server_factory, concurrency: int, links: bool,
                                                 total: int) -> None:
    """Without next links the crawl ended at the total (200 or 100 of 250 sessions) and
    called the list complete, since at least `X-Total-Count` objects had arrived."""
    server = demo_server_factory(size=250, max_page_size=100)
    with stale_total_proxy(server, total, links) as proxy:
        found, client = fetch(proxy.origin + "/ocpi/cpo/versions", server.token, concurrency=concurrency)
    assert found == [f"SES{i:09d}" for i in range(250)]
    assert client.stats.crawls[-1].finished


@pytest.mark.parametrize("concurrency", [1, 4])
@pytest.mark.parametrize("total", [None, 150])
def test_a_platform_ignoring_offset_still_ends_when_its_pages_pass_the_total(demo_server_factory, concurrency: int,
                                                                             total: int | None) -> None:
    """Every page is the first page again (shuffled): each full page reaches past the total,
    which must not make the crawl read on forever."""
    server = demo_server_factory(size=250, max_page_size=100, faults=Faults(ignore_offset=True, unstable_order=True))
    with stale_total_proxy(server, total, links=False) if total is not None else RewritingProxy(
            server.origin, lambda path, status, headers, body: (status, headers, body)) as proxy:
        found, client = fetch(proxy.origin + "/ocpi/cpo/versions", server.token, concurrency=concurrency)
    assert sorted(found) == [f"SES{i:09d}" for i in range(100)]
    assert "all-repeated" in client.stats.crawls[-1].warning_kinds
    # (the first page of repeats is asked for once more: a cache may have answered it; a
    # list short of its count then reads what was updated after `date_to`, and asks the
    # count once more: a busy platform's count may include those)
    assert len([p for p in proxy.paths if "/sessions" in p]) <= 6


@pytest.mark.parametrize("fault", ["foreign_next_link", "garbled_next_path"])
def test_rebuilt_requests_without_a_total_overlap_the_page_before(demo_server_factory, fault: str) -> None:
    """Next links that are not followed are rebuilt by offset. Without `X-Total-Count`
    (whose shrinking shows it), an object updated on the first page while the list is read
    leaves the pinned window and the objects behind it shift down: the rebuilt request
    starts 5 objects early, so the object that moved onto the page read is still read
    (a request at the page's end skipped it)."""
    server = demo_server_factory(size=250, max_page_size=100, faults=Faults(mutate_mid_crawl=1, **{fault: True}))

    def rewrite(path: str, code: int, headers: dict[str, str], body: bytes):
        headers.pop("x-total-count", None)
        return code, headers, body

    with RewritingProxy(server.origin, rewrite) as rewriting:
        found, client = fetch(rewriting.origin + "/ocpi/cpo/versions", server.token, concurrency=1)
    assert len(found) == len(set(found)) == 250
    assert "shift" not in client.stats.crawls[-1].warning_kinds
