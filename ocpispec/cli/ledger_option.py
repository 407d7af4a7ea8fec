"""The ledger path that `run --state`, `state`, `history` and `review --ledger` take."""

from __future__ import annotations

import os
from pathlib import Path

import click


def ledger_file(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    """`--state exports/state/` made a ledger file named `state` (the slash dropped):
    the option names the ledger's file, and says so."""
    if value is not None and value.endswith(("/", os.sep)):
        folder = value.rstrip("/" + os.sep) or "."
        raise click.BadParameter(f"`{value}` names a folder; the ledger is a file: give "
                                 f"its path, e.g. `{folder}/ledger.sqlite`")
    return None if value is None else Path(value)
