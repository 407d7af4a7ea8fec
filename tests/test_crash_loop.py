"""kill -9 at random moments near the end of a run never loses or repeats a record.

A harness process (tests/crash_harness.py) imports the CLI once and forks `ocpispec
run` children against a demo CPO on 127.0.0.1: each cycle kills one run with SIGKILL
after a random delay (landing in fetch, render or the commit, which a test-only pause
widens), then lets the next run finish. Every run has a later `--as-of`, so every
published file has its own name. At the end, the sessions delivered across all
published files must be the sessions of the whole window, each exactly once, and the
ledger's disclosure log must hold each published run exactly once.
"""

from __future__ import annotations

import collections
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

from ledger_helpers import pending, runs, state_dict

from ocpispec.demo import DemoServer

HARNESS = Path(__file__).with_name("crash_harness.py")
KEY = "61c0e9b3f7a24d58e1b6c3a0f9d27e4b8c5a1f06d3e9b72a4c8f15e0b6d3a9c7"
CYCLES = 50
REMOTE_CYCLES = 15  # SFTP and S3: a handshake per run
SPEC = '''export crash_test
  consumer "Test consumer"
  purpose "Crash tests of ocpispec"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions since last run
select pseudonymize(id) as session
output csv to "{directory}/{{window.end}}.csv"
'''


def _delivered(directory: Path) -> collections.Counter[str]:
    found: collections.Counter[str] = collections.Counter()
    for path in directory.glob("*.csv"):
        with path.open(newline="") as handle:
            found.update(row["session"] for row in csv.DictReader(handle))
    return found


def _harness(tmp_path: Path, server: DemoServer, spec: Path, state: Path,
             env: dict | None = None, cycles: int = CYCLES, timeout: int = 600,
             signals: list[str] | None = None, commit_kills: int = 0) -> dict:
    """`commit_kills`: how many of the cycles kill their run in its commit (the others at
    a random moment). `timeout`: a ceiling (50 cycles took 150 s beside a loaded suite)."""
    config = tmp_path / "crash.json"
    config.write_text(json.dumps({
        "spec": str(spec), "state": str(state), "cycles": cycles, "seed": 20261202,
        "signals": signals or ["SIGKILL"], "commit_kills": commit_kills,
        "env": {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
                "TEST_PSEUDONYM_KEY": KEY, "OCPISPEC_TEST_COMMIT_PAUSE": "0.02",
                "OCPISPEC_CONFIG_DIR": str(tmp_path / "config"), **(env or {})}}))
    done = subprocess.run([sys.executable, str(HARNESS), str(config)], capture_output=True,
                          text=True, timeout=timeout, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _whole_export(tmp_path: Path, server: DemoServer, whole: Path, last: str
                  ) -> subprocess.CompletedProcess[str]:
    """The reference: one uninterrupted run of the window the harness's runs covered."""
    env = {**os.environ, "OCPI_VERSIONS_URL": server.versions_url,
           "OCPI_TOKEN": server.token, "TEST_PSEUDONYM_KEY": KEY}
    return subprocess.run([sys.executable, "-m", "ocpispec", "run", str(whole), "--state",
                           str(tmp_path / "reference.json"), "--as-of", last, "-q"],
                          env=env, capture_output=True, text=True, timeout=60)


def test_kill_minus_nine_never_loses_or_repeats_a_record(tmp_path: Path) -> None:
    out, reference = tmp_path / "out", tmp_path / "reference"
    spec, whole = tmp_path / "spec.ocx", tmp_path / "whole.ocx"
    spec.write_text(SPEC.format(directory=out))
    whole.write_text(SPEC.format(directory=reference))
    with DemoServer(version="2.2.1", size=2000, max_page_size=50) as server:
        report = _harness(tmp_path, server, spec, tmp_path / "state.json", commit_kills=5)
        final = _whole_export(tmp_path, server, whole, report["last"])
    assert final.returncode == 0, final.stderr
    assert report["calibration_exit"] == 0 and report["rerun_failures"] == 0, report
    assert report["killed"] >= CYCLES * 0.5, report  # most runs really were killed
    assert report["journal_left"] >= 3, report  # kills after the commit point (5 aimed there)
    assert report["killed_before_commit"] >= 5, report  # kills in fetch and render
    delivered, expected = _delivered(out), _delivered(reference)
    assert len(expected) > 1000
    assert set(delivered) == set(expected), "lost records"
    assert max(delivered.values()) == 1, "repeated records"
    logged = [run for run in runs(tmp_path / "state.json") if run["outcome"] == "committed"]
    assert len(logged) == len(list(out.glob("*.csv"))), "a published run not logged once"
    assert len({run["run_at"] for run in logged}) == len(logged)
    leftovers = [p.name for p in out.iterdir() if p.name.endswith(".partial")]
    assert leftovers == [], leftovers  # the runs after the kills removed them


def test_sigterm_and_ctrl_c_at_any_moment_never_lose_or_repeat_a_record(tmp_path: Path) -> None:
    """SIGTERM (a service manager, a container stopping) and SIGINT (Ctrl-C) at random
    moments of fetch, render and the commit, with two worker processes: each
    stopped run exits 0 (it finished, or its commit was under way and completed) or 1
    (OCX558, nothing committed), never with an internal error or a traceback, and the
    next runs deliver every record of the window exactly once."""
    out, reference = tmp_path / "out", tmp_path / "reference"
    spec, whole = tmp_path / "spec.ocx", tmp_path / "whole.ocx"
    spec.write_text(SPEC.format(directory=out))
    whole.write_text(SPEC.format(directory=reference))
    with DemoServer(version="2.2.1", size=2000, max_page_size=50) as server:
        report = _harness(tmp_path, server, spec, tmp_path / "state.json", cycles=REMOTE_CYCLES,
                          signals=["SIGTERM", "SIGINT"])
        final = _whole_export(tmp_path, server, whole, report["last"])
    assert final.returncode == 0, final.stderr
    assert report["calibration_exit"] == 0 and report["rerun_failures"] == 0, report
    assert report["bad_exits"] == 0, report
    # some runs were really stopped: the moments are drawn over the calibration run's
    # length, and on a loaded machine (CI) most later runs finish before theirs
    assert report["stopped_cleanly"] >= 2, report
    delivered, expected = _delivered(out), _delivered(reference)
    assert len(expected) > 1000
    assert set(delivered) == set(expected), "lost records"
    assert max(delivered.values()) == 1, "repeated records"
    logged = [run for run in runs(tmp_path / "state.json") if run["outcome"] == "committed"]
    assert len(logged) == len(list(out.glob("*.csv"))), "a published run not logged once"


def test_kill_minus_nine_never_loses_or_repeats_a_record_delivered_over_sftp(
        tmp_path: Path) -> None:
    """The same kills with the output delivered to a real OpenSSH server: the uploads,
    the commit point, the remote renames and their recovery by the next run. The
    temporary files killed runs left on the server are younger than an hour, so they
    are only reported; every final file holds its window once."""
    from fixtures_sftp import start_sshd

    sshd = start_sshd(tmp_path / "sshd")
    try:
        sshd.profile(tmp_path / "config")
        out, reference = sshd.root, tmp_path / "reference"
        spec, whole = tmp_path / "spec.ocx", tmp_path / "whole.ocx"
        spec.write_text(SPEC.format(directory=f"sftp://127.0.0.1:{sshd.port}{out}"))
        whole.write_text(SPEC.format(directory=reference))
        with DemoServer(version="2.2.1", size=2000, max_page_size=50) as server:
            # each cycle pays an SSH handshake: fewer cycles keep the suite within CI's time
            report = _harness(tmp_path, server, spec, tmp_path / "state.json",
                              cycles=REMOTE_CYCLES)
            env = {**os.environ, "OCPI_VERSIONS_URL": server.versions_url,
                   "OCPI_TOKEN": server.token, "TEST_PSEUDONYM_KEY": KEY}
            final = subprocess.run([sys.executable, "-m", "ocpispec", "run", str(whole),
                                    "--state", str(tmp_path / "reference.json"), "--as-of",
                                    report["last"], "-q"], env=env, capture_output=True,
                                   text=True, timeout=60)
    finally:
        sshd.stop()
    assert final.returncode == 0, final.stderr
    assert report["calibration_exit"] == 0 and report["rerun_failures"] == 0, report
    assert report["killed"] >= REMOTE_CYCLES * 0.3, report
    delivered, expected = _delivered(out), _delivered(reference)
    assert len(expected) > 1000
    assert set(delivered) == set(expected), "lost records"
    assert max(delivered.values()) == 1, "repeated records"
    logged = [run for run in runs(tmp_path / "state.json") if run["outcome"] == "committed"]
    assert len(logged) == len(list(out.glob("*.csv"))), "a published run not logged once"


def test_kill_minus_nine_never_loses_or_repeats_a_record_delivered_to_s3(
        tmp_path: Path, s3_server) -> None:
    """The same kills with the output delivered to an S3 server (moto): put under a
    temporary key, verified, copied to the final key; recovery by the next run."""
    from fixtures_s3 import ACCESS_KEY, SECRET_KEY

    s3_server.profile(tmp_path / "config")
    reference = tmp_path / "reference"
    spec, whole = tmp_path / "spec.ocx", tmp_path / "whole.ocx"
    spec.write_text(SPEC.format(directory="s3://consumer-drop/in"))
    whole.write_text(SPEC.format(directory=reference))
    keys = {"TEST_S3_ACCESS_KEY": ACCESS_KEY, "TEST_S3_SECRET_KEY": SECRET_KEY}
    with DemoServer(version="2.2.1", size=2000, max_page_size=50) as server:
        # boto3 makes each run slower: fewer cycles, more time
        report = _harness(tmp_path, server, spec, tmp_path / "state.json", keys,
                          cycles=REMOTE_CYCLES)
        env = {**os.environ, "OCPI_VERSIONS_URL": server.versions_url,
               "OCPI_TOKEN": server.token, "TEST_PSEUDONYM_KEY": KEY}
        final = subprocess.run([sys.executable, "-m", "ocpispec", "run", str(whole), "--state",
                                str(tmp_path / "reference.json"), "--as-of", report["last"],
                                "-q"], env=env, capture_output=True, text=True, timeout=60)
    assert final.returncode == 0, final.stderr
    assert report["calibration_exit"] == 0 and report["rerun_failures"] == 0, report
    assert report["killed"] >= REMOTE_CYCLES * 0.3, report
    out = tmp_path / "delivered"
    out.mkdir()
    names = [key for key in s3_server.keys() if key.endswith(".csv")]
    for key in names:
        (out / key.rsplit("/", 1)[-1]).write_bytes(s3_server.get(key))
    delivered, expected = _delivered(out), _delivered(reference)
    assert len(expected) > 1000
    assert set(delivered) == set(expected), "lost records"
    assert max(delivered.values()) == 1, "repeated records"
    logged = [run for run in runs(tmp_path / "state.json") if run["outcome"] == "committed"]
    assert len(logged) == len(names), "a published run not logged once"


def test_kill_minus_nine_during_calendar_windows_publishes_each_once(tmp_path: Path) -> None:
    """`previous day` exports commit through the journal too (they once published their
    files and logged the run in two steps, so a kill between left a delivery the log did
    not know and a catch-up would repeat): every file a killed run published is logged
    exactly once, and no record arrives twice."""
    out, reference = tmp_path / "out", tmp_path / "reference"
    spec, whole = tmp_path / "spec.ocx", tmp_path / "whole.ocx"
    spec.write_text(SPEC.format(directory=out).replace("since last run", "previous day"))
    whole.write_text(SPEC.format(directory=reference))
    with DemoServer(version="2.2.1", size=2000, max_page_size=50) as server:
        # a longer pause at each commit step: with 20 cycles on a loaded machine, some
        # kills must still land between the journal and the state
        report = _harness(tmp_path, server, spec, tmp_path / "state.json", cycles=20,
                          env={"OCPISPEC_TEST_COMMIT_PAUSE": "0.1"}, commit_kills=2)
        env = {**os.environ, "OCPI_VERSIONS_URL": server.versions_url,
               "OCPI_TOKEN": server.token, "TEST_PSEUDONYM_KEY": KEY}
        final = subprocess.run([sys.executable, "-m", "ocpispec", "run", str(whole), "--state",
                                str(tmp_path / "reference.json"), "--as-of", report["last"],
                                "-q"], env=env, capture_output=True, text=True, timeout=60)
    assert final.returncode == 0, final.stderr
    assert report["calibration_exit"] == 0 and report["rerun_failures"] == 0, report
    assert report["journal_left"] >= 1, report  # kills after the commit point
    delivered, expected = _delivered(out), _delivered(reference)
    assert delivered and set(delivered) <= set(expected)
    assert max(delivered.values()) == 1, "repeated records"
    logged = [run for run in runs(tmp_path / "state.json") if run["outcome"] == "committed"]
    assert len(logged) == len(list(out.glob("*.csv"))), "a published run not logged once"
    leftovers = [p.name for p in out.iterdir() if p.name.endswith(".partial")]
    assert leftovers == [], leftovers


_KILLED_AFTER_PUBLISHING = """
import os, sys
published = []
def hook(event, args):
    if event == "os.rename" and os.path.dirname(str(args[1])) == sys.argv[1]:
        published.append(args[1])
    elif published and event in ("open", "sqlite3.connect"):
        os._exit(137)  # as kill -9 right after the first file was published
sys.addaudithook(hook)
from ocpispec.cli import main
main(sys.argv[2:], prog_name="ocpispec")
"""


def test_a_run_without_state_killed_after_publishing_is_logged(tmp_path: Path) -> None:
    """An export without state (`last 30 days`) published its files and then logged the
    run in a step of its own: killed between, its delivery never reached the disclosure
    log (and a second dataset's file was left unpublished). Its files and its log entry
    now commit as one, and the next run of the export finishes the commit."""
    out = tmp_path / "out"
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(directory=out).replace("since last run", "last 30 days")
                    + 'from cdrs last 30 days\nselect pseudonymize(id) as cdr\n'
                    f'output csv to "{out}/cdrs-{{window.end}}.csv"\n')
    ledger = tmp_path / "ledger.sqlite"
    with DemoServer(version="2.2.1", size=2000, max_page_size=50) as server:
        env = {**os.environ, "OCPI_VERSIONS_URL": server.versions_url,
               "OCPI_TOKEN": server.token, "TEST_PSEUDONYM_KEY": KEY,
               "OCPISPEC_CONFIG_DIR": str(tmp_path / "config")}
        for as_of, script in (("2025-06-01T00:00:00Z", _KILLED_AFTER_PUBLISHING),
                              ("2025-07-01T00:00:00Z", _KILLED_AFTER_PUBLISHING.replace(
                                  "os._exit(137)", "pass"))):
            done = subprocess.run([sys.executable, "-c", script, str(out), "run", str(spec),
                                   "--state", str(ledger), "--as-of", as_of, "-q"], env=env,
                                  capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    published = sorted(path.name for path in out.glob("*.csv"))
    assert published == ["20250601T000000Z.csv", "20250701T000000Z.csv",
                         "cdrs-20250601T000000Z.csv", "cdrs-20250701T000000Z.csv"]
    logged = [run for run in runs(ledger) if run["outcome"] == "committed"]
    assert len(logged) == 2, logged


def test_another_ledgers_run_leaves_a_pending_commit_in_the_folder_alone(
        tmp_path: Path) -> None:
    """Two exports with a ledger each (or a `--demo` run, with none) delivering into
    one folder: a run removed every temporary file whose process was gone, so the files
    a killed run of the other ledger had still to publish after its commit point went
    too. Its next run found them gone and left its state behind: that window was
    delivered a second time. A run now removes only its own ledger's leftovers (and
    those of runs without a ledger), and the killed commit is finished as it was meant."""
    out = tmp_path / "out"
    spec, other, whole = (tmp_path / f"{name}.ocx" for name in ("spec", "other", "whole"))
    spec.write_text(SPEC.format(directory=out).replace("{window.end}", "a-{window.end}"))
    other.write_text(SPEC.format(directory=out).replace("crash_test", "other_export")
                     .replace("{window.end}", "b-{window.end}"))
    whole.write_text(SPEC.format(directory=tmp_path / "reference"))
    with DemoServer(version="2.2.1", size=2000, max_page_size=50) as server:
        env = {**os.environ, "OCPI_VERSIONS_URL": server.versions_url,
               "OCPI_TOKEN": server.token, "TEST_PSEUDONYM_KEY": KEY,
               "OCPISPEC_CONFIG_DIR": str(tmp_path / "config")}

        def run(script: str, *args: str) -> subprocess.CompletedProcess:
            return subprocess.run([sys.executable, "-c", script, str(out), "run", *args, "-q"],
                                  env=env, capture_output=True, text=True, timeout=120,
                                  cwd=tmp_path)

        plain = _KILLED_AFTER_PUBLISHING.replace("os._exit(137)", "pass")
        ledger = str(tmp_path / "a" / "ledger.sqlite")
        killed = run(_KILLED_AFTER_PUBLISHING, str(spec), "--state", ledger,
                     "--as-of", "2025-06-01T00:00:00Z")
        assert killed.returncode == 137 and pending(Path(ledger)) == 1, killed.stderr
        assert [p for p in out.iterdir() if p.name.endswith(".partial")]
        for args in (("--state", str(tmp_path / "b" / "ledger.sqlite"), "--as-of",
                      "2025-06-01T00:00:00Z"), ("--demo", "--demo-size", "200", "--out",
                                               f"{out}/")):
            assert run(plain, str(other), *args).returncode == 0
        done = run(plain, str(spec), "--state", ledger, "--as-of", "2025-07-01T00:00:00Z")
        assert done.returncode == 0, done.stderr
        reference = subprocess.run(
            [sys.executable, "-m", "ocpispec", "run", str(whole), "--state",
             str(tmp_path / "reference.sqlite"), "--as-of", "2025-07-01T00:00:00Z", "-q"],
            env=env, capture_output=True, text=True, timeout=60)
    assert reference.returncode == 0, reference.stderr
    delivered = collections.Counter()
    for path in out.glob("a-*.csv"):
        with path.open(newline="") as handle:
            delivered.update(row["session"] for row in csv.DictReader(handle))
    expected = _delivered(tmp_path / "reference")
    assert len(expected) > 100 and set(delivered) == set(expected), "lost records"
    assert max(delivered.values()) == 1, "repeated records"
    assert sorted(p.name for p in out.glob("a-*")) == sorted(
        f"a-{end}.csv{suffix}" for end in ("20250601T000000Z", "20250701T000000Z")
        for suffix in ("", ".datapackage.json", ".manifest.json"))


def test_a_file_its_consumer_took_before_the_commit_was_finished_is_not_sent_again(
        tmp_path: Path) -> None:
    """A run killed after renaming one file of its commit, whose consumer then took that
    file from the folder (as a drop folder is read): the next run found neither the
    temporary nor the final name, took the file for one never published, left the state
    behind and delivered its records again. The commit now stores, before each rename,
    that it began it, and recovery counts such a file published."""
    out, taken = tmp_path / "out", tmp_path / "taken"
    spec, whole = tmp_path / "spec.ocx", tmp_path / "whole.ocx"
    spec.write_text(SPEC.format(directory=out))
    whole.write_text(SPEC.format(directory=tmp_path / "reference"))
    ledger = tmp_path / "ledger.sqlite"
    taken.mkdir()

    def take() -> None:  # the consumer: every published file leaves the folder
        for path in out.iterdir():
            if not path.name.startswith("."):
                path.rename(taken / path.name)

    with DemoServer(version="2.2.1", size=2000, max_page_size=50) as server:
        env = {**os.environ, "OCPI_VERSIONS_URL": server.versions_url,
               "OCPI_TOKEN": server.token, "TEST_PSEUDONYM_KEY": KEY,
               "OCPISPEC_CONFIG_DIR": str(tmp_path / "config")}
        for as_of, script in (("2025-06-01T00:00:00Z", _KILLED_AFTER_PUBLISHING),
                              ("2025-07-01T00:00:00Z", _KILLED_AFTER_PUBLISHING.replace(
                                  "os._exit(137)", "pass"))):
            done = subprocess.run([sys.executable, "-c", script, str(out), "run", str(spec),
                                   "--state", str(ledger), "--as-of", as_of], env=env,
                                  capture_output=True, text=True, timeout=120, cwd=tmp_path)
            take()
        assert done.returncode == 0, done.stderr
        assert "NOT advanced" not in done.stderr
        reference = subprocess.run(
            [sys.executable, "-m", "ocpispec", "run", str(whole), "--state",
             str(tmp_path / "reference.sqlite"), "--as-of", "2025-07-01T00:00:00Z", "-q"],
            env=env, capture_output=True, text=True, timeout=60)
    assert reference.returncode == 0, reference.stderr
    delivered, expected = _delivered(taken), _delivered(tmp_path / "reference")
    assert len(expected) > 100 and set(delivered) == set(expected), "lost records"
    assert max(delivered.values()) == 1, "repeated records"
    assert [run["outcome"] for run in runs(ledger)] == ["committed", "committed"]


def test_another_exports_run_keeps_a_pending_commit_of_the_same_ledger(
        tmp_path: Path) -> None:
    """Two exports in one ledger delivering into one folder given relatively (`to
    "out/..."`, run from the project directory): the ledger names a pending commit's
    files by their resolved paths and the folder was listed as written, so the other
    export's run took the killed commit's files for leftovers and removed them; the
    killed export's next run left its state behind and delivered the window again."""
    out = tmp_path / "out"
    spec, other, whole = (tmp_path / f"{name}.ocx" for name in ("spec", "other", "whole"))
    spec.write_text(SPEC.format(directory="out").replace("{window.end}", "a-{window.end}"))
    other.write_text(SPEC.format(directory="out").replace("crash_test", "other_export")
                     .replace("{window.end}", "b-{window.end}"))
    whole.write_text(SPEC.format(directory=tmp_path / "reference"))
    ledger = "ledger.sqlite"
    with DemoServer(version="2.2.1", size=2000, max_page_size=50) as server:
        env = {**os.environ, "OCPI_VERSIONS_URL": server.versions_url,
               "OCPI_TOKEN": server.token, "TEST_PSEUDONYM_KEY": KEY,
               "OCPISPEC_CONFIG_DIR": str(tmp_path / "config")}

        def run(script: str, *args: str) -> subprocess.CompletedProcess:
            return subprocess.run([sys.executable, "-c", script, "out", "run", *args,
                                   "--state", ledger, "-q"], env=env, capture_output=True,
                                  text=True, timeout=120, cwd=tmp_path)

        plain = _KILLED_AFTER_PUBLISHING.replace("os._exit(137)", "pass")
        killed = run(_KILLED_AFTER_PUBLISHING, "spec.ocx", "--as-of", "2025-06-01T00:00:00Z")
        assert killed.returncode == 137 and pending(tmp_path / ledger) == 1, killed.stderr
        assert run(plain, "other.ocx", "--as-of", "2025-06-01T00:00:00Z").returncode == 0
        done = run(plain, "spec.ocx", "--as-of", "2025-07-01T00:00:00Z")
        assert done.returncode == 0, done.stderr
        reference = subprocess.run(
            [sys.executable, "-m", "ocpispec", "run", str(whole), "--state",
             str(tmp_path / "reference.sqlite"), "--as-of", "2025-07-01T00:00:00Z", "-q"],
            env=env, capture_output=True, text=True, timeout=60)
    assert reference.returncode == 0, reference.stderr
    delivered = collections.Counter()
    for path in out.glob("a-*.csv"):
        with path.open(newline="") as handle:
            delivered.update(row["session"] for row in csv.DictReader(handle))
    expected = _delivered(tmp_path / "reference")
    assert len(expected) > 100 and set(delivered) == set(expected), "lost records"
    assert max(delivered.values()) == 1, "repeated records"


def test_a_manifest_removed_beside_a_published_file_does_not_send_it_again(
        tmp_path: Path) -> None:
    """A run killed right after renaming its data file, whose hidden manifest and data
    package were then removed by hand (leftovers of a crash, as they look): recovery
    held the dataset's state back, and the next run delivered that window again, each
    of its records a second time (232 of 914). The data file was published: the state
    advances, the note says what is missing, and the run is logged as committed."""
    out = tmp_path / "out"
    spec, whole = tmp_path / "spec.ocx", tmp_path / "whole.ocx"
    spec.write_text(SPEC.format(directory=out))
    whole.write_text(SPEC.format(directory=tmp_path / "reference"))
    ledger = tmp_path / "ledger.sqlite"
    with DemoServer(version="2.2.1", size=2000, max_page_size=50) as server:
        env = {**os.environ, "OCPI_VERSIONS_URL": server.versions_url,
               "OCPI_TOKEN": server.token, "TEST_PSEUDONYM_KEY": KEY,
               "OCPISPEC_CONFIG_DIR": str(tmp_path / "config")}
        plain = _KILLED_AFTER_PUBLISHING.replace("os._exit(137)", "pass")
        for as_of, script in (("2025-03-01T00:00:00Z", plain),
                              ("2025-04-01T00:00:00Z", _KILLED_AFTER_PUBLISHING),
                              ("2025-05-01T00:00:00Z", plain)):
            done = subprocess.run([sys.executable, "-c", script, str(out), "run", str(spec),
                                   "--state", str(ledger), "--as-of", as_of], env=env,
                                  capture_output=True, text=True, timeout=120, cwd=tmp_path)
            if as_of.startswith("2025-04"):
                assert done.returncode == 137 and pending(ledger) == 1, done.stderr
                assert (out / "20250401T000000Z.csv").exists()
                for leftover in out.glob(".*.partial"):  # the manifest and data package
                    leftover.unlink()
        assert done.returncode == 0, done.stderr
        reference = subprocess.run(
            [sys.executable, "-m", "ocpispec", "run", str(whole), "--state",
             str(tmp_path / "reference.sqlite"), "--as-of", "2025-05-01T00:00:00Z", "-q"],
            env=env, capture_output=True, text=True, timeout=60)
    assert reference.returncode == 0, reference.stderr
    delivered, expected = _delivered(out), _delivered(tmp_path / "reference")
    assert len(expected) > 100 and set(delivered) == set(expected), "lost records"
    assert max(delivered.values()) == 1, "repeated records"
    assert [run["outcome"] for run in runs(ledger)] == ["committed"] * 3
    assert "2 manifests or data packages no longer there" in done.stderr


_KILLED_BEFORE_PUBLISHING = """
import os, sys
def hook(event, args):
    if event == "os.rename" and os.path.dirname(str(args[1])) == sys.argv[1]:
        os._exit(137)  # as kill -9 right after the commit point, before any rename
sys.addaudithook(hook)
from ocpispec.cli import main
main(sys.argv[2:], prog_name="ocpispec")
"""


def test_a_file_a_pending_commit_of_another_export_will_publish_is_not_delivered(
        tmp_path: Path) -> None:
    """Two exports of one ledger delivering into one file (OCX351 warns of it): the
    first killed after its commit point, the second found no file there and delivered
    its own (exit 0, its state moved on); the first's next run finished its commit and
    renamed its file over the second's, whose records were lost. The second now stops
    before fetching (OCX556), naming the export whose commit claims the file."""
    out = tmp_path / "out"
    first, second = tmp_path / "first.ocx", tmp_path / "second.ocx"
    first.write_text(SPEC.format(directory=out).replace("{window.end}", "sessions"))
    second.write_text(first.read_text().replace("crash_test", "other_export"))
    ledger = tmp_path / "ledger.sqlite"
    with DemoServer(version="2.2.1", size=2000, max_page_size=50) as server:
        env = {**os.environ, "OCPI_VERSIONS_URL": server.versions_url,
               "OCPI_TOKEN": server.token, "TEST_PSEUDONYM_KEY": KEY,
               "OCPISPEC_CONFIG_DIR": str(tmp_path / "config")}

        def run(script: str, spec: Path, as_of: str = "2025-06-01T00:00:00Z"
                ) -> subprocess.CompletedProcess:
            return subprocess.run([sys.executable, "-c", script, str(out), "run", str(spec),
                                   "--state", str(ledger), "--as-of", as_of, "-q"], env=env,
                                  capture_output=True, text=True, timeout=120, cwd=tmp_path)

        plain = _KILLED_BEFORE_PUBLISHING.replace("os._exit(137)", "pass")
        killed = run(_KILLED_BEFORE_PUBLISHING, first)
        assert killed.returncode == 137 and pending(ledger) == 1, killed.stderr
        requests = len(server.request_log)
        refused = run(plain, second)
        assert len(server.request_log) == requests  # nothing fetched
        run(plain, first, "2025-07-01T00:00:00Z")  # finishes its commit first
    assert refused.returncode == 1, refused.stderr
    assert "error[OCX556]" in refused.stderr and "`crash_test`" in refused.stderr
    assert state_dict(ledger, "other_export") is None
    assert pending(ledger) == 0
    assert json.loads((out / "sessions.csv.manifest.json").read_text())["export"]["name"] \
        == "crash_test"
