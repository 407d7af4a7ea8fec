"""What `run` tells once a run is over: the summary on stderr, the assessment, or
`--summary json`'s document on stdout, and the word on a window delivered already.
Apart from `run.py`, which decides what runs; these only say how it went.
"""

from __future__ import annotations

import sys

import click

from ocpispec.cli.run_args import RunArgs
from ocpispec.cli.run_documents import print_document


def report(plan, args: RunArgs, result, notes) -> None:
    """The summary of a run that finished: the assessment, the JSON document or the text
    on stderr, flushed here (a full disk shows while the run is known to be done)."""
    if args.assess and args.summary_format != "json":
        from ocpispec.render.assess_report import assess_text

        click.echo(assess_text(result, notes=(*notes, *result.notes)), nl=False)
    elif args.summary_format == "json":
        json_summary(args, plan, result, None, notes)
    elif not args.quiet:
        from ocpispec.render.run_summary import summary_text

        notes = [*notes, *result.notes]
        click.echo(summary_text(result, notes=tuple(notes)), err=True, nl=False)
    sys.stdout.flush()
    sys.stderr.flush()


def skipped(plan, args: RunArgs, end: str, into: str | None = None) -> None:
    """A run whose calendar window was delivered already, or whose file the run it waited
    for delivered into (`into`), said on stderr and in JSON."""
    if into is not None:
        said = (f"another run of the export delivered its window up to {end} into "
                f"`{into}` while this run waited for its lock; this run delivers nothing "
                f"and leaves the state at {end}: the records updated since come with the "
                "next run")
    elif args.catching_up:
        said = (f"the window ending at {end} was delivered meanwhile (by another run of "
                "the export); it is not caught up again")
    else:
        said = (f"the window ending at {end} was delivered already; this run is skipped "
                f"(to deliver it again: --as-of {end})")
    click.echo(said, err=True)
    json_summary(args, plan, None, None, (said,), skipped=end)


def json_summary(args: RunArgs, plan, result, diagnostic, notes=(), *,
                 skipped: str | None = None) -> None:
    """`--summary json`: one document on stdout per run (see run_json)."""
    if args.summary_format != "json":
        return
    from ocpispec.render.run_json import run_json

    print_document(run_json(plan, result, diagnostic, notes, skipped=skipped, assessed=args.assess))
