"""A tariff reached from a charge names the customer's contract (adversarial review).

A CDR's embedded `tariffs` and a joined `tariff.*` released a tariff's `id`,
`tariff_alt_text` and `tariff_alt_url` as public, while `charging_periods.tariff_id`
was quasi: a tariff only one contract or fleet gets singled that customer out with
no warning, and `get cdrs` dumped those fields. Reached from a session or CDR they are
quasi-identifiers (`schema/contract_tariffs.py`); in a tariffs export, which keeps only
published tariffs, they stay public."""

from __future__ import annotations

import pytest
from frontend_helpers import codes_of

from ocpispec.plan.columns import leaf_fields
from ocpispec.schema import catalogue
from ocpispec.schema.model import PrivacyClass
from ocpispec.schema.records import _keep_tree
from ocpispec.schema.reference import describe

KEY = "0f8e3a6c1d5b92e47a0c8f3d6b1e59a27c4f0d8b3e6a15c9f2d7b40e8a3c6f1d"
JOINS = {"sessions": "  join tariffs on charging_periods.tariff_id\n",
         "cdrs": "  join tariffs on tariffs.id\n", "sessions+cdrs": "  join cdrs on id\n"}


def _spec(module: str, column: str, *, join: str = "", each: str = "") -> str:
    return (f"from {module}\n" + JOINS.get(join, "") + (f"  {each}\n" if each else "")
            + f"select\n  {column}\n  pseudonymize(cdr_token.contract_id) as driver\n"
            + "output ndjson to stdout\n")


NAMING = [
    ("cdrs", 'jmespath("tariffs[0].id") as tariff', "", ""),
    ("cdrs", 'jmespath("tariffs[0].tariff_alt_text[0].text") as tariff', "", ""),
    ("cdrs", "tariff.id as tariff", "cdrs", ""),
    ("cdrs", "tariff.tariff_alt_url as tariff", "cdrs", ""),
    ("sessions", "tariff.id as tariff", "sessions", ""),
    ("sessions", "tariff.tariff_alt_url as tariff", "sessions", ""),
    ("cdrs", "used.id as tariff", "", "each tariffs as used"),
    ("cdrs", "used.tariff_alt_url as tariff", "", "each tariffs as used"),
    ("sessions", 'jmespath("cdr.tariffs[0].id") as tariff', "sessions+cdrs", ""),
    ("sessions", "period.tariff_id as tariff", "", "each charging_periods as period"),
]


@pytest.mark.parametrize(("module", "column", "join", "each"), NAMING,
                         ids=[f"{m}:{c.split(' as ')[0]}" for m, c, _, _ in NAMING])
def test_a_charge_s_tariff_id_or_text_is_a_quasi_identifier(module: str, column: str,
                                                             join: str, each: str) -> None:
    """Released raw, it is warned about (OCX303) as any quasi-identifier."""
    assert "OCX303" in codes_of(_spec(module, column, join=join, each=each))


@pytest.mark.parametrize("column", ["tariff.type as kind", "tariff.currency as currency",
                                    "used.currency as currency", "used.type as kind"])
def test_the_rest_of_a_charge_s_tariff_keeps_its_class(column: str) -> None:
    join, each = ("cdrs", "") if column.startswith("tariff.") else ("", "each tariffs as used")
    assert codes_of(_spec("cdrs", column, join=join, each=each)) == []


def test_a_published_tariff_s_id_and_text_stay_public() -> None:
    """A tariffs export keeps only tariffs published locations name."""
    cat = catalogue()
    for name in ("id", "tariff_alt_url"):
        assert cat.resolve("tariffs", (name,)).leaf.privacy is PrivacyClass.PUBLIC
    body = ("from tariffs\nselect\n  id\n  tariff_alt_url as url\n"
            "output ndjson to stdout\n")
    assert "OCX303" not in codes_of(body)


def test_every_listing_of_classes_agrees() -> None:
    """The catalogue, the plan's withheld list, `ocpispec schema` and `get`."""
    cat = catalogue()
    for path in (("tariffs", "id"), ("tariffs", "tariff_alt_url"),
                 ("tariffs", "tariff_alt_text", "text")):
        assert cat.resolve("cdrs", path).leaf.privacy is PrivacyClass.QUASI
    leaves = dict(leaf_fields("cdrs"))
    assert leaves[("tariffs", "id")] is PrivacyClass.QUASI
    assert leaves[("tariffs", "currency")] is PrivacyClass.PUBLIC
    shown = {info.path: info.field.privacy for info in describe(cat, "cdrs")}
    assert shown[("tariffs", "id")] is PrivacyClass.QUASI
    assert shown[("tariffs", "tariff_alt_text", "text")] is PrivacyClass.QUASI
    for version in ("2.1.1", "2.2.1", "2.3.0"):
        kept = _keep_tree(cat, version, "cdrs", frozenset())["tariffs"]
        assert "id" not in kept and "tariff_alt_url" not in kept and "currency" in kept
        assert "tariff_alt_text" not in kept
