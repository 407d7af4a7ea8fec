"""Options shared by the commands that talk to an OCPI platform (`login`, `get`, `run`,
`doctor`)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TypeVar

import click

from ocpispec.ocpi.errors import MISSING_TOKEN, fail

REQUEST_TIMEOUT = 60.0

F = TypeVar("F", bound=Callable[..., object])


def request_timeout_option(command: F) -> F:
    """`--request-timeout SECONDS`: the wall-clock deadline of one request, body included."""
    return click.option("--request-timeout", type=click.FloatRange(min=0, min_open=True),
                        default=REQUEST_TIMEOUT, show_default=True, metavar="SECONDS",
                        help="Most time one request may take, its whole answer included; a platform "
                             "that stalls or trickles its answer fails after this.")(command)


def rps_option(command: F) -> F:
    """`--rps R`: the same request-rate limit for every command that fetches."""
    return click.option("--rps", type=click.FloatRange(min=0, min_open=True), metavar="R",
                        help="At most R requests per second (e.g. 0.5: one request every "
                             "two seconds).")(command)


def token_from_options(token: str | None, token_env: str | None, *, prompt: bool = False) -> str:
    """The token given as `--token` or `--token-env VAR` (or typed at a hidden prompt when
    `prompt` and stdin is a terminal); never both, never an empty variable."""
    if token and token_env:
        raise click.UsageError("pass the token with either `--token` or `--token-env`, not both")
    if token_env:
        value = os.environ.get(token_env, "")
        if not value.strip():
            raise fail(MISSING_TOKEN, f"environment variable `{token_env}` is empty or not set",
                       help=f"export the token first: `export {token_env}=...`")
        return value.strip()
    if token:
        return token.strip()
    if prompt and sys.stdin.isatty():
        return click.prompt("Token", hide_input=True).strip()
    raise click.UsageError("pass the token with `--token TOKEN` or `--token-env VAR`")
