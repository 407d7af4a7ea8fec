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
        before = os.environ.get("OCPISPEC_RISK_IN_MEMORY_ROWS")
        os.environ["OCPISPEC_RISK_IN_MEMORY_ROWS"] = "0"   # by SQL, as above 250,000 rows
        try:
            figures = meter.figures()
        finally:
            if before is None:
                del os.environ["OCPISPEC_RISK_IN_MEMORY_ROWS"]
            else:
                os.environ["OCPISPEC_RISK_IN_MEMORY_ROWS"] = before
        batches = [len(batch) for name in ("members", "points") for batch in meter._records(name)]
    finally:
        meter.close()
    assert figures.rows == ROWS
    assert sum(batches) == 2 * ROWS and max(batches) <= HELD, max(batches)
