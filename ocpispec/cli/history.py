"""`ocpispec history [EXPORT]`: the disclosure log; `--register`: what each consumer
received, for the register of processing activities (GDPR Art. 30)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ocpispec.cli.ledger_option import ledger_file
from ocpispec.cli.plan import show_diagnostics
from ocpispec.diagnostics import error

LIST_FORMATS = ("text", "json", "csv")
REGISTER_FORMATS = ("markdown", "html")


@click.command("history")
@click.argument("export", required=False)
@click.option("--since", metavar="DATE", help="Only runs recorded at or after DATE (UTC; "
              "2026-01-01 or 2026-01-01T12:00:00Z).")
@click.option("--register", is_flag=True, help="Per consumer, what was disclosed: categories "
              "of data (columns with their privacy class), purpose, legal basis, retention, "
              "dates and row counts.")
@click.option("--format", "form", type=click.Choice(LIST_FORMATS + REGISTER_FORMATS),
              help="text, json or csv for the list [default: text]; markdown or html for "
                   "--register [default: markdown].")
@click.option("--ledger", "--state", "ledger_path", type=click.Path(), callback=ledger_file,
              metavar="PATH", help="The ledger [default: the configured state_dir's, "
              "$OCPISPEC_LEDGER or .ocpispec/ledger.sqlite].")
def history(export: str | None, since: str | None, register: bool, form: str | None,
            ledger_path: Path | None) -> None:
    """List the runs in the disclosure log, oldest first: who ran what, when, with which
    spec and plan, the windows, every count, the files with their sha256, the outcome.

    No record value, token or key is ever logged. With --register, print per consumer
    what was disclosed, the records an Art. 30 register needs.
    """
    from ocpispec.cli.configured import command_config, configured_ledger
    from ocpispec.ledger import LedgerError
    from ocpispec.ledger import query, report

    form = _form(form, register)
    path = ledger_path or configured_ledger(command_config())
    if not path.exists():    # "No runs logged", and a register of nothing, were not true
        show_diagnostics([_no_ledger(path, ledger_path is not None)])
        sys.exit(1)
    try:
        runs = query.logged_runs(path, export, _since(since))
    except LedgerError as exc:
        from ocpispec.ledger.state import UPGRADE_HELP

        show_diagnostics([error("OCX620", f"cannot read the ledger `{path}`: {exc}",
                                help=UPGRADE_HELP if exc.newer else
                                "give --ledger the path of an ocpispec ledger")])
        sys.exit(1)
    where = str(path)
    if not runs and export is not None:
        _no_runs_of(path, export, since)
    if register:
        text = report.register_html(runs, where) if form == "html" else \
            report.register_markdown(runs, where)
    else:
        text = {"text": lambda: report.history_text(runs, where),
                "json": lambda: report.history_json(runs),
                "csv": lambda: report.history_csv(runs)}[form]()
    click.echo(text, nl=False)


def _no_ledger(path: Path, given: bool):
    """A ledger that is not there said "No runs logged in LEDGER" (exit 0), and
    `--register` wrote a register of nothing: an auditor in the wrong folder read that
    nothing was disclosed. Said as what it is, with where runs keep their ledger."""
    found = () if given else ("without `--ledger`, `history` reads the ledger of the configured "
                              "`state_dir`, else `$OCPISPEC_LEDGER`, else `.ocpispec/ledger.sqlite` "
                              "in the current folder",)
    return error("OCX620", f"there is no ledger at `{path}`: no run logged here",
                 notes=(*found, "a run logs in the ledger of the folder it ran in "
                        "(`.ocpispec/ledger.sqlite` there), of its project's `state_dir`, or of "
                        "its `--state`"),
                 help="run `history` in the folder the runs ran in, or give `--ledger` the ledger's path")


def _no_runs_of(path: Path, export: str, since: str | None) -> None:
    """A mistyped EXPORT read "No runs logged in LEDGER", as if the log were empty:
    said on stderr, with the export meant."""
    import difflib

    from ocpispec.ledger import LedgerError
    from ocpispec.ledger.query import logged_exports

    try:
        known = logged_exports(path)
    except LedgerError:
        return
    if not known or export in known:
        if since is not None and export in known:
            click.echo(f"note: `{export}` has runs logged before {since} only", err=True)
        return
    close = difflib.get_close_matches(export, known, n=1, cutoff=0.6)
    hint = f"did you mean `{close[0]}`?" if close else \
        f"it logs runs of {', '.join(f'`{name}`' for name in known)}"
    click.echo(f"note: the ledger has no run of `{export}`; {hint}", err=True)


def _form(form: str | None, register: bool) -> str:
    allowed = REGISTER_FORMATS if register else LIST_FORMATS
    if form is None:
        return allowed[0]
    if form not in allowed:
        what = "--register" if register else "the list of runs"
        raise click.BadParameter(f"{form} is not a form of {what}; use "
                                 f"{' or '.join(allowed)}", param_hint="--format")
    return form


def _since(value: str | None) -> str | None:
    if value is None:
        return None
    from ocpispec.timestamps import TimestampError, format_timestamp, read_timestamp

    try:
        return format_timestamp(read_timestamp(value))
    except TimestampError:
        raise click.BadParameter("expected a date such as 2026-01-01 or a UTC timestamp "
                                 "such as 2026-01-01T12:00:00Z", param_hint="--since") from None
