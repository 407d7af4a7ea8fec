"""`run --workers 1` reads each page whole, with the function a worker process runs
(`execute.pages_here`): the same bytes and counts as a small sample, which is still
read record by record (the transport's decoding, the crawl's accept per object, the
pipeline per record, the writer rendering each row), also when the platform sends
invalid, duplicate, late, loosely stamped and unreadable objects, and when several
pages are fetched at a time (the page work runs in the fetching threads, one page at
a time)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_run_e2e import profile_for, run_record, run_spec  # noqa: F401 (fixtures)
from test_workers import MIXED, SPECS

from ocpispec.demo import Faults

# what a sample's run record says otherwise: the sample itself, and the checks a run
# read to the window's end makes (the list's tail, the records stamped ahead)
_COMPARED = ("read", "written", "duplicates_dropped", "excluded_private", "filtered",
             "invalid", "invalid_reasons", "join_misses", "unknown_fields")


def _said(tmp_path: Path) -> dict:
    dataset = run_record(tmp_path)["datasets"][0]
    counts = dataset["counts"]
    return {key: counts[key] for key in _COMPARED if key in counts} | {
        "risk": dataset.get("risk")}


# another format: its rows are not rendered beside, and travel as rows into the sort
NDJSON = SPECS["rows"].replace('output csv to "sessions.csv"', 'output ndjson to "sessions.ndjson"')
assert NDJSON != SPECS["rows"]


@pytest.mark.parametrize(("spec", "faults"), [
    ("rows", MIXED), ("rows", Faults(bad_utf8_object=True)), ("k_rows", MIXED),
    ("groups", MIXED), ("ndjson", MIXED)],
    ids=["rows-mixed", "rows-bad_utf8", "k_rows-mixed", "groups-mixed", "ndjson-mixed"])
def test_whole_pages_in_one_process_match_the_records_one_by_one(
        run_spec, profile_for, demo_server_factory, tmp_path: Path, spec: str,
        faults: Faults, monkeypatch: pytest.MonkeyPatch) -> None:
    from ocpispec.execute import workers

    read_whole: list[int] = []     # pages read by a worker's function, in this process
    prepare_page = workers.prepare_page
    monkeypatch.setattr(workers, "prepare_page", lambda *args: read_whole.append(1) or
                        prepare_page(*args))
    server = demo_server_factory(version="2.2.1", size=600, max_page_size=50, faults=faults)
    profile_for("cpo_production", server)
    outcomes = {}
    for label, extra in (("whole", ()), ("one-by-one", ("--limit", "5000"))):
        read_whole.clear()
        result = run_spec(NDJSON if spec == "ndjson" else SPECS[spec], server, "-q",
                          "--allow-invalid", "100%", "--page-size", "50", "--concurrency", "4",
                          "--workers", "1", "--as-of", "2025-07-01T00:00:00Z", *extra, out=label)
        assert result.exit_code == 0, result.stderr
        outcomes[label] = ((tmp_path / label).read_bytes(), _said(tmp_path), len(read_whole))
    assert outcomes["whole"][2] >= 3 and outcomes["one-by-one"][2] == 0
    assert outcomes["whole"][0] == outcomes["one-by-one"][0]
    whole, single = outcomes["whole"][1], outcomes["one-by-one"][1]
    assert {k: v for k, v in whole.items() if k != "risk"} == \
        {k: v for k, v in single.items() if k != "risk"}
    assert whole["written"] and whole["invalid"] and whole["read"] > whole["written"]
    if spec != "k_rows":    # a sample's k rule is not enforced as a limit
        assert whole["risk"] == single["risk"]
