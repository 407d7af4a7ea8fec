"""Where a charge was made is a quasi-identifier, however the spec reaches the site
(adversarial review).

A session joined to `locations` released the site's full postal code, address, name
and coordinates beside the driver's pseudonym as `public -> public`, with no warning,
in the plan, the review and the manifest, while the same fields of a CDR's
`cdr_location` were quasi-identifiers (OCX303). Joined to a charge, a location's place
fields are at least quasi (`schema/charge_sites.py`); in a locations export they stay
public."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from frontend_helpers import codes_of

KEY = "0f8e3a6c1d5b92e47a0c8f3d6b1e59a27c4f0d8b3e6a15c9f2d7b40e8a3c6f1d"
JOINS = {"sessions": "  join locations on location_id\n",
         "cdrs": "  join locations on cdr_location.id\n"}


def _spec(module: str, column: str) -> str:
    return (f"from {module}\n{JOINS[module]}select\n  {column}\n"
            "  pseudonymize(cdr_token.contract_id) as driver\noutput ndjson to stdout\n")


PLACING = ["location.postal_code", "location.address", "location.name", "location.city",
           "location.state", "location.coordinates.latitude",
           "location.evse.coordinates.longitude", "prefix(location.postal_code, 6)",
           'jmespath("location.address")',
           # the ids that name the site or the charger: open data gives their address
           "location.id", "location.evse.uid", "location.evse.evse_id",
           "location.evse.physical_reference",
           # the times the site, an EVSE or a connector was last updated: published with
           # the site, to the second, and no two sites share one
           "location.last_updated", "location.evse.last_updated",
           "location.connector.last_updated", "truncate(location.last_updated, minute)",
           # cut to the day (on the demo CPO every one is a whole hour) it still names it
           "truncate(location.last_updated, day)", "truncate(location.evse.last_updated, month)",
           # who hosted the charge: the CPO at most sites, the hotel or the person renting
           # out a charger at a small one
           "location.operator.name", "location.suboperator.name",
           "location.suboperator.website", 'jmespath("location.suboperator")']
OWN_IDS = [("sessions", "location_id"), ("sessions", "evse_uid"),
           ("sessions", 'jmespath("location_id")'), ("cdrs", "cdr_location.id"),
           ("cdrs", "cdr_location.evse_uid"), ("cdrs", "cdr_location.evse_id")]


@pytest.mark.parametrize("module", sorted(JOINS))
@pytest.mark.parametrize("column", PLACING)
def test_a_joined_site_s_place_is_a_quasi_identifier(module: str, column: str) -> None:
    assert "OCX303" in codes_of(_spec(module, f"{column} as place"))


@pytest.mark.parametrize(("module", "column"), OWN_IDS)
def test_the_charge_s_own_site_ids_are_quasi_identifiers(module: str, column: str) -> None:
    """`location_id` beside a pseudonym and an hour is the address, read off the CPO's
    published locations; `pseudonymize(location_id)` keeps sites apart without naming them."""
    assert "OCX303" in codes_of(_spec(module, f"{column} as site"))
    if not column.startswith("jmespath"):
        assert codes_of(_spec(module, f"pseudonymize({column}) as site")) == []


@pytest.mark.parametrize("column", ["prefix(location.postal_code, 4)",
                                    "grid(location.coordinates, 0.05)",
                                    "location.connector.power_type", "location.country"])
def test_coarsened_or_harmless_site_fields_pass(column: str) -> None:
    assert codes_of(_spec("sessions", f"{column} as place")) == []


def test_a_locations_export_keeps_its_places_public() -> None:
    body = ("from locations\nselect\n  postal_code\n  address\n  coordinates.latitude as lat\n"
            "  operator.name as operator\n  suboperator.name as host\noutput ndjson to stdout\n")
    assert codes_of(body) == []


RUN_SPEC = '''export where_drivers_charge
  consumer "Mobility research institute"
  purpose "Study where drivers charge their cars in public"
  legal basis legitimate interests "Art. 6(1)(f) GDPR; LIA-2026-3"
  retention 12 months
  pseudonym key env SITE_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
  where status = "COMPLETED"
  join locations on location_id
select
  pseudonymize(cdr_token.contract_id) as driver
  location.postal_code as postal_code
  location.address as address
  prefix(location.postal_code, 4) as area
  evse_uid as evse
output csv to "x"
'''


def test_review_plan_and_manifest_say_what_leaves(run_cli, demo_server, tmp_path: Path) -> None:
    """The officer reads quasi-identifier and the warning, and so does the manifest."""
    spec = tmp_path / "sites.ocx"
    spec.write_text(RUN_SPEC)
    review = run_cli("review", str(spec), "--format", "json")
    assert review.exit_code == 0, review.stderr
    page = json.loads(review.stdout)
    (dataset,) = page["datasets"]
    shown = {c["name"]: (c["privacy_before"], c["privacy_after"]) for c in dataset["columns"]}
    assert shown["postal_code"] == ("quasi-identifier", "quasi-identifier")
    assert shown["address"] == ("quasi-identifier", "quasi-identifier")
    assert shown["evse"] == ("quasi-identifier", "quasi-identifier")
    assert [w["code"] for w in page["warnings"]] == ["OCX303", "OCX303", "OCX303"]
    planned = run_cli("plan", str(spec))
    assert any(" ".join(line.split()) == "postal_code <- location.postal_code quasi-identifier "
               "-> quasi-identifier" for line in planned.stdout.splitlines())

    out = tmp_path / "out.csv"
    result = run_cli("run", str(spec), "--out", str(out), "--as-of", "2026-01-01T00:00:00Z",
                     "--quiet", env={"OCPI_VERSIONS_URL": demo_server.versions_url,
                                     "OCPI_TOKEN": demo_server.token, "SITE_KEY": KEY})
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((tmp_path / "out.csv.manifest.json").read_text())
    classes = {c["name"]: c["privacy"] for c in manifest["columns"]}
    assert classes == {"driver": "personal", "postal_code": "quasi-identifier",
                       "address": "quasi-identifier", "area": "quasi-identifier",
                       "evse": "quasi-identifier"}


SITE_TIMES_SPEC = RUN_SPEC.replace(
    "  location.postal_code as postal_code\n  location.address as address\n"
    "  prefix(location.postal_code, 4) as area\n  evse_uid as evse\n",
    "  truncate(start_date_time, day) as day\n  location.last_updated as site_updated\n"
    "  location.evse.last_updated as evse_updated\n")


def test_a_site_s_update_time_has_no_floor_a_cut_reaches() -> None:
    """`truncate(location.last_updated, day)` passed the hour's floor of a charge's times,
    yet the day a site was last updated names the site as its id does."""
    from frontend_helpers import only

    found = only(_spec("sessions", "truncate(location.last_updated, day) as site_day"))
    assert found.code == "OCX303"
    assert "names the site whatever it is cut to" in " ".join(found.notes)
    assert found.help.startswith("leave it out (`pseudonymize(location_id)`")


def test_a_joined_site_s_update_times_are_counted_as_its_place(run_cli, demo_server,
                                                               tmp_path: Path) -> None:
    """A location's `last_updated` beside a driver's pseudonym left as `public -> public`
    with no warning: on the demo CPO its 360 values named 360 sites (the consumer reads
    the address off the CPO's published location feed), yet the risk meter left it out of
    the classes and called the smallest of them 7 drivers. It is a quasi-identifier that
    places the charge: warned, shown so in the manifest, and counted."""
    spec = tmp_path / "sites.ocx"
    spec.write_text(SITE_TIMES_SPEC)
    checked = run_cli("check", str(spec), "--format", "concise")
    assert checked.stderr.count("warning[OCX303]") == 2, checked.stderr
    out = tmp_path / "out.csv"
    result = run_cli("run", str(spec), "--out", str(out), "--as-of", "2026-01-01T00:00:00Z",
                     env={"OCPI_VERSIONS_URL": demo_server.versions_url,
                          "OCPI_TOKEN": demo_server.token, "SITE_KEY": KEY})
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((tmp_path / "out.csv.manifest.json").read_text())
    classes = {c["name"]: c["privacy"] for c in manifest["columns"]}
    assert classes["site_updated"] == classes["evse_updated"] == "quasi-identifier"
    risk = next(line for line in result.stderr.splitlines() if "risk classes" in line)
    assert "`site_updated`" in risk and "`evse_updated`" in risk, risk
    unicity = next(line for line in result.stderr.splitlines() if "unicity" in line)
    assert "(a point: `site_updated`, `evse_updated`" in unicity, unicity


@pytest.mark.parametrize("module", sorted(JOINS))
def test_a_filter_naming_a_joined_site_s_street_pins_it(module: str) -> None:
    """`where location.postal_code = "3511AB"` keeps one street's charges; as a public
    field it read as harmless ("reads public fields only")."""
    body = _spec(module, "round(kwh, 0) as kwh" if module == "sessions"
                 else "round(total_energy, 0) as kwh")
    body = body.replace("select\n", '  where location.postal_code = "3511AB"\nselect\n')
    assert codes_of(body) == ["OCX303"]


@pytest.mark.parametrize("where", ['location_id = "LOC1"', 'evse_uid in ["E1", "E2"]',
                                   'location.id = "LOC1"', 'location.evse.uid = "E1"',
                                   'location.evse.evse_id = "NL*CPO*E1"'])
def test_a_filter_naming_the_site_or_charger_pins_it(where: str) -> None:
    """`where location_id = "LOC1"` keeps one site's charges, each beside its driver's
    pseudonym: the address, as a filter naming the street is."""
    body = _spec("sessions", "round(kwh, 0) as kwh")
    body = body.replace("select\n", f"  where {where}\nselect\n")
    assert codes_of(body) == ["OCX303"]
    reason = 'because "the site owner asked for its own charges"'
    justified = body.replace(f"  where {where}\n", f"  where {where} {reason}\n")
    assert codes_of(justified) == []


def test_a_filter_naming_a_charge_s_tariff_pins_it(run_cli, tmp_path: Path) -> None:
    """`where tariff.id = "FLEET-7"` keeps the charges billed under one tariff: a
    contract's own tariff is that customer. The review lists the warning."""
    spec = tmp_path / "fleet.ocx"
    spec.write_text(RUN_SPEC.replace("  join locations on location_id\n",
                                     "  join locations on location_id\n"
                                     "  join tariffs on charging_periods.tariff_id\n"
                                     '  where tariff.id = "FLEET-7"\n')
                    .replace('  where status = "COMPLETED"\n', ""))
    checked = run_cli("check", str(spec))
    assert "the filter pins the quasi-identifier `tariff.id` below its floor" in checked.stderr
