"""A platform applying `date_from`/`date_to` to when a session or CDR started, not to
`last_updated` (the independent CPO's 'filter on start'): a `since last run` run never
got a session updated after the window it started in, and exited 0; only `doctor` said
so. Every run after the first now asks (`execute/filtered_field.py`) and fails (OCX563)
before anything is written."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from independent_cpo import IndependentCpo
from test_independent_cpo import KEY, _csv_rows, spec_text


def _runs(cpo: IndependentCpo, run_cli, tmp_path: Path, module: str):
    """A first `since last run` run, then a record of `module` started long ago is
    updated now (it ended), a new one added, and a second run."""
    done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                   "--profile", "independent")
    assert done.exit_code == 0, done.output
    spec = tmp_path / f"{module}.ocx"
    spec.write_text(spec_text(module, "since last run").replace(
        f'"{module}.csv"', f'"{tmp_path}/out/{module}-{{window.end}}.csv"'))

    def run():
        return run_cli("run", str(spec), "--state", str(tmp_path / "state.sqlite"),
                       env={"INDEPENDENT_KEY": KEY})

    first = run()
    # windows end at whole seconds: the update is stamped in a second after the first
    # window's end, and the second run starts in a second after the update's (just past
    # the next whole second each time: 0.5 s on average, where 1.1 s waited as surely)
    time.sleep(1.02 - time.time() % 1)
    cpo.lists[module][3]["last_updated"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    time.sleep(1.02 - time.time() % 1)
    return first, run()


def _delivered(tmp_path: Path, module: str) -> list[list[dict[str, str]]]:
    return [_csv_rows(path) for path in sorted((tmp_path / "out").glob(f"{module}-*.csv"))]


@pytest.mark.parametrize(("version", "module", "field"), [("2.2.1", "sessions", "start_date_time"),
                                                          ("2.3.0", "cdrs", "start_date_time"),
                                                          ("2.1.1", "sessions", "start_datetime")])
def test_a_platform_filtering_on_the_start_fails_the_run_before_anything_is_written(
        version: str, module: str, field: str, run_cli, tmp_path: Path, snapshot) -> None:
    with IndependentCpo(version, records=30, quirks=("filter on start",)) as cpo:
        first, second = _runs(cpo, run_cli, tmp_path, module)
    assert first.exit_code == 0, first.output
    assert second.exit_code == 1, second.output
    assert f"error[OCX563]: the platform applies the date filters of `{module}` to `{field}`" in second.stderr
    assert [len(rows) for rows in _delivered(tmp_path, module)] == [30]  # the second wrote nothing
    if module == "sessions" and version == "2.2.1":
        assert second.stderr[second.stderr.index("error["):].replace(str(tmp_path), "TMP") == snapshot


@pytest.mark.parametrize("quirks", [(), ("to ignored",), ("total unfiltered",), ("newest first",)])
def test_a_platform_filtering_on_last_updated_delivers_the_record_that_ended(
        quirks: tuple[str, ...], run_cli, tmp_path: Path) -> None:
    with IndependentCpo("2.2.1", records=30, quirks=quirks) as cpo:
        first, second = _runs(cpo, run_cli, tmp_path, "sessions")
    assert first.exit_code == second.exit_code == 0, second.output
    assert "OCX563" not in second.output
    assert [len(rows) for rows in _delivered(tmp_path, "sessions")] == [30, 1]


def test_a_calendar_window_of_a_schedule_fails_too(run_cli, tmp_path: Path) -> None:
    """`previous day` tiles the list by `last_updated` as `since last run` does: on such a
    platform each day's file holds the sessions that started that day, never one that
    started the day before and ended in it. Its first run fails already (it starts at a
    day, not at 1970)."""
    with IndependentCpo("2.2.1", records=30, quirks=("filter on start",)) as cpo:
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent").exit_code == 0
        spec = tmp_path / "daily.ocx"
        spec.write_text(spec_text("sessions", "previous day").replace(
            '"sessions.csv"', f'"{tmp_path}/out/sessions-{{window.end}}.csv"'))
        done = run_cli("run", str(spec), "--state", str(tmp_path / "state.sqlite"),
                       "--as-of", "2026-01-06T12:00:00Z", env={"INDEPENDENT_KEY": KEY})
    assert done.exit_code == 1, done.output
    assert "error[OCX563]: the platform applies the date filters of `sessions` to `start_date_time`" \
        in done.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


@pytest.mark.parametrize("bounds", ["from exclusive", "to ignored", "newest first"])
def test_filters_on_the_start_read_with_other_bounds_are_found(bounds: str, run_cli, tmp_path: Path) -> None:
    """The check asks two seconds around the stamp: a platform reading `date_from` as
    exclusive still sends a record whose start lies at a whole second; one ignoring
    `date_to` (every window runs on from its start, by when sessions started) still loses
    the session that started before the window and ended in it."""
    with IndependentCpo("2.2.1", records=30, quirks=("filter on start", bounds)) as cpo:
        first, second = _runs(cpo, run_cli, tmp_path, "sessions")
    assert first.exit_code == 0, first.output
    assert second.exit_code == 1 and "error[OCX563]" in second.stderr, second.output
