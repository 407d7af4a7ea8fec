"""A pseudonym released where its value is public is a dictionary for the other datasets
of the export (adversarial review, round 2).

Within one export a value has one pseudonym in every dataset. A locations dataset that
released `pseudonymize(id)` beside the site's public `id` and `postal_code`, and a
sessions dataset of the same export that released `pseudonymize(location_id)` beside
the driver's pseudonym, both checked clean: the sessions column read `quasi-identifier
-> public`, yet every session's site, full postal code included, was one join away.
OCX360 (`check/public_pseudonyms.py`) warns of it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from frontend_helpers import codes_of

KEY = "0f8e3a6c1d5b92e47a0c8f3d6b1e59a27c4f0d8b3e6a15c9f2d7b40e8a3c6f1d"

SITES = '''from locations
select
  id as site_id
  pseudonymize(id) as site
  postal_code
  pseudonymize(postal_code) as postal
output csv to "exports/sites.csv"
'''
SESSIONS = '''from sessions
  join locations on location_id
select
  pseudonymize(cdr_token.contract_id) as driver
  truncate(start_date_time, hour) as started
  pseudonymize(location_id) as site
  pseudonymize(location.postal_code) as postal
output csv to "exports/sessions.csv"
'''
RUN_HEADER = '''export where_drivers_charge
  consumer "Mobility research institute"
  purpose "Study where drivers charge their cars in public"
  legal basis legitimate interests "Art. 6(1)(f) GDPR; LIA-2026-3"
  retention 12 months
  pseudonym key env SITE_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
'''


def test_a_public_dictionary_of_pseudonyms_is_warned_of_and_is_one(run_cli, demo_server,
                                                                   tmp_path: Path) -> None:
    """The warning names both columns; the run shows why: every session's site and
    postal code pseudonym is in the locations file, beside the site's id and code."""
    spec = tmp_path / "sites.ocx"
    out = tmp_path / "exports"
    spec.write_text((RUN_HEADER + SITES + SESSIONS).replace('"exports/', f'"{out}/'))
    checked = run_cli("check", str(spec), "--format", "json")
    found = [(d["code"], d["message"]) for d in json.loads(checked.stdout)["diagnostics"]]
    assert found == [
        ("OCX360", "`site` gives `location_id` the pseudonyms dataset `locations` releases "
                   "where it is public"),
        ("OCX360", "`postal` gives `location.postal_code` the pseudonyms dataset `locations` "
                   "releases where it is public")], found
    review = run_cli("review", str(spec), "--format", "json")
    assert [w["code"] for w in json.loads(review.stdout)["warnings"]] == ["OCX360", "OCX360"]

    result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "--quiet",
                     env={"OCPI_VERSIONS_URL": demo_server.versions_url,
                          "OCPI_TOKEN": demo_server.token, "SITE_KEY": KEY})
    assert result.exit_code == 0, result.stderr
    with (out / "sites.csv").open() as file:
        sites = list(csv.DictReader(file))
    with (out / "sessions.csv").open() as file:
        sessions = list(csv.DictReader(file))
    named = {row["site"]: row["site_id"] for row in sites}
    coded = {row["postal"]: row["postal_code"] for row in sites}
    assert sessions and all(row["site"] in named and row["postal"] in coded for row in sessions)


@pytest.mark.parametrize("public, hidden", [
    # an EVSE's uid, read element by element, is the session's `evse_uid`
    ("from locations\n  each evses as e\nselect\n  pseudonymize(e.uid) as evse\n  e.status as st\n",
     "from sessions\nselect\n  pseudonymize(evse_uid) as evse\n"),
    # a published tariff names the tariff a CDR was billed under
    ("from tariffs\nselect\n  pseudonymize(id) as tariff\n  currency\n",
     "from cdrs\n  join tariffs on tariffs.id\nselect\n  pseudonymize(tariff.id) as tariff\n"),
    # through the escape hatch, whose pseudonyms are all of one family
    ('from locations\nselect\n  pseudonymize(jmespath("id")) as site\n  city\n',
     'from sessions\nselect\n  pseudonymize(jmespath("location_id")) as site\n'),
    # the same cut of a postal code
    ("from locations\nselect\n  pseudonymize(prefix(postal_code, 6)) as pc\n  city\n",
     "from cdrs\nselect\n  pseudonymize(prefix(cdr_location.postal_code, 6)) as pc\n"),
], ids=["evse uid", "tariff", "jmespath", "postal code cut"])
def test_the_pseudonym_of_a_public_value_links(public: str, hidden: str) -> None:
    body = public + 'output csv to "a.csv"\n' + hidden + 'output csv to "b.csv"\n'
    assert codes_of(body) == ["OCX360"]


@pytest.mark.parametrize("public, hidden", [
    # another value of the family: an EVSE's printed id is not its uid
    ("from locations\n  each evses as e\nselect\n  pseudonymize(e.evse_id) as evse\n  e.status as st\n",
     "from sessions\nselect\n  pseudonymize(evse_uid) as evse\n"),
    # another cut of the value: the pseudonyms differ
    ("from locations\nselect\n  pseudonymize(postal_code) as pc\n  city\n",
     "from cdrs\nselect\n  pseudonymize(prefix(cdr_location.postal_code, 4)) as pc\n"),
    # nowhere public: two charge datasets share their sites' pseudonyms
    ("from cdrs\nselect\n  pseudonymize(cdr_location.id) as site\n",
     "from sessions\nselect\n  pseudonymize(location_id) as site\n"),
], ids=["evse id", "other cut", "public nowhere"])
def test_pseudonyms_that_differ_or_are_public_nowhere_pass(public: str, hidden: str) -> None:
    body = public + 'output csv to "a.csv"\n' + hidden + 'output csv to "b.csv"\n'
    assert "OCX360" not in codes_of(body)
