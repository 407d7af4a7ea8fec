"""Where a run writes, as the command line and the spec say: notes on an `--out`
that may not mean what it says, and the folder of the CPO's run records."""

from __future__ import annotations

import os
from pathlib import Path

from ocpispec.cli.run_args import RunArgs


def out_notes(plan, out: str | None) -> list[str]:
    """`--out exports` with no such directory writes one file named `exports`: said,
    as a name without an extension is often meant as a folder."""
    from ocpispec import formats

    if out is None or out == "-" or len(plan.datasets) != 1 or out.endswith(("/", "\\")):
        return []
    described = formats.describe(out)
    if described.extension is not None or described.compression_suffix is not None \
            or os.path.lexists(out):
        return []
    return [f"--out: `{out}` is written as a file without an extension (no directory of "
            f"that name exists); for a directory, write `--out {out}/` (created if missing)"]


def delivers_remotely(plan, out: str | None) -> bool:
    from ocpispec import formats
    from ocpispec.plan import ir

    return out is None and any(
        (destination := d.step(ir.Render).destination) is not None
        and formats.url_scheme(destination) in formats.REMOTE_SCHEMES
        for d in plan.datasets)


def writes_stdout(plan, out: str | None) -> bool:
    from ocpispec.plan import ir

    if out is not None:
        return out == "-"
    return any(d.step(ir.Render).destination is None for d in plan.datasets)


def runs_dir(args: RunArgs) -> Path | None:
    """The CPO's run records live beside the ledger: `.ocpispec/runs/`, or `runs/` in
    the directory of `--state`. Demo runs without `--state` keep none, as no state."""
    from ocpispec.ledger import default_ledger_path

    set_by_user = args.settings and not args.settings.origin("runs_dir").startswith("built-in")
    configured = args.settings.get("runs_dir") if set_by_user else None
    if configured is not None:
        return None if args.demo and args.state_path is None else Path(configured)
    if args.state_path is not None:
        return args.state_path.parent / "runs"
    return None if args.demo else default_ledger_path().parent / "runs"
