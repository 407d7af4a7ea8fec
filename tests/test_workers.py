"""`run --workers 2` delivers byte for byte what `--workers 1` delivers, with the same
counts, also when the platform sends invalid, duplicate, late, loosely stamped and
unreadable objects (dedup and the window stay in the parent, across every page)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_run_e2e import SMALL_DEMO_CORPUS as CORPUS, profile_for, run_record, run_spec  # noqa: F401 (fixtures)

from ocpispec.demo import Faults
from ocpispec.execute.workers import available

pytestmark = pytest.mark.skipif(not available(), reason="needs fork")

MIXED = Faults(duplicate_objects=True, invalid_objects=30, unknown_fields=True,
               naive_timestamps=True, ignore_date_filters=True, lowercase_ids=True,
               type_confused_values=True)
SOURCE = """export workers_test
  consumer "Test consumer"
  purpose "Testing worker processes"
  legal basis public task "test"
  retention 1 months
  pseudonym key env UTRECHT_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
"""
SPECS = {  # no join: a join may ask the platform for a key, which keeps one process
    "rows": SOURCE + """from sessions
  last 8 weeks
  where status = "COMPLETED"
select
  pseudonymize(cdr_token.contract_id) as driver
  pseudonymize(id) as session
  truncate(start_date_time, hour) as started
  round(kwh, 1) as energy_kwh
  minutes(start_date_time, end_date_time) as duration_min
  round(total_cost.excl_vat, 0) as cost_eur
  auth_method
  status
output csv to "sessions.csv"
""",
    "groups": SOURCE + """from sessions
  where status = "COMPLETED"
group by
  truncate(start_date_time, month) as month
compute
  count() as sessions
  sum(kwh) as energy_kwh
  minimum group size 5
output csv to "groups.csv"
""",
    "k_rows": SOURCE + """from sessions
  last 8 weeks
  where status = "COMPLETED"
select
  pseudonymize(cdr_token.contract_id) as driver
  truncate(start_date_time, day) as started_day
  auth_method
  require k 2 over (started_day, auth_method) suppression limit 100%
output csv to "sessions.csv"
""",
    "spread": SOURCE + """from sessions
  where status = "COMPLETED"
  spread kwh over hour in utc as slot
group by
  slot
compute
  sum(kwh) as energy_kwh
  minimum group size 1
output csv to "slots.csv"
""",
    "joined": CORPUS[[p.stem for p in CORPUS].index("municipality_sessions_without_k")],
}


def _counts(tmp_path: Path) -> dict:
    record = run_record(tmp_path)
    # the second run of a `since last run` spec into the same folder, under a ledger of its
    # own, is told that the folder holds the first one's deliveries: true, and not compared;
    # nor is the sweep of scratch folders that tests running beside this one left in /tmp
    notes = [note for note in record["notes"] if "holds its deliveries" not in note
             and not (note.startswith("removed ") and "scratch folder" in note)]
    return {"datasets": [{key: value for key, value in dataset.items() if key not in ("output", "manifest")}
                         for dataset in record["datasets"]], "notes": notes}


@pytest.mark.parametrize("spec", ["rows", "k_rows", "groups", "joined"])
@pytest.mark.parametrize("faults", [MIXED, Faults(bad_utf8_object=True)], ids=["mixed", "bad_utf8"])
def test_workers_deliver_the_same_bytes_and_counts(run_spec, profile_for, demo_server_factory,
                                                   tmp_path: Path, spec: str,
                                                   faults: Faults) -> None:
    server = demo_server_factory(version="2.2.1", size=600, max_page_size=50, faults=faults)
    profile_for("cpo_production", server)
    outcomes = {}
    for workers in ("1", "2"):
        result = run_spec(SPECS[spec], server, "-q", "--allow-invalid", "100%", "--page-size", "50",
                          "--workers", workers, "--as-of", "2025-07-01T00:00:00Z",
                          out=f"w{workers}")
        assert result.exit_code == 0, result.stderr
        outcomes[workers] = ((tmp_path / f"w{workers}").read_bytes(), _counts(tmp_path))
    assert outcomes["2"][0] == outcomes["1"][0]
    assert outcomes["2"][1] == outcomes["1"][1]
    counts = outcomes["2"][1]["datasets"][0]["counts"]
    assert counts["invalid"] and counts["read"] > counts["written"]
    if faults is MIXED:
        assert counts["duplicates_dropped"]
    if spec == "rows":
        assert counts["excluded_private"] and counts["filtered"] and counts["written"]
        assert counts["outside_window"] or faults is not MIXED


def test_a_limited_run_with_workers_stops_where_one_process_stops(
        run_spec, demo_server_factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ocpispec.execute.workers.SMALL_SAMPLE", 0)  # workers even for 77
    server = demo_server_factory(version="2.2.1", size=400, max_page_size=50,
                                 faults=Faults(duplicate_objects=True))
    spec = SPECS["rows"]
    outputs = []
    for workers in ("1", "1b", "3", "3b"):
        result = run_spec(spec, server, "-q", "--limit", "77", "--page-size", "50",
                          "--workers", workers[0], out=f"l{workers}")
        assert result.exit_code == 0, result.stderr
        outputs.append((tmp_path / f"l{workers}").read_bytes())
    assert [o == outputs[0] for o in outputs] == [True] * 4


def test_a_small_sample_starts_no_worker(run_spec, demo_server_factory, forks) -> None:
    server = demo_server_factory(version="2.2.1", size=200, max_page_size=50)
    result = run_spec(SPECS["rows"], server, "-q", "--limit", "20", "--workers", "2")
    assert result.exit_code == 0, result.stderr
    assert forks == []


def test_no_secret_in_the_workers_arguments(run_spec, demo_server_factory, tmp_path: Path,
                                            forks) -> None:
    """The workers are forked: what they are given travels in memory, never as an
    argument (a spawned worker would get its arguments pickled over a pipe)."""
    server = demo_server_factory(version="2.2.1", size=200, max_page_size=50)
    # an aggregate: row datasets keep one process (their risk meter reads each record)
    result = run_spec(SPECS["groups"], server, "-q", "--workers", "2")
    assert result.exit_code == 0, result.stderr
    assert forks == ["fork"]
    assert json.loads((tmp_path / "out.manifest.json").read_text())["output"]["rows"] > 0


@pytest.mark.parametrize("spec", ["rows", "k_rows"])
def test_row_exports_use_the_workers_and_measure_the_same_risk(
        run_spec, demo_server_factory, tmp_path: Path, forks, spec: str) -> None:
    """A row dataset is read by the workers too: its risk figures (and with a k rule the
    enforcement) come out exactly as in one process."""
    server = demo_server_factory(version="2.2.1", size=400, max_page_size=50)
    risks = {}
    for workers in ("1", "2"):
        forks.clear()
        result = run_spec(SPECS[spec], server, "-q", "--page-size", "50", "--workers", workers,
                          "--as-of", "2025-07-01T00:00:00Z", out=f"w{workers}")
        assert result.exit_code == 0, result.stderr
        assert forks == ([] if workers == "1" else ["fork"])
        risks[workers] = run_record(tmp_path)["datasets"][0]["risk"]
    assert risks["1"]["figures"]["rows"] > 0
    assert (risks["1"]["k_anonymity"] is not None) == (spec == "k_rows")
    assert risks["2"] == risks["1"]


def test_the_workers_key_the_rows_for_the_value_order(run_spec, demo_server_factory,
                                                      tmp_path: Path, forks,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A row export's value order is keyed beside each row in the worker that made it:
    the parent, which sorts, keys none of them itself (it did all of them, 0.7 s of its
    time for 200,000 rows), and the file is the one a single process writes."""
    from ocpispec.execute import value_key

    keyed_here: list[int] = []  # texts keyed in this process (a worker counts in its own)
    text = value_key._text
    monkeypatch.setattr(value_key, "_text", lambda value: keyed_here.append(1) or text(value))
    server = demo_server_factory(version="2.2.1", size=400, max_page_size=50)
    outputs = {}
    for workers in ("1", "2"):
        keyed_here.clear()
        result = run_spec(SPECS["rows"], server, "-q", "--page-size", "50", "--workers", workers,
                          "--as-of", "2025-07-01T00:00:00Z", out=f"w{workers}")
        assert result.exit_code == 0, result.stderr
        outputs[workers] = (tmp_path / f"w{workers}").read_bytes()
    assert forks == ["fork"]
    assert outputs["2"] == outputs["1"] and outputs["1"].count(b"\n") > 20
    assert keyed_here == []


def test_a_spread_without_each_is_spread_with_workers_too(run_spec, demo_server_factory,
                                                          tmp_path: Path) -> None:
    """A record's own value spread over slots (`spread kwh`, no `each`): the workers
    made one row per record without a slot, so every session's energy landed in one
    group with an empty slot."""
    server = demo_server_factory(version="2.2.1", size=400, max_page_size=50)
    outputs = {}
    for workers in ("1", "2"):
        result = run_spec(SPECS["spread"], server, "-q", "--page-size", "50", "--workers",
                          workers, out=f"w{workers}")
        assert result.exit_code == 0, result.stderr
        outputs[workers] = (tmp_path / f"w{workers}").read_text()
    header, *rows = outputs["1"].splitlines()
    assert header == "slot,energy_kwh" and len(rows) > 50
    assert all(row.split(",")[0].endswith(":00:00Z") for row in rows)
    assert outputs["2"] == outputs["1"]


def test_workers_die_with_a_killed_run(demo_server_factory, tmp_path: Path) -> None:
    """`kill -9` of a run leaves no worker behind (they would keep its run lock)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    server = demo_server_factory(version="2.2.1", size=400, max_page_size=20,
                                 faults=Faults(latency_ms=200))
    spec = tmp_path / "rows.ocx"
    spec.write_text(SPECS["rows"])
    env = {**os.environ, "OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "UTRECHT_PSEUDONYM_KEY": "3f9a1c7e5b2d8f40a6c3e9b17d5f2a8c4e0b6d93f1a7c5e2b8d4f0a6c3e9b71d",
           "OCPISPEC_CONFIG_DIR": str(tmp_path / "config")}
    run = subprocess.Popen([sys.executable, "-m", "ocpispec", "run", str(spec), "-q",
                            "--workers", "2", "--page-size", "20", "--out", str(tmp_path / "o.csv"),
                            "--state", str(tmp_path / "state.sqlite")], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children = Path(f"/proc/{run.pid}/task/{run.pid}/children")
    workers: list[int] = []
    deadline = time.monotonic() + 60
    while len(workers) < 2 and time.monotonic() < deadline and run.poll() is None:
        workers = [int(pid) for pid in children.read_text().split()] if children.exists() else []
        time.sleep(0.02)
    assert len(workers) >= 2, "the run never started its workers"
    run.send_signal(signal.SIGKILL)
    run.wait()
    deadline = time.monotonic() + 60
    while any(Path(f"/proc/{pid}").exists() and "zombie" not in _state(pid) for pid in workers) \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()
                and "zombie" not in _state(pid)]
    time.sleep(0.5)  # the killed run's requests in flight end before the server stops


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split("\n")[0].lower()
    except (OSError, IndexError):
        return "zombie"


def test_a_stop_signal_during_the_fork_still_stops_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """A signal arriving while the workers are forked is not lost in an at-fork callback
    (where Python ignores exceptions): it arrives again once they are started."""
    import signal
    from concurrent.futures import ProcessPoolExecutor

    from ocpispec.execute.pipeline import Counts
    from ocpispec.execute.workers import PagePool

    class Stop(BaseException):
        pass

    def stop(signum, frame):
        raise Stop

    real_map = ProcessPoolExecutor.map

    def map_with_a_signal(self, *args, **kwargs):
        found = list(real_map(self, *args, **kwargs))  # the forks
        try:  # as if it came in an at-fork callback, which ignores what it raises
            signal.raise_signal(signal.SIGALRM)
        except BaseException:  # noqa: BLE001 - what Python does there
            pass
        return found

    monkeypatch.setattr(ProcessPoolExecutor, "map", map_with_a_signal)
    previous = signal.signal(signal.SIGALRM, stop)
    try:
        with pytest.raises(Stop):
            PagePool(2, "2.2.1", "sessions", lambda record: None, Counts())
    finally:
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("command", [("run", "specs/municipality_sessions.ocx"),
                                     ("get", "sessions")])
@pytest.mark.parametrize("value", ["0", "many", "65"])
def test_a_bad_workers_value_is_a_usage_error(run_cli, command, value, snapshot) -> None:
    result = run_cli(*command, "--workers", value)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == snapshot


def test_an_invalid_object_sent_again_is_counted_once_with_workers(
        run_spec, profile_for, demo_server_factory, tmp_path: Path) -> None:
    """Every page repeats the last object of the one before, here an invalid one: it was
    counted again at each repeat, read by the parent or by the workers; the counts are
    those of the platform that sends each object once."""
    found = {}
    for repeats in (False, True):
        server = demo_server_factory(version="2.2.1", size=300, max_page_size=50,
                                     faults=Faults(invalid_objects=10,
                                                   duplicate_objects=repeats))
        profile_for("cpo_production", server)
        for workers in ("1", "2"):
            result = run_spec(SPECS["rows"].replace("last 8 weeks", "since 2000-01-01"),
                              server, "-q", "--allow-invalid", "100%",
                              "--page-size", "50", "--workers", workers, "--as-of",
                              "2025-07-01T00:00:00Z", out=f"w{workers}{repeats}")
            assert result.exit_code == 0, result.stderr
            found[repeats, workers] = _counts(tmp_path)["datasets"][0]["counts"]["invalid"]
    assert found[False, "1"] and len({str(invalid) for invalid in found.values()}) == 1, found


_DIES_MID_ANSWER = '''
import gc, json, os, signal, struct, sys
from multiprocessing.queues import SimpleQueue

from ocpispec.demo.charges import session
from ocpispec.demo.world import World
from ocpispec.execute.client import RunError
from ocpispec.execute.pipeline import Counts
from ocpispec.execute.workers import PagePool


def dies_mid_answer(record):
    """As the out-of-memory killer ending a worker while it writes its answer: the
    answers' pipe holds a message's first bytes, and its lock stays taken."""
    answers = next(found for found in gc.get_objects() if isinstance(found, SimpleQueue))
    answers._wlock.acquire()
    os.write(answers._writer.fileno(), struct.pack("!i", 1 << 20) + bytes([0x80, 5]))
    os.kill(os.getpid(), signal.SIGKILL)


page = json.dumps({"data": [session("2.2.1", World(7, 10).charge(0))], "status_code": 1000,
                   "timestamp": "2026-01-01T00:00:00Z"}).encode()
pool = PagePool(2, "2.2.1", "sessions", dies_mid_answer, Counts())
try:
    pool.prepare(page)
except RunError as error:
    print(error.diagnostic.code, error.diagnostic.message)
finally:
    pool.close()
from ocpispec.execute.workers import stuck
print("closed", "stuck" if stuck() else "ended", flush=True)
'''


def test_a_worker_killed_while_it_answers_ends_the_run_and_nothing_hangs(tmp_path: Path) -> None:
    """A worker killed while it wrote its answer left the first bytes of a message in the
    answers' pipe: the pool's manager thread waited forever for the rest, so the run never
    ended, not even at exit (1 run in 30 of the CLI's kill test hung). It ends with OCX560
    and the process exits."""
    import subprocess
    import sys

    script = tmp_path / "dies.py"
    script.write_text(_DIES_MID_ANSWER)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=30, cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "OCX560 a worker process of the run ended unexpectedly (killed by SIGKILL)", "closed ended"]
