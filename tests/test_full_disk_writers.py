"""A disk that fills while a binary writer (xlsx, Parquet) finishes its file, through
the real CLI on a small tmpfs: a diagnostic, never a traceback, nothing under a final
name, the state unmoved; once there is room, the next run delivers every record once."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ledger_helpers import has_state, pending

from ocpispec.demo import DemoServer

KEY = "3f0b8d1e6a4c29f75e0d3b8a1c6f4e2d9b7a05c3e8f1d62a4b9c07e3f5a8d1b6"
SPEC = '''export full_disk_writers
  consumer "Test consumer"
  purpose "Tests of ocpispec"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions since last run
select pseudonymize(id) as session
output {format} to "{directory}/{{window.end}}.{format}"
'''
AS_OF = "2025-06-01T00:00:00Z"


def _run(spec: Path, ledger: Path, server: DemoServer, **extra: str
         ) -> subprocess.CompletedProcess:
    env = {**os.environ, "OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "TEST_PSEUDONYM_KEY": KEY, "NO_COLOR": "1",
           "OCPISPEC_RUNS_DIR": str(ledger.parent / "runs"), **extra}
    return subprocess.run([sys.executable, "-m", "ocpispec", "run", str(spec), "--state",
                           str(ledger), "--as-of", AS_OF, "-q"], env=env,
                          capture_output=True, text=True, timeout=120)


def _sessions(path: Path) -> list[str]:
    if path.suffix == ".csv":
        with path.open(newline="") as handle:
            return [row["session"] for row in csv.DictReader(handle)]
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return [str(value) for value in pq.read_table(path).column("session").to_pylist()]
    from openpyxl import load_workbook

    sheet = load_workbook(path, read_only=True).worksheets[0]
    return [str(row[0]) for row in sheet.iter_rows(min_row=2, values_only=True)]


@pytest.mark.skipif(os.geteuid() != 0, reason="mounts a small tmpfs")
@pytest.mark.parametrize("format", ["xlsx", "parquet"])
def test_a_disk_full_while_the_file_is_finished_says_so_and_the_next_run_delivers_once(
        demo_server_factory, tmp_path: Path, format: str) -> None:
    """xlsx: the workbook's zip archive, left open by the failed save, was closed by the
    garbage collector into the already closed temporary file, and the run printed
    'Exception ignored ... Traceback' (three of them) under its OCX554."""
    server: DemoServer = demo_server_factory(size=300)
    out, clean = tmp_path / "out", tmp_path / "clean"
    out.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8k", "tmpfs", str(out)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    spec, reference = tmp_path / "spec.ocx", tmp_path / "clean.ocx"
    spec.write_text(SPEC.format(format=format, directory=out))
    reference.write_text(SPEC.format(format="csv", directory=clean))
    ledger = tmp_path / "ledger.sqlite"
    try:
        failed = _run(spec, ledger, server)
    finally:
        subprocess.run(["umount", str(out)], check=True)
    assert failed.returncode == 1, failed.stderr
    assert "error[OCX554]" in failed.stderr and "No space left on device" in failed.stderr
    assert "Traceback" not in failed.stderr and "Exception ignored" not in failed.stderr
    assert not has_state(ledger) and not pending(ledger)
    again = _run(spec, ledger, server)  # the folder beneath the tmpfs: room enough
    assert again.returncode == 0, again.stderr
    assert _run(reference, tmp_path / "clean.sqlite", server).returncode == 0
    delivered = _sessions(out / f"20250601T000000Z.{format}")
    expected = _sessions(clean / "20250601T000000Z.csv")
    assert len(expected) > 100
    assert sorted(delivered) == sorted(expected) and len(set(delivered)) == len(delivered)
    assert not [path for path in out.iterdir() if path.name.endswith(".partial")]


@pytest.mark.skipif(os.geteuid() != 0, reason="mounts a small tmpfs")
def test_a_full_temporary_directory_under_a_sheet_names_that_directory(
        demo_server_factory, tmp_path: Path, snapshot) -> None:
    """openpyxl streams a sheet's rows into a temporary file before it zips the workbook:
    a full temporary directory (another disk than the output's) was told as the output,
    'OCX554 cannot write `out/x.xlsx`: No space left on device', with the help to free
    space on the disk that holds `out`, which had room. It is the scratch space's
    (OCX559, naming the temporary directory), nothing is left in either folder, and the
    next run with room delivers every session once."""
    server: DemoServer = demo_server_factory(size=4000)  # a sheet of 1,300 rows: 96k is short
    out, scratch, clean = tmp_path / "out", tmp_path / "scratch", tmp_path / "clean"
    scratch.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", str(scratch)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    spec, reference = tmp_path / "spec.ocx", tmp_path / "clean.ocx"
    spec.write_text(SPEC.format(format="xlsx", directory=out))
    reference.write_text(SPEC.format(format="csv", directory=clean))
    ledger = tmp_path / "ledger.sqlite"
    try:
        failed = _run(spec, ledger, server, TMPDIR=str(scratch))
        left = sorted(path.name for path in scratch.iterdir())
    finally:
        subprocess.run(["umount", str(scratch)], check=True)
    assert failed.returncode == 1, failed.stderr
    assert failed.stderr.replace(str(tmp_path), "<tmp>") == snapshot
    assert left == [] and sorted(out.iterdir()) == []
    assert not has_state(ledger) and not pending(ledger)
    again = _run(spec, ledger, server, TMPDIR=str(scratch))
    assert again.returncode == 0, again.stderr
    assert _run(reference, tmp_path / "clean.sqlite", server).returncode == 0
    delivered = _sessions(out / "20250601T000000Z.xlsx")
    expected = _sessions(clean / "20250601T000000Z.csv")
    assert len(expected) > 1000
    assert sorted(delivered) == sorted(expected) and len(set(delivered)) == len(delivered)
    assert sorted(scratch.iterdir()) == []
