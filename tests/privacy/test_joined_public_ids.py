"""A record's own card or contract id never leaves as an id or a link of what it joins.

The attack (adversarial review, round seven): `schema/own_ids_as_ids.py` nulls a card
written as one of the record's own public ids, and `execute/joined_own_ids.py` a card in
a joined record's free text; a hostile platform that writes the driver's card as an id
of the site the session joins (the `evse_id` of the session's EVSE, another EVSE's
`uid`, a connector's `id` or `tariff_ids`) or into a link of it (an operator's website
`?card=...`, an image's URL) got past both: the joined site released the card on every
row of that driver. Every public id and link of a joined record (found by walking the
catalogue, in each version) is now read against the ids of the record that joins it: an
id equal to one, or a link holding one, is null in that record's copy of the joined
record, counted by path and reason, never shown.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from independent_cpo import IndependentCpo

KEY = "5b8e2d4f7a1c09e6b3d5f8a2c4e7b0d9f1a3c6e8b2d4f7a0c3e5b8d1f4a6c9e2"
UID = "04A2B3C4D5E6F7"
CONTRACT = "NL-TNM-C12345678-X"
SPEC = """export joined_ids
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
  jmespath("location.evses[0].evse_id") as evse_id because "the charge point of each charge"
  jmespath("location.evses[1].uid") as other_evse because "the other charge point of the site"
  jmespath("location.evses[1].connectors[0].id") as other_connector
  jmespath("join(',', location.evses[0].connectors[0].tariff_ids || `[]`)") as tariffs
  location.operator.website as website
  jmespath("location.images[0].url") as image because "the picture of the site on the map"
output ndjson to "out.ndjson"
"""
COLUMNS = ("evse_id", "other_evse", "other_connector", "tariffs", "website", "image")


class _CardAsSiteIds(IndependentCpo):
    """Every session by one card at the first site, whose ids and links carry that
    card's uid or contract id; its name is left as sent."""

    def __init__(self, version: str) -> None:
        super().__init__(version, records=6, page_cap=4)
        site = self.lists["locations"][0]
        # a 2.1.1 session's one id is its `auth_id`: the card's uid here
        contract = UID if version == "2.1.1" else CONTRACT
        evses = site["evses"]
        evses[0]["evse_id"] = contract
        evses[1]["uid"] = UID
        evses[1]["connectors"][0]["id"] = UID.lower()
        if version == "2.1.1":
            evses[0]["connectors"][0]["tariff_id"] = UID
        else:
            evses[0]["connectors"][0]["tariff_ids"] = ["11", f"{UID[:2]}:{UID[2:]}"]
        site["operator"] = {"name": "Fleet BV", "website": f"https://fleet.example.com/c?card={contract}"}
        site["images"] = [{"url": f"https://img.example.com/cards/{UID.lower()}.png",
                           "category": "LOCATION", "type": "png"}]
        for session in self.lists["sessions"]:
            if version == "2.1.1":   # the card is the session's `auth_id`, its site embedded
                session["auth_id"] = UID
                session["location"] = {**session["location"], "id": site["id"]}
                continue
            session["location_id"] = site["id"]
            session["cdr_token"]["uid"] = UID
            session["cdr_token"]["contract_id"] = CONTRACT


@pytest.mark.parametrize(("version", "workers"), [("2.2.1", "2"), ("2.3.0", "1"), ("2.1.1", "1")])
def test_a_joined_site_s_ids_and_links_naming_the_card_are_not_released(
        run_cli, tmp_path: Path, monkeypatch, version: str, workers: str, snapshot) -> None:
    monkeypatch.setenv("JOIN_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    with _CardAsSiteIds(version) as cpo:
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party",
                       "NL-ABC").exit_code == 0
        spec = tmp_path / "joined.ocx"
        spec.write_text(SPEC)
        ran = run_cli("-v", "--log-file", str(tmp_path / "run.log"), "run", str(spec),
                      "--workers", workers)
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    rows = [json.loads(line) for line in (tmp_path / "out.ndjson").read_text().splitlines()]
    assert len(rows) == 6 and all(row["site"] for row in rows)   # the site's name as sent
    assert {column: {row[column] or None for row in rows} for column in COLUMNS} == {
        column: {None} for column in COLUMNS}
    written = "\n".join([ran.stdout, ran.stderr, *(
        path.read_bytes().decode("utf-8", "replace") for path in tmp_path.rglob("*")
        if path.is_file() and path.suffix != ".ocx")]).lower()
    assert UID.lower() not in written and "04:a2b3" not in written and "c12345678" not in written
    assert "ocpispec" in written   # (the run's files were read)
    counted = [line.strip() for line in ran.stderr.splitlines() if "invalid fields" in line]
    assert counted == snapshot


def _set(record: dict, path: str, value: object) -> None:
    """`value` at a dotted path whose numbers index lists (`charging_periods.0.tariff_id`)."""
    *heads, last = path.split(".")
    for head in heads:
        record = record[int(head)] if head.isdigit() else record.setdefault(head, {})
    record[int(last) if last.isdigit() else last] = value


# a record's own ids and links the hand-written list of public ids left out (round seven)
@pytest.mark.parametrize(("version", "module", "path", "value", "counted", "reason"), [
    ("2.2.1", "sessions", "charging_periods.0.tariff_id", UID, "charging_periods.tariff_id", "as_id"),
    ("2.3.0", "cdrs", "total_cost.taxes", [{"name": "VAT", "account_number": CONTRACT, "amount": 1}],
     "total_cost.taxes.account_number", "as_id"),
    ("2.2.1", "cdrs", "tariffs.0.tariff_alt_url", f"https://t.example/?card={UID.lower()}",
     "tariffs.tariff_alt_url", "in_text"),
    ("2.1.1", "sessions", "location.evses.0.connectors.0.tariff_id", UID,
     "location.evses.connectors.tariff_id", "as_id"),
    ("2.1.1", "sessions", "location.images", [{"url": f"https://i.example/{UID}.png",
                                               "category": "LOCATION", "type": "png"}],
     "location.images.url", "in_text"),
])
def test_a_record_s_own_public_ids_and_links_naming_its_card_are_null(
        version: str, module: str, path: str, value: object, counted: str, reason: str) -> None:
    from ocpispec.schema.own_ids import OWN_ID_AS_ID, OWN_ID_IN_TEXT
    from ocpispec.schema.wire_check import wire_reader

    cpo = IndependentCpo(version, records=1)
    record = cpo.lists[module][0]
    if version == "2.1.1":
        record["auth_id"] = UID
    else:
        record["cdr_token"].update(uid=UID, contract_id=CONTRACT)
    _set(record, path, value)
    invalid = wire_reader(version, module)(record).invalid
    assert (counted, OWN_ID_AS_ID if reason == "as_id" else OWN_ID_IN_TEXT) in invalid
    assert UID.lower() not in json.dumps(record).lower().replace(f'"{UID.lower()}"', "")


class _CardInsideSiteIds(IndependentCpo):
    """Every session by one card at the first site, whose id and EVSE uids hold the
    card's contract or uid inside a longer id (a platform naming a home charger after
    its driver's card)."""

    def __init__(self, version: str) -> None:
        super().__init__(version, records=6, page_cap=4)
        site = self.lists["locations"][0]
        site["id"] = f"LOC-{CONTRACT[:-2]}"
        evses = site["evses"]
        evses[0]["uid"] = f"EVSE-{UID}-1"
        evses[1]["uid"] = f"evse {UID.lower()} 2"
        for session in self.lists["sessions"]:
            session["location_id"] = site["id"]
            session["evse_uid"] = evses[0]["uid"]
            session["cdr_token"]["uid"] = UID
            session["cdr_token"]["contract_id"] = CONTRACT


_INSIDE = SPEC.split("\nfrom sessions")[0] + """
from sessions
  join locations on location_id as site
select
  pseudonymize(id) as session
  site.id as site_code because "the CPO's own site reference"
  jmespath("site.evses[0].uid") as evse because "the charge point of each charge"
  jmespath("join(',', site.evses[].uid)") as evses because "the site's charge points"
output ndjson to "out.ndjson"
"""


@pytest.mark.parametrize(("version", "workers"), [("2.2.1", "2"), ("2.3.0", "1")])
def test_a_joined_site_s_ids_holding_the_card_are_not_released(
        run_cli, tmp_path: Path, monkeypatch, version: str, workers: str, snapshot) -> None:
    """Round fourteen: a joined site's public id was null only where it was the card
    whole; one holding it (`LOC-NL-TNM-C12345678`, `EVSE-04A2B3C4D5E6F7-1`), shown under
    an alias, released it on every row of that driver."""
    monkeypatch.setenv("JOIN_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    with _CardInsideSiteIds(version) as cpo:
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party",
                       "NL-ABC").exit_code == 0
        spec = tmp_path / "joined.ocx"
        spec.write_text(_INSIDE)
        ran = run_cli("run", str(spec), "--workers", workers)
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    rows = [json.loads(line) for line in (tmp_path / "out.ndjson").read_text().splitlines()]
    assert len(rows) == 6 and all(row["session"] for row in rows), rows
    assert {(row["site_code"], row["evse"], row["evses"]) for row in rows} == {(None, None, None)}, rows
    written = "\n".join([ran.stdout, ran.stderr, *(
        path.read_bytes().decode("utf-8", "replace") for path in tmp_path.rglob("*")
        if path.is_file() and path.suffix != ".ocx")]).lower()
    assert UID.lower() not in written and "c12345678" not in written
    counted = [line.strip() for line in ran.stderr.splitlines() if "invalid fields" in line]
    assert counted == snapshot
