"""A command that ran to its end leaves without the interpreter's teardown (every module
and object freed one by one, after the outputs and state were committed), but after
what its exit does that the command relies on: the `atexit` functions (logging's flush,
`weakref.finalize`, a worker pool's shutdown) and the flush of stdout
(`launch._ended`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures_cli import REPO

from ocpispec.demo import DemoServer

KEY = "a7c3e91f5b0d28e64c1a9f7b3d05e2c8f6a14b9d0e3c7f25a8b6d1e04c9f3a72"
SPEC = '''export command_exit
  consumer "Test consumer"
  purpose "The end of a command"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
select pseudonymize(id) as session, kwh
output csv to "{destination}"
'''
# loaded before the command (first on PYTHONPATH): notes what the process's exit ran
PROBE = '''
import atexit, os
_OUT = os.environ["EXIT_PROBE"]
def _note(word, path=_OUT, open=open):
    with open(path, "a") as notes:
        notes.write(word + "\\n")
class _Freed:
    def __del__(self, note=_note):
        note("teardown")
HELD = _Freed()
atexit.register(_note, "atexit")
'''


@pytest.fixture(scope="module")
def server():
    with DemoServer(version="2.2.1", size=300, max_page_size=50) as demo:
        yield demo


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_finished_run_skips_the_teardown_but_not_the_exit_functions(
        server: DemoServer, tmp_path: Path, workers: str) -> None:
    probe, scratch = tmp_path / "probe", tmp_path / "tmp"
    probe.mkdir()
    scratch.mkdir()
    (probe / "sitecustomize.py").write_text(PROBE)
    out = tmp_path / "sessions.csv"
    spec = tmp_path / "exit.ocx"
    spec.write_text(SPEC.format(destination=out))
    notes = tmp_path / "notes"
    env = {**os.environ, "OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "TEST_PSEUDONYM_KEY": KEY, "NO_COLOR": "1", "EXIT_PROBE": str(notes),
           "PYTHONPATH": os.pathsep.join([str(probe), str(REPO)]), "TMPDIR": str(scratch),
           "OCPISPEC_CONFIG_DIR": str(tmp_path / "config"),
           "OCPISPEC_RUNS_DIR": str(tmp_path / "runs")}
    done = subprocess.run([sys.executable, "-m", "ocpispec", "run", str(spec), "--state",
                           str(tmp_path / "state.sqlite"), "--as-of", "2026-01-01T00:00:00Z",
                           "--workers", workers], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == "session,kwh" and len(lines) > 100
    assert "sessions.csv" in done.stderr     # the summary, written before the end
    assert notes.read_text().split() == ["atexit"]      # no teardown ran, the exit functions did
    assert list(scratch.iterdir()) == []    # every scratch folder removed


def test_a_profiled_command_still_writes_its_profile(tmp_path: Path) -> None:
    """Under a profiler (or coverage's tracer) the command ends through the interpreter's
    exit, after which `python -m cProfile -o FILE -m ocpispec ...` writes FILE."""
    profile = tmp_path / "profile.out"
    done = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "ocpispec",
                           "--help"], cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 0, done.stderr
    assert "Usage" in done.stdout
    assert profile.stat().st_size > 0
