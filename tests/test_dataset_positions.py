"""The state of a dataset without `as NAME` (keyed `sessions`, `sessions-2`, ... by its
place among its module's datasets) follows it when a dataset of the same module is
inserted before it or removed (`ocpispec/execute/positions.py`)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

KEY = {"TEST_PSEUDONYM_KEY": "6a1f0c9e3d7b24e8a5c1f9d0b3e6a27c4f8d1b5e9a0c3f7d2b6e4a8c1f5d9b03"}
HEADER = """export position_test
  consumer "Test consumer"
  purpose "Tests that a dataset's state follows it"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
"""
ALL = """
from sessions since last run
select round(kwh, 1) as energy_kwh
output csv to "{out}/all-{{window.end}}.csv"
"""
LONG = """
from sessions since last run
where kwh > 10
select round(kwh, 1) as energy_kwh
output csv to "{out}/long-{{window.end}}.csv"
"""


def _rows(out: Path, prefix: str) -> int:
    return sum(len(list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))))
               for path in out.glob(f"{prefix}-*.csv"))


def _starts(out: Path, prefix: str) -> list[str]:
    return sorted(json.loads(path.read_text())["window"]["start"]
                  for path in out.glob(f"{prefix}-*.csv.manifest.json"))


def test_a_dataset_inserted_before_another_neither_repeats_nor_skips(
        run_cli, demo_server_factory, tmp_path: Path) -> None:
    server = demo_server_factory(version="2.2.1", size=400)
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token, **KEY}
    out, spec = tmp_path / "out", tmp_path / "spec.ocx"

    def run(body: str, as_of: str):
        spec.write_text(HEADER + body.format(out=out))
        result = run_cli("run", str(spec), "--state", str(tmp_path / "ledger.sqlite"),
                         "--as-of", as_of, env=env)
        assert result.exit_code == 0, result.output
        return result

    run(LONG, "2025-07-01T00:00:00Z")
    both = run(ALL + LONG, "2026-01-01T00:00:00Z")  # `sessions` is the new one now
    assert "the dataset `sessions` is `sessions-2` now" in " ".join(both.stderr.split())
    reference = tmp_path / "reference"
    spec.write_text(HEADER + (ALL + LONG).format(out=reference))
    assert run_cli("run", str(spec), "--state", str(tmp_path / "reference.sqlite"),
                   "--as-of", "2026-01-01T00:00:00Z", env=env).exit_code == 0
    # the filtered dataset: each session once over its two files, as in one run
    assert _rows(out, "long") == _rows(reference, "long")
    assert _starts(out, "long") == ["1970-01-01T00:00:00Z", "2025-07-01T00:00:00Z"]
    # the new dataset: its first run starts at 1970, not at the other's watermark
    assert _starts(out, "all") == ["1970-01-01T00:00:00Z"]
    assert _rows(out, "all") == _rows(reference, "all")
    removed = run(LONG, "2026-06-01T00:00:00Z")  # `sessions-2` is `sessions` again
    assert "the dataset `sessions-2` is `sessions` now" in " ".join(removed.stderr.split())
    assert _starts(out, "long")[-1] == "2026-01-01T00:00:00Z"


def test_a_renamed_dataset_keeps_its_state(run_cli, demo_server_factory, tmp_path: Path) -> None:
    """`as long` -> `as long_sessions`, nothing else changed: the new name had no state,
    so the window started at 1970-01-01 and every session left again."""
    server = demo_server_factory(version="2.2.1", size=400)
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token, **KEY}
    out, spec = tmp_path / "out", tmp_path / "spec.ocx"
    for name, as_of in (("long", "2025-07-01T00:00:00Z"),
                        ("long_sessions", "2026-01-01T00:00:00Z")):
        spec.write_text(HEADER + LONG.replace("from sessions", f"from sessions as {name}")
                        .format(out=out))
        result = run_cli("run", str(spec), "--state", str(tmp_path / "ledger.sqlite"),
                         "--as-of", as_of, env=env)
        assert result.exit_code == 0, result.output
    assert "the dataset `long` is `long_sessions` now (renamed in the spec" in \
        " ".join(result.stderr.split())
    assert _starts(out, "long") == ["1970-01-01T00:00:00Z", "2025-07-01T00:00:00Z"]


def test_a_first_window_into_a_folder_of_earlier_deliveries_says_so(
        run_cli, demo_server_factory, tmp_path: Path) -> None:
    """A job run under another ledger (the default one lies under the current directory)
    starts at 1970 and delivers everything again without a word about why."""
    server = demo_server_factory(version="2.2.1", size=400)
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token, **KEY}
    out, spec = tmp_path / "out", tmp_path / "spec.ocx"
    spec.write_text(HEADER + LONG.format(out=out))

    def run(ledger: str, as_of: str, *args: str):
        result = run_cli("run", str(spec), "--state", str(tmp_path / ledger), "--as-of",
                         as_of, *args, env=env)
        assert result.exit_code == 0, result.output
        return " ".join(result.stderr.split())

    assert "holds its deliveries" not in run("a.sqlite", "2025-07-01T00:00:00Z")
    other = run("b.sqlite", "2025-09-01T00:00:00Z")
    assert f"`{out}` holds its deliveries up to 2025-07-01T00:00:00Z: this first window, " \
        "from 1970-01-01, delivers their records again" in other
    assert "holds its deliveries" not in run("c.sqlite", "2025-10-01T00:00:00Z", "--restart")
