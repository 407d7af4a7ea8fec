"""A platform's text holding a character XML 1.0 cannot hold (the noncharacters U+FFFE
and U+FFFF, which some platforms use as an "unset" marker, beside the C0 controls)
still gives files their readers open: an XLSX workbook (openpyxl; Excel offered to
repair it by deleting the sheet) and a template writing XML (a KML layer QGIS reads).
Before, only the C0 controls were left out, and both files were unreadable while the
run exited 0. Runs go over HTTP to the independent CPO."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl

from independent_cpo import IndependentCpo

NAMES = ("Laadplein\uffff", "\ufffeStation Noord", "Parking\x0b P1")
SPEC = '''export xml_characters
  consumer "Test consumer"
  purpose "Public sites in a workbook and on a map layer"
  legal basis public task
  retention 1 year
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from locations as sheet
  where publish = true
select
  name
output xlsx to "OUT/sites.xlsx"

from locations as layer
  where publish = true
select
  name
output template "TEMPLATE" to "OUT/sites.kml"
'''
KML = ('<kml xmlns="http://www.opengis.net/kml/2.2"><Document>{% for row in rows %}'
       "<Placemark><name>{{ row.name }}</name></Placemark>{% endfor %}</Document></kml>\n")


def test_text_xml_cannot_hold_leaves_the_workbook_and_the_layer_readable(run_cli, tmp_path: Path) -> None:
    template = tmp_path / "points.kml.j2"
    template.write_text(KML)
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.replace("OUT", str(tmp_path / "out")).replace("TEMPLATE", template.name))
    with IndependentCpo("2.2.1", records=3) as cpo:
        public = [site for site in cpo.lists["locations"] if site.get("publish") is not False]
        for index, site in enumerate(public):
            site["name"] = NAMES[index % len(NAMES)]
        done = run_cli("run", str(spec), "--as-of", "2026-02-01T00:00:00Z", env={
            "OCPI_VERSIONS_URL": cpo.versions_url, "OCPI_TOKEN": cpo.token})
    assert done.exit_code == 0, done.output
    sent = [NAMES[index % len(NAMES)] for index in range(len(public))]
    sheet = openpyxl.load_workbook(tmp_path / "out" / "sites.xlsx").worksheets[0]
    # the cell holds the text without them, as it holds a C0 control
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        name.replace("\uffff", "").replace("\ufffe", "").replace("\x0b", "") for name in sent]
    layer = ET.parse(tmp_path / "out" / "sites.kml").getroot()
    # a report shows each as its code point, as it shows a control character
    assert [element.text for element in layer.iter("{http://www.opengis.net/kml/2.2}name")] == [
        name.replace("\uffff", "<U+FFFF>").replace("\ufffe", "<U+FFFE>").replace("\x0b", "<U+000B>")
        for name in sent]
