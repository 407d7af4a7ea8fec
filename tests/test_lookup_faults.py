"""A lookup's list (the locations of the private-location test) that fails part way
fails the run loudly with nothing committed, whether its records are read in one
process or in worker processes (`run --workers 2`): the same diagnostic, no file, no
state."""

from __future__ import annotations

from pathlib import Path

import pytest
from ledger_helpers import state_dict
from test_run_e2e import run_spec  # noqa: F401 (fixture)
from test_workers import SPECS

from ocpispec.demo import Faults
from ocpispec.execute.workers import available

pytestmark = pytest.mark.skipif(not available(), reason="needs fork")


@pytest.mark.parametrize("fault", [Faults(envelope_error=2001, fault_after_requests=4),
                                   Faults(error_rate=1.0, fault_after_requests=4),
                                   Faults(malformed_body=True, fault_after_requests=4),
                                   Faults(token_expires_after=5)],
                         ids=["ocpi error", "5xx", "not json", "token refused"])
def test_a_lookup_page_that_fails_fails_the_run_with_nothing_committed(
        run_spec, demo_server_factory, tmp_path: Path, fault: Faults) -> None:
    """A page of the locations after the first fails (the faults start after the
    versions, the details and two pages of 5)."""
    said = {}
    for count in ("1", "2"):   # a server each: its faults start after its own requests
        server = demo_server_factory(version="2.2.1", size=600, max_page_size=50, faults=fault)
        result = run_spec(SPECS["rows"], server, "-q", "--page-size", "5", "--workers", count,
                          out=f"w{count}")
        assert result.exit_code == 1, result.stderr
        assert "Traceback" not in result.stderr
        assert "while running `fetch.locations`" in result.stderr
        said[count] = [line for line in result.stderr.splitlines() if "error[" in line]
        assert not (tmp_path / f"w{count}").exists()
        state = tmp_path / f"state-w{count}.json"
        assert not state.exists() or state_dict(state) is None
    assert said["2"] == said["1"] and said["1"]
