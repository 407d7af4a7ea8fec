"""A platform (or a gateway in front of it) that sends the headers of an answer and then
closes the connection part way through the body. Such an answer is retried; when every
try breaks off, the run fails naming an answer cut short (not a platform out of reach),
with nothing committed, and the next run delivers every record of the window once."""

from __future__ import annotations

import re
from pathlib import Path

from ledger_helpers import has_state
from test_run_e2e import run_spec  # noqa: F401 (fixture)

from fixtures_demo import scrub
from ocpispec.demo import Faults

SPEC = '''export cut_bodies
  consumer "Test consumer"
  purpose "End-to-end tests of ocpispec"
  legal basis public task "test"
  retention 1 months
  pseudonym key env UTRECHT_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
  since last run
select
  pseudonymize(id) as session
output csv to "sessions.csv"
'''
SERVER = {"version": "2.2.1", "size": 300, "max_page_size": 100}


def rows(path: Path) -> list[str]:
    return sorted(path.read_text(encoding="utf-8").splitlines()[1:])


def test_answers_cut_mid_body_fail_the_run_saying_so_and_the_next_run_delivers_once(
        run_spec, demo_server_factory, tmp_path: Path, snapshot) -> None:
    honest = demo_server_factory(**SERVER)
    assert run_spec(SPEC, honest, "-q", out="honest").exit_code == 0
    expected = rows(tmp_path / "honest")
    assert len(expected) == len(set(expected)) > 200

    server = demo_server_factory(**SERVER, faults=Faults(cut_body_every=1))
    failed = run_spec(SPEC, server, "-q", out="out")
    assert failed.exit_code == 1, failed.stderr
    assert not (tmp_path / "out").exists() and not has_state(tmp_path / "state-out.json")
    shown = re.sub(r"\d[\d,]* of [\d,]* bytes", "N of M bytes", scrub(failed.stderr, tmp_path=tmp_path))
    shown = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "<time>", shown)
    assert "cannot reach" not in shown
    assert shown == snapshot

    server.faults = Faults(cut_body_every=3)     # every third answer still cut: retried
    again = run_spec(SPEC, server, "-q", out="out")
    assert again.exit_code == 0, again.stderr
    assert rows(tmp_path / "out") == expected
    assert sum(1 for r in server.request_log if "/sessions" in r.target and r.status == 200) > 3
