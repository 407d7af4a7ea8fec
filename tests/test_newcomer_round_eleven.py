"""Round eleven of new users' specs for consumers we do not ship, through the real CLI:
SQL's positional `group by 1`, a filtered aggregate written `sum(kwh where ...)`, and a
tariffs dataset's own prices missing from `ocpispec schema tariffs`. Each stumble's
diagnostic is snapshot and its help, applied, checks clean."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from test_newcomer_round_ten import HEADER

CITY_ENERGY = HEADER.format(
    name="city_energy", consumer="Gemeente Utrecht, Ruimte en Mobiliteit",
    purpose="Energy charged per city and month for the municipal charging plan") + '''
from sessions
  previous month in "Europe/Amsterdam"
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
{body}
output csv to "exports/city-energy.csv"
'''

GROUPED = '''group by
  location.city as city because "the plan is made per city; each row holds ten drivers"
compute
  round(sum(kwh), 0) as energy_kwh
  minimum group size 10'''


def _check(run_cli, tmp_path: Path, text: str):
    spec = tmp_path / "spec.ocx"
    spec.write_text(text)
    return run_cli("check", str(spec)), spec


@pytest.mark.parametrize("body", [
    # SQL's select list, then the keys by position
    '''select
  location.city as city because "the plan is made per city; each row holds ten drivers"
  round(sum(kwh), 0) as energy_kwh
group by 1''',
    '''select
  location.city as city because "the plan is made per city; each row holds ten drivers",
  round(sum(kwh), 0) as energy_kwh
group by city''',
], ids=["position", "name"])
def test_select_then_group_by_is_told_as_the_aggregate_it_means(
        run_cli, tmp_path: Path, body: str, snapshot) -> None:
    """SQL's `select city, sum(kwh) ... group by 1` (or `group by city`) was OCX001
    '`select` and `group by` do not mix' with a help naming no column: the help now
    writes the dataset as `group by` the key the position (or name) points at and
    `compute` the rest; written as told, it checks clean."""
    done, spec = _check(run_cli, tmp_path, CITY_ENERGY.format(body=body))
    assert done.exit_code == 1
    assert done.stderr.replace(str(spec), "spec.ocx") == snapshot
    told = re.search(r"the measures: `(group by .*?)` \(one column", done.stderr)
    assert told is not None, done.stderr
    again, _ = _check(run_cli, tmp_path, CITY_ENERGY.format(
        body=told.group(1) + "\n  minimum group size 10"))
    assert again.exit_code == 0 and "warning" not in again.stderr, again.stderr


@pytest.mark.parametrize("keys", ["1", "1, 2"])
def test_group_by_a_position_names_the_key_to_write(run_cli, tmp_path: Path, keys: str,
                                                     snapshot) -> None:
    """`group by 1` over the keys (or with no keys at all) was OCX208 'this column needs a
    name, add `as NAME`', which made `1 as value` a constant group. It is SQL's column
    position (OCX014): the help says a key is written itself, naming the key the spec
    has (`location.city as city`) or a key to write."""
    body = GROUPED.replace("group by\n", f"group by {keys}\n")
    done, spec = _check(run_cli, tmp_path, CITY_ENERGY.format(body=body))
    alone = GROUPED.replace("group by\n  location.city as city because \"the plan is made "
                            "per city; each row holds ten drivers\"\n", f"group by {keys}\n")
    bare, _ = _check(run_cli, tmp_path, CITY_ENERGY.format(body=alone))
    for result in (done, bare):
        assert result.exit_code == 1 and "OCX014" in result.stderr, result.stderr
        assert "OCX208" not in result.stderr and "needs a name" not in result.stderr
    assert "`location.city as city`" in done.stderr
    assert (done.stderr.replace(str(spec), "spec.ocx"),
            bare.stderr.replace(str(spec), "spec.ocx")) == snapshot
    fixed, _ = _check(run_cli, tmp_path, CITY_ENERGY.format(body=GROUPED))
    assert fixed.exit_code == 0 and "warning" not in fixed.stderr, fixed.stderr


@pytest.mark.parametrize("measure, told", [
    ('round(sum(kwh where status = "COMPLETED"), 0) as completed_kwh',
     'where status = "COMPLETED"'),
    ("count(* where kwh > 20) as long_sessions", "where kwh > 20"),
    ("round(avg(kwh where total_cost.excl_vat >= 10), 1) as avg_kwh", 
     "where total_cost.excl_vat >= 10"),
], ids=["text", "count-star", "number"])
def test_a_filtered_aggregate_is_told_the_way_the_language_filters(
        run_cli, tmp_path: Path, measure: str, told: str, snapshot) -> None:
    """`sum(kwh where status = "COMPLETED")`, a filtered aggregate as some SQL dialects and
    a new user write it, was '`where` belongs under `from`, before the columns' with a help
    to move `where ...` under `from`, which took the condition from every measure. A
    measure has no filter of its own: the help now says so and writes both forms that
    work, with the user's field, condition and value: a dataset of its own with the
    condition under `from`, or the condition's field as a group key."""
    body = GROUPED.replace("round(sum(kwh), 0) as energy_kwh", measure)
    text = CITY_ENERGY.format(body=body).replace('  where status = "COMPLETED"\n', "")
    done, spec = _check(run_cli, tmp_path, text.replace("from sessions\n", "from sessions\n", 1))
    assert done.exit_code == 1
    assert "belongs under `from`" not in done.stderr
    assert f"`{told}`" in done.stderr
    assert done.stderr.replace(str(spec), "spec.ocx") == snapshot


def test_schema_tariffs_lists_the_tariffs_own_prices(run_cli, snapshot) -> None:
    """A tariffs dataset reads `energy_price`, `time_price`, `parking_price` and
    `flat_price` (n10), but `ocpispec schema tariffs` listed none of them, so a tariff
    NGO reading the reference wrote JMESPath over the elements. They are listed, public,
    on every version, with how each is read; the JSON form has them too."""
    done = run_cli("schema", "tariffs")
    assert done.exit_code == 0
    for name in ("energy_price", "time_price", "parking_price", "flat_price"):
        line = next((line for line in done.stdout.splitlines()
                     if line.startswith(f"{name} ")), None)
        assert line is not None, name
        assert " public " in line and " all " in line
    assert "\n".join(line for line in done.stdout.splitlines() if "_price " in line) \
        == snapshot
    data = json.loads(run_cli("schema", "tariffs", "--format", "json").stdout)
    fields = {field["path"]: field for field in data["fields"]}
    assert fields["energy_price"]["privacy"] == "public"
    assert fields["energy_price"]["versions"] == ["2.1.1", "2.2.1", "2.3.0"]
    assert "ENERGY" in fields["energy_price"]["doc"]


STREETS = Path(__file__).parent / "specs" / "consumers" / "street_occupancy_weekday.ocx"


@pytest.mark.parametrize("good, first, told", [
    ("order by hours_occupied desc", "order by 3 desc", "order by sessions desc"),
    ("limit 10", "limit 10 offset 5", None),
    ("output csv to", "output json lines to", None),
    ("schedule monthly on day 1 at 06:00", "schedule every hour", "schedule hourly"),
    ("schedule monthly on day 1 at 06:00", 'schedule "every monday at 06:00"',
     "schedule weekly on monday at 06:00"),
    ("schedule monthly on day 1 at 06:00", 'schedule "0 6 1 * *"',
     'schedule cron "0 6 1 * *"'),
    ('  where status = "COMPLETED"',
     "  where start_date_time >= now() - interval '30 days'", None),
], ids=["order-by-position", "offset", "json-lines", "every-hour", "quoted-words",
        "quoted-cron", "interval"])
def test_sql_and_spoken_forms_get_the_form_the_language_has(
        run_cli, tmp_path: Path, good: str, first: str, told: str | None, snapshot) -> None:
    """`order by 3 desc` was told 'order by is not allowed here, move it before output'
    where it stood; `limit 10 offset 5` 'limit is not allowed here'; `output json lines`
    'json output takes no options, remove `to`'; `schedule every hour` and a quoted
    schedule the parser's generic 'expected ...'; `now() - interval '30 days'` 'write
    "30 days"' (the next error). Each now names the form meant; where the help writes a
    replacement for what the caret covers, written in, the spec checks clean."""
    text = STREETS.read_text()
    assert good in text
    spec = tmp_path / "streets.ocx"
    spec.write_text(text.replace(good, first, 1))
    done = run_cli("check", str(spec))
    assert done.exit_code == 1 and "expected" not in done.stderr.split("help:")[1]
    assert "Traceback" not in done.stderr
    assert done.stderr.replace(str(spec), "streets.ocx") == snapshot
    if told is not None:
        assert f"write `{told}`" in done.stderr
        spec.write_text(text.replace(good, told, 1))
        again = run_cli("check", str(spec))
        assert again.exit_code == 0, again.stderr
