"""A run's record kept with the CPO: made once the run committed, and written under
`runs_dir` (a failure to write it is its own error: the delivery stands)."""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path
from typing import Any

from ocpispec.execute.client import RunError
from ocpispec.execute import records
from ocpispec.plan import ir


def recorded(plan: ir.Plan, result: Any, options: Any) -> Any:
    """The run with the CPO's run record (see `records`): kept on the result, and written
    under `runs_dir` when there is one."""
    policy = options.policy
    given = {"allow_invalid": str(policy.allow_invalid) if policy.allow_invalid else None,
             "accept_incomplete": policy.accept_incomplete,
             "fail_on_empty": policy.fail_on_empty, "limit": options.limit,
             **({"release_again": True} if options.release_again else {})}
    record = records.run_record(result, spec=plan.spec, spec_sha256=options.spec_sha256,
                        options=given)
    record.update(privacy_fingerprint=plan.privacy_fingerprint, approval=options.approval)
    result = dataclasses.replace(result, record_data=record)
    if options.runs_dir is None:
        return result
    try:
        path = records.write_run_record(options.runs_dir, record)  # type: ignore[arg-type]
    except OSError as exc:
        raise unrecorded_error(options.runs_dir, exc) from None  # type: ignore[arg-type]
    return dataclasses.replace(result, record=path)


def unrecorded_error(runs_dir: Path, exc: OSError) -> RunError:
    """The run record failed after the commit: the delivery stands (the ledger logged
    it; logging a failure too listed the run twice), and running the window again
    would deliver it twice."""
    import errno

    from ocpispec.execute.statekeeping import UnrecordedError

    full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return UnrecordedError.of(
        "OCX553", f"outputs and state were written but the run record could not be: "
                  f"{exc.strerror or exc.__class__.__name__}",
        notes=(f"the run record belongs in `{runs_dir}`",
               "the outputs are delivered and the state moved on: the next run continues "
               "after this window (do not run it again with --as-of), and the ledger's "
               "disclosure log holds the run"),
        help=("free space where the runs directory lies" if full else
              "make the runs directory writable (or set `runs_dir` in the configuration)"))


def missing_record_notes(state_path: Path, export: str, runs_dir: Path | None) -> list[str]:
    """A note when the run of `export` that published last has no run record: it was
    killed after its commit, before writing it (or the record was moved). Its files are
    delivered and the ledger logged it; without a word the CPO's runs directory simply
    missed a delivery. The next run names it, once: its own record follows."""
    from ocpispec.ledger import LedgerError
    from ocpispec.ledger.query import last_published_run

    if runs_dir is None:
        return []
    try:
        last = last_published_run(state_path, export)
    except (LedgerError, OSError):
        return []  # the run itself says what is wrong with the ledger
    if last is None or not last.get("run_at"):
        return []
    path = records.run_record_path(runs_dir, export, last["run_at"])
    if path.exists() or any(path.parent.glob(f"{path.stem}-*.json")):
        return []
    return [f"the run of `{export}` at {last['run_at']} (logged {last['recorded_at']}, "
            f"{last['outcome']}) left no run record in `{path.parent}`: it was stopped after "
            "its commit, before writing it (or the record was moved); its files were "
            "delivered and the state moved on, and the ledger's disclosure log holds what it "
            f"delivered (`ocpispec history {export}`), not the counts only its record kept"]


def check_records_writable(runs_dir: Path, export: str) -> None:
    """Fail before fetching, not after the commit, when the run record cannot be written
    (a read-only mount, a file in the directory's place, a full disk): met after the
    commit, the run exited 1 with its window delivered, which a scheduler's retry with
    `--as-of` delivered again. The probe is a temporary file of a record's size; it and
    the folders it made are removed, so a run that fails later leaves nothing there."""
    from ocpispec.execute.atomic import AtomicFile

    folder = records.run_record_path(runs_dir, export, "check").parent
    missing = [path for path in (folder, *folder.parents) if not path.exists()]
    try:
        probe = AtomicFile(folder / "write-check.json")
        try:
            probe.stream.write(" " * 4096)
            probe.finish()
        finally:
            probe.discard()
    except OSError as exc:
        raise _unwritable(runs_dir, exc) from None
    finally:
        for path in missing:  # innermost first; a folder another run wrote into stays
            with contextlib.suppress(OSError):
                path.rmdir()


def _unwritable(runs_dir: Path, exc: OSError) -> RunError:
    from ocpispec.execute.commit_failures import disk_full

    reason = ("a part of its path is a file, not a directory"
              if isinstance(exc, (FileExistsError, NotADirectoryError))
              else exc.strerror or exc.__class__.__name__)
    return RunError.of(
        "OCX553", f"the runs directory `{runs_dir}` cannot take the run record: {reason}",
        notes=("checked before fetching: nothing was read or written, and the state did "
               "not move",),
        help=(f"free space on the disk that holds `{runs_dir}` (or raise the quota)"
              if disk_full(exc) else "make it a writable directory")
        + ", or set `runs_dir` in the configuration (`OCPISPEC_RUNS_DIR`)")
