"""An accessibility NGO's export of public sites with their facilities and parking
restrictions (lists of enums, released joined into one text as OCX209's help writes),
read with the csv module and checked against `ocpispec get` of the demo CPO."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from consumer_runs import check_spec, demo_cpo, published, read_csv, run_spec

from ocpispec.demo import DemoServer

ACCESSIBLE_SITES = '''export accessible_sites
  consumer "Stichting Toegankelijk Laden"
  purpose "Map charging sites usable by disabled drivers"
  legal basis legitimate interests
  retention 1 year
  licence "CC-BY-4.0"

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version auto

from locations
  where publish = true
select
  id
  city
  parking_type
  jmespath("join(',', facilities || `[]`)") as facilities
  jmespath("join(',', evses[].parking_restrictions[] || `[]`)") as parking_restrictions
output csv to "exports/accessible-sites.csv"
'''


server = demo_cpo("2.3.0", 50)


def test_a_list_the_platform_never_fills_is_named_as_an_empty_column(
        run_cli, server: DemoServer, tmp_path: Path) -> None:
    """The demo CPO, like many platforms, sends no EVSE `parking_restrictions`: the
    joined text is `""` on every site, released as missing, and the NGO got a column of
    blanks it would take for 'no restrictions anywhere' while the run said nothing (a
    column of nulls was named; one of empty texts was counted as filled). The run now
    names it; `facilities`, which some sites have, is not named."""
    spec = tmp_path / "accessible.ocx"
    spec.write_text(ACCESSIBLE_SITES)
    out = tmp_path / "sites.csv"
    done = run_spec(run_cli, spec, server, out)
    rows = read_csv(out)
    sites = published(run_cli, server)
    assert {row["id"] for row in rows} == set(sites)
    for row in rows:
        site = sites[row["id"]]
        assert row["city"] == site["city"]
        assert row["facilities"] == ",".join(site.get("facilities") or [])
        assert row["parking_restrictions"] == ""
        assert not any(evse.get("parking_restrictions") for evse in site.get("evses", []))
    assert any(row["facilities"] for row in rows)
    warned = [line.strip() for line in done.stderr.splitlines() if "is empty in every row" in line]
    assert warned == ["warning: column `parking_restrictions` is empty in every row: no record read "
                      "gave it a value (it reads `evses.parking_restrictions`, which the "
                      "platform leaves out)"]


SESSIONS_AT_SITES = '''export sessions_at_sites
  consumer "Stichting Toegankelijk Laden"
  purpose "Sessions at sites with reservable chargers, per city"
  legal basis legitimate interests
  retention 1 year

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version auto

from sessions
  join locations on location_id
  where jmespath("WRITTEN") = true
group by
  location.city as city
compute
  count() as sessions
output csv to "exports/reservable.csv"
'''


@pytest.mark.parametrize("written", [
    "contains(evses.parking_restrictions || `[]`, 'DISABLED')",
    "contains(evses[].parking_restrictions || `[]`, 'DISABLED')",
    "contains(location.evses[].capabilities, 'RESERVABLE')",
])
def test_a_list_of_every_element_s_lists_is_told_to_flatten(written: str, run_cli,
                                                           tmp_path: Path, snapshot) -> None:
    """The NGO keeps the sites with a parking place for disabled drivers. The parse
    help for `"DISABLED" in evses.parking_restrictions` writes `contains(evses.parking_
    restrictions ...)`, whose OCX211 help wrote `evses[].parking_restrictions`: a list
    per EVSE, which `contains` never finds a text in, so the spec checked clean and
    released no site. The OCX211 help now writes `evses[].parking_restrictions[]`, and
    `contains` (or `join`) of a list of lists is OCX211 with the `[]` to add; the spec
    with the help pasted checks clean."""
    text = SESSIONS_AT_SITES.replace("WRITTEN", written) if "location." in written else \
        ACCESSIBLE_SITES.replace("where publish = true", f'where jmespath("{written}") = true')
    spec = tmp_path / "disabled.ocx"
    spec.write_text(text)
    done, shown = check_spec(run_cli, spec)
    assert done.exit_code == 1
    assert shown == snapshot
    fixed = re.search(r"help: write `([^`]*\[\])`", shown).group(1)
    listed = written.removeprefix("contains(").split(" ||")[0].split(",")[0]
    spec.write_text(text.replace(f"contains({listed}", f"contains({fixed}"))
    again = run_cli("check", str(spec))
    assert again.exit_code == 0, again.stderr


@pytest.mark.parametrize("condition", ["evses.parking_restrictions is not null",
                                       "facilities is not null", "facilities is null",
                                       "evses.parking_restrictions is null"])
def test_is_null_of_a_list_read_through_a_list_asks_whether_it_holds_a_value(
        condition: str, run_cli, server: DemoServer, tmp_path: Path) -> None:
    """`where evses.parking_restrictions is not null` (the sites where some EVSE has a
    parking restriction) kept every site: JMESPath projects the field into a list of
    the EVSEs' lists, `[]` when none has one, which is not null. A list, or a field read
    through one, now is null when it holds no value, so the filter keeps the sites that
    have one: none on the demo CPO, and for `facilities` those `get` shows with some."""
    spec = tmp_path / "accessible.ocx"
    spec.write_text(ACCESSIBLE_SITES.replace("where publish = true",
                                             f"where publish = true and {condition}"))
    out = tmp_path / "sites.csv"
    run_spec(run_cli, spec, server, out)
    kept = {row["id"] for row in read_csv(out)}
    field = condition.split()[0].split(".")[-1]
    sites = published(run_cli, server)
    holding = {site_id for site_id, site in sites.items()
               if site.get(field) or any(evse.get(field) for evse in site.get("evses", []))}
    assert kept == (set(sites) - holding if condition.endswith(" is null") else holding)
    if field == "facilities":  # the demo CPO gives some sites facilities, not all
        assert holding and holding != set(sites)


def test_a_list_compared_with_a_value_is_told_the_test_of_every_element(
        run_cli, server: DemoServer, tmp_path: Path, snapshot) -> None:
    """`where evses.capabilities = "CONTACTLESS_CARD_SUPPORT"` (the NGO's sites where a
    card can pay without a contract) was OCX204 whose help wrote `contains(evses.
    capabilities ...)`, which is null in JMESPath (a second error). The help now writes
    the list of every EVSE's values; pasted, the run keeps the sites `get` shows with
    such an EVSE."""
    condition = 'evses.capabilities = "CONTACTLESS_CARD_SUPPORT"'
    text = ACCESSIBLE_SITES.replace("where publish = true", f"where publish = true and {condition}")
    spec = tmp_path / "contactless.ocx"
    spec.write_text(text)
    _, shown = check_spec(run_cli, spec)
    assert shown == snapshot
    fixed = re.search(r"help: write `(.*)`\n", shown).group(1)
    spec.write_text(text.replace(condition, fixed))
    out = tmp_path / "contactless.csv"
    run_spec(run_cli, spec, server, out)
    kept = {row["id"] for row in read_csv(out)}
    sites = published(run_cli, server)
    expected = {site_id for site_id, site in sites.items() if any(
        "CONTACTLESS_CARD_SUPPORT" in (evse.get("capabilities") or [])
        for evse in site.get("evses", []))}
    assert kept == expected and expected
