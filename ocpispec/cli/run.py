"""`ocpispec run SPEC`: fetch from OCPI, transform, write the outputs atomically.

Its parts beside it: `run_approval.py` the approval gate and the log entry of a run that
fails before the executor, `run_report.py` what a run tells when it is over.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
from datetime import datetime
from pathlib import Path

import click

from ocpispec.cli.ledger_option import ledger_file

from ocpispec.cli import catch_up, run_control
from ocpispec.cli.client_options import (answer_pause, max_body_bytes, request_timeout_option, retry_backoff,
                                          rps_option, workers_option)
from ocpispec.cli.plan import build_plan, shaping_options, show_diagnostics, show_spec_diagnostics
from ocpispec.cli.run_approval import checked_approval, logged_if_it_fails, spec_sha256
from ocpispec.cli.run_args import RunArgs
from ocpispec.cli.run_documents import one_on_every_failure, planned
from ocpispec.cli.run_events import run_events
from ocpispec.cli.run_outputs import delivers_remotely, out_notes, runs_dir, writes_stdout
from ocpispec.cli.run_report import json_summary, report, skipped
from ocpispec.cli.run_setup import pseudonym_key
from ocpispec.cli.run_source import DEMO_SIZE, DEMO_VERSIONS, demo_options_need_demo, source
from ocpispec.launch.stop import stop_name


@click.command("run")
@click.argument("spec", type=click.Path(path_type=Path))
@click.option("--profile", metavar="NAME", help="Pull with this stored login profile "
              "instead of the spec's source.")
@click.option("--demo", is_flag=True, help="Start the built-in demo CPO on 127.0.0.1 and "
              "pull from it instead of the spec's source.")
@click.option("--demo-version", type=click.Choice(DEMO_VERSIONS), help="With --demo: serve "
              "only this OCPI version (default: all three; the newest is used).")
@click.option("--demo-size", type=click.IntRange(1, 5_000_000), default=DEMO_SIZE,
              show_default=True, help="With --demo: number of sessions the demo CPO holds.")
@click.option("--out", metavar="PATH", help="Write here instead of the spec's destination "
              "(a directory for several datasets; `-` for stdout).")
@shaping_options
@rps_option
@click.option("--dry-run", is_flag=True, help="Plan and ask the platform how many records "
              "there are (X-Total-Count); write nothing.")
@click.option("--assess", is_flag=True, help="Fetch and measure the re-identification risk "
              "of every row dataset (class sizes in distinct drivers, unicity, what a k rule "
              "would suppress); write no output, keep the state, log the figures in the "
              "ledger's history for the review.")
@click.option("--state", "--ledger", "state_path", type=click.Path(), callback=ledger_file,
              metavar="PATH", help="The ledger: `since last run` state and the log of runs "
              "[default: $OCPISPEC_LEDGER or .ocpispec/ledger.sqlite].")
@click.option("--as-of", "as_of", metavar="TIMESTAMP", callback=lambda c, p, v: _moment(v),
              help="Run as if it were this UTC time: the end of every window (backfills, "
                   "reproducible runs).")
@click.option("--follow", is_flag=True, help="Keep running on the spec's `schedule`: run now, "
              "then again at each scheduled time (UTC) until Ctrl-C. A failed run is reported "
              "and its window retried at the next scheduled time.")
@click.option("--allow-invalid", "allow_invalid", metavar="N|P%", callback=lambda c, p, v:
              _tolerance(v), help="Accept up to N invalid records per dataset (or P% of those "
              "read) instead of failing; the summary and the run record count them.")
@click.option("--accept-incomplete", is_flag=True, help="Deliver a crawl that cannot be "
              "proven complete (repeated pages, fewer objects than X-Total-Count) instead of "
              "failing; the manifest records it.")
@click.option("--fail-on-empty", is_flag=True, help="Fail when a dataset releases no row "
              "(nothing read, everything filtered, or every group suppressed).")
@click.option("--release-again", "release_again", is_flag=True, help="Release an aggregate "
              "over a window an earlier delivery covered (a delivery the consumer withdrew): "
              "the two files differ by the records that came late or changed.")
@click.option("--wait-lock", "wait_lock", default="0",
              callback=lambda c, p, v: run_control.wait_seconds(v), metavar="SECONDS",
              help="If another run of this export holds its state, wait this long for it: "
              "seconds, or a duration such as 90s or 5m (default: fail at once).")
@click.option("--restart", is_flag=True, help="Start `since last run` windows over, at "
              "1970-01-01 (e.g. after the plan changed); the state advances as usual.")
@click.option("--lookback", callback=lambda c, p, v: run_control.duration(v), metavar="DURATION",
              help="Re-read DURATION (e.g. 30m, 2h, 1d) before the watermark and deliver only "
                   "records not delivered before: catches records that arrive late.")
@click.option("--deadline", callback=lambda c, p, v: run_control.duration(v), metavar="DURATION",
              help="Abandon a run that takes longer than DURATION (e.g. 90s, 20m): no output, "
                   "state unchanged.")
@click.option("--summary", "summary_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text: the summary on stderr; json: one JSON document on "
              "stdout (outcome, counts, outputs, state, duration, requests; see "
              "docs/plan-and-run.md), for schedulers and CI.")
@click.option("--allowed-signers", "allowed_signers", type=click.Path(path_type=Path),
              metavar="PATH", help="Verify approval signatures against this allowed_signers "
              "file [default: $OCPISPEC_ALLOWED_SIGNERS] (specs that `requires signed "
              "approval`).")
@click.option("--quiet", "-q", is_flag=True, help="No summary, no progress and none of the "
              "spec's warnings (`check` shows them) on stderr; errors still show.")
@workers_option("parse, check and transform the records' pages")
@request_timeout_option
def run(**options: object) -> None:
    """Run the export SPEC: fetch, transform, write.

    Only the columns the spec selects leave, transformed as it says. Outputs are
    written to a temporary file and renamed when complete, each with a
    `.manifest.json` beside it; the `since last run` state advances only after
    every output was written. The summary goes to stderr.

    A dataset with invalid records, or whose records cannot be proven complete,
    fails the run (see --allow-invalid, --accept-incomplete): nothing is written
    and the state does not move.

    --follow runs for real at the real time, so it cannot be combined with
    --demo, --dry-run, --as-of or --restart.

    Defaults for --profile, --page-size, --concurrency, --rps and --state, the
    output root, the templates root and a required approval can come from an
    `ocpispec.toml` (see `ocpispec config` and docs/configuration.md).

    \b
    Examples:
      ocpispec run specs/municipality_sessions.ocx --demo     # no platform needed
      ocpispec run specs/research_cdrs.ocx --demo --limit 50  # a quick sample
      ocpispec run consumer.ocx --profile cpo_production      # the real platform
      ocpispec run consumer.ocx --dry-run                     # counts, no writes
      ocpispec run consumer.ocx --assess                      # the risk, no writes
      ocpispec run consumer.ocx --as-of 2026-01-01T00:00:00Z  # up to a moment
      ocpispec run consumer.ocx --follow --deadline 20m       # on its schedule

    Exit codes: 0 done, 1 spec errors or a failed run (also an interrupted one:
    Ctrl-C, SIGTERM, --deadline), 2 usage error, 70 internal error (a bug).
    """
    with one_on_every_failure(options["summary_format"]):
        try:
            _run(RunArgs(**options))  # type: ignore[arg-type]
        except KeyboardInterrupt as stop:   # while starting, before the run handles it: nothing was read
            # (not `show_spec_diagnostics`: reading the spec again could be what was interrupted)
            show_diagnostics([run_control.interrupted(stop_name(stop))], file=str(options["spec"]))
            sys.exit(1)


def _run(args: RunArgs) -> None:
    args = _configured(args)
    demo_options_need_demo(args)
    plan = build_plan(args.spec, limit=args.limit, page_size=args.page_size,
                      concurrency=args.concurrency, warnings=not args.quiet)
    planned(plan)
    args = dataclasses.replace(args, state_path=_state_path(plan, args))
    if args.summary_format == "json" and writes_stdout(plan, args.out):
        raise click.UsageError("--summary json writes to stdout, and so does this run's output "
                               "(`--out -` or `to stdout`); write the output to a file with --out")
    if args.limit is not None and not args.dry_run and delivers_remotely(plan, args.out):
        raise click.UsageError("--limit reads a sample, which is never delivered to a "
                               "consumer's server (it would get those records again with "
                               "the whole window): write the sample locally with --out, "
                               "e.g. --out sample.csv")
    if args.assess and (args.dry_run or args.follow):
        raise click.UsageError("--assess measures one run; it cannot be combined with "
                               "--dry-run or --follow")
    if not args.assess:  # an assessment releases nothing: the officer assesses first
        args = dataclasses.replace(args, approval=checked_approval(plan, args))
    with run_control.terminate_like_interrupt():
        if args.follow:
            run_control.follow(plan, dataclasses.replace(args, shown_warnings=set()),
                               _approved_run_once, skipped)
        elif not (catch_up.run_missed(plan, args, _run_once) and _run_once(plan, args)):
            sys.exit(1)


def _approved_run_once(plan, args: RunArgs) -> bool:
    """`--follow`'s runs: each checks the approval again, so an approval withdrawn (its
    record deleted) while the follower sleeps stops the next run, before any request."""
    if args.approval is not None:  # said once when the follower started
        checked = checked_approval(plan, dataclasses.replace(args, quiet=True))
        args = dataclasses.replace(args, approval=checked)
    return _run_once(plan, args)


def _run_once(plan, args: RunArgs) -> bool:
    """One run with its summary; a failure is shown as a diagnostic and returns False.
    An interruption (Ctrl-C, SIGTERM) is shown and exits with 1. A stop that comes once
    the commit has begun waits until the run is reported, then ends the command."""
    from ocpispec.execute.signals import held_until_reported

    with held_until_reported() as held:
        succeeded = _reported_run(plan, args)
        stop = held.stop
    if stop is not None:
        click.echo(f"stopped ({stop}) after the run committed" if succeeded else
                   f"stopped ({stop})", err=True)
        sys.exit(0 if succeeded else 1)
    return succeeded


def _reported_run(plan, args: RunArgs) -> bool:
    from ocpispec.execute import DeliveredMeanwhile, RunError
    from ocpispec.ocpi import OcpiError

    try:
        with run_control.deadline(args.deadline):
            result, notes = _execute(plan, args)
    except DeliveredMeanwhile as exc:
        skipped(plan, args, exc.end, exc.into)
        return True
    except (RunError, OcpiError) as exc:
        show_spec_diagnostics([exc.diagnostic], args.spec)
        json_summary(args, plan, None, exc.diagnostic)
        return False
    except run_control.DeadlineExceeded:
        diagnostic = run_control.deadline_passed(args.deadline)
        show_spec_diagnostics([diagnostic], args.spec)
        json_summary(args, plan, None, diagnostic)
        return False
    except KeyboardInterrupt as exc:
        how = stop_name(exc)
        show_spec_diagnostics([run_control.interrupted(how)], args.spec)
        json_summary(args, plan, None, run_control.interrupted(how))
        sys.exit(1)
    with run_control.reported_after_commit(args, result):
        report(plan, args, result, notes)
    if args.assess:  # shown, but not logged: a scheduled assessment feeding the review fails
        from ocpispec.execute import ASSESSMENT_UNLOGGED

        return not any(note.startswith(ASSESSMENT_UNLOGGED) for note in result.notes)
    return True


def _configured(args: RunArgs) -> RunArgs:
    """Flags typed on the command line win; else the configuration (environment,
    `ocpispec.toml`, built-in)."""
    from ocpispec.cli.configured import command_config, effective

    settings = command_config(args.spec)
    return dataclasses.replace(
        args, settings=settings,
        profile=effective(settings, "profile", args.profile),
        page_size=effective(settings, "page_size", args.page_size),
        concurrency=effective(settings, "concurrency", args.concurrency),
        rps=effective(settings, "rps", args.rps))


def _state_path(plan, args: RunArgs) -> Path | None:
    """`--state`, else the ledger `<state_dir>/ledger.sqlite` when a state_dir is
    configured (not for --demo, which keeps no state unless --state says where)."""
    state_dir = args.settings.get("state_dir") if args.settings else None
    if args.state_path is not None or args.demo or state_dir is None:
        return args.state_path
    return Path(state_dir) / "ledger.sqlite"


def _execute(plan, args: RunArgs):
    """Key, source and state first (no request yet), then the run."""
    from ocpispec.execute import Policy, RunOptions, execute
    from ocpispec.execute.sources import version_pinned_by
    from ocpispec.ocpi import FetchOptions, OcpiClient, safe_url

    env = dict(os.environ)
    with logged_if_it_fails(plan, args):
        key, notes = _key(plan, args, env)
    if not (args.dry_run or args.assess):  # they write nothing
        notes = [*notes, *out_notes(plan, args.out)]
    fetch_options = FetchOptions(page_size=args.page_size, concurrency=args.concurrency,
                                 requests_per_second=args.rps, request_timeout=args.request_timeout,
                                 timeout=answer_pause(args.request_timeout),
                                 backoff_base=retry_backoff(), max_body_bytes=max_body_bytes())
    with contextlib.ExitStack() as stack:
        with logged_if_it_fails(plan, args):
            credentials, now = source(stack, plan, args, env, notes)
            _not_the_token(plan, key, credentials.token)
        events = run_events(stack, args)

        def connect():
            if hasattr(events, "connecting"):
                events.connecting(safe_url(credentials.versions_url))
            with version_pinned_by(None if args.demo or args.profile else plan.source):
                client = stack.enter_context(OcpiClient.connect(
                    credentials, options=fetch_options, events=events))
            for tell in args.connected:
                tell(client)
            return client

        options = RunOptions(
            out=args.out, limit=args.limit, dry_run=args.dry_run, state_path=args.state_path,
            use_state=not args.demo or args.state_path is not None, spec_dir=args.spec.parent,
            spec_sha256=spec_sha256(args.spec), now=now,
            on_dataset=getattr(events, "started", None),
            policy=Policy(args.allow_invalid, args.accept_incomplete,  # type: ignore[arg-type]
                          args.fail_on_empty),
            runs_dir=runs_dir(args), wait_lock=args.wait_lock,
            restart=args.restart, lookback=args.lookback, approval=args.approval,
            assess=args.assess, catching_up=args.catching_up,
            skip_delivered=catch_up.applies(args),
            output_root=args.settings.get("output_root") if args.settings else None,
            destinations=args.settings.destinations if args.settings else None,
            workers=args.workers, demo=args.demo, release_again=args.release_again)
        return execute(plan, key=key.secret, connect=connect, options=options), notes


def _tolerance(value: str | None):
    if value is None:
        return None
    from ocpispec.execute import Tolerance

    try:
        return Tolerance.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _key(plan, args: RunArgs, env: dict[str, str]):
    return pseudonym_key(plan, args.demo, env)


def _not_the_token(plan, key, token: str) -> None:
    from ocpispec.execute.keys import check_not_the_token

    reference = plan.pseudonym_key
    check_not_the_token(key, token, reference.origin if reference else None)


def _moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    from ocpispec.timestamps import TimestampError, read_timestamp

    try:
        return read_timestamp(value)
    except TimestampError:
        raise click.BadParameter("expected a timestamp such as 2026-01-01T00:00:00Z") from None
