"""The disclosure log's entries of a run: committed or a sample, assessed, failed or
interrupted, with the approval it went on with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ocpispec import ledger
from ocpispec.execute.commit_failures import CommitPendingError, LedgerDamagedError, LedgerGoneError, UnrecordedError
from ocpispec.ledger import LedgerError
from ocpispec.plan import ir


def log_entry(plan: ir.Plan, options: Any, result: Any, staged: list,
              targets: Any = ()) -> dict[str, Any]:
    """The run's disclosure-log entry; files spooled for a remote target (`targets`)
    are logged under their remote destination, not the local spool."""
    from ocpispec.formats.remote import redact

    remotes = {target.path.parent: redact(target.remote.at(target.remote.directory).url)
               for target in targets if target.remote is not None and target.path is not None}
    outcome = "sample" if options.limit is not None else "committed"
    entry = ledger.new_entry(plan, spec_sha256=options.spec_sha256, run_at=result.run_at,
                             outcome=outcome, limit=options.limit,
                             source="demo" if options.demo else None,
                             privacy_fingerprint=options.privacy_fingerprint
                             or plan.privacy_fingerprint or None,
                             approval=approval_text(options.approval))
    return ledger.with_result(entry, plan, result, staged, remotes)


def log(path: Path, entry: dict[str, Any], *, published: bool) -> None:
    """Log a run outside the commit (an export without state)."""
    try:
        ledger.record(path, entry)
    except (OSError, LedgerError) as exc:
        if not published:
            return
        reason = exc.strerror if isinstance(exc, OSError) else exc
        raise UnrecordedError.of(
            "OCX553", f"the outputs were published but the run could not be logged in the "
                      f"ledger `{path}`: {reason}",
            help="fix the cause (the ledger's directory, space, a lock held elsewhere)") \
            from None


def log_assessment(path: Path, entry: dict[str, Any]) -> str | None:
    """Log a `run --assess` (nothing was published): None once logged, else why not."""
    try:
        ledger.record(path, entry | {"outcome": "assessed"})
    except (OSError, LedgerError) as exc:
        return str(exc.strerror if isinstance(exc, OSError) else exc)
    return None


def log_failure(plan: ir.Plan, options: Any, path: Path, exc: BaseException) -> None:
    """Log a run that failed or was interrupted, best effort: the failure itself is
    what the user must see. A commit stopped half way is logged by the run that
    finishes it; a committed run whose record file failed, by its commit."""
    if isinstance(exc, CommitPendingError | UnrecordedError):  # logged by its commit
        return
    if isinstance(exc, LedgerGoneError | LedgerDamagedError):  # a stray ledger; spread damage
        return
    diagnostic = getattr(exc, "diagnostic", None)
    if diagnostic is not None:
        outcome, code = "failed", diagnostic.code
    elif isinstance(exc, Exception):
        outcome, code = "failed", "internal"
    else:
        outcome, code = "interrupted", exc.__class__.__name__
    now = options.now.strftime("%Y-%m-%dT%H:%M:%SZ") if options.now else None
    entry = ledger.new_entry(plan, spec_sha256=options.spec_sha256, run_at=now,
                             outcome=outcome, code=code, limit=options.limit,
                             source="demo" if options.demo else None,
                             privacy_fingerprint=options.privacy_fingerprint
                             or plan.privacy_fingerprint or None,
                             approval=approval_text(options.approval))
    log(path, entry, published=False)


def approval_text(approval: dict | str | None) -> str | None:
    """The approval a run went on with, as the log keeps it: who, when, which record."""
    if approval is None or isinstance(approval, str):
        return approval
    return (f"{approval.get('approved_by')} at {approval.get('approved_at')} "
            f"({approval.get('record')})")
