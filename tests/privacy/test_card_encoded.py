"""A card written percent-escaped (`04%3AA2%3AB3...`) or in base64 is still the card.

The attack (adversarial review, round seventeen): free text and links are read for the
record's own card or contract id as their letters and digits, casefolded. A hostile
platform that percent-escapes the card in a site's link or name (`?card=04%3AA2%3AB3`,
every character escaped, `NL%2DTNM%2DC12345678%2DX`, or escaped twice, `%253A`) spelled
other letters (`043aa23ab3...`): a joined site's `operator.website` and `name`, a CDR's
own tariff's `tariff_alt_url`, released the card on every row of that driver, which any
browser's address bar reads back. A text is now read both as sent and with its escapes
read (`own_ids_as_ids.unescaped`).

The same platform may write the card in base64 (`?c=MDRBMkIzQzRENUU2Rjc=`, a path part
`TkwtVE5NLUMxMjM0NTY3OC1Y` in the URL-safe alphabet), which any decoder reads back: a
text's runs of base64 are read decoded too, where they decode to text.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from independent_cpo import IndependentCpo
from privacy.reference_runs import run_on, run_writings

KEY = "3d6f9a2c5e8b1d4f7a0c3e6b9d2f5a8c1e4b7d0f3a6c9e2b5d8f1a4c7e0b3d6f"
UID = "04A2B3C4D5E6F7"
CONTRACT = "NL-TNM-C12345678-X"
COLONS = "%3A".join(UID[at:at + 2] for at in range(0, len(UID), 2))
EVERY = "".join(f"%{ord(char):02X}" for char in UID)
B64_UID = base64.b64encode(UID.encode()).decode()
B64_CONTRACT = base64.urlsafe_b64encode(CONTRACT.encode()).decode().rstrip("=")
SPEC = """export escaped
  consumer "Test consumer"
  purpose "Sessions with their sites"
  legal basis public task "test"
  retention 1 months
  pseudonym key env ESCAPED_KEY
source profile default

from sessions
  join locations on location_id
select
  pseudonymize(id) as session
  location.name as site
  location.operator.website as website
  location.address as street
  jmespath("location.evses[1].uid") as evse because "the charge point of each charge"
  jmespath("location.images[0].url") as image because "the picture of the site on the map"
output ndjson to "out.ndjson"
"""


class _EscapedSite(IndependentCpo):
    """Two sessions by one card at the first site, whose link and texts hold the card
    percent-escaped three ways; the other sites as sent."""

    def __init__(self) -> None:
        super().__init__("2.2.1", records=2, page_cap=4)
        site = self.lists["locations"][0]
        site["name"] = f"Laadpas {COLONS}"
        site["operator"] = {"name": "Fleet BV",
                            "website": f"https://fleet.example.com/c?card={EVERY}"}
        site["address"] = f"Contract {CONTRACT.replace('-', '%252D')}"
        site["evses"][1]["uid"] = COLONS.lower()
        site["images"] = [{"url": f"https://img.example.com/{B64_UID}.png",
                           "category": "LOCATION", "type": "png"}]
        for session in self.lists["sessions"]:
            session["location_id"] = site["id"]
            session["cdr_token"]["uid"] = UID
            session["cdr_token"]["contract_id"] = CONTRACT


def test_a_joined_site_s_texts_holding_the_card_encoded_are_not_released(
        run_cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ESCAPED_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    with _EscapedSite() as cpo:
        ran = run_on(run_cli, cpo, tmp_path / "escaped.ocx", SPEC, "--workers", "1")
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    rows = [json.loads(line) for line in (tmp_path / "out.ndjson").read_text().splitlines()]
    assert len(rows) == 2 and {(row["site"], row["website"], row["street"], row["evse"],
                                row["image"]) for row in rows} == {(None,) * 5}, rows
    written = run_writings(tmp_path, ran).lower()
    for canary in (COLONS, EVERY, "c12345678", UID, B64_UID):
        assert canary.lower() not in written


@pytest.mark.parametrize("url", [f"https://t.example/?card={COLONS.lower()}",
                                 f"https://t.example/?c={B64_UID}&lang=nl",
                                 f"https://t.example/t/{B64_CONTRACT}/info",
                                 "https://t.example/" + base64.b64encode(
                                     f"card:{UID.lower()}".encode()).decode(),
                                 f"https://t.example/{EVERY}.html",
                                 f"https://t.example/?c={CONTRACT.replace('-', '%2D')}"])
def test_a_cdr_s_own_tariff_link_holding_the_card_encoded_is_null(url: str) -> None:
    from ocpispec.schema.own_ids import OWN_ID_IN_TEXT, card_held
    from ocpispec.schema.wire_check import wire_reader

    cdr = IndependentCpo("2.2.1", records=1).lists["cdrs"][0]
    cdr["cdr_token"].update(uid=UID, contract_id=CONTRACT)
    cdr["tariffs"][0]["tariff_alt_url"] = url
    assert card_held(url, [UID, CONTRACT])    # as `get` reads what it prints
    invalid = wire_reader("2.2.1", "cdrs")(cdr).invalid
    assert ("tariffs.tariff_alt_url", OWN_ID_IN_TEXT) in invalid


@pytest.mark.parametrize("text", ["Parking 100% electric, 22 kW", "Korting 25%",
                                  "https://p.example/?q=a%20b%2Fc", "McDonaldsParkingNoord",
                                  "https://img.example/aGVsbG8gd29ybGQ=.png"])
def test_a_usual_text_with_a_percent_sign_is_kept(text: str) -> None:
    from ocpispec.schema.own_ids import card_held

    assert not card_held(text, [UID, CONTRACT])
