"""A whole number beyond what readers hold from the platform (`"max_electric_power":
10000000000000000000`, garbage in a power field) failed a Parquet export with OCX592,
"a bug in ocpispec's column types", and NDJSON held numbers beyond 2^53 that JavaScript
and pandas' read_json (with a null in the column) round. Such a number is read as null
and reported with the invalid fields, as any value of the wrong type is; every typed
output then loads exactly. Runs go over HTTP to the
independent CPO."""

from __future__ import annotations

import pandas as pd

from independent_cpo import IndependentCpo
from test_datapackage import docs_json_loader

SPEC = '''export power
  consumer "Test consumer"
  purpose "Connector power"
  legal basis public task
  retention 1 year
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
'''
DATASET = '''
from locations as {name}
  each evses as evse
  each evse.connectors as connector
select
  id as location_id
  connector.id as connector
  connector.max_electric_power as power_w
output {output}
'''
LARGEST = 2 ** 53 - 1   # the largest whole number JSON readers hold exactly


def test_a_whole_number_beyond_64_bits_is_read_as_null(run_cli, tmp_path) -> None:
    out = tmp_path / "out"
    spec = tmp_path / "power.ocx"
    spec.write_text(SPEC + DATASET.format(name="typed", output=f'parquet to "{out}/x.parquet"')
                    + DATASET.format(name="lines", output=f'ndjson to "{out}/x.ndjson"'))
    with IndependentCpo("2.2.1", records=4) as cpo:
        connectors = [connector for location in cpo.lists["locations"]
                      for evse in location.get("evses", []) for connector in evse["connectors"]]
        assert len(connectors) >= 2
        for n, connector in enumerate(connectors):
            connector["max_electric_power"] = 10 ** 19 if n % 2 else LARGEST
        done = run_cli("run", str(spec), "--as-of", "2026-02-01T00:00:00Z", env={
            "OCPI_VERSIONS_URL": cpo.versions_url, "OCPI_TOKEN": cpo.token})
    assert done.exit_code == 0, done.output
    assert "locations.evses.connectors.max_electric_power (beyond ±(2^53 - 1))" in done.stderr
    typed = pd.read_parquet(out / "x.parquet", dtype_backend="numpy_nullable")
    lines = docs_json_loader()(str(out / "x.ndjson.datapackage.json"))
    for frame in (typed, lines):
        assert str(frame["power_w"].dtype) == "Int64"
        assert set(frame["power_w"].dropna()) == {LARGEST} and frame["power_w"].isna().any()
