"""A crawl keeps no page's objects once it has handed them on: what its checks of the
list's end read of its first and last pages with objects (`crawl_pages.PageOutline`)
is their requests, counts and stamps. Held whole, a lookup's first and last pages of
1,000 realistic locations (some 7 MB of Python objects each) stayed in memory for the
whole run: `bench_memory.py --data realistic` peaked 25 MB higher at 1,000,000 sessions
(16,666 sites) than before the checks that read them (9986b137, 80a2f38a)."""

from __future__ import annotations

import gc
from collections import deque
from typing import Any

from ocpispec.demo import DemoServer
from ocpispec.ocpi import Credentials, FetchOptions, OcpiClient
from ocpispec.ocpi.crawl import Crawl

_CONTAINERS = (dict, list, tuple, set, frozenset, deque)


def _reachable_ids(root: object) -> set[str]:
    """The `id` of every OCPI object (a dict with `id` and `last_updated`) reachable from
    `root` through containers and ocpispec's own objects."""
    found: set[str] = set()
    seen: set[int] = {id(root)}
    queue: deque[Any] = deque([root])
    while queue:
        for item in gc.get_referents(queue.popleft()):
            if id(item) in seen:
                continue
            seen.add(id(item))
            if isinstance(item, dict) and isinstance(item.get("id"), str) and "last_updated" in item:
                found.add(item["id"])
            if isinstance(item, _CONTAINERS) or type(item).__module__.startswith("ocpispec"):
                queue.append(item)
    return found


def test_a_crawl_past_its_first_page_holds_none_of_its_objects() -> None:
    with DemoServer(version="2.2.1", size=300, max_page_size=50) as server:
        client = OcpiClient.connect(Credentials(server.versions_url, server.token, party="NL-ABC"),
                                    options=FetchOptions(page_size=50))
        with client:
            first_page: set[str] = set()
            objects = client.fetch("sessions")
            for read, obj in enumerate(objects, start=1):
                if read <= 50:
                    first_page.add(obj["id"])
                if read == 260:  # the sixth and last page: five pages handed on before it
                    break
            del obj
            crawls = [o for o in gc.get_objects() if isinstance(o, Crawl)]
            assert crawls, "the crawl is under way"
            held = set().union(*(_reachable_ids(crawl) for crawl in crawls))
            objects.close()
    assert len(first_page) == 50
    assert not held & first_page, (f"the crawl still holds {len(held & first_page)} objects of its "
                                   "first page")
