"""Renderers: every built-in format, exact text, streamed; custom templates sandboxed."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.render import CustomTemplate, RenderContext, RenderError, render

ROWS = [
    {"name": 'Garage "De Munt", Utrecht', "area": "3511", "kwh": 12.5, "ok": True,
     "note": "line one\nline two", "none": None},
    {"name": "plain", "area": "1012", "kwh": 3, "ok": False, "note": "", "none": None},
]
CONTEXT = RenderContext(
    tuple(ROWS[0]),
    {"name": "demo_export", "consumer": "Gemeente", "purpose": "planning",
     "legal_basis": "public task", "retention": "12 months"},
    {"date": "2026-01-01", "time": "00:00:00", "timestamp": "2026-01-01T00:00:00Z",
     "window_start": "2025-12-01T00:00:00Z", "window_end": "2026-01-01T00:00:00Z",
     "ocpi_version": "2.2.1", "plan_fingerprint": "0123456789ab"})


def _render(format: str, rows=ROWS, context=CONTEXT, template: Path | None = None) -> str:
    out = io.StringIO()
    custom = CustomTemplate(template.parent, template.name) if template else None
    count = render(format, iter(rows), context, out, template=custom)
    assert count == len(rows)
    return out.getvalue()


def test_csv_quotes_commas_quotes_and_newlines() -> None:
    text = _render("csv")
    assert text == (
        'name,area,kwh,ok,note,none\r\n'
        '"Garage ""De Munt"", Utrecht",3511,12.5,true,"line one\nline two",\r\n'
        'plain,1012,3,false,,\r\n')
    parsed = list(csv.DictReader(io.StringIO(text, newline="")))
    assert parsed[0]["name"] == 'Garage "De Munt", Utrecht'
    assert parsed[0]["note"] == "line one\nline two"


def test_csv_of_no_rows_is_the_header() -> None:
    assert _render("csv", rows=[]) == "name,area,kwh,ok,note,none\r\n"


def test_ndjson_and_json() -> None:
    lines = _render("ndjson").splitlines()
    assert [json.loads(line) for line in lines] == ROWS
    assert json.loads(_render("json")) == ROWS
    assert json.loads(_render("json", rows=[])) == []


def test_geojson_points_are_longitude_first() -> None:
    rows = [{"id": "L1", "position": {"latitude": "52.09", "longitude": "5.12"}},
            {"id": "L2", "position": None}]
    context = RenderContext(("id", "position"), CONTEXT.export, CONTEXT.run, "position")
    document = json.loads(_render("geojson", rows, context))
    assert document["type"] == "FeatureCollection"
    first, second = document["features"]
    assert first["geometry"] == {"type": "Point", "coordinates": [5.12, 52.09]}
    assert first["properties"] == {"id": "L1"}
    assert second["geometry"] is None


def test_markdown_summary(snapshot) -> None:
    assert _render("markdown") == snapshot


def test_html_summary_escapes(snapshot) -> None:
    rows = [{"name": "<script>alert(1)</script>", "area": "3511", "kwh": 1, "ok": True,
             "note": "a & b", "none": None}]
    text = _render("html", rows)
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert text == snapshot


def test_markdown_header_and_cells_show_text_as_written(snapshot) -> None:
    """A consumer or a platform value with Markdown or HTML in it never becomes a tag, a
    link or emphasis; a window without bounds reads as words, not `None to None`."""
    export = {**CONTEXT.export, "consumer": "<img src=x onerror=alert(1)> *Gemeente* [x](http://evil)",
              "purpose": "planning | stats"}
    run = {**CONTEXT.run, "window_start": None, "window_end": None}
    context = RenderContext(CONTEXT.columns, export, run)
    rows = [{**ROWS[1], "name": "<b>bold</b> `code`"}]
    text = _render("markdown", rows, context)
    assert "<img" not in text.replace("\\<img", "") and "\\<img" in text
    assert "- window: all records" in text and "None" not in text
    assert text == snapshot


def test_a_window_open_at_one_end_reads_as_words() -> None:
    run = {**CONTEXT.run, "window_start": None}
    context = RenderContext(CONTEXT.columns, CONTEXT.export, run)
    for format in ("markdown", "html"):
        assert "the first record to 2026-01-01T00:00:00Z" in _render(format, context=context)


def test_a_table_for_people_holds_every_row() -> None:
    """The markdown and html formats once showed the first 50 rows and counted the rest,
    while the run and the manifest said every row was written."""
    rows = [{"name": f"row {i}", "area": "", "kwh": i, "ok": True, "note": "", "none": None}
            for i in range(60)]
    for format, row in (("markdown", "| row 59 |"), ("html", "<td>row 59</td>")):
        text = _render(format, rows)
        assert row in text and "more rows" not in text
        assert "60 rows written." in text


def test_rendering_streams() -> None:
    """The renderer pulls rows one chunk at a time; it never lists them first."""
    pulled = []

    def rows():
        for index in range(2000):
            pulled.append(index)
            yield {"name": str(index), "area": "", "kwh": index, "ok": True, "note": "",
                   "none": None}

    class Sink:
        def __init__(self) -> None:
            self.seen_when_first_written: int | None = None

        def write(self, text: str) -> None:
            if self.seen_when_first_written is None and "\r\n0," in "\r\n" + text:
                self.seen_when_first_written = len(pulled)

    sink = Sink()
    render("csv", rows(), CONTEXT, sink)  # type: ignore[arg-type]
    assert sink.seen_when_first_written is not None and sink.seen_when_first_written < 2000


def test_custom_template_sees_rows_columns_export_and_run(tmp_path: Path) -> None:
    template = tmp_path / "report.md.j2"
    template.write_text("{{ export.name }} {{ run.ocpi_version }} {{ columns | join('/') }}\n"
                        "{% for row in rows %}{{ row.area }};{% endfor %}\n")
    assert _render("template", template=template) == \
        "demo_export 2.2.1 name/area/kwh/ok/note/none\n3511;1012;\n"


@pytest.mark.parametrize("body", [
    "{% for row in rows %}{{ row.secret }}{% endfor %}",
    "{{ rows.__class__.__mro__ }}",
    "{{ run.__class__ }}",
    "{% for row in rows %}{{ row.update({'x': 1}) }}{% endfor %}",
    "{{ undefined_variable }}",
])
def test_custom_template_cannot_reach_outside_its_context(tmp_path: Path, body: str) -> None:
    template = tmp_path / "evil.j2"
    template.write_text(body)
    with pytest.raises(RenderError) as caught:
        _render("template", template=template)
    assert "evil.j2" in str(caught.value)


def test_a_failing_template_names_the_file_and_line(tmp_path: Path, snapshot) -> None:
    """The message names where it failed (an included template by its own name), never
    the value: a `TypeError`'s text may quote a row."""
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "sum.j2").write_text("total:\n\n{{ rows[0].kwh + rows[0].name }}\n")
    (tmp_path / "main.j2").write_text('{{ rows | length }}\n{% include "parts/sum.j2" %}\n')
    (tmp_path / "direct.j2").write_text("one\n{{ rows[1].ok.x.y }}\n")
    messages = []
    for name in ("main.j2", "direct.j2"):
        with pytest.raises(RenderError) as caught:
            _render("template", template=tmp_path / name)
        messages.append(str(caught.value))
    assert messages == snapshot
    assert "plain" not in " ".join(messages) and "Garage" not in " ".join(messages)


def test_html_template_is_autoescaped(tmp_path: Path) -> None:
    template = tmp_path / "page.html.j2"
    template.write_text("{% for row in rows %}<p>{{ row.name }}</p>{% endfor %}")
    rows = [{**ROWS[1], "name": "<b>bold</b>"}]
    assert _render("template", rows, template=template) == "<p>&lt;b&gt;bold&lt;/b&gt;</p>"


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.lists(st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=st.sampled_from('ab ,"\r\n\t;')), st.text()), min_size=1, max_size=4),
    min_size=1, max_size=5))
def test_csv_matches_the_csv_module(rows: list[list[object]]) -> None:
    width = max(len(row) for row in rows)
    columns = tuple(f"c{i}" for i in range(width))
    dicts = [dict(zip(columns, row)) for row in rows]
    out = io.StringIO()
    render("csv", iter(dicts), RenderContext(columns, {}, {}), out)
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\r\n")
    writer.writerow(columns)
    for row in dicts:
        writer.writerow([_expected_cell(row.get(name)) for name in columns])
    assert out.getvalue() == expected.getvalue()


def _expected_cell(value: object) -> object:
    """As the csv module writes a value, except that a text Excel would run as a formula
    gets a leading `'` (docs/outputs.md); a sign with digits and punctuation stays."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        if not re.fullmatch(r"[+-][\d\s().,/+-]*", value):
            return "'" + value
    return value


_CELL = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                  st.floats(allow_nan=False, allow_infinity=False, width=32),
                  st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12))


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(_CELL, _CELL, _CELL), max_size=4),
       first=st.sampled_from(["a", "ID", "id"]), dialect=st.sampled_from([
           None, ("semicolon", ";", "comma", True, "all", "lf"),
           ("tab", "\t", "point", False, "minimal", "crlf")]))
def test_csv_and_ndjson_are_written_as_their_templates_write_them(rows, first, dialect) -> None:
    """CSV and NDJSON are written without jinja2 (`render._LINE_FORMATS`), byte for byte
    as `csv.j2` and `ndjson.j2` render them: their header, quoting, dialect and chunks."""
    import ocpispec.render as rendering
    from ocpispec.plan.ir import CsvDialect
    from ocpispec.render.values import CsvLines, ndjson_chunks

    columns = (first, "b", "c")
    context = RenderContext(columns, CONTEXT.export, CONTEXT.run,
                            dialect=None if dialect is None else CsvDialect(*dialect))
    records = [dict(zip(columns, row)) for row in rows]
    variables = {"rows": records, "csv": CsvLines(columns, context.dialect),
                 "ndjson_chunks": ndjson_chunks}
    for format in ("csv", "ndjson"):
        template = rendering._builtin_environment().get_template(f"{format}.j2")
        assert _render(format, rows=records, context=context) == \
            "".join(template.generate(variables))
