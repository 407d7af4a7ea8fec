"""A driver's card never leaves inside a public id of the record released as it is.

The attack (helper review, round 36): a platform that names a charge's site or charger
after the driver's card or contract (`location_id: "LOC-NL-IND-C0004"`, `evse_uid:
"EVSE-TOKUID0004-1"`) released the card through a column the officer approved as the
site (`location_id as site because "..."`): the wire reader nulls a public id only when
it is the card, whole. A dataset that shows a public id of its records other than as a
pseudonym now reads it as it reads a shown own id (`execute/shown_own_ids.py`): null in
its copy of the record where it holds the card, counted by path and reason; the record
keeps its rows. A site whose id merely shares a short word with the card stays.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from independent_cpo import IndependentCpo
from privacy.reference_runs import KEY, REFERENCE_WHY, reference_spec, run_on, run_writings

SPEC = reference_spec("card_inside_public_ids")
HELD = "(text with the record's own card or contract id in it)"


def _letters(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _card(record: dict) -> tuple[str, str]:
    token = record.get("cdr_token") or {}
    return token.get("uid") or record["auth_id"], token.get("contract_id") or record["auth_id"]


def _site(record: dict, version: str, module: str) -> dict:
    """The record's own copy of its site's ids (a 2.1.1 record's embedded location)."""
    if version == "2.1.1":
        return record["location"]
    return record["cdr_location"] if module == "cdrs" else record


class _CardInsideSiteIds(IndependentCpo):
    """Every other session's and CDR's site id holds its contract id, and its EVSE uid
    the card's uid; the others' site id shares a short word with the card only."""

    def __init__(self, version: str) -> None:
        super().__init__(version, records=12, page_cap=5)
        public, listed = self.lists["locations"][0], {}
        for module in ("sessions", "cdrs"):
            for index, record in enumerate(self.lists[module]):
                card, contract = _card(record)
                site = _site(record, version, module)
                site_key = "id" if version == "2.1.1" or module == "cdrs" else "location_id"
                if index % 2 == 0:
                    site[site_key] = f"LOC-{contract}"
                    if version == "2.1.1":
                        for evse in site.get("evses") or []:
                            evse["uid"] = f"EVSE-{card}-1"
                    else:
                        site["evse_uid"] = f"EVSE-{card}-1"
                else:   # a word of the card's, too short to be a card: not nulled
                    site[site_key] = f"LOC-{_letters(card)[:4]}-{index}"
                # the CPO publishes the site under that id (a charge at an unlisted site is left out)
                if site[site_key] not in listed:
                    listed[site[site_key]] = {**copy.deepcopy(public), "id": site[site_key]}
        self.lists["locations"].extend(listed.values())


def _dataset(module: str) -> str:
    site, evse = {"sessions": ("location_id", "evse_uid"),
                  "cdrs": ("cdr_location.id", "cdr_location.evse_uid")}[module]
    energy = "kwh" if module == "sessions" else "total_energy"
    return (f"\nfrom {module}\nselect\n  {site} as site {REFERENCE_WHY}\n"
            f"  {evse} as evse {REFERENCE_WHY}\n  {energy} as energy {REFERENCE_WHY}\n"
            f'output ndjson to "{module}.ndjson"\n')


@pytest.mark.parametrize(("version", "workers"), [("2.1.1", "2"), ("2.2.1", "1"), ("2.3.0", "2")])
def test_a_card_inside_a_released_site_id_is_not_released(run_cli, tmp_path: Path, monkeypatch,
                                                          version: str, workers: str) -> None:
    monkeypatch.setenv("JOIN_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    spec = SPEC + "".join(_dataset(module) for module in ("sessions", "cdrs"))
    with _CardInsideSiteIds(version) as cpo:
        canaries = {_letters(value) for value in cpo.personal_values()}
        ran = run_on(run_cli, cpo, tmp_path / "ids.ocx", spec, "--workers", workers)
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    written = run_writings(tmp_path, ran)
    for module in ("sessions", "cdrs"):
        rows = (tmp_path / f"{module}.ndjson").read_text().splitlines()
        assert len(rows) == 12, ran.stderr   # every record kept: only its copy of the id is null
        flat = [row.replace(" ", "") for row in rows]
        assert sum('"site":null' in row for row in flat) == 6, rows
        assert sum('"site":"LOC-' in row for row in flat) == 6, rows   # a short word: kept
    assert sorted(canary for canary in canaries if canary in _letters(written)) == []
    for nulled in ("sessions.location_id", "sessions.evse_uid", "cdrs.cdr_location.id",
                   "cdrs.cdr_location.evse_uid"):
        assert f"{nulled} {HELD} (6)" in ran.stderr, ran.stderr


def test_a_spec_releasing_no_site_id_reads_none(run_cli, tmp_path: Path, monkeypatch) -> None:
    """`pseudonymize(location_id)` keys the site apart from the card: nothing withheld."""
    monkeypatch.setenv("JOIN_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    spec = SPEC + ("\nfrom sessions\nselect\n  pseudonymize(location_id) as site\n"
                   f"  kwh as energy {REFERENCE_WHY}\n" 'output ndjson to "sessions.ndjson"\n')
    with _CardInsideSiteIds("2.2.1") as cpo:
        ran = run_on(run_cli, cpo, tmp_path / "ids.ocx", spec)
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    rows = (tmp_path / "sessions.ndjson").read_text().splitlines()
    assert len(rows) == 12 and not any('"site":null' in row.replace(" ", "") for row in rows)
    assert HELD not in ran.stderr, ran.stderr


@pytest.mark.parametrize("module", ["sessions", "cdrs"])
def test_the_review_says_a_shown_site_id_may_be_empty(run_cli, tmp_path: Path, monkeypatch,
                                                       module: str, snapshot) -> None:
    """The officer who approves a site's id read nothing of its being nulled (the review
    said so of own ids only); a pseudonymised one is never nulled, and says nothing."""
    monkeypatch.setenv("JOIN_KEY", KEY)
    site = {"sessions": "location_id", "cdrs": "cdr_location.id"}[module]
    spec = SPEC + _dataset(module).replace(
        "select\n", f"select\n  pseudonymize({site}) as hidden_site\n")
    (tmp_path / "ids.ocx").write_text(spec)
    review = run_cli("review", str(tmp_path / "ids.ocx"))
    assert review.exit_code == 0, review.stderr
    said = [line.strip() for line in review.stdout.splitlines() if "name a site or charger after" in line]
    assert len(said) == 2, review.stdout   # the site and the EVSE, not the pseudonym
    assert said == snapshot
