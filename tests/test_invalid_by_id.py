"""An object that `GET {locations}/{id}` answers invalid (no `last_updated`, no id) is
counted as invalid, as one of a list is: a `--limit` run read each session's site by
its id, the client noted the invalid answer in its statistics, and the run's counts
never had it, so the sessions there showed only as 'excluded at non-public
locations' and the run exited 0."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from independent_cpo import IndependentCpo
from ocpispec.demo import DemoServer
from test_independent_cpo import KEY, spec_text
from test_independent_deviations import _login

SPEC = '''export invalid_by_id
  consumer "Gemeente Test"
  purpose "Sessions for planning"
  legal basis public task
  retention 12 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
select
  kwh as energy
output csv to "{out}"
'''


def test_an_invalid_site_read_by_its_id_is_an_invalid_record(run_cli, tmp_path: Path,
                                                              monkeypatch) -> None:
    real = DemoServer.render

    def render(self: DemoServer, version: str, module: str, index: int) -> dict[str, Any]:
        found = real(self, version, module, index)
        if module == "locations" and found.get("id") == "LOC00001":
            del found["last_updated"]
        return found

    monkeypatch.setattr(DemoServer, "render", render)
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(out=tmp_path / "s.csv"))
    with DemoServer(version="2.2.1", size=300, max_page_size=100) as server:
        env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
        refused = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "--limit", "200",
                          env=env)
        accepted = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "--limit", "200",
                           "--allow-invalid", "1", env=env)
    told = " ".join(refused.output.split())
    assert refused.exit_code == 1, refused.output
    assert "error[OCX570]: 1 record of `sessions` is invalid and would be lost" in told
    assert "why: 1 locations: missing required field `last_updated`" in told
    assert accepted.exit_code == 0, accepted.output


class _ObjectRouteAnswers(IndependentCpo):
    """`GET {locations}/{id}` answered with OCPI status 1000 and `data` that is `sent`."""

    def __init__(self, sent: Any) -> None:
        self.sent = sent
        super().__init__("2.2.1", records=12, quirks=("object routes",))

    def _object_by_id(self, path: str) -> tuple[int, Any] | None:
        found = super()._object_by_id(path)
        return found if found is None else (200, self._envelope(self.sent, 1000, "Success"))


@pytest.mark.parametrize("sent", ["LOC1", True, 7])
def test_a_site_read_by_its_id_as_no_object_fails_the_sample(sent: Any, run_cli, tmp_path: Path,
                                                            snapshot) -> None:
    """`GET {locations}/{id}` answered with success and `data` that is text, a boolean or a
    number was read as a site the platform does not know: every session of a `--limit`
    sample there was left out as at a non-public site, and the run exited 0 with no rows."""
    with _ObjectRouteAnswers(sent) as cpo:
        _login(cpo, run_cli)
        spec = tmp_path / "sessions.ocx"
        spec.write_text(spec_text("sessions"))
        out = tmp_path / "out" / "sessions.csv"
        done = run_cli("run", str(spec), "--out", str(out), "--limit", "5", env={"INDEPENDENT_KEY": KEY})
        asked = [request for request in cpo.requests if "/locations/" in request and "?" not in request]
    assert asked, cpo.requests
    assert done.exit_code == 1, done.output
    assert "Traceback" not in done.output and not out.exists()
    assert "nothing was written" in done.stderr
    lines = [re.sub(r"127\.0\.0\.1:\d+", "(cpo)", line) for line in done.stderr.splitlines()
             if line.startswith(("error", "help", "  = note"))]
    assert lines == snapshot
