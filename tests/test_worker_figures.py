"""A row export's risk figures, under `run --workers N`, are computed in a worker process
while the parent writes the sorted rows (`RowRisk.measured`, `PagePool.later`): the
same figures as in one process, and a worker that fails or dies there fails the run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_run_e2e import source_env
from fixtures_demo import scrub
from ledger_helpers import pending, runs, state_dict
from test_workers import SPECS

from ocpispec.execute.workers import available

pytestmark = pytest.mark.skipif(not available(), reason="needs fork")

REPO = Path(__file__).resolve().parents[1]

# the run in a process of its own, which then says whether it loaded numpy: the figures'
# in-memory path (`disclosure.in_memory`) is the only one that does
_RUN = '''
import sys
from ocpispec.cli import main
try:
    main(sys.argv[1:], prog_name="ocpispec")
except SystemExit as end:
    print(end.code or 0, "numpy" in sys.modules)
'''


def test_the_workers_compute_the_figures_and_the_parent_never_loads_numpy(
        demo_server_factory, tmp_path: Path) -> None:
    """With workers, the parent only writes the rows at the end (it sorted and measured
    them as they came): the figures, numpy and all, are a worker's. One process computes
    them itself; both runs record the same figures. (numpy from any number of rows here:
    below `spill_figures.NUMPY_ROWS` the figures are computed without it.)"""
    said, figures = _runs(demo_server_factory, tmp_path, ("1", "2"), numpy_rows="0")
    assert said == {"1": "0 True", "2": "0 False"}
    assert figures["1"]["figures"]["rows"] > 0 and figures["2"] == figures["1"]


def test_a_run_of_few_rows_computes_its_figures_without_numpy(demo_server_factory,
                                                              tmp_path: Path) -> None:
    """Importing numpy cost more instructions than the figures of a few thousand rows
    (some 250 M of a run's fixed 2.1 G): below `NUMPY_ROWS` they are computed without it
    (`in_python`), the same figures as numpy's."""
    said, figures = _runs(demo_server_factory, tmp_path, ("1",), numpy_rows=None)
    numpy_said, numpy_figures = _runs(demo_server_factory, tmp_path, ("1",), numpy_rows="0")
    assert said == {"1": "0 False"} and numpy_said == {"1": "0 True"}
    assert figures["1"]["figures"]["rows"] > 0 and figures == numpy_figures


def _runs(demo_server_factory, tmp_path: Path, workers_counts: tuple[str, ...],
          numpy_rows: str | None) -> tuple[dict[str, str], dict[str, dict]]:
    """Per number of workers, whether the run's process loaded numpy, and its figures."""
    server = demo_server_factory(version="2.2.1", size=400, max_page_size=50)
    spec = tmp_path / "rows.ocx"
    spec.write_text(SPECS["rows"])
    tuning = {} if numpy_rows is None else {"OCPISPEC_RISK_NUMPY_ROWS": numpy_rows}
    said, figures = {}, {}
    for workers in workers_counts:
        name = f"{workers}-{numpy_rows}"
        ledger = tmp_path / f"ledger-{name}.sqlite"
        done = subprocess.run(
            [sys.executable, "-c", _RUN, "run", str(spec), "--out", str(tmp_path / f"w{name}"),
             "--state", str(ledger), "--as-of", "2025-07-01T00:00:00Z", "--page-size", "50",
             "--workers", workers, "-q", "--summary", "json"],
            capture_output=True, text=True, timeout=120, cwd=REPO,
            env={"PATH": "/usr/bin:/bin", "OCPISPEC_CONFIG_DIR": str(tmp_path / "config"),
                 **tuning, **source_env(server)})
        *document, last = done.stdout.splitlines()
        said[workers] = last
        figures[workers] = json.loads("\n".join(document))["run"]["datasets"][0]["risk"]
    return said, figures


_FAILS = '''
import os, signal
from ocpispec.execute.client import RunError
from ocpispec.execute.pipeline import Counts
from ocpispec.execute.workers import PagePool, stuck


def fails(path):
    raise FileNotFoundError(path)


def dies(path):
    os.kill(os.getpid(), signal.SIGKILL)


pool = PagePool(2, "2.2.1", "sessions", lambda record: record, Counts())
try:
    claim = pool.later(fails, "members")
    try:
        claim()
    except FileNotFoundError as error:
        print("raised", error)
    claim = pool.later(dies, "members")
    try:
        claim()
    except RunError as error:
        print(error.diagnostic.code, error.diagnostic.message)
finally:
    pool.close()
print("closed", "stuck" if stuck() else "ended", flush=True)
'''


def test_what_a_worker_computes_later_raises_its_failure_and_a_death_ends_the_run(
        tmp_path: Path) -> None:
    """`PagePool.later`'s answer is awaited as a page's is: a failure in the worker raises
    in the parent when the answer is taken (the run then fails, nothing committed), and a
    worker killed meanwhile is OCX560, not a wait that never ends."""
    script = tmp_path / "later.py"
    script.write_text(_FAILS)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "raised members",
        "OCX560 a worker process of the run ended unexpectedly (killed by SIGKILL)",
        "closed ended"]


# the run of `_RUN`, in which the worker that computes the risk figures is killed there
# (the out-of-memory killer, say): a fault no platform can cause, injected at the one
# function the worker is handed (`spill_figures.figures_of`), before ocpispec imports it
_KILLED_AT_THE_FIGURES = '''
import os, signal
from ocpispec.disclosure import spill_figures

parent = os.getpid()


def killed(spill):
    if os.getpid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)
    return spill.figures()


spill_figures.figures_of = killed
''' + _RUN


def test_a_worker_killed_while_it_computes_the_figures_fails_the_run_with_nothing_committed(
        demo_server_factory, tmp_path: Path, snapshot) -> None:
    """The rows are written (staged) by then: the run still fails, OCX560 and exit 1,
    publishes no file, keeps no state and logs the run as failed; the next run delivers
    the whole window."""
    server = demo_server_factory(version="2.2.1", size=400, max_page_size=50)
    spec = tmp_path / "rows.ocx"
    spec.write_text(SPECS["rows"])
    ledger, out = tmp_path / "ledger.sqlite", tmp_path / "out"

    def run(script: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", script, "run", str(spec), "--out", str(out), "--state",
             str(ledger), "--as-of", "2025-07-01T00:00:00Z", "--page-size", "50",
             "--workers", "2", "-q"],
            capture_output=True, text=True, timeout=120, cwd=REPO,
            env={"PATH": "/usr/bin:/bin", "OCPISPEC_CONFIG_DIR": str(tmp_path / "config"),
                 "NO_COLOR": "1", **source_env(server)})

    killed = run(_KILLED_AT_THE_FIGURES)
    assert killed.stdout.splitlines()[-1] == "1 False", killed.stderr
    assert "error[OCX560]" in killed.stderr and "killed by SIGKILL" in killed.stderr
    assert "Traceback" not in killed.stderr and scrub(killed.stderr, tmp_path=tmp_path) == snapshot
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("ledger.sqlite")] == ["rows.ocx"]
    assert state_dict(ledger) is None and pending(ledger) == 0
    assert [run["outcome"] for run in runs(ledger)] == ["failed"]

    again = run(_RUN)
    assert again.stdout.splitlines()[-1] == "0 False", again.stderr
    assert out.exists() and len(out.read_text().splitlines()) > 1
    assert [run["outcome"] for run in runs(ledger)] == ["failed", "committed"]
