"""A list of objects sent as `{}` when empty (a serialiser of maps writing an empty
collection as an object): read as a list of its one item, a session's `"charging_periods":
{}` became one charging period of no fields that the platform never sent, and an export
`each charging_periods` wrote a row for it (20 rows where 15 periods were sent). It now
reads as an empty list, said as a deviation (`wire_walk.EMPTY_AS_LIST`)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from independent_cpo import IndependentCpo
from test_independent_cpo import HEADER, KEY

SPEC = HEADER.format(name="periods") + """from sessions
  each charging_periods as period
select
  pseudonymize(id) as session
  truncate(period.start_date_time, hour) as period_start
output csv to "periods.csv"
"""
SAID = "sessions.charging_periods: an empty object where OCPI says a list, read as an empty list (5)"


class _EmptyAsObject(IndependentCpo):
    def _records(self, module: str, count: int) -> list[dict[str, Any]]:
        made = super()._records(module, count)
        for record in made[1::2] if module == "sessions" else ():
            record["charging_periods"] = {}
        return made


@pytest.mark.parametrize("version", ["2.1.1", "2.3.0"])
def test_an_empty_object_for_a_list_is_no_item(version: str, run_cli, tmp_path: Path) -> None:
    with _EmptyAsObject(version, records=10) as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent")
        assert done.exit_code == 0, done.output
        spec = tmp_path / "periods.ocx"
        spec.write_text(SPEC)
        out = tmp_path / "out" / "periods.csv"
        done = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                       env={"INDEPENDENT_KEY": KEY})
    sent = sum(len(record["charging_periods"]) for record in cpo.lists["sessions"]
               if isinstance(record["charging_periods"], list))
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert sent == 15 and len(rows) == sent and all(row["period_start"] for row in rows)
    assert SAID in done.output and "Traceback" not in done.output
