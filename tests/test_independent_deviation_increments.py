"""Two `since last run` runs against an independent OCPI sender showing one deviation
real platforms show (`independent_cpo.QUIRKS`): together they deliver every session once.
Apart from `test_independent_deviations.py` so that the two long files run on two
workers side by side."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from independent_cpo import IndependentCpo
from test_independent_cpo import KEY, _csv_rows, _next_second, spec_text
from test_independent_deviations import CASES, DOCTOR_BLOCKS, FAILS_ALWAYS, _login


@pytest.mark.parametrize(("quirk", "version"), [case for case in CASES if case[0] not in FAILS_ALWAYS.keys() | DOCTOR_BLOCKS
                                                and case[0] != "no cdr token"])
def test_incremental_runs_tile_a_deviating_platform(quirk: str, version: str, run_cli, tmp_path: Path) -> None:
    with IndependentCpo(version, records=30, quirks=(quirk,)) as cpo:
        _login(cpo, run_cli)
        spec = tmp_path / "sessions.ocx"
        spec.write_text(spec_text("sessions", "since last run").replace(
            '"sessions.csv"', '"sessions-{run.timestamp}.csv"'))
        delivered: list[str] = []
        for run, added in enumerate((0, 5)):
            for _ in range(added):
                cpo.add_session(datetime.now(UTC))
            if run:  # windows end on whole seconds: this run's ends after the sessions just added
                _next_second()  # (the first run's records are stamped in January 2026)
            folder = tmp_path / f"run-{run}"
            folder.mkdir()
            done = run_cli("run", str(spec), "--out", str(folder), "--state",
                           str(tmp_path / "state.sqlite"), env={"INDEPENDENT_KEY": KEY})
            assert done.exit_code == 0, done.output
            if quirk == "total unfiltered":   # the lookup of locations changed in the window
                assert "`X-Total-Count` for `locations` counts its whole list" in done.output
            delivered += [row["session"] for path in folder.glob("*.csv") for row in _csv_rows(path)]
        assert len(delivered) == len(set(delivered)) == 35
