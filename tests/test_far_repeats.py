"""An object repeated farther apart in one list than the crawl remembers keys
(`RecentKeys`: 65,536 to 131,072 objects by default), in another object's place: a
platform sorting by `last_updated` whose ties (one bulk update) come in another order on
each request. The repeat was handed on twice and the object it displaced never came,
with the `X-Total-Count` met, so the list counted as complete and a run exited 0. The
dropped generations' fingerprints are kept (8 bytes each) and the crawl counts such
repeats at its end: a doubt, so the run fails (OCX571). Shown on the real crawl against
the independent CPO with a window of 100 keys (a run would need 140,000 objects)."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections import deque
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from independent_cpo import IndependentCpo
from ocpispec.demo import DemoServer
from ocpispec.ocpi import Credentials, FetchOptions, OcpiClient
from ocpispec.ocpi.crawl import Crawl
from ocpispec.ocpi.far_repeats import ForgottenFingerprints
from ocpispec.ocpi.objects import RecentKeys

SESSIONS = 500


def _crawl(reordered: int | None) -> tuple[list[str], list[str]]:
    """The ids the crawl handed on and its warning kinds."""
    with IndependentCpo("2.2.1", records=1, page_cap=50, ties_reordered_at=reordered) as cpo:
        base = cpo.lists["sessions"][0]
        cpo.lists["sessions"] = [{**base, "id": f"BULK{index:04d}", "last_updated": "2026-01-05T08:00:00Z"}
                                 for index in range(SESSIONS)]
        credentials = Credentials(cpo.versions_url, cpo.token, party="NL-ABC")
        with OcpiClient.connect(credentials, options=FetchOptions(dedup_window=100)) as client:
            ids = [record["id"] for page in client.fetch_pages(
                "sessions", date_from=datetime(2026, 1, 1, tzinfo=UTC),
                date_to=datetime(2026, 2, 1, tzinfo=UTC)) for record in page]
            return ids, list(client.stats.crawls[-1].warning_kinds)


@pytest.mark.parametrize("reordered", [None, 450])
def test_a_repeat_farther_apart_than_the_keys_remembered_is_a_doubt(reordered: int | None) -> None:
    ids, kinds = _crawl(reordered)
    assert len(ids) == SESSIONS
    if reordered is None:
        assert len(set(ids)) == SESSIONS and "far-repeat" not in kinds
        return
    assert len(set(ids)) == SESSIONS - 1          # BULK0000 twice, BULK0450 never
    assert "far-repeat" in kinds


def test_forgotten_repeats_count_only_the_repeats_the_window_let_through() -> None:
    keys = RecentKeys(window=10)
    # 3 and 50 were forgotten: taken as new; 3 again and 99 are remembered (duplicates)
    assert [keys.add_fingerprint(n) for n in [*range(100), 3, 50, 3, 99]][-4:] == [True, True, False, False]
    assert keys.forgotten_repeats() == 2
    assert RecentKeys(window=10).forgotten_repeats() == 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 60), max_size=400), st.integers(2, 20))
def test_forgotten_repeats_are_the_keys_handed_on_twice(ids: list[int], window: int) -> None:
    """The count at the end of the list is the number of keys the window let through
    more than once, whatever the order and the window's size."""
    keys, handed_on = RecentKeys(window=window), []
    for key in ids:
        if keys.add((f"S{key}",)):
            handed_on.append(key)
    assert keys.forgotten_repeats() == len(handed_on) - len(set(handed_on))


_CONTAINERS = (dict, list, tuple, set, frozenset, deque)


def _reachable_bytes(root: object) -> int:
    """The bytes (`sys.getsizeof`) of every object reachable from `root` through
    containers and ocpispec's own objects, each counted once."""
    seen, queue, total = {id(root)}, deque([root]), 0
    while queue:
        item = queue.popleft()
        total += sys.getsizeof(item)
        if not (isinstance(item, _CONTAINERS) or type(item).__module__.startswith("ocpispec")):
            continue
        for inner in gc.get_referents(item):
            if id(inner) not in seen and not isinstance(inner, type):
                seen.add(id(inner))
                queue.append(inner)
    return total


def live_crawls() -> list[Crawl]:
    """Every crawl the collector holds (other tests' may be among them)."""
    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, Crawl)]


def crawl_started_since(earlier: list[Crawl]) -> Crawl:
    """The one crawl alive now that was not among `earlier` (`live_crawls` before it began)."""
    crawl, = (o for o in live_crawls() if not any(o is e for e in earlier))
    return crawl


def test_the_keys_a_crawl_forgot_take_no_memory() -> None:
    """The dedup window's memory is bounded by the window, not by the list: the keys it
    forgot were kept, 8 bytes each, in memory for the crawl's end (+8 MB at a million
    sessions, +16 MB while they were sorted). Read at 1,000 and at 11,000 objects of a
    crawl whose window remembers 100 to 200 keys, what it holds may not have grown by the
    keys forgotten in between (80,000 bytes)."""
    held: dict[int, int] = {}
    earlier = live_crawls()     # a crawl another test left to the collector is not this one
    with DemoServer(version="2.2.1", size=12_000, max_page_size=100) as server:
        client = OcpiClient.connect(Credentials(server.versions_url, server.token, party="NL-ABC"),
                                    options=FetchOptions(page_size=100, dedup_window=100))
        with client:
            objects = client.fetch("sessions")
            for read, _ in enumerate(objects, start=1):
                if read in (1_000, 11_000):
                    crawl = crawl_started_since(earlier)
                    held[read] = _reachable_bytes(crawl._keys)
                if read == 11_000:
                    break
            objects.close()
    assert len(held) == 2, "the demo served fewer than 11,000 sessions"
    assert held[11_000] - held[1_000] < 40_000, f"the window's keys grew by {held[11_000] - held[1_000]:,} bytes"



def test_a_crawl_read_to_its_end_lets_go_of_the_keys_it_remembered() -> None:
    """The window's keys and their stamps were held after the crawl's end, for as long as
    the run went on (a k rule's recoding, the risk figures, the sorted output): 14 MB of
    a run of 1,000,000 realistic sessions at its peak. Read to its end, a crawl's window
    holds none (its stamps, the first copies' `last_updated`, among them)."""
    earlier = live_crawls()
    with DemoServer(version="2.2.1", size=3_000, max_page_size=500) as server:
        client = OcpiClient.connect(Credentials(server.versions_url, server.token, party="NL-ABC"),
                                    options=FetchOptions(page_size=500))
        with client:
            objects = client.fetch_pages("sessions")
            pages = iter(objects)
            read = len(next(pages))
            crawl = crawl_started_since(earlier)
            during = _reachable_bytes(crawl._keys)
            read += sum(len(page) for page in pages)
            after = _reachable_bytes(crawl._keys)
    assert read >= 3_000, read
    assert during > 50_000, f"the window held {during:,} bytes while the crawl read {read:,} objects"
    assert after < 5_000, f"the window held {after:,} bytes after the crawl's end"


_FINGERPRINTS = st.integers(-2**63, 2**63 - 1)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.one_of(_FINGERPRINTS, st.sampled_from([-1, 0, 7, 2**63 - 1, -2**63])),
                         max_size=40), max_size=6),
       st.lists(st.lists(_FINGERPRINTS, max_size=10), max_size=2), st.integers(4, 24))
def test_the_repeats_counted_on_disk_are_those_of_the_fingerprints(
        dropped: list[list[int]], held: list[list[int]], budget: int) -> None:
    """Counted in parts of at most `budget` (split by their bits, down to all 64 of one
    fingerprint sent many times), as many as equal one before them; asked again, the same."""
    forgotten = ForgottenFingerprints(budget)
    for generation in dropped:
        forgotten.extend(generation)
    every = [f for generation in dropped for f in generation]
    expected = len(every) + sum(map(len, held)) - len(set(every).union(*held)) if every else 0
    assert forgotten.repeats(held) == expected
    assert forgotten.repeats(held) == expected
    forgotten.close()


_COUNTED_ALONE = """
import sys
from ocpispec.ocpi.objects import RecentKeys
keys = RecentKeys(window=100)
for n in [*range(1_000), 5, 500]:
    keys.add((f"S{n}",))
print(keys.forgotten_repeats(), "numpy" in sys.modules)
"""


def test_the_repeats_are_counted_without_importing_numpy() -> None:
    """numpy counted them once (sorting parts of the file): a crawl longer than its window
    imported it for that alone, 11 MB more resident for the rest of the run (a run of
    1,000,000 sessions needs it nowhere else: its risk figures are computed in SQL)."""
    found = subprocess.run([sys.executable, "-c", _COUNTED_ALONE], capture_output=True,
                           text=True, check=True).stdout.split()
    assert found == ["2", "False"]
