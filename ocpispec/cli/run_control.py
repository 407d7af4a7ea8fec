"""How a run is stopped and repeated: SIGTERM handled like Ctrl-C, the `--deadline`,
durations, and `--follow` (pre-flight checks, failure counts, the exit code when
stopped between runs)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
from datetime import datetime, timedelta

import click

from ocpispec.cli import catch_up
from ocpispec.cli.plan import show_spec_diagnostics
from ocpispec.diagnostics import error
from ocpispec.launch.stop import Terminated as Terminated, raise_terminated
from ocpispec.launch.stopped import run_interrupted

_DURATION = re.compile(
    r"^\s*(\d+)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?)\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class DeadlineExceeded(BaseException):
    """The run's `--deadline` passed (a BaseException: no retry loop swallows it)."""


def interrupted(how: str):
    return run_interrupted(how)


def deadline_passed(limit: timedelta):
    return error("OCX583", f"the run did not finish within --deadline {_duration_text(limit)}",
                 notes=["no output was written and the `since last run` state did not change"],
                 help="give the run more time, narrow the window, or find what is slow "
                      "(--page-size, --concurrency, the platform's latency)")


@contextlib.contextmanager
def reported_after_commit(args, result):
    """The summary of a run that is done, on a full disk (stdout or stderr into a file):
    its outputs were published (and its state moved), so the launcher's
    'cannot write the output ... run again' (a second delivery of the window) is not
    what happened. Said on stderr when it can still be written; exit 1 either way."""
    from ocpispec.launch.guard import OUTPUT_FULL, show, silence_stdout

    try:
        yield
    except OSError as exc:
        if exc.errno not in OUTPUT_FULL or isinstance(exc, BrokenPipeError):
            raise
        silence_stdout()
        stream = "stdout" if args.summary_format == "json" or args.assess else "stderr"
        with contextlib.suppress(OSError):
            show(_unreported(result, not (result.dry_run or args.assess), stream,
                              os.strerror(exc.errno)))
        sys.exit(1)


def _unreported(result, wrote: bool, stream: str, reason: str):
    if not wrote:
        return error("OCX554", f"the run's report could not be written to {stream}: {reason}",
                     notes=["the run wrote nothing: no output, no state"],
                     help=f"free space where {stream} goes, and run again")
    moved = ("the outputs are delivered and the state moved on: the next run continues "
             "after this window" if result.state_path is not None else
             "the outputs are delivered")
    return error("OCX554", f"the run is done, but its summary could not be written to "
                           f"{stream}: {reason}",
                 notes=[f"{moved} (do not run this window again)"],
                 help=f"free space where {stream} goes (the next run's summary needs it)")


@contextlib.contextmanager
def terminate_like_interrupt():
    """SIGTERM raises `Terminated` (a KeyboardInterrupt) in the main thread (the `ocpispec`
    command does so from its start, `launch.stop`; this covers a run called otherwise)."""
    try:
        previous = signal.signal(signal.SIGTERM, raise_terminated)
    except ValueError:  # not the main thread (an embedding host): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def deadline(limit: timedelta | None):
    """SIGALRM after `limit` raises DeadlineExceeded in the main thread."""
    if limit is None:
        yield
        return

    def passed(signum, frame):
        raise DeadlineExceeded()

    previous = signal.signal(signal.SIGALRM, passed)
    signal.setitimer(signal.ITIMER_REAL, limit.total_seconds())
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def follow(plan, args, run_once, skipped) -> None:
    """Run, then sleep until the schedule's next moment, until Ctrl-C or SIGTERM.
    What cannot work without the network (key, source variables, profile, state file)
    is checked once before the first run: a followed export that cannot run stops at
    once instead of failing on every schedule. Stopped between runs, the exit code says
    whether the last run failed. A scheduled run whose window was delivered already is
    `skipped(plan, args, end)`: said as a run would say it (on stderr, and in JSON)."""
    from datetime import UTC

    from ocpispec.language import schedule

    rule = _schedule_of(args)
    _preflight(plan, args)
    failures = 0
    while True:
        committed: list[bool] = []

        def counted(plan, args) -> bool:
            committed.append(outcome := run_once(plan, args))
            return outcome

        if (end := catch_up.delivered_already(plan, args)) is not None:
            skipped(plan, args, end)
            failures = 0
        elif catch_up.run_missed(plan, args, counted) and counted(plan, args):
            failures = 0
        else:
            # a caught-up window delivered before the failure is a successful run
            failures = 1 if any(committed) else failures + 1
            if failures > 1:
                click.echo(f"warning: {failures} runs in a row failed; the state has not "
                           "advanced since the last successful run", err=True)
        moment = schedule.next_run(rule, datetime.now(UTC))
        click.echo(f"next run at {moment:%Y-%m-%dT%H:%M:%SZ} ({schedule.describe(rule)}); "
                   "Ctrl-C stops", err=True)
        try:
            sleep_until(moment)
        except KeyboardInterrupt:
            last = (f"the last run failed ({failures} in a row)" if failures
                    else "the last run succeeded")
            click.echo(f"stopped between runs; nothing was interrupted; {last}", err=True)
            sys.exit(1 if failures else 0)


def _preflight(plan, args) -> None:
    from ocpispec.cli.run_setup import pseudonym_key, uses_state
    from ocpispec.execute import RunError
    from ocpispec.execute.sources import spec_source
    from ocpispec.ocpi import OcpiError
    from ocpispec.ledger import LedgerError, default_ledger_path, load_state
    from ocpispec.ledger.state import StateError

    env = dict(os.environ)
    try:
        key, _ = pseudonym_key(plan, args.demo, env)
        choice = spec_source(plan.source, env, args.profile)
        if not args.demo:
            from ocpispec.execute.keys import check_not_the_token

            check_not_the_token(key, choice.credentials.token)
        if uses_state(plan):
            load_state(args.state_path or default_ledger_path(), plan.export.name)
    except (RunError, OcpiError) as exc:
        show_spec_diagnostics([exc.diagnostic], args.spec)
    except (StateError, LedgerError) as exc:
        show_spec_diagnostics([error("OCX553", f"cannot use the ledger: {exc}",
                                     help="repair or reset it (`ocpispec state`), or give "
                                          "--state another path")], args.spec)
    else:
        return
    click.echo("--follow stopped before the first run: this would fail at every scheduled "
               "time", err=True)
    sys.exit(1)


def _schedule_of(args):
    from ocpispec.check.compiler import compile_file

    for flag, given in (("--demo", args.demo), ("--dry-run", args.dry_run),
                        ("--as-of", args.as_of is not None), ("--restart", args.restart)):
        if given:
            raise click.UsageError(f"--follow cannot be combined with {flag}: a followed "
                                   "export runs for real, at the real time")
    rule = compile_file(args.spec).spec.schedule
    if rule is None:
        raise click.UsageError("--follow needs a `schedule` clause in the spec, e.g. "
                               "`schedule daily at 06:00`")
    return rule


def sleep_until(moment: datetime) -> None:
    """Sleep in short steps so a changed wall clock (suspend, NTP) is noticed."""
    import time
    from datetime import UTC

    while (left := (moment - datetime.now(UTC)).total_seconds()) > 0:
        time.sleep(min(left, 30.0))


def duration(value: str | None) -> timedelta | None:
    if value is None:
        return None
    found = _DURATION.match(value)
    if found is None or int(found.group(1)) == 0:
        raise click.BadParameter("expected a duration such as 90s, 30m, 2h or 1d")
    return timedelta(seconds=int(found.group(1)) * _SECONDS[found.group(2)[0]])


def wait_seconds(value: str) -> float:
    """`--wait-lock`: seconds (`30`, `2.5`) or a duration as `--deadline` takes it
    (`90s`, `5m`): `5m` was "not a valid float range"."""
    try:
        seconds = float(value)
    except ValueError:
        found = _DURATION.match(value)
        if found is None:
            raise click.BadParameter(f"`{value}` is neither seconds (e.g. 30) nor a duration "
                                     "such as 90s, 5m or 1h") from None
        return int(found.group(1)) * _SECONDS[found.group(2)[0]]
    if not seconds >= 0 or seconds == float("inf"):
        raise click.BadParameter(f"`{value}` is not a number of seconds from 0 up")
    return seconds


def _duration_text(limit: timedelta | None) -> str:
    seconds = int(limit.total_seconds()) if limit else 0
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


