"""`ocpispec review SPEC`: the page a privacy officer reads and signs."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from ocpispec.cli.ledger_option import ledger_file
from ocpispec.cli.plan import build_checked_plan, show_diagnostics, show_spec_diagnostics

FORMATS = ("html", "markdown", "json")
_BY_SUFFIX = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown",
              ".json": "json"}


def _file(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    """`-o reviews/` wrote a file named `reviews` (the slash dropped): -o names a file."""
    if value is not None and value.endswith(("/", os.sep)):
        raise click.BadParameter(f"`{value}` names a folder; -o takes a file name, e.g. "
                                 f"`-o {value.rstrip('/' + os.sep) or '.'}/review.html`")
    return None if value is None else Path(value)


@click.command("review")
@click.argument("spec", type=click.Path(path_type=Path))
@click.option("--format", "format_", type=click.Choice(FORMATS), default=None,
              help="Form of the review [default: from the -o file's extension, else markdown].")
@click.option("-o", "--output", "--out", "output", type=click.Path(dir_okay=False),
              callback=_file, metavar="FILE",
              help="Write the review to FILE instead of standard output (`--out`, as `run` "
                   "names its option, works too).")
@click.option("--sample", is_flag=True, help="Add up to 10 rows made by running the plan "
              "against the built-in demo CPO (synthetic data, marked as such); writes "
              "nothing else and keeps no state.")
@click.option("--ledger", "ledger", type=click.Path(), callback=ledger_file, metavar="PATH",
              help="Read the measured risk from this ledger [default: the configured state_dir's, "
                   "$OCPISPEC_LEDGER or .ocpispec/ledger.sqlite].")
def review(spec: Path, format_: str | None, output: Path | None, sample: bool,
           ledger: Path | None) -> None:
    """Write the privacy review of SPEC: the page a privacy officer reads and signs.

    Makes no network request (with --sample, only to the demo CPO it starts on
    127.0.0.1). Shows the export's header, the data flow, every released column with
    the OCPI fields it reads and its transformation in plain words, the withheld
    fields, the aggregate protection, the measured risk (from the last `run --assess`
    or run in the ledger), the check's warnings, the approvals beside the spec (and
    what changed since the last one) and the fingerprints.
    HTML is one self-contained page that works offline and prints on A4.

    Exit codes: 0 written, 1 spec errors or a failed sample or write, 2 usage error.
    """
    from ocpispec.review import build_review, render_review

    form = _format(format_, output)
    checked, plan = build_checked_plan(spec)
    rows = _sample(plan, spec) if sample else None
    history = _history(plan, ledger or _configured_ledger(spec))
    text = render_review(build_review(checked, plan, sample=rows, history=history,
                                      approval=_approval(spec, plan)), form)
    if output is None:
        click.echo(text, nl=False)
        return
    _write(output, text)
    click.echo(f"review written to {output}", err=True)


def _configured_ledger(spec: Path) -> Path:
    from ocpispec.cli.configured import command_config, configured_ledger

    return configured_ledger(command_config(spec))


def _history(plan, ledger: Path) -> list[dict]:
    """The export's logged runs, for the measured risk (none when there is no ledger)."""
    from ocpispec.ledger import LedgerError
    from ocpispec.ledger.query import logged_runs

    try:
        return logged_runs(ledger, plan.export.name)
    except LedgerError as exc:
        click.echo(f"warning: the measured risk is not shown: {exc}", err=True)
        return []


def _approval(spec: Path, plan):
    """The approvals beside the spec, judged as `ocpispec approvals` judges them."""
    from ocpispec.approval import requirement
    from ocpispec.approval.deliveries import delivery_targets
    from ocpispec.approval.signing import allowed_signers
    from ocpispec.approval.status import assess
    from ocpispec.cli.configured import command_config
    from ocpispec.review.approval import approval_review

    settings = command_config(spec)
    demanded, why = requirement.demanded(plan.export.approval, *requirement.configured(settings))
    statuses = assess(spec, plan, signers=allowed_signers(None, os.environ),
                      require_signature=demanded == requirement.SIGNED,
                      deliveries=delivery_targets(plan, settings.destinations,
                                                  settings.get("output_root")))
    return approval_review(plan, statuses, demanded, why)


def _format(given: str | None, output: Path | None) -> str:
    """The form asked for, else the one the file's extension names; an extension of
    another kind of document (`review.pdf`, `.docx`) would get Markdown under a name
    the officer's viewer cannot open, so it is a usage error."""
    if given is not None:
        return given
    if output is None:
        return "markdown"
    suffix = output.suffix.lower()
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    if suffix in ("", ".txt"):
        return "markdown"
    raise click.UsageError(
        f"`{output.name}`: a review is written as HTML, Markdown or JSON, not `{suffix}`; "
        f"write `-o {output.with_suffix('.html').name}` (a browser prints it to PDF), or "
        "give `--format`")


def _sample(plan, spec: Path):
    from ocpispec.execute import RunError
    from ocpispec.ocpi import OcpiError
    from ocpispec.review import demo_sample

    try:
        return demo_sample(plan, spec.parent)
    except (RunError, OcpiError) as exc:
        show_spec_diagnostics([exc.diagnostic], spec)
        sys.exit(1)


def _write(path: Path, text: str) -> None:
    """Whole or not at all: a temporary file beside FILE, renamed over it; missing
    folders above FILE are made."""
    from ocpispec.diagnostics import error

    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)  # as `run --out` does
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                             dir=path.parent if str(path.parent) else ".")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644 & ~_umask())
        os.replace(temporary, path)
    except OSError as exc:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        reason = exc.strerror or type(exc).__name__
        if isinstance(exc, (FileExistsError, NotADirectoryError)):
            reason = "a path above it is a file, not a folder"
        show_diagnostics([error("OCX600", f"cannot write the review to `{path}`: {reason}",
                                help="check that the folder is writable, or give another "
                                     "-o FILE")])
        sys.exit(1)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
