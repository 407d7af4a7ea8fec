"""A delivered file is never replaced by a different delivery (`execute/replacing.py`):
over real HTTP against the demo CPO, a run whose destination holds an earlier run's
rows of another window stops before any request, with the file and the state as they
were; the same window runs again, and files that hold no delivery are replaced."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from fixtures_cli import cli_block
from fixtures_demo import scrub
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_helpers import state_dict

from ocpispec.execute.replacing import delivered_at

KEY = "5d0c8e1a3f7b29c64e1a0d8f3b6c2e9a7f4d1b8c0e5a3f9d2b7c6e4a1f8d3b05"
AS_OF = "2026-01-01T00:00:00Z"
MID = "2025-07-01T00:00:00Z"
SPEC = '''export replace_test
  consumer "Test consumer"
  purpose "Tests that a delivered file is kept"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions {window}
select
  pseudonymize(id) as session
output csv to "{destination}"
'''


@pytest.fixture
def server(demo_server_factory):
    return demo_server_factory(version="2.2.1", size=400, max_page_size=100)


@pytest.fixture
def run(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`ocpispec run` of a spec with `window` writing to `destination`, both in tmp
    (the working directory, so the destination is written as it is)."""
    monkeypatch.chdir(tmp_path)

    def invoke(server, *args: str, window: str = "since last run",
               destination: str = "out/sessions.csv", export: str = "replace_test"):
        spec = tmp_path / f"{export}.ocx"
        spec.write_text(SPEC.format(window=window, destination=destination)
                        .replace("replace_test", export))
        env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
               "TEST_PSEUDONYM_KEY": KEY}
        return run_cli("run", str(spec), "--state", str(tmp_path / "ledger.sqlite"), *args,
                       env=env)

    return invoke


def _sessions(path: Path) -> list[str]:
    with path.open(newline="") as handle:
        return [row["session"] for row in csv.DictReader(handle)]


def test_an_incremental_run_never_replaces_the_last_delivery(run, server, tmp_path: Path,
                                                             snapshot) -> None:
    first = run(server, "--as-of", MID)
    assert first.exit_code == 0, first.output
    delivered = tmp_path / "out/sessions.csv"
    before = delivered.read_bytes()
    assert _sessions(delivered)
    state = state_dict(tmp_path / "ledger.sqlite")
    requests = len(server.request_log)

    second = run(server, "--as-of", AS_OF)
    assert second.exit_code == 1
    assert scrub(cli_block(second), tmp_path=tmp_path) == snapshot
    assert delivered.read_bytes() == before
    assert state_dict(tmp_path / "ledger.sqlite") == state
    assert len(server.request_log) == requests, "the refused run made a request"

    moved = tmp_path / "picked-up.csv"
    delivered.rename(moved)
    third = run(server, "--as-of", AS_OF)
    assert third.exit_code == 0, third.output
    everything = run(server, "--as-of", AS_OF, "--restart", "--out",
                     str(tmp_path / "all.csv"))
    assert everything.exit_code == 0, everything.output
    both = _sessions(moved) + _sessions(delivered)
    assert sorted(both) == sorted(_sessions(tmp_path / "all.csv"))
    assert len(set(both)) == len(both), "a record was delivered twice"


def test_an_incremental_run_again_at_the_same_moment_says_its_window_is_empty(run, server, tmp_path: Path,
                                                                             snapshot) -> None:
    """A `since last run` export run twice with one `--as-of` (a retried cron line, a
    backfill typed twice): the second window is empty, and OCX556 said to put
    `{run.timestamp}` in the destination, which changes nothing at one `--as-of`. It says
    the window is empty and nothing is left to deliver up to that time."""
    first = run(server, "--as-of", AS_OF, destination="out/sessions-{run.timestamp}.csv")
    assert first.exit_code == 0, first.output
    again = run(server, "--as-of", AS_OF, destination="out/sessions-{run.timestamp}.csv")
    assert again.exit_code == 1
    shown = scrub(cli_block(again), tmp_path=tmp_path)
    assert "(empty: the state already reached its end)" in shown
    assert "nothing is left to deliver up to 2026-01-01T00:00:00Z" in shown
    assert shown == snapshot


def test_a_sample_of_an_incremental_export_never_replaces_a_delivery(run, server,
                                                                    tmp_path: Path) -> None:
    assert run(server, "--as-of", MID).exit_code == 0
    before = (tmp_path / "out/sessions.csv").read_bytes()
    sample = run(server, "--as-of", AS_OF, "--limit", "3")
    assert sample.exit_code == 1 and "OCX556" in sample.stderr
    assert (tmp_path / "out/sessions.csv").read_bytes() == before


def test_the_same_window_runs_again_into_its_own_file(run, server, tmp_path: Path) -> None:
    window = "previous month"
    assert run(server, "--as-of", AS_OF, window=window).exit_code == 0
    before = (tmp_path / "out/sessions.csv").read_bytes()
    again = run(server, "--as-of", AS_OF, window=window)
    assert again.exit_code == 0, again.output
    assert (tmp_path / "out/sessions.csv").read_bytes() == before


def test_another_window_of_a_fixed_window_export_is_refused(run, server, tmp_path: Path,
                                                           snapshot) -> None:
    window = "previous month"
    assert run(server, "--as-of", AS_OF, window=window).exit_code == 0
    later = run(server, "--as-of", "2025-12-01T00:00:00Z", window=window)
    assert later.exit_code == 1 and "OCX556" in later.stderr
    assert "take the rows it delivered from its consumer" in later.stderr
    assert scrub(cli_block(later), tmp_path=tmp_path) == snapshot


def test_another_exports_delivery_is_refused(run, server, tmp_path: Path, snapshot) -> None:
    assert run(server, "--as-of", MID, export="first_export").exit_code == 0
    other = run(server, "--as-of", MID, export="second_export")
    assert other.exit_code == 1
    assert "holds a delivery of `first_export`" in other.stderr
    assert scrub(cli_block(other), tmp_path=tmp_path) == snapshot


@pytest.mark.parametrize("manifest", [None, "not json", '{"output": {"rows": 0}}', "[]",
                                      '{"output": {"rows": true}}'])
def test_a_file_that_holds_no_delivery_is_replaced(run, server, tmp_path: Path,
                                                   manifest: str | None) -> None:
    target = tmp_path / "out/sessions.csv"
    target.parent.mkdir()
    target.write_text("someone's,old,file\n")
    if manifest is not None:
        (tmp_path / "out/sessions.csv.manifest.json").write_text(manifest)
    result = run(server, "--as-of", MID)
    assert result.exit_code == 0, result.output
    assert _sessions(target)


def test_a_dry_run_is_not_refused(run, server, tmp_path: Path) -> None:
    assert run(server, "--as-of", MID).exit_code == 0
    assert run(server, "--as-of", AS_OF, "--dry-run").exit_code == 0


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(["output", "rows", "export", "name",
                                                       "dataset", "window", "start", "end"]),
                                      inner, max_size=4), max_leaves=12))
def test_any_manifest_is_read_without_an_exception(tmp_path_factory, manifest) -> None:
    folder = tmp_path_factory.mktemp("manifest")
    (folder / "x.csv").write_text("a\n")
    (folder / "x.csv.manifest.json").write_text(json.dumps(manifest))
    found = delivered_at(folder / "x.csv")
    assert found is None or found.rows > 0


def test_the_manifest_of_a_sample_says_so(run, server, tmp_path: Path) -> None:
    assert run(server, "--as-of", MID, "--limit", "3", window="previous month").exit_code == 0
    manifest = json.loads((tmp_path / "out/sessions.csv.manifest.json").read_text())
    assert manifest["sample"]["limit"] == 3 and manifest["output"]["rows"] <= 3
    assert run(server, "--as-of", MID, window="previous month").exit_code == 0
    manifest = json.loads((tmp_path / "out/sessions.csv.manifest.json").read_text())
    assert "sample" not in manifest


def test_a_sample_never_replaces_the_whole_window(run, server, tmp_path: Path,
                                                  snapshot) -> None:
    """A fixed window (`previous month`) delivered whole, then a `--limit` trial run to
    the same name: the same window, but a few of its rows; the consumer's file stays.
    A sample may replace a sample, and the whole window a sample."""
    window = "previous month"
    assert run(server, "--as-of", AS_OF, window=window).exit_code == 0
    whole = (tmp_path / "out/sessions.csv").read_bytes()
    sample = run(server, "--as-of", AS_OF, "--limit", "3", window=window)
    assert sample.exit_code == 1 and "OCX556" in sample.stderr
    assert scrub(cli_block(sample), tmp_path=tmp_path) == snapshot
    assert (tmp_path / "out/sessions.csv").read_bytes() == whole
    assert run(server, "--as-of", AS_OF, "--limit", "3", window=window,
               destination="out/sample.csv").exit_code == 0
    again = run(server, "--as-of", AS_OF, "--limit", "2", window=window,
                destination="out/sample.csv")
    assert again.exit_code == 0, again.output
    assert len(_sessions(tmp_path / "out/sample.csv")) <= 2
    assert run(server, "--as-of", AS_OF, window=window,
               destination="out/sample.csv").exit_code == 0
    assert (tmp_path / "out/sample.csv").read_bytes() == whole


@pytest.mark.parametrize("beside", ["", ".manifest.json"])
def test_a_directory_made_at_the_destination_while_the_run_fetched_is_refused_at_the_commit(
        run, server, tmp_path: Path, monkeypatch, beside, snapshot) -> None:
    """A folder made under the final name (or the manifest's) while the run fetched was
    seen only by the rename, past the commit point: 'the commit stopped half way: Is a
    directory', naming no path, and every next run failed in its recovery the same way.
    It is found at the commit, before its commit point: nothing published, the state
    unmoved, and the next run, once the folder is gone, delivers the window."""
    from ocpispec.execute import deliveries

    uploading = deliveries.upload

    def made_meanwhile(*args):  # after every page was read and staged
        (tmp_path / f"out/sessions.csv{beside}").mkdir(parents=True)
        return uploading(*args)

    monkeypatch.setattr(deliveries, "upload", made_meanwhile)
    result = run(server, "--as-of", MID)
    assert result.exit_code == 1
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [f"sessions.csv{beside}"]
    assert state_dict(tmp_path / "ledger.sqlite") is None
    monkeypatch.setattr(deliveries, "upload", uploading)
    (tmp_path / f"out/sessions.csv{beside}").rmdir()
    again = run(server, "--as-of", MID)
    assert again.exit_code == 0, again.output
    if not beside:
        assert scrub(cli_block(result), tmp_path=tmp_path) == snapshot
