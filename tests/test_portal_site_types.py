"""An open-data portal's table of public sites as Parquet, read with pyarrow: a value
the docs tell to give a default (`max(x || \\`[0]\\`)`, a record without EVSEs) keeps
the type of the field it reads, checked against `ocpispec get` of the demo CPO."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from consumer_runs import published, run_spec

from ocpispec.demo import DemoServer

PORTAL_SITES = '''export portal_sites
  consumer "Open data portal of the province"
  purpose "Publish the public charging sites"
  legal basis public task
  retention 10 years
  licence "CC0-1.0"

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version auto

from locations
  where publish = true
select
  id
  jmespath("max(evses[].connectors[].max_electric_power || `[0]`)") as max_power_w
  jmespath("min(evses[].connectors[].max_electric_power || `[]` || `[0]`)") as min_power_w
  jmespath("opening_times.twentyfourseven || `false`") as always_open
  jmespath("max(evses[].connectors[].max_electric_power || `['none']`)") as mixed
output parquet to "exports/portal-sites.parquet"
'''


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(version="2.2.1", size=20) as started:
        yield started


def test_a_value_given_a_default_keeps_its_field_s_type(run_cli, server: DemoServer,
                                                       tmp_path: Path) -> None:
    """`max(evses[].connectors[].max_electric_power || [0])` was typed `any`: a text
    column in Parquet and text cells in XLSX (`'230000'`, which Excel neither sums nor
    sorts as a number), where the same `max` without the default is `int64`. A literal
    default of the field's type keeps the type; one of another (`['none']`) does not."""
    spec = tmp_path / "portal.ocx"
    spec.write_text(PORTAL_SITES)
    out = tmp_path / "sites.parquet"
    run_spec(run_cli, spec, server, out)
    table = pq.read_table(out)
    assert table.schema.field("max_power_w").type == pa.int64()
    assert table.schema.field("min_power_w").type == pa.int64()
    assert table.schema.field("always_open").type == pa.bool_()
    assert table.schema.field("mixed").type == pa.string()
    sites = published(run_cli, server)
    for row in table.to_pylist():
        powers = [connector["max_electric_power"] for evse in sites[row["id"]].get("evses", [])
                  for connector in evse["connectors"]]
        assert (row["max_power_w"], row["min_power_w"]) == (max(powers or [0]),
                                                            min(powers or [0]))
        assert row["always_open"] is bool(
            (sites[row["id"]].get("opening_times") or {}).get("twentyfourseven"))
