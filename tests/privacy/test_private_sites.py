"""Including private sites makes their details personal (issue 7, item 3).

The attack: `include private locations because "..."`, then the address, coordinates,
postal code, EVSE ids, name and owner of home chargers leave as public columns, each
next to the owner's pseudonym."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from frontend_helpers import codes_of

from ocpispec.plan.columns import leaf_fields
from ocpispec.schema import catalogue

INCLUDE = '  include private locations because "employer reimbursement of home charging"\n'
KEY = "0f8e3a6c1d5b92e47a0c8f3d6b1e59a27c4f0d8b3e6a15c9f2d7b40e8a3c6f1d"


JOINS = {"sessions": "  join locations on location_id\n", "cdrs": "  join locations on cdr_location.id\n",
         "sessions+cdrs": "  join cdrs on id\n", "cdrs+sessions": "  join sessions on session_id\n",
         "sessions+tariffs": "  join tariffs on charging_periods.tariff_id\n",
         "cdrs+tariffs": "  join tariffs on tariffs.id\n"}


def _spec(module: str, columns: str, *, include: bool = True, join: bool | str = False) -> str:
    joined = JOINS[join] if isinstance(join, str) else JOINS[module] if join else ""
    return (f"from {module}\n" + (INCLUDE if include else "") + joined
            + f"select\n  {columns}\n  pseudonymize(cdr_token.contract_id) as driver\n"
            + "output ndjson to stdout\n")


SITE_COLUMNS = [
    ("cdrs", "cdr_location.address", False), ("cdrs", "cdr_location.postal_code", False),
    ("cdrs", "cdr_location.coordinates", False), ("cdrs", "cdr_location.name", False),
    ("cdrs", "cdr_location.evse_id", False), ("cdrs", "cdr_location.evse_uid", False),
    ("cdrs", "cdr_location.id", False), ("cdrs", "cdr_location.city", False),
    ("cdrs", "home_charging_compensation", False),
    ("sessions", "tariff.id", "sessions+tariffs"), ("cdrs", "tariff.id", "cdrs+tariffs"),
    ("cdrs", "tariff.tariff_alt_url", "cdrs+tariffs"),
    ("sessions", "location_id", False), ("sessions", "evse_uid", False),
    ("sessions", "connector_id", False),
    ("sessions", "location.address", True), ("sessions", "location.coordinates.latitude", True),
    ("sessions", "location.postal_code", True), ("sessions", "location.name", True),
    ("sessions", "location.owner.name", True), ("sessions", "location.time_zone", True),
    ("sessions", "location.evse.evse_id", True), ("sessions", "location.evse.uid", True),
    ("sessions", "location.evse.coordinates", True),
    ("sessions", "location.evse.physical_reference", True),
    ("sessions", "location.connector.id", True),
    ("cdrs", "location.address", True), ("cdrs", "location.evse.evse_id", True),
    # a site reached through a join to the other event module
    ("sessions", "cdr.cdr_location.address", "sessions+cdrs"),
    ("sessions", "cdr.cdr_location.evse_id", "sessions+cdrs"),
    ("cdrs", "session.location_id", "cdrs+sessions"),
    ("cdrs", "session.evse_uid", "cdrs+sessions"),
]


@pytest.mark.parametrize(("module", "path", "join"), SITE_COLUMNS,
                         ids=[path for _, path, _ in SITE_COLUMNS])
def test_a_site_detail_of_a_private_dataset_is_refused(module: str, path: str,
                                                        join: bool | str) -> None:
    codes = codes_of(_spec(module, f"{path} as leaked", join=join))
    assert "OCX334" in codes
    # the same column is public infrastructure data when private sites stay out
    assert "OCX334" not in codes_of(_spec(module, f"{path} as leaked", include=False,
                                          join=join))


@pytest.mark.parametrize("column", [
    'jmespath("cdr_location.address") as leaked',
    'jmespath("cdr_location") as leaked',
    'jmespath("[cdr_location.postal_code, cdr_location.city]") as leaked',
    "keep(cdr_location.postal_code) as leaked",
    'jmespath("tariffs[0].id") as leaked',
    'jmespath("charging_periods[0].tariff_id") as leaked',
])
def test_escape_hatches_do_not_release_site_details(column: str) -> None:
    """Also for a site's own tariff, read from a list inside the record."""
    assert "OCX334" in codes_of(_spec("cdrs", column))


@pytest.mark.parametrize(("module", "column"), [
    ("cdrs", 'jmespath("tariffs") as leaked'),
    ("cdrs", 'jmespath("to_string(tariffs)") as leaked'),
    ("cdrs", 'jmespath("{billed: tariffs}") as leaked'),
    ("cdrs", 'jmespath("values(tariffs[0])") as leaked'),
    ("cdrs", 'jmespath("charging_periods") as leaked'),
    ("sessions", 'jmespath("charging_periods[0]") as leaked'),
])
def test_an_object_read_whole_with_a_site_detail_inside_is_refused(module: str,
                                                                   column: str) -> None:
    """`jmespath("tariffs")` holds the home's own tariff id, text and URL: the catalogue
    classes the list by what lies below it out of context (public), so it left as a
    public column beside the driver's pseudonym while `tariffs[0].id` was refused."""
    codes = codes_of(_spec(module, column))
    assert "OCX334" in codes
    assert "OCX334" not in codes_of(_spec(module, column).replace(INCLUDE, ""))


def test_counting_such_objects_apart_needs_pseudonyms() -> None:
    """`count(distinct jmespath("tariffs"))` counted the homes' own tariffs raw, where
    `count(distinct jmespath("tariffs[0].id"))` was OCX227."""
    body = ("from cdrs\n" + INCLUDE + "group by\n  prefix(cdr_location.postal_code, 2) as area\n"
            "compute\n  count(distinct {counted}) as tariffs\n  minimum group size 10\n"
            "output csv to stdout\n")
    assert "OCX227" in codes_of(body.format(counted='jmespath("tariffs")'))
    assert "OCX227" not in codes_of(body.format(counted='pseudonymize(jmespath("tariffs"))'))


def test_the_shape_of_such_an_object_is_no_site_detail() -> None:
    assert codes_of(_spec("cdrs", 'jmespath("length(tariffs)") as tariffs')) == ["OCX310"]


@pytest.mark.parametrize(("module", "each", "column"), [
    ("cdrs", "each tariffs as tariff_used", "tariff_used.id as leaked"),
    ("cdrs", "each tariffs as tariff_used", "tariff_used.tariff_alt_url as leaked"),
    ("cdrs", "each tariffs as tariff_used",
     'jmespath("tariff_used.tariff_alt_text[0].text") as leaked'),
    ("cdrs", "each charging_periods as period", "period.tariff_id as leaked"),
    ("sessions", "each charging_periods as period", "period.tariff_id as leaked"),
])
def test_an_element_of_each_is_a_site_detail_as_its_list_is(module: str, each: str,
                                                             column: str) -> None:
    """`each tariffs as t` reads `tariffs.id` as `t.id`: the element's place in the
    record decides, not its path below the alias (both released the home's own tariff
    id, URL and text as public, where `jmespath("tariffs[0].id")` was refused)."""
    body = _spec(module, column).replace("select\n", f"  {each}\nselect\n")
    assert "OCX334" in codes_of(body)
    assert "OCX334" not in codes_of(body.replace(INCLUDE, ""))


@pytest.mark.parametrize("column", [
    "pseudonymize(cdr_location.id) as site",
    "prefix(cdr_location.postal_code, 2) as area",
    "grid(cdr_location.coordinates, 0.05) as cell",
    'cdr_location.city as city because "the employer reimburses per municipality"',
])
def test_pseudonymised_coarsened_or_justified_site_details_pass(column: str) -> None:
    codes = codes_of(_spec("cdrs", column))
    assert "OCX334" not in codes and "OCX301" not in codes


@pytest.mark.parametrize(("module", "column", "join"), [
    ("cdrs", "prefix(cdr_location.postal_code, 4) as area", False),
    ("sessions", "prefix(location.postal_code, 4) as area", True),
    ("sessions", "grid(location.coordinates, 0.01) as cell", True),
    ("cdrs", "round_coords(cdr_location.coordinates, 2) as cell", False),
])
def test_a_home_is_coarsened_to_a_municipality_not_a_neighbourhood(
        module: str, column: str, join: bool) -> None:
    """privacy.md allows a home's place at municipality level only: a 4-digit postal area
    or a 1 km cell, enough for a public charger, is the resident's neighbourhood; with a
    `because` it is an allowance the officer signs, not one the check calls unneeded."""
    assert "OCX334" in codes_of(_spec(module, column, join=join))
    assert "OCX334" not in codes_of(_spec(module, column, join=join, include=False))
    justified = column + ' because "the employer pays per neighbourhood"'
    assert "OCX307" not in codes_of(_spec(module, justified, join=join))


def test_grouping_by_a_raw_site_detail_is_refused_too() -> None:
    body = ("from sessions\n" + INCLUDE + "  join locations on location_id\n"
            "group by\n  location.postal_code as postal\ncompute\n  count() as n\n"
            "  minimum group size 10\noutput csv to stdout\n")
    assert "OCX334" in codes_of(body)


def test_every_location_field_is_covered() -> None:
    """Not a list of known-bad names: every leaf of a location, read through a join in
    a private dataset, is refused unless it is the CPO's identity or cannot be a column."""
    escaped = []
    for path, _ in leaf_fields("locations"):
        if path[0] in ("country_code", "party_id"):
            continue
        field = catalogue().resolve("locations", path)
        if field.many:
            continue  # lists cannot be columns at all (OCX209)
        dotted = "location." + ".".join(path)
        codes = codes_of(_spec("sessions", f"{dotted} as leaked", join=True))
        if not {"OCX334", "OCX301", "OCX302"} & set(codes):
            escaped.append((dotted, codes))
    assert escaped == []


# ---- end to end: plan, withheld list and manifest say personal -----------------------------

RUN_SPEC = '''export home_charging
  consumer "Lease company B.V."
  purpose "Reimburse employees for charging at home"
  legal basis contract "lease contracts"
  retention 12 months
  pseudonym key env HOME_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
  where status = "COMPLETED"
''' + INCLUDE + '''  join locations on location_id
select
  pseudonymize(cdr_token.contract_id) as driver
  pseudonymize(location_id) as site
  prefix(location.postal_code, 2) as area
  location.city as city because "the lease contract reimburses per municipality"
  round(kwh, 1) as kwh
output csv to "x"
'''


def test_plan_and_manifest_show_site_details_as_personal(run_cli, demo_server,
                                                         tmp_path: Path, snapshot) -> None:
    spec = tmp_path / "home.ocx"
    spec.write_text(RUN_SPEC)
    planned = run_cli("plan", str(spec))
    assert planned.exit_code == 0, planned.stderr
    columns = planned.stdout[planned.stdout.index("  columns"):]
    assert columns.replace(str(tmp_path), "<tmp>") == snapshot
    assert "site    <- location_id            personal -> public" in columns
    assert "area    <- location.postal_code   personal -> personal" in columns
    withheld = columns[columns.index("withheld"):].splitlines()[1]
    assert withheld.split()[0] == "personal" and "evse_uid" in withheld

    out = tmp_path / "out.csv"
    result = run_cli("run", str(spec), "--out", str(out), "--as-of", "2026-01-01T00:00:00Z",
                     "--quiet", env={"OCPI_VERSIONS_URL": demo_server.versions_url,
                                     "OCPI_TOKEN": demo_server.token, "HOME_KEY": KEY})
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((tmp_path / "out.csv.manifest.json").read_text())
    classes = {c["name"]: (c["privacy"], c["released_as"]) for c in manifest["columns"]}
    assert classes["site"] == ("personal", "pseudonymous (personal data)")  # a pseudonym is personal data
    assert classes["area"] == ("personal", "personal")
    assert classes["city"] == ("personal", "personal")
    rows = list(csv.DictReader(io.StringIO(out.read_text(), newline="")))
    assert rows and all(len(row["area"]) <= 2 for row in rows)
    assert manifest["private_locations"] == {
        "rule": "included-by-spec", "justification": "employer reimbursement of home charging"}


# ---- `get --privacy-pass`: opening a site detail is never silent ------------------------------


def _ndjson(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


@pytest.mark.parametrize(("module", "opened", "place"), [
    ("cdrs", "cdr_location.postal_code", "cdr_location"),
    ("cdrs", " cdr_location.coordinates. ", "cdr_location"),
    ("cdrs", "total_energy,cdr_location.evse_id", "cdr_location"),
    ("locations", "postal_code", None),
    ("locations", "evses.evse_id", None),
])
def test_get_warns_loudly_when_site_details_are_opened(run_cli, demo_profile, module: str,
                                                       opened: str, place: str | None) -> None:
    result = run_cli("get", module, "--include-private", "--privacy-pass", opened, "--date-to", "2026-01-01")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("warning: `--privacy-pass ")
    assert "opens the details of PRIVATE sites" in result.stderr
    assert "Do not share it." in result.stderr.split("\n\n")[0]
    released = int(result.stderr.split("site details released (personal at private sites): ")[1]
                   .split()[0])
    assert released > 0


def test_get_site_warning_text(run_cli, demo_profile, snapshot) -> None:
    result = run_cli("get", "cdrs", "--include-private", "--privacy-pass", "cdr_location.postal_code",
                     "--date-to", "2026-01-01")
    assert result.stderr == snapshot


def test_the_help_example_releases_no_site_detail(run_cli, demo_profile) -> None:
    help_text = run_cli("get", "--help").stdout
    example = next(line.split("--privacy-pass ")[1] for line in help_text.splitlines()
                   if "get cdrs --privacy-pass" in line)
    result = run_cli("get", "cdrs", "--include-private", "--privacy-pass", example, "--date-to", "2026-01-01")
    assert result.exit_code == 0, result.stderr
    assert "PRIVATE" not in result.stderr and "site details released" not in result.stderr
    for cdr in _ndjson(result.stdout):
        assert not {"postal_code", "address", "coordinates", "name"} & set(cdr["cdr_location"])


def test_public_fields_alone_do_not_warn(run_cli, demo_profile) -> None:
    result = run_cli("get", "locations", "--privacy-pass", "parking_type",
                     "--date-to", "2026-01-01")
    assert result.exit_code == 0 and "warning" not in result.stderr


def test_get_warns_for_the_site_a_2_1_1_session_carries(run_cli, demo_server_factory) -> None:
    server = demo_server_factory(version="2.1.1", size=60)
    login = run_cli("login", server.versions_url, "--token", server.token, "--party", "NL-ABC")
    assert login.exit_code == 0, login.stderr
    quiet = run_cli("get", "sessions", "--include-private", "--date-to", "2026-01-01")
    assert "PRIVATE" not in quiet.stderr
    assert all("address" not in s["location"] for s in _ndjson(quiet.stdout))
    opened = run_cli("get", "sessions", "--include-private", "--privacy-pass", "location.address",
                     "--date-to", "2026-01-01")
    assert opened.exit_code == 0, opened.stderr
    assert opened.stderr.startswith("warning: `--privacy-pass location.address` opens the "
                                    "details of PRIVATE sites")
    assert any("address" in s["location"] for s in _ndjson(opened.stdout))


ACCEPTED = '''export home_sites_accepted
  consumer "Lease company B.V."
  purpose "Reimburse employees for charging at home"
  legal basis contract "lease contracts"
  retention 12 months
  pseudonym key env HOME_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
''' + INCLUDE + '''  join locations on location_id
select
  pseudonymize(location_id) as site
  pseudonymize(location.evse.evse_id) as evse
  prefix(location.postal_code, 2) as area
  grid(location.coordinates, 0.05) as cell
  jmespath("length(location.address)") as address_length
output ndjson to "x"
'''


def test_no_private_site_value_leaves_through_accepted_columns(run_cli, demo_server,
                                                               tmp_path: Path) -> None:
    """What the checker lets through, run for real: no address, full postal code, EVSE id,
    site id, owner or exact coordinate of a private site appears in the output."""
    spec = tmp_path / "accepted.ocx"
    spec.write_text(ACCEPTED)
    out = tmp_path / "out.ndjson"
    result = run_cli("run", str(spec), "--out", str(out), "--as-of", "2026-01-01T00:00:00Z",
                     "--quiet", env={"OCPI_VERSIONS_URL": demo_server.versions_url,
                                     "OCPI_TOKEN": demo_server.token, "HOME_KEY": KEY})
    assert result.exit_code == 0, result.stderr
    text = out.read_text()
    world = demo_server.world
    private = [world.site(j) for j in world.private_sites()]
    from ocpispec.execute.pseudonyms import PseudonymDomain, pseudonymizer

    pseudonym = pseudonymizer(KEY.encode(), PseudonymDomain("home_sites_accepted",
                                                            "Lease company B.V."), "location")
    released = {row["site"] for row in _ndjson(text)}
    assert {pseudonym(site.id) for site in private} & released, "private sites are included"
    for site in private:
        secrets_of_site = [site.id, site.address, site.postal_code, f"{site.latitude:.4f}",
                           f"{site.longitude:.4f}", *(e.evse_id for e in site.evses),
                           *(e.uid for e in site.evses), *([site.owner] if site.owner else [])]
        leaked = [value for value in secrets_of_site if value and value in text]
        assert leaked == [], site.id
