"""A city's parking department wants the idle time (connected, not charging) per site and
weekday on its map (tests/specs/consumers/parking_idle_by_weekday.ocx, GeoJSON). OCPI
leaves `total_parking_time` out of a CDR without idle time, so `avg(total_parking_time)`
is the mean over the CDRs that idled, and a site where nobody idled gets an empty sum
(docs/language.md, Aggregation): the spec counts such a CDR as 0 with a default. The
file's numbers are checked by hand against `ocpispec get` of the same demo CPO."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from consumer_runs import demo_cpo, driver, dump, half_up, published, run_spec
from fixtures_cli import REPO

SPEC = REPO / "tests" / "specs" / "consumers" / "parking_idle_by_weekday.ocx"
SITE = ('  location.id as site because "the parking department acts per charging site; each '
        'row holds at least ten drivers"\n')
POINT = ('location.coordinates as coordinates because "the site is shown on the department\'s '
         'map; each row holds at least ten drivers"')
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _variant(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    text = SPEC.read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "parking.ocx"
    path.write_text(text)
    return path


def test_a_default_of_zero_is_not_a_condition_inside_the_measure(run_cli, tmp_path: Path) -> None:
    """`avg(jmespath("total_parking_time || \\`0\\`"))`, the default the docs give for a
    value a record may lack, was OCX338 "adds up the values of the records a condition
    picks out", with the help to group by the condition: the spec could not check clean.
    A default of 0 picks no record out (a sum is the same without it); another default,
    or a test of the value, still does."""
    assert run_cli("check", str(SPEC)).stderr.startswith("Success")
    for default in ("`5`", "(total_parking_time > `1` && total_parking_time) || `0`"):
        edited = _variant(tmp_path, ("total_parking_time || `0`\")), 2)",
                                     default.replace("`5`", "total_parking_time || `5`")
                                     + "\")), 2)"))
        assert "warning[OCX338]: this `avg`" in run_cli("check", str(edited)).stderr


server = demo_cpo("2.2.1", 20000)


def _cell(point: dict) -> tuple[float, float]:
    """The centre of the 0.5-degree cell `grid(..., 0.5)` puts a site in (lon, lat)."""
    return tuple(math.floor(float(point[axis]) / 0.5) * 0.5 + 0.25
                 for axis in ("longitude", "latitude"))


def test_idle_hours_per_area_and_weekday_are_the_cdrs_as_get_shows_them(
        run_cli, tmp_path: Path, server) -> None:
    """The spec per 0.5-degree cell instead of per site (cells the demo fills): each
    feature's CDRs, idle hours (a CDR without `total_parking_time` as 0) and their mean,
    from the ordinary CDRs at published sites that started in the quarter, Amsterdam
    time; a cell is released when ten drivers charged and ten idled there."""
    path = _variant(tmp_path, (SITE, ""), (POINT, "grid(location.coordinates, 0.5) as coordinates"))
    run_spec(run_cli, path, server, tmp_path / "idle.geojson")
    features = json.loads((tmp_path / "idle.geojson").read_text())["features"]
    sites = published(run_cli, server)
    cdrs: dict[tuple, list] = defaultdict(list)
    for cdr in dump(run_cli, server, "cdrs", since="2025-09-30T22:00:00Z"):
        site = sites.get(cdr["cdr_location"]["id"])
        if site is None or cdr.get("credit") or \
                not "2025-09-30T22:00:00Z" <= cdr["start_date_time"] < "2025-12-31T23:00:00Z":
            continue
        started = datetime.fromisoformat(cdr["start_date_time"]).astimezone(AMSTERDAM)
        cdrs[(*_cell(site["coordinates"]), started.strftime("%A").lower())].append(cdr)
    expected = {}
    for key, group in cdrs.items():
        idle = [cdr.get("total_parking_time", 0) for cdr in group]
        idled = {driver(cdr) for cdr in group if cdr.get("total_parking_time")} - {None}
        if len({driver(cdr) for cdr in group} - {None}) >= 10 and len(idled) >= 10:
            expected[key] = (len(group), half_up(sum(idle)), half_up(sum(idle) / len(idle), 2))
    written = {(*f["geometry"]["coordinates"], f["properties"]["weekday"]):
               (f["properties"]["cdrs"], f["properties"]["idle_hours"],
                f["properties"]["avg_idle_hours"]) for f in features}
    assert len(written) > 20 and set(written) == set(expected)
    for key, (count, hours, mean) in written.items():
        assert (count, hours) == expected[key][:2], key
        assert mean == pytest.approx(expected[key][2], abs=0.011), key
