"""Round ten of new users' specs for consumers we do not ship, through the real CLI: a
statistics office's SQL totals, a grid operator's local months, a researcher loading the
Dutch Excel CSV in R. Each stumble's diagnostic is snapshot, its help applied checks
clean, and the figures the run releases are recomputed from what `ocpispec get --demo`
lists."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest

HEADER = '''export {name}
  consumer "{consumer}"
  purpose "{purpose}"
  legal basis public task "Art. 6(1)(e) GDPR"
  retention 1 year
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version auto
'''

TOTALS = HEADER.format(
    name="area_totals", consumer="CBS, Statistics Netherlands",
    purpose="Sessions per postal area and month, with subtotals per area and a total") + '''
from sessions
  previous year in "Europe/Amsterdam"
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
group by {grouping}
  prefix(location.postal_code, 1) as region
  truncate(start_date_time, month, "Europe/Amsterdam") as month
compute
  count() as sessions
  minimum group size 10
output csv to "exports/{{dataset}}.csv"
'''


@pytest.mark.parametrize("grouping", [
    "grouping sets ((region, month), (region), ())",
    "GROUPING SETS ((region), ())",
    "grouping sets (region, ())",
    "rollup(prefix(location.postal_code, 1) as region, truncate(start_date_time, month) as "
    "month)",
])
def test_sql_grouping_sets_are_told_as_one_dataset_per_set(
        run_cli, tmp_path: Path, grouping: str, snapshot) -> None:
    """`group by grouping sets ((region, month), (region), ())`, a statistics office's
    SQL habit for subtotals, stopped the parser at `()` with OCX001 'expected one of `-`
    or an expression' and the generic help; `rollup(... as region, ...)` got 'the call is
    not closed, write `))`'. Both are OCX014 whose help writes each set as a dataset of
    its own, the empty set as the `constant("total")` grand total."""
    spec = tmp_path / "totals.ocx"
    spec.write_text(TOTALS.format(grouping=grouping))
    done = run_cli("check", str(spec))
    assert done.exit_code == 1
    assert "OCX014" in done.stderr and "expected" not in done.stderr
    assert done.stderr.replace(str(spec), "totals.ocx") == snapshot


def test_the_sets_written_as_datasets_add_up(run_cli, tmp_path: Path) -> None:
    """The help applied: one dataset per set checks clean, and the run's total is the sum
    of its released regions' counts or more (a withheld region still counts in it), and
    exactly the completed sessions `get` lists for the year when no region is withheld."""
    grouping = "grouping sets ((region), ())"
    spec = tmp_path / "totals.ocx"
    spec.write_text(TOTALS.format(grouping=grouping))
    help_text = run_cli("check", str(spec)).stderr.split("help: ")[1]
    assert "`group by region`" in help_text
    assert '`group by constant("total") as total`' in help_text
    body = TOTALS.format(grouping="")
    dataset = body[body.index("from sessions"):]
    per_region = dataset.replace("from sessions", "from sessions as per_region").replace(
        '  truncate(start_date_time, month, "Europe/Amsterdam") as month\n', "")
    total = dataset.replace("from sessions", "from sessions as total").replace(
        '  prefix(location.postal_code, 1) as region\n'
        '  truncate(start_date_time, month, "Europe/Amsterdam") as month\n',
        '  constant("total") as total\n')
    spec.write_text(body[:body.index("from sessions")] + per_region + "\n" + total)
    checked = run_cli("check", str(spec))
    assert checked.exit_code == 0, checked.stderr
    out = tmp_path / "out"
    done = run_cli("run", str(spec), "--demo", "--demo-size", "3000", "--out", f"{out}/")
    assert done.exit_code == 0, done.stderr
    regions = list(csv.DictReader((out / "per_region.csv").open(encoding="utf-8")))
    (national,) = list(csv.DictReader((out / "total.csv").open(encoding="utf-8")))
    listed = run_cli("get", "sessions", "--demo", "--demo-size", "3000", "--privacy-pass",
                     "start_date_time,status")
    year = [s for s in map(json.loads, listed.stdout.splitlines())
            if s["status"] == "COMPLETED"
            and "2024-12-31T23:00:00Z" <= s["start_date_time"] < "2025-12-31T23:00:00Z"]
    assert int(national["sessions"]) == len(year) > 0
    assert int(national["sessions"]) >= sum(int(row["sessions"]) for row in regions)


MONTHS = HEADER.format(
    name="monthly_2025", consumer="Alliander, grid planning",
    purpose="Completed charging sessions per local month of 2025") + '''
from sessions
  {window}
  window on start_date_time
  where status = "COMPLETED"
group by
  truncate(start_date_time, month, "Europe/Amsterdam") as month
compute
  count() as sessions
  minimum group size 10
output csv to "exports/monthly-2025.csv"
'''


def test_local_months_in_a_year_written_to_its_last_day_get_bounds_that_read_it(
        run_cli, tmp_path: Path, snapshot) -> None:
    """`between 2025-01-01 and 2025-12-31` grouped by Amsterdam months: OCX325 said 31
    December is not read, and OCX236's help bounded the window at local midnights up to
    `2025-12-30T23:00:00Z`, leaving that day out still. Its help now ends at the local
    midnight after 31 December; applied, the spec checks clean and December's count is
    the completed sessions `get` lists for Amsterdam's December."""
    spec = tmp_path / "months.ocx"
    spec.write_text(MONTHS.format(window="between 2025-01-01 and 2025-12-31"))
    first = run_cli("check", str(spec))
    assert first.exit_code == 0
    assert first.stderr.replace(str(spec), "months.ocx") == snapshot
    told = re.search(r"bound the window at local midnights: `([^`]+)`", first.stderr)
    assert told.group(1) == "between 2024-12-31T23:00:00Z and 2025-12-31T23:00:00Z"
    spec.write_text(MONTHS.format(window=told.group(1)))
    again = run_cli("check", str(spec))
    assert again.exit_code == 0 and "warning" not in again.stderr, again.stderr
    out = tmp_path / "months.csv"
    done = run_cli("run", str(spec), "--demo", "--demo-size", "3000", "--out", str(out))
    assert done.exit_code == 0, done.stderr
    months = {row["month"]: int(row["sessions"])
              for row in csv.DictReader(out.open(encoding="utf-8"))}
    listed = run_cli("get", "sessions", "--demo", "--demo-size", "3000", "--privacy-pass",
                     "start_date_time,status")
    december = [s for s in map(json.loads, listed.stdout.splitlines())
                if s["status"] == "COMPLETED"
                and "2025-11-30T23:00:00Z" <= s["start_date_time"] < "2025-12-31T23:00:00Z"]
    assert months["2025-12-01T00:00:00+01:00"] == len(december) > 0


DUTCH_EXCEL = HEADER.format(
    name="gemeente_regio", consumer="Gemeente Utrecht, afdeling Ruimte",
    purpose="Laadsessies en energie per postcoderegio in 2025") + '''
from sessions
  between 2024-12-31T23:00:00Z and 2025-12-31T23:00:00Z
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
group by
  prefix(location.postal_code, 1) as regio
compute
  count() as sessies
  round(sum(kwh), 1) as energie_kwh
  minimum group size 10
output csv excel-nl to "exports/regio.csv"
'''


def test_a_dutch_excel_csv_tells_base_r_how_to_read_its_byte_order_mark(
        run_cli, tmp_path: Path) -> None:
    """An `excel-nl` CSV starts with the byte order mark Dutch Excel needs; R's
    `read.csv2` keeps it in the first column's name (`X.U.FEFF.regio`) unless given
    `fileEncoding = "UTF-8-BOM"`, and the data package said 'readers skip the mark'. Its
    resource now gives the base R call; read as that call reads it (the mark skipped,
    `;` and decimal commas, text columns as text), the figures are the sessions and
    energy `get --demo` lists per region."""
    spec = tmp_path / "regio.ocx"
    spec.write_text(DUTCH_EXCEL)
    out = tmp_path / "regio.csv"
    done = run_cli("run", str(spec), "--demo", "--demo-size", "3000", "--out", str(out))
    assert done.exit_code == 0, done.stderr
    resource = json.loads((tmp_path / "regio.csv.datapackage.json").read_text())[
        "resources"][0]
    assert resource["encoding"] == "utf-8"
    assert ('`read.csv2("regio.csv", fileEncoding = "UTF-8-BOM", na.strings = "", '
            'colClasses = c(regio = "character"))`') in resource["description"]
    raw = out.read_bytes()
    assert raw.decode("utf-8").split(";")[0] == "\ufeffregio"  # R without fileEncoding
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    released = {row["regio"]: (int(row["sessies"]),
                               float(row["energie_kwh"].replace(",", ".")))
                for row in rows}
    sites = {site["id"]: site["postal_code"][:1] for site in map(
        json.loads, run_cli("get", "locations", "--demo", "--demo-size", "3000")
        .stdout.splitlines()) if site.get("publish") is not False}
    listed = run_cli("get", "sessions", "--demo", "--demo-size", "3000", "--privacy-pass",
                     "start_date_time,status,kwh,location_id")
    counted: Counter = Counter()
    energy: Counter = Counter()
    for s in map(json.loads, listed.stdout.splitlines()):
        if s["status"] == "COMPLETED" and s["location_id"] in sites \
                and "2024-12-31T23:00:00Z" <= s["start_date_time"] < "2025-12-31T23:00:00Z":
            counted[sites[s["location_id"]]] += 1
            energy[sites[s["location_id"]]] += s["kwh"]
    assert released and all(counted[region] == sessions for region, (sessions, _) in
                            released.items())
    assert all(abs(energy[region] - kwh) <= 0.05 for region, (_, kwh) in released.items())


AFIR = HEADER.format(
    name="afir_adhoc_prices", consumer="NDW, National Access Point (AFIR reporting)",
    purpose="Report the ad hoc prices of publicly accessible chargers") + '''
from tariffs
  where type = "AD_HOC_PAYMENT"
select
  id as tariff_id
  currency
  energy_price as price_per_kwh
  time_price as price_per_hour
  flat_price as price_per_session
output json to "exports/afir-adhoc.json"
'''


def _base_price(tariff: dict, dimension: str) -> float | None:
    """The first price of `dimension` in an element without restrictions, else in any."""
    for unrestricted in (True, False):
        for element in tariff.get("elements") or ():
            if unrestricted and element.get("restrictions"):
                continue
            for component in element.get("price_components") or ():
                if component.get("type") == dimension:
                    return component["price"]
    return None


def test_a_tariffs_dataset_reads_its_own_prices_as_a_joined_tariff_does(
        run_cli, tmp_path: Path) -> None:
    """AFIR's ad hoc price transparency asks each ad hoc tariff's price per kWh. In `from
    tariffs`, `energy_price` was OCX104 'did you mean `energy_mix.energy_sources`?': the
    four prices were plain fields of a joined tariff only, and a regulator's spec had to
    unnest elements and components. They are fields of a tariffs dataset too; the run
    releases the prices `get --demo` lists for the published ad hoc tariffs."""
    spec = tmp_path / "afir.ocx"
    spec.write_text(AFIR)
    checked = run_cli("check", str(spec))
    assert checked.exit_code == 0 and "warning" not in checked.stderr, checked.stderr
    out = tmp_path / "afir.json"
    done = run_cli("run", str(spec), "--demo", "--out", str(out))
    assert done.exit_code == 0, done.stderr
    released = {row["tariff_id"]: row for row in json.loads(out.read_text())}
    listed = {tariff["id"]: tariff for tariff in map(
        json.loads, run_cli("get", "tariffs", "--demo").stdout.splitlines())
        if tariff.get("type") == "AD_HOC_PAYMENT"}
    assert released and set(released) <= set(listed)
    for tariff_id, row in released.items():
        assert (row["price_per_kwh"], row["price_per_hour"], row["price_per_session"]) == \
            tuple(_base_price(listed[tariff_id], dimension)
                  for dimension in ("ENERGY", "TIME", "FLAT"))
    assert any(row["price_per_kwh"] is not None for row in released.values())


def test_review_takes_out_as_run_does(run_cli, tmp_path: Path) -> None:
    """`ocpispec run SPEC --out x` then `ocpispec review SPEC --out review.html` was a
    usage error ('No such option --out'): the same user wrote both in one go. `--out`
    names the review's file as `-o` does."""
    spec = tmp_path / "afir.ocx"
    spec.write_text(AFIR)
    page = tmp_path / "review.html"
    done = run_cli("review", str(spec), "--out", str(page))
    assert done.exit_code == 0, done.output
    assert page.read_text().lstrip().lower().startswith("<!doctype html")
    assert "afir_adhoc_prices" in page.read_text()


AFIR_EVSES = HEADER.format(
    name="afir_evse_prices", consumer="NDW, National Access Point (AFIR reporting)",
    purpose="The ad hoc price per kWh of every public charging point") + '''
from locations
  where {where}
  each evses as evse
  each evse.connectors as connector
  join tariffs on connector.tariff_ids
select
  evse.evse_id
  connector.id as connector_id
  {type_column}tariff.energy_price as price_per_kwh
output csv to "exports/afir-evses.csv"
'''


def test_a_filter_on_a_tariff_joined_on_an_element_is_refused_not_an_empty_file(
        run_cli, tmp_path: Path, snapshot) -> None:
    """`where publish = true and tariff.type = "AD_HOC_PAYMENT"` with the tariff joined on
    each connector checked clean, and the run filtered out every location ('filtered out
    360 by where', an empty file): the filter runs on the record, before the join finds
    a connector's tariff, so `tariff.type` was null. It is OCX221 as an element's field
    is; its help applied (the type released as a column), the rows of ad hoc tariffs are
    the connectors `get --demo` lists naming one."""
    spec = tmp_path / "afir.ocx"
    spec.write_text(AFIR_EVSES.format(where='publish = true and tariff.type = "AD_HOC_PAYMENT"',
                                      type_column=""))
    first = run_cli("check", str(spec))
    assert first.exit_code == 1
    assert first.stderr.replace(str(spec), "afir.ocx") == snapshot
    assert "release `tariff.type` as a column" in first.stderr
    spec.write_text(AFIR_EVSES.format(where="publish = true",
                                      type_column="tariff.type\n  "))
    checked = run_cli("check", str(spec))
    assert checked.exit_code == 0, checked.stderr
    out = tmp_path / "afir.csv"
    done = run_cli("run", str(spec), "--demo", "--out", str(out))
    assert done.exit_code == 0, done.stderr
    released = Counter((row["evse_id"], row["connector_id"], row["price_per_kwh"])
                       for row in csv.DictReader(out.open(encoding="utf-8"))
                       if row["type"] == "AD_HOC_PAYMENT")
    tariffs = {tariff["id"]: tariff for tariff in map(
        json.loads, run_cli("get", "tariffs", "--demo").stdout.splitlines())}
    expected: Counter = Counter()
    for site in map(json.loads, run_cli("get", "locations", "--demo").stdout.splitlines()):
        if site.get("publish") is False:
            continue
        for evse in site.get("evses") or ():
            for connector in evse.get("connectors") or ():
                for tariff_id in connector.get("tariff_ids") or ():
                    tariff = tariffs.get(tariff_id)
                    if tariff is not None and tariff.get("type") == "AD_HOC_PAYMENT":
                        price = _base_price(tariff, "ENERGY")
                        expected[(evse["evse_id"], connector["id"], str(price))] += 1
    assert released and released == expected


YEARLY = HEADER.format(
    name="municipal_year", consumer="VNG, Association of Netherlands Municipalities",
    purpose="Year over year growth of public charging per municipality") + '''
from sessions
  {window}
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
group by
  location.city as municipality because "each municipality compares its own growth"
compute
  count() as sessions
  minimum group size 10
output csv to "exports/municipal-{{run.date}}.csv"
{schedule}
'''


@pytest.mark.parametrize(("said", "fixed"), [
    ('previous calendar year in "Europe/Amsterdam"', "previous year"),
    ('previous calendar quarter in "Europe/Amsterdam"', "previous quarter"),
])
def test_a_calendar_period_said_with_calendar_is_told_the_window(
        run_cli, tmp_path: Path, said: str, fixed: str, snapshot) -> None:
    """`previous calendar year` got OCX001 'expected one of `between`, `each`, ... found
    name `year`' and the generic help (`previous calendar month` had its own). It is told
    `previous year`, which, applied, checks clean."""
    spec = tmp_path / "year.ocx"
    spec.write_text(YEARLY.format(window=said, schedule=""))
    first = run_cli("check", str(spec))
    assert first.exit_code == 1
    assert first.stderr.replace(str(spec), "year.ocx") == snapshot
    assert f"help: write `{fixed}`" in first.stderr
    spec.write_text(YEARLY.format(window=said.replace(said.split(" in ")[0], fixed),
                                  schedule=""))
    again = run_cli("check", str(spec))
    assert again.exit_code == 0, again.stderr


@pytest.mark.parametrize("said", ["monthly on the 15th at 07:30",
                                  "monthly on the first monday at 05:00"])
def test_a_monthly_day_in_words_keeps_its_day_and_time(
        run_cli, tmp_path: Path, said: str, snapshot) -> None:
    """`schedule monthly on the 15th at 07:30` was told 'write `monthly on day 1 at
    06:00`': another day and another time than the user's. The help keeps both; the
    first Monday of a month, which no schedule (nor a cron line) can name, is said so,
    with a fixed day and the weekly schedule as the choices."""
    spec = tmp_path / "year.ocx"
    spec.write_text(YEARLY.format(window='previous month in "Europe/Amsterdam"',
                                  schedule=f"schedule {said}"))
    first = run_cli("check", str(spec))
    assert first.exit_code == 1
    assert first.stderr.replace(str(spec), "year.ocx") == snapshot
    fixed = first.stderr.split("help: write `")[1].split("`")[0]
    assert fixed.endswith(said[-5:])
    spec.write_text(YEARLY.format(window='previous month in "Europe/Amsterdam"',
                                  schedule=f"schedule {fixed}"))
    again = run_cli("check", str(spec))
    assert again.exit_code == 0, again.stderr


PEAK = HEADER.format(
    name="grid_peak", consumer="Stedin, capacity planning",
    purpose="Size grid connections from the busiest hours of public charging") + '''
from sessions
  previous month in "Europe/Amsterdam"
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
  each charging_periods as period
  spread period.duration over {slot} in location time zone as {slot}
group by
  {slot}
compute
  {measure}
  minimum group size 10
{order}output csv to "exports/peak-{{run.date}}.csv"
'''


def test_a_peak_over_time_is_told_the_slot_and_a_top_n(run_cli, tmp_path: Path,
                                                        snapshot) -> None:
    """A grid operator's `peak(sum(period.duration))` got OCX107 'unknown function' with
    'see docs/language.md'. The help now writes the peak as the language has it: the
    slot as a group key, the measure per slot, the largest rows by `order by ... desc`
    and `limit`; applied, the spec checks clean and releases the busiest hours first."""
    spec = tmp_path / "peak.ocx"
    spec.write_text(PEAK.format(measure="peak(sum(period.duration)) as peak", order="",
                                slot="hour"))
    first = run_cli("check", str(spec))
    assert first.exit_code == 1
    assert first.stderr.replace(str(spec), "peak.ocx") == snapshot
    assert "order by busy_chargers desc" in first.stderr
    # the demo's month holds about one session an hour: its busiest days, per day
    spec.write_text(PEAK.format(measure="sum(period.duration) / 1440 as busy_chargers",
                                order="order by busy_chargers desc\nlimit 20\n", slot="day"))
    checked = run_cli("check", str(spec))
    assert checked.exit_code == 0, checked.stderr
    out = tmp_path / "peak.csv"
    done = run_cli("run", str(spec), "--demo", "--out", str(out))
    assert done.exit_code == 0, done.stderr
    busy = [float(row["busy_chargers"]) for row in csv.DictReader(out.open(encoding="utf-8"))]
    assert 0 < len(busy) <= 20 and busy == sorted(busy, reverse=True)


def test_ocx241_and_ocx243_name_the_measure_as_written(run_cli, tmp_path: Path) -> None:
    """`avg(minutes(start_date_time, end_date_time))` beside `each charging_periods` (and a
    `spread`) was warned as '`avg(start_date_time)` counts ...', a measure the spec does
    not hold, with the help 'spread `start_date_time` in a dataset of its own': a time
    cannot be spread. The warning names the measure as written, and the help leaves out
    the spread."""
    spec = tmp_path / "idle.ocx"
    spec.write_text(PEAK.format(measure="round(avg(minutes(start_date_time, end_date_time)), "
                                        "0) as avg_minutes", order="", slot="day"))
    done = run_cli("check", str(spec))
    assert "warning[OCX241]: `avg(minutes(start_date_time, end_date_time))` counts " \
           "`start_date_time` once per `day`" in done.stderr, done.stderr
    assert "help: leave out `spread` to count each record's `start_date_time` once" \
        in done.stderr
    spec.write_text(PEAK.format(measure="round(avg(minutes(start_date_time, end_date_time)), "
                                        "0) as avg_minutes", order="", slot="day").replace(
        "  spread period.duration over day in location time zone as day\n", "").replace(
        "group by\n  day\n", "group by\n  truncate(start_date_time, day, \"Europe/Amsterdam\") "
                             "as day\n"))
    done = run_cli("check", str(spec))
    assert "warning[OCX243]: `avg(minutes(start_date_time, end_date_time))` counts " \
           "`start_date_time` once per `period`" in done.stderr, done.stderr
