"""The k-anonymity enforcer and the risk meter hold a bounded batch of rows in memory,
whatever the rows: pending while rows stream, fetched while the released rows are
read, and loaded into SQLite at the end of a large run. 20,000 rows a batch held 6.7 MB
of pickled realistic rows while 1,000,000 sessions streamed, and as many again once
they were released, beside the sorted runs; the meter's SQL loading held 20,000
records as Python tuples in each of its two threads (`bench_memory.py`)."""

from __future__ import annotations

import os

from ocpispec.disclosure import Drivers, KEnforcer, RiskMeter

ROWS = 7_000
HELD = 2_000


def _figures_by_sql(meter: RiskMeter):
    """The meter's figures computed by SQL, as above 250,000 rows, whatever the size."""
    from unittest.mock import patch

    with patch.dict(os.environ, {"OCPISPEC_RISK_IN_MEMORY_ROWS": "0"}):
        return meter.figures()


def _row(n: int) -> dict:
    return {"hour": f"2026-01-0{1 + n % 3}T{n % 24:02d}:00:00Z", "place": "3511", "kwh": 1.5}


def test_the_enforcer_holds_a_bounded_batch_while_rows_stream_and_are_released() -> None:
    drivers = Drivers()
    enforcer = KEnforcer(2, ("hour", "place"), {}, 100.0)
    try:
        most_pending = 0
        for n in range(ROWS):
            enforcer.add(_row(n), *drivers.of(f"d{n % 50}".encode()))
            most_pending = max(most_pending, len(enforcer._pending))
        enforcer.enforce()
        released = enforcer.released()
        read, most_fetched = 0, 0
        for _ in released:
            read += 1
            most_fetched = max(most_fetched, len(released.gi_frame.f_locals["batch"]))
    finally:
        enforcer.close()
    assert read == ROWS
    assert most_pending <= HELD and most_fetched <= HELD, (most_pending, most_fetched)


def test_the_meter_loads_its_spill_into_sqlite_a_bounded_batch_at_a_time() -> None:
    drivers = Drivers()
    meter = RiskMeter(("place", "hour"), ("place", "hour"), True)
    try:
        for n in range(ROWS):
            row = _row(n)
            meter.add(*drivers.of(f"d{n % 50}".encode()), [row["place"], row["hour"]],
                      [row["place"], row["hour"]])
        figures = _figures_by_sql(meter)   # by SQL, as above 250,000 rows
        batches = [len(batch) for name in ("members", "points") for batch in meter.spill._records(name)]
    finally:
        meter.close()
    assert figures.rows == ROWS
    assert sum(batches) == 2 * ROWS and max(batches) <= HELD, max(batches)


def _recode_steps(rows: int) -> int:
    """SQLite's virtual-machine steps (in thousands) to recode `rows` rows, every one of
    them in a class under k (one driver per hour)."""
    drivers = Drivers()
    enforcer = KEnforcer(2, ("hour", "place"), {"place": [lambda place: place[:2]]}, 100.0)
    steps = 0

    def step() -> int:
        nonlocal steps
        steps += 1
        return 0

    try:
        for n in range(rows):
            enforcer.add({"hour": f"2026-01-01T{n % 24:02d}:{n // 24 % 60:02d}:{n // 1440:02d}Z",
                          "place": "3511", "kwh": 1.5}, *drivers.of(f"d{n}".encode()))
        enforcer._load()
        assert enforcer._mark_failing() == rows
        enforcer.conn.set_progress_handler(step, 1000)
        enforcer._recode(1)
        enforcer.conn.set_progress_handler(None, 0)
        assert enforcer.conn.execute("SELECT COUNT(*) FROM rows WHERE level = 1").fetchone()[0] == rows
    finally:
        enforcer.close()
    return steps


def test_recoding_reads_each_failing_row_once_however_many_fail() -> None:
    # the batches were read by the class index, each gathering every failing row after the
    # last batch's and sorting them by id: 1,000,000 sessions took some 8 minutes there
    small, large = _recode_steps(4 * HELD), _recode_steps(16 * HELD)
    assert large < 6 * small, (small, large)


def _sqlite_library():
    """SQLite's C library as Python's `sqlite3` runs it (to read its memory figures), or
    None where Python carries a copy of its own."""
    import ctypes
    import ctypes.util
    import sqlite3

    name = ctypes.util.find_library("sqlite3")
    if name is None:
        return None
    library = ctypes.CDLL(name)
    library.sqlite3_libversion.restype = ctypes.c_char_p
    library.sqlite3_memory_highwater.restype = ctypes.c_int64
    library.sqlite3_memory_highwater.argtypes = [ctypes.c_int]
    return library if library.sqlite3_libversion().decode() == sqlite3.sqlite_version else None


def test_the_risk_figures_by_sql_hold_a_small_page_cache() -> None:
    """Above 250,000 rows the figures are SQL's, in two databases at once, each with its
    page cache (which also bounds each of its sorts): at 4 MB they took 16 MB of memory
    over 100,000 rows, the peak of a run of 1,000,000 sessions (`bench_memory.py`)."""
    import pytest

    library = _sqlite_library()
    if library is None:
        pytest.skip("Python's sqlite3 does not run the system's SQLite library")
    drivers = Drivers()
    meter = RiskMeter(("hour", "place"), ("place", "hour"), True)
    try:
        for n in range(100_000):
            hour, place = f"T{n * 7919 % 168}", str(n * 104729 % 300)
            meter.add(*drivers.of(f"d{n * 31 % 16_000}".encode()), [hour, place], [place, hour])
        library.sqlite3_memory_highwater(1)
        figures = _figures_by_sql(meter)
        most = library.sqlite3_memory_highwater(1)
    finally:
        meter.close()
    assert figures.rows == 100_000 and figures.drivers == 16_000
    assert 0 < most < 8 * 2**20, f"SQLite held {most / 2**20:.1f} MB at most"
