"""A card inside a list of ids on a joined record never leaves.

The attack (adversarial review, round fifteen): the joined-record guard
(`execute/joined_own_ids.py`) read a joined site's free texts and its shown public ids
against the session's card, but a list of ids (a connector's `tariff_ids`) only as ids,
each element whole: an element holding the card (`TARIFF-<uid>`, a platform naming a
home's own tariff after its driver's card) shown through a join or `jmespath(...)` left
raw on every row of that driver. Now every string the dataset shows of a joined record,
at any depth and in any list, is read as free text against the joining record's ids
(`execute/joined_strings.py`); a list holding the card is null as a whole.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from independent_cpo import IndependentCpo

KEY = "5b8e2d4f7a1c09e6b3d5f8a2c4e7b0d9f1a3c6e8b2d4f7a0c3e5b8d1f4a6c9e2"
UID = "04A2B3C4D5E6F7"
CONTRACT = "NL-TNM-C12345678-X"
SPEC = """export joined_lists
  consumer "Test consumer"
  purpose "Sessions with their sites"
  legal basis public task "test"
  retention 1 months
  pseudonym key env JOIN_KEY
source profile default

from sessions
  join locations on location_id
select
  pseudonymize(id) as session
  location.name as site
  jmespath("join(',', location.evses[0].connectors[0].tariff_ids || `[]`)") as tariffs
  jmespath("location.evses[0].connectors[0].tariff_ids[1]") as second_tariff
  jmespath("join(',', location.evses[1].connectors[].tariff_ids[] || `[]`)") as other_tariffs
output ndjson to "out.ndjson"
"""


class _CardInsideTariffIds(IndependentCpo):
    """Every session by one card at the first site, whose connectors name a tariff
    after that card (`TARIFF-<uid>`, `T-<contract>`)."""

    def __init__(self, version: str) -> None:
        super().__init__(version, records=4, page_cap=4)
        site = self.lists["locations"][0]
        evses = site["evses"]
        evses[0]["connectors"][0]["tariff_ids"] = ["11", f"TARIFF-{UID}"]
        evses[1]["connectors"][0]["tariff_ids"] = [f"T-{CONTRACT}"]
        tariff = self.lists["tariffs"][0]
        tariff["tariff_alt_text"] = [{"language": "nl", "text": f"Laadpas {UID} tarief"}]
        for session in self.lists["sessions"]:
            for period in session.get("charging_periods") or []:
                period["tariff_id"] = tariff["id"]
            session["location_id"] = site["id"]
            session["cdr_token"]["uid"] = UID
            session["cdr_token"]["contract_id"] = CONTRACT


@pytest.mark.parametrize(("version", "workers"), [("2.2.1", "2"), ("2.3.0", "1")])
def test_a_joined_list_element_holding_the_card_is_not_released(
        run_cli, tmp_path: Path, monkeypatch, version: str, workers: str, snapshot) -> None:
    monkeypatch.setenv("JOIN_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    with _CardInsideTariffIds(version) as cpo:
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party",
                       "NL-ABC").exit_code == 0
        spec = tmp_path / "lists.ocx"
        spec.write_text(SPEC)
        ran = run_cli("-v", "--log-file", str(tmp_path / "run.log"), "run", str(spec),
                      "--workers", workers)
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    rows = [json.loads(line) for line in (tmp_path / "out.ndjson").read_text().splitlines()]
    assert len(rows) == 4 and all(row["site"] for row in rows)
    # a list holding the card is null as a whole, as a list of ids equal to it is
    assert {row["tariffs"] or None for row in rows} == {None}
    assert {row["second_tariff"] for row in rows} == {None}
    assert {row["other_tariffs"] or None for row in rows} == {None}
    written = "\n".join([ran.stdout, ran.stderr, *(
        path.read_bytes().decode("utf-8", "replace") for path in tmp_path.rglob("*")
        if path.is_file() and path.suffix != ".ocx")]).lower()
    assert UID.lower() not in written and "c12345678" not in written
    counted = [line.strip() for line in ran.stderr.splitlines() if "invalid fields" in line]
    assert counted == snapshot


ELEMENT_SPEC = SPEC.split("from sessions")[0] + """from sessions
  each charging_periods as period
  join tariffs on period.tariff_id
select
  pseudonymize(id) as session
  jmespath("tariff.tariff_alt_text[0].text") as tariff_text
output ndjson to "out.ndjson"
"""


def test_a_record_joined_on_an_element_naming_the_card_is_not_released(
        run_cli, tmp_path: Path, monkeypatch, snapshot) -> None:
    """A join on an `each` element (a charging period's tariff) is read as a join on the
    record is: its tariff's text naming the card (`Laadpas <uid> tarief`) left raw."""
    monkeypatch.setenv("JOIN_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    with _CardInsideTariffIds("2.2.1") as cpo:
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party",
                       "NL-ABC").exit_code == 0
        spec = tmp_path / "element.ocx"
        spec.write_text(ELEMENT_SPEC)
        ran = run_cli("run", str(spec), "--workers", "1")
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    rows = [json.loads(line) for line in (tmp_path / "out.ndjson").read_text().splitlines()]
    assert rows and {row["tariff_text"] for row in rows} == {None}
    assert UID.lower() not in (tmp_path / "out.ndjson").read_text().lower()
    counted = [line.strip() for line in ran.stderr.splitlines() if "invalid fields" in line]
    assert counted == snapshot
