"""A latitude or longitude that is no number never leaves in a coordinate column.

The attack: a platform puts text of its own in a location's `latitude` (OCPI: a decimal
degree as text, at most 10 characters): a phone number, initials, a card number. The
wire check read it as a string of 10 characters and let it pass, and an open-data export
releasing `coordinates.latitude` as a public column published it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ocpispec.demo import DemoServer
from ocpispec.schema.wire_check import wire_reader

SMUGGLED = ("0612345678", "J.Jansen", "04A2B3C4D5", "52.1 ABC", "1e5", "-91.5", "0x1F")


class _SmugglingServer(DemoServer):
    """The demo CPO, where public locations carry text of their own in a coordinate."""

    def render(self, version: str, module: str, index: int) -> dict[str, Any]:
        obj = super().render(version, module, index)
        if module == "locations" and index % 4 == 1:
            text = SMUGGLED[index // 4 % len(SMUGGLED)]
            obj["coordinates"]["latitude"] = text
        return obj


SPEC = '''export coordinates
  consumer "Nationaal Open Data Portaal"
  purpose "Publish the public charging locations and where they are"
  legal basis legal obligation "AFIR, Regulation (EU) 2023/1804, Art. 20"
  retention 12 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from locations
  where publish = true
select
  id as site
  coordinates.latitude as latitude
  coordinates.longitude as longitude
output ndjson to "{out}/sites.ndjson"
'''



def _export(run_cli, tmp_path: Path, spec_text: str, server_class: type) -> None:
    """Run `spec_text` against a 2.2.1 platform of `server_class`; it must succeed."""
    spec = tmp_path / "spec.ocx"
    spec.write_text(spec_text.replace("{out}", str(tmp_path)))
    with server_class(version="2.2.1", size=300, max_page_size=100) as server:
        result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "--quiet",
                         "--allow-invalid", "100%",
                         env={"OCPI_VERSIONS_URL": server.versions_url,
                              "OCPI_TOKEN": server.token})
    assert result.exit_code == 0, result.stderr

def test_a_coordinate_that_is_no_number_is_not_released(run_cli, tmp_path: Path) -> None:
    _export(run_cli, tmp_path, SPEC, _SmugglingServer)
    text = (tmp_path / "sites.ndjson").read_text()
    rows = [json.loads(line) for line in text.splitlines()]
    assert len(rows) > 10
    for smuggled in SMUGGLED:
        assert f'"{smuggled}"' not in text
    assert sum(row["latitude"] is None for row in rows) >= len(SMUGGLED)
    for row in rows:
        assert row["latitude"] is None or -90 <= float(row["latitude"]) <= 90


def test_decimal_degrees_of_every_usual_shape_pass() -> None:
    read = wire_reader("2.2.1", "locations")
    for latitude, longitude in (("52.12345", "4.1234567"), ("-33.9", "151"), ("0", "-0.5"),
                                ("52.123456", " 4.12345")):
        record = {"coordinates": {"latitude": latitude, "longitude": longitude}}
        assert read(record).invalid == ()
        # released as the number it is, without the white space around it
        assert record["coordinates"] == {"latitude": latitude, "longitude": longitude.strip()}
    record = {"coordinates": {"latitude": "52.1", "longitude": "181"}}
    assert read(record).invalid == (("coordinates.longitude", "not a number of degrees"),)


# what `float` reads and a coordinate column should not hold: digits of other scripts
# (Arabic-Indic, full-width), a line break after the number (a regular expression's `$`
# matches before it), white space around it
SCRIPTS = ("\u0665\u0662.\u0660\u0669\u0660\u0668\u0660", "\uff15\uff12.\uff10\uff19", "52.09080\n",
           " 52.09080\r\n", "\t4.87981")


class _ScriptDigitsServer(DemoServer):
    """The demo CPO, where public locations write a coordinate in such forms."""

    def render(self, version: str, module: str, index: int) -> dict[str, Any]:
        obj = super().render(version, module, index)
        if module == "locations" and index % 4 == 1:
            obj["coordinates"]["latitude"] = SCRIPTS[index // 4 % len(SCRIPTS)]
        return obj


def test_a_coordinate_leaves_in_ascii_digits_without_white_space(run_cli, tmp_path: Path) -> None:
    """`٥٢.٠٩٠٨٠` passed the degrees test (a str pattern's `\\d` takes any script's digits)
    and `52.09080` with a line break after it too (`$`), and both left as sent in the
    coordinate column, where a consumer's reader takes neither for a number; a number
    padded with white space left padded. Digits of another script are no degrees now, and
    white space around a number is left out (a deviation, counted)."""
    _export(run_cli, tmp_path, SPEC, _ScriptDigitsServer)
    rows = [json.loads(line) for line in (tmp_path / "sites.ndjson").read_text().splitlines()]
    assert len(rows) > 10
    latitudes = [row["latitude"] for row in rows]
    assert None in latitudes and "52.09080" in latitudes
    for latitude in latitudes:
        assert latitude is None or (latitude.isascii() and latitude == latitude.strip()
                                    and -90 <= float(latitude) <= 90)


def test_a_time_or_a_date_in_other_digits_or_with_a_line_break_is_none() -> None:
    locations, tariffs = wire_reader("2.2.1", "locations"), wire_reader("2.2.1", "tariffs")
    record = {"opening_times": {"twentyfourseven": False, "regular_hours": [
        {"weekday": 1, "period_begin": "\u0660\u0668:\u0660\u0660", "period_end": "8:00\n"}]}}
    assert locations(record).invalid == (("opening_times.regular_hours.period_begin", "not a time of day"),)
    assert record["opening_times"]["regular_hours"][0]["period_end"] == "8:00"
    record = {"elements": [{"restrictions": {"start_date": "\u0662\u0660\u0662\u0666-01-01"}}]}
    assert tariffs(record).invalid == (("elements.restrictions.start_date", "not a date"),)
    record = {"facilities": ["PARKING_LOT\n"], "parking_type": "ON_STREET"}
    assert wire_reader("2.3.0", "locations")(record).invalid == (("facilities", "a list with an item of the wrong type"),)


class _FormatServer(DemoServer):
    """The demo CPO, where public locations carry text of their own in `time_zone` and
    in the opening hours, and tariffs in their restrictions' times and dates."""

    def render(self, version: str, module: str, index: int) -> dict[str, Any]:
        obj = super().render(version, module, index)
        if module == "locations" and index % 3 == 1:
            obj["time_zone"] = "Jan Jansen, Dorpsstraat 12"
            obj["opening_times"] = {"twentyfourseven": False, "regular_hours": [
                {"weekday": 1, "period_begin": "J.J.", "period_end": "0612345678"[:5]}]}
        if module == "tariffs":
            for element in obj.get("elements", []):
                element["restrictions"] = {"start_date": "0612345678", "start_time": "Jan"}
        return obj


FORMAT_SPEC = '''export formats
  consumer "Nationaal Open Data Portaal"
  purpose "Publish the public charging locations, their opening hours and tariffs"
  legal basis legal obligation "AFIR, Regulation (EU) 2023/1804, Art. 20"
  retention 12 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from locations
  where publish = true
select
  id as site
  time_zone
  jmespath("opening_times.regular_hours[0].period_begin") as opens
output ndjson to "{out}/sites.ndjson"
from tariffs
select
  id as tariff
  jmespath("elements[0].restrictions.start_date") as from_date
  jmespath("elements[0].restrictions.start_time") as from_time
output ndjson to "{out}/tariffs.ndjson"
'''


def test_text_in_a_time_a_date_or_a_time_zone_is_not_released(run_cli, tmp_path: Path) -> None:
    _export(run_cli, tmp_path, FORMAT_SPEC, _FormatServer)
    sites = (tmp_path / "sites.ndjson").read_text()
    tariffs = (tmp_path / "tariffs.ndjson").read_text()
    assert sites.count("\n") > 10 and tariffs.count("\n") >= 3
    assert '"Europe/' in sites
    for smuggled in ("Jan Jansen", "J.J.", "06123", "0612345678", '"Jan"'):
        assert smuggled not in sites + tariffs


def test_times_dates_and_zones_of_every_usual_shape_pass() -> None:
    locations, tariffs = wire_reader("2.2.1", "locations"), wire_reader("2.2.1", "tariffs")
    for begin, end, zone in (("08:00", "20:00", "Europe/Amsterdam"), ("7:30", "24:00", "UTC"),
                             ("9:00", "17:00", "europe/berlin"), ("06:00", "22:00", "UTC+01:00"),
                             ("00:00", "23:59", "America/Argentina/Buenos_Aires")):
        record = {"time_zone": zone, "opening_times": {"twentyfourseven": False, "regular_hours": [
            {"weekday": 1, "period_begin": begin, "period_end": end}]}}
        assert locations(record).invalid == ()
    record = {"elements": [{"restrictions": {"start_date": "2026-01-01", "end_time": "18:00"}}]}
    assert tariffs(record).invalid == ()
