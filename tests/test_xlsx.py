"""XLSX output: typed cells a consumer opens in Excel (read back with openpyxl), the
column descriptions beside them, no formulas from data. Runs go over real HTTP against
the demo CPO on 127.0.0.1."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from ocpispec.demo import DemoServer
from ocpispec.formats.fields import TypedField
from ocpispec.render import xlsx
from test_outputs import HEADER, KEY, manifest

AS_OF = "2026-01-01T00:00:00Z"


@pytest.fixture(scope="module")
def server():
    with DemoServer(version="2.2.1", size=100, max_page_size=50) as demo:
        yield demo


@pytest.fixture
def run(run_cli, tmp_path: Path, server):
    def invoke(output: str, dataset: str | None = None):
        path = tmp_path / "spec.ocx"
        header = HEADER if dataset is None else HEADER.replace(
            "from sessions\n", f"from sessions as {dataset}\n")
        path.write_text(header + output.replace("OUT/", f"{tmp_path}/out/") + "\n")
        env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
               "OUTPUT_TEST_KEY": KEY}
        return run_cli("run", str(path), "--state", str(tmp_path / "state.json"), "--as-of",
                       AS_OF, env=env)

    return invoke


def test_excel_cells_are_typed_and_hold_the_csv_values(run, tmp_path) -> None:
    assert run('output csv to "OUT/x.csv"').exit_code == 0
    result = run('output xlsx to "OUT/x.xlsx"')
    assert result.exit_code == 0, result.output
    workbook = openpyxl.load_workbook(tmp_path / "out" / "x.xlsx")
    assert workbook.sheetnames == ["sessions", "columns", "about"]
    sheet = workbook["sessions"]
    rows = list(sheet.iter_rows(values_only=True))
    text = (tmp_path / "out" / "x.csv").read_text()
    expected = list(csv.DictReader(io.StringIO(text, newline="")))
    assert rows[0] == ("driver", "started", "energy_kwh", "minutes", "area", "published")
    assert len(rows) - 1 == len(expected) > 50
    for cells, row in zip(rows[1:], expected):
        driver, started, energy, minutes, area, published = cells
        assert driver == row["driver"] and area == row["area"] and isinstance(area, str)
        assert started == datetime.fromisoformat(row["started"]).replace(tzinfo=None)
        assert published is (row["published"] == "true")
        assert energy == (float(row["energy_kwh"]) if row["energy_kwh"] else None)
        assert minutes == (int(row["minutes"]) if row["minutes"] else None)
    assert sheet["A1"].comment.text.startswith("contract id")
    # a UTC time says so where Excel shows it: read bare, an analyst in Amsterdam took
    # `2025-12-01 10:00:00` for local time, an hour off
    assert {cell.number_format for (cell,) in sheet.iter_rows(min_row=2, min_col=2,
                                                              max_col=2)
            if cell.value is not None} == {'yyyy-mm-dd h:mm:ss" UTC"'}
    described = list(workbook["columns"].iter_rows(values_only=True))
    assert described[0] == ("column", "type", "description", "treatment", "sources")
    assert described[2][:2] == ("started", "datetime")
    assert manifest(tmp_path / "out" / "x.xlsx")["output"]["format"] == "xlsx"


def test_text_never_becomes_a_formula(tmp_path) -> None:
    fields = [TypedField("name", "string", "", "kept", (), "public")]
    path = tmp_path / "x.xlsx"
    with path.open("wb") as sink:
        xlsx.write_xlsx([{"name": '=HYPERLINK("http://x","y")'}, {"name": "a\x00b\x1fc"}],
                        fields, sink, "data")
    sheet = openpyxl.load_workbook(path)["data"]
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == '=HYPERLINK("http://x","y")'
    assert sheet["A3"].value == "abc"


def test_too_many_rows_fail_the_run_with_nothing_written(run, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_ROWS", 5)
    result = run('output xlsx to "OUT/x.xlsx"')
    assert result.exit_code == 1 and "OCX593" in result.output
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_a_text_longer_than_a_cell_fails_the_run_rather_than_being_cut(run, tmp_path,
                                                                        monkeypatch) -> None:
    """Excel cells hold 32,767 characters; a longer text (a `jmespath` list) was cut to
    that, a truncated JSON text the consumer could not tell from a whole one."""
    monkeypatch.setattr(xlsx, "MAX_TEXT", 20)  # the pseudonyms have 32 characters
    result = run('output xlsx to "OUT/x.xlsx"')
    assert result.exit_code == 1 and "OCX593" in result.output
    assert "column `driver` is longer than the 20 characters an Excel cell holds" in result.output
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_coordinates_and_compression_are_refused(run_cli, tmp_path) -> None:
    spec = tmp_path / "spec.ocx"
    spec.write_text(HEADER + 'output xlsx to "exports/x.xlsx.gz"\n')
    assert "OCX418" in run_cli("check", str(spec)).output


def docs_workbook_loader():
    """The pandas loader docs/outputs.md shows for XLSX, run as the docs print it."""
    text = (Path(__file__).parents[1] / "docs" / "outputs.md").read_text()
    block = text.split("<!-- load-xlsx -->\n```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(block.split("\nsessions = ", 1)[0], "docs/outputs.md", "exec"), namespace)  # noqa: S102
    return namespace["read_workbook"]


def test_pandas_loads_the_workbook_with_the_types_of_its_columns_sheet(run, tmp_path) -> None:
    """Plain `read_excel` turns the text cells of postal areas into numbers (`0106` would
    lose its zero) and whole numbers with an empty cell into floats; the documented
    loader gives the frame the Parquet file of the same rows gives."""
    assert run('output xlsx to "OUT/x.xlsx"').exit_code == 0
    assert run('output parquet to "OUT/x.parquet"').exit_code == 0
    import pandas as pd

    assert str(pd.read_excel(tmp_path / "out" / "x.xlsx", sheet_name=0).area.dtype) != "string"
    frame = docs_workbook_loader()(str(tmp_path / "out" / "x.xlsx"))
    typed = pd.read_parquet(tmp_path / "out" / "x.parquet", dtype_backend="numpy_nullable")
    assert {n: str(t) for n, t in frame.dtypes.items()} == {
        "driver": "string", "started": "datetime64[us, UTC]", "energy_kwh": "Float64",
        "minutes": "Int64", "area": "string", "published": "boolean"}
    pd.testing.assert_frame_equal(frame, typed, check_dtype=False)


@pytest.mark.parametrize("dataset", ["columns", "Columns", "history", "about"])
def test_a_dataset_named_like_a_taken_sheet_keeps_the_columns_sheet(run, tmp_path,
                                                                    dataset) -> None:
    """A dataset named `columns` once took that sheet name, pushing the description to
    `columns1`; `History` is reserved by Excel (which compares names without case)."""
    result = run('output xlsx to "OUT/x.xlsx"', dataset=dataset)
    assert result.exit_code == 0, result.output
    workbook = openpyxl.load_workbook(tmp_path / "out" / "x.xlsx", read_only=True)
    assert workbook.sheetnames == ["data", "columns", "about"]
    described = list(workbook["columns"].iter_rows(values_only=True))
    assert described[0] == ("column", "type", "description", "treatment", "sources")
    assert next(workbook["data"].iter_rows(values_only=True))[0] == "driver"


def test_a_local_time_is_written_as_the_local_time_it_names(run_cli, tmp_path, server) -> None:
    """Excel has no time zones: a local month (`truncate(..., month, "Europe/Amsterdam")`,
    labelled `2025-01-01T00:00:00+01:00` in CSV) was written as its UTC instant, so a
    statistics office opening the workbook read January's figures under `2024-12-31
    23:00`. Local labels are written as the local time they name; UTC ones stay UTC."""
    spec = tmp_path / "spec.ocx"
    body = HEADER.split("select\n")[0] + (
        "select\n"
        "  truncate(start_date_time, hour) as started\n"
        '  truncate(start_date_time, day, "Europe/Amsterdam") as local_day\n'
        "  round(kwh, 1) as energy_kwh\n")
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "OUTPUT_TEST_KEY": KEY}
    for suffix in ("csv", "xlsx"):
        spec.write_text(body + f'output {suffix} to "{tmp_path}/out/x.{suffix}"\n')
        result = run_cli("run", str(spec), "--as-of", AS_OF, env=env)
        assert result.exit_code == 0, result.output
    expected = list(csv.DictReader(io.StringIO((tmp_path / "out" / "x.csv").read_text(),
                                               newline="")))
    workbook = openpyxl.load_workbook(tmp_path / "out" / "x.xlsx")
    rows = list(workbook["sessions"].iter_rows(values_only=True))[1:]
    assert len(rows) == len(expected) > 50
    assert any(not row["local_day"].endswith("Z") for row in expected)
    for (started, local_day, _), row in zip(rows, expected):
        assert started == datetime.fromisoformat(row["started"]).replace(tzinfo=None)
        assert local_day == datetime.fromisoformat(row["local_day"]).replace(tzinfo=None)
        assert (local_day.hour, local_day.minute) == (0, 0)
    described = {r[0]: r[1] for r in workbook["columns"].iter_rows(values_only=True)}
    assert described["started"] == "datetime" and described["local_day"] == "local datetime"
    frame = docs_workbook_loader()(str(tmp_path / "out" / "x.xlsx"))
    assert str(frame.started.dtype) == "datetime64[us, UTC]"
    assert list(frame.local_day) == [datetime.fromisoformat(r["local_day"]).replace(tzinfo=None)
                                     for r in expected]


def test_a_run_failing_mid_sheet_prints_no_traceback(tmp_path, monkeypatch) -> None:
    """A k rule over its limit (or any failure) raised out of the row stream: the sheet's
    writer stayed open, and when the garbage collector closed it later it wrote into its
    closed temporary file: "Exception ignored in ... Traceback ... I/O operation on closed
    file" on the user's terminal. The writer is closed, and its temporary file removed."""
    import gc
    import sys

    from openpyxl.worksheet import _writer

    unraisable: list = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    fields = [TypedField("name", "string", "", "kept", (), "public")]

    def rows():
        yield {"name": "a"}
        raise RuntimeError("the k rule would suppress too much")

    before = set(_writer.ALL_TEMP_FILES)
    with (tmp_path / "x.xlsx").open("wb") as sink, pytest.raises(RuntimeError):
        xlsx.write_xlsx(rows(), fields, sink, "sessions")
    gc.collect()
    assert unraisable == []
    assert not [path for path in set(_writer.ALL_TEMP_FILES) - before if Path(path).exists()]


class _MinValueServer(DemoServer):
    """The demo CPO, where some sessions end at .NET's `DateTime.MinValue`, what a
    platform sends for a time it does not have."""

    def render(self, version: str, module: str, index: int) -> dict:
        obj = super().render(version, module, index)
        if module == "sessions" and index % 5 == 0:
            obj["end_date_time"] = "0001-01-01T00:00:00Z"
        return obj


ENDED = '''select
  truncate(end_date_time, day) as ended
  round(kwh, 1) as energy_kwh
output xlsx to "OUT/x.xlsx"
'''


@pytest.mark.parametrize("where", ["", "  where end_date_time >= 2000-01-01T00:00:00Z\n"])
def test_a_time_before_1900_is_not_written_as_a_date_excel_cannot_show(
        run_cli, tmp_path, where) -> None:
    """Year 1 was written as the date serial -693593: Excel, whose dates start on
    1 January 1900, shows `#####` in every such cell (openpyxl and pandas read it back,
    so nothing noticed). The run stops with OCX593 and the `where` to write; with it,
    the workbook loads."""
    spec = tmp_path / "spec.ocx"
    spec.write_text(HEADER.split("from sessions")[0] + "from sessions\n" + where
                    + ENDED.replace("OUT/", f"{tmp_path}/out/"))
    with _MinValueServer(version="2.2.1", size=40) as demo:
        result = run_cli("run", str(spec), "--as-of", AS_OF, env={
            "OCPI_VERSIONS_URL": demo.versions_url, "OCPI_TOKEN": demo.token,
            "OUTPUT_TEST_KEY": KEY})
    if not where:
        assert result.exit_code == 1, result.output
        assert "a value of column `ended` is a time before 1900, which Excel shows as " \
               "`#####`" in result.stderr
        assert "write `where end_date_time >= 2000-01-01T00:00:00Z`" not in result.stderr
        assert "leave such records out with `where end_date_time >= " \
               "2000-01-01T00:00:00Z`" in result.stderr
        assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
        return
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(tmp_path / "out" / "x.xlsx")["sessions"]
    days = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert days and all(day >= datetime(2000, 1, 1) for day in days)


ESCAPE_LIKE = ("_x0041_", "Laadplein_x20AC__x000d_", "_X0041_ _x41_ _x00zz_")


class _EscapeLikeServer(DemoServer):
    """The demo CPO, where public locations are named with OOXML's `_xHHHH_` escapes."""

    def render(self, version: str, module: str, index: int) -> dict:
        obj = super().render(version, module, index)
        if module == "locations":
            obj["name"] = ESCAPE_LIKE[int(obj["id"][3:]) % len(ESCAPE_LIKE)]
        return obj


def test_a_text_like_an_ooxml_escape_shows_in_excel_as_written(run_cli, tmp_path) -> None:
    """Excel reads `_xHHHH_` in a cell as the character HHHH: a location the platform
    named `_x0041_` showed as `A`, one with `_x000d_` in it broke its line, while pandas
    read the name as sent. The `_` that starts such a text is written as Excel's escape
    of `_` (`_x005F_`), so Excel shows the name as sent, and openpyxl (under pandas)
    reads it back as sent (openpyxl, under pandas, with the loader of docs/outputs.md)."""
    import zipfile

    spec = tmp_path / "spec.ocx"
    spec.write_text('''export escape_test
  consumer "Gemeente Test"
  purpose "Public charging locations for the municipal map"
  legal basis public task "test"
  retention 12 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from locations
select
  id as site
  name
output xlsx to "OUT"
'''.replace("OUT", str(tmp_path / "sites.xlsx")))
    with _EscapeLikeServer(version="2.2.1", size=30, max_page_size=50) as server:
        env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
        result = run_cli("run", str(spec), "--as-of", AS_OF, env=env)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "sites.xlsx") as archive:
        stored = archive.read("xl/worksheets/sheet1.xml").decode()
    # what Excel decodes: every `_xHHHH_` is the escape of the `_` before it
    assert "_x005F_x0041_" in stored and "Laadplein_x005F_x20AC__x005F_x000d_" in stored
    assert "_X0041_ _x41_ _x00zz_" in stored   # not escapes: left as they are
    decoded = {re.sub("_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m[1], 16)), text)
               for text in re.findall(r"<t>([^<]*_x[^<]*)</t>", stored)}
    assert decoded == set(ESCAPE_LIKE)   # as Excel (ECMA-376 ST_Xstring) reads them
    # openpyxl decodes no escape in a cell; the loader the docs give does `_x005F_`
    assert set(docs_workbook_loader()(str(tmp_path / "sites.xlsx"))["name"]) == set(ESCAPE_LIKE)


DST_SPEC = '''export dst_test
  consumer "Stedin"
  purpose "Hourly load around the change to winter time"
  legal basis legitimate interests
  retention 1 year
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
  between 2025-10-25 and 2025-10-28
  window on start_date_time
  join locations on location_id
  each charging_periods as period
  spread period.energy_kwh over hour in location time zone as hour
group by
  hour
compute
  sum(period.energy_kwh) as energy_kwh
  minimum group size 2
order by hour
output FORMAT to "OUT"
'''


def test_the_two_hours_02_00_of_the_night_the_clocks_go_back_differ_in_excel(
        run_cli, tmp_path) -> None:
    """A local slot is written as the local time it names, so on 26 October 2025 the
    hours `02:00+02:00` and `02:00+01:00` of the CSV both showed in Excel as `2025-10-26
    2:00:00`: the grid planner saw one hour twice, with different loads. Each local
    time's cell now shows its offset (literal text of its number format); the value
    stays the local time, as pandas reads it. (Groups of 2: the demo's hours of one
    night hold few drivers.)"""
    for fmt in ("csv", "xlsx"):
        spec = tmp_path / f"{fmt}.ocx"
        spec.write_text(DST_SPEC.replace("FORMAT", fmt).replace("OUT", str(tmp_path / f"x.{fmt}")))
        result = run_cli("run", str(spec), "--demo")
        assert result.exit_code == 0, result.output
    expected = [row["hour"] for row in csv.DictReader(io.StringIO(
        (tmp_path / "x.csv").read_text(), newline=""))]
    assert "2025-10-26T02:00:00+02:00" in expected and "2025-10-26T02:00:00+01:00" in expected
    cells = [row[0] for row in openpyxl.load_workbook(tmp_path / "x.xlsx")["sessions"]
             .iter_rows(min_row=2)]
    shown = [cell.value.isoformat() + re.fullmatch(r'yyyy-mm-dd h:mm:ss"(.*)"',
                                                   cell.number_format)[1] for cell in cells]
    assert shown == expected
    assert len(set(shown)) == len(shown)
    described = {row[0]: row[2] for row in openpyxl.load_workbook(tmp_path / "x.xlsx")[
        "columns"].iter_rows(values_only=True)}
    assert described["hour"].endswith("(Parquet: the UTC instant; XLSX: the local time)")


def test_an_empty_workbook_declares_its_local_times(run_cli, tmp_path, server) -> None:
    """The `columns` sheet said `local datetime` only once a local value had been
    written: a week with no rows (or a column of nulls) declared a local day and a slot
    spread in the location's time zone as `datetime`, which the docs' loader reads as
    UTC, so the empty week's frame had another type than the others. The type comes
    from the plan."""
    spec = tmp_path / "spec.ocx"
    spec.write_text(HEADER.split("pseudonym key")[0] + (
        "source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN\n"
        "from sessions\n"
        "  where kwh > 100000\n"
        "  join locations on location_id\n"
        "  each charging_periods as period\n"
        "  spread period.energy_kwh over hour in location time zone as slot\n"
        "group by\n"
        "  slot\n"
        '  truncate(start_date_time, day, "Europe/Amsterdam") as local_day\n'
        "  truncate(start_date_time, day) as utc_day\n"
        '  truncate(start_date_time, hour, "UTC") as utc_hour\n'
        "compute\n"
        "  sum(period.energy_kwh) as energy_kwh\n"
        "  minimum group size 10\n"
        f'output xlsx to "{tmp_path}/out/x.xlsx"\n'))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
    result = run_cli("run", str(spec), "--as-of", AS_OF, env=env)
    assert result.exit_code == 0, result.output
    workbook = openpyxl.load_workbook(tmp_path / "out" / "x.xlsx")
    assert len(list(workbook["sessions"].iter_rows())) == 1  # the header alone
    described = {r[0]: r[1] for r in workbook["columns"].iter_rows(values_only=True)}
    assert (described["slot"], described["local_day"], described["utc_day"],
            described["utc_hour"]) == (
        "local datetime", "local datetime", "datetime", "datetime")
    frame = docs_workbook_loader()(str(tmp_path / "out" / "x.xlsx"))
    assert str(frame.utc_day.dtype).endswith("UTC]")
    assert str(frame.utc_hour.dtype).endswith("UTC]")
    assert "UTC" not in str(frame.local_day.dtype) and "UTC" not in str(frame.slot.dtype)


def test_a_truncate_in_utc_is_declared_utc(run_cli, tmp_path, server) -> None:
    """`truncate(t, day, "UTC")` is the plain truncate, labelled `Z` and shown ` UTC`;
    the `columns` sheet declares it `datetime`, as its cells are, whether rows came or
    not (it once followed the zone being named, and said `local datetime`)."""
    spec = tmp_path / "spec.ocx"
    body = HEADER.split("select\n")[0] + (
        'select\n  truncate(start_date_time, day, "UTC") as utc_day\n'
        '  truncate(start_date_time, day, "Europe/Amsterdam") as local_day\n')
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "OUTPUT_TEST_KEY": KEY}
    spec.write_text(body + f'output xlsx to "{tmp_path}/out/x.xlsx"\n')
    result = run_cli("run", str(spec), "--as-of", AS_OF, env=env)
    assert result.exit_code == 0, result.output
    workbook = openpyxl.load_workbook(tmp_path / "out" / "x.xlsx")
    described = {r[0]: r[1] for r in workbook["columns"].iter_rows(values_only=True)}
    assert (described["utc_day"], described["local_day"]) == ("datetime", "local datetime")
    assert workbook["sessions"]["A2"].number_format.endswith('" UTC"')
