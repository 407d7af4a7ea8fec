"""Outputs as consumers receive them: destinations checked before a run, streamed
compression with the manifest's hash over the delivered bytes, CSV dialects. Runs go
over real HTTP against the demo CPO on 127.0.0.1."""

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
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures_cli import cli_block
from ocpispec.demo import DemoServer, Faults
from ocpispec.formats import PRESETS, describe, dialect_from
from ocpispec.formats.dialects import DialectError
from ocpispec.plan.ir import CsvDialect
from ocpispec.render.values import CsvLines

AS_OF = "2026-01-01T00:00:00Z"
KEY = "3f9b27c4e18d05a6b7c2e9f41d8a36b05c7e2f19a4d8b63e0f5a2c71d9e4b8a6"
HEADER = '''export output_tests
  consumer "Test consumer"
  purpose "Outputs consumers can load"
  legal basis public task "test"
  retention 1 months
  pseudonym key env OUTPUT_TEST_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
  join locations on location_id
select
  pseudonymize(cdr_token.contract_id) as driver
  truncate(start_date_time, hour) as started
  round(kwh, 1) as energy_kwh
  round(minutes(start_date_time, end_date_time)) as minutes
  prefix(location.postal_code, 4) as area
  location.publish as published
'''


@pytest.fixture(scope="module")
def server():
    with DemoServer(version="2.2.1", size=120, max_page_size=50) as demo:
        yield demo


@pytest.fixture
def run(run_cli, tmp_path: Path):
    """Write `output ...` after the shared spec text into tmp and run it; returns the
    click result."""

    def invoke(output: str, server: DemoServer, *args: str):
        spec = tmp_path / "spec.ocx"
        spec.write_text(HEADER + output.replace("OUT/", f"{tmp_path}/out/") + "\n")
        env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
               "OUTPUT_TEST_KEY": KEY}
        return run_cli("run", str(spec), "--state", str(tmp_path / "state.json"), "--as-of",
                       AS_OF, *args, env=env)

    return invoke


def manifest(path: Path) -> dict:
    return json.loads(path.with_name(path.name + ".manifest.json").read_text())


# ---- destinations, checked before anything runs ---------------------------------------


@pytest.mark.parametrize("destination, code", [
    ("gs://bucket/top-stations.csv", "OCX415"), ("ftp://host/x.csv", "OCX415"),
    ("OUT/x.parquet", "OCX416"), ("OUT/x.ndjson", "OCX416"), ("OUT/x.csv.bz2", "OCX417"),
])
def test_a_destination_that_cannot_be_delivered_fails_before_the_run(
        run, server, tmp_path, run_cli, destination, code) -> None:
    result = run(f'output csv to "{destination}"', server)
    assert result.exit_code == 1 and f"error[{code}]" in result.output
    assert not (Path.cwd() / "s3:").exists() and not (tmp_path / "out").exists()
    assert run_cli("check", str(tmp_path / "spec.ocx")).exit_code == 1


def test_the_s3_spec_of_the_issue_is_refused_for_its_name(run_cli, tmp_path, snapshot) -> None:
    """`output csv to "s3://bucket/top-stations.parquet"`: S3 is a destination now, but a
    CSV named `.parquet` is not."""
    spec = tmp_path / "top.ocx"
    spec.write_text(HEADER + 'output csv to "s3://bucket/top-stations.parquet"\n')
    result = run_cli("check", str(spec))
    assert cli_block(result, tmp=tmp_path) == snapshot


@pytest.mark.parametrize("out, message", [
    ("s3://bucket/x.csv", "`--out` with `s3:` is not supported"),
    ("x.parquet", "`--out` names a `.parquet` file, but the output is `csv`"),
    ("x.csv.xz", "`--out` ends in `.xz`"),
])
def test_out_is_checked_like_the_destination(run, server, tmp_path, out, message) -> None:
    result = run('output csv to "OUT/x.csv"', server, "--out", str(tmp_path / out)
                 if "://" not in out else out)
    assert result.exit_code == 1 and "OCX590" in result.output and message in result.output
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob("x.*"))


@pytest.mark.parametrize("name, shown", [
    ("a\nb.csv", "U+000A (a control character) at character"),
    ("a\tb.csv", "a tab at character"),
    ("a\x1b[31mb.csv", "U+001B (a control character) at character"),
    ("report\u202ecsv.exe", "U+202E (a right-to-left override) at character"),
])
def test_out_with_a_control_character_is_refused_before_the_run(run, server, tmp_path, name,
                                                                shown) -> None:
    """`--out` with a line break, a tab, an escape or a direction control (a variable
    expanded into it) was written into the file name: the summary showed the path over
    two lines, a terminal ran the escape, and the consumer's tools broke on the name.
    A spec cannot name such a file (OCX016); `--out` is refused the same, unquoted."""
    result = run('output csv to "OUT/x.csv"', server, "--out", str(tmp_path / name))
    assert result.exit_code == 1 and "error[OCX590]" in result.output
    assert shown in result.output and name not in result.output
    assert list(tmp_path.glob("a*")) == list(tmp_path.glob("report*")) == []


def test_describe_reads_extension_and_compression() -> None:
    assert describe("exports/{export}-{run.date}.csv.gz").compression == "gzip"
    assert describe("exports/x.ndjson.ZST").extension == ".ndjson"
    assert describe("C:/exports/x.csv").scheme is None
    assert describe("sftp://host/x.csv").scheme == "sftp"
    assert describe("exports/{run.timestamp}").extension is None


# ---- compression ------------------------------------------------------------------------


def _read_back(path: Path) -> bytes:
    """Decompress streamed, a block at a time, as a consumer's reader does."""
    opened = gzip.open(path, "rb") if path.suffix == ".gz" else \
        zstandard.ZstdDecompressor().stream_reader(path.open("rb"))
    chunks = []
    with opened as stream:
        while block := stream.read(4096):
            chunks.append(block)
    return b"".join(chunks)


@pytest.mark.parametrize("fmt, extension", [("csv", "csv"), ("ndjson", "ndjson"),
                                            ("json", "json")])
@pytest.mark.parametrize("suffix", [".gz", ".zst"])
def test_compressed_outputs_hold_the_plain_bytes_and_the_manifest_hashes_the_file(
        run, server, tmp_path, fmt, extension, suffix) -> None:
    plain, packed = tmp_path / "out" / f"x.{extension}", tmp_path / "out" / f"y.{extension}{suffix}"
    assert run(f'output {fmt} to "OUT/x.{extension}"', server).exit_code == 0
    result = run(f'output {fmt} to "OUT/y.{extension}{suffix}"', server)
    assert result.exit_code == 0, result.output
    assert _read_back(packed) == plain.read_bytes() and len(plain.read_bytes()) > 1000
    assert packed.stat().st_size < plain.stat().st_size
    output = manifest(packed)["output"]
    delivered = packed.read_bytes()
    assert output["sha256"] == hashlib.sha256(delivered).hexdigest()
    assert output["bytes"] == len(delivered)
    assert output["compression"] == {".gz": "gzip", ".zst": "zstd"}[suffix]
    assert "compression" not in manifest(plain)["output"]


@pytest.mark.parametrize("name, fmt", [("x.csv", "csv"), ("x.ndjson", "ndjson"),
                                       ("x.parquet", "parquet"), ("x.xlsx", "xlsx")])
def test_every_manifest_has_the_size_and_hash_of_its_file(run, server, tmp_path,
                                                          name, fmt) -> None:
    """Not only a compressed file's: a consumer checks an uncompressed one the same way."""
    result = run(f'output {fmt} to "OUT/{name}"', server)
    assert result.exit_code == 0, result.output
    delivered = (tmp_path / "out" / name).read_bytes()
    output = manifest(tmp_path / "out" / name)["output"]
    assert output["bytes"] == len(delivered) > 0
    assert output["sha256"] == hashlib.sha256(delivered).hexdigest()
    assert "compression" not in output


def test_gzip_output_is_reproducible(run, server, tmp_path) -> None:
    """No file name or time stamp in the gzip header: equal rows, equal bytes."""
    target = tmp_path / "out" / "x.csv.gz"
    run('output csv to "OUT/x.csv.gz"', server)
    first = target.read_bytes()
    run('output csv to "OUT/x.csv.gz"', server, "--as-of", "2026-01-01T00:00:01Z")
    assert target.read_bytes() == first


def test_a_failed_compressed_run_leaves_nothing(run, tmp_path) -> None:
    faults = Faults(envelope_error=3000, fault_after_requests=3)
    with DemoServer(version="2.2.1", size=400, max_page_size=50, faults=faults) as broken:
        result = run('output csv to "OUT/x.csv.zst"', broken)
    assert result.exit_code == 1 and "OCX5" in result.output
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_compression_by_out(run, server, tmp_path) -> None:
    target = tmp_path / "elsewhere.csv.gz"
    assert run('output csv to "OUT/x.csv"', server, "--out", str(target)).exit_code == 0
    assert _read_back(target).startswith(b"driver,started,")
    assert manifest(target)["output"]["compression"] == "gzip"


# ---- CSV dialects ----------------------------------------------------------------------


def test_excel_nl_opens_in_dutch_excel(run, server, tmp_path) -> None:
    result = run('output csv excel-nl to "OUT/x.csv"', server)
    assert result.exit_code == 0, result.output
    data = (tmp_path / "out" / "x.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbfdriver;started;energy_kwh;")
    assert b"\r\n" in data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""),
                               delimiter=";"))
    energies = [row["energy_kwh"] for row in rows if row["energy_kwh"]]
    assert energies and all("." not in value for value in energies)
    assert any("," in value for value in energies)
    assert {row["published"] for row in rows} <= {"true", "false"}
    described = manifest(tmp_path / "out" / "x.csv")["output"]["dialect"]
    assert described == {"name": "excel-nl", "delimiter": ";", "decimal": "comma", "bom": True,
                         "quote": "minimal", "lines": "crlf"}


def test_options_refine_a_preset(run, server, tmp_path) -> None:
    result = run('output csv excel-nl no bom quote all lines lf to "OUT/x.csv"', server)
    assert result.exit_code == 0, result.output
    text = (tmp_path / "out" / "x.csv").read_text(encoding="utf-8")
    assert text.startswith('"driver";"started";') and "\r" not in text


def test_the_plan_shows_dialect_and_compression(run_cli, tmp_path, snapshot) -> None:
    spec = tmp_path / "spec.ocx"
    spec.write_text(HEADER + 'output csv excel-de lines lf to "exports/x-{run.date}.csv.zst"\n')
    result = run_cli("plan", str(spec))
    lines = result.output.splitlines()
    start = next(i for i, line in enumerate(lines) if "render.csv" in line)
    assert "\n".join(lines[start:start + 2]) == snapshot
    plan = json.loads(run_cli("plan", str(spec), "--format", "json").stdout)
    step = plan["datasets"][0]["steps"][-1]
    assert step["compression"] == "zstd" and step["dialect"]["delimiter"] == ";"


def test_a_plain_csv_plan_keeps_its_fingerprint_fields(run_cli, tmp_path) -> None:
    spec = tmp_path / "spec.ocx"
    spec.write_text(HEADER + 'output csv to "exports/x.csv"\n')
    step = json.loads(run_cli("plan", str(spec), "--format", "json").output)[
        "datasets"][0]["steps"][-1]
    assert "compression" not in step and "dialect" not in step


@pytest.mark.parametrize("options", ['bom no bom', 'delimiter ";" delimiter ","', 'bom bom',
                                     'lines crlf quote all lines lf', 'delimiter "1"',
                                     'delimiter "x"'])
def test_options_that_contradict_or_split_values_are_refused(run_cli, tmp_path, snapshot,
                                                             options) -> None:
    """A second `bom`/`no bom` (or delimiter, or line end) silently won over the first, and
    a letter or digit as the delimiter was taken: each is OCX420 now, naming both options."""
    spec = tmp_path / "spec.ocx"
    spec.write_text(HEADER + f'output csv {options} to "exports/x.csv"\n')
    result = run_cli("check", str(spec))
    assert result.exit_code == 1 and "error[OCX420]" in result.output
    assert cli_block(result, tmp=tmp_path) == snapshot


def test_dialect_rules() -> None:
    assert dialect_from("excel-nl", ()) == CsvDialect("excel-nl", ";", "comma", True)
    assert dialect_from(None, [("delimiter", ";"), ("decimal", "comma")]).decimal == "comma"
    with pytest.raises(DialectError):
        dialect_from(None, [("decimal", "comma")])
    with pytest.raises(DialectError):
        dialect_from(None, [("delimiter", '"')])


# a phone number or a signed range: a plain CSV keeps it as sent (render/values.py)
_SIGNED_NUMBER = re.compile(r"[+-][\d\s().,/+-]*")
_CELLS = st.one_of(st.none(), st.booleans(), st.integers(-10**9, 10**9),
                   st.floats(allow_nan=False, allow_infinity=False, width=32),
                   st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12))
_DIALECTS = st.builds(lambda preset, quote, lines: dialect_from(
    preset, [("quote", quote), ("lines", lines)]), st.sampled_from(sorted(PRESETS)),
    st.sampled_from(["minimal", "all"]), st.sampled_from(["crlf", "lf"]))


@settings(max_examples=150, deadline=None)
@given(_DIALECTS, st.lists(st.tuples(_CELLS, _CELLS, _CELLS), max_size=6))
def test_every_dialect_reads_back_cell_for_cell(dialect: CsvDialect, rows) -> None:
    """Whatever the cells hold (delimiters, quotes, line breaks), a CSV reader told the
    dialect gets the columns and the cells back."""
    lines = CsvLines(("a", "b", "c"), dialect)
    text = lines.header() + "".join(lines.chunks(
        [dict(zip(("a", "b", "c"), row)) for row in rows]))
    assert text.startswith("\ufeff") == dialect.bom
    read = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""),
                           delimiter=dialect.delimiter))
    assert read[0] == ["a", "b", "c"] and len(read) == len(rows) + 1
    for written, back in zip(rows, read[1:]):
        for value, cell in zip(written, back):
            if isinstance(value, float) and dialect.decimal == "comma":
                assert float(cell.replace(",", ".")) == value
            elif isinstance(value, str) and dialect.bom and value[:1] and value[:1] in "=+-@\t\r":
                assert cell == "'" + value  # for Excel: text, not a formula
            elif isinstance(value, str) and value[:1] and value[:1] in "=+-@\t\r" \
                    and not _SIGNED_NUMBER.fullmatch(value):
                assert cell == "'" + value  # opened in Excel all the same: never runs
            elif isinstance(value, str):
                assert cell == value


def test_without_zstandard_a_zst_run_stops_before_the_network(run, server, tmp_path,
                                                               monkeypatch) -> None:
    from ocpispec.execute import writers

    monkeypatch.setattr(writers, "zstd_available", lambda: False)
    result = run('output csv to "OUT/x.csv.zst"', server)
    assert result.exit_code == 1 and "OCX594" in result.output
    assert "pip install 'ocpispec[zstd]'" in result.output
    assert not (tmp_path / "out").exists()


def test_a_plan_with_dialect_and_compression_round_trips(tmp_path) -> None:
    from ocpispec.check.compiler import compile_file
    from ocpispec.plan.ir import Plan
    from ocpispec.plan.planner import plan as make_plan

    spec = tmp_path / "spec.ocx"
    spec.write_text(HEADER + 'output csv excel-nl quote all to "exports/x.csv.gz"\n')
    plan = make_plan(compile_file(spec))
    again = Plan.from_dict(json.loads(plan.to_json()))
    assert again == plan
    render = again.datasets[0].steps[-1]
    assert render.dialect == dialect_from("excel-nl", [("quote", "all")])
    assert render.compression == "gzip"


# ---- coordinates ------------------------------------------------------------------------

LOCATIONS = '''export open_locations
  consumer "Test consumer"
  purpose "Outputs consumers can load"
  legal basis public task "test"
  retention 1 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from locations
  where publish = true
select
  id as location_id
  coordinates
  grid(coordinates, 0.05) as cell
output {fmt} to "{out}"
'''


@pytest.mark.parametrize("fmt, name", [("ndjson", "x.ndjson"), ("json", "x.json"),
                                       ("parquet", "x.parquet")])
def test_coordinates_kept_as_is_are_numbers_like_every_coordinates_column(
        run_cli, server, tmp_path, fmt, name) -> None:
    """OCPI sends latitude and longitude as text; a consumer gets numbers in every
    coordinates column, kept as is or generalised, as the Parquet file and the
    GeoJSON geometry have them."""
    spec = tmp_path / "spec.ocx"
    spec.write_text(LOCATIONS.format(fmt=fmt, out=tmp_path / "out" / name))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
    result = run_cli("run", str(spec), "--state", str(tmp_path / "state.json"), "--as-of",
                     AS_OF, env=env)
    assert result.exit_code == 0, result.output
    path = tmp_path / "out" / name
    frame = pd.read_parquet(path) if fmt == "parquet" else \
        pd.read_json(path, lines=fmt == "ndjson", dtype=False)
    assert len(frame) > 10
    for column in ("coordinates", "cell"):
        for point in frame[column]:
            assert {type(point["latitude"]), type(point["longitude"])} == {float}, point
    package = json.loads(path.with_name(name + ".datapackage.json").read_text())
    assert [f["type"] for f in package["resources"][0]["schema"]["fields"]] == \
        ["string", "object", "object"]


# ---- Excel dates ------------------------------------------------------------------------

BANDS = '''export excel_bands
  consumer "Test consumer"
  purpose "Outputs consumers can load"
  legal basis public task "test"
  retention 1 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
select
  bucket(kwh, {edges}) as energy_band_kwh
output {output} to "{out}"
'''


@pytest.mark.parametrize("edges, output, warned", [
    ("[0, 5, 10, 20, 50]", "csv excel-nl", True),
    ("[0, 5, 10, 20, 50]", "csv delimiter \";\" bom", True),
    ("[0, 5, 10, 20, 50]", "csv", False),          # not for Excel: pandas, R, DuckDB
    ("[0, 5, 10, 20, 50]", "xlsx", False),         # text cells stay text
    ("[0, 2.5, 25, 50]", "csv excel-nl", False),   # no band Excel reads as a date
])
def test_bucket_labels_excel_opens_as_dates_are_warned(run_cli, server, tmp_path, edges,
                                                       output, warned) -> None:
    """`5-10` in a CSV Excel opens is 5 October there; the run warns (OCX425) and the
    file keeps the label for every other reader."""
    out = tmp_path / "out" / ("x.xlsx" if output == "xlsx" else "x.csv")
    spec = tmp_path / "spec.ocx"
    spec.write_text(BANDS.format(edges=edges, output=output, out=out))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
    result = run_cli("run", str(spec), "--state", str(tmp_path / "state.json"), "--as-of",
                     AS_OF, env=env)
    assert result.exit_code == 0, result.output
    assert ("OCX425" in result.output) is warned
    if output == "xlsx":
        import openpyxl

        cells = [row[0] for row in openpyxl.load_workbook(out).active.iter_rows(
            min_row=2, values_only=True)]
        assert "5-10" in cells and all(isinstance(c, str) for c in cells if c is not None)
    else:
        labels = {row[0] for row in csv.reader(io.StringIO(
            out.read_text(encoding="utf-8-sig"), newline=""),
            delimiter=";" if ";" in output or "excel" in output else ",")}
        assert ("5-10" in labels) is (" 5," in edges)


# ---- .tsv ---------------------------------------------------------------------------------


@pytest.mark.parametrize("output, name", [("csv", "x.tsv"), ("csv", "x.tsv.gz"),
                                          ("csv quote all", "x.tsv")])
def test_a_tsv_file_is_tab_separated_unless_a_dialect_says_otherwise(run, server, tmp_path,
                                                                     output, name) -> None:
    """`output csv to "x.tsv"` wrote commas into a file every TSV reader splits on tabs."""
    result = run(f'output {output} to "OUT/{name}"', server)
    assert result.exit_code == 0, result.output
    path = tmp_path / "out" / name
    frame = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["driver", "started", "energy_kwh", "minutes", "area",
                                   "published"]
    assert len(frame) > 50
    assert manifest(path)["output"]["dialect"]["name"].startswith("tab-separated")
    package = json.loads(path.with_name(name + ".datapackage.json").read_text())
    assert package["resources"][0]["dialect"]["delimiter"] == "\t"


def test_a_named_dialect_wins_over_the_tsv_extension(run, server, tmp_path) -> None:
    assert run('output csv rfc-4180 to "OUT/x.tsv"', server).exit_code == 0
    assert (tmp_path / "out" / "x.tsv").read_text().startswith("driver,started,")


def test_a_destination_under_the_home_directory(run, server, tmp_path, monkeypatch) -> None:
    """`to "~/exports/x.csv"` made a folder named `~` in the current directory: no shell
    reads a spec, so the tool expands the `~` itself, as a shell would."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    result = run('output csv to "~/exports/x.csv"', server)
    assert result.exit_code == 0, result.output
    assert (home / "exports" / "x.csv").read_text().startswith("driver,started,")
    assert manifest(home / "exports" / "x.csv")["output"]["format"] == "csv"
    assert not (Path.cwd() / "~").exists()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", ".", "/", "csv", "gz", "..", " ", "x.csv"]),
                max_size=12).map("".join))
def test_a_destination_s_name_and_suffixes_are_pathlib_s(text: str) -> None:
    """`describe` reads a destination's last name and its suffixes without pathlib (a
    cold `check` does not load it); they must be what `PurePosixPath` says."""
    from pathlib import PurePosixPath

    from ocpispec.formats import _last_name, _suffixes

    name = PurePosixPath(text).name
    assert _last_name(text) == name
    assert _suffixes(name) == PurePosixPath(name).suffixes
