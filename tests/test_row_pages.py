"""`run --workers 2` of a CSV row export takes a page the workers read clean as a
whole (`ocpi.row_pages`): the parent's dedup, window, counts, risk meter and sort
take it in a few calls, not an object at a time. The file, the counts and the risk
figures are those of `--workers 1`, also where the dedup or the window keeps only
part of such a page (a platform repeating objects, one ignoring the date filters)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
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


# what `fitting_row_page` is handed for each object, from its id's last digit: the row
# made (or excluded, filtered, invalid, missing a join), its line (or None: sent pickled)
_OUTCOMES = st.lists(st.sampled_from(["row", "row", "excluded", "filtered", "invalid", "missed",
                                      "no line", "short part"]), min_size=0, max_size=30)


@settings(max_examples=200, deadline=None)
@given(_OUTCOMES, st.booleans(), st.sampled_from([None, "2025-01-01T10:00:00.5Z", 7]))
def test_a_fitting_page_is_made_whole_as_its_items_would_make_it(
        outcomes: list[str], measured: bool, odd_stamp: Any) -> None:
    """A worker builds the columns of a page that fits the strict types in one pass
    (`fitting_row_page`): the same `RowPage` as `row_page` makes of the objects' items
    (`workers._item`), and None wherever that is None (then the items go back)."""
    from ocpispec.demo import charges
    from ocpispec.demo.world import World
    from ocpispec.execute import workers
    from ocpispec.execute.pipeline import Counts
    from ocpispec.ocpi.accept import clean_judge, clean_key
    from ocpispec.ocpi.objects import ObjectCheck
    from ocpispec.ocpi.row_pages import fitting_row_page, row_page

    world = World(3, 40)
    objects = [orjson.loads(orjson.dumps(charges.session("2.2.1", world.charge(i))))
               for i in range(len(outcomes))]
    if odd_stamp is not None and objects:
        objects[len(objects) // 2]["last_updated"] = odd_stamp
    counts = Counts()
    told = {id(obj): outcome for obj, outcome in zip(objects, outcomes, strict=True)}

    def record(obj: dict) -> dict | None:
        match told[id(obj)]:
            case "excluded":
                counts.excluded_private += 1
            case "filtered":
                counts.filtered += 1
            case "invalid":
                counts.invalid["unexpected value type in a transformation"] += 1
            case "missed":
                counts.join_misses["site"] += 1
                return {"id": obj["id"], "line": True}
            case _:
                return {"id": obj["id"], "line": told[id(obj)] != "no line"}
        return None

    def beside(obj: dict, row: dict) -> tuple[bytes, bytes | None]:
        width = 31 if told[id(obj)] == "short part" else 32
        return b"m" * width, b"p" * 40

    def keyed(row: dict) -> tuple[bytes, tuple[str, int] | None]:
        return row["id"].encode(), (f"{row['id']}\r\n", 3) if row["line"] else None

    check = ObjectCheck("2.2.1", "sessions", None)
    workers._STATE = (check, record, counts, beside if measured else None, clean_judge(check),
                      lambda row: b"", lambda row: None)
    workers._KEY, workers._KEYED = clean_key(check), keyed
    try:
        whole = fitting_row_page(objects, workers._KEY, record, counts,
                                 beside if measured else None, keyed)
        items = [workers._item(obj, False, None, True) for obj in objects]
        made = row_page(items, measured)
    finally:
        workers._STATE = workers._KEY = workers._KEYED = None
    assert (whole is None) == (made is None)
    if made is not None:
        assert list(whole) == list(made)
        assert {name: getattr(whole, name) for name in made.__slots__} == \
            {name: getattr(made, name) for name in made.__slots__}
