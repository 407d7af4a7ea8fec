"""An accessibility NGO's export of public sites with their facilities and parking
restrictions (lists of enums, released joined into one text as OCX209's help writes),
read with the csv module and checked against `ocpispec get` of the demo CPO."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from consumer_runs import published, run_spec

from ocpispec.demo import DemoServer

ACCESSIBLE_SITES = '''export accessible_sites
  consumer "Stichting Toegankelijk Laden"
  purpose "Map charging sites usable by disabled drivers"
  legal basis legitimate interests
  retention 1 year
  licence "CC-BY-4.0"

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version auto

from locations
  where publish = true
select
  id
  city
  parking_type
  jmespath("join(',', facilities || `[]`)") as facilities
  jmespath("join(',', evses[].parking_restrictions[] || `[]`)") as parking_restrictions
output csv to "exports/accessible-sites.csv"
'''


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(version="2.3.0", size=50) as started:
        yield started


def test_a_list_the_platform_never_fills_is_named_as_an_empty_column(
        run_cli, server: DemoServer, tmp_path: Path) -> None:
    """The demo CPO, like many platforms, sends no EVSE `parking_restrictions`: the
    joined text is `""` on every site, released as missing, and the NGO got a column of
    blanks it would take for 'no restrictions anywhere' while the run said nothing (a
    column of nulls was named; one of empty texts was counted as filled). The run now
    names it; `facilities`, which some sites have, is not named."""
    spec = tmp_path / "accessible.ocx"
    spec.write_text(ACCESSIBLE_SITES)
    out = tmp_path / "sites.csv"
    done = run_spec(run_cli, spec, server, out)
    with out.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    sites = published(run_cli, server)
    assert {row["id"] for row in rows} == set(sites)
    for row in rows:
        site = sites[row["id"]]
        assert row["city"] == site["city"]
        assert row["facilities"] == ",".join(site.get("facilities") or [])
        assert row["parking_restrictions"] == ""
        assert not any(evse.get("parking_restrictions") for evse in site.get("evses", []))
    assert any(row["facilities"] for row in rows)
    warned = [line.strip() for line in done.stderr.splitlines() if "is empty in every row" in line]
    assert warned == ["warning: column `parking_restrictions` is empty in every row: no record read "
                      "gave it a value (it reads `evses.parking_restrictions`, which the "
                      "platform leaves out)"]
