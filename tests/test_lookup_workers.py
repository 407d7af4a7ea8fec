"""`run --workers N` reads a lookup's list (the locations of the private-location test
and the joins) in worker processes too (`DatasetLookups._listed`): its pages are parsed,
checked and stamped there while the parent builds the table of the page before. The
tables, the exclusions and the output are those of one process, and a list that fails
still fails the run with nothing committed."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from ledger_helpers import state_dict
from test_run_e2e import profile_for, run_spec  # noqa: F401 (fixtures)
from test_workers import SPECS, _counts

from ocpispec.demo import Faults
from ocpispec.execute import dataset_lookups, workers
from ocpispec.execute.workers import available

pytestmark = pytest.mark.skipif(not available(), reason="needs fork")


def _noting_locations(monkeypatch: pytest.MonkeyPatch, seen: Path) -> None:
    """Each location a worker reads notes the worker's process id in `seen`."""
    real = workers._item

    def noted(obj, *args):
        if workers._STATE is not None and workers._STATE[0].module == "locations":
            with seen.open("a") as notes:
                notes.write(f"{os.getpid()}\n")
        return real(obj, *args)

    monkeypatch.setattr(workers, "_item", noted)


@pytest.mark.parametrize("spec", ["rows", "joined"])
def test_the_lookups_pages_are_read_by_the_workers_with_the_outcome_of_one_process(
        run_spec, profile_for, demo_server_factory, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, spec: str) -> None:
    seen = tmp_path / "locations-read-in"
    _noting_locations(monkeypatch, seen)
    server = demo_server_factory(version="2.2.1", size=600, max_page_size=50,
                                 faults=Faults(invalid_objects=30, duplicate_objects=True))
    profile_for("cpo_production", server)
    outcomes = {}
    for count in ("1", "2"):
        result = run_spec(SPECS[spec], server, "-q", "--allow-invalid", "100%", "--page-size",
                          "5", "--workers", count, "--as-of", "2025-07-01T00:00:00Z",
                          out=f"w{count}")
        assert result.exit_code == 0, result.stderr
        outcomes[count] = ((tmp_path / f"w{count}").read_bytes(), _counts(tmp_path))
        assert seen.exists() == (count == "2")
    assert outcomes["2"] == outcomes["1"]
    counts = outcomes["2"][1]["datasets"][0]["counts"]
    assert counts["excluded_private"] and counts["written"]
    readers = set(seen.read_text().split())
    assert readers and str(os.getpid()) not in readers


@pytest.mark.parametrize("fault", [Faults(envelope_error=2001, fault_after_requests=4),
                                   Faults(error_rate=1.0, fault_after_requests=4),
                                   Faults(malformed_body=True, fault_after_requests=4),
                                   Faults(token_expires_after=5)],
                         ids=["ocpi error", "5xx", "not json", "token refused"])
def test_a_lookup_page_that_fails_under_workers_fails_the_run_as_in_one_process(
        run_spec, demo_server_factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        fault: Faults) -> None:
    """A page of the locations after the first fails (the faults start after the
    versions, the details and two pages): the run fails with the diagnostic of one process, writes no file and keeps
    no state, and the workers read the pages before it."""
    seen = tmp_path / "locations-read-in"
    _noting_locations(monkeypatch, seen)
    said = {}
    for count in ("1", "2"):   # a server each: its faults start after its own requests
        server = demo_server_factory(version="2.2.1", size=600, max_page_size=50, faults=fault)
        result = run_spec(SPECS["rows"], server, "-q", "--page-size", "5", "--workers", count,
                          out=f"w{count}")
        assert result.exit_code == 1, result.stderr
        assert "Traceback" not in result.stderr
        said[count] = [line for line in result.stderr.splitlines() if "error[" in line]
        assert not (tmp_path / f"w{count}").exists()
        state = tmp_path / f"state-w{count}.json"
        assert not state.exists() or state_dict(state) is None
    assert said["2"] == said["1"] and said["1"]
    assert seen.exists(), result.stderr


def test_a_worker_killed_while_it_reads_the_lookup_fails_the_run_with_nothing_committed(
        run_spec, demo_server_factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As the out-of-memory killer ending a worker on a page of the locations: OCX560,
    exit 1, no file, no state, and no worker left behind to hang the run."""
    parent = os.getpid()

    def killed(record: dict) -> dict:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return record

    monkeypatch.setattr(dataset_lookups, "_itself", killed)
    server = demo_server_factory(version="2.2.1", size=600, max_page_size=50)
    result = run_spec(SPECS["rows"], server, "-q", "--page-size", "5", "--workers", "2")
    assert result.exit_code == 1, result.stderr
    assert "error[OCX560]" in result.stderr and "killed by SIGKILL" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
    state = tmp_path / "state-out.json"
    assert not state.exists() or state_dict(state) is None
