"""Running a consumer's spec against a demo CPO and reading the same records the way a
data engineer checks a file by hand: `ocpispec login`, then `ocpispec get --privacy-pass .`
of the platform the spec ran against (tests/test_grid_power_class.py and the other
consumers' tests)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from fixtures_cli import cli_block

from ocpispec.demo import DemoServer

AS_OF = "2026-01-01T00:00:00Z"  # the demo's data ends here
DEMO_PARTY = "NL-ABC"


def demo_cpo(version: str, size: int):
    """A module's demo CPO, as a fixture: `server = demo_cpo("2.3.0", 50)`."""

    @pytest.fixture(scope="module")
    def server() -> Iterator[DemoServer]:
        with DemoServer(version=version, size=size) as started:
            yield started

    return server


def run_spec(run_cli, spec: Path, server: DemoServer, out: Path, *more: str,
             as_of: str = AS_OF):
    """`ocpispec run SPEC` against `server`, as of the end of the demo's data (or
    `as_of`)."""
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "OCPISPEC_KEY": "4d730677c2558fa4e8239c976d20c0b584f658e9dc4e0baa772f3585c06d3b8b"}
    done = run_cli("run", str(spec), "--out", str(out), "--as-of", as_of, *more, env=env)
    assert done.exit_code == 0, done.stderr
    return done


def check_spec(run_cli, spec: Path):
    """`ocpispec check SPEC`, and what it showed, the spec's folder written `<tmp>`."""
    done = run_cli("check", str(spec))
    return done, cli_block(done, tmp=spec.parent)


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def dump(run_cli, server: DemoServer, module: str, *, since: str | None = None) -> list[dict]:
    """Every record of `module` as `ocpispec get` gives it with every field opened; with
    `since`, only those updated at or after it (`--date-from`). A record is updated at
    or after its start and its end, so a test that keeps the records that started (or
    ended) in a window loses none by asking from the window's start, and reads a quarter
    of a year instead of the whole of a 20,000-session demo CPO."""
    logged = run_cli("login", server.versions_url, "--token", server.token, "--party",
                     DEMO_PARTY, "--profile", "check")
    assert logged.exit_code == 0, logged.stderr
    window = ("--date-from", since) if since else ()
    dumped = run_cli("get", module, "--profile", "check", "--privacy-pass", ".",
                     *window, "--date-to", AS_OF)
    assert dumped.exit_code == 0, dumped.stderr
    return [json.loads(line) for line in dumped.stdout.splitlines()]


def published(run_cli, server: DemoServer) -> dict[str, dict]:
    """The locations a run keeps records of: the published ones, by id."""
    return {site["id"]: site for site in dump(run_cli, server, "locations")
            if site.get("publish", True)}


def driver(record: dict) -> str | None:
    """Who a group's minimum size counts (docs: `contract_id || uid`, none for a
    one-time token)."""
    token = record.get("cdr_token") or {}
    if token.get("type") == "AD_HOC_USER":
        return None
    return token.get("contract_id") or token.get("uid")


def half_up(value: float, digits: int = 1) -> float:
    return float(Decimal(str(value)).quantize(Decimal(10) ** -digits, ROUND_HALF_UP))
