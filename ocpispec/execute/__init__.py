"""The executor: runs a plan against an OCPI platform and writes the outputs.

    execute(plan, key=..., connect=..., options=RunOptions(...)) -> RunResult

Everything that can fail without the network (state file, output targets, templates,
compiling the expressions with the run's key) is done before `connect()` is called.
Records stream from the fetch through the compiled transforms into the renderer one
at a time; outputs and manifests are written to temporary files and published with the
state advance as one recoverable commit (`journal`) only when every dataset succeeded.
A failure before the commit leaves no output under a final name and does not advance
the state; a crash during it is finished by the next run. A run that keeps state holds
the export's lock (`lock`); watermarks never move back or into the future; a sample
(`--limit`) never moves them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ocpispec.plan import ir
from ocpispec.execute.client import Client, RunError
from ocpispec.execute.delivered import DeliveredMeanwhile
from ocpispec.execute.policy import Policy, Tolerance
from ocpispec.execute.run_options import RunOptions
from ocpispec.text import count

if TYPE_CHECKING:
    from ocpispec.execute.run_setting import Setting
    from ocpispec.execute.datasets import DatasetRun
    from ocpispec.execute.dataset_result import DatasetResult, Estimate
    from ocpispec.execute.pipeline import Counts
    from ocpispec.execute.run_end import RunResult

# The run's machinery (outputs, templates, the ledger, the expression compiler) loads on
# first use, so that `get`, which needs only the policy and the audited fetch, starts fast.
_LAZY = {"CLOCK_SKEW": "statekeeping", "Counts": "pipeline", "DatasetResult": "dataset_result",
         "Estimate": "dataset_result", "run_record": "records", "write_run_record": "records",
         "ASSESSMENT_LOGGED": "run_end", "ASSESSMENT_UNLOGGED": "run_end", "RunResult": "run_end"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"ocpispec.execute.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["CLOCK_SKEW", "Client", "Counts", "DatasetResult", "DeliveredMeanwhile", "Estimate",
           "Policy", "RunError", "RunOptions", "RunResult", "Tolerance", "execute", "run_record",
           "wall_clock", "write_run_record"]


def execute(plan: ir.Plan, *, key: bytes, connect: Callable[[], Client],
            options: RunOptions = RunOptions()) -> RunResult:
    """Everything between the state lock and the commit. A run of a `since last run`
    export holds the export's lock throughout and first finishes a commit a crashed run
    left; other exports have no state to keep in step with their outputs."""
    from ocpispec.execute import statekeeping
    from ocpispec.gc_tuning import streaming
    from ocpispec.ledger import default_ledger_path

    state_path = options.state_path or default_ledger_path()
    tracked = any(d.step(ir.Fetch).window.tracked for d in plan.datasets)
    locked = options.use_state and not options.dry_run and tracked and not options.assess
    if options.use_state and not options.dry_run and not options.assess:
        statekeeping.check_kind(state_path)  # before the lock and the failure log beside it
    from ocpispec.execute.atomic import owned_by

    ledger = state_path if options.use_state else None  # whose commits its files may be
    # a run's resident set stays flat (`heap_tuning`); `get` does not pay for it: mapping
    # each large block costs it a sixth more CPU (bench_get, 200,000 sessions, -w 2)
    from ocpispec.heap_tuning import return_large_blocks

    return_large_blocks()
    try:
        with _locked(state_path, plan.export.name, options) if locked \
                else contextlib.nullcontext(False) as meanwhile, streaming(), \
                owned_by(ledger), _memory_named():
            return _execute(plan, key, connect, options, state_path, locked, meanwhile)
    except DeliveredMeanwhile:
        raise
    except BaseException as exc:
        if options.use_state and not options.dry_run and not options.assess:
            statekeeping.log_failure(plan, options, state_path, exc)
        raise


@contextlib.contextmanager
def _locked(state_path: Path, export: str, options: RunOptions) -> Iterator[bool]:
    """The export's lock, and whether it was taken after the run this one waited for
    committed (`--wait-lock`): a delivery that run made into this run's files then ends
    this run as delivered meanwhile (`delivered.skip_if_replaced_meanwhile`), not OCX556."""
    from ocpispec.execute.lock import run_lock
    from ocpispec.ledger import commits_seen

    with run_lock(state_path, export, options.wait_lock,
                  lambda: commits_seen(state_path, export)) as waited:
        yield waited.committed_meanwhile


@contextlib.contextmanager
def _memory_named() -> Iterator[None]:
    """A run that runs out of memory, or of threads (a limit on its address space, a
    container's), fails with OCX561, logged as such; it was an internal error, 'a bug in
    ocpispec'."""
    from ocpispec.launch.guard import out_of_memory

    try:
        yield
    except (MemoryError, RuntimeError) as exc:
        if (diagnostic := out_of_memory(exc)) is None:
            raise
        raise RunError(diagnostic) from None


def _execute(plan: ir.Plan, key: bytes, connect: Callable[[], Client], options: RunOptions,
             state_path: Path, locked: bool, meanwhile: bool) -> RunResult:
    from ocpispec.execute import deliveries, statekeeping
    from ocpispec.execute.run_setting import check_targets, settled
    from ocpispec.execute.run_targets import run_targets
    from ocpispec.execute.windows import check_started
    from ocpispec.ledger.leftovers import remove_leftovers
    from ocpispec.scratch import remove_stale_scratch

    swept = remove_stale_scratch()  # what runs killed before this one could not remove
    remove_leftovers(state_path)  # a new ledger's file a kill left unfinished
    started = time.monotonic()
    wall = wall_clock().replace(microsecond=0)
    now = (options.now or wall).replace(microsecond=0)
    notes = statekeeping.recover(state_path, plan.export.name, options.destinations) \
        if locked else []
    if options.use_state and not options.dry_run and not options.assess:
        from ocpispec.execute.recorded import missing_record_notes

        notes.extend(missing_record_notes(state_path, plan.export.name, options.runs_dir))
    if swept:
        notes.append(f"removed {count(len(swept), 'scratch folder', grouped=True)} that runs "
                     f"killed earlier left in {swept[0].parent}")
    setting = settled(plan, key, options, state_path, locked, started, wall, now, notes)
    if options.runs_dir is not None and not options.dry_run and not options.assess:
        from ocpispec.execute.recorded import check_records_writable

        check_records_writable(options.runs_dir, plan.export.name)
    check_started(setting.plan, setting.windows, max(now, wall))  # a demo's clock is the data's end
    targets = run_targets(setting.plan, options, setting.windows, now)
    try:
        if meanwhile:
            from ocpispec.execute.delivered import skip_if_replaced_meanwhile

            skip_if_replaced_meanwhile(setting.plan, targets, setting.windows)
        setting = dataclasses.replace(setting, targets=targets, meanwhile=meanwhile)
        check_targets(setting, options, state_path)
        return _deliver(setting, key, connect, options, state_path, locked)
    finally:
        deliveries.cleanup(targets)


def _deliver(setting: Setting, key: bytes, connect: Callable[[], Client], options: RunOptions,
             state_path: Path, locked: bool) -> RunResult:
    from ocpispec.execute import deliveries, statekeeping
    from ocpispec.execute.run_end import assessed, committed, run_result
    from ocpispec.execute.run_targets import run_targets

    plan, targets, now = setting.plan, setting.targets, setting.now
    runs = _dataset_runs(setting, key, options, state_path)
    if options.assess:
        return assessed(plan, connect(), runs, options, state_path, setting.started,
                        setting.notes, now)
    from ocpispec.ledger import pending_remote

    delivered: dict[str, bytes | None] = {}
    # a dry run writes nothing, on the servers neither: their leftovers are not swept
    templates = {} if options.dry_run else {d.name: d.step(ir.Render).destination
                                             for d in plan.datasets}
    earlier: dict[str, Any] = {}
    looked = _looked_back(setting, options)
    logins = deliveries.prepare(targets, {d.name: d.step(ir.Render).origin
                                          for d in plan.datasets}, setting.notes, templates,
                                options.destinations, delivered,
                                plan.export.name, pending_remote(state_path),
                                probe=not options.dry_run, look_back=looked, earlier=earlier)
    if earlier:
        from ocpispec.execute.first_runs import check_remote

        setting.notes.extend(check_remote(plan, targets, setting.windows, setting.state,
                                                  earlier, state_path))
    if delivered and not options.dry_run:
        from ocpispec.execute.replacing import check_remote_replacements

        if setting.meanwhile:
            from ocpispec.execute.delivered import skip_if_replaced_meanwhile

            skip_if_replaced_meanwhile(plan, targets, setting.windows, delivered)

        check_remote_replacements(plan, targets, setting.windows, delivered,
                                  options.limit is not None, state_path)
    client = connect()
    from ocpispec.execute.platform_clock import follow_platform_clock
    from ocpispec.execute.platform_identity import check_same_platform, identity

    platform = identity(client, options.demo) if setting.advancing else None
    check_same_platform(plan, setting.tracked, setting.state, platform, state_path, options)

    windows = follow_platform_clock(
        plan, client, options, runs, setting.windows, targets, logins, now, setting.wall,
        state_path, lambda capped: run_targets(plan, options, capped, now))
    setting = dataclasses.replace(setting, windows=windows)
    screens = statekeeping.screens(runs, setting.state, key, options) if options.use_state else {}
    if (setting.advancing or options.dry_run and options.use_state) \
            and not options.restart and options.limit is None:
        for run in runs:  # the last window's count, asked again after the crawl
            stored = setting.state.datasets.get(run.dataset.name)
            run.listed_before = stored.listed if stored is not None else None
    if options.dry_run:
        results = tuple(run.estimate(client) for run in runs)
        return run_result(plan, client, results, setting.started, True, None, setting.notes, now)
    return committed(setting, client, runs, logins, screens, platform, options, state_path,
                     locked)


def _looked_back(setting: Setting, options: RunOptions) -> dict[str, float | None]:
    """The servers' earlier deliveries to read (`first_runs.look_back`), for the runs
    whose local folders `run_setting.check_targets` looks in for them."""
    if not options.use_state or options.restart or options.limit is not None \
            or options.dry_run or options.assess:
        return {}
    from ocpispec.execute.first_runs import look_back

    return look_back(setting.plan, setting.tracked, setting.targets, setting.windows,
                     setting.state)


def _dataset_runs(setting: Setting, key: bytes, options: RunOptions,
                  state_path: Path) -> list[DatasetRun]:
    """The datasets' runs, compiled with the run's key and prepared (templates found)."""
    from ocpispec.execute import statekeeping
    from ocpispec.execute.datasets import DatasetRun
    from ocpispec.execute.pseudonyms import run_domain
    from ocpispec.execute.run_compiler import run_compiler
    from ocpispec.execute.shared_lookups import SharedLookups
    from ocpispec.language.pseudonym_scope import new_run_salt

    plan = setting.plan
    if not options.assess:
        statekeeping.remove_leftovers(setting.targets.values(),
                                      state_path if options.use_state else None)
    compile = run_compiler(key, run_domain(plan.export, new_run_salt()))
    shared = SharedLookups()  # a table two datasets read is fetched once
    runs = [DatasetRun(plan, dataset, setting.windows[dataset.name],
                       setting.targets[dataset.name], compile, options, setting.now, shared)
            for dataset in plan.datasets]
    for run in runs:
        run.prepare()
    return runs


def wall_clock() -> datetime:
    """The real time (tests replace it to move the clock back)."""
    return datetime.now(UTC)


