"""Faults of one answer that asking again mends, and answers that stop mid-way.

A page repeating the page before it once (a cache in front of the platform that ignored
the offset once, demo `stale_pages`) failed the run with OCX571 and nothing committed,
though asking again would have answered it: such a page (every object sent before) is
now asked for once more, by offset and by next link alike, and delivered exactly once;
one that stays stale fails as before. A body that stalls after its headers said "the
OCPI platform did not answer" (demo `stall_body`). An answer whose `Content-Length` is
shorter than its body left the rest on the kept-alive connection, and the next request
on it failed once and was retried (demo `short_length_every`). A `Retry-After` beyond the
run's deadline failed at once saying "the run's deadline passed", not what the platform
asked for nor when to try again."""

from __future__ import annotations

import dataclasses
import math
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fixtures_demo import scrub
from test_run_e2e import SMALL_DEMO_CORPUS as CORPUS, run_spec  # noqa: F401 (fixture)
from test_run_fault_matrix import SERVER, committed, lines

from ocpispec.demo import DemoServer, Faults
from ocpispec.diagnostics.report import render
from ocpispec.ocpi import Credentials, FetchOptions, OcpiClient, OcpiError
from ocpispec.ocpi.options import run_deadline
from ocpispec.ocpi.profiles import profile_from_client

SPEC = CORPUS[[p.stem for p in CORPUS].index("municipality_sessions_without_k")]
DATE_TO = datetime(2026, 1, 1, tzinfo=UTC)


def data_requests(server) -> int:
    return sum("/2.2.1/" in record.target and "credentials" not in record.target for record in server.request_log)


@pytest.mark.parametrize("how", [("1",), ("4",), ("4", "--workers", "2")],
                         ids=["by next link", "by offset", "by offset in workers"])
@pytest.mark.parametrize("stale", [1, 1000], ids=["once", "lasting"])
def test_a_page_repeating_the_one_before_is_asked_for_once_more(run_spec, demo_server_factory, tmp_path: Path,
                                                                how: tuple[str, ...], stale: int,
                                                                snapshot) -> None:
    concurrency, *workers = how
    honest = demo_server_factory(**SERVER)
    assert run_spec(SPEC, honest, "-q", "--concurrency", concurrency, out="honest").exit_code == 0
    server = demo_server_factory(**SERVER, faults=Faults(stale_pages=stale))
    result = run_spec(SPEC, server, "--concurrency", concurrency, *workers, out="stale")
    if stale == 1:
        assert result.exit_code == 0, result.stderr
        assert [line for line in result.stderr.splitlines() if "a page of" in line] == snapshot
        assert lines(tmp_path / "stale") == lines(tmp_path / "honest")
        assert data_requests(server) == data_requests(honest) + 1
        return
    if concurrency == "1":  # every page the one before it: each page's objects come one request late, all of them
        assert result.exit_code == 0, result.stderr
        assert lines(tmp_path / "stale") == lines(tmp_path / "honest")
        return
    assert result.exit_code == 1
    assert "OCX571" in result.stderr
    assert committed(tmp_path, "stale") == []


def discovered(server: DemoServer) -> Credentials:
    credentials = Credentials(server.versions_url, server.token, party="NL-ABC")
    with OcpiClient.connect(credentials) as client:
        return profile_from_client("one-off", client).credentials(reuse_discovery_for=math.inf)


def test_a_body_that_stalls_after_its_headers_is_said_so(demo_server_factory, snapshot) -> None:
    server = demo_server_factory(version="2.2.1", size=300, max_page_size=100, faults=Faults(stall_body=True))
    # a silence of 2 s: the headers come at once, the half body after them, then nothing
    options = FetchOptions(max_retries=3, backoff_base=0.001, backoff_max=0.01, timeout=2.0, request_timeout=600)
    with pytest.raises(OcpiError) as caught, OcpiClient.connect(discovered(server), options=options) as client:
        list(client.fetch("sessions", date_to=DATE_TO))
    assert len([r for r in server.request_log if "/sessions" in r.target]) == 2     # tried twice
    assert scrub(render([caught.value.diagnostic], {})) == snapshot


def test_an_answer_longer_than_its_content_length_closes_its_connection(demo_server_factory,
                                                                       fast_options) -> None:
    server = demo_server_factory(version="2.2.1", size=300, max_page_size=100,
                                 faults=Faults(short_length_every=3))
    options = dataclasses.replace(fast_options, concurrency=1)
    with OcpiClient.connect(discovered(server), options=options) as client:
        assert len(list(client.fetch("sessions", date_to=DATE_TO))) == 300
        retries = client.stats.retries
    asked = len(server.request_log) - 3    # (the discovery of `discovered` asked 3)
    # each short answer is asked for again (its JSON is cut short), and nothing else is
    assert retries == asked // 3 > 0


def test_a_wait_asked_beyond_the_runs_deadline_fails_at_once_saying_when(demo_server_factory, snapshot) -> None:
    server = demo_server_factory(version="2.2.1", size=300, max_page_size=100,
                                 faults=Faults(rate_limit_every=2, retry_after=200))
    options = FetchOptions(max_retries=3, backoff_base=0.001, backoff_max=0.01, concurrency=1,
                           deadline=run_deadline(120))
    with pytest.raises(OcpiError) as caught, OcpiClient.connect(discovered(server), options=options) as client:
        list(client.fetch("sessions", date_to=DATE_TO))
    assert [r.status for r in server.request_log[3:]] == [200, 429]     # not asked again
    text = scrub(render([caught.value.diagnostic], {}))
    text = re.sub(r"after \d{4}-\d\d-\d\d \d\d:\d\d UTC", "after <time> UTC", text)
    text = re.sub(r"\([^()]+ left\)", "(<left> left)", text)    # (seconds to minutes, by the machine)
    assert text == snapshot
