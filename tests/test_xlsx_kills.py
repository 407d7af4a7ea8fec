"""kill -9 of a real `ocpispec run` writing XLSX: openpyxl streams a sheet's rows into a
temporary file of its own before it zips the workbook. That file lay loose in the
temporary directory (`openpyxl.XXXXXXXX`), where no later run knew to look: each killed
run left one behind for good, holding the rows it had written (pseudonyms, the released
values). It now lies in a scratch folder of the run (`ocpispec-sheets-<pid>-...`),
which the next run sweeps like the others, and that run delivers every session once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ocpispec.demo import DemoServer

KEY = "5d2e8a1c7f3b09e64a1d8c2f6b3e7a05d9c4f1b8e2a6d03c7f5b9e1a4d8c2f60"
SPEC = '''export xlsx_kills
  consumer "Test consumer"
  purpose "Tests of ocpispec"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions since last run
select pseudonymize(id) as session, pseudonymize(location_id) as site
output xlsx to "{directory}/{{window.end}}.xlsx"
'''


def _command(spec: Path, ledger: Path, as_of: str) -> list[str]:
    return [sys.executable, "-m", "ocpispec", "run", str(spec), "--state", str(ledger),
            "--as-of", as_of, "-q", "--workers", "1"]


def _sheet_files(scratch: Path) -> list[Path]:
    return [path for path in scratch.rglob("openpyxl.*") if path.is_file()]


def _sessions(folder: Path) -> list[str]:
    from openpyxl import load_workbook

    found = []
    for path in sorted(folder.glob("*.xlsx")):
        sheet = load_workbook(path, read_only=True).worksheets[0]
        found += [str(row[0]) for row in sheet.iter_rows(min_row=2, values_only=True)]
    return found


def test_a_run_killed_while_it_writes_a_sheet_leaves_no_rows_in_the_temporary_directory(
        tmp_path: Path) -> None:
    out, scratch, clean = tmp_path / "out", tmp_path / "scratch", tmp_path / "clean"
    scratch.mkdir()
    spec, reference = tmp_path / "spec.ocx", tmp_path / "clean.ocx"
    spec.write_text(SPEC.format(directory=out))
    reference.write_text(SPEC.format(directory=clean))
    with DemoServer(version="2.2.1", size=12000, max_page_size=500) as server:
        env = {**os.environ, "OCPI_VERSIONS_URL": server.versions_url,
               "OCPI_TOKEN": server.token, "TEST_PSEUDONYM_KEY": KEY, "NO_COLOR": "1",
               "TMPDIR": str(scratch), "OCPISPEC_RUNS_DIR": str(tmp_path / "runs")}
        run = subprocess.Popen(_command(spec, tmp_path / "ledger.sqlite", "2025-12-01T00:00:00Z"),
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline, killed = time.monotonic() + 120, False
        while run.poll() is None and time.monotonic() < deadline:
            if any(path.stat().st_size > 0 for path in _sheet_files(scratch)):
                run.send_signal(signal.SIGKILL)
                killed = True
                break
            time.sleep(0.005)
        run.wait(timeout=60)
        assert killed, "the run ended before its sheet's rows reached the disk"
        assert _sheet_files(scratch)  # the killed run's rows, for the next run to remove
        again = subprocess.run(_command(spec, tmp_path / "ledger.sqlite", "2025-12-01T00:00:00Z"),
                               env=env, capture_output=True, text=True, timeout=120)
        whole = subprocess.run(_command(reference, tmp_path / "clean.sqlite",
                                        "2025-12-01T00:00:00Z"),
                               env={**env, "TMPDIR": str(tmp_path)}, capture_output=True,
                               text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert whole.returncode == 0, whole.stderr
    assert sorted(scratch.rglob("*")) == []  # nothing of either run is left
    delivered, expected = _sessions(out), _sessions(clean)
    assert len(expected) > 10_000 and sorted(delivered) == sorted(expected)
