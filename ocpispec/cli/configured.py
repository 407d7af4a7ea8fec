"""The configuration as the commands use it: load it (diagnostics and exit 1 when a
file or variable is wrong), and let a flag given on the command line win."""

from __future__ import annotations

import sys
from pathlib import Path

import click


def command_config(spec: Path | None = None):
    """The configuration for SPEC's folder (or the current directory)."""
    from ocpispec.config import ConfigError, load_config

    try:
        return load_config(spec.parent if spec is not None else None)
    except ConfigError as exc:
        show_config_problems(exc)
        sys.exit(1)


def configured_ledger(config) -> Path:
    """The ledger a command uses without `--state`/`--ledger`: `<state_dir>/ledger.sqlite`
    when a state_dir is configured (`ocpispec.toml`, `OCPISPEC_STATE_DIR`), else
    `$OCPISPEC_LEDGER`, else `.ocpispec/ledger.sqlite`: one answer for `run`, `state`,
    `history` and `review`, so the disclosure log is read where runs write it."""
    from ocpispec.ledger import default_ledger_path

    state_dir = config.get("state_dir") if config is not None else None
    return Path(state_dir) / "ledger.sqlite" if state_dir else default_ledger_path()


def show_config_problems(exc) -> None:
    from ocpispec.cli.show import show_diagnostics

    by_source: dict[int, tuple[object, list]] = {}
    for diagnostic, source in exc.problems:
        by_source.setdefault(id(source), (source, []))[1].append(diagnostic)
    for source, diagnostics in by_source.values():
        show_diagnostics(diagnostics, source)


def effective(config, name: str, flag_value: object, parameter: str | None = None) -> object:
    """The flag's value when it was typed on the command line, else the configured one."""
    ctx = click.get_current_context()
    source = ctx.get_parameter_source(parameter or name)
    if source is click.core.ParameterSource.COMMANDLINE or config is None:
        return flag_value
    return config.get(name)
