"""A driver's card never leaves as one of the record's other own ids.

The attack (adversarial review, session 34): a platform that uses the contract id as its
session id, the card uid as a meter id, or the contract id as a CDR's invoice reference
released the card through a column the officer approved as a harmless platform id
(`id as session because "..."`): `own_ids` compared the card with the record's public
ids and free text only. Every other text field of the record the catalogue classes
personal (walked, not listed: a session's or CDR's `id`, `meter_id`,
`authorization_reference`, a CDR's `session_id`, `invoice_reference_id`,
`credit_reference_id`) whose letters and digits, casefolded, are the record's card uid,
contract id or auth id, or (but for the required `id` and a join's key) hold one as free text does
(`SES-<card>-7`), is null, counted by path and reason; a required one makes the record
invalid (OCX570, or left out under `--allow-invalid`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from independent_cpo import IndependentCpo
from privacy.reference_runs import KEY, reference_spec, run_on, run_writings

from ocpispec.demo import DemoServer

# the fields a record of each version names its own, beside its card's
OWN = {
    ("2.1.1", "sessions"): ("id", "meter_id"),
    ("2.1.1", "cdrs"): ("id", "meter_id"),
    ("2.2.1", "sessions"): ("id", "meter_id", "authorization_reference"),
    ("2.2.1", "cdrs"): ("id", "meter_id", "authorization_reference", "session_id",
                        "invoice_reference_id", "credit_reference_id"),
}
OWN[("2.3.0", "sessions")], OWN[("2.3.0", "cdrs")] = OWN[("2.2.1", "sessions")], OWN[("2.2.1", "cdrs")]
SPEC = reference_spec("own_ids")


def _dataset(module: str, fields: tuple[str, ...]) -> str:
    columns = "".join(f'  {field} as {module}_{field} because "the platform\'s reference, '
                      f'matched against the CPO\'s own records"\n' for field in fields)
    return f"\nfrom {module}\nselect\n{columns}output ndjson to \"{module}.ndjson\"\n"


def _card_forms(record: dict) -> list[str]:
    """The record's card and contract id as a platform may write them again."""
    token = record.get("cdr_token") or {}
    card, contract = token.get("uid") or record["auth_id"], token.get("contract_id") or record["auth_id"]
    return [contract, card.lower(), ":".join(contract.lower().split("-")), f"SES-{card}-7"]


class _CardAsOwnId(IndependentCpo):
    """Each of a record's own ids, in turn, is its card or contract id (every other record)."""

    def __init__(self, version: str) -> None:
        super().__init__(version, records=12, page_cap=5)
        for module in ("sessions", "cdrs"):
            fields = OWN[(version, module)]
            for index, record in enumerate(self.lists[module]):
                if index % 2 == 0:
                    field = fields[index // 2 % len(fields)]
                    # (a required `id` and a join's key, a CDR's `session_id`, are compared
                    # whole: one holding the card passes, `test_join_key_holding_the_card`)
                    whole = field in ("id", "session_id")
                    record[field] = _card_forms(record)[index // 2 % (3 if whole else 4)]


@pytest.mark.parametrize(("version", "workers"), [("2.1.1", "2"), ("2.2.1", "1"), ("2.3.0", "2")])
def test_a_card_as_the_record_s_own_id_is_not_released(run_cli, tmp_path: Path, monkeypatch,
                                                       version: str, workers: str) -> None:
    monkeypatch.setenv("JOIN_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    spec = SPEC + "".join(_dataset(module, OWN[(version, module)]) for module in ("sessions", "cdrs"))
    with _CardAsOwnId(version) as cpo:
        canaries = {value.lower() for value in cpo.personal_values()}
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party",
                       "NL-ABC").exit_code == 0
        (tmp_path / "ids.ocx").write_text(spec)
        refused = run_cli("run", str(tmp_path / "ids.ocx"), "--workers", workers)
        assert refused.exit_code == 1 and "error[OCX570]" in refused.stderr
        assert not list(tmp_path.glob("*.ndjson"))
        ran = run_cli("-v", "--log-file", str(tmp_path / "run.log"), "run",
                      str(tmp_path / "ids.ocx"), "--workers", workers, "--allow-invalid", "12")
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    written = run_writings(tmp_path, refused, ran).lower()
    assert "own_ids" in written   # (the run's files were read)
    assert sorted(canary for canary in canaries if canary in written) == []
    for module in ("sessions", "cdrs"):
        fields = OWN[(version, module)]
        said = {field for field in fields
                if f"{module}.{field} (the record's own card or contract id)" in ran.stderr}
        assert said == set(fields), ran.stderr
        rows = (tmp_path / f"{module}.ndjson").read_text().splitlines()
        # the records whose `id` was the card are left out; the others, with it null
        assert len(rows) == 12 - sum(1 for index in range(0, 12, 2)
                                     if fields[index // 2 % len(fields)] == "id")


class _CleanCardAsMeter(DemoServer):
    """The demo CPO, whose pages are clean (`run`'s workers skip the reader for a page
    that fits the strict types): every tenth session's meter is its contract id."""

    def render(self, version: str, module: str, index: int) -> dict:
        obj = super().render(version, module, index)
        if module == "sessions" and index % 10 == 3:
            obj["meter_id"] = obj["cdr_token"]["contract_id"]
        return obj


def test_nor_from_a_clean_page(run_cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("JOIN_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    with _CleanCardAsMeter(version="2.2.1", size=200, max_page_size=100) as cpo:
        contracts = [cpo.render("2.2.1", "sessions", index)["cdr_token"]["contract_id"].lower()
                     for index in range(3, 200, 10)]
        ran = run_on(run_cli, cpo, tmp_path / "ids.ocx", SPEC + _dataset("sessions", ("meter_id",)), "--workers", "2")
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    written = run_writings(tmp_path, ran).lower()
    assert [contract for contract in contracts if contract in written] == []
    assert "sessions.meter_id (the record's own card or contract id) (20)" in ran.stderr


@pytest.mark.parametrize(("module", "shown", "probed"), [
    ("sessions", ["cdr_token.contract_id", "kwh"], False),   # bench_e2e's spec: pseudonymize(id)
    ("sessions", ["id"], True), ("sessions", ["meter_id"], True), ("cdrs", ["kwh"], False),
    ("cdrs", ["invoice_reference_id"], True), ("sessions", ["location_id"], False),  # public: its own probe
    ("sessions", [""], True), ("sessions", ["jmespath(id)"], True)])
def test_the_strict_fit_probes_an_own_id_only_where_it_is_shown(module, shown, probed) -> None:
    """`pseudonymize(id)` keys a session id that is the card apart from the card's
    pseudonym (another family's key): the clean pages of such a spec are not probed."""
    from ocpispec.schema.own_ids import may_show_own_ids

    assert may_show_own_ids(module, shown) is probed


def test_a_required_id_is_compared_whole() -> None:
    """A session id made of the contract id and a counter would make every session of
    such a platform invalid: `id` is null only when it is the card; a meter id holding
    it is null."""
    from ocpispec.schema.wire_check import wire_reader

    token = {"uid": "04A2B3C4", "contract_id": "NL-TNM-C12345678-X"}
    read = wire_reader("2.2.1", "sessions")
    for text, invalid in [("NL-TNM-C12345678-X-0001", ["meter_id"]), ("S-04a2b3c4-7", ["meter_id"]),
                          ("nltnmc12345678x", ["id", "meter_id"]), ("SES04A2B3C4X", [])]:
        found = read({"id": text, "meter_id": text, "cdr_token": dict(token)}).invalid
        assert [path for path, _ in found] == invalid, text
