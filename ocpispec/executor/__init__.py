"""The executor: runs a plan against an OCPI platform and writes the outputs.

    execute(plan, key=..., connect=..., options=RunOptions(...)) -> RunResult

Everything that can fail without the network (state file, output targets, templates,
compiling the expressions with the run's key) is done before `connect()` is called.
Records stream from the fetch through the compiled transforms into the renderer one
at a time; outputs are written to temporary files and renamed only when every dataset
succeeded, then the manifests, then the state. A failure leaves no output under a
final name and does not advance the state.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ocpispec import plan as ir
from ocpispec.pseudonym_scope import new_run_salt
from ocpispec.executor.client import Client, RunError
from ocpispec.executor.datasets import DatasetResult, DatasetRun, Estimate
from ocpispec.executor.functions import custom_functions
from ocpispec.executor.jmes_compile import ExpressionError, compile_expression
from ocpispec.executor.outputs import OutputError, placeholders, resolve_targets
from ocpispec.executor.pipeline import Counts
from ocpispec.executor.pseudonyms import PseudonymDomain, run_domain
from ocpispec.executor.policy import Policy, Tolerance
from ocpispec.executor.records import run_record, write_run_record
from ocpispec.executor.windows import ResolvedWindow, resolve_window
from ocpispec.state import (
    DatasetState,
    State,
    StateError,
    default_state_path,
    load_state,
    save_state,
)

__all__ = ["Client", "Counts", "DatasetResult", "Estimate", "Policy", "RunError", "RunOptions",
           "RunResult", "Tolerance", "execute", "run_record", "write_run_record"]


@dataclass(frozen=True, slots=True)
class RunOptions:
    out: str | None = None
    limit: int | None = None
    dry_run: bool = False
    state_path: Path | None = None
    use_state: bool = True  # False: `since last run` starts at 2000-01-01, no state written
    spec_dir: Path = Path(".")
    spec_sha256: str | None = None
    now: datetime | None = None
    progress: Callable[[str, int], None] | None = None
    policy: Policy = Policy()       # invalid records, incomplete crawls, empty outputs
    runs_dir: Path | None = None    # the CPO's run records (None: none written)


@dataclass(frozen=True, slots=True)
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


def execute(plan: ir.Plan, *, key: bytes, connect: Callable[[], Client],
            options: RunOptions = RunOptions()) -> RunResult:
    started = time.monotonic()
    now = (options.now or datetime.now(UTC)).replace(microsecond=0)
    state_path = options.state_path or default_state_path(plan.export.name)
    state = _load(state_path, plan.export.name) if options.use_state else State(plan.export.name)
    windows = {d.name: resolve_window(d.step(ir.Fetch).window, state.watermark(d.name), now)
               for d in plan.datasets}
    targets = _targets(plan, options, windows, now)
    compile = _compiler(key, run_domain(plan.export, new_run_salt()))
    runs = [DatasetRun(plan, dataset, windows[dataset.name], targets[dataset.name], compile,
                       options, now) for dataset in plan.datasets]
    for run in runs:
        run.prepare()
    client = connect()
    if options.dry_run:
        results = tuple(run.estimate(client) for run in runs)
        return _result(plan, client, results, started, True, None, now)
    try:
        with _few_collections():
            results = tuple(run.execute(client) for run in runs)
        manifests = [run.commit(client.version) for run in runs]
    except BaseException:
        for run in runs:
            run.discard()
        raise
    results = tuple(result.with_manifest(m) for result, m in zip(results, manifests))
    saved = options.use_state and _save_state(plan, state, state_path, windows, now)
    result = _result(plan, client, results, started, False, state_path if saved else None,
                     now)
    return _recorded(plan, result, options) if options.runs_dir is not None else result


@contextlib.contextmanager
def _few_collections() -> Iterator[None]:
    """The record stream allocates millions of short-lived, acyclic dicts that reference
    counting frees; the cyclic collector scanning them every 700 allocations only costs
    time. It runs rarely during the stream and as usual afterwards."""
    before = gc.get_threshold()
    gc.set_threshold(20_000, before[1], before[2])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _load(path: Path, export: str):
    try:
        return load_state(path, export)
    except StateError as exc:
        raise RunError.of("OCX553", f"cannot use the state file `{path}`: {exc}",
                          help="give --state a file path; repair or delete a damaged file "
                               "(deleting it makes the next `since last run` window start "
                               "at 2000-01-01)") from None


def _targets(plan: ir.Plan, options: RunOptions, windows: dict[str, ResolvedWindow],
             now: datetime):
    values = {d.name: placeholders(plan.export.name, d.name, now, windows[d.name].date_from,
                                   windows[d.name].date_to) for d in plan.datasets}
    try:
        return resolve_targets(plan.datasets, options.out, values)
    except OutputError as exc:
        raise RunError.of("OCX556", str(exc),
                          help="give `--out` a directory, or fix the destination") from None


def _compiler(key: bytes, domain: PseudonymDomain) -> Callable[[str | dict], Any]:
    """The run's compiler, keyed for its pseudonym domain (export, consumer and, with
    `pseudonym scope per run`, a fresh random value that is never stored)."""
    functions = custom_functions(key, domain)
    cache: dict[str, Any] = {}

    def compile(text: str | dict) -> Any:
        if isinstance(text, dict):  # a tree the executor rewrote (see `jmes_fuse`)
            return compile_expression(text, functions)
        if text not in cache:
            try:
                cache[text] = compile_expression(text, functions)
            except ExpressionError as exc:
                raise RunError.of("OCX900", f"the plan holds an invalid expression: {exc}",
                                  help="this is a bug in ocpispec; please report it") from None
        return cache[text]

    return compile


def _save_state(plan: ir.Plan, state, path: Path, windows: dict[str, ResolvedWindow],
                now: datetime) -> bool:
    committed = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    updates = {d.name: DatasetState(windows[d.name].date_to or committed, plan.fingerprint,
                                    committed)
               for d in plan.datasets if d.step(ir.Fetch).window.incremental}
    if not updates:
        return False
    try:
        save_state(path, state.advanced(updates))
    except OSError as exc:
        raise RunError.of("OCX553", f"outputs were written but the state file `{path}` "
                          f"could not be: {exc.strerror}",
                          help="fix the permissions; until then the next run repeats this "
                               "window") from None
    return True


def _recorded(plan: ir.Plan, result: RunResult, options: RunOptions) -> RunResult:
    """The run with the CPO's run record written (see `records`)."""
    policy = options.policy
    given = {"allow_invalid": str(policy.allow_invalid) if policy.allow_invalid else None,
             "accept_incomplete": policy.accept_incomplete,
             "fail_on_empty": policy.fail_on_empty, "limit": options.limit}
    record = run_record(result, spec=plan.spec, spec_sha256=options.spec_sha256,
                        options=given)
    try:
        path = write_run_record(options.runs_dir, record)  # type: ignore[arg-type]
    except OSError as exc:
        raise RunError.of("OCX553", f"outputs and state were written but the run record "
                          f"could not be: {exc.strerror}",
                          help="fix the permissions of the runs directory") from None
    return dataclasses.replace(result, record=path)


def _result(plan: ir.Plan, client: Client, results: tuple[DatasetResult, ...], started: float,
            dry_run: bool, state_path: Path | None, now: datetime) -> RunResult:
    stats = getattr(client, "stats", None)
    requests = getattr(stats, "requests", None)
    return RunResult(plan.export.name, plan.fingerprint, client.version, results,
                     time.monotonic() - started, requests, dry_run, state_path,
                     now.strftime("%Y-%m-%dT%H:%M:%SZ"))
