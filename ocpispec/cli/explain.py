"""`ocpispec explain CODE`: print the documentation of a diagnostic code."""

from __future__ import annotations

import re
import sys

import click

from ocpispec.diagnostics import codes


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("code", required=False)
@click.option("--list", "list_all", is_flag=True, help="List every code with its summary.")
def explain(code: str | None, list_all: bool) -> None:
    """Explain a diagnostic code such as OCX104: what it means, an example, the fix.

    CODE may be written `OCX104`, `ocx104`, `104` or by its name, `unknown-field`.

    \b
    Examples:
      ocpispec explain OCX301
      ocpispec explain --list
    """
    if list_all:
        for doc in codes.all_codes():
            click.echo(f"{doc.code}  {doc.slug:<34} {doc.summary}")
        return
    if code is None:
        raise click.UsageError("name a code, e.g. `ocpispec explain OCX104`, or use --list")
    doc = codes.lookup(_normalise(code)) or codes.by_slug(code)
    if doc is None:
        _unknown(code)
    click.echo(doc.text, nl=False)


def _normalise(code: str) -> str:
    code = code.strip().upper()
    return f"OCX{int(code):03d}" if code.isdigit() else code


def _unknown(code: str) -> None:
    click.echo(f"error: unknown diagnostic code `{code}`", err=True)
    nearest = _nearest(_normalise(code))
    if nearest:
        click.echo("nearest codes:", err=True)
        for doc in nearest:
            click.echo(f"  {doc.code}  {doc.slug}: {doc.summary}", err=True)
    click.echo("help: `ocpispec explain --list` lists every code", err=True)
    sys.exit(2)


def _nearest(code: str) -> list[codes.CodeDoc]:
    number = re.search(r"\d+", code)
    docs = codes.all_codes()
    if number is None:
        import difflib

        slugs = difflib.get_close_matches(code.lower(), [d.slug for d in docs], n=3)
        return [d for s in slugs for d in docs if d.slug == s]
    target = int(number.group())
    return sorted(docs, key=lambda d: (abs(int(d.code[3:]) - target), d.code))[:3]
