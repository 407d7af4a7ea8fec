"""Timestamps order by their instant, not their text: a slot in the location's time zone
carries its offset, and on the night the clocks go back `02:00:00+01:00` comes an hour
after `02:00:00+02:00`, although it sorts before it as text. Both orders are covered: the
aggregator's own (group keys, in memory and spilled) and `order by`."""

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
from ocpispec.timestamps import parse_timestamp

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
    key = row_key((ir.SortKey("slot", descending),), ("slot", "n"), frozenset({"slot"}))
    ordered = sorted(rows, key=key)
    slots = [row["slot"] for row in ordered]
    assert in_time_order(slots, descending)
    nulls = [slot is None for slot in slots]
    assert nulls == sorted(nulls)  # nulls last in either direction
    assert list(external_sort(rows, key, run_rows)) == ordered


@settings(max_examples=150, deadline=None)
@given(keys=st.lists(st.tuples(cells, st.sampled_from(["3511", "3512"])), max_size=40))
def test_group_keys_order_chronologically_and_stay_distinct(keys) -> None:
    encoded = sorted(keys, key=lambda key: group_key(key, frozenset({0})))
    assert in_time_order([slot for slot, _ in encoded])
    assert len({group_key(key, frozenset({0})) for key in keys}) == len(set(keys))


def test_the_two_two_oclock_hours_of_the_october_night() -> None:
    summer, winter = "2025-10-26T02:00:00+02:00", "2025-10-26T02:00:00+01:00"
    assert winter < summer  # as text: the wrong way round
    assert group_key((summer,), frozenset({0})) < group_key((winter,), frozenset({0}))
    key = row_key((ir.SortKey("slot"),), ("slot",), frozenset({"slot"}))
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
