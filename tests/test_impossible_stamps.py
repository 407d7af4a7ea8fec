"""DateTimes of the canonical shape that name no instant (`2026-02-30T10:00:00Z`,
`...T25:00:00Z`) are no DateTimes, and a leap second (`23:59:60Z`, RFC 3339) is one:
against an independent CPO storing its stamps as text, with one process and two."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from independent_cpo import IndependentCpo
from test_independent_cpo import KEY, _csv_rows, spec_text


def _pull(cpo: IndependentCpo, workers: str, run_cli, tmp_path: Path, *extra: str):
    done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                   "--profile", "independent")
    assert done.exit_code == 0, done.output
    pulled = run_cli("get", "sessions", "--profile", "independent", "--workers", workers,
                     "--privacy-pass", "last_updated,start_date_time,end_date_time")
    spec = tmp_path / "sessions.ocx"
    spec.write_text(spec_text("sessions"))
    out = tmp_path / "sessions.csv"
    done = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                   "--workers", workers, *extra, env={"INDEPENDENT_KEY": KEY})
    return pulled, done, out


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_leap_second_is_read_as_the_second_before(workers: str, run_cli, tmp_path: Path) -> None:
    """`23:59:60Z` failed the run (3 records "not an ISO 8601 timestamp") and left `get`
    as it came, where a consumer's reader of times fails on it."""
    with IndependentCpo("2.2.1", records=10) as cpo:
        sessions = cpo.lists["sessions"]
        sessions[3]["last_updated"] = "2026-01-05T23:59:60Z"
        sessions[4]["start_date_time"] = "2015-06-30T23:59:60Z"
        sessions[5]["end_date_time"] = "2015-07-01T01:59:60+02:00"
        pulled, done, out = _pull(cpo, workers, run_cli, tmp_path)
    assert pulled.exit_code == 0, pulled.output
    objects = [json.loads(line) for line in pulled.stdout.splitlines()]
    assert len(objects) == 10
    assert [obj["last_updated"] for obj in objects].count("2026-01-05T23:59:59Z") == 1
    assert [obj["start_date_time"] for obj in objects].count("2015-06-30T23:59:59Z") == 1
    assert [obj["end_date_time"] for obj in objects].count("2015-06-30T23:59:59Z") == 1
    assert ":60" not in pulled.stdout
    assert done.exit_code == 0, done.output
    rows = _csv_rows(out)
    assert len(rows) == 10 and [row["started"] for row in rows].count("2015-06-30T23:00:00Z") == 1


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_stamp_of_no_instant_is_no_datetime(workers: str, run_cli, tmp_path: Path) -> None:
    """A `last_updated` on 30 February passed as a DateTime (it has the canonical shape):
    `get` released it and a run delivered it in whatever window its text sorted into; a
    start at hour 25 failed the run as a transformation's error, an end at hour 24 too,
    although an end that is no DateTime is read as null, counted, as any optional value
    of the wrong type is."""
    with IndependentCpo("2.2.1", records=10) as cpo:
        sessions = cpo.lists["sessions"]
        sessions[3]["last_updated"] = "2026-02-30T10:00:00Z"
        sessions[4]["start_date_time"] = "2015-06-29T25:00:00Z"
        sessions[5]["end_date_time"] = "2015-06-29T24:30:00Z"
        pulled, done, out = _pull(cpo, workers, run_cli, tmp_path, "--allow-invalid", "2")
    assert pulled.exit_code == 1 and "OCX570" in pulled.stderr, pulled.output
    assert "`last_updated` is not a DateTime" in pulled.stderr
    assert "`start_date_time` is not a DateTime" in pulled.stderr
    assert "sessions.end_date_time (not a DateTime)" in pulled.stderr
    objects = [json.loads(line) for line in pulled.stdout.splitlines()]
    assert len(objects) == 8 and [obj.get("end_date_time") for obj in objects].count(None) == 1
    for impossible in ("02-30T", "T25:", "T24:"):
        assert impossible not in pulled.stdout
    assert done.exit_code == 0, done.output
    assert len(_csv_rows(out)) == 8
