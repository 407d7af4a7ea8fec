"""A municipality's uptime report (tests/specs/consumers/municipality_uptime.ocx): per
city the public EVSEs in service and the share available, charging or out of order, at
each hourly run, from the locations module alone. The file is checked by hand against
`ocpispec get locations` of the same demo CPO on 2.1.1, 2.2.1 and 2.3.0."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest

from consumer_runs import half_up, published, read_csv, run_spec
from fixtures_cli import REPO
from ocpispec.demo import DemoServer

SPEC = REPO / "tests" / "specs" / "consumers" / "municipality_uptime.ocx"


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3.0"])
def test_the_shares_per_city_are_those_of_the_published_evses(version: str, run_cli,
                                                              tmp_path: Path) -> None:
    with DemoServer(version=version, size=2000) as server:
        out = tmp_path / "uptime.csv"
        run_spec(run_cli, SPEC, server, out)
        sites = published(run_cli, server)
    statuses: dict[str, Counter] = defaultdict(Counter)
    for site in sites.values():
        for evse in site.get("evses", ()):
            statuses[site["city"]][evse["status"]] += 1
    rows = read_csv(out)
    assert [row["city"] for row in rows] == sorted(statuses)
    for row in rows:
        seen = statuses[row["city"]]
        in_service = sum(seen.values()) - seen["REMOVED"]
        assert int(row["evses_in_service"]) == in_service

        def share(*names: str, seen: Counter = seen, whole: int = in_service) -> float:
            return half_up(100 * sum(seen[name] for name in names) / whole, 1)

        assert float(row["available_pct"]) == share("AVAILABLE")
        assert float(row["charging_pct"]) == share("CHARGING")
        assert float(row["out_of_order_pct"]) == share("OUTOFORDER", "INOPERATIVE")


def test_the_plan_says_every_group_is_released(run_cli) -> None:
    """`minimum group size 1` (a public status count, where nobody can be singled out)
    was planned as 'drop groups of fewer than 1 records': a rule that drops nothing, in
    words that say it drops something."""
    shown = run_cli("plan", str(SPEC.relative_to(REPO))).stdout
    assert "release every group (minimum group size 1)" in shown
    assert "fewer than 1 " not in shown


@pytest.mark.parametrize("measure", [
    'count(evse.status = "AVAILABLE") as available',
    'sum(evse.status != "REMOVED") as in_service',
    'count() filter (where evse.status = "AVAILABLE") as available',
], ids=["count of a status", "sum of a status", "SQL filter"])
def test_a_status_counted_inside_the_measure_gets_a_help_that_fits_a_text(
        measure: str, run_cli, tmp_path: Path, snapshot) -> None:
    """The municipality's analyst counted the available EVSEs as SQL does,
    `count(evse.status = "AVAILABLE")`, and was told to group by `bucket(evse.status,
    [1])` (a band of numbers, of a text) or keep `where evse.status = 1` (the value lost;
    and `where` cannot read an `each` element). A text is now told to be a group of its
    own or a JMESPath test summed in each group; pasted, that checks clean."""
    import re

    text = SPEC.read_text()
    line = "  minimum group size 1\n"
    spec = tmp_path / "municipality_uptime.ocx"
    spec.write_text(text.replace(line, f"  {measure}\n{line}", 1))
    done = run_cli("check", str(spec))
    assert (done.exit_code, done.stderr.replace(str(tmp_path) + "/", "")) == snapshot
    summed = re.search(r"count them in each group with `(sum\(jmespath\(.*\)\))`$",
                       done.stderr, re.MULTILINE).group(1)
    spec.write_text(text.replace(line, f"  {summed} as counted\n{line}", 1))
    assert run_cli("check", str(spec)).exit_code == 0
