"""A one-time token's type in another spelling is still one-time.

The attack (adversarial review, round eleven): OCPI's `AD_HOC_USER` token is a new uid
(and contract id) per charge and adds no driver; a platform writing the type as
` AD_HOC_USER`, `AD-HOC-USER` or `ad hoc user` had it read as no type at all (only
other casing was read as the enum's value), so one person paying ad hoc six times was
six drivers and passed `minimum group size 2`. An enum value spelled with other
separators or padding is now read as the value its letters spell
(`schema.wire_tests.enum`), where no two values of the enum share their letters.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from independent_cpo import IndependentCpo
from privacy.reference_runs import run_on
from privacy.test_linked_identities import KEY, SPEC, _group


class _AdHoc(IndependentCpo):
    """Six ad hoc charges of one person: a new uid and contract id each."""

    def __init__(self, kind: str) -> None:
        super().__init__("2.2.1", records=6, page_cap=5)
        for index, record in enumerate(self.lists["sessions"]):
            record["cdr_token"].update(type=kind, uid=f"ADHOC{index:04d}",
                                       contract_id=f"NL-ADH-C{index:08d}")


@pytest.mark.parametrize("kind", ["Ad_Hoc_User", " AD_HOC_USER", "AD-HOC-USER", "ad hoc user"])
def test_ad_hoc_charges_in_any_spelling_add_no_driver(run_cli, tmp_path: Path, monkeypatch,
                                                      kind: str) -> None:
    monkeypatch.setenv("DRIVER_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    with _AdHoc(kind) as cpo:
        ran = run_on(run_cli, cpo, tmp_path / "adhoc.ocx", SPEC + _group("  count() as charges\n"))
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    assert (tmp_path / "out.csv").read_text().splitlines()[1:] == [], ran.stderr


def test_an_enum_read_by_its_letters() -> None:
    from ocpispec.schema.wire_tests import enum

    test = enum("TokenType", frozenset({"AD_HOC_USER", "APP_USER", "OTHER", "RFID"}), False)
    assert test("AD_HOC_USER") is None
    assert test("ad-hoc user")[0] == "AD_HOC_USER"
    assert test("ADHOC")[0] is None  # letters of no value: not read as one
