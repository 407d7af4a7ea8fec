"""`ocpispec init FILE`: write a commented starting spec that checks clean."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ocpispec.starter import KINDS


def _spec_file(ctx: click.Context, param: click.Parameter, value: str) -> Path:
    """`init specs/new/` wrote a spec named `new` (the slash dropped), and `init utrecht`
    one that `check specs/` and `approve` never find (they look for `.ocx` files)."""
    if value.endswith(("/", os.sep)):
        raise click.BadParameter(f"`{value}` names a folder; give the spec's file name, "
                                 f"e.g. `{value.rstrip('/' + os.sep) or '.'}/consumer.ocx`")
    if not value.lower().endswith(".ocx"):
        raise click.BadParameter(f"`{value}` does not end in `.ocx`, so `ocpispec check "
                                 f"DIR` would not find it; write `{value}.ocx`")
    return Path(value)


@click.command("init")
@click.argument("file", type=click.Path(dir_okay=False), callback=_spec_file)
@click.option("--for", "kind", type=click.Choice(KINDS), help="The kind of consumer the "
              "spec starts from; without it, on a terminal, a few questions choose.")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
def init(file: Path, kind: str | None, force: bool) -> None:
    """Write a commented starting spec to FILE.

    The spec is safe by default (pseudonyms, times to the hour, places to the
    postal area, minimum group sizes) and checks clean as written; the header
    lines to fill in (consumer, purpose, legal basis, retention) say FILL IN.

    \b
    Kinds (--for):
      municipality  completed sessions, pseudonymised, weekly (CSV)
      research      CDRs with pseudonyms, bands and grid cells (NDJSON)
      open-data     published charging locations (GeoJSON)
      aggregate     sessions and energy per postal district and week (CSV)
      load-profile  energy per hour of the day per postal district (CSV)

    \b
    Examples:
      ocpispec init --for municipality utrecht.ocx
      ocpispec init consumer.ocx        # asks a few questions on a terminal

    Exit codes: 0 written, 1 FILE exists (see --force) or cannot be written,
    2 usage error.
    """
    import shlex

    from ocpispec.starter import Answers, starting_spec

    if file.exists() and not force:
        click.echo(f"error: `{file}` exists; nothing was written (give --force to "
                   "overwrite it)", err=True)
        sys.exit(1)
    if kind is None:
        answers = _ask(file)
    else:
        answers = Answers(kind, str(file))
    text = starting_spec(answers)
    try:
        _write(file, text, force)
    except OSError as exc:
        click.echo(f"error: cannot write `{file}`: {exc.strerror}", err=True)
        sys.exit(1)
    click.echo(f"wrote {file} (a starting spec for {answers.kind})\n"
               "next: fill in the lines marked FILL IN, then\n"
               f"  ocpispec check {shlex.quote(str(file))}\n"
               f"  ocpispec run {shlex.quote(str(file))} --demo", err=True)


def on_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _ask(file: Path):
    from ocpispec.starter import CONSUMER, Answers, kinds_for, modules

    if not on_terminal():
        raise click.UsageError("not on a terminal, so no questions: choose the kind with "
                               f"--for ({'|'.join(KINDS)})")
    consumer = click.prompt("Who receives the data (consumer)", default=CONSUMER,
                            show_default=False)
    purpose = click.prompt("What will they use it for (purpose)", default="",
                           show_default=False)
    module = click.prompt("Which OCPI module", type=click.Choice(modules()),
                          default="sessions")
    choices = kinds_for(module)
    kind = choices[0] if len(choices) == 1 else click.prompt(
        "Which template", type=click.Choice(choices), default=choices[0])
    return Answers(kind, str(file), consumer, purpose)


def _write(file: Path, text: str, force: bool) -> None:
    """Exclusive creation without --force (no race with another writer); with --force,
    a temporary file renamed over FILE."""
    file.parent.mkdir(parents=True, exist_ok=True)  # as `run --out` and `review -o` do
    if not force:
        with file.open("x", encoding="utf-8") as handle:
            handle.write(text)
        return
    temporary = file.with_name(f".{file.name}.init-tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(file)
