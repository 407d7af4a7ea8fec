"""Released values order by what they stand for, not their text: a slot in the
location's time zone carries its offset, and on the night the clocks go back
`02:00:00+01:00` comes an hour after `02:00:00+02:00`, although it sorts before it as
text; bucket labels order by their bounds and weekdays from Monday. Both orders are
covered: the aggregator's own (group keys, in memory and spilled) and `order by`."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.execute.ordering import external_sort, sort_key as row_key
from ocpispec.execute.spill import sort_key as group_key
from ocpispec.plan import ir
from ocpispec.execute.functions import bucketer
from ocpispec.execute.value_order import ranks
from ocpispec.timestamps import parse_timestamp

TIME = ranks([ir.Column("slot", "slot", (), "kept as is", "", "quasi", "quasi", None, None,
                        type="datetime")])["slot"]

ZONES = [ZoneInfo(name) for name in ("Europe/Amsterdam", "America/New_York",
                                     "Australia/Lord_Howe", "Asia/Kolkata", "UTC")]
START = datetime(2025, 10, 25, tzinfo=UTC)  # around the end of summer time in Europe

moments = st.builds(lambda quarters, zone: (START + timedelta(minutes=15 * quarters)).astimezone(zone),
                    st.integers(0, 4 * 24 * 3), st.sampled_from(ZONES))
labels = st.one_of(moments.map(datetime.isoformat),
                   moments.map(lambda m: m.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")))
cells = st.one_of(st.none(), labels, st.just("not a time"))


def instant(label: str | None) -> datetime | None:
    return parse_timestamp(label) if label is not None else None


def in_time_order(values: list, descending: bool = False) -> bool:
    times = [instant(value) for value in values]
    present = [time for time in times if time is not None]
    return present == sorted(present, reverse=descending)


@settings(max_examples=150, deadline=None)
@given(values=st.lists(cells, max_size=40), descending=st.booleans(), run_rows=st.integers(1, 7))
def test_order_by_a_timestamp_column_is_chronological(values, descending, run_rows) -> None:
    rows = [{"slot": value, "n": index} for index, value in enumerate(values)]
    key = row_key((ir.SortKey("slot", descending),), ("slot", "n"), {"slot": TIME})
    ordered = sorted(rows, key=key)
    slots = [row["slot"] for row in ordered]
    assert in_time_order(slots, descending)
    nulls = [slot is None for slot in slots]
    assert nulls == sorted(nulls)  # nulls last in either direction
    assert list(external_sort(rows, key, run_rows)) == ordered


@settings(max_examples=150, deadline=None)
@given(keys=st.lists(st.tuples(cells, st.sampled_from(["3511", "3512"])), max_size=40))
def test_group_keys_order_chronologically_and_stay_distinct(keys) -> None:
    encoded = sorted(keys, key=lambda key: group_key(key, {0: TIME}))
    assert in_time_order([slot for slot, _ in encoded])
    assert len({group_key(key, {0: TIME}) for key in keys}) == len(set(keys))


def test_the_two_two_oclock_hours_of_the_october_night() -> None:
    summer, winter = "2025-10-26T02:00:00+02:00", "2025-10-26T02:00:00+01:00"
    assert winter < summer  # as text: the wrong way round
    assert group_key((summer,), {0: TIME}) < group_key((winter,), {0: TIME})
    key = row_key((ir.SortKey("slot"),), ("slot",), {"slot": TIME})
    assert key({"slot": summer}) < key({"slot": winter})


SPEC = '''export local_load
  consumer "Test consumer"
  purpose "End-to-end tests of ocpispec"
  legal basis public task "test"
  retention 1 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
  between 2025-10-20 and 2025-11-05
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
  each charging_periods as period
  spread period.energy_kwh over hour in location time zone as slot
group by slot
compute sum(period.energy_kwh) as energy_kwh
  minimum group size 1
{order}output csv to "{out}"
'''


@pytest.mark.parametrize("order", ["", "order by slot\n", "order by slot desc\n"])
def test_local_slots_across_the_october_night_are_in_time_order(
        order, run_cli, tmp_path: Path, demo_server_factory) -> None:
    server = demo_server_factory(size=20000)
    out = tmp_path / "load.csv"
    spec = tmp_path / "load.ocx"
    spec.write_text(SPEC.format(order=order, out=out))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
    result = run_cli("run", str(spec), "--state", str(tmp_path / "ledger.sqlite"), env=env)
    assert result.exit_code == 0, result.output
    slots = [row["slot"] for row in csv.DictReader(io.StringIO(out.read_text()))]
    assert {"2025-10-26T02:00:00+02:00", "2025-10-26T02:00:00+01:00"} <= set(slots)
    times = [instant(slot) for slot in slots]
    descending = "desc" in order
    assert times == sorted(times, reverse=descending)
    assert len(set(times)) == len(times)


# ---- bucket labels and weekdays --------------------------------------------------------

BAND = ranks([ir.Column("band", "bucket(kwh, `[5,10]`)", (), "generalised", "", "quasi",
                        "quasi", None, None, type="string")])["band"]
DAY = ranks([ir.Column("day", "weekday(start_date_time)", (), "generalised", "", "quasi",
                       "quasi", None, None, type="string")])["day"]
WEEK = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
edges = st.lists(st.one_of(st.integers(-1000, 1000),
                           st.decimals(-100, 100, places=2).map(float)),
                 min_size=1, max_size=8, unique=True).map(sorted)


def labels_in_order(bounds: list) -> list[str]:
    """Every label `bucket` gives for these edges, from the lowest value up."""
    bucket = bucketer(bounds)
    probes = [bounds[0] - 1, *bounds]
    return list(dict.fromkeys(bucket(probe) for probe in probes))


@settings(max_examples=150, deadline=None)
@given(bounds=edges, descending=st.booleans(), seed=st.randoms())
def test_bucket_labels_order_by_their_bounds(bounds, descending, seed) -> None:
    expected = labels_in_order(bounds)
    shuffled = expected[:]
    seed.shuffle(shuffled)
    key = row_key((ir.SortKey("band", descending),), ("band",), {"band": BAND})
    got = [row["band"] for row in sorted(({"band": label} for label in shuffled), key=key)]
    assert got == (expected[::-1] if descending else expected)
    encoded = sorted(shuffled, key=lambda label: group_key((label,), {0: BAND}))
    assert encoded == expected


def test_weekdays_order_from_monday() -> None:
    key = row_key((ir.SortKey("day"),), ("day",), {"day": DAY})
    assert sorted(({"day": day} for day in sorted(WEEK)), key=key) == [{"day": d} for d in WEEK]
    assert sorted(sorted(WEEK), key=lambda day: group_key((day,), {0: DAY})) == WEEK


BANDS = SPEC.split("from sessions")[0] + '''from sessions
  previous month
group by
  bucket(kwh, [5, 10, 20, 50]) as band
  weekday(start_date_time) as day
compute count() as sessions
  minimum group size 1
{order}output csv to "{out}"
'''


@pytest.mark.parametrize("order", ["", "order by band desc day\n"])
def test_bands_and_weekdays_of_a_run_are_in_their_order(
        order, run_cli, tmp_path: Path, demo_server) -> None:
    out = tmp_path / "bands.csv"
    spec = tmp_path / "bands.ocx"
    spec.write_text(BANDS.format(order=order, out=out))
    env = {"OCPI_VERSIONS_URL": demo_server.versions_url, "OCPI_TOKEN": demo_server.token}
    result = run_cli("run", str(spec), "--state", str(tmp_path / "ledger.sqlite"),
                     "--as-of", "2026-01-01T00:00:00Z", env=env)
    assert result.exit_code == 0, result.output
    rows = [(row["band"], row["day"]) for row in csv.DictReader(io.StringIO(out.read_text()))]
    band_order = ["<5", "5-10", "10-20", "20-50", "50+"]
    keys = [(band_order.index(band), WEEK.index(day)) for band, day in rows]
    if order:
        keys = [(-band, day) for band, day in keys]
    assert len(rows) > 7 and keys == sorted(keys)


plain = st.one_of(st.none(), st.integers(-3, 3), st.floats(-2, 2, allow_nan=False),
                  st.booleans(), st.sampled_from(["", "a", "b", "10", "9", "é"]),
                  st.tuples(st.integers(0, 2)))


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.fixed_dictionaries({"slot": cells, "x": plain, "y": plain}), max_size=40),
       run_rows=st.integers(1, 9))
def test_rows_without_order_by_sort_as_the_general_key_sorts_them(rows, run_rows) -> None:
    """A row export without `order by` is keyed by a generated flat key (`value_key`),
    which must order rows exactly as the general key with no stated keys does: nulls
    last, numbers before booleans before texts, timestamps by their instant, whatever
    run size spills them."""
    from ocpispec.execute.ordering import in_value_order

    general = row_key((), ("slot", "x", "y"), {"slot": TIME})
    expected = [general(row) for row in sorted(rows, key=general)]
    found = list(in_value_order(rows, ("slot", "x", "y"), {"slot": TIME}, run_rows=run_rows))
    assert [general(row) for row in found] == expected
    assert sorted(map(repr, found)) == sorted(map(repr, rows))


edgy = st.one_of(st.none(), st.integers(), st.integers(2**53 - 4, 2**53 + 4),
                 st.integers(2**1023, 2**1030) | st.integers(-2**1030, -2**1023),
                 st.floats(allow_nan=False), st.sampled_from([0.0, -0.0, 2.0**53, 1e308]),
                 st.booleans(), st.text(max_size=4),
                 st.sampled_from(["", "a", "a\x00", "a\x00b", "ab", "\ud800", "\ue000", "\U0001f600"]),
                 st.tuples(st.integers(0, 2)), st.lists(st.text(max_size=2), max_size=2))
times = st.one_of(cells, st.sampled_from(["2025-03-30T01:00:00+01:00", "not a time", "\x00"]), edgy)


@settings(max_examples=500, deadline=None)
@given(pairs=st.lists(st.tuples(st.fixed_dictionaries({"slot": times, "x": edgy}),
                                st.fixed_dictionaries({"slot": times, "x": edgy})), max_size=20))
def test_the_bytes_key_compares_as_the_general_key(pairs) -> None:
    """The value order's key is one `bytes` per row (compared in C, computable in a
    worker): any two rows compare by it as by the general key, on the edges of its
    encoding (an int beyond a double's 53 bits or its range, -0.0, zero bytes in texts,
    lone surrogates, ranked and unranked texts, values of no known kind)."""
    from ocpispec.execute.value_key import ascending_key

    general = row_key((), ("slot", "x"), {"slot": TIME})
    found = ascending_key(("slot", "x"), {"slot": TIME})
    for left, right in pairs:
        a, b = general(left), general(right)
        c, d = found(left), found(right)
        assert ((a > b) - (a < b)) == ((c > d) - (c < d)), (left, right)
