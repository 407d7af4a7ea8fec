"""`--privacy-pass` beside `--include-private` (adversarial review, round 25).

`--include-private` prints what a run leaves out whole in a private form, an allow-list
(`ocpi.private_form`); a path `--privacy-pass` opens stays in it. Only the paths that
`Release` strips from every private site (address, coordinates, names, EVSE ids as
`evse_id`) were warned about: `get locations --include-private --privacy-pass
evses.uid,opening_times` printed a home's EVSE uid and opening times, `get sessions
--include-private --privacy-pass kwh` a home's charged energy, with no warning that the
flag opened them at homes too (the summary, after the dump, counted the objects). Every
opened path the private form would have withheld is now warned about before the dump."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ocpispec.demo import DemoServer

DATE_TO = ("--date-to", "2026-01-01")
WARNED = "with `--include-private` releases these fields of"


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(version="2.2.1", size=150, max_page_size=40) as started:
        yield started


@pytest.fixture
def logged_in(run_cli, server: DemoServer) -> DemoServer:
    done = run_cli("login", server.versions_url, "--token", server.token, "--party", "NL-ABC")
    assert done.exit_code == 0, done.stderr
    return server


def _warning(stderr: str) -> str:
    return next((line for line in stderr.splitlines() if WARNED in line), "")


def _warning_block(stderr: str) -> str:
    """The warning as printed: its first line up to the blank line after it."""
    lines = stderr.splitlines()
    start = next(index for index, line in enumerate(lines) if WARNED in line)
    end = next((index for index in range(start, len(lines)) if not lines[index].strip()), len(lines))
    return "\n".join(lines[start:end])


@pytest.mark.parametrize(("module", "paths"), [
    ("locations", "evses.uid,opening_times"),
    ("sessions", "kwh"),
    ("cdrs", "total_energy,total_time"),
    ("tariffs", "tariff_alt_url"),
])
def test_a_path_the_private_form_withholds_is_warned_about(run_cli, logged_in, module,
                                                           paths, snapshot) -> None:
    got = run_cli("get", module, "--include-private", "--privacy-pass", paths, *DATE_TO)
    assert got.exit_code == 0, got.stderr
    assert f"`--privacy-pass {paths}` {WARNED}" in _warning(got.stderr)
    assert _warning_block(got.stderr) == snapshot


@pytest.mark.parametrize(("module", "paths"), [
    ("locations", "evses.connectors.max_electric_power"),   # kept in the private form
    ("sessions", "currency"),
])
def test_a_path_the_private_form_keeps_is_not(run_cli, logged_in, module, paths) -> None:
    got = run_cli("get", module, "--include-private", "--privacy-pass", paths, *DATE_TO)
    assert got.exit_code == 0, got.stderr
    assert _warning(got.stderr) == ""


def test_without_include_private_it_is_not(run_cli, logged_in) -> None:
    got = run_cli("get", "sessions", "--privacy-pass", "kwh", *DATE_TO)
    assert got.exit_code == 0, got.stderr
    assert _warning(got.stderr) == ""
