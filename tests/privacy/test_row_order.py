"""The order of a row export's rows tells nothing the released values do not.

A platform lists records by `last_updated`, so rows written in the order they came are
in the order of each session's hidden end time: a row whose start was cut to the day
(or recoded to a week by a k rule) sits between the rows of the hour it happened in,
and its position gives that hour back. Without `order by`, rows are released sorted by
their own values, so the file is the same whatever order the platform sends."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocpispec.demo import DemoServer
from ocpispec.demo.faults import Faults

SPEC = '''export row_order
  consumer "Test consumer"
  purpose "End-to-end tests of the order of released rows"
  legal basis public task "test"
  retention 1 months
  pseudonym key env ROW_ORDER_KEY
  pseudonym scope per run
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
  join locations on location_id
select
  truncate(start_date_time, day) as started_day
  round(kwh, 0) as energy_kwh
  prefix(location.postal_code, 2) as area
  RULE
output csv to "out.csv"
'''
KEY = "ZmFjZTk2YjctMWE3Yy00ZDM4LWI2NzAtYzU5N2Q0M2E4ZGI0X3Jvd19vcmRlcg"


def _rows(run_cli, server: DemoServer, folder: Path, rule: str) -> list[str]:
    folder.mkdir()
    (folder / "spec.ocx").write_text(SPEC.replace("RULE", rule))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "ROW_ORDER_KEY": KEY}
    result = run_cli("run", str(folder / "spec.ocx"), "--out", str(folder / "out.csv"),
                     "--state", str(folder / "state.json"), env=env)
    assert result.exit_code == 0, result.stderr
    return (folder / "out.csv").read_text().splitlines()


def _key(line: str) -> tuple:
    day, energy, area = line.split(",")
    return (day, float(energy) if energy else float("inf"), area)


@pytest.mark.parametrize("rule", ["", "require k 2 over (started_day, area) suppression limit 100%"],
                         ids=["rows", "k-rule"])
def test_rows_come_in_the_order_of_their_values_not_the_platforms(
        run_cli, demo_server: DemoServer, demo_server_factory, tmp_path: Path,
        rule: str) -> None:
    shuffled = demo_server_factory(version="2.2.1", size=300, max_page_size=100,
                                   faults=Faults(unstable_order=True))
    listed = _rows(run_cli, demo_server, tmp_path / "listed", rule)
    header, *rows = listed
    assert header == "started_day,energy_kwh,area"
    assert len(rows) > 50
    assert rows == sorted(rows, key=_key)
    assert _rows(run_cli, shuffled, tmp_path / "shuffled", rule) == listed
