"""A tariff reached from a charge names the customer's contract (adversarial review).

A CDR's embedded `tariffs` and a joined `tariff.*` released a tariff's `id`,
`tariff_alt_text` and `tariff_alt_url` as public, while `charging_periods.tariff_id`
was quasi: a tariff only one contract or fleet gets singled that customer out with
no warning, and `get cdrs` dumped those fields. Its prices, restrictions and validity
tell it apart as well (a fleet's 0.27 EUR/kWh beside the public 0.39), and stayed
public after the id was fixed. Reached from a session or CDR all of a tariff but the
CPO's identity, currency and type is quasi (`schema/contract_tariffs.py`); in a
tariffs export, which keeps only published tariffs, it stays public."""

from __future__ import annotations

import json

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
    ("sessions", "tariff.min_price.excl_vat as tariff", "sessions", ""),
    ("sessions", 'jmespath("tariff.elements[0].price_components[0].price") as tariff',
     "sessions", ""),
    ("cdrs", "tariff.max_price.incl_vat as tariff", "cdrs", ""),
    ("cdrs", "tariff.start_date_time as tariff", "cdrs", ""),
    ("cdrs", 'jmespath("tariffs[0].elements[0].price_components[0].price") as tariff', "", ""),
    ("cdrs", "used.min_price.excl_vat as tariff", "", "each tariffs as used"),
    ("cdrs", 'jmespath("used.elements[0].restrictions.max_kwh") as tariff', "",
     "each tariffs as used"),
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
                 ("tariffs", "tariff_alt_text", "text"), ("tariffs", "min_price", "excl_vat"),
                 ("tariffs", "elements", "price_components", "price")):
        assert cat.resolve("cdrs", path).leaf.privacy is PrivacyClass.QUASI
    leaves = dict(leaf_fields("cdrs"))
    assert leaves[("tariffs", "id")] is PrivacyClass.QUASI
    assert leaves[("tariffs", "currency")] is PrivacyClass.PUBLIC
    assert leaves[("tariffs", "elements", "price_components", "price")] is PrivacyClass.QUASI
    shown = {info.path: info.field.privacy for info in describe(cat, "cdrs")}
    assert shown[("tariffs", "id")] is PrivacyClass.QUASI
    assert shown[("tariffs", "tariff_alt_text", "text")] is PrivacyClass.QUASI
    for version in ("2.1.1", "2.2.1", "2.3.0"):
        kept = _keep_tree(cat, version, "cdrs", frozenset())["tariffs"]
        assert "id" not in kept and "tariff_alt_url" not in kept and "currency" in kept
        assert "tariff_alt_text" not in kept and "elements" not in kept
        assert "min_price" not in kept


PRICE_SPEC = '''export tariff_prices
  consumer "Mobility research institute"
  purpose "Study how the price of charging affects how long drivers charge"
  legal basis legitimate interests "Art. 6(1)(f) GDPR; LIA-2026-4"
  retention 12 months
  pseudonym key env PRICE_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
  where status = "COMPLETED"
  join tariffs on charging_periods.tariff_id
select
  pseudonymize(cdr_token.contract_id) as driver
  tariff.type as tariff_type
  jmespath("tariff.elements[0].price_components[0].price") as price
output csv to "x"
'''


def test_the_review_shows_a_charge_s_tariff_price_as_quasi(run_cli, tmp_path) -> None:
    spec = tmp_path / "prices.ocx"
    spec.write_text(PRICE_SPEC)
    review = run_cli("review", str(spec), "--format", "json")
    assert review.exit_code == 0, review.stderr
    page = json.loads(review.stdout)
    (dataset,) = page["datasets"]
    shown = {c["name"]: (c["privacy_before"], c["privacy_after"]) for c in dataset["columns"]}
    assert shown["price"] == ("quasi-identifier", "quasi-identifier")
    assert shown["tariff_type"] == ("public", "public")
    assert [w["code"] for w in page["warnings"]] == ["OCX303"]


def test_get_cdrs_keeps_a_tariff_s_prices_back(run_cli, demo_profile) -> None:
    """Against the demo CPO: the embedded tariffs keep their currency and type only."""
    result = run_cli("get", "cdrs", "--date-to", "2026-01-01")
    assert result.exit_code == 0, result.stderr
    tariffs = [tariff for line in result.stdout.splitlines()
               for tariff in json.loads(line).get("tariffs") or []]
    assert tariffs
    assert all(set(tariff) <= {"country_code", "party_id", "currency", "type"}
               for tariff in tariffs)


WHOLE_SPEC = '''export billed_tariffs
  consumer "Mobility research institute"
  purpose "Study how the price of charging affects how long drivers charge"
  legal basis legitimate interests "Art. 6(1)(f) GDPR; LIA-2026-4"
  retention 12 months
  pseudonym key env PRICE_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from cdrs
select
  pseudonymize(cdr_token.contract_id) as driver
  jmespath("tariffs") as billed
output csv to "x"
'''


@pytest.mark.parametrize("column", ['jmespath("tariffs") as billed',
                                    'jmespath("to_string(tariffs)") as billed',
                                    'jmespath("[tariffs, currency]") as billed'])
def test_a_charge_s_tariffs_read_whole_are_a_quasi_identifier(column: str) -> None:
    """The list holds the ids and prices that are quasi one by one; the catalogue's
    class of the list itself (public) is the published tariffs' class."""
    assert "OCX303" in codes_of(_spec("cdrs", column))


def test_a_run_calls_the_whole_tariffs_quasi(run_cli, demo_server, tmp_path) -> None:
    """Against the demo CPO: the manifest called the column public and the run's risk
    figures counted no quasi-identifier, with each CDR's tariff ids and prices in it."""
    spec = tmp_path / "billed.ocx"
    spec.write_text(WHOLE_SPEC)
    out = tmp_path / "out.csv"
    result = run_cli("run", str(spec), "--out", str(out), "--as-of", "2026-01-01T00:00:00Z",
                     env={"OCPI_VERSIONS_URL": demo_server.versions_url,
                          "OCPI_TOKEN": demo_server.token, "PRICE_KEY": KEY})
    assert result.exit_code == 0, result.stderr
    assert "AC-STD" in out.read_text()
    manifest = json.loads((tmp_path / "out.csv.manifest.json").read_text())
    classes = {c["name"]: c["privacy"] for c in manifest["columns"]}
    assert classes["billed"] == "quasi-identifier"
    assert "no quasi-identifier is released" not in result.stderr
    assert "classes of equal `billed`" in result.stderr
