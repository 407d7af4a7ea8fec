"""An energy regulator wants the public sites of two platforms, one on OCPI 2.1.1 and
one on 2.3.0, in one table. A newcomer writes a second `source`; the check says a spec
reads one platform and what to write instead, and the two specs it leads to load into
one SQLite table with the same columns, checked against `ocpispec get` of each."""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from consumer_runs import published, run_spec
from fixtures_cli import cli_block

from ocpispec.demo import DemoServer

HEADER = '''export regulator_sites
  consumer "ACM, energy regulator"
  purpose "Register of public charge points across platforms"
  legal basis legal obligation
  retention 5 years

'''
SOURCE = "source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version {version}\n"
DATASET = '''
from locations
  where publish = true
select
  constant("{version}") as ocpi_version
  id
  city
  jmespath("length(evses || `[]`)") as evses
output csv to "exports/regulator-{version}.csv"
'''


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, DemoServer]]:
    with DemoServer(version="2.1.1", size=20) as old, DemoServer(version="2.3.0", size=20) as new:
        yield {"2.1.1": old, "2.3.0": new}


def test_a_second_source_says_a_spec_reads_one_platform(run_cli, tmp_path: Path,
                                                        snapshot) -> None:
    """It was 'expected one of `from`, `ocpi`, ... found `source`', with the help to
    write one of those: nothing said that a second platform is a second spec."""
    spec = tmp_path / "regulator.ocx"
    spec.write_text(HEADER + SOURCE.format(version="2.1.1")
                    + SOURCE.format(version="2.3.0").replace("env OCPI_", "env OCPI_B_")
                    + DATASET.format(version="2.1.1"))
    done = run_cli("check", str(spec))
    assert done.exit_code == 1
    assert cli_block(done, tmp=tmp_path) == snapshot


def test_a_spec_per_platform_loads_as_one_table(run_cli, servers: dict[str, DemoServer],
                                               tmp_path: Path) -> None:
    database = sqlite3.connect(":memory:")
    database.execute("create table sites (ocpi_version text, id text, city text, evses integer)")
    for version, server in servers.items():
        spec = tmp_path / f"regulator_{version}.ocx"
        spec.write_text(HEADER.replace("regulator_sites", f"regulator_sites_{version[0]}"
                                       f"{version[2]}") + SOURCE.format(version=version)
                        + DATASET.format(version=version))
        out = tmp_path / f"sites-{version}.csv"
        run_spec(run_cli, spec, server, out)
        with out.open(newline="", encoding="utf-8") as file:
            reader = csv.DictReader(file)
            assert reader.fieldnames == ["ocpi_version", "id", "city", "evses"]
            database.executemany("insert into sites values (?, ?, ?, ?)",
                                 [(row["ocpi_version"], row["id"], row["city"],
                                   int(row["evses"])) for row in reader])
        sites = published(run_cli, server)
        assert dict(database.execute("select id, evses from sites where ocpi_version = ?",
                                     (version,))) == {
            site_id: len(site.get("evses", [])) for site_id, site in sites.items()}
        assert dict(database.execute("select id, city from sites where ocpi_version = ?",
                                     (version,))) == {
            site_id: site["city"] for site_id, site in sites.items()}
    assert {row[0] for row in database.execute("select ocpi_version from sites")} == set(servers)
