"""The warnings of the concurrent crawl come in page order, whichever answer came first.

The pages after the first are fetched several at a time in pool threads. What a page's
fetching warned of (the transport's and the answer's warnings: no envelope, a nested
list, a wait the platform asked for) was said from that thread the moment its answer
came: a slow page let the warnings of the pages after it be said before its own, and
under load stderr (a snapshot of it) changed from run to run. They are now held as
notes of their page and said as the page is handed on, as the sequential crawl says
them."""

from __future__ import annotations

import pytest

from ocpispec.demo import DemoServer, Faults

NESTED = "warning: the platform's `tokens` pages nest the list as `data.items` instead of `data`"
BARE = "warning: the platform answers without the OCPI envelope (`status_code`, `data`)"


def _warned(stderr: str) -> list[str]:
    return [line.split(";")[0] for line in stderr.splitlines() if line.startswith("warning:")]


def _login(run_cli, server: DemoServer) -> None:
    done = run_cli("login", server.versions_url, "--token", server.token, "--party", "NL-ABC")
    assert done.exit_code == 0, done.stderr


@pytest.mark.parametrize("slow", ["", "10:1.5"], ids=["in-time", "second-page-slow"])
def test_the_warnings_of_pages_fetched_side_by_side_come_in_page_order(run_cli, slow: str) -> None:
    """The page at offset 10 is nested, the one at 20 bare; with the one at 10 answered
    1.5 s late, the page at 20 arrived first and its warning was said first."""
    faults = Faults(odd_pages="10:nested,20:bare", slow_page=slow)
    with DemoServer(version="2.2.1", size=600, max_page_size=10, faults=faults) as server:
        _login(run_cli, server)
        got = run_cli("get", "tokens", "--page-size", "10")
    assert got.exit_code == 0, got.stderr
    assert _warned(got.stderr) == [NESTED, BARE], got.stderr
    with DemoServer(version="2.2.1", size=600, max_page_size=10) as plain:
        _login(run_cli, plain)
        same = run_cli("get", "tokens", "--page-size", "10")
    assert same.stdout == got.stdout != ""


@pytest.mark.parametrize("slow", ["", "10:1.5"], ids=["in-time", "second-page-slow"])
def test_get_sessions_counts_the_warnings_it_shows_with_the_locations_read_beside(
        run_cli, snapshot, slow: str) -> None:
    """`get sessions` reads the locations on a connection of its own beside the module's.
    Both lists come nested at offset 10 and bare at 20: three warnings are shown (the
    bare answer once), the locations' first, each list's in page order. The summary
    counted the module's connection's alone ("warnings: 2")."""
    faults = Faults(odd_pages="10:nested,20:bare", slow_page=slow)
    with DemoServer(version="2.2.1", size=600, max_page_size=10, faults=faults) as server:
        _login(run_cli, server)
        got = run_cli("get", "sessions", "--page-size", "10")
    assert got.exit_code == 0, got.stderr
    shown = _warned(got.stderr)
    assert shown == [NESTED.replace("tokens", "locations"), BARE,
                     NESTED.replace("tokens", "sessions")], got.stderr
    assert f"  warnings: {len(shown)} (shown above)" in got.stderr.splitlines()
    assert got.stderr == snapshot


def test_run_shows_the_warnings_get_shows_for_the_same_faults(run_cli, tmp_path) -> None:
    """`run` reads the locations and the sessions on one client, which said a warning
    of a kind once: the sessions' nesting went unsaid after the locations', where `get
    sessions` (two connections) said both."""
    spec = tmp_path / "charges.ocx"
    spec.write_text(_SPEC)
    faults = Faults(odd_pages="10:nested,20:bare")
    with DemoServer(version="2.2.1", size=600, max_page_size=10, faults=faults) as server:
        env = {"URL": server.versions_url, "TOKEN": server.token, "SPEC_KEY": _KEY}
        ran = run_cli("run", str(spec), "--out", str(tmp_path / "out.csv"), "--state",
                      str(tmp_path / "state.sqlite"), "--page-size", "10", "--workers", "1",
                      env=env)
    assert ran.exit_code == 0, ran.stderr
    assert _warned(ran.stderr) == [NESTED.replace("tokens", "locations"), BARE,
                                   NESTED.replace("tokens", "sessions")], ran.stderr


_KEY = "f08b3e6a1d94c27f5b0e8a3d6c19f47e2b5d8a0c3f6e91b4d7a2c05e8f1b3d6a"
_SPEC = """export charges
  consumer "grid study"
  purpose "load"
  legal basis public task "grid planning"
  retention 1 months
  pseudonym key env SPEC_KEY
source ocpi env URL token env TOKEN
from sessions
select
  pseudonymize(id) as session
  round(kwh, 0) as energy_kwh
output csv to "charges.csv"
"""
