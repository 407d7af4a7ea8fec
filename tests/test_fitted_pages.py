"""A crawl without workers takes a page whose objects fit the strict types without the
wire reader and the settling (`ocpi.fitted_pages`): it hands on the same objects, counts
the same repeats and invalid objects, and notes the same findings as when every object
is read, whatever the platform sent; and a clean list from a real server does take it."""

from __future__ import annotations

import copy
import random
from typing import Any

import httpx
import orjson
from hypothesis import given, settings
from hypothesis import strategies as st
from test_fast_pages import RECORDS, _page, _typed, _written, spoiled

from ocpispec.ocpi import Credentials, FetchOptions, OcpiClient
from ocpispec.ocpi.accept import fitted_accepter, page_accepter
from ocpispec.ocpi.body import decode_body, wide_charset
from ocpispec.ocpi.fitted_pages import FittedPage, fitted_reader
from ocpispec.ocpi.objects import ObjectCheck, RecentKeys
from ocpispec.ocpi.stats import FetchStats
from ocpispec.timestamps import loose_timestamps

URL = "http://127.0.0.1:1/ocpi/2.2.1/sessions"


def _read(version: str, module: str, contents: list[bytes], room: int | None,
          fitted: bool) -> tuple[list[Any], FetchStats, list[bool]]:
    """Each page as the transport decodes it and the crawl accepts it (with the test of
    `fitted_pages` or without), into one dedup: what each page handed on, the counts
    and findings, and which pages took the fitted way."""
    stats = FetchStats()
    check = ObjectCheck(version, module, stats)
    accept, keys = page_accepter(check), RecentKeys(64)
    reader = fitted_reader(version, module) if fitted else None
    handed: list[Any] = []
    took: list[bool] = []
    for content in contents:
        response = httpx.Response(200, content=content, headers={"content-type": "application/json"})
        loose = loose_timestamps(content) or wide_charset(response, content)
        body = decode_body(URL, response, content, flags=False, fitted=None if loose else reader)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):  # `data` given twice, the last no list: the crawl refuses it
            handed.append(("no list", _typed(data)))
            continue
        took.append(data.__class__ is FittedPage)
        if data.__class__ is FittedPage:
            fresh, duplicates, invalid = fitted_accepter(check)(data, room, keys)
        else:
            fresh, duplicates, invalid = accept(data, room, loose, keys)
        handed.append((_typed(fresh), duplicates, invalid, sorted(keys._current.items())))
    return handed, stats, took


def _same_reading(version: str, module: str, contents: list[bytes], room: int | None) -> list[bool]:
    slow, slow_stats, _ = _read(version, module, [*contents], room, fitted=False)
    fast, fast_stats, took = _read(version, module, [*contents], room, fitted=True)
    assert fast == slow
    for name in ("invalid_fields", "deviations", "unknown_fields", "invalid_by_reason"):
        assert getattr(fast_stats, name) == getattr(slow_stats, name), name
    return took


@settings(max_examples=300, deadline=None)
@given(spoiled(), st.integers(0, 2**32), st.one_of(st.none(), st.integers(0, 6)))
def test_a_page_that_fits_is_accepted_as_when_every_object_is_read(
        case: tuple[str, str, list[dict[str, Any]]], seed: int, room: int | None) -> None:
    """Generated and hostile pages (a value of another type, an unknown field, escapes, a
    key given twice, white space), each read twice into one dedup (the second time every
    object is a repeat), up to `room` objects a page."""
    version, module, records = case
    rnd = random.Random(seed)
    written = _written({"data": records, "status_code": 1000}, rnd)
    _same_reading(version, module, [_page(records), written, _page(records), written], room)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(RECORDS)), st.integers(0, 2**32))
def test_clean_pages_with_repeats_and_later_copies_are_accepted_alike(case: tuple[str, str], seed: int) -> None:
    """Clean pages (which fit) repeating objects within and across pages, some a later
    version of a copy read before: the same objects handed on, repeats and later copies."""
    rnd = random.Random(seed)
    records = RECORDS[case]
    pages = []
    for _ in range(3):
        page = copy.deepcopy(rnd.choices(records, k=rnd.randint(1, 6)))
        for record in page:
            if rnd.random() < 0.3:
                record["last_updated"] = "2031-05-06T07:08:09Z"
        pages.append(_page(page))
    took = _same_reading(*case, pages, rnd.choice([None, 2, 100]))
    assert all(took) or case == ("2.1.1", "sessions") or "tariffs" in case


def test_a_clean_list_from_a_server_is_read_the_fitted_way(tmp_path: Any) -> None:
    """The client reading a real server's clean sessions (a 2.2.1 platform sending each
    as OCPI writes it), a page that fits, hands on each object as sent and finds nothing."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    records = [copy.deepcopy(record) for record in RECORDS[("2.2.1", "sessions")]]
    for index, record in enumerate(records):
        record["id"] = f"S{index}"
    body = _page(records)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            origin = f"http://127.0.0.1:{self.server.server_port}"
            if self.path.startswith("/versions"):
                answer = {"data": [{"version": "2.2.1", "url": f"{origin}/details"}], "status_code": 1000}
            elif self.path.startswith("/details"):
                answer = {"data": {"version": "2.2.1", "endpoints": [
                    {"identifier": "sessions", "role": "SENDER", "url": f"{origin}/sessions"}]},
                    "status_code": 1000}
            else:
                answer = None
            content = body if answer is None else orjson.dumps(answer)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Total-Count", str(len(records)))
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/versions"
        with OcpiClient.connect(Credentials(url, "t0ken", party="NL-ABC"),
                                options=FetchOptions(concurrency=1)) as client:
            got = [obj for page in client.fetch_pages("sessions") for obj in page]
            stats = client.stats
    finally:
        server.shutdown()
        server.server_close()
    fitted = fitted_reader("2.2.1", "sessions")
    assert fitted is not None and fitted(orjson.loads(body), body)["data"].__class__ is FittedPage
    assert _typed(got) == _typed(orjson.loads(body)["data"])
    assert not stats.invalid_fields and not stats.deviations and not stats.unknown_fields
    assert not stats.invalid_by_reason
