"""A custom template that writes HTML or XML escapes the platform's text, whatever the
template is called: a location named `Café <b>"Bar"</b> & Co` stays that text in a
KML file QGIS opens, an SVG and an HTML page the consumer's browser shows. Before, only
templates named `*.html`/`*.htm`/`*.xml` were escaped: `t.j2` writing `x.html`, or
`points.kml.j2`, let the `<b>` through as a tag (a `<script>` would run) and the `&`
made the KML and SVG files unreadable XML. Runs go over HTTP to the independent CPO."""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from independent_cpo import IndependentCpo

NAME = 'Café <b>"Bar"</b> & Co | [P1](x) *2* _3_ ~~4~~ P&amp;R &#124; 5\\'
SPEC = '''export markup
  consumer "Test consumer"
  purpose "Templates that write markup"
  legal basis public task
  retention 1 year
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
'''
DATASET = '''
from locations as {name}
  where publish = true
select
  name
output template "{template}" to "{out}/{file}"
'''
KML = ('<kml xmlns="http://www.opengis.net/kml/2.2"><Document>{% for row in rows %}'
       "<Placemark><name>{{ row.name }}</name></Placemark>{% endfor %}</Document></kml>\n")
SVG = ('<svg xmlns="http://www.w3.org/2000/svg">{% for row in rows %}'
       "<text>{{ row.name }}</text>{% endfor %}</svg>\n")
HTML = "<ul>{% for row in rows %}<li>{{ row.name }}</li>{% endfor %}</ul>\n"
MARKDOWN = ("# Sites of {{ export.name }}\n\n| site | name |\n|---|---|\n"
            "{% for row in rows %}| {{ loop.index }} | {{ row.name }} |\n{% endfor %}")
# the rows written by a macro: its own bars stay the table's, the name it prints is escaped
MACRO_ROWS = ("{% macro line(n, name) %}| {{ n }} | {{ name }} |{% endmacro %}"
              "# Sites of {{ export.name }}\n\n| site | name |\n|---|---|\n"
              "{% for row in rows %}{{ line(loop.index, row.name) }}\n{% endfor %}")


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.items: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if self.open[-1:] == ["li"]:
            self.items.append(data)


def test_templates_writing_markup_escape_the_platforms_text(run_cli, tmp_path) -> None:
    (tmp_path / "points.kml.j2").write_text(KML)
    (tmp_path / "chart.j2").write_text(SVG)
    (tmp_path / "list.j2").write_text(HTML)
    (tmp_path / "table.md.j2").write_text(MARKDOWN)
    (tmp_path / "table.j2").write_text(MARKDOWN)
    (tmp_path / "rows.md.j2").write_text(MACRO_ROWS)
    outputs = {"kml": ("points.kml.j2", "x.kml"), "svg": ("chart.j2", "x.svg"),
               "page": ("list.j2", "x.html"), "packed": ("list.j2", "x.htm.gz"),
               "report": ("table.md.j2", "x.txt"), "notes": ("table.j2", "y.md"),
               "macro": ("rows.md.j2", "z.md")}
    spec = tmp_path / "markup.ocx"
    spec.write_text(SPEC + "".join(
        DATASET.format(name=name, template=template, out=tmp_path / "out", file=file)
        for name, (template, file) in outputs.items())
        + DATASET.split("output")[0].format(name="builtin") + f'output markdown to "{tmp_path}/out/b.md"\n')
    with IndependentCpo("2.2.1", records=4) as cpo:
        for location in cpo.lists["locations"]:
            location["name"] = NAME
        done = run_cli("run", str(spec), "--as-of", "2026-02-01T00:00:00Z", env={
            "OCPI_VERSIONS_URL": cpo.versions_url, "OCPI_TOKEN": cpo.token})
    assert done.exit_code == 0, done.output
    out = tmp_path / "out"
    names = [element.text for element in
             ET.parse(out / "x.kml").getroot().iter("{http://www.opengis.net/kml/2.2}name")]
    assert names and names == [NAME] * len(names)
    texts = [element.text for element in
             ET.parse(out / "x.svg").getroot().iter("{http://www.w3.org/2000/svg}text")]
    assert texts == names
    for page in ((out / "x.html").read_text(), gzip.decompress((out / "x.htm.gz").read_bytes())
                 .decode()):
        parsed = _Page()
        parsed.feed(page)
        assert parsed.tags == ["ul"] + ["li"] * len(names) and parsed.items == names, page
    for report in ("x.txt", "y.md", "z.md"):
        assert _markdown_cells(out / report) == [["site", "name"]] + [
            [str(n), NAME] for n in range(1, len(names) + 1)]
    # the built-in format escapes as these templates do
    assert _markdown_cells(out / "b.md") == [["name"]] + [[NAME]] * len(names)


def _markdown_cells(path) -> list[list[str]]:
    """The table's cells as a CommonMark reader with GFM tables and strikethrough sees
    them: each cell's text, and no HTML, link, emphasis or entity in it."""
    markdown_it = pytest.importorskip("markdown_it")
    tokens = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"]) \
        .parse(path.read_text())
    rows: list[list[str]] = []
    in_row = False
    for token in tokens:
        if token.type in ("tr_open", "tr_close"):
            in_row = token.type == "tr_open"
            rows += [[]] if in_row else []
        elif token.type == "inline" and in_row:
            kinds = {child.type for child in token.children or ()}
            assert kinds <= {"text"}, (kinds, token.content)
            rows[-1].append("".join(child.content for child in token.children or ()))
    return rows


def test_a_templates_data_package_names_its_files_media_type(run_cli, tmp_path) -> None:
    """A data portal serves a file as its data package says: an HTML report declared
    `text/plain` showed its tags, a KML file was not offered to a GIS."""
    import json

    from frictionless import Package

    (tmp_path / "list.j2").write_text(HTML)
    files = {"x.html": "text/html", "x.htm.gz": "text/html",
             "x.kml": "application/vnd.google-earth.kml+xml", "x.svg": "image/svg+xml",
             "x.md": "text/markdown", "x.txt": "text/plain", "x": "text/plain"}
    spec = tmp_path / "typed.ocx"
    spec.write_text(SPEC + "".join(
        DATASET.format(name=f"d{n}", template="list.j2", out=tmp_path / "out", file=file)
        for n, file in enumerate(files)))
    with IndependentCpo("2.2.1", records=4) as cpo:
        done = run_cli("run", str(spec), "--as-of", "2026-02-01T00:00:00Z", env={
            "OCPI_VERSIONS_URL": cpo.versions_url, "OCPI_TOKEN": cpo.token})
    assert done.exit_code == 0, done.output
    for file, mediatype in files.items():
        descriptor = tmp_path / "out" / f"{file}.datapackage.json"
        resource = json.loads(descriptor.read_text())["resources"][0]
        assert (resource["format"], resource["mediatype"]) == ("template", mediatype), file
        assert Package(str(descriptor)).resources[0].read_bytes(), file


FORMULA = '=HYPERLINK("http://x.example","open")'
# a `D` stands for the delimiter; the name is quoted as RFC 4180 says, a text that is a
# signed number printed after it
CSV_TEMPLATE = ('siteDnameDkwh\n{% for row in rows %}{{ loop.index }}D'
                '"{{ row.name | replace(\'"\', \'""\') }}"D{{ "-2.5" }}\n{% endfor %}')


def test_a_template_writing_csv_prints_no_formula(run_cli, tmp_path) -> None:
    """The built-in `csv` format makes a text Excel would run inert with a `'`; a
    template writing CSV (`sites.csv.j2`, or any template `to "x.tsv"`) printed a
    location named `=HYPERLINK(...)` as is, a link in the consumer's Excel."""
    import csv
    import io

    (tmp_path / "sites.csv.j2").write_text(CSV_TEMPLATE.replace("D", ","))
    (tmp_path / "sites.j2").write_text(CSV_TEMPLATE.replace("D", "\t"))
    spec = tmp_path / "sheets.ocx"
    spec.write_text(SPEC + DATASET.format(name="named", template="sites.csv.j2",
                                          out=tmp_path / "out", file="x.txt")
                    + DATASET.format(name="written", template="sites.j2",
                                     out=tmp_path / "out", file="y.tsv.gz"))
    with IndependentCpo("2.2.1", records=4) as cpo:
        for location in cpo.lists["locations"]:
            location["name"] = FORMULA
        done = run_cli("run", str(spec), "--as-of", "2026-02-01T00:00:00Z", env={
            "OCPI_VERSIONS_URL": cpo.versions_url, "OCPI_TOKEN": cpo.token})
    assert done.exit_code == 0, done.output
    for text, delimiter in (((tmp_path / "out" / "x.txt").read_text(), ","),
                            (gzip.decompress((tmp_path / "out" / "y.tsv.gz").read_bytes())
                             .decode(), "\t")):
        rows = list(csv.DictReader(io.StringIO(text), delimiter=delimiter))
        assert rows and [row["name"] for row in rows] == ["'" + FORMULA] * len(rows)
        assert {row["kwh"] for row in rows} == {"-2.5"}  # a signed number stays a number


# the natural way to write a CSV row in Jinja: the row's values joined by the delimiter
JOINED = '{{ columns | join(",") }}\n{% for row in rows %}{{ row.values() | join(",") }}\n{% endfor %}'
LINK = '=HYPERLINK("http://x.example")'
DDE = "-2+3+cmd|' /C calc'!A0"


def test_a_template_joining_a_row_into_cells_prints_no_formula(run_cli, tmp_path) -> None:
    """A template writing CSV made inert only the text it printed, by its first
    character: `row.values() | join(",")` printed `LOC1,=HYPERLINK(...),-2+3+cmd|...`,
    whose second and third cells Excel ran (a link, a DDE command). The rows such a
    template gets hold inert texts, so however it joins them no cell runs."""
    import csv
    import io

    (tmp_path / "rows.csv.j2").write_text(JOINED)
    spec = tmp_path / "joined.ocx"
    spec.write_text(SPEC + DATASET.format(name="joined", template="rows.csv.j2",
                                          out=tmp_path / "out", file="x.csv")
                    .replace("select\n  name\n", "select\n  id as site\n  name\n  city\n"))
    with IndependentCpo("2.2.1", records=4) as cpo:
        for location in cpo.lists["locations"]:
            location["name"], location["city"] = LINK, DDE
        done = run_cli("run", str(spec), "--as-of", "2026-02-01T00:00:00Z", env={
            "OCPI_VERSIONS_URL": cpo.versions_url, "OCPI_TOKEN": cpo.token})
    assert done.exit_code == 0, done.output
    rows = list(csv.reader(io.StringIO((tmp_path / "out" / "x.csv").read_text())))
    assert rows[0] == ["site", "name", "city"] and len(rows) > 1
    assert all(row[1:] == ["'" + LINK, "'" + DDE] for row in rows[1:]), rows

ATTRIBUTE = '<ul>{% for row in rows %}<li title="{{ row.name | tojson }}">x</li>{% endfor %}</ul>\n'
SAFE_USES = ("<ul>{% for row in rows %}<li title='{{ row.name | tojson }}'>x</li>{% endfor %}"
             '</ul>\n<script>const rows = {{ rows | tojson }};</script>\n'
             '<p class="n">{{ rows | length | tojson }}</p>\n')


def test_tojson_in_a_double_quoted_attribute_is_refused(run_cli, tmp_path, snapshot) -> None:
    """Jinja's `tojson` escapes `<`, `>`, `&` and `'`, not `"`: in `title="{{ row.name |
    tojson }}"` its first `"` ended the attribute, so a location the platform named
    `x onmouseover=alert(1) y` wrote an event handler into the consumer's page. Such a
    use is OCX414 before any request; `tojson` in a `<script>` or a single-quoted
    attribute stays allowed."""
    (tmp_path / "sites.html.j2").write_text(ATTRIBUTE)
    (tmp_path / "safe.html.j2").write_text(SAFE_USES)
    spec = tmp_path / "attributes.ocx"
    spec.write_text(SPEC + DATASET.format(name="sites", template="sites.html.j2",
                                          out=tmp_path / "out", file="x.html"))
    with IndependentCpo("2.2.1", records=4) as cpo:
        for location in cpo.lists["locations"]:
            location["name"] = "x onmouseover=alert(1) y"
        env = {"OCPI_VERSIONS_URL": cpo.versions_url, "OCPI_TOKEN": cpo.token}
        refused = run_cli("run", str(spec), "--as-of", "2026-02-01T00:00:00Z", env=env)
        assert refused.exit_code == 1 and not (tmp_path / "out").exists()
        assert not cpo.requests
        spec.write_text(SPEC + DATASET.format(name="sites", template="safe.html.j2",
                                              out=tmp_path / "out", file="x.html"))
        done = run_cli("run", str(spec), "--as-of", "2026-02-01T00:00:00Z", env=env)
    assert done.exit_code == 0, done.output
    assert "onmouseover" not in _attributes((tmp_path / "out" / "x.html").read_text())
    assert run_cli("check", str(spec)).exit_code == 0
    spec.write_text(SPEC + DATASET.format(name="sites", template="sites.html.j2",
                                          out="out", file="x.html"))
    assert run_cli("check", str(spec)).output.replace(str(tmp_path), "TMP") == snapshot


def _attributes(page: str) -> list[str]:
    """The attribute names of every tag of the page, as a browser parses them."""
    names: list[str] = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list) -> None:
            names.extend(name for name, _ in attrs)

    Tags().feed(page)
    return names


LINKS = ('<ul>{% for row in rows %}<li><a href="{{ row.website }}">{{ row.name }}</a></li>'
         "{% endfor %}</ul>\n")
WEBSITES = ("javascript:console.error('ran')", " JaVa\tScript:console.error('ran')",
            "data:text/html,<script>console.error('ran')</script>", "https://example.com/")


def test_a_platforms_script_url_is_no_link_in_the_consumers_page(run_cli, tmp_path) -> None:
    """Autoescaping keeps a name from becoming a tag, not a URL from becoming a script:
    an operator's website sent as `javascript:...` was a live link in an HTML page made
    from the open data (a click ran it in Chromium). A URL field whose scheme is not
    http(s) is read as null and counted with the invalid fields."""
    from browser import open_page, require_chromium

    require_chromium()
    (tmp_path / "links.j2").write_text(LINKS)
    spec = tmp_path / "links.ocx"
    spec.write_text(SPEC + f'''
from locations
select
  name
  operator.website as website
output template "links.j2" to "{tmp_path}/out/sites.html"
''')
    with IndependentCpo("2.2.1", records=4) as cpo:
        for n, location in enumerate(cpo.lists["locations"]):
            location["operator"] = {"name": "Op", "website": WEBSITES[n % len(WEBSITES)]}
        assert len(cpo.lists["locations"]) >= 2
        done = run_cli("run", str(spec), "--as-of", "2026-02-01T00:00:00Z", env={
            "OCPI_VERSIONS_URL": cpo.versions_url, "OCPI_TOKEN": cpo.token})
    assert done.exit_code == 0, done.output
    assert "another scheme than http(s)" in done.stderr
    report = open_page(tmp_path / "out" / "sites.html", evaluate={
        "protocols": "Array.from(document.links, a => a.protocol).join(' ')"})
    assert set(report.values["protocols"].split()) <= {"https:", "file:"}, report.values
    assert report.console_errors == []
