"""The crawl's judge of private copies (`ocpi.private_copies`) remembered which first
copies were private in a dedup window of its own (a second `RecentKeys`): it held up to
131,072 private fingerprints with the crawl's window full of public ones long past, and
wrote each one it dropped to a temporary file nobody read (`far_repeats`). A private mark
is only asked of an object the crawl still remembers, so the marks held are those of
the first copies the crawl's window holds (3 MB of peak memory at a million realistic
sessions, `benchmarks/bench_memory.py`). Shown on the real crawl of the demo's CDRs
(those at home chargers say home charging) with a window of 100 keys."""

from __future__ import annotations

from ocpispec.demo import DemoServer
from ocpispec.ocpi import Credentials, FetchOptions, OcpiClient
from ocpispec.ocpi.public_scope import home_charging
from test_far_repeats import crawl_started_since, live_crawls


def test_the_private_marks_are_those_of_the_keys_the_crawl_remembers() -> None:
    earlier = live_crawls()     # a crawl another test left to the collector is not this one
    private = 0
    with DemoServer(version="2.2.1", size=6_000, max_page_size=100) as server:
        client = OcpiClient.connect(Credentials(server.versions_url, server.token, party="NL-ABC"),
                                    options=FetchOptions(page_size=100, dedup_window=100))
        with client:
            objects = client.fetch("cdrs")
            for read, cdr in enumerate(objects, start=1):
                private += home_charging(cdr)
                if read == 3_000:
                    break
            crawl = crawl_started_since(earlier)
            judge, remembered = crawl._private_copies, crawl._keys
            marks = judge.marks()
            objects.close()
    assert read == 3_000 and private > 0, "the demo served too few CDRs, or none at a home"
    assert marks, "no private first copy was marked"
    forgotten = [mark for mark in marks if not remembered.first_copy(mark)[0]]
    assert not forgotten, f"{len(forgotten)} of {len(marks)} private marks are of keys the crawl forgot"
    assert len(marks) <= 2 * 100 + 100      # the window, and a page marked before it is added
