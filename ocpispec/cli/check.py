"""`ocpispec check SPEC...`: parse and check specs without touching the network.

The work is in `ocpispec.launch.check`, which the fast entry point (`ocpispec.launch`)
also runs without loading click; this module is the command's options and help."""

from __future__ import annotations

import sys

import click

from ocpispec.diagnostics import report
from ocpispec.launch.arguments import CheckArguments
from ocpispec.launch.check import run_check


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("specs", nargs=-1, required=True, metavar="SPEC|DIR...")
@click.option("--format", "fmt", type=click.Choice([*report.FORMATS, "sarif"]), default="full",
              show_default=True, help="full: with source snippets; concise: one line per "
              "problem; json: one document on stdout with a result per file, for CI; sarif: "
              "SARIF 2.1.0 on stdout, for code-scanning views.")
@click.option("--max-errors", type=click.IntRange(min=1), default=50, show_default=True,
              help="Stop reporting a spec after this many errors.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True, help="Colour the diagnostics (auto: only on a terminal and "
              "when NO_COLOR is not set; always: also when piped).")
def check(specs: tuple[str, ...], fmt: str, max_errors: int, color: str) -> None:
    """Check export specs against the OCPI schema and the privacy rules.

    Reads each SPEC (an .ocx file; a folder stands for every .ocx file below it, hidden
    folders left out), resolves every field against the OCPI data model of all supported
    versions and applies the privacy rules. Makes no network call.

    Exit status: 0 when every spec is valid (warnings allowed), 1 when a spec has
    errors, 2 on a usage error.

    \b
    Examples:
      ocpispec check specs/*.ocx
      ocpispec check --format concise specs/municipality_sessions.ocx
      ocpispec check --format json specs/*.ocx > check.json
      ocpispec check --format sarif specs > ocpispec.sarif
    """
    status = run_check(CheckArguments(tuple(specs), fmt, max_errors, color))
    if status:
        sys.exit(status)
