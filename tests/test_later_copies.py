"""A platform that lists an object twice, the second time in a later version (a list of
every version of an object, or an update back-dated while the list is read): the copy
read first was handed on and the later one dropped as a repeat, so a `since last run`
export delivered the stale version, or, under a `where` it no longer met, nothing at all,
and exited 0; no later window reads that version again. Such a list now cannot be proven
complete (OCX571, nothing written), while a list whose repeat is the same version, or an
older one after the newer, still reads every object once."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from independent_cpo import IndependentCpo
from test_independent_cpo import KEY, _csv_rows

SPEC = """export later_copies
  consumer "Test consumer"
  purpose "Exports against an independent OCPI implementation"
  legal basis public task "test"
  retention 1 months
  pseudonym key env INDEPENDENT_KEY
source profile independent
from sessions
  where status = "COMPLETED"
select
  pseudonymize(id) as session
output csv to "sessions.csv"
"""


def _repeat(cpo: IndependentCpo, *, first_is_older: bool) -> None:
    """The 16th session also comes 4th, as an `ACTIVE` version stamped like the 3rd
    (`first_is_older`: older than the `COMPLETED` one that follows it, else newer)."""
    sessions = cpo.lists["sessions"]
    other = copy.deepcopy(sessions[15])
    other["status"] = "ACTIVE"
    if first_is_older:
        other["last_updated"] = sessions[2]["last_updated"]
    else:
        sessions[15]["last_updated"], other["last_updated"] = sessions[2]["last_updated"], \
            sessions[15]["last_updated"]
        other["status"], sessions[15]["status"] = "COMPLETED", "ACTIVE"
    sessions.insert(3, other)


def _run(cpo: IndependentCpo, run_cli, tmp_path: Path, *options: str):
    assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                   "--profile", "independent").exit_code == 0
    spec = tmp_path / "sessions.ocx"
    spec.write_text(SPEC)
    out = tmp_path / "sessions.csv"
    done = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                   *options, env={"INDEPENDENT_KEY": KEY})
    return done, out


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_later_version_after_the_copy_read_first_fails_the_run(workers: str, run_cli, tmp_path: Path,
                                                                 snapshot) -> None:
    with IndependentCpo("2.2.1", records=20, total=False) as cpo:
        _repeat(cpo, first_is_older=True)
        done, out = _run(cpo, run_cli, tmp_path, "--workers", workers)
    assert done.exit_code == 1 and not out.exists(), done.output
    assert [line for line in done.stderr.splitlines()
            if line.startswith(("warning: objects", "error", "  = note: why", "help"))] == snapshot


def test_get_says_so_too(run_cli, tmp_path: Path) -> None:
    with IndependentCpo("2.3.0", records=20, total=False) as cpo:
        _repeat(cpo, first_is_older=True)
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent").exit_code == 0
        for workers in ("1", "2"):
            done = run_cli("get", "sessions", "--profile", "independent", "--workers", workers)
            assert done.exit_code == 1 and "error[OCX571]" in done.stderr, done.output
            assert "later `last_updated` inside the window" in done.stderr


def test_an_older_version_after_the_newer_is_a_plain_repeat(run_cli, tmp_path: Path) -> None:
    with IndependentCpo("2.2.1", records=20, total=False) as cpo:
        _repeat(cpo, first_is_older=False)
        done, out = _run(cpo, run_cli, tmp_path)
    assert done.exit_code == 0, done.output
    assert len({row["session"] for row in _csv_rows(out)}) == 20
    assert "1 repeated objects dropped" in done.stderr


def test_the_same_version_again_is_a_plain_repeat(run_cli, tmp_path: Path) -> None:
    with IndependentCpo("2.1.1", records=20, total=False) as cpo:
        cpo.lists["sessions"].insert(17, copy.deepcopy(cpo.lists["sessions"][3]))
        done, out = _run(cpo, run_cli, tmp_path)
    assert done.exit_code == 0, done.output
    assert len({row["session"] for row in _csv_rows(out)}) == 20
