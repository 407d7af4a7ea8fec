"""An export renamed in its spec keeps delivering from where it was (OCX586 and
`ocpispec state rename`), against the demo CPO over HTTP."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from fixtures_demo import scrub
from ledger_helpers import state_dict

KEY = "3e9a1c7f5b2d08e64a0c9f3b7d1e52a8c6f4b09e2d7a31c5f8b0d64e9a3c7f12"
MID = "2025-07-01T00:00:00Z"
AS_OF = "2026-01-01T00:00:00Z"
SPEC = '''export {name}
  consumer "Test consumer"
  purpose "Rename tests of ocpispec"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions since last run
select
  pseudonymize(id) as session
output csv to "out.csv"
'''


@pytest.fixture
def server(demo_server_factory):
    return demo_server_factory(version="2.2.1", size=600, max_page_size=100)


@pytest.fixture
def run(run_cli, tmp_path: Path, server):
    """`ocpispec run SPEC --out OUT` with the ledger in tmp; returns (result, rows)."""

    def invoke(spec: Path, out: str, *args: str):
        target = tmp_path / out
        env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
               "TEST_PSEUDONYM_KEY": KEY}
        result = run_cli("run", str(spec), "--out", str(target), "--state",
                         str(tmp_path / "ledger.sqlite"), *args, env=env)
        rows = _rows(target) if target.exists() else None
        return result, rows

    return invoke


def _rows(path: Path) -> list[str]:
    with path.open(newline="") as handle:
        return [row["session"] for row in csv.DictReader(handle)]


def _spec(path: Path, name: str) -> Path:
    path.write_text(SPEC.format(name=name))
    return path


def _start(tmp_path: Path, out: str) -> str:
    return json.loads((tmp_path / f"{out}.manifest.json").read_text())["window"]["start"]


def test_a_renamed_export_is_refused_before_fetching(run, tmp_path: Path, snapshot) -> None:
    spec = _spec(tmp_path / "feed.ocx", "city_feed")
    assert run(spec, "a.csv", "--as-of", MID)[0].exit_code == 0
    before = state_dict(tmp_path / "ledger.sqlite", "city_feed")
    _spec(spec, "amsterdam_feed")
    result, rows = run(spec, "b.csv", "--as-of", AS_OF)
    assert result.exit_code == 1
    assert rows is None and not list(tmp_path.glob("b.csv*"))
    assert state_dict(tmp_path / "ledger.sqlite", "city_feed") == before
    assert state_dict(tmp_path / "ledger.sqlite", "amsterdam_feed") is None
    assert scrub(result.stderr, tmp_path=tmp_path) == snapshot


def test_the_moved_state_continues_where_the_old_name_stopped(run, run_cli, tmp_path: Path,
                                                               snapshot) -> None:
    spec = _spec(tmp_path / "feed.ocx", "city_feed")
    _, first = run(spec, "a.csv", "--as-of", MID)
    _spec(spec, "amsterdam_feed")
    ledger = str(tmp_path / "ledger.sqlite")
    moved = run_cli("state", "rename", "city_feed", "amsterdam_feed", "--state", ledger)
    assert moved.exit_code == 0, moved.stderr
    assert moved.stdout == snapshot
    result, second = run(spec, "b.csv", "--as-of", AS_OF)
    assert result.exit_code == 0, result.stderr
    assert _start(tmp_path, "b.csv") == MID
    _, whole = run(_spec(tmp_path / "whole.ocx", "whole"), "whole.csv", "--as-of", AS_OF)
    assert first and second and not set(first) & set(second)
    assert len(first) + len(second) == len(whole)  # pseudonyms differ per export name
    assert state_dict(tmp_path / "ledger.sqlite", "city_feed") is None


def test_a_copy_in_another_file_is_a_new_export(run, tmp_path: Path) -> None:
    assert run(_spec(tmp_path / "city.ocx", "city_feed"), "a.csv", "--as-of", MID)[0].exit_code == 0
    result, rows = run(_spec(tmp_path / "research.ocx", "research_feed"), "b.csv", "--as-of", AS_OF)
    assert result.exit_code == 0, result.stderr
    assert _start(tmp_path, "b.csv") == "1970-01-01T00:00:00Z" and rows


def test_restart_starts_a_renamed_export_over_on_purpose(run, tmp_path: Path) -> None:
    spec = _spec(tmp_path / "feed.ocx", "city_feed")
    run(spec, "a.csv", "--as-of", MID)
    _spec(spec, "amsterdam_feed")
    result, rows = run(spec, "b.csv", "--as-of", AS_OF, "--restart")
    assert result.exit_code == 0, result.stderr
    assert _start(tmp_path, "b.csv") == "1970-01-01T00:00:00Z" and rows


def test_rename_refuses_to_replace_a_state_or_to_move_none(run, run_cli, tmp_path: Path,
                                                           snapshot) -> None:
    ledger = str(tmp_path / "ledger.sqlite")
    run(_spec(tmp_path / "a.ocx", "city_feed"), "a.csv", "--as-of", MID)
    run(_spec(tmp_path / "b.ocx", "other_feed"), "b.csv", "--as-of", MID)
    taken = run_cli("state", "rename", "city_feed", "other_feed", "--state", ledger)
    missing = run_cli("state", "rename", "nobody", "city_feed", "--state", ledger)
    assert taken.exit_code == missing.exit_code == 1
    assert state_dict(tmp_path / "ledger.sqlite", "city_feed") is not None
    assert scrub(taken.stderr + missing.stderr, tmp_path=tmp_path) == snapshot


def test_a_copy_under_the_same_export_name_never_takes_the_other_s_state(
        run, tmp_path: Path, snapshot) -> None:
    """A spec copied for another consumer with its `export` line left as it was, run
    with the same ledger, continued from the first spec's watermark (its consumer never
    got the records before it) and moved it on (the first spec's next run skipped the
    records between); both exited 0."""
    first = _spec(tmp_path / "city.ocx", "city_feed")
    assert run(first, "a.csv", "--as-of", MID)[0].exit_code == 0
    before = state_dict(tmp_path / "ledger.sqlite", "city_feed")
    copy = tmp_path / "province.ocx"
    copy.write_text(first.read_text().replace("Test consumer", "Another consumer"))
    result, rows = run(copy, "b.csv", "--as-of", AS_OF)
    assert result.exit_code == 1 and "error[OCX346]" in result.stderr
    assert rows is None and not list(tmp_path.glob("b.csv*"))
    assert state_dict(tmp_path / "ledger.sqlite", "city_feed") == before
    assert scrub(result.stderr, tmp_path=tmp_path) == snapshot
    result, _ = run(first, "c.csv", "--as-of", AS_OF)  # the first spec goes on
    assert result.exit_code == 0, result.stderr
    assert _start(tmp_path, "c.csv") == MID


def test_a_moved_or_twice_checked_out_spec_keeps_its_state(run, tmp_path: Path) -> None:
    first = _spec(tmp_path / "city.ocx", "city_feed")
    assert run(first, "a.csv", "--as-of", MID)[0].exit_code == 0
    (tmp_path / "checkout").mkdir()
    twin = _spec(tmp_path / "checkout" / "city.ocx", "city_feed")  # the same text
    result, _ = run(twin, "b.csv", "--as-of", "2025-09-01T00:00:00Z")
    assert result.exit_code == 0, result.stderr
    assert _start(tmp_path, "b.csv") == MID
    moved = tmp_path / "moved.ocx"
    moved.write_text(twin.read_text().replace("Test consumer", "Test consumer, edited"))
    twin.unlink()
    first.unlink()
    result, _ = run(moved, "c.csv", "--as-of", AS_OF)
    assert result.exit_code == 0, result.stderr
    assert _start(tmp_path, "c.csv") == "2025-09-01T00:00:00Z"
