"""Parquet output: typed columns a consumer loads in pandas, written a row group at a
time, with each column's description and treatment. Runs go over real HTTP against
the demo CPO on 127.0.0.1."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ocpispec.demo import DemoServer
from ocpispec.formats.fields import TypedField
from ocpispec.render import parquet
from test_outputs import HEADER, KEY, manifest

AS_OF = "2026-01-01T00:00:00Z"
AGGREGATE = HEADER.split("from sessions")[0] + '''from sessions
  join locations on location_id
group by
  prefix(location.postal_code, 1) as district
  truncate(start_date_time, year) as year
compute
  count() as sessions
  sum(kwh) as energy_kwh
minimum group size 10
'''


@pytest.fixture(scope="module")
def server():
    with DemoServer(version="2.2.1", size=150, max_page_size=50) as demo:
        yield demo


@pytest.fixture
def run(run_cli, tmp_path: Path, server):
    def invoke(spec: str, *args: str):
        path = tmp_path / "spec.ocx"
        path.write_text(spec.replace("OUT/", f"{tmp_path}/out/"))
        env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
               "OUTPUT_TEST_KEY": KEY}
        return run_cli("run", str(path), "--state", str(tmp_path / "state.json"), "--as-of",
                       AS_OF, *args, env=env)

    return invoke


def test_pandas_loads_the_declared_types_and_the_values_of_the_csv(run, tmp_path) -> None:
    assert run(HEADER + 'output csv to "OUT/x.csv"\n').exit_code == 0
    result = run(HEADER + 'output parquet to "OUT/x.parquet"\n')
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(tmp_path / "out" / "x.parquet", dtype_backend="numpy_nullable")
    assert {name: str(dtype) for name, dtype in frame.dtypes.items()} == {
        "driver": "string", "started": "datetime64[us, UTC]", "energy_kwh": "Float64",
        "minutes": "Int64", "area": "string", "published": "boolean"}
    text = (tmp_path / "out" / "x.csv").read_text()
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == len(frame) > 100
    for row, (_, typed) in zip(rows, frame.iterrows()):
        assert typed["driver"] == row["driver"] and len(row["driver"]) == 32
        assert typed["started"] == pd.Timestamp(row["started"])
        assert typed["area"] == row["area"]  # text: a leading zero stays
        assert typed["published"] == (row["published"] == "true")
        if row["energy_kwh"]:
            assert typed["energy_kwh"] == float(row["energy_kwh"])
        if row["minutes"]:
            assert typed["minutes"] == int(row["minutes"])
        else:
            assert pd.isna(typed["minutes"])


def test_columns_carry_description_and_treatment(run, tmp_path) -> None:
    assert run(HEADER + 'output parquet to "OUT/x.parquet"\n').exit_code == 0
    path = tmp_path / "out" / "x.parquet"
    schema = pq.read_schema(path)
    started = {k.decode(): v.decode() for k, v in schema.field("started").metadata.items()}
    assert started["description"].endswith("; cut to the hour, UTC")
    assert started["treatment"] == "generalised" and started["sources"] == "start_date_time"
    driver = {k.decode(): v.decode() for k, v in schema.field("driver").metadata.items()}
    assert driver["treatment"] == "pseudonymised"
    assert driver["format"] == "32 lowercase hex characters"
    header = json.loads(schema.metadata[b"ocpispec"])
    assert header["export"]["consumer"] == "Test consumer"
    assert schema.names == ["driver", "started", "energy_kwh", "minutes", "area", "published"]
    assert manifest(path)["output"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_aggregate_as_parquet(run, tmp_path) -> None:
    result = run(AGGREGATE + 'output parquet to "OUT/a.parquet"\n')
    assert result.exit_code == 0, result.output
    table = pq.read_table(tmp_path / "out" / "a.parquet")
    assert table.schema.field("sessions").type == pa.int64()
    assert table.schema.field("energy_kwh").type == pa.float64()
    assert table.schema.field("year").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("district").type == pa.string()
    assert table.num_rows > 0 and min(table.column("sessions").to_pylist()) >= 10


def test_rows_stream_into_row_groups(tmp_path) -> None:
    fields = [TypedField("n", "integer", "a number", "kept", ("kwh",), "public"),
              TypedField("at", "datetime", "a time", "generalised", ("t",), "quasi-identifier")]
    rows = ({"n": i, "at": f"2026-01-01T{i % 24:02d}:00:00Z"} for i in range(35))
    path = tmp_path / "x.parquet"
    with path.open("wb") as sink:
        assert parquet.write_parquet(rows, fields, sink, {}, row_group_rows=10) == 35
    file = pq.ParquetFile(path)
    assert file.metadata.num_row_groups == 4
    assert file.read().column("n").to_pylist() == list(range(35))


def test_an_empty_output_is_a_valid_file_with_its_schema(tmp_path) -> None:
    path = tmp_path / "x.parquet"
    with path.open("wb") as sink:
        parquet.write_parquet(iter(()), [TypedField("n", "integer", "", "kept", (), "public")],
                              sink, {})
    assert pq.read_table(path).num_rows == 0
    assert pq.read_schema(path).field("n").type == pa.int64()


def test_a_value_that_does_not_fit_names_the_column_not_the_value(tmp_path) -> None:
    fields = [TypedField("minutes", "integer", "", "derived", (), "quasi-identifier")]
    with (tmp_path / "x.parquet").open("wb") as sink, \
            pytest.raises(parquet.ParquetError) as caught:
        parquet.write_parquet([{"minutes": 12.75}], fields, sink, {})
    assert "`minutes`" in str(caught.value) and "12.75" not in str(caught.value)


def test_parquet_is_written_without_pyarrow(run_cli, tmp_path, server) -> None:
    """ocpispec writes Parquet itself: a run in a process where pyarrow cannot be
    imported writes the file (OCX591 is no longer raised), and pyarrow reads it."""
    spec = tmp_path / "spec.ocx"
    spec.write_text(HEADER.replace("OUT/", f"{tmp_path}/out/")
                    + f'output parquet to "{tmp_path}/out/x.parquet"\n')
    script = (
        "import sys\n"
        "class NoArrow:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('pyarrow', 'pandas', 'numpy'):\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, NoArrow())\n"
        "from ocpispec.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:], standalone_mode=False)\n"
        "finally:\n"
        "    assert 'pyarrow' not in sys.modules\n")
    env = {**os.environ, "OCPI_VERSIONS_URL": server.versions_url,
           "OCPI_TOKEN": server.token, "OUTPUT_TEST_KEY": KEY}
    done = subprocess.run([sys.executable, "-c", script, "run", str(spec), "--state",
                           str(tmp_path / "state.json"), "--as-of", AS_OF],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OCX591" not in done.stdout + done.stderr
    assert pq.read_table(tmp_path / "out" / "x.parquet").num_rows > 100


def test_parquet_cannot_be_compressed_again(run_cli, tmp_path) -> None:
    spec = tmp_path / "spec.ocx"
    spec.write_text(HEADER + 'output parquet to "exports/x.parquet.zst"\n')
    result = run_cli("check", str(spec))
    assert result.exit_code == 1 and "OCX418" in result.output
