"""Paging through module lists of the demo CPO over real HTTP, quirks included."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from ocpispec.demo import DemoServer, Faults
from ocpispec.ocpi import Credentials, FetchOptions, OcpiClient

DATE_TO = datetime(2026, 1, 1, tzinfo=UTC)


def connect(server: DemoServer, **options: object) -> OcpiClient:
    return OcpiClient.connect(Credentials(server.versions_url, server.token, party="NL-ABC"),
                              options=FetchOptions(**options))  # type: ignore[arg-type]


def ids(server: DemoServer, module: str = "sessions", **options: object) -> tuple[list[str], OcpiClient]:
    with connect(server, **options) as client:
        found = [o["id"] for o in client.fetch(module, date_to=DATE_TO)]
    return found, client


def data_requests(server: DemoServer, module: str = "sessions") -> list[dict[str, list[str]]]:
    """The requests for the list's pages: after a list of several pages, the one request for
    the objects updated since its pinned `date_to` (`since_pin`) is left out."""
    queries = [parse_qs(urlsplit(r.target).query) for r in server.request_log
               if urlsplit(r.target).path.endswith(f"/{module}")]
    return [q for q in queries if not since_pin(q, queries)]


def since_pin(query: dict[str, list[str]], queries: list[dict[str, list[str]]]) -> bool:
    """Whether `query` asks for the objects updated since the pinned `date_to` of the others."""
    return "date_to" not in query and any(q.get("date_to") == query.get("date_from") for q in queries)


def expected(server: DemoServer) -> list[str]:
    return [f"SES{i:09d}" for i in range(server.size)]


def switched_on(faults: Faults) -> str:
    return ",".join(name for name in faults.__dataclass_fields__ if getattr(faults, name) != getattr(Faults(), name))


def test_all_objects_once_in_index_order(demo_server: DemoServer) -> None:
    found, client = ids(demo_server)
    assert found == expected(demo_server)
    assert client.stats.duplicates == 0 and client.stats.invalid_by_reason == {}
    assert client.stats.warnings == []


@pytest.mark.parametrize("module,count", [("cdrs", 258), ("locations", 30), ("tariffs", 6), ("tokens", 50)])
def test_every_module_of_the_demo_is_complete(demo_server: DemoServer, module: str, count: int) -> None:
    key = "uid" if module == "tokens" else "id"
    with connect(demo_server) as client:
        found = [o[key] for o in client.fetch(module, date_to=DATE_TO)]
    assert len(found) == len(set(found)) == count


def test_concurrency_one_and_four_give_the_same_objects(demo_server_factory) -> None:
    server = demo_server_factory(size=1000, max_page_size=70)
    sequential, one = ids(server, concurrency=1)
    parallel, four = ids(server, concurrency=4)
    assert sequential == parallel == expected(server)
    assert one.stats.pages == four.stats.pages


def test_page_size_comes_from_x_limit_after_the_first_page(demo_server_factory) -> None:
    server = demo_server_factory(size=500, max_page_size=200, default_page_size=50)
    ids(server, concurrency=1)
    limits = [q.get("limit") for q in data_requests(server)]
    assert limits[0] is None and limits[1:] == [["200"], ["200"], ["200"]]


def test_page_size_option_is_sent(demo_server: DemoServer) -> None:
    before = len(demo_server.request_log)
    found, _ = ids(demo_server, page_size=40)
    assert len(found) == 300
    queries = [parse_qs(urlsplit(r.target).query) for r in demo_server.request_log[before:]
               if "/sessions" in r.target]
    assert {q["limit"][0] for q in queries} == {"40"}


def test_sessions_always_get_a_date_from_and_a_pinned_date_to(demo_server: DemoServer) -> None:
    before = len(demo_server.request_log)
    with connect(demo_server, concurrency=1) as client:
        list(client.fetch("sessions"))
    queries = [parse_qs(urlsplit(r.target).query) for r in demo_server.request_log[before:]
               if "/sessions" in r.target]
    pages = [q for q in queries if not since_pin(q, queries)]
    assert {q["date_from"][0] for q in pages} == {"1969-12-31T23:59:59Z"}   # a second before the epoch
    assert len({q["date_to"][0] for q in pages}) == 1
    assert len(queries) == len(pages) + 1       # and once, the objects updated since that pin


def test_date_window_matches_last_updated(demo_server: DemoServer) -> None:
    start, end = datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 6, 1, tzinfo=UTC)
    with connect(demo_server) as client:
        window = list(client.fetch("sessions", date_from=start, date_to=end))
        everything = list(client.fetch("sessions", date_to=DATE_TO))
    inside = [o["id"] for o in everything if "2025-03-01T00:00:00Z" <= o["last_updated"] < "2025-06-01T00:00:00Z"]
    assert [o["id"] for o in window] == inside and 0 < len(inside) < 300


def test_count_and_limit(demo_server: DemoServer) -> None:
    with connect(demo_server) as client:
        assert client.count("sessions", date_to=DATE_TO) == 300
        assert len(list(client.fetch("sessions", date_to=DATE_TO, limit=7))) == 7


def test_get_object(demo_server: DemoServer) -> None:
    with connect(demo_server) as client:
        assert client.get_object("locations", "LOC00004")["id"] == "LOC00004"
        assert client.get_object("locations", "LOC99999") is None


def test_fetch_streams_page_by_page(demo_server_factory) -> None:
    server = demo_server_factory(size=1000, max_page_size=100, default_page_size=100)
    with connect(server, concurrency=1) as client:
        stream = client.fetch("sessions", date_to=DATE_TO)
        next(stream)
        assert len(data_requests(server)) == 1
        stream.close()


@pytest.mark.parametrize("faults", [
    Faults(relative_next_link=True), Faults(empty_link_on_last=True), Faults(echo_limit=True),
    Faults(ignore_limit=True), Faults(unstable_order=True)], ids=lambda f: switched_on(f))
@pytest.mark.parametrize("concurrency", [1, 4])
def test_link_quirks_still_give_everything(demo_server_factory, faults: Faults, concurrency: int) -> None:
    server = demo_server_factory(size=250, max_page_size=60, faults=faults)
    found, client = ids(server, concurrency=concurrency, page_size=100)
    assert sorted(found) == expected(server)
    assert client.stats.warnings == []


@pytest.mark.parametrize("concurrency", [1, 4])
def test_no_pagination_headers_pages_by_offset_until_empty(demo_server_factory, concurrency: int) -> None:
    server = demo_server_factory(size=250, max_page_size=100, faults=Faults(no_pagination_headers=True))
    found, client = ids(server, concurrency=concurrency)
    assert found == expected(server)
    # each page starts 5 objects early, and a page of those 5 alone ends the list
    assert [q["offset"] for q in data_requests(server)] == [["0"], ["95"], ["190"], ["245"]]
    assert client.stats.warnings == [
        "the platform sends no pagination headers; paging by offset until an empty page"]
    assert client.stats.duplicates == 0     # the objects asked for again are no duplicates


@pytest.mark.parametrize("moved, lost, doubted", [(3, 0, False), (5, 0, True), (8, 3, True)])
def test_without_a_total_objects_shifting_between_pages_are_read_again(
        demo_server_factory, moved: int, lost: int, doubted: bool) -> None:
    """Objects of the first page updated past the pinned `date_to` after it was read: the
    rest shift down onto it. Nothing shows it without `X-Total-Count`, so each page starts
    5 objects early. A page repeating none of them may follow a larger shift (or exactly
    5): a doubt, so the run fails instead of losing what shifted further."""
    server = demo_server_factory(size=250, max_page_size=50,
                                 faults=Faults(no_pagination_headers=True, mutate_mid_crawl=moved))
    found, client = ids(server, concurrency=1)
    assert len(set(found)) == len(found) == len(expected(server)) - lost
    shift = [w for w in client.stats.warnings if "shifted between pages" in w]
    assert shift == (["no object of the previous page came again at offset 45 (objects may have shifted "
                      "between pages, and the platform sends no `X-Total-Count` to show it)"] if doubted else [])
    assert ("shift" in client.stats.crawls[-1].warning_kinds) is doubted


def test_foreign_next_link_is_not_followed(demo_server_factory) -> None:
    server = demo_server_factory(size=250, max_page_size=100, faults=Faults(foreign_next_link=True))
    found, client = ids(server, concurrency=1)
    assert found == expected(server)
    # the link's host is the platform's text: the warning names the endpoint's origin only
    assert client.stats.warnings == [
        f"the platform's next links point to another host than the endpoint's ({server.origin}; the other "
        "host is not shown); the token is not sent there: the next pages are requested from the endpoint "
        "URL by offset"]
    assert [q["offset"] for q in data_requests(server)] == [["0"], ["100"], ["200"]]


def test_garbled_date_filters_are_replaced_by_ours(demo_server_factory) -> None:
    server = demo_server_factory(size=250, max_page_size=100, faults=Faults(garbled_date_filters=True))
    found, client = ids(server, concurrency=1)
    assert found == expected(server)
    assert client.stats.warnings == [
        "the platform's next links change the date filters (date_from=None); the next pages are requested "
        "with the original filters by offset"]
    assert all(q["date_to"] == ["2026-01-01T00:00:00Z"] for q in data_requests(server))


def test_next_link_loop_is_broken(demo_server_factory) -> None:
    server = demo_server_factory(size=350, max_page_size=100, faults=Faults(next_link_loop=True))
    found, client = ids(server, concurrency=1)
    assert found == expected(server)
    assert client.stats.warnings == [
        "the platform's next links repeat an earlier page; the next pages are requested by offset"]
    assert len(data_requests(server)) == 4


def test_platform_ignoring_offset_does_not_loop_forever(demo_server_factory) -> None:
    server = demo_server_factory(size=250, max_page_size=100,
                                 faults=Faults(no_pagination_headers=True, ignore_offset=True))
    found, client = ids(server, concurrency=1)
    assert found == expected(server)[:100]
    assert len(data_requests(server)) == 3   # the third asks whether it marks more pages with links
    assert client.stats.warnings[-1] == ("the platform sent a page of objects it had already sent "
                                         "(it may ignore `offset`); stopped paging")


def test_platform_ignoring_offset_is_reported_in_concurrent_mode(demo_server_factory) -> None:
    server = demo_server_factory(size=250, max_page_size=100, faults=Faults(ignore_offset=True))
    found, client = ids(server, concurrency=4)
    assert found == expected(server)[:100] and client.stats.duplicates == 200
    assert client.stats.warnings == ["the platform sent a page of objects it had already sent (it may ignore "
                                     "`offset`); the export may be incomplete"]


@pytest.mark.parametrize("concurrency", [1, 4])
def test_duplicates_with_lowercased_ids_are_dropped(demo_server_factory, concurrency: int) -> None:
    server = demo_server_factory(size=250, max_page_size=50,
                                 faults=Faults(duplicate_objects=True, lowercase_ids=True))
    found, client = ids(server, concurrency=concurrency)
    assert sorted(x.upper() for x in found) == expected(server)
    assert client.stats.duplicates == 4


@pytest.mark.parametrize("style", ["naive_timestamps", "fractional_timestamps", "offset_timestamps"])
def test_timestamps_are_normalised(demo_server_factory, style: str) -> None:
    server = demo_server_factory(size=60, max_page_size=100, faults=Faults(**{style: True}))
    reference = DemoServer(size=60)
    with connect(server) as client:
        objects = list(client.fetch("sessions", date_to=DATE_TO))
    assert len(objects) == 60
    originals = [reference.render("2.2.1", "sessions", i) for i in range(60)]
    for got, original in zip(objects, originals):
        assert got["last_updated"] == original["last_updated"]
        assert got["start_date_time"] == original["start_date_time"]
        assert got["charging_periods"] == original["charging_periods"]


def test_invalid_objects_are_counted_by_reason(demo_server_factory) -> None:
    server = demo_server_factory(size=300, max_page_size=100, faults=Faults(invalid_objects=10))
    found, client = ids(server)
    assert len(found) == 270
    assert client.stats.invalid_by_reason == {"missing key field `id`": 10,
                                              "missing required field `last_updated`": 10,
                                              "not a JSON object": 10}


def test_an_invalid_object_sent_again_is_counted_once(demo_server_factory) -> None:
    """Every page repeats the last object of the one before, here an invalid one: it was
    counted again at each repeat (11 of 10), which `X-Total-Count` is compared with (an
    object that never came was made up for by a repeat) and `--allow-invalid` too."""
    server = demo_server_factory(size=300, max_page_size=100,
                                 faults=Faults(invalid_objects=10, duplicate_objects=True))
    found, client = ids(server)
    assert len(found) == 270
    assert client.stats.invalid_by_reason == {"missing key field `id`": 10,
                                              "missing required field `last_updated`": 10,
                                              "not a JSON object": 10}


def test_unknown_fields_pass_through(demo_server_factory) -> None:
    server = demo_server_factory(size=20, faults=Faults(unknown_fields=True))
    with connect(server) as client:
        first = next(client.fetch("sessions", date_to=DATE_TO))
    assert first["x_demo_rating"] == 4.5


@pytest.mark.parametrize("concurrency", [1, 4])
def test_total_shrinking_mid_crawl_loses_nothing(demo_server_factory, concurrency: int) -> None:
    server = demo_server_factory(size=400, max_page_size=50, faults=Faults(mutate_mid_crawl=3))
    with connect(server, concurrency=concurrency) as client:
        found = [o["id"] for o in client.fetch("sessions")]
    # sessions 1-3 moved out of the window after the first page; everything behind them shifted
    # down by 3, so a client that only follows offsets would miss 3 sessions
    assert sorted(found) == expected(server)
    assert ["3"] in [q.get("limit") for q in data_requests(server)]     # the refill request
    assert ("`X-Total-Count` shrank from 400 to 397 during the crawl (objects changed on the platform); "
            "fetching the shifted objects again") in client.stats.warnings


def test_moved_objects_come_back_without_a_pinned_window(demo_server_factory) -> None:
    server = demo_server_factory(size=100, max_page_size=50, faults=Faults(mutate_mid_crawl=2))
    with connect(server) as client:
        list(client.fetch("sessions"))
        again = [o["id"] for o in client.fetch("sessions", date_to=datetime(2100, 1, 1, tzinfo=UTC))]
    assert sorted(again) == expected(server)


class Recorder:
    def __init__(self) -> None:
        self.pages: list[tuple[str, int, int | None]] = []
        self.warnings: list[str] = []

    def page(self, module: str, objects: int, total: int | None) -> None:
        self.pages.append((module, objects, total))

    def warn(self, message: str) -> None:
        self.warnings.append(message)


def test_events_report_progress_and_each_warning_once(demo_server_factory) -> None:
    server = demo_server_factory(size=250, max_page_size=100, faults=Faults(foreign_next_link=True))
    events = Recorder()
    credentials = Credentials(server.versions_url, server.token, party="NL-ABC")
    with OcpiClient.connect(credentials, options=FetchOptions(concurrency=1), events=events) as client:
        list(client.fetch("sessions", date_to=DATE_TO))
    assert events.pages == [("sessions", 100, 250), ("sessions", 200, 250), ("sessions", 250, 250)]
    assert len(events.warnings) == 1 and events.warnings == client.stats.warnings


def test_requests_per_second_is_a_ceiling(demo_server_factory) -> None:
    import time
    server = demo_server_factory(size=250, max_page_size=50, default_page_size=50)
    started = time.monotonic()
    found, client = ids(server, requests_per_second=40.0)
    assert len(found) == 250
    assert time.monotonic() - started >= (client.stats.requests - 1) / 40.0


@pytest.mark.parametrize("page_size", [None, 100, 1000])
def test_a_silent_page_cap_with_offset_ignored_fails_instead_of_losing_the_rest(demo_server_factory,
                                                                                page_size: int | None) -> None:
    """A platform that ignores `offset`, sends no pagination headers and caps pages below
    the asked `limit` without saying so: its short first page looks like the whole list,
    and the page asked for next repeats it. A platform paging by a cursor of its own
    answers the same way at the end of a one-page list; only one that marks a page
    followed by more with a next link shows which it is. This one never does: the list
    cannot be proven complete (once 150 of 250 sessions went missing without a doubt)."""
    server = demo_server_factory(size=250, max_page_size=100,
                                 faults=Faults(no_pagination_headers=True, ignore_offset=True))
    found, client = ids(server, concurrency=1, page_size=page_size)
    assert found == expected(server)[:100]
    assert "all-repeated" in client.stats.crawls[-1].warning_kinds
    # the first page, the overlapping one, and the first page asked for one object shorter
    assert [q["offset"] for q in data_requests(server)] == [["0"], ["95"], ["0"]]
    assert data_requests(server)[-1]["limit"] == ["99"]


@pytest.mark.parametrize("page_size", [None, 1])
@pytest.mark.parametrize("faults", [Faults(ignore_offset=True), Faults(ignore_offset=True, no_pagination_headers=True)],
                         ids=("total", "no headers"))
def test_one_object_pages_with_offset_ignored_are_no_one_object_list(demo_server_factory, faults: Faults,
                                                                      page_size: int | None) -> None:
    """A platform serving one object a page and ignoring `offset`: a cursor platform's list
    of one object looks like its first page, so it must say pages hold at most one
    (`X-Limit: 1`) or that the list holds more (`X-Total-Count`); without headers the
    list stays in doubt where no page size was asked or said, or the asked one is one."""
    server = demo_server_factory(size=250, max_page_size=1, faults=faults)
    found, client = ids(server, concurrency=1, page_size=page_size)
    assert found == expected(server)[:1]
    # with `X-Total-Count` its next links name offsets it ignores: three pages of repeats
    # by them stop the crawl (it asked up to offset 249 before)
    assert {"all-repeated", "link-loop"} & set(client.stats.crawls[-1].warning_kinds)
    assert len(data_requests(server)) < 10
