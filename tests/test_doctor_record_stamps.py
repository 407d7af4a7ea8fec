"""`doctor` against a platform whose sessions and CDRs keep the `last_updated` of when
they started: a `since last run` export, choosing records by that stamp, reads a session
in the window it started in and never again (its end and status never arrive), and a CDR
written after that window closed not at all. Doctor said nothing of it ("nothing blocks",
no warning); it now warns, naming counts only, and says nothing of honest stamps."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from independent_cpo import IndependentCpo
from test_independent_deviations import _leaks, _login


def _stamped_at_start(cpo: IndependentCpo, ended_after: timedelta) -> None:
    version = cpo.version
    names = {"sessions": ("start_datetime" if version == "2.1.1" else "start_date_time",
                          "end_datetime" if version == "2.1.1" else "end_date_time"),
             "cdrs": ("start_date_time", "stop_date_time" if version == "2.1.1" else "end_date_time")}
    for module, (start, end) in names.items():
        for record in cpo.lists[module]:
            stamp = datetime.fromisoformat(record["last_updated"].replace("Z", "+00:00"))
            record[start] = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
            record[end] = (stamp + ended_after).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize("version", ["2.1.1", "2.3.0"])
def test_doctor_warns_of_records_stamped_before_they_ended(version: str, run_cli, snapshot) -> None:
    with IndependentCpo(version, records=20) as cpo:
        _stamped_at_start(cpo, timedelta(hours=3))
        _login(cpo, run_cli)
        doctor = run_cli("doctor", "--profile", "independent")
    assert doctor.exit_code == 0, doctor.output
    lines = doctor.stdout.splitlines()
    found = [text.strip() for at, line in enumerate(lines) if "record stamps" in line for text in lines[at:at + 2]]
    assert found == snapshot
    assert not _leaks(cpo, doctor.output.encode())


def test_a_charger_clock_a_little_ahead_is_no_sign(run_cli) -> None:
    with IndependentCpo("2.2.1", records=20) as cpo:
        _stamped_at_start(cpo, timedelta(minutes=50))
        _login(cpo, run_cli)
        doctor = run_cli("doctor", "--profile", "independent")
    assert doctor.exit_code == 0, doctor.output
    assert "record stamps" not in doctor.stdout
