"""`run --workers 2` of a CSV row export takes a page the workers read clean as a
whole (`ocpi.row_pages`): the parent's dedup, window, counts, risk meter and sort
take it in a few calls, not an object at a time. The file, the counts and the risk
figures are those of `--workers 1`, also where the dedup or the window keeps only
part of such a page (a platform repeating objects, one ignoring the date filters)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_run_e2e import run_record, run_spec  # noqa: F401 (fixtures)
from test_workers import SPECS, _counts

from ocpispec.demo import Faults
from ocpispec.execute.workers import available

pytestmark = pytest.mark.skipif(not available(), reason="needs fork")


@pytest.mark.parametrize("faults", [Faults(), Faults(duplicate_objects=True),
                                    Faults(ignore_date_filters=True)],
                         ids=["clean", "repeats", "unfiltered"])
def test_the_parent_takes_clean_pages_whole(run_spec, demo_server_factory, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            faults: Faults) -> None:
    from ocpispec.ocpi import crawl

    one_by_one: list[int] = []  # objects the parent's dedup took one at a time
    accept = crawl.accept_prepared
    monkeypatch.setattr(crawl, "accept_prepared", lambda items, *rest, **named: (
        one_by_one.append(len(items)), accept(items, *rest, **named))[1])
    server = demo_server_factory(version="2.2.1", size=600, max_page_size=50, faults=faults)
    outcomes = {}
    for workers in ("1", "2"):
        one_by_one.clear()
        result = run_spec(SPECS["rows"], server, "-q", "--allow-invalid", "100%",
                          "--page-size", "50", "--workers", workers,
                          "--as-of", "2025-07-01T00:00:00Z", out=f"w{workers}")
        assert result.exit_code == 0, result.stderr
        outcomes[workers] = ((tmp_path / f"w{workers}").read_bytes(), _counts(tmp_path),
                             sum(one_by_one))
    assert outcomes["2"][:2] == outcomes["1"][:2]
    counts = outcomes["2"][1]["datasets"][0]["counts"]
    assert counts["written"] > 20 and counts["excluded_private"] and counts["filtered"]
    assert outcomes["2"][1]["datasets"][0]["risk"]["figures"]["rows"] == counts["written"]
    if faults == Faults(duplicate_objects=True):
        assert counts["duplicates_dropped"]
    if faults == Faults(ignore_date_filters=True):
        assert counts["outside_window"]
    assert outcomes["2"][2] == 0
