"""Running the CLI in-process and snapshotting what a user sees."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ocpispec.cli import main

REPO = Path(__file__).resolve().parents[1]
SPECS = REPO / "specs"
# The shipped municipality spec without its k rule, as typed from the repo root: for tests
# about something other than disclosure control that run against small demo CPOs, where
# k 5 suppresses every row (tests/test_corpus_check.py keeps it in step with the spec).
WITHOUT_K = "tests/specs/municipality_sessions_without_k.ocx"
# retries wait a millisecond (OCPISPEC_RETRY_BACKOFF): a demo fault's retry costs no second;
# doctor probes the local test servers at up to 1,000 requests a second (OCPISPEC_DOCTOR_MAX_RPS),
# not 10: its 48 requests cost 5 s of sleep at 10, and over a hundred doctor runs slept about
# 500 s of the suite (tests/test_doctor.py holds it to the default 10, and to the variable)
CLI_ENV = {"NO_COLOR": "1", "COLUMNS": "100", "TERM": "dumb", "OCPISPEC_RETRY_BACKOFF": "0.001",
           "OCPISPEC_DOCTOR_MAX_RPS": "1000"}


def cli_block(result: Result, *, tmp: Path | None = None) -> str:
    """One snapshot-friendly text: exit code, stdout and stderr; with `tmp` (a test's
    `tmp_path`), that folder's path written `<tmp>` wherever it shows."""
    block = (f"exit_code: {result.exit_code}\n----- stdout -----\n{result.stdout}"
             f"----- stderr -----\n{result.stderr}")
    return block if tmp is None else block.replace(str(tmp), "<tmp>")


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Invoke `ocpispec ARGS...` with colour off, a private config dir and the repo
    as working directory. Returns the click Result."""
    monkeypatch.setenv("OCPISPEC_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("OCPISPEC_LEDGER", str(tmp_path / "ledger" / "ledger.sqlite"))
    # the machine's own approval gate and output root would show in reviews and approvals
    for name in ("OCPISPEC_REQUIRE_APPROVAL", "OCPISPEC_ALLOWED_SIGNERS", "OCPISPEC_OUTPUT_ROOT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(REPO)

    def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
        runner = CliRunner()
        return runner.invoke(main, list(args), env={**CLI_ENV, **(env or {})},
                             input=input, catch_exceptions=False, prog_name="ocpispec")

    return invoke


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list:
    """The start methods of the process pools the code under test makes (`["fork"]`
    when it started worker processes, `[]` when it kept one process)."""
    import multiprocessing

    started: list = []
    real = multiprocessing.get_context
    monkeypatch.setattr(multiprocessing, "get_context",
                        lambda method=None: started.append(method) or real(method))
    return started


# the zones whose midnights end the calendar windows of tests that run by the real clock
_WINDOW_ZONES = ("UTC", "Europe/Amsterdam")
# longer than any such test takes on a loaded machine (13 s on a quiet one)
_MIDNIGHT_MARGIN = 120.0


def seconds_to_midnight(now, zone: str) -> float:
    """Seconds from `now` (aware) to the next midnight in `zone`."""
    from datetime import UTC, datetime, time, timedelta
    from zoneinfo import ZoneInfo

    local = now.astimezone(ZoneInfo(zone))
    midnight = datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=local.tzinfo)
    return (midnight.astimezone(UTC) - now).total_seconds()


@pytest.fixture
def clear_of_midnight() -> None:
    """For tests that read today (or run a calendar window) and then run `previous day`,
    week or month by the real clock, more than once: a midnight in between moved the
    run's windows a day past what the test expected ("catching up" once more). Within
    _MIDNIGHT_MARGIN of a midnight in UTC or Amsterdam the test starts after it."""
    import time
    from datetime import UTC, datetime

    wait = min(seconds_to_midnight(datetime.now(UTC), zone) for zone in _WINDOW_ZONES)
    if wait < _MIDNIGHT_MARGIN:
        time.sleep(wait + 1)
