"""A postal code (or a help desk phone number) that is none never leaves in its column.

The attack (adversarial review, session 30): a platform puts text of its own in a public
location's `postal_code` (OCPI: text of at most 10 characters), an e-mail address or a
name (`j.qx7@x.nl`, `Jan Jansen`). The wire check read it as any text of 10 characters:
an open-data export releasing `postal_code` published it as sent, and a municipality's
`prefix(location.postal_code, 4)` of sessions joined to their sites released `j.qx`.
A postal code is letters and digits, with a digit, in parts joined by a space or a
hyphen; anything else is read as null (and counted, by field, in the run's summary).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ocpispec.demo import DemoServer
from ocpispec.schema.wire_check import wire_reader

SMUGGLED = ("j.qx7@x.nl", "Jan Jansen", "J.Jansen", "jan@ex.org", "0612/34567", "NA")
USUAL = ("3511 AB", "3511AB", "10115", "SW1A 1AA", "12345-6789", "d02 x285", "01067", "9000")


class _SmugglingServer(DemoServer):
    """The demo CPO, whose locations carry text of their own or a usual postal code."""

    def render(self, version: str, module: str, index: int) -> dict[str, Any]:
        obj = super().render(version, module, index)
        if module == "locations":
            codes = SMUGGLED if index % 2 else USUAL
            obj["postal_code"] = codes[index // 2 % len(codes)]
        return obj


HEAD = '''export postal_codes
  consumer "Nationaal Open Data Portaal"
  purpose "Public charging locations and their postal areas"
  legal basis legal obligation "AFIR, Regulation (EU) 2023/1804, Art. 20"
  retention 12 months
  pseudonym key env KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
'''
SITES = HEAD + '''from locations
  where publish = true
select
  id as site
  postal_code
output ndjson to "{out}/sites.ndjson"
'''
SESSIONS = HEAD + '''from sessions
  join locations on location_id
select
  pseudonymize(id) as session
  prefix(location.postal_code, 4) as postal_area
output ndjson to "{out}/sessions.ndjson"
'''


@pytest.fixture(scope="module")
def server():
    with _SmugglingServer(version="2.2.1", size=300, max_page_size=100) as demo:
        yield demo


def _export(run_cli, server, tmp_path: Path, spec_text: str, *options: str):
    spec = tmp_path / "spec.ocx"
    spec.write_text(spec_text.replace("{out}", str(tmp_path)))
    return run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", *options,
                   env={"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
                        "KEY": "5b8e2d0f9a3c71e46b0d8f2a5c9e13b7d4f6a08c2e5b19d7f3a6c40e8b2d5f19", "OCPISPEC_LEDGER": str(tmp_path / "ledger.sqlite")})


def _leaks(text: str) -> list[str]:
    return [smuggled for smuggled in SMUGGLED if f'"{smuggled}"' in text or
            f'"{smuggled[:4]}"' in text]


def test_a_postal_code_that_is_no_postal_code_is_not_released(run_cli, server, tmp_path: Path) -> None:
    result = _export(run_cli, server, tmp_path, SITES)
    assert result.exit_code == 0, result.stderr
    text = (tmp_path / "sites.ndjson").read_text()
    rows = [json.loads(line) for line in text.splitlines()]
    assert len(rows) > 20
    assert _leaks(text) == []
    assert {row["postal_code"] for row in rows} == {*USUAL, None}


def test_nor_its_prefix_through_a_join(run_cli, server, tmp_path: Path) -> None:
    result = _export(run_cli, server, tmp_path, SESSIONS)
    assert result.exit_code == 0, result.stderr
    text = (tmp_path / "sessions.ndjson").read_text()
    assert text.count("\n") > 20
    assert _leaks(text) == []
    assert {json.loads(line)["postal_area"] for line in text.splitlines()} <= \
        {code.replace(" ", "")[:4] for code in USUAL} | {None}


def test_the_summary_and_run_record_name_the_field_not_the_value(
        run_cli, server, tmp_path: Path, snapshot) -> None:
    """An optional field read as null leaves its record valid: the run needs no allowance,
    and says which field and why, never what was in it."""
    result = _export(run_cli, server, tmp_path, SITES)
    assert result.exit_code == 0, result.stderr
    beside = "".join(path.read_text() for path in tmp_path.rglob("*")
                     if path.is_file() and path.suffix in (".json", ".ndjson"))
    for text in (result.stderr, beside):
        assert _leaks(text) == [] and "@" not in text
    assert [line.strip() for line in result.stderr.splitlines() if "invalid fields" in line] == snapshot


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3.0"])
def test_usual_postal_codes_pass_and_others_are_null(version: str) -> None:
    locations, cdrs = wire_reader(version, "locations"), wire_reader(version, "cdrs")
    for code in (*USUAL, "", " 3511 AB"):
        record = {"postal_code": code}
        assert locations(record).invalid == ()
        assert record["postal_code"] == code.strip()
    for code in SMUGGLED:
        record = {"postal_code": code}
        assert locations(record).invalid == (("postal_code", "not a postal code"),)
        assert record["postal_code"] is None
    where = "cdr_location" if version != "2.1.1" else "location"
    record = {where: {"postal_code": "j.qx7@x.nl"}}
    assert cdrs(record).invalid == ((f"{where}.postal_code", "not a postal code"),)


PHONES = ("+31307400000", "+49 221 5550101", "+31 (0)30 740 0000", "030-7400000", "0800.1234")
NO_PHONES = ("j.qx7@x.nl", "Jan Jansen", "bel Jan: 0612345678", "+31 30 740 ext. 5")


class _PhoneServer(DemoServer):
    """The demo CPO at 2.3.0, whose locations' help desk numbers carry text of their own."""

    def render(self, version: str, module: str, index: int) -> dict[str, Any]:
        obj = super().render(version, module, index)
        if module == "locations":
            phones = NO_PHONES if index % 2 else PHONES
            obj["help_phone"] = phones[index // 2 % len(phones)]
        return obj


def test_a_help_phone_that_is_no_phone_number_is_not_released(run_cli, tmp_path: Path) -> None:
    """The same for a 2.3.0 location's `help_phone`, public text of 25 characters: digits
    with `+`, spaces, brackets, `-`, `.` or `/`."""
    spec = SITES.replace("  postal_code\n", "  help_phone\n")
    with _PhoneServer(version="2.3.0", size=300, max_page_size=100) as phones:
        result = _export(run_cli, phones, tmp_path, spec)
    assert result.exit_code == 0, result.stderr
    text = (tmp_path / "sites.ndjson").read_text()
    shown = {json.loads(line)["help_phone"] for line in text.splitlines()}
    assert shown == {*PHONES, None}
    assert "@" not in text + result.stderr and "Jan" not in text + result.stderr
    assert "locations.help_phone (not a phone number)" in result.stderr
