"""A driver's e-mail address or card id never leaves in a public free text.

The attack (adversarial review, session 31): free text a platform writes and a spec may
release as public or as a place (a location's `name`, `address` and `city`, an
operator's `name`, a tariff's `tariff_alt_text`, a CDR's `cdr_location.name`) had no
check beyond its length. A hostile platform put a driver's e-mail address there, or
the record's own card uid or contract id: an open-data export of sites, a tariff list
and a CDR export released them as sent. Such a text is now read as null and counted
by field and reason in the summary and the run record, never shown
(`wire_tests.prose`, `schema/own_ids.py`); the demo's and OCPI's examples pass as they are.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ocpispec.demo import DemoServer
from ocpispec.schema.wire_check import wire_reader

KEY = "5b8e2d0f9a3c71e46b0d8f2a5c9e13b7d4f6a08c2e5b19d7f3a6c40e8b2d5f19"
MAILS = ("jan.jansen@example.com", "Bel of mail: j.qx7 @ x . nl", "info\uff20thuis.nl",
         "p.de.vries\ufe6bmail.org")
CANARIES = ("jansen", "qx7", "thuis", "vries")
# what real sites, operators and tariffs write, with an at sign among them
USUAL = ("Parking @ Station", "P+R Eindhoven", "Stationsplein 1, 3511 ED", "Garage @ P1.2",
         "Straße des 17. Juni 135", "€0.35/kWh @ 11 kW", "Q-Park Vaartsche Rijn")


class _SmugglingServer(DemoServer):
    """The demo CPO, whose sites' and tariffs' texts carry e-mail addresses and whose
    CDRs' sites carry the CDR's own card uid or contract id, every other object."""

    def render(self, version: str, module: str, index: int) -> dict[str, Any]:
        obj = super().render(version, module, index)
        texts = MAILS if index % 2 else USUAL
        text = texts[index // 2 % len(texts)]
        if module == "locations":
            obj["name"] = text
            obj["operator"] = {"name": text}
            obj["directions"] = [{"language": "nl", "text": text}]
        elif module == "tariffs":
            obj["tariff_alt_text"] = [{"language": "en", "text": text}]
        elif module == "cdrs" and index % 2:
            token = obj["cdr_token"]
            obj["cdr_location"]["name"] = f"Laadpas {token['uid'].lower()}"
            obj["cdr_location"]["address"] = f"contract {token['contract_id'].replace('-', ' ')}"
        return obj


HEAD = '''export {name}
  consumer "Nationaal Open Data Portaal"
  purpose "Public charging locations, their operators and prices"
  legal basis legal obligation "AFIR, Regulation (EU) 2023/1804, Art. 20"
  retention 12 months
  pseudonym key env KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
'''
SITES = HEAD.format(name="sites") + '''from locations
  where publish = true
select
  id as site
  name
  operator.name as operator
output ndjson to "{out}/sites.ndjson"
'''
TARIFFS = HEAD.format(name="tariffs") + '''from tariffs
select
  id
  jmespath("tariff_alt_text[0].text") as description
output ndjson to "{out}/tariffs.ndjson"
'''
CDRS = HEAD.format(name="cdr_sites") + '''from cdrs
select
  pseudonymize(id) as cdr
  cdr_location.name as site because "the consumer maps sessions to named sites"
  cdr_location.address as street because "the consumer maps sessions to named sites"
output ndjson to "{out}/cdrs.ndjson"
'''


@pytest.fixture(scope="module")
def server():
    with _SmugglingServer(version="2.2.1", size=200, max_page_size=100) as demo:
        yield demo


def _export(run_cli, server, tmp_path: Path, spec_text: str, exit_code: int = 0):
    spec = tmp_path / "spec.ocx"
    spec.write_text(spec_text.replace("{out}", str(tmp_path / "out")))
    result = run_cli("-v", "--log-file", str(tmp_path / "log" / "run.log"), "run", str(spec),
                     "--as-of", "2026-01-01T00:00:00Z",
                     env={"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
                          "KEY": KEY, "OCPISPEC_LEDGER": str(tmp_path / "ledger.sqlite"),
                          "OCPISPEC_RUNS_DIR": str(tmp_path / "runs")})
    assert result.exit_code == exit_code, result.stderr
    return result


def _written(tmp_path: Path, result) -> str:
    """Every text the run wrote or printed (the ledger's bytes read as text)."""
    files = [path.read_bytes().decode("utf-8", "replace") for path in tmp_path.rglob("*")
             if path.is_file() and path.name != "spec.ocx"]
    return "\n".join((result.stdout, result.stderr, *files))


def _rows(tmp_path: Path, name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (tmp_path / "out" / name).read_text().splitlines()]


def _invalid_lines(stderr: str) -> list[str]:
    return [line.strip() for line in stderr.splitlines() if "in it" in line]


def test_an_e_mail_address_in_a_site_s_texts_is_not_released(run_cli, server, tmp_path: Path,
                                                             snapshot) -> None:
    result = _export(run_cli, server, tmp_path, SITES)
    rows = _rows(tmp_path, "sites.ndjson")
    assert len(rows) > 20
    written = _written(tmp_path, result).lower()
    assert [canary for canary in CANARIES if canary in written] == []
    # the usual texts leave untouched, the others as null
    assert {row["name"] for row in rows} == {row["operator"] for row in rows} == {*USUAL, None}
    assert _invalid_lines(result.stderr) == snapshot


class _AddressServer(_SmugglingServer):
    def render(self, version: str, module: str, index: int) -> dict[str, Any]:
        obj = super().render(version, module, index)
        if module == "locations":
            obj["address"] = obj["name"]
        return obj


def test_a_site_whose_address_is_an_e_mail_address_is_invalid(run_cli, tmp_path: Path) -> None:
    """A location's `address` is required: read as null, the site is invalid, and the run
    fails with nothing written rather than lose the site in silence."""
    spec = SITES.replace("  name\n", "  name\n  address\n")
    with _AddressServer(version="2.2.1", size=200, max_page_size=100) as sites:
        result = _export(run_cli, sites, tmp_path, spec, exit_code=1)
    assert "error[OCX570]" in result.stderr
    assert "`address` is text with an e-mail address in it" in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    written = _written(tmp_path, result).lower()
    assert [canary for canary in CANARIES if canary in written] == []


def test_nor_in_a_tariff_s_description(run_cli, server, tmp_path: Path) -> None:
    result = _export(run_cli, server, tmp_path, TARIFFS)
    rows = _rows(tmp_path, "tariffs.ndjson")
    assert {row["description"] for row in rows} <= {*USUAL, None} and len(rows) >= 4
    assert None in {row["description"] for row in rows}
    written = _written(tmp_path, result).lower()
    assert [canary for canary in CANARIES if canary in written] == []
    assert "tariffs.tariff_alt_text.text (text with an e-mail address in it)" in result.stderr


def test_a_cdr_s_own_card_or_contract_id_in_its_site_is_not_released(
        run_cli, server, tmp_path: Path, snapshot) -> None:
    result = _export(run_cli, server, tmp_path, CDRS)
    rows = _rows(tmp_path, "cdrs.ndjson")
    assert len(rows) > 20
    written = _written(tmp_path, result)
    assert "Laadpas" not in written and "contract NL" not in written
    cards = [server.render("2.2.1", "cdrs", index)["cdr_token"] for index in range(200)]
    for card in cards:
        assert card["uid"].lower() not in written.lower()
        assert card["contract_id"].replace("-", " ") not in written
    assert sum(row["site"] is None for row in rows) >= len(rows) // 3
    assert _invalid_lines(result.stderr) == snapshot


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3.0"])
def test_the_reader_nulls_such_texts_and_keeps_the_usual_ones(version: str) -> None:
    locations, tariffs = wire_reader(version, "locations"), wire_reader(version, "tariffs")
    for text in USUAL:
        site = {"name": text, "address": text, "operator": {"name": text}}
        assert locations(site).invalid == ()
        assert site == {"name": text, "address": text, "operator": {"name": text}}
    for text in MAILS:
        site = {"name": text, "address": "Oudegracht 1", "operator": {"name": text}}
        assert locations(site).invalid == (("name", "text with an e-mail address in it"),
                                           ("operator.name", "text with an e-mail address in it"))
        assert site == {"name": None, "address": "Oudegracht 1", "operator": {"name": None}}
        tariff = {"tariff_alt_text": [{"language": "en", "text": text}]}
        assert tariffs(tariff).invalid == (("tariff_alt_text.text", "text with an e-mail address in it"),)


CARD = {"uid": "04A2B3C4D5E6F7", "contract_id": "NL-TNM-C12345678-X"}


@pytest.mark.parametrize(("text", "held"), [
    ("Laadpas 04a2b3c4d5e6f7", True),
    ("NLTNMC12345678X", True),
    ("contract nl tnm c12345678 x", True),
    ("Keizersgracht 12, 3456 AB", False),
    ("P+R Eindhoven", False),
    ("Oudegracht 04", False),
])
def test_a_cdr_s_own_ids_in_its_texts(text: str, held: bool) -> None:
    cdrs = wire_reader("2.2.1", "cdrs")
    record = {"cdr_token": dict(CARD), "cdr_location": {"name": text, "city": "Utrecht"}}
    found = cdrs(record).invalid
    assert (found == (("cdr_location.name", "text with the record's own card or contract id in it"),)) is held
    assert (record["cdr_location"]["name"] is None) is held
    assert record["cdr_location"]["city"] == "Utrecht"


def test_a_short_card_uid_counts_only_as_a_whole_word() -> None:
    """A 4-byte uid (8 hex digits) in a text of digits side by side (a street number and
    a postal code) is no card's: only the word itself is."""
    cdrs = wire_reader("2.2.1", "cdrs")
    for text, held in (("Laadpas 12345678 geblokkeerd", True), ("Dorpsstraat 1234, 5678 AB", False)):
        record = {"cdr_token": {"uid": "12345678"}, "cdr_location": {"name": text}}
        assert bool(cdrs(record).invalid) is held


@pytest.mark.parametrize("module", ["locations", "tariffs"])
def test_get_does_not_print_them_either(run_cli, server, module: str) -> None:
    """`get` reads with the same wire check: the texts are null in its dump, and its
    summary names the field, not the value."""
    assert run_cli("login", server.versions_url, "--token", server.token, "--party", "NL-ABC").exit_code == 0
    got = run_cli("get", module, "--date-to", "2026-01-01")
    assert got.exit_code == 0, got.stderr
    shown = (got.stdout + got.stderr).lower()
    assert [canary for canary in CANARIES if canary in shown] == []
    assert "Parking @ Station" in got.stdout
    assert "text with an e-mail address in it" in got.stderr
