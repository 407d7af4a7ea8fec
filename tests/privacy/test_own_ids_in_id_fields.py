"""A driver's card id never leaves in a field the schema classes as a public id.

The attack (adversarial review, session 32): `schema/own_ids.py` read a record's own
card uid and contract id only against its free text. A hostile platform set a session's
`location_id`, `evse_uid` or `connector_id` (a CDR's `cdr_location.id`, `evse_uid`,
`evse_id`) to the driver's card: the id released as sent, with the OCX303 warning only,
the card on every row of that driver; a join on `location_id` then matched the
platform's site of that id and released `location.id` too. Such an id is now read as
null, counted by field and reason; the ids are required, so the session is invalid and
the run fails (OCX570) with nothing written, or, with `--allow-invalid`, delivers the
others and never joins a site by the card's name.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from independent_cpo import IndependentCpo

from ocpispec.demo import DemoServer

from ocpispec.schema.wire_check import wire_reader

KEY = "3f9a6c2e8b1d4f70a5c3e9b2d6f8a1c4e7b0d3f6a9c2e5b8d1f4a7c0e3b6d9f2"
UID = "04A2B3C4D5E6F7"
CONTRACT = "NL-TNM-C12345678-X"
# the card as the platform sent it: as is, in other case, with separators
WRITTEN = {"location_id": UID, "evse_uid": "04:a2:b3:c4:d5:e6:f7", "connector_id": "nltnmc12345678x"}
SPEC = """export card_ids
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
  location_id as site
  evse_uid as evse
  connector_id as connector
  location.id as joined_site
output ndjson to "out.ndjson"
"""


class _CardAsId(IndependentCpo):
    """Every other session by one card, whose ids name that card; a site whose `id`
    is the card uid, which a join on the session's `location_id` would match."""

    def __init__(self) -> None:
        super().__init__("2.2.1", records=6, page_cap=4)
        site = copy.deepcopy(self.lists["locations"][0])   # a public site, LOC1's twin
        site["id"] = UID
        site["evses"] = [{**site["evses"][0], "uid": WRITTEN["evse_uid"],
                          "connectors": [{**site["evses"][0]["connectors"][0],
                                          "id": WRITTEN["connector_id"]}]}]
        self.lists["locations"].append(site)
        for index, session in enumerate(self.lists["sessions"]):
            if index % 2:
                continue
            session["cdr_token"]["uid"] = UID
            session["cdr_token"]["contract_id"] = CONTRACT
            session.update(WRITTEN)


@pytest.mark.parametrize(("workers", "allowed"), [("1", False), ("2", True)])
def test_a_session_s_card_in_its_public_ids_is_not_released(
        run_cli, tmp_path: Path, monkeypatch, workers: str, allowed: bool, snapshot) -> None:
    monkeypatch.setenv("JOIN_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    with _CardAsId() as cpo:
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party",
                       "NL-ABC").exit_code == 0
        (tmp_path / "ids.ocx").write_text(SPEC)
        ran = run_cli("-v", "--log-file", str(tmp_path / "run.log"), "run",
                      str(tmp_path / "ids.ocx"), "--workers", workers,
                      *(["--allow-invalid", "3"] if allowed else []))
    written = "\n".join([ran.stdout, ran.stderr, *(
        path.read_bytes().decode("utf-8", "replace") for path in tmp_path.rglob("*")
        if path.is_file() and path.suffix != ".ocx")]).lower()
    assert "ocpispec" in written   # (the run's files were read)
    for canary in ("04a2b3c4d5e6f7", "04:a2:b3", "nltnmc12345678x", "c12345678"):
        assert canary not in written
    counted = [line.strip() for line in ran.stderr.splitlines() if "card or contract id" in line]
    assert counted == snapshot
    if not allowed:
        assert ran.exit_code == 1 and "error[OCX570]" in ran.stderr
        assert not (tmp_path / "out.ndjson").exists()
        return
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    rows = [json.loads(line) for line in (tmp_path / "out.ndjson").read_text().splitlines()]
    # the others keep their ids and their join; no row joined the card's site
    assert len(rows) == 3 and {(row["site"], row["joined_site"]) for row in rows} == {("LOC1", "LOC1")}


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3.0"])
def test_ids_sharing_a_prefix_with_the_card_pass(version: str) -> None:
    """Only an id that is the card, read whole as uids are read, is null; an id of the
    demo's or OCPI's examples that merely shares its start or lies inside it passes."""
    sessions = wire_reader(version, "sessions")
    for site in ("LOC1", "04A2B3", "04A2B3C4D5E6F7-1", "NL-TNM-C1234", "3256", "BE*BEC*E041503001"):
        record = {"id": "101", "location_id": site, "evse_uid": site, "connector_id": "1",
                  "cdr_token": {"uid": UID, "contract_id": CONTRACT}, "auth_id": CONTRACT}
        if version == "2.1.1":
            record = {"id": "101", "auth_id": UID, "location": {"id": site, "evses": []}}
        assert sessions(record).invalid == ()


class _CleanCardAsId(DemoServer):
    """The demo CPO, whose pages are clean (`run`'s workers skip the reader for a page
    that fits the strict types): every tenth session names its card as its EVSE."""

    def render(self, version: str, module: str, index: int) -> dict:
        obj = super().render(version, module, index)
        if module == "sessions" and index % 10 == 3:
            obj["evse_uid"] = obj["cdr_token"]["uid"]
        return obj


def test_nor_from_a_clean_page(run_cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("JOIN_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    spec = SPEC.replace("  join locations on location_id\n", "").replace(
        "  location.id as joined_site\n", "")
    with _CleanCardAsId(version="2.2.1", size=200, max_page_size=100) as cpo:
        cards = [cpo.render("2.2.1", "sessions", index)["cdr_token"]["uid"].lower()
                 for index in range(3, 200, 10)]
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party",
                       "NL-ABC").exit_code == 0
        (tmp_path / "ids.ocx").write_text(spec)
        ran = run_cli("run", str(tmp_path / "ids.ocx"), "--workers", "2", "--allow-invalid", "20")
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    written = "\n".join([ran.stdout, ran.stderr, *(
        path.read_bytes().decode("utf-8", "replace") for path in tmp_path.rglob("*")
        if path.is_file() and path.suffix != ".ocx")]).lower()
    assert [card for card in cards if card in written] == []
    assert "sessions.evse_uid (the record's own card or contract id) (20)" in ran.stderr


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3.0"])
def test_the_demo_s_and_the_examples_ids_pass(version: str) -> None:
    from ocpispec.schema.own_ids import OWN_ID_AS_ID

    demo = DemoServer(version=version, size=100, max_page_size=100)
    examples = Path(__file__).parent.parent / "ocpi_examples" / version
    for module in ("sessions", "cdrs", "tokens"):
        read = wire_reader(version, module)
        records = [demo.render(version, module, index) for index in range(100)]
        for path in examples.glob(f"*{module}*.json"):
            body = json.loads(path.read_text())
            found = body.get("data", body) if isinstance(body, dict) else body
            records += [item for item in (found if isinstance(found, list) else [found])
                        if isinstance(item, dict)]
        assert len(records) > 100
        assert [path for record in records for path, reason in read(record).invalid
                if reason == OWN_ID_AS_ID] == []


@pytest.mark.parametrize(("sources", "probed"), [
    (["total_cost.excl_vat", "cdr_token.contract_id", "kwh", "status"], False),   # bench_e2e's spec
    (["charging_periods[].dimensions[].volume", "location.name"], False),
    (["total_cost"], True), (["total_cost.taxes[].account_number"], True),         # 2.3.0's tax id
    (["location_id"], True), (["location"], True), (["location.evses[0].uid"], True),
    (["charging_periods"], True), (["charging_periods[].tariff_id"], True),
    ([""], True), (["*"], True), (["jmespath(location)"], True), (["id", "location_id"], True)])
def test_the_probe_is_left_out_only_where_no_source_reaches_a_public_id(sources: list[str],
                                                                         probed: bool) -> None:
    """A source shares a public id's path, as a prefix or below it, or is no plain path:
    then the strict fit probes. `total_cost.excl_vat` begins where a 2.3.0 tax's
    `account_number` does, and probing for it cost every record of bench_e2e's spec
    about 21k instructions."""
    from ocpispec.schema.own_ids import may_release_public_ids

    assert may_release_public_ids("sessions", sources) is probed
