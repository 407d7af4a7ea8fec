"""What `run` checks and logs on its way to the executor: the approval a spec must have
(before any request), and the disclosure-log entry of a run that fails before the
executor starts (a refused approval, no key, no source), as the executor logs its own.
Apart from `run.py`, which sequences a run; the gate and its log entry are their own.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from pathlib import Path

import click

from ocpispec.cli.plan import show_spec_diagnostics
from ocpispec.cli.run_args import RunArgs
from ocpispec.cli.run_report import json_summary


def checked_approval(plan, args: RunArgs) -> dict | None:
    """A spec that must be approved runs only with a valid approval (before any request)."""
    from ocpispec.approval.gate import check_approval
    from ocpispec.approval.requirement import configured
    from ocpispec.execute import RunError

    try:
        with logged_if_it_fails(plan, args):  # a refused run is in the disclosure log too
            approval = check_approval(args.spec, plan, dict(os.environ), args.allowed_signers,
                                      args.settings.destinations if args.settings else None,
                                      delivers=args.out is None,
                                      output_root=args.settings.get("output_root")
                                      if args.settings else None,
                                      configured=configured(args.settings)
                                      if args.settings else None)
    except RunError as exc:
        show_spec_diagnostics([exc.diagnostic], args.spec)
        json_summary(args, plan, None, exc.diagnostic)  # `--follow`'s later runs too
        sys.exit(1)
    if approval and not args.quiet:
        click.echo(f"approval: approved by {approval['approved_by']} at "
                   f"{approval['approved_at']} (privacy fingerprint "
                   f"{plan.short_privacy_fingerprint}, {approval['record']})", err=True)
    return approval


@contextlib.contextmanager
def logged_if_it_fails(plan, args: RunArgs):
    """A run that fails before the executor starts (no key, no source) is logged in the
    disclosure log too, as the executor logs its own failures."""
    from ocpispec.execute import RunError
    from ocpispec.ocpi import OcpiError

    try:
        yield
    except (RunError, OcpiError) as exc:
        if not args.dry_run and not args.assess and \
                (args.state_path is not None or not args.demo):
            from ocpispec.execute import RunOptions
            from ocpispec.execute.statekeeping import log_failure
            from ocpispec.ledger import default_ledger_path

            options = RunOptions(limit=args.limit, spec_sha256=spec_sha256(args.spec),
                                 now=args.as_of, demo=args.demo)
            log_failure(plan, options, args.state_path or default_ledger_path(), exc)
        raise


def spec_sha256(spec: Path) -> str:
    return hashlib.sha256(spec.read_bytes()).hexdigest()
