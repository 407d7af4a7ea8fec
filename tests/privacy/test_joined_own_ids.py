"""A record's own card or contract id never leaves in the free text of what it joins.

The attack (adversarial review, round four): a hostile platform names a driver's card
in a site (`Laadpas 04A2...` as the location's `name`), in a tariff's display text or
in a joined token's `issuer`. `schema/own_ids.py` reads a session's, CDR's or token's
own ids against its own texts only; a join of the location bound the text beside the
session it names, and `location.name` released it, one driver's card per row of a
site that driver charges at (a home charger, a company's own car park).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from independent_cpo import IndependentCpo

KEY = "7c2e9b4d1a6f03e8b5c2d9a6f3e0b7c4a1d8f5e2b9c6a3d0f7e4b1c8a5d2f9e6"
UID = "04A2B3C4D5E6F7"
CONTRACT = "NL-TNM-C12345678-X"
HEADER = """export joined_texts
  consumer "Test consumer"
  purpose "Sessions with their sites"
  legal basis public task "test"
  retention 1 months
  pseudonym key env JOIN_KEY
source profile default

"""
SESSIONS = """from sessions
  join locations on location_id
select
  pseudonymize(id) as session
  location.name as site
  location.address as street
  location.operator.name as operator
output ndjson to "out.ndjson"
"""


class _Named(IndependentCpo):
    """Every session by one card at the first site, whose texts carry that card's
    uid and contract id; the other sites keep their names."""

    def __init__(self, version: str) -> None:
        super().__init__(version, records=6, page_cap=4)
        site = self.lists["locations"][0]
        # a 2.1.1 session's one id is its `auth_id`: the card's uid here
        contract = UID if version == "2.1.1" else CONTRACT
        site["name"] = f"Laadpas {UID.lower()}"
        site["address"] = f"contract {contract.replace('-', ' ')}"
        site["operator"] = {"name": f"Fleet of {UID}"}
        for session in self.lists["sessions"]:
            if version == "2.1.1":   # the card is the session's `auth_id`, its site embedded
                session["auth_id"] = UID
                session["location"] = {**session["location"], "id": site["id"]}
                continue
            session["location_id"] = site["id"]
            session["cdr_token"]["uid"] = UID
            session["cdr_token"]["contract_id"] = CONTRACT


@pytest.mark.parametrize(("version", "workers"), [("2.2.1", "1"), ("2.2.1", "2"), ("2.1.1", "2")])
def test_a_joined_site_naming_the_session_s_card_is_not_released(
        run_cli, tmp_path: Path, monkeypatch, version: str, workers: str, snapshot) -> None:
    monkeypatch.setenv("JOIN_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    with _Named(version) as cpo:
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party",
                       "NL-ABC").exit_code == 0
        spec = tmp_path / "joined.ocx"
        spec.write_text(HEADER + SESSIONS)
        ran = run_cli("-v", "--log-file", str(tmp_path / "run.log"), "run", str(spec),
                      "--workers", workers)
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    rows = [json.loads(line) for line in (tmp_path / "out.ndjson").read_text().splitlines()]
    assert len(rows) == 6 and {row["site"] for row in rows} == {None}
    written = "\n".join([ran.stdout, ran.stderr, *(
        path.read_bytes().decode("utf-8", "replace") for path in tmp_path.rglob("*")
        if path.is_file() and path.suffix != ".ocx")]).lower()
    assert "laadpas" not in written and "fleet of" not in written
    assert UID.lower() not in written and "c12345678" not in written
    assert "ocpispec" in written   # (the run's files were read)
    counted = [line.strip() for line in ran.stderr.splitlines() if "invalid fields" in line]
    assert counted == snapshot


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3.0"])
@pytest.mark.parametrize(("module", "joined", "bound", "nulled"), [
    ("sessions", "locations", {"name": "Laadpas 04a2b3c4d5e6f7", "city": "Utrecht",
                               "evses": [{"physical_reference": "card 04A2B3C4D5E6F7"}]},
     {"name": None, "city": "Utrecht", "evses": [{"physical_reference": None}]}),
    ("cdrs", "tariffs", {"tariff_alt_text": [{"language": "nl", "text": "NL TNM C12345678 X"}]},
     {"tariff_alt_text": [{"language": "nl", "text": None}]}),
    ("sessions", "tokens", {"issuer": "Fleet 04A2B3C4D5E6F7", "uid": UID},
     {"issuer": None, "uid": UID}),
    # the card as a public id of the joined record (`test_joined_public_ids`), or in a link
    ("sessions", "locations", {"evses": [{"uid": "04:a2:b3:c4:d5:e6:f7", "evse_id": "NL*ABC*E1"}],
                               "operator": {"website": "https://x.example/?c=NL-TNM-C12345678-X"}},
     {"evses": [{"uid": None, "evse_id": "NL*ABC*E1"}], "operator": {"website": None}}),
    # a NUL inside the card number, which `own_ids` reads past
    ("sessions", "locations", {"name": "Laadpas 04A2B3\x00C4D5E6F7", "city": "Utrecht"},
     {"name": None, "city": "Utrecht"}),
])
def test_the_guard_nulls_only_the_joined_texts_naming_the_card(
        version: str, module: str, joined: str, bound: dict, nulled: dict) -> None:
    from ocpispec.execute.joined_own_ids import joined_text_guard

    guard = joined_text_guard(module, joined, version)
    assert guard is not None
    wire = {"cdr_token": {"uid": UID, "contract_id": CONTRACT}, "auth_id": CONTRACT}
    kept = json.dumps(bound)
    safe, paths = guard.guarded(wire, bound, guard.screen(bound))
    assert safe == nulled and paths and all(isinstance(path, str) and isinstance(reason, str)
                                            for path, reason in paths)
    assert json.dumps(bound) == kept   # the join's cached record is left as it was
    other = {"cdr_token": {"uid": "0499887766AA"}, "auth_id": "NL-ABC-C00000001-Z"}
    assert guard.guarded(other, bound, guard.screen(bound)) == (bound, ())


ASCII = st.text(alphabet=st.characters(max_codepoint=127), max_size=24)


@settings(max_examples=300)
@given(st.lists(ASCII, max_size=4), st.lists(ASCII, min_size=1, max_size=3), st.data())
def test_the_quick_screen_finds_every_id_own_ids_finds(ids: list[str], texts: list[str],
                                                       data) -> None:
    """The per-record prefilter (`_maybe_held`, ASCII ids as bytes) misses no text that
    `own_ids.held` would null: texts with an id written in them (cased, spaced, cut)."""
    from ocpispec.execute.joined_own_ids import joined_text_guard
    from ocpispec.schema.own_ids import held, ids_of

    if ids:
        chosen = data.draw(st.sampled_from(ids))
        written = data.draw(st.sampled_from([chosen, chosen.lower(), chosen.upper(),
                                             " ".join(chosen), chosen.replace("-", ""),
                                             "\x00".join(chosen)]))
        texts[0] = texts[0] + data.draw(st.sampled_from(["", " ", "-", "x"])) + written
    guard = joined_text_guard("tokens", "locations", "2.2.1")
    assert guard is not None
    bound = {"name": texts[0], "address": "\x00".join(texts[1:]) or "Oudegracht 1"}
    screen = guard.screen(bound)
    wire = dict(zip(("uid", "contract_id", "auth_id", "visual_number"), ids, strict=False))
    if screen is not None and held([text for *_, text in screen.texts],
                                   ids_of(guard.ids(wire))):
        assert guard.guarded(wire, bound, screen)[1] != ()


class _Partly(IndependentCpo):
    """The card's sessions at a site named for it (`Laadpas <uid>`); with `all_of_them`
    false, half the sessions are another card's at other sites, named plainly."""

    def __init__(self, all_of_them: bool) -> None:
        super().__init__("2.2.1", records=4, page_cap=4)
        site = self.lists["locations"][0]
        site["name"] = f"Laadpas {UID.lower()}"
        for at, session in enumerate(self.lists["sessions"]):
            if all_of_them or at % 2 == 0:
                session["location_id"] = site["id"]
                session["cdr_token"]["uid"] = UID
                session["cdr_token"]["contract_id"] = CONTRACT


@pytest.mark.parametrize("all_of_them", [True, False], ids=["every-row", "some-rows"])
def test_the_summary_says_ocpispec_emptied_what_the_guard_nulled(
        run_cli, tmp_path: Path, monkeypatch, all_of_them: bool, snapshot) -> None:
    """A column the joined-record guard nulled in every row is not one the platform
    leaves out: the summary says the guard emptied it (counted once, under `invalid
    fields`), naming no value; nulled in some rows only, the count alone says it."""
    monkeypatch.setenv("JOIN_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    with _Partly(all_of_them) as cpo:
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party",
                       "NL-ABC").exit_code == 0
        spec = tmp_path / "joined.ocx"
        spec.write_text(HEADER + SESSIONS.replace(
            "  location.address as street\n  location.operator.name as operator\n", ""))
        ran = run_cli("run", str(spec), "--workers", "1")
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    rows = [json.loads(line) for line in (tmp_path / "out.ndjson").read_text().splitlines()]
    assert len(rows) == 4 and ({row["site"] for row in rows} == {None}) == all_of_them
    said = [line.strip() for line in ran.stderr.splitlines()
            if "invalid fields" in line or "warning:" in line]
    assert "leaves out" not in "\n".join(said)
    assert "laadpas" not in ran.stderr.lower() and UID.lower() not in ran.stderr.lower()
    assert said == snapshot


class _Mailed(IndependentCpo):
    """Sites whose `directions` hold a driver's e-mail address, in every site."""

    def __init__(self) -> None:
        super().__init__("2.2.1", records=2, page_cap=4)
        for site in self.lists["locations"]:
            site["directions"] = [{"language": "en", "text": "Bel jan.jansen@example.com"}]


@pytest.mark.parametrize("column", ["hint.text", 'jmespath("hint.text")'])
def test_the_summary_says_ocpispec_emptied_an_element_s_field(
        run_cli, tmp_path: Path, monkeypatch, column: str, snapshot) -> None:
    """An element's field (`each directions as hint`, `hint.text`, also read inside
    `jmespath(...)`) that a guard nulled in every row is said emptied by ocpispec at its
    place in the record (`directions.text`), not left out by the platform."""
    monkeypatch.setenv("JOIN_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    with _Mailed() as cpo:
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party",
                       "NL-ABC").exit_code == 0
        spec = tmp_path / "sites.ocx"
        spec.write_text(HEADER + "from locations\n  each directions as hint\nselect\n"
                        f"  {column} as hint\noutput ndjson to \"out.ndjson\"\n")
        ran = run_cli("run", str(spec), "--workers", "1")
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    rows = [json.loads(line) for line in (tmp_path / "out.ndjson").read_text().splitlines()]
    assert rows and {row["hint"] for row in rows} == {None}
    said = [line.strip() for line in ran.stderr.splitlines() if "warning:" in line]
    assert "jansen" not in ran.stdout + ran.stderr
    assert said and "leaves out" not in "\n".join(said)
    assert said == snapshot
