"""Answers of a platform's lists a crawl meets mid-way. A page answered with HTTP 200 and an
HTML maintenance page (a platform being restarted, or the proxy in front of it): after its
data requests were answered with JSON, it is asked for again like an HTTP 503 (before, the
run failed at once with OCX504 'check that the URL is the platform's OCPI endpoint'); one
that lasts fails the run loudly, saying so, with nothing committed. A list redirected on
its own host is followed; to another host, never with the token, and the help says what
mends it (before, it said to log in with the target as the versions URL)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fixtures_cli import cli_block
from test_run_e2e import SMALL_DEMO_CORPUS as CORPUS, run_spec  # noqa: F401 (fixture)
from test_run_fault_matrix import SERVER, committed, lines

from ocpispec.demo import Faults

SPEC = CORPUS[[p.stem for p in CORPUS].index("municipality_sessions_without_k")]


def shown(result, server, tmp_path: Path) -> str:
    text = cli_block(result, tmp=tmp_path).replace(server.origin, "http://127.0.0.1:PORT") \
        .replace(str(SPEC.parent), "<specs>")
    return re.sub(r"\?\S+", "?<query>", text)     # (its filters name the time of the run)


def data_requests(server) -> int:
    return sum("/2.2.1/" in record.target and "credentials" not in record.target for record in server.request_log)


@pytest.mark.parametrize("pages", [2, 1000], ids=["two pages", "lasting"])
def test_a_maintenance_page_mid_crawl_is_asked_for_again(run_spec, demo_server_factory, tmp_path: Path,
                                                          pages: int, snapshot) -> None:
    honest = demo_server_factory(**SERVER)
    assert run_spec(SPEC, honest, "-q", "--concurrency", "1", out="honest").exit_code == 0
    server = demo_server_factory(**SERVER, faults=Faults(fault_after_requests=2, maintenance_pages=pages))
    result = run_spec(SPEC, server, "-q", "--concurrency", "1", out="maintained")
    if pages == 2:
        assert result.exit_code == 0, result.stderr
        assert lines(tmp_path / "maintained") == lines(tmp_path / "honest")
        assert data_requests(server) == data_requests(honest) + 2
        return
    assert result.exit_code == 1
    assert committed(tmp_path, "maintained") == []
    assert len({record.target for record in server.request_log[-6:]}) == 1     # one page, 6 tries
    assert shown(result, server, tmp_path) == snapshot


@pytest.mark.parametrize("redirect", ["307", "301:bare", "301:localhost"])
def test_a_redirected_list_is_followed_on_its_own_host_only(run_spec, demo_server_factory, tmp_path: Path,
                                                           redirect: str, snapshot) -> None:
    honest = demo_server_factory(**SERVER)
    assert run_spec(SPEC, honest, "-q", out="honest").exit_code == 0
    server = demo_server_factory(**SERVER, faults=Faults(redirect_lists=redirect))
    result = run_spec(SPEC, server, *(["-q"] if redirect.endswith(":localhost") else []), out="redirected")
    if not redirect.endswith(":localhost"):
        assert result.exit_code == 0, result.stderr
        assert lines(tmp_path / "redirected") == lines(tmp_path / "honest")
        assert data_requests(server) == 2 * data_requests(honest)     # each page and its redirect
        assert ("ocpispec keeps the query" in result.stderr) == redirect.endswith(":bare")
        return
    assert result.exit_code == 1
    assert committed(tmp_path, "redirected") == []
    assert not [record for record in server.request_log if record.headers.get("Host", "").startswith("localhost")]
    assert shown(result, server, tmp_path) == snapshot
