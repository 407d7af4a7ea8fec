"""An e-mail address written encoded in a platform's free text or link is still one.

The attack (adversarial review, round eighteen): free text and links are read as null
when they hold an e-mail address, as written, with spaces round the sign or the
fullwidth `＠`, and links percent-decoded. A platform writing the address
percent-escaped in free text (`jan.jansen%40example.com` as a site's name), with an HTML
entity for the sign (`&#64;`, `&#x40;`, `&commat;`), spelled out (`jan.jansen (at)
example.com`, `[at]`) or in base64 in a link (`?u=amFuLmphbnNlbkBleGFtcGxlLmNvbQ==`) got
every one past: a page or a mail client shows the address as written. A text is now read
in the decoded forms a card is (`own_ids_as_ids.decoded`) and with its entities read.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from independent_cpo import IndependentCpo
from privacy.reference_runs import run_on, run_writings

MAIL = "jan.jansen@example.com"
B64 = base64.b64encode(MAIL.encode()).decode()
KEY = "3d6f9a2c5e8b1d4f7a0c3e6b9d2f5a8c1e4b7d0f3a6c9e2b5d8f1a4c7e0b3d6f"
TEXTS = [f"Bel {MAIL.replace('@', '%40')}", MAIL.replace("@", "&#64;"), MAIL.replace("@", "&#x40;"),
         MAIL.replace("@", "&commat;"), MAIL.replace("@", "%2540"), MAIL.replace("@", " (at) "),
         "jan.jansen [AT] example [dot] com", f"Contact {B64}",
         "Contact " + base64.urlsafe_b64encode(f"mail:{MAIL}".encode()).decode().rstrip("=")]
LINKS = [f"https://x.example/?u={B64}", f"https://x.example/?u={B64.rstrip('=')}&l=nl",
         f"https://x.example/{MAIL.replace('@', '&#64;')}",
         "https://x.example/p/" + base64.urlsafe_b64encode(f"to={MAIL}".encode()).decode()]
KEPT = ["Parking 100% electric", "Q-Park & Ride (P1)", "Laadplein [Noord]", "Parking @ Station",
        "Tiefgaragenstellplatz Hauptbahnhof", "https://img.example/aGVsbG8gd29ybGQ=.png",
        "https://x.example/locations/NL-ABC-LOC0001/images/front.jpg?width=640&height=480"]


def _reader(module: str):
    from ocpispec.schema.wire_check import wire_reader

    return wire_reader("2.2.1", module)


@pytest.mark.parametrize("text", TEXTS)
def test_a_site_s_name_and_directions_holding_an_encoded_address_are_null(text: str) -> None:
    from ocpispec.schema.wire_tests import EMAIL_IN_TEXT

    site = IndependentCpo("2.2.1", records=1).lists["locations"][0]
    site["name"] = text
    site["evses"][0]["directions"] = [{"language": "nl", "text": text}]
    invalid = _reader("locations")(site).invalid
    assert ("name", EMAIL_IN_TEXT) in invalid and ("evses.directions.text", EMAIL_IN_TEXT) in invalid


@pytest.mark.parametrize("link", LINKS)
def test_a_link_holding_an_encoded_address_is_null(link: str) -> None:
    from ocpispec.schema.wire_tests import EMAIL_IN_TEXT

    site = IndependentCpo("2.2.1", records=1).lists["locations"][0]
    site["operator"] = {"name": "Fleet BV", "website": link}
    assert ("operator.website", EMAIL_IN_TEXT) in _reader("locations")(site).invalid


@pytest.mark.parametrize("text", KEPT)
def test_usual_texts_and_links_are_kept(text: str) -> None:
    site = IndependentCpo("2.2.1", records=1).lists["locations"][0]
    site["name"] = text
    site["operator"] = {"name": "Fleet BV", "website": text if text.startswith("http") else
                        "https://fleet.example.com/"}
    assert not _reader("locations")(site).invalid


SPEC = """export mails
  consumer "Test consumer"
  purpose "Tariffs as published"
  legal basis public task "test"
  retention 1 months
source profile default

from tariffs
select
  id
  jmespath("tariff_alt_text[0].text") as text because "the tariff as the driver reads it"
output ndjson to "out.ndjson"
"""


class _MailingTariffs(IndependentCpo):
    """A tariff whose display text holds an address percent-escaped, one with an entity,
    one in base64: a page the fast path (`strict_fit`) would take whole."""

    def __init__(self) -> None:
        super().__init__("2.2.1", records=3, page_cap=4)
        for tariff, text in zip(self.lists["tariffs"], (TEXTS[0], TEXTS[1], TEXTS[7])):
            tariff["tariff_alt_text"] = [{"language": "nl", "text": text}]


def test_a_run_releases_no_encoded_address_of_a_tariff_text(run_cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with _MailingTariffs() as cpo:
        ran = run_on(run_cli, cpo, tmp_path / "mails.ocx", SPEC, "--workers", "1")
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    rows = [json.loads(line) for line in (tmp_path / "out.ndjson").read_text().splitlines()]
    assert len(rows) >= 3 and all(row["text"] is None for row in rows[:3]), rows
    written = run_writings(tmp_path, ran).lower()
    for canary in ("jan.jansen", B64.lower()[:16]):
        assert canary not in written


_TARIFF = {"country_code": "NL", "party_id": "ABC", "id": "T1", "currency": "EUR",
           "elements": [{"price_components": [{"type": "ENERGY", "price": 0.25, "step_size": 1}]}],
           "last_updated": "2025-01-01T00:00:00Z"}


@pytest.mark.parametrize(("field", "text"), [("text", TEXTS[0]), ("text", TEXTS[1]), ("text", TEXTS[5]),
                                             ("text", TEXTS[7]), ("id", "jan.jansen%40example.com"),
                                             ("id", "jan.jansen\\u002540example.com")])
def test_a_page_with_an_encoded_address_is_not_taken_whole_by_the_fast_path(field: str, text: str) -> None:
    """`run`'s workers skip the reader for a page that fits the strict types: one whose
    display text or id may hold an encoded address fits none, and is read the slow way."""
    import orjson
    from ocpispec.ocpi.fast_pages import strict_fit

    fits = strict_fit("2.2.1", "tariffs")
    clean = {**_TARIFF, "tariff_alt_text": [{"language": "nl", "text": "Laadtarief Noord"}]}
    assert fits([clean], orjson.dumps([clean]), False, None)
    tariff = {**clean, "id": text} if field == "id" else \
        {**clean, "tariff_alt_text": [{"language": "nl", "text": text}]}
    content = orjson.dumps([tariff]).replace(b"\\\\u", b"\\u")
    assert not fits(orjson.loads(content), content, False, None)
