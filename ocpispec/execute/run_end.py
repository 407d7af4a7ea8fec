"""The end of a run: every dataset run and timed, then its files, the state and the
run's log entry committed as one; or, under `run --assess`, measured and logged only;
and the run's result."""

from __future__ import annotations

import dataclasses
import functools
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ocpispec.frozen import frozen
from ocpispec.plan import ir
from ocpispec.execute.client import Client
from ocpispec.gc_tuning import fewer_collections
from ocpispec.logs import RUN

if TYPE_CHECKING:
    from ocpispec.execute.run_options import RunOptions
    from ocpispec.execute.run_setting import Setting
    from ocpispec.execute.datasets import DatasetRun
    from ocpispec.execute.dataset_result import DatasetResult

ASSESSMENT_LOGGED = "the figures are logged in the ledger"
ASSESSMENT_UNLOGGED = "the figures could not be logged in the ledger"


@frozen
class RunResult:
    export: str
    fingerprint: str
    version: str
    datasets: tuple[DatasetResult, ...]
    duration: float
    requests: int | None
    dry_run: bool
    state_path: Path | None
    run_at: str = ""
    record: Path | None = None      # the CPO's run record, when one was written
    notes: tuple[str, ...] = ()
    stopped_by: str | None = None  # a stop signal that arrived during the commit
    record_data: dict[str, Any] | None = None  # the run record itself (`run --summary json`)


def committed(setting: Setting, client: Client, runs: list[DatasetRun], logins: Any,
              screens: dict, platform: Any, options: RunOptions, state_path: Path,
              locked: bool) -> RunResult:
    """Every dataset run and staged, then its files, the state and the run's log entry
    committed as one (`statekeeping.commit`); a failure before the commit discards them."""
    from ocpispec.execute import deliveries, statekeeping
    from ocpispec.execute.recorded import recorded
    from ocpispec.execute.replacing import destinations_held
    from ocpispec.execute.signals import deferred_signals

    plan, notes, now, started = setting.plan, setting.notes, setting.now, setting.started
    outbox = None
    try:
        with fewer_collections():
            results = tuple(_timed(run, client) for run in runs)
        for run in runs:
            run.manifest_extra = statekeeping.manifest_extra(run, setting.changes, screens,
                                                             options)
        staged = [(run.dataset.name, file) for run in runs for file in run.stage(client.version)]
        files = [file for _, file in staged]
        new_state = statekeeping.advanced(plan, setting.tracked, setting.state,
                                          setting.windows, setting.wall, screens,
                                          platform, {run.dataset.name: run.listed
                                                     for run in runs}) if setting.advancing else None
        entry = statekeeping.log_entry(
            plan, options, run_result(plan, client, results, started, False, None, notes, now),
            staged, setting.targets.values()) if options.use_state else None
        local, outbox = deliveries.upload(files, setting.targets, logins)
        held = functools.partial(destinations_held, plan, setting.targets, setting.windows,
                                 options.limit is not None, state_path, outbox=outbox)
        with deferred_signals(hold=True) as deferred:
            committing = time.monotonic()
            if locked or entry is None:
                with held():
                    statekeeping.commit(local, state_path if locked else None, new_state,
                                        plan.export.name, entry, outbox)
            else:  # no state to keep, but the run's log entry commits with its files
                notes.extend(statekeeping.commit_logged(local, state_path, plan.export.name,
                                                        entry, outbox, options.destinations,
                                                        held))
            _stage("commit", None, time.monotonic() - committing, len(files))
    except BaseException as exc:
        if not isinstance(exc, statekeeping.CommitPendingError):  # keep what recovery needs
            for run in runs:
                run.discard()
            if outbox is not None:
                outbox.abort()
        raise
    finally:
        if outbox is not None:
            outbox.close()
    results = tuple(result.with_manifest(run.manifest()) for result, run in zip(results, runs))
    notes.extend(statekeeping.lookback_notes(screens))
    result = run_result(plan, client, results, started, False,
                        state_path if new_state is not None else None, notes, now,
                        deferred.stop_requested)
    return recorded(plan, result, options)


def assessed(plan: ir.Plan, client: Client, runs: list[DatasetRun], options: RunOptions,
             state_path: Path, started: float, notes: list[str], now: datetime) -> RunResult:
    """`run --assess`: every dataset fetched and measured, nothing rendered, staged or
    committed, the state untouched; the figures are logged in the ledger's history (as
    an `assessed` run) when the run keeps state, so the review can show them."""
    from ocpispec.execute.recorded import recorded

    try:
        with fewer_collections():
            results = tuple(_timed(run, client) for run in runs)
    finally:
        for run in runs:
            run.discard()
    result = run_result(plan, client, results, started, False, None, notes, now)
    if options.use_state:
        from ocpispec.execute import statekeeping

        entry = statekeeping.log_entry(plan, options, result, [])
        # the report is the assessment: a ledger that cannot be written costs the review
        # its figures, said here, and never the report (it said the outputs were published)
        failed = statekeeping.log_assessment(state_path, entry)
        note = (f"{ASSESSMENT_LOGGED} `{state_path}` (outcome `assessed`)" if failed is None
                else f"{ASSESSMENT_UNLOGGED} `{state_path}`: {failed}; `ocpispec review` "
                     "does not show them: fix the cause (space, the ledger's directory) and "
                     "assess again")
        result = dataclasses.replace(result, notes=(*result.notes, note))
    return recorded(plan, result, dataclasses.replace(options, runs_dir=None))


def _timed(run: DatasetRun, client: Client) -> DatasetResult:
    """A dataset's fetch, transform and render, logged as one stage."""
    started = time.monotonic()
    result = run.execute(client)
    _stage("dataset", run.dataset.name, time.monotonic() - started, result.counts.read)
    return result


def _stage(stage: str, dataset: str | None, seconds: float, records: int) -> None:
    what = f"{stage} `{dataset}`" if dataset else stage
    unit = "records read" if stage == "dataset" else "files"
    RUN.info("%s: %.3f s, %d %s", what, seconds, records, unit,
             extra={"event": "stage", "stage": stage, "dataset": dataset,
                    "seconds": round(seconds, 4), "records": records})


def run_result(plan: ir.Plan, client: Client, results: tuple[DatasetResult, ...], started: float,
               dry_run: bool, state_path: Path | None, notes: list[str], now: datetime,
               stopped_by: str | None = None) -> RunResult:
    stats = getattr(client, "stats", None)
    requests = getattr(stats, "requests", None)
    return RunResult(plan.export.name, plan.fingerprint, client.version, results,
                     time.monotonic() - started, requests, dry_run, state_path,
                     now.strftime("%Y-%m-%dT%H:%M:%SZ"), None, tuple(notes), stopped_by)
