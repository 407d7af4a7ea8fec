"""A short card spelled in words (`04:A2:B3:C4`, `04 a2 b3 c4`) is still the card.

The attack (adversarial review, round nine): a card uid of fewer than 10 letters and
digits (a 4-byte NFC uid, 8 hex digits) is looked for in free text and in the record's
own ids only as a whole word, so a street number and a postal code side by side do not
spell it. A platform writing the uid as readers print it, a byte at a time
(`M 04:A2:B3:C4` as a meter id, `Laadpas 04 a2 b3 c4` as a site's name, `S-04-A2-B3-C4-7`
as a session id), split it into words none of which is the card, and it left as sent.
A short id now also counts where short words one character apart, the same character,
spell it (`own_ids.holds_id`), in the wire reader, a join's guard and a shown id alike;
`1234, 5678 AB` still spells no `12345678`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from independent_cpo import IndependentCpo
from privacy.reference_runs import KEY, REFERENCE_WHY, reference_spec, run_writings

SPEC = reference_spec("spelled_cards")
_WHY = REFERENCE_WHY
# the columns of each module, and where each version keeps the charge's site name
SITE = {"2.1.1": "location.name", "2.2.1": "cdr_location.name"}   # as the run counts it


def _spelled(card: str, index: int) -> str:
    pairs = [card[at:at + 2] for at in range(0, len(card), 2)]
    return [":".join(pairs), " ".join(pairs).lower(), "-".join(pairs), f"{card[:4]}.{card[4:]}"][index % 4]


class _SpelledCards(IndependentCpo):
    """Short card uids, written a byte at a time into every other record's texts."""

    def __init__(self, version: str) -> None:
        super().__init__(version, records=12, page_cap=5)
        for module in ("sessions", "cdrs"):
            for index, record in enumerate(self.lists[module]):
                card = f"{index:02X}A2B3C4"
                if "auth_id" in record:
                    record["auth_id"] = card
                if isinstance(record.get("cdr_token"), dict):
                    record["cdr_token"]["uid"] = card
                if index % 2 == 0:
                    record["meter_id"] = f"M {_spelled(card, index // 2)}"
                    record["id"] = f"S-{_spelled(card, index // 2 + 1)}-{index}"
                    site = record.get("cdr_location") or record.get("location")
                    if module == "cdrs" and isinstance(site, dict):
                        site["name"] = f"Laadpas {_spelled(card, index // 2 + 2)}"

    def cards(self) -> set[str]:
        return {f"{index:02X}A2B3C4".lower() for index in range(12)}


def _dataset(module: str, version: str) -> str:
    site = "  cdr_location.name as site\n" if module == "cdrs" else ""
    return (f"\nfrom {module}\nselect\n  id as reference {_WHY}\n  meter_id as meter {_WHY}\n"
            f"{site}output ndjson to \"{module}.ndjson\"\n")


def _letters(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


@pytest.mark.parametrize(("version", "workers"), [("2.1.1", "1"), ("2.2.1", "2")])
def test_a_short_card_spelled_in_words_is_not_released(run_cli, tmp_path: Path, monkeypatch,
                                                       version: str, workers: str) -> None:
    monkeypatch.setenv("JOIN_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    with _SpelledCards(version) as cpo:
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party",
                       "NL-ABC").exit_code == 0
        (tmp_path / "ids.ocx").write_text(SPEC + _dataset("sessions", version) + _dataset("cdrs", version))
        ran = run_cli("-v", "--log-file", str(tmp_path / "run.log"), "run",
                      str(tmp_path / "ids.ocx"), "--workers", workers)
        cards = cpo.cards()
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    written = run_writings(tmp_path, ran)
    assert "spelled_cards" in written   # (the run's files were read)
    assert sorted(card for card in cards if card in _letters(written)) == []
    for module in ("sessions", "cdrs"):
        assert len((tmp_path / f"{module}.ndjson").read_text().splitlines()) == 12
        assert f"{module}.meter_id (the record's own card or contract id) (6)" in ran.stderr, ran.stderr
        assert f"{module}.id (text with the record's own card or contract id in it) (6)" in ran.stderr
    assert f"cdrs.{SITE[version]} (text with the record's own card or contract id in it) (6)" in ran.stderr


@pytest.mark.parametrize(("text", "held"), [
    ("Laadpas 04:A2:B3:C4", True), ("laadpas 04 a2 b3 c4 geblokkeerd", True), ("04A2-B3C4", True),
    ("S-04-a2-b3-c4-7", True), ("Dorpsstraat 1234, 5678 AB", False), ("04:A2 B3-C4", False),
    ("Hal 04A2, B3C4", False), ("x04a2:b3c4", False),
    ("Laadpas 04A2B3\u200bC4", True), ("Laadpas 0\u00ad4A2B3C4", True)])   # invisible: no gap
def test_which_spellings_are_the_card(text: str, held: bool) -> None:
    """Short words one character apart, always the same one, spell a short card; a
    house number and a postal code (`, ` apart) do not; a character no reader sees (a
    zero-width space, a soft hyphen) splits no word."""
    from ocpispec.schema.wire_check import wire_reader

    card = "12345678" if text.startswith("Dorp") else "04A2B3C4"
    found = wire_reader("2.2.1", "cdrs")({"cdr_token": {"uid": card}, "cdr_location": {"name": text}})
    assert bool(found.invalid) is held
