"""A tokens census's run summary said `excluded 0 at non-public locations (why: step
privacy.public_locations ...)`, a step a tokens dataset does not have (its plan says
"`tokens` records are not tied to a location"); n3's token census found it. A tokens
dataset's summary now has no `excluded` row; the location-bound modules keep theirs."""

from __future__ import annotations

from pathlib import Path

import pytest
from consumer_runs import read_csv, run_spec

from ocpispec.demo import DemoServer

CENSUS = '''export token_census
  consumer "Mobility research institute"
  purpose "How many charge cards of each type and whitelist a platform knows"
  legal basis public task
  retention 1 year

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.2.1

from tokens
group by
  type
  whitelist
compute
  count() as tokens
  minimum group size 5
output csv to "tokens.csv"
'''


@pytest.fixture(scope="module")
def demo():
    with DemoServer(version="2.2.1", size=600) as server:
        yield server


def test_a_tokens_summary_names_no_location_step(run_cli, demo, tmp_path: Path) -> None:
    spec = tmp_path / "census.ocx"
    spec.write_text(CENSUS)
    done = run_spec(run_cli, spec, demo, tmp_path / "tokens.csv")
    rows = read_csv(tmp_path / "tokens.csv")
    assert rows and all(int(row["tokens"]) >= 5 for row in rows)
    assert "records read" in done.stderr
    assert "non-public locations" not in done.stderr
    assert "privacy.public_locations" not in done.stderr
