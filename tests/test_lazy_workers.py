"""`--workers auto` starts its worker processes only for a list long enough to pay for
them (`execute/lazy_pool.py`): the first page is read in the command's own process,
and the workers are forked once its `X-Total-Count` shows `AUTO_START_OBJECTS` or more
objects after it. Whether they started or not, the output, the counts and the summary
are byte for byte those of `--workers 1` and `--workers 2`, also from a platform that
repeats, breaks and refuses pages."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from fixtures_cli import CLI_ENV
from test_cli_get import DATE_TO, login
from test_output_faults import _children
from test_run_e2e import run_record, run_spec  # noqa: F401 (a fixture)
from test_workers import SPECS, _counts

from ocpispec.cli.client_options import usable_cores
from ocpispec.demo import Faults
from ocpispec.execute.workers import available

pytestmark = pytest.mark.skipif(not available() or usable_cores() < 2,
                                reason="`auto` means workers only with fork and two cores")

THRESHOLD = "ocpispec.worker_count.AUTO_START_OBJECTS"
FAULTS = {  # as `Faults` arguments, which a test may merge
    "duplicates": {"duplicate_objects": True},
    "broken": {"invalid_objects": 9, "bad_utf8_object": True, "deep_nesting_object": True,
               "type_confused_values": True},
    # one request in ten fails: a run meets several retries, and six failures of one request in
    # a row (the run's tries) come once in a million requests; at one in four that was once in
    # 4,096, and a test of ~250 requests whose URLs change with the clock failed once in a CI
    "5xx retries": {"error_rate": 0.1, "error_status": 503},
}


def _said(got) -> tuple[int, str, str]:
    """What `get` printed; the requests and retries it counted depend on which request a
    platform that fails one in four answered with HTTP 503, which the order of requests
    in flight decides."""
    return got.exit_code, got.stdout, re.sub(r", \d+ requests, \d+ retr(y|ies)\)", ")", got.stderr)


def test_a_short_list_starts_no_worker_and_a_long_one_does(run_cli, demo_server_factory,
                                                          forks) -> None:
    """At the real threshold: 400 sessions are read in one process; 12,000 (11,000
    after the first page of 1,000) by two workers forked after that page."""
    for size, started in ((400, []), (12_000, ["fork"])):
        server = demo_server_factory(version="2.2.1", size=size, max_page_size=1000)
        login(run_cli, server)
        forks.clear()
        got = run_cli("get", "sessions", "--page-size", "1000", *DATE_TO)
        assert got.exit_code == 0, got.stderr
        assert f"sessions: {size} objects" in got.stderr
        assert forks == started, size


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_the_child_processes_of_a_short_and_a_long_dump(demo_server_factory,
                                                        tmp_path: Path) -> None:
    """Seen from outside, in /proc: `get` with the default `auto` forks no process for
    400 sessions, and two for 12,000, while it reads them."""
    env = {**os.environ, **CLI_ENV, "OCPISPEC_CONFIG_DIR": str(tmp_path / "config")}
    env.pop("OCPISPEC_WORKERS", None)
    most = {}
    for size in (400, 12_000):
        server = demo_server_factory(version="2.2.1", size=size, max_page_size=1000,
                                     faults=Faults(latency_ms=40))
        subprocess.run([sys.executable, "-m", "ocpispec", "login", server.versions_url, "--token",
                        server.token, "--party", "NL-ABC"], env=env, check=True,
                       capture_output=True, timeout=60)
        get = subprocess.Popen([sys.executable, "-m", "ocpispec", "get", "sessions",
                                "--page-size", "1000", *DATE_TO], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            most[size] = 0
            while get.poll() is None:
                most[size] = max(most[size], len(_children(get.pid)))
                time.sleep(0.005)
            assert get.returncode == 0, get.stderr.read() if get.stderr else ""
        finally:
            get.kill()
            get.communicate(timeout=60)
    assert most == {400: 0, 12_000: 2}


def test_a_small_demo_run_starts_no_worker(run_spec, demo_server_factory, forks,
                                           tmp_path: Path) -> None:
    server = demo_server_factory(version="2.2.1", size=600, max_page_size=50)
    done = run_spec(SPECS["rows"], server, "-q", "--page-size", "50")
    assert done.exit_code == 0, done.stderr
    assert forks == []
    assert run_record(tmp_path)["datasets"][0]["counts"]["written"]
    forks.clear()
    told = run_spec(SPECS["rows"], server, "-q", "--page-size", "50", "--workers", "2", out="w2")
    assert told.exit_code == 0, told.stderr
    assert forks == ["fork"]    # a number given starts them with the command, as before


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("spec", ["rows", "k_rows", "groups"])
def test_auto_delivers_the_bytes_and_counts_of_one_and_two_workers(
        run_spec, demo_server_factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forks,
        fault: str, spec: str) -> None:
    server = demo_server_factory(version="2.2.1", size=600, max_page_size=50,
                                 faults=Faults(**FAULTS[fault]))
    outcomes, started = {}, {}
    for label, workers, threshold in (("1", "1", None), ("2", "2", None), ("auto", "auto", 1),
                                      ("auto, short", "auto", 10**9)):
        if threshold is not None:
            monkeypatch.setattr(THRESHOLD, threshold)
        forks.clear()
        out = "w" + label.replace(", ", "-")
        done = run_spec(SPECS[spec], server, "-q", "--allow-invalid", "100%", "--page-size", "50",
                        "--as-of", "2025-07-01T00:00:00Z", "--workers", workers, out=out)
        assert done.exit_code == 0, done.stderr
        outcomes[label] = ((tmp_path / out).read_bytes(), _counts(tmp_path))
        started[label] = forks[:]
    assert started == {"1": [], "2": ["fork"], "auto": ["fork"], "auto, short": []}
    assert all(outcome == outcomes["1"] for outcome in outcomes.values())
    counts = outcomes["1"][1]["datasets"][0]["counts"]
    assert counts["read"] and counts["written"]
    if fault == "duplicates":
        assert counts["duplicates_dropped"]
    if fault == "broken":
        assert counts["invalid"]


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_get_with_auto_prints_what_one_and_two_workers_print(run_cli, demo_server_factory,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             forks, fault: str) -> None:
    server = demo_server_factory(version="2.2.1", size=500, max_page_size=40,
                                 faults=Faults(**FAULTS[fault]))
    login(run_cli, server)
    monkeypatch.setattr(THRESHOLD, 100)
    outcomes = {}
    for workers in ("1", "2", "auto"):
        forks.clear()
        got = run_cli("get", "sessions", "--page-size", "40", "--allow-invalid", "100%", *DATE_TO,
                      "--workers", workers)
        outcomes[workers] = _said(got)
        assert forks == ([] if workers == "1" else ["fork"]), workers
    assert outcomes["1"][0] == 0 and outcomes["1"][1], outcomes["1"][2]
    assert outcomes["2"] == outcomes["1"] and outcomes["auto"] == outcomes["1"]


def test_a_list_paged_by_links_alone_keeps_one_process(run_cli, demo_server_factory,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       forks) -> None:
    """Without `X-Total-Count` each page is asked for after the one before: a worker
    would only add its pickling to the wait, so `auto` keeps one process, however long."""
    server = demo_server_factory(version="2.2.1", size=300, max_page_size=40,
                                 faults=Faults(no_pagination_headers=True))
    login(run_cli, server)
    monkeypatch.setattr(THRESHOLD, 0)
    one = run_cli("get", "sessions", "--page-size", "40", *DATE_TO, "--workers", "1")
    forks.clear()
    auto = run_cli("get", "sessions", "--page-size", "40", *DATE_TO)
    assert one.exit_code == 0, one.stderr
    assert (auto.exit_code, auto.stdout, auto.stderr) == (0, one.stdout, one.stderr)
    assert forks == []


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(faults=st.sets(st.sampled_from(sorted(FAULTS)), max_size=3),
       page=st.sampled_from([20, 50, 120]), threshold=st.sampled_from([0, 200, 10**9]))
def test_auto_prints_the_lines_of_one_process_wherever_it_starts(
        run_cli, demo_server_factory, monkeypatch: pytest.MonkeyPatch, faults: set[str],
        page: int, threshold: int) -> None:
    merged = {name: value for fault in faults for name, value in FAULTS[fault].items()}
    server = demo_server_factory(version="2.2.1", size=400, max_page_size=page,
                                 faults=Faults(**merged))
    login(run_cli, server)
    monkeypatch.setattr(THRESHOLD, threshold)
    got = {workers: run_cli("get", "sessions", "--page-size", str(page), "--allow-invalid", "100%",
                            *DATE_TO, "--workers", workers) for workers in ("1", "auto")}
    assert got["1"].exit_code == 0, got["1"].stderr
    assert [json.loads(line) for line in got["1"].stdout.splitlines()]
    assert _said(got["auto"]) == _said(got["1"])


def test_a_sample_counts_only_what_it_reads(run_cli, demo_server_factory,
                                            monkeypatch: pytest.MonkeyPatch, forks) -> None:
    """A `--limit` above the small sample's reads no more than its limit: `auto` weighs
    that, not the whole list's count, against the threshold."""
    monkeypatch.setattr("ocpispec.execute.workers.SMALL_SAMPLE", 0)
    monkeypatch.setattr(THRESHOLD, 200)
    server = demo_server_factory(version="2.2.1", size=600, max_page_size=50)
    login(run_cli, server)
    sample = run_cli("get", "sessions", "--page-size", "50", "--limit", "150", *DATE_TO)
    assert sample.exit_code == 0, sample.stderr
    assert "sessions: 150 objects" in sample.stderr
    assert forks == []
    whole = run_cli("get", "sessions", "--page-size", "50", *DATE_TO)
    assert whole.exit_code == 0, whole.stderr
    assert forks == ["fork"]
