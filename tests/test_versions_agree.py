"""The same demo facts give the same export on OCPI 2.1.1, 2.2.1 and 2.3.0.

2.1.1 has no `publish` flag: its `/locations` lists public sites only, and a session
at a site it does not list is excluded like one at a `publish=false` site."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from fixtures_cli import WITHOUT_K
from ocpispec.demo import DemoServer

VERSIONS = ("2.1.1", "2.2.1", "2.3.0")
KEY = "c2f0a94e7b1d58e36a0f4c9d2b7e81a5f3d6c09b4e2a7f18d5c3b90e6a4f2d71"


@pytest.fixture(scope="module")
def servers() -> dict[str, DemoServer]:
    running = {v: DemoServer(version=v, size=400).start() for v in VERSIONS}
    yield running
    for server in running.values():
        server.stop()


def export(run_cli, server: DemoServer, version: str, tmp_path: Path) -> tuple[list[dict], str]:
    out = tmp_path / f"{version}.csv"
    # the municipality spec without its k rule: at this demo size k 5 suppresses every row,
    # and these tests compare the rows the three OCPI versions give
    result = run_cli("run", WITHOUT_K,
                     "--out", str(out), "--state", str(tmp_path / f"{version}.json"), "--as-of", "2026-01-01T00:00:00Z",
                     env={"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
                          "UTRECHT_PSEUDONYM_KEY": KEY})
    assert result.exit_code == 0, result.stderr
    return list(csv.DictReader(io.StringIO(out.read_text()))), result.stderr


def test_municipality_sessions_agree_across_versions(run_cli, servers, tmp_path: Path) -> None:
    exports = {v: export(run_cli, servers[v], v, tmp_path) for v in VERSIONS}
    rows = {v: exports[v][0] for v in VERSIONS}
    assert len(rows["2.2.1"]) > 100
    assert len(rows["2.1.1"]) == len(rows["2.2.1"]) == len(rows["2.3.0"])
    assert rows["2.1.1"] == rows["2.2.1"] == rows["2.3.0"]      # every released value
    excluded = {v: _line(exports[v][1], "excluded") for v in VERSIONS}
    assert excluded["2.1.1"] == excluded["2.2.1"] == excluded["2.3.0"]
    assert excluded["2.1.1"].split()[1] != "0"


def test_2_1_1_lists_no_private_site(servers) -> None:
    import httpx

    server = servers["2.1.1"]
    url = server.module_url("2.1.1", "locations") + "?limit=1000"
    listed = httpx.get(url, headers={"Authorization": f"Token {server.token}"}).json()["data"]
    private = {server.world.site(j).id for j in server.world.private_sites()}
    assert private and listed and not private & {o["id"] for o in listed}
    assert len(listed) == server.world.site_count - len(private)
    one = httpx.get(server.module_url("2.1.1", "locations") + "/" + min(private),
                    headers={"Authorization": f"Token {server.token}"})
    assert one.status_code == 404


def _line(stderr: str, label: str) -> str:
    return next(line.strip() for line in stderr.splitlines() if line.strip().startswith(label))
