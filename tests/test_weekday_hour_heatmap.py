"""A mobility researcher's heatmap: the charging sessions of the previous quarter per
weekday and hour of the day, Amsterdam time, with their energy, as Parquet for pandas
(tests/specs/consumers/research_weekday_hour_heatmap.ocx). The file is read with
pyarrow, as `pd.read_parquet` reads it, and its numbers are checked by hand against
`ocpispec get` of the same demo CPO."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq

from consumer_runs import demo_cpo, driver, dump, half_up, published, run_spec
from fixtures_cli import REPO

SPEC = REPO / "tests" / "specs" / "consumers" / "research_weekday_hour_heatmap.ocx"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


server = demo_cpo("2.2.1", 20000)


def test_the_spec_checks_clean(run_cli) -> None:
    assert run_cli("check", str(SPEC)).stderr.startswith("Success")


def test_the_heatmap_is_the_sessions_as_get_shows_them(run_cli, tmp_path: Path, server) -> None:
    out = tmp_path / "heatmap.parquet"
    run_spec(run_cli, SPEC, server, out)
    table = pq.read_table(out)
    assert table.schema.names == ["weekday", "hour", "sessions", "energy_kwh"]
    assert [field.type for field in table.schema] == [pa.string(), pa.int64(), pa.int64(),
                                                      pa.float64()]
    described = {field.name: field.metadata[b"description"].decode() for field in table.schema}
    assert "Europe/Amsterdam" in described["hour"] and "0-23" in described["hour"], described
    sites = published(run_cli, server)
    groups: dict[tuple, list] = defaultdict(list)
    for session in dump(run_cli, server, "sessions", since="2025-09-30T22:00:00Z"):
        if session["location_id"] not in sites or \
                not "2025-09-30T22:00:00Z" <= session["start_date_time"] < "2025-12-31T23:00:00Z":
            continue
        started = datetime.fromisoformat(session["start_date_time"]).astimezone(AMSTERDAM)
        groups[(started.strftime("%A").lower(), started.hour)].append(session)
    expected = {key: (len(group), half_up(float(sum(Decimal(str(s["kwh"])) for s in group))))
                for key, group in groups.items()
                if len({driver(s) for s in group} - {None}) >= 10}
    rows = table.to_pylist()
    written = {(row["weekday"], row["hour"]): (row["sessions"], row["energy_kwh"]) for row in rows}
    assert len(written) == len(rows) and len(written) > 24, "one row per weekday and hour"
    assert set(written) == set(expected)
    for key, (sessions, energy) in written.items():
        assert sessions == expected[key][0], key
        assert energy == expected[key][1], key  # the exact sum, rounded half up
    # the rows come Monday first and hour by hour, the order a heatmap is drawn in
    assert [key for key in written] == sorted(written, key=lambda k: (WEEKDAYS.index(k[0]), k[1]))
