"""`ocpispec config`: the effective configuration and where each value came from."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command("config")
@click.option("--spec", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              metavar="SPEC", help="Show the configuration a command on SPEC uses (the "
              "project file is looked for from SPEC's folder, not the current one).")
@click.option("--format", "format_", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: one document, for tools.")
@click.option("--profile", metavar="NAME", help="As `run --profile`: show it as a flag.")
@click.option("--page-size", type=click.IntRange(1, 10_000), metavar="N",
              help="As `run --page-size`.")
@click.option("--concurrency", type=click.IntRange(1, 32), metavar="N",
              help="As `run --concurrency`.")
@click.option("--rps", type=click.FloatRange(min=0, min_open=True), metavar="R",
              help="As `run --rps`.")
def config(spec: Path | None, format_: str, **flags: object) -> None:
    """Show the effective configuration and where each value came from.

    Values come from, strongest first: a flag on the command, an environment
    variable, the project's `ocpispec.toml` (the first found going up from the
    spec's folder, or the current directory), the user's `ocpispec.toml` (in the
    user config directory), the built-in default. The file holds no secrets: a
    key that would hold a token, key or password is refused (OCX631).

    \b
    Examples:
      ocpispec config
      ocpispec config --spec specs/municipality_sessions.ocx --format json
      ocpispec config --page-size 100        # a flag beats everything

    The flags --profile, --page-size, --concurrency and --rps show what a
    command given them would use.

    Exit codes: 0 shown, 1 a file or variable is wrong (diagnostics on stderr).
    """
    from ocpispec.cli.configured import command_config
    from ocpispec.config import find_project_file, user_file

    effective = command_config(spec) if format_ != "json" else _config_or_problems(spec)
    for name, value in flags.items():
        if value is not None:
            effective = effective.with_flag(name, value, f"--{name.replace('_', '-')}")
    start = spec.parent if spec is not None else Path.cwd()
    project, user = find_project_file(start), user_file()
    user = user if user.is_file() else None
    if format_ == "json":
        click.echo(json.dumps(_document(effective, project, user), indent=2))
    else:
        click.echo(_text(effective, project, user), nl=False)


def _config_or_problems(spec: Path | None):
    """`--format json`: a file or variable that is wrong prints the problems as a document
    (beside the diagnostics on stderr), where a tool reading stdout got nothing."""
    import sys

    from ocpispec.cli.configured import show_config_problems
    from ocpispec.config import ConfigError, load_config

    try:
        return load_config(spec.parent if spec is not None else None)
    except ConfigError as exc:
        show_config_problems(exc)
        click.echo(json.dumps({"problems": [_problem(d, source) for d, source in exc.problems]},
                              indent=2))
        sys.exit(1)


def _problem(diagnostic, source) -> dict:
    """Where and what, never the value (a secret's is `<redacted>` in the diagnostic)."""
    span = diagnostic.primary_span
    line, column = source.line_col(span.start) if span is not None and source is not None \
        else (None, None)
    return {"code": diagnostic.code, "message": diagnostic.message,
            "file": source.name if source is not None else None, "line": line, "column": column,
            "help": diagnostic.help}


def _shown(value: object) -> object:
    return str(value) if isinstance(value, Path) else value


def _document(effective, project: Path | None, user: Path | None) -> dict:
    return {
        "files": {"project": _shown(project), "user": _shown(user)},
        "settings": {name: {"value": _shown(found.value), "origin": found.origin}
                     for name, found in effective.values.items()},
        "destinations": {name: {"settings": table, "origin": origin}
                         for name, (table, origin) in effective.destinations.items()},
    }


def _text(effective, project: Path | None, user: Path | None) -> str:
    from ocpispec.config import BUILTIN, SETTINGS

    lines = [f"project file  {project or 'none (no ocpispec.toml here or above)'}",
             f"user file     {user or 'none'}", ""]
    rows = []
    for name, found in effective.values.items():
        value = (SETTINGS[name].builtin_text if found.origin == BUILTIN
                 else "no" if SETTINGS[name].kind == "approval" and found.value is None
                 else _value_text(found.value))
        rows.append((name, value, found.origin))
    width = max(len(name) for name, _, _ in rows)
    lines += [f"{name:<{width}}  {value}  [{origin}]" for name, value, origin in rows]
    if effective.destinations:
        lines += ["", "destinations (reserved for delivery; see docs/configuration.md)"]
        for name, (table, origin) in effective.destinations.items():
            settings = ", ".join(f"{key} = {_value_text(value)}" for key, value in table.items())
            lines.append(f"  {name}  {settings or '(empty)'}  [{origin}]")
    return "\n".join(lines) + "\n"


def _value_text(value: object) -> str:
    match value:
        case None:
            return "none"
        case bool():
            return "true" if value else "false"
        case str() if not isinstance(value, Path):
            return value
    return str(value)
