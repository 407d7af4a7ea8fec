"""Fetching ahead of the consumer, the quick loose-timestamp test and fewer collections.

The concurrent crawl fetches its pages in a thread of its own (`ocpi.ahead.Ahead`): the
next requests go out while the consumer works on a page, pages still arrive in offset
order, a failure arrives after the pages before it, and stopping early stops fetching.
"""

from __future__ import annotations

import gc
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocpispec.demo import DemoServer, Faults
from ocpispec.ocpi import Credentials, FetchOptions, OcpiClient, OcpiError
from ocpispec.ocpi.ahead import Ahead
from ocpispec.gc_tuning import CRAWL_THRESHOLD as THRESHOLD, fewer_collections
from ocpispec.timestamps import LOOSE_IN_BODY, loose_timestamps


def connect(server: DemoServer, **options: object) -> OcpiClient:
    return OcpiClient.connect(Credentials(server.versions_url, server.token, party="NL-ABC"),
                              options=FetchOptions(**options))  # type: ignore[arg-type]


def list_requests(server: DemoServer) -> list[int]:
    return [int(parse_qs(urlsplit(r.target).query).get("offset", ["0"])[0]) for r in server.request_log
            if urlsplit(r.target).path.endswith("/sessions")]


# -- Ahead by itself -----------------------------------------------------------------------

def test_items_arrive_in_order_and_a_failure_after_the_items_before_it():
    def loop():
        yield from range(5)
        raise ValueError("page 5 failed")

    seen = []
    with pytest.raises(ValueError, match="page 5 failed"):
        for item in Ahead(loop()):
            seen.append(item)
    assert seen == [0, 1, 2, 3, 4]


def test_closing_stops_the_loop_in_its_own_thread_and_runs_its_finally():
    produced, closed_in = [], []

    def loop():
        try:
            for n in range(1000):
                produced.append(n)
                yield n
        finally:
            closed_in.append(threading.current_thread().name)

    ahead = Ahead(loop(), depth=1, name="test-ahead")
    assert next(ahead) == 0
    time.sleep(0.05)
    ahead.close()
    assert closed_in == ["test-ahead"]
    assert len(produced) <= 4          # the one handed over, one queued, one in hand, and the next
    assert list(ahead) == []


# -- the crawl ------------------------------------------------------------------------------

def test_requests_go_on_while_the_consumer_works(demo_server_factory):
    """While the consumer is busy with the first page, the next pages are fetched; but no
    more than the concurrency, one queued and one in hand ahead of it."""
    server = demo_server_factory(size=3000, max_page_size=100, faults=Faults(latency_ms=5))
    with connect(server, concurrency=4, page_size=100) as client:
        pages = client.fetch_pages("sessions")
        start = len(list_requests(server))
        first = next(pages)
        # the pages ahead come while the consumer holds the first (waited for: a loaded
        # machine may take longer than any fixed pause to send them), and no more after
        waited = time.monotonic() + 30
        while len(list_requests(server)) - start < 1 + 2 and time.monotonic() < waited:
            time.sleep(0.01)
        time.sleep(0.4)
        ahead = len(list_requests(server)) - start
        rest = list(pages)
    assert 1 + 2 <= ahead <= 1 + 4 + 2
    ids = [o["id"] for page in [first, *rest] for o in page]
    assert ids == sorted(ids) and len(ids) == len(set(ids)) == 3000


def _crawl_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith(("ocpispec-pages", "ocpispec-fetch"))}


def test_stopping_early_stops_fetching(demo_server_factory):
    # a test before this one in the process may have left a crawl it failed in the middle
    # of to the garbage collector (CliRunner keeps its traceback): only this one's count
    earlier = _crawl_threads()
    server = demo_server_factory(size=5000, max_page_size=100, faults=Faults(latency_ms=5))
    with connect(server, concurrency=4, page_size=100) as client:
        pages = client.fetch_pages("sessions")
        next(pages), next(pages)
        pages.close()
        count = len(list_requests(server))
        time.sleep(0.2)
        assert len(list_requests(server)) == count <= 2 + 4 + 2
    # the threads end once they see the stop (a loaded machine may take a moment to run them)
    for thread in _crawl_threads() - earlier:
        thread.join(timeout=60)
    assert not _crawl_threads() - earlier


def test_a_failing_page_arrives_after_the_pages_before_it(demo_server_factory, fast_options):
    server = demo_server_factory(size=2000, max_page_size=100,
                                 faults=Faults(fault_after_requests=6, error_rate=1.0))
    options = {name: getattr(fast_options, name) for name in ("max_retries", "backoff_base", "backoff_max")}
    with connect(server, concurrency=4, page_size=100, **options) as client:
        got = []
        with pytest.raises(OcpiError):
            for page in client.fetch_pages("sessions"):
                got.extend(o["id"] for o in page)
    assert got == [f"SES{i:09d}" for i in range(len(got))] and len(got) % 100 == 0


# -- the loose-timestamp test ---------------------------------------------------------------

_PIECES = st.sampled_from([b'"', b"2025-01-02", b"T", b" ", b"10:11", b":12", b"Z", b'"', b"-", b"03",
                           b".5", b"+01:00", b"x", b"2025", b":", b"1"])


@given(st.lists(_PIECES, max_size=24).map(b"".join))
def test_the_quick_loose_test_is_the_regular_expression(content):
    assert loose_timestamps(content) == (LOOSE_IN_BODY.search(content) is not None)


def test_loose_and_canonical_bodies():
    assert not loose_timestamps(b'{"last_updated":"2025-01-02T10:11:12Z","id":"NL-A-01-02"}')
    assert loose_timestamps(b'{"last_updated":"2025-01-02T10:11:12.5Z"}')
    assert loose_timestamps(b'{"last_updated":"2025-01-02 10:11:12"}')
    assert loose_timestamps(b'{"last_updated":" 2025-01-02T10:11:12Z"}')        # padded in front
    assert loose_timestamps(b'{"last_updated":"\\t2025-01-02T10:11:12Z"}')
    assert loose_timestamps(b'{"last_updated":"\\u00a02025-01-02T10:11:12Z"}')
    assert not loose_timestamps(b'{"name":" Main street","last_updated":"2025-01-02T10:11:12Z"}')


# -- fewer collections while pages stream ----------------------------------------------------

def test_fewer_collections_nest_and_put_the_threshold_back():
    import ocpispec.gc_tuning as tuning

    if tuning._active:   # a crawl an earlier test left to the garbage collector is inside
        gc.collect()
    assert not tuning._active
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        with fewer_collections():
            assert gc.get_threshold() == (THRESHOLD, 10, 10)
            with fewer_collections():
                assert gc.get_threshold()[0] == THRESHOLD
            assert gc.get_threshold()[0] == THRESHOLD
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)


def test_a_crawl_puts_the_threshold_back(demo_server):
    before = gc.get_threshold()
    with connect(demo_server) as client:
        assert len(list(client.fetch("sessions"))) == demo_server.size
    assert gc.get_threshold() == before
