"""The data package beside every output: valid for the `frictionless` library, loads in
pandas with its declared types (the docs' own code), and says nothing but what the
columns are. Runs go over real HTTP against the demo CPO on 127.0.0.1."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from fixtures_cli import REPO
from ocpispec.demo import DemoServer
from test_outputs import HEADER, KEY, manifest

AS_OF = "2026-01-01T00:00:00Z"
LICENSED = HEADER.replace("  retention 1 months\n",
                          '  retention 1 months\n  licence "CC-BY-4.0"\n')


@pytest.fixture(scope="module")
def server():
    with DemoServer(version="2.2.1", size=120, max_page_size=50) as demo:
        yield demo


@pytest.fixture
def run(run_cli, tmp_path: Path, server):
    def invoke(output: str, *args: str, spec: str = LICENSED):
        path = tmp_path / "spec.ocx"
        path.write_text(spec + output.replace("OUT/", f"{tmp_path}/out/") + "\n")
        env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
               "OUTPUT_TEST_KEY": KEY}
        result = run_cli("run", str(path), "--state", str(tmp_path / "state.json"),
                         "--as-of", AS_OF, *args, env=env)
        assert result.exit_code == 0, result.output
        return result

    return invoke


def package(path: Path) -> dict:
    return json.loads(path.with_name(path.name + ".datapackage.json").read_text())


def docs_loader():
    """The pandas loader docs/outputs.md shows, run as the docs print it."""
    text = (REPO / "docs" / "outputs.md").read_text()
    block = text.split("<!-- load-csv-with-package -->\n```python\n", 1)[1].split("```", 1)[0]
    code = block.split("\nsessions = ", 1)[0]
    namespace: dict = {}
    exec(compile(code, "docs/outputs.md", "exec"), namespace)  # noqa: S102
    return namespace["read_package_csv"]


def docs_json_loader():
    """The NDJSON/JSON loader docs/outputs.md shows, run as the docs print it, after the
    CSV block it takes `PANDAS_TYPES` and the imports from."""
    text = (REPO / "docs" / "outputs.md").read_text()
    csv_block = text.split("<!-- load-csv-with-package -->\n```python\n", 1)[1].split("```", 1)[0]
    block = text.split("<!-- load-json-with-package -->\n```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(csv_block.split("\nsessions = ", 1)[0], "docs/outputs.md", "exec"), namespace)  # noqa: S102
    exec(compile(block.split("\ncdrs = ", 1)[0], "docs/outputs.md", "exec"), namespace)  # noqa: S102
    return namespace["read_package_json"]


TYPED = {"driver": "string", "started": "datetime64[us, UTC]", "energy_kwh": "Float64",
         "minutes": "Int64", "area": "string", "published": "boolean"}


@pytest.mark.parametrize("name, output", [("x.ndjson", "ndjson"), ("x.ndjson.gz", "ndjson"),
                                          ("x.json", "json")])
def test_pandas_loads_json_with_its_declared_types(run, tmp_path, name, output) -> None:
    """Plain `read_json` makes the text postal areas numbers and leaves timestamps text;
    the documented loader gives the frame the Parquet file of the same rows gives."""
    run(f'output {output} to "OUT/{name}"')
    run('output parquet to "OUT/typed.parquet"')
    plain = pd.read_json(tmp_path / "out" / name, lines=output == "ndjson")
    assert str(plain.area.dtype) != "string" and str(plain.started.dtype) != TYPED["started"]
    frame = docs_json_loader()(str(tmp_path / "out" / f"{name}.datapackage.json"))
    typed = pd.read_parquet(tmp_path / "out" / "typed.parquet", dtype_backend="numpy_nullable")
    assert {n: str(t) for n, t in frame.dtypes.items()} == TYPED
    pd.testing.assert_frame_equal(frame, typed, check_dtype=False)


@pytest.mark.parametrize("name, output", [("x.ndjson", "ndjson"), ("x.json", "json")])
def test_an_empty_json_output_loads_with_its_columns(run, tmp_path, name, output) -> None:
    empty = LICENSED.replace("from sessions\n", "from sessions\n  where kwh > 1000000\n")
    run(f'output {output} to "OUT/{name}"', spec=empty)
    frame = docs_json_loader()(str(tmp_path / "out" / f"{name}.datapackage.json"))
    assert len(frame) == 0 and list(frame.columns) == list(TYPED)
    # pandas gives an empty timestamp column second precision
    assert {n: str(t) for n, t in frame.dtypes.items() if n != "started"} == \
        {n: t for n, t in TYPED.items() if n != "started"}
    assert isinstance(frame.started.dtype, pd.DatetimeTZDtype) and str(frame.started.dt.tz) == "UTC"


def test_the_package_validates_with_frictionless(run, tmp_path) -> None:
    from frictionless import validate

    for name, output in (("plain.csv", "csv"), ("packed.csv.gz", "csv"),
                         ("dutch.csv", "csv excel-nl")):
        run(f'output {output} to "OUT/{name}"')
        report = validate(str(tmp_path / "out" / f"{name}.datapackage.json"))
        assert report.valid, report.flatten(["type", "note"])[:3]


@pytest.mark.parametrize("name, output", [("x.csv", "csv"), ("x.csv.gz", "csv excel-nl"),
                                          ("x.json", "json"), ("x.xlsx", "xlsx")])
def test_the_package_tells_a_file_cut_short_or_changed(run, tmp_path, name, output) -> None:
    """The package gave no size or hash, so `frictionless validate` passed a file cut
    short on the way (the last rows lost) or changed; it declares the delivered bytes'
    size and sha256 (compressed, when the file is), as the manifest does, and a changed
    file fails with `hash-count`."""
    from frictionless import validate

    run(f'output {output} to "OUT/{name}"')
    path = tmp_path / "out" / name
    resource = package(path)["resources"][0]
    delivered = path.read_bytes()
    assert resource["bytes"] == len(delivered) == manifest(path)["output"]["bytes"]
    assert resource["hash"] == "sha256:" + hashlib.sha256(delivered).hexdigest() == \
        "sha256:" + manifest(path)["output"]["sha256"]
    descriptor = str(tmp_path / "out" / f"{name}.datapackage.json")
    assert validate(descriptor).valid
    if output == "xlsx":  # a workbook changed by hand: saved again with one cell more
        import openpyxl

        workbook = openpyxl.load_workbook(path)
        workbook["sessions"]["A2"] = "0" * 32
        workbook.save(path)
    else:  # a file cut short on the way: its last row gone, the rest intact
        text = gzip.decompress(delivered) if name.endswith(".gz") else delivered
        cut = text[:text.rstrip(b"\r\n]").rfind(b"\n")]
        path.write_bytes(gzip.compress(cut, mtime=0) if name.endswith(".gz")
                         else cut + (b"\n]\n" if output == "json" else b""))
    report = validate(descriptor)
    assert not report.valid and "hash-count" in {error.type for task in report.tasks
                                                 for error in task.errors}


@pytest.mark.parametrize("name, output, mediatype", [
    ("x.tsv", "csv", "text/tab-separated-values"),
    ("x.tsv.gz", "csv", "text/tab-separated-values"),
    ("x.csv", "csv tab-separated", "text/tab-separated-values"),
    ("x.tsv", "csv excel-nl", "text/csv")])
def test_a_tab_separated_file_is_declared_so(run, tmp_path, name, output, mediatype) -> None:
    """A tab-separated output (`.tsv`, or the `tab-separated` dialect) was declared
    `text/csv`, so a data portal serving the package's word offered it as CSV and its
    preview split the rows at commas; it is `text/tab-separated-values`. A `.tsv` file
    written in a named dialect with another delimiter stays `text/csv`."""
    from frictionless import validate

    run(f'output {output} to "OUT/{name}"')
    resource = package(tmp_path / "out" / name)["resources"][0]
    assert resource["mediatype"] == mediatype and resource["format"] == "csv"
    assert (resource["dialect"]["delimiter"] == "\t") == (
        mediatype == "text/tab-separated-values")
    report = validate(str(tmp_path / "out" / f"{name}.datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])[:3]


def test_a_broken_type_declaration_fails_validation(run, tmp_path) -> None:
    """The test above can fail: declare the text column `area` an integer."""
    from frictionless import validate

    run('output csv to "OUT/x.csv"')
    descriptor = tmp_path / "out" / "x.csv.datapackage.json"
    content = json.loads(descriptor.read_text())
    content["resources"][0]["schema"]["fields"][0]["type"] = "integer"
    descriptor.write_text(json.dumps(content))
    assert not validate(str(descriptor)).valid


@pytest.mark.parametrize("name, output", [("x.csv", "csv"), ("x.csv.gz", "csv"),
                                          ("x.csv.zst", "csv excel-de"),
                                          ("x.tsv", "csv tab-separated")])
def test_pandas_loads_the_csv_with_its_declared_types(run, tmp_path, name, output) -> None:
    run(f'output {output} to "OUT/{name}"')
    run('output parquet to "OUT/typed.parquet"')
    frame = docs_loader()(str(tmp_path / "out" / f"{name}.datapackage.json"))
    typed = pd.read_parquet(tmp_path / "out" / "typed.parquet", dtype_backend="numpy_nullable")
    assert {n: str(t) for n, t in frame.dtypes.items()} == {
        "driver": "string", "started": "datetime64[us, UTC]", "energy_kwh": "Float64",
        "minutes": "Int64", "area": "string", "published": "boolean"}
    pd.testing.assert_frame_equal(frame, typed, check_dtype=False)


def test_the_schema_describes_the_released_columns_and_the_export(run, tmp_path) -> None:
    run('output csv excel-nl to "OUT/x.csv.gz"')
    described = package(tmp_path / "out" / "x.csv.gz")
    resource = described["resources"][0]
    assert resource["path"] == "x.csv.gz" and resource["compression"] == "gz"
    assert resource["dialect"]["delimiter"] == ";" and resource["encoding"] == "utf-8"
    fields = {field["name"]: field for field in resource["schema"]["fields"]}
    assert list(fields) == ["driver", "started", "energy_kwh", "minutes", "area", "published"]
    assert fields["started"]["type"] == "datetime"
    assert fields["started"]["description"].endswith("cut to the hour, UTC")
    assert fields["energy_kwh"]["decimalChar"] == "," and fields["energy_kwh"][
        "ocpispec:unit"] == "kWh"
    assert fields["minutes"]["type"] == "integer" and fields["minutes"]["ocpispec:unit"] == "min"
    assert fields["driver"]["ocpispec:treatment"] == "pseudonymised"
    assert resource["schema"]["missingValues"] == [""]
    assert described["licenses"] == [{"name": "CC-BY-4.0", "title": "CC-BY-4.0"}]
    export = described["ocpispec"]["export"]
    assert export["consumer"] == "Test consumer" and export["retention"] == "1 months"
    assert export["licence"] == "CC-BY-4.0"
    assert described["ocpispec"]["manifest"] == "x.csv.gz.manifest.json"


def test_the_consumer_is_not_named_a_contributor(run, tmp_path) -> None:
    """The package named the consumer under `contributors` (role `contributor`), the
    people who made the data in the Frictionless spec: a data portal publishing the
    open-data file credited itself (or the municipality receiving the file) with it.
    The consumer is the recipient, named under `ocpispec.export.consumer` alone."""
    run('output csv to "OUT/x.csv"')
    described = package(tmp_path / "out" / "x.csv")
    assert "contributors" not in described
    assert described["ocpispec"]["export"]["consumer"] == "Test consumer"


UNITS_SPEC = HEADER.split("from sessions", 1)[0] + """from sessions
  join locations on location_id
select
  round(kwh, 1) as energy_kwh
  round(kwh * 1000, -2) as energy_wh
  round(location.connector.max_electric_power / 1000, 0) as power_kw
  location.connector.max_electric_power as power_w
  round(minutes(start_date_time, end_date_time) / 60, 1) as hours_from_minutes
  round(kwh / hours(start_date_time, end_date_time), 1) as mean_power
  round(kwh + 0.5, 0) as energy_plus
  bucket(kwh, [0, 5, 10]) as energy_band
  bucket(location.connector.max_electric_power, [0, 11000, 50000]) as power_band_w
  bucket(minutes(start_date_time, end_date_time), [0, 30, 60]) as duration_band
  bucket(kwh * 1000, [0, 5000]) as energy_wh_band
"""
AGGREGATE_UNITS_SPEC = HEADER.split("from sessions", 1)[0] + """from sessions
  join locations on location_id
  each charging_periods as period
group by
  location.city as city
  bucket(kwh, [0, 5, 10]) as energy_band
compute
  round(sum(period.energy_kwh), 1) as energy_kwh
  round(avg(period.duration), 0) as period_min
  round(sum(kwh) / count(), 1) as kwh_per_row
  sum(kwh) * 1000 as energy_wh
  count(distinct kwh) as energies
  count() as periods
  minimum group size 2
"""


def test_units_follow_what_the_column_computes(run, tmp_path) -> None:
    """A unit is declared only where the tool knows it: scaled, divided or multiplied
    values (W / 1000, kWh * 1000, kWh per hour) and counts declare none rather than
    the unit of the field they read; a charging period's energy and duration have one."""
    run('output csv to "OUT/rows.csv"', spec=UNITS_SPEC)
    run('output csv to "OUT/groups.csv"', spec=AGGREGATE_UNITS_SPEC)
    units = {name: {field["name"]: field.get("ocpispec:unit")
                    for field in package(tmp_path / "out" / name)["resources"][0][
                        "schema"]["fields"]}
             for name in ("rows.csv", "groups.csv")}
    assert units["rows.csv"] == {
        "energy_kwh": "kWh", "energy_wh": None, "power_kw": None, "power_w": "W",
        "hours_from_minutes": None, "mean_power": None, "energy_plus": "kWh",
        # a band (`0-5`) is text, in the unit of its bounds
        "energy_band": "kWh", "power_band_w": "W", "duration_band": "min",
        "energy_wh_band": None}
    assert units["groups.csv"] == {
        "city": None, "energy_band": "kWh", "energy_kwh": "kWh", "period_min": "min", "kwh_per_row": "kWh",
        "energy_wh": None, "energies": None, "periods": None}


def test_descriptions_follow_arithmetic_and_distinct_counts(run, tmp_path) -> None:
    """What a column holds, in words: the arithmetic the spec did to a field, and a
    count of different values (not of records, and not a pseudonym)."""
    run('output csv to "OUT/rows.csv"', spec=UNITS_SPEC)
    run('output csv to "OUT/groups.csv"', spec=AGGREGATE_UNITS_SPEC.replace(
        "count(distinct kwh) as energies",
        "count(distinct kwh) as energies\n  count(distinct pseudonymize(cdr_token.uid)) "
        "as cards"))
    described = {f"{name[:-4]}.{field['name']}": field["description"]
                 for name in ("rows.csv", "groups.csv")
                 for field in package(tmp_path / "out" / name)["resources"][0]["schema"][
                     "fields"]}
    assert described["rows.power_kw"].endswith(
        "maximum power in W; divided by 1000, rounded to a whole number")
    assert described["rows.energy_wh"].endswith(
        "in kWh; times 1000, rounded to the nearest 100")
    assert described["rows.hours_from_minutes"].endswith(
        "minutes from the first timestamp to the second, divided by 60, rounded to 1 decimal")
    assert described["rows.mean_power"].endswith(
        "divided by (hours from the first timestamp to the second), rounded to 1 decimal")
    assert described["groups.energy_wh"].endswith("in kWh; sum over the group, times 1000")
    assert described["groups.energies"].endswith("; number of different values in the group")
    assert described["groups.cards"].endswith(
        "; number of different values in the group, counted by keyed pseudonym")
    assert "equal pseudonyms" not in described["groups.cards"]


def test_the_package_holds_no_value_of_the_data(run, tmp_path) -> None:
    run('output csv to "OUT/x.csv"')
    text = (tmp_path / "out" / "x.csv.datapackage.json").read_text()
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "x.csv").read_text(),
                                           newline="")))
    values = {row[name] for row in rows for name in ("driver", "started", "area")
              if row[name]}
    # as a whole token: a 4-digit area may occur inside a hash or a byte count by chance
    assert values and not [value for value in values
                           if re.search(rf"(?<![0-9A-Za-z]){re.escape(value)}(?![0-9A-Za-z])", text)]
    assert not re.search(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])", text)  # no pseudonym


@pytest.mark.parametrize("fmt, name, profile", [("ndjson", "x.ndjson", "data-package"),
                                                 ("parquet", "x.parquet", "data-package"),
                                                 ("json", "x.json.zst", "data-package")])
def test_every_file_output_has_a_package(run, tmp_path, fmt, name, profile) -> None:
    run(f'output {fmt} to "OUT/{name}"')
    described = package(tmp_path / "out" / name)
    assert described["profile"] == profile
    assert described["resources"][0]["format"] == fmt
    assert [f["name"] for f in described["resources"][0]["schema"]["fields"]][:2] == [
        "driver", "started"]


def test_stdout_gets_no_package(run, tmp_path) -> None:
    result = run("output csv to stdout")
    assert result.stdout.startswith("driver,started,")
    assert not list(tmp_path.rglob("*.datapackage.json"))


def test_the_plan_shows_the_licence(run_cli, tmp_path) -> None:
    spec = tmp_path / "spec.ocx"
    spec.write_text(LICENSED + 'output csv to "exports/x.csv"\n')
    assert "  licence      CC-BY-4.0" in run_cli("plan", str(spec)).output


def test_a_geojson_package_declares_its_properties_and_its_geometry(run, tmp_path) -> None:
    """Every declared field but the geometry is a property of every feature; the
    coordinates column is no property but the feature's geometry, and says so."""
    spec = LICENSED.split("from sessions", 1)[0] + (
        "from locations\n  where publish = true\nselect\n  id as location_id\n"
        "  grid(coordinates, 0.05) as cell\n  city\n")
    run('output geojson to "OUT/x.geojson"', spec=spec)
    features = json.loads((tmp_path / "out" / "x.geojson").read_text())["features"]
    fields = package(tmp_path / "out" / "x.geojson")["resources"][0]["schema"]["fields"]
    assert [(f["name"], f["type"]) for f in fields] == [
        ("location_id", "string"), ("cell", "geojson"), ("city", "string")]
    assert "geometry" in fields[1]["description"]
    properties = [f["name"] for f in fields if f["type"] != "geojson"]
    assert len(features) > 10
    assert all(list(feature["properties"]) == properties for feature in features)
    assert all(feature["geometry"]["type"] == "Point" for feature in features)


ARROW_TYPES = {"string": "string", "integer": "int64", "number": "double", "boolean": "bool",
               "datetime": "timestamp[us, tz=UTC]"}


@pytest.mark.parametrize("fmt", ["parquet", "xlsx"])
def test_typed_files_hold_the_types_their_package_declares(run, tmp_path, fmt) -> None:
    """A `jmespath` column has no one type; Parquet and XLSX write it as text, so the data
    package (and the workbook's `columns` sheet) declare `string`, not `any`. One whose
    outermost call gives one type does have it: `length(evses)` is a whole number, which
    was written as text (Excel's SUM skipped it) and is now an integer; the open-data
    spec's `max(evses[].connectors[].max_electric_power)` was a text `"22080"` (pandas'
    `sum` joined the texts) and is the integer field it takes the largest of; `sum` a
    number."""
    import openpyxl
    import pyarrow.parquet as pq

    spec = LICENSED.split("from sessions", 1)[0] + (
        "from locations\n  where publish = true\nselect\n  id as location_id\n"
        '  opening_times.twentyfourseven as open_24_7\n'
        '  jmespath("max(evses[].connectors[].max_electric_power)") as max_power\n'
        '  jmespath("length(evses)") as evses\n'
        '  jmespath("sum(evses[].connectors[].max_electric_power)") as total_power\n'
        '  jmespath("evses[0].uid") as first_evse\n')
    run(f'output {fmt} to "OUT/x.{fmt}"', spec=spec)
    path = tmp_path / "out" / f"x.{fmt}"
    declared = {f["name"]: f["type"]
                for f in package(path)["resources"][0]["schema"]["fields"]}
    assert declared == {"location_id": "string", "open_24_7": "boolean",
                        "max_power": "integer", "evses": "integer", "total_power": "number",
                        "first_evse": "string"}
    if fmt == "parquet":
        schema = pq.read_schema(path)
        assert {name: str(schema.field(name).type) for name in declared} == \
            {name: ARROW_TYPES[kind] for name, kind in declared.items()}
    else:
        workbook = openpyxl.load_workbook(path)
        rows = list(workbook.worksheets[0].iter_rows(min_row=2, values_only=True))
        assert rows and all(isinstance(row[5], str) for row in rows if row[5] is not None)
        assert all(isinstance(row[2], int) for row in rows if row[2] is not None)
        assert any(row[2] for row in rows)
        assert all(isinstance(row[3], int) for row in rows)
        assert all(isinstance(row[4], (int, float)) for row in rows if row[4] is not None)
        described = {row[0]: row[1] for row in workbook["columns"].iter_rows(
            min_row=2, values_only=True)}
        assert described == declared


@pytest.mark.parametrize("scope, says", [
    ("", "equal ids give equal pseudonyms within this export"),
    ("per quarter", "equal ids give equal pseudonyms within one quarter of the record's time "
                    "only: the same id has another pseudonym in the next quarter"),
    ("per run", "equal ids give equal pseudonyms within this delivery only"),
])
def test_a_pseudonym_says_how_long_it_links(run, tmp_path, scope, says) -> None:
    """A researcher studying repeat charging reads from the data package how far a
    pseudonym links. Under `pseudonym scope per quarter` (and the shipped municipality
    spec's `per week`) it said "equal ids give equal pseudonyms within this export":
    the next quarter's new pseudonyms then read as new drivers."""
    spec = LICENSED if not scope else LICENSED.replace(
        "  pseudonym key env OUTPUT_TEST_KEY\n",
        f"  pseudonym key env OUTPUT_TEST_KEY\n  pseudonym scope {scope}\n")
    run('output csv to "OUT/x.csv"', spec=spec)
    fields = package(tmp_path / "out" / "x.csv")["resources"][0]["schema"]["fields"]
    assert fields[0]["name"] == "driver" and fields[0]["description"].endswith(says)
    described = {f["name"]: f["description"] for f in fields[1:]}
    assert not any("pseudonym" in text for text in described.values())


def test_a_local_month_loads_as_that_month(run, tmp_path) -> None:
    """The documented loaders turned `truncate(start_date_time, month, "Europe/Amsterdam")`
    (`2025-12-01T00:00:00+01:00` in the file) into `2025-11-30 23:00 UTC`, so `.dt.month`
    said November. The package names the zone and the loaders show the values in it."""
    spec = LICENSED.replace("  location.publish as published\n",
                            '  location.publish as published\n'
                            '  truncate(start_date_time, month, "Europe/Amsterdam") as month\n')
    run('output csv to "OUT/x.csv"', spec=spec)
    run('output ndjson to "OUT/x.ndjson"', spec=spec)
    fields = {f["name"]: f for f in package(tmp_path / "out" / "x.csv")["resources"][0][
        "schema"]["fields"]}
    assert fields["month"]["ocpispec:timeZone"] == "Europe/Amsterdam"
    assert "ocpispec:timeZone" not in fields["started"]
    with open(tmp_path / "out" / "x.csv", newline="") as file:
        labels = [row["month"] for row in csv.DictReader(file)]
    for frame in (docs_loader()(str(tmp_path / "out" / "x.csv.datapackage.json")),
                  docs_json_loader()(str(tmp_path / "out" / "x.ndjson.datapackage.json"))):
        assert str(frame.month.dtype).endswith(", Europe/Amsterdam]")
        assert [stamp.isoformat() for stamp in frame.month] == labels
        assert str(frame.started.dtype).endswith(", UTC]")
