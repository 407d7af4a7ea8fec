"""A minimum, maximum, median or percentile is one record's value: a group whose
argument only a few drivers gave, or one driver most of, tells that driver's value
(adversarial review, round 11).

The minimum group size counted the drivers of a group, and a `sum` or `avg` the drivers
who gave it a value other than 0; `min`, `max`, `median` and `percentile` were under
neither. On the demo CPO, a month x two-digit postal area grouping of CDRs at a minimum of
10 released `round(median(total_parking_time), 1)` in 53 groups where fewer than ten
drivers parked at all or one driver gave most of the parking times: the figure was
theirs. Such a group is now withheld (`execute/accumulators.order_statistic_tells`), and
the plan, the run summary and the review say so."""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from ocpispec.demo import DemoServer

SPEC = '''export parking_stats
  consumer "Research desk"
  purpose "Parking times per month"
  legal basis legitimate interests
  retention 2 years
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from cdrs
group by
  truncate(start_date_time, month) as month
  prefix(cdr_location.postal_code, 2) as area
compute
  count() as charges
  round(median(total_parking_time), 1) as median_parking
  round(max(total_energy), 1) as max_energy
minimum group size 10
output csv to "{out}"
'''


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(version="2.2.1", size=3000) as started:
        yield started


def _values(run_cli) -> dict[tuple[str, str], list[tuple[str, float]]]:
    """Each group's (driver, parking time) pairs, read with `get` from the same CPO."""
    got = run_cli("get", "cdrs", "--date-to", "2026-01-01", "--privacy-pass",
                  "cdr_token.uid,total_parking_time,start_date_time,cdr_location.postal_code")
    assert got.exit_code == 0, got.stderr
    groups: dict[tuple[str, str], list[tuple[str, float]]] = defaultdict(list)
    for line in got.stdout.splitlines():
        cdr = json.loads(line)
        if cdr.get("total_parking_time") is None:
            continue
        key = (cdr["start_date_time"][:7] + "-01T00:00:00Z",
               (cdr["cdr_location"].get("postal_code") or "")[:2])
        groups[key].append((cdr["cdr_token"]["uid"], cdr["total_parking_time"]))
    return groups


def test_a_median_of_a_few_drivers_values_is_withheld(run_cli, server: DemoServer,
                                                      tmp_path: Path, snapshot) -> None:
    login = run_cli("login", server.versions_url, "--token", server.token, "--party", "NL-ABC")
    assert login.exit_code == 0, login.stderr
    out = tmp_path / "parking.csv"
    spec = tmp_path / "parking.ocx"
    spec.write_text(SPEC.format(out=out))
    done = run_cli("run", str(spec), "--profile", "default", "--as-of", "2026-01-01T00:00:00Z")
    assert done.exit_code == 0, done.stderr
    with out.open() as file:
        released = [(row["month"], row["area"]) for row in csv.DictReader(file)]
    assert released
    values = _values(run_cli)
    for key in released:
        by_driver = Counter(driver for driver, _ in values[key])
        # ten drivers or more gave the median its values, and none most of them
        assert len(by_driver) >= 10 and max(by_driver.values()) * 2 <= len(values[key]), key
    groups = next(line for line in done.stderr.splitlines() if line.startswith("    groups"))
    assert "would be one driver's value" in groups, groups
    plan = run_cli("plan", str(spec))
    assert "`median_parking` or `max_energy` would be one driver's value" in \
        " ".join(plan.output.split()), plan.output
    assert " ".join(groups.split()) == snapshot
    review = run_cli("review", str(spec), "--format", "markdown")
    assert review.exit_code == 0, review.output
    assert "withheld as a minimum, maximum, median or percentile would be one driver's " \
        "value" in " ".join(review.output.split()), review.output
