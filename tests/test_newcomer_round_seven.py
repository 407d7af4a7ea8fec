"""Round seven of new users' stumbles, each through `ocpispec check`: the diagnostic they
got is snapshot, and its help, applied as written, checks clean."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ENERGY = '''export yearly_energy
  consumer "Eneco, grid planning"
  purpose "Plan grid capacity from charging energy"
  legal basis legitimate interests "LIA-2026-14"
  retention 2 years
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version auto
from sessions
  {window}
group by
  truncate(start_date_time, month) as month
compute
  sum(kwh) as kwh
  minimum group size 10
output csv to "exports/energy.csv"
'''


def _applied(text: str, stderr: str, written: str) -> str:
    """The spec with the help's first written form in place of what was written."""
    fixed = re.search(r"help: .*?`([^`]+)`", stderr).group(1)
    return text.replace(written, fixed)


@pytest.mark.parametrize("window", [
    "year to date", "quarter to date", "week to date", "ytd",
    "previous month tz: Europe/Amsterdam", "previous month timezone Europe/Amsterdam",
    "month to date tz=Europe/Amsterdam"])
def test_a_window_said_another_way_is_told_the_window_to_write(
        run_cli, tmp_path: Path, snapshot, window: str) -> None:
    spec = tmp_path / "energy.ocx"
    spec.write_text(ENERGY.format(window=window))
    done = run_cli("check", str(spec))
    assert done.exit_code == 1
    assert done.stderr.replace(str(spec), "energy.ocx") == snapshot
    assert "expected one of" not in done.stderr
    zone = re.search(r"\b(tz|timezone)\b", window)
    written = window[zone.start():] if zone else window
    spec.write_text(_applied(spec.read_text(), done.stderr, written))
    again = run_cli("check", str(spec))
    assert again.exit_code == 0, again.stderr + spec.read_text()


PRICES = '''export price_board
  consumer "ANWB, price comparison"
  purpose "Compare the energy price of public chargers"
  legal basis legitimate interests "LIA-2026-15"
  retention 1 year
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version auto
from locations
  where publish = true
  each evses as evse
  each evse.connectors as connector
  join tariffs on connector.tariff_ids
select
  connector.id as connector_id
  tariff.id as tariff_id
  tariff.energy_price as eur_per_kwh
output template "board.txt.j2" to "exports/board.txt"
'''
BOARD = ('{% for row in rows %}{{ row.tariff_id }};{{ row.eur_per_kwh }};'
         '{{ "%.1f"|format(row.eur_per_kwh) if row.eur_per_kwh is not none else "-" }};'
         '{{ row.eur_per_kwh|round(1) if row.eur_per_kwh is not none else "-" }}\n'
         '{% endfor %}')


def test_a_template_s_format_rounds_the_decimal_as_round_does(run_cli, tmp_path: Path) -> None:
    """`"%.1f"|format(0.35)` printed 0.3 (the float is 0.34999...), where `0.35|round(1)`,
    the spec's `round(x, 1)` and every reader say 0.4: a price board one step off the
    tariff. `format` now rounds the number as it is written, half up, as `round` does."""
    from decimal import ROUND_HALF_UP, Decimal

    (tmp_path / "board.txt.j2").write_text(BOARD)
    spec = tmp_path / "board.ocx"
    spec.write_text(PRICES)
    out = tmp_path / "board.txt"
    done = run_cli("run", str(spec), "--demo", "--demo-size", "300", "--out", str(out))
    assert done.exit_code == 0, done.stderr
    lines = [line.split(";") for line in out.read_text().splitlines()]
    priced = [line for line in lines if line[1] != "None" and line[1] != ""]
    assert any(line[1] == "0.35" for line in priced)
    for _, price, formatted, rounded in priced:
        exact = Decimal(price).quantize(Decimal("0.1"), ROUND_HALF_UP)
        assert (formatted, rounded) == (str(exact), str(exact)), (price, formatted, rounded)


STATUS = '''export evse_status
  consumer "Provincie Utrecht, mobility"
  purpose "Count chargers out of order per site"
  legal basis public task
  retention 1 year
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version auto
from locations
  where publish = true
  each evses as evse
select
  id
  evse.uid
  {column} as status
output csv to "exports/status.csv"
'''


def test_an_index_into_the_unnested_list_is_told_it_reads_the_first_element(
        run_cli, tmp_path: Path, snapshot) -> None:
    """Inside `each evses as evse`, `jmespath("evses[0].status")` read the location's first
    EVSE in every row, not the row's, with no word: a status board showed one EVSE's
    status for all of a site's. It is warning OCX322; its help reads the row's EVSE, and
    the run then gives each EVSE its own status, as `get locations` lists them."""
    spec = tmp_path / "status.ocx"
    spec.write_text(STATUS.format(column='jmespath("evses[0].status")'))
    done = run_cli("check", str(spec))
    assert done.exit_code == 0
    assert done.stderr.replace(str(spec), "status.ocx") == snapshot
    fixed = re.search(r"help: write `(.+?)` for", done.stderr).group(1)
    spec.write_text(STATUS.format(column=fixed))
    again = run_cli("check", str(spec))
    assert again.exit_code == 0 and "OCX322" not in again.stderr, again.stderr
    out = tmp_path / "status.csv"
    ran = run_cli("run", str(spec), "--demo", "--demo-size", "300", "--out", str(out))
    assert ran.exit_code == 0, ran.stderr
    listed = run_cli("get", "locations", "--demo", "--demo-size", "300")
    import csv
    import json

    expected = sorted((site["id"], evse["uid"], evse["status"])
                      for site in map(json.loads, listed.stdout.splitlines())
                      if site.get("publish") is not False for evse in site["evses"])
    got = sorted((row["id"], row["uid"], row["status"]) for row in csv.DictReader(out.open()))
    assert got == expected


ACCESS = '''export accessible_chargers
  consumer "Ieder(in), network for people with a disability"
  purpose "Map which public chargers have a disabled parking bay"
  legal basis legitimate interests "LIA-2026-21"
  retention 12 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version auto
from locations
  where publish = true
  each evses as evse
select
  id as location_id
  coordinates
  evse.evse_id
  {column} as disabled_bay
output geojson to "exports/accessible.geojson"
'''


def test_a_jmespath_function_of_an_optional_list_is_written_with_its_default(
        run_cli, tmp_path: Path, snapshot) -> None:
    """`contains(evse.parking_restrictions, "DISABLED")` got OCX107 with the help
    `jmespath("contains(evse.parking_restrictions, 'DISABLED')")`, which checked clean
    and then failed the run with OCX570: OCPI may leave `parking_restrictions` out, and
    `contains` of null fails. The help now writes the list's default, and the run gives
    every EVSE the answer `get locations` implies."""
    import json

    spec = tmp_path / "access.ocx"
    spec.write_text(ACCESS.format(column='contains(evse.parking_restrictions, "DISABLED")'))
    done = run_cli("check", str(spec))
    assert done.exit_code == 1
    assert done.stderr.replace(str(spec), "access.ocx") == snapshot
    fixed = re.search(r"help: write `(.+)`$", done.stderr, re.MULTILINE).group(1)
    spec.write_text(ACCESS.format(column=fixed))
    out = tmp_path / "access.geojson"
    ran = run_cli("run", str(spec), "--demo", "--demo-size", "300", "--out", str(out))
    assert ran.exit_code == 0, ran.stderr
    listed = run_cli("get", "locations", "--demo", "--demo-size", "300")
    expected = sorted((evse["evse_id"], "DISABLED" in (evse.get("parking_restrictions") or []))
                      for site in map(json.loads, listed.stdout.splitlines())
                      if site.get("publish") is not False for evse in site["evses"])
    got = sorted((f["properties"]["evse_id"], f["properties"]["disabled_bay"])
                 for f in json.loads(out.read_text())["features"])
    assert got == expected
