"""Options shared by the commands that talk to an OCPI platform (`login`, `get`, `run`,
`doctor`)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TypeVar

import click

from ocpispec import secret_refs
from ocpispec.ocpi.errors import MISSING_TOKEN, fail

REQUEST_TIMEOUT = 60.0

F = TypeVar("F", bound=Callable[..., object])


def request_timeout_option(command: F) -> F:
    """`--request-timeout SECONDS`: the wall-clock deadline of one request, body included."""
    return click.option("--request-timeout", type=click.FloatRange(min=0, min_open=True),
                        default=REQUEST_TIMEOUT, show_default=True, metavar="SECONDS",
                        help="Most time one request may take, its whole answer included; a platform "
                             "that stalls or trickles its answer fails after this. An answer may keep "
                             "silent for half of it (at least 30 s).")(command)


ANSWER_PAUSE = 30.0     # seconds an answer may keep silent at the default --request-timeout


def answer_pause(request_timeout: float) -> float:
    """Seconds an answer may keep silent (before its headers, or between pieces of its
    body): 30, or half of a longer `--request-timeout`. It was 30 whatever the option said:
    a platform that takes 35 s to start each answer failed twice after 30 s with "raise
    `--request-timeout`", however far it was raised. Half, not all: a connection that goes
    quiet mid-body is still given up on, and retried, before the request's deadline."""
    return max(ANSWER_PAUSE, request_timeout / 2)


def rps_option(command: F) -> F:
    """`--rps R`: the same request-rate limit for every command that fetches."""
    return click.option("--rps", type=click.FloatRange(min=0, min_open=True), metavar="R",
                        help="At most R requests per second (e.g. 0.5: one request every "
                             "two seconds).")(command)


RETRY_BACKOFF = 0.5     # seconds before the first retry, doubling per retry


def retry_backoff() -> float:
    """Seconds before the first retry of a failed request: `OCPISPEC_RETRY_BACKOFF`, a
    property of the machine's schedule (cron, CI) rather than of one command."""
    return env_number("OCPISPEC_RETRY_BACKOFF", RETRY_BACKOFF, lambda seconds: 0 <= seconds <= 60,
                      "OCPISPEC_RETRY_BACKOFF must be the seconds before the first retry, "
                      "from 0 to 60 (default 0.5); its value is not shown")


def env_number(name: str, default: float, accepted: Callable[[float], bool], refusal: str) -> float:
    """A number setting from the environment: `default` when unset or blank, a usage
    error (`refusal`, which never shows the value) when it is not a number `accepted`."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        number = float(text)
    except ValueError:
        raise click.UsageError(refusal) from None
    if not accepted(number):
        raise click.UsageError(refusal)
    return number


def max_body_bytes() -> int:
    """The bound on one answer's body, `OCPISPEC_MAX_BODY_BYTES`, checked: the value an
    operator wrote after OCX504 told them to raise it (`1G`, `512MiB`, `1e9`) was ignored
    without a word, and the next run failed the same way. Its value is not shown, as
    with the other settings (a secret pasted into the wrong variable)."""
    from ocpispec.ocpi.options import MAX_BODY_BYTES

    text = os.environ.get("OCPISPEC_MAX_BODY_BYTES", "").strip()
    if not text:
        return MAX_BODY_BYTES
    if not (text.isascii() and text.isdigit() and int(text) > 0):
        raise click.UsageError("OCPISPEC_MAX_BODY_BYTES must be a whole number of bytes, e.g. "
                               "536870912 for 512 MiB (default 268435456, 256 MiB); its value "
                               "is not shown")
    return int(text)


# `--workers auto`: as many processes as usable cores, at most this many. Measured on a
# 2-core machine (docs/plan-and-run.md, "Worker processes"); more cores were not
# available to measure a larger default against.
AUTO_WORKERS_MAX = 2


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


class Workers(click.ParamType):
    """`auto` (one per usable core, at most `AUTO_WORKERS_MAX`; 1 on one core) or 1-64."""

    name = "N|auto"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip().lower()
        if text == "auto":
            from ocpispec.worker_count import AutoWorkers

            most = min(usable_cores(), AUTO_WORKERS_MAX)
            return AutoWorkers(most) if most > 1 else 1
        if text.isdigit() and 1 <= int(text) <= 64:
            return int(text)
        from click.core import ParameterSource

        typed = ctx is None or param is None or param.name is None or \
            ctx.get_parameter_source(param.name) is not ParameterSource.ENVIRONMENT
        # a variable's value is not shown, as with every setting (a secret set in the wrong one)
        self.fail(f"{f'{value!r}' if typed else 'the value (not shown)'} is neither `auto` nor a "
                  "number from 1 to 64", param, ctx)


def workers_option(what: str) -> Callable[[F], F]:
    """`--workers N|auto` (default auto; `OCPISPEC_WORKERS` sets it for cron and CI)."""
    from ocpispec.worker_count import AUTO_START_OBJECTS

    return click.option(
        "--workers", type=Workers(), default="auto", show_default=True,
        envvar="OCPISPEC_WORKERS", show_envvar=True,
        help=f"Processes that {what} (the output is the same for any N). `auto`: one per "
             f"usable core, at most {AUTO_WORKERS_MAX}, started only for a list whose count, "
             f"sent with its first page, shows {AUTO_START_OBJECTS:,} objects or more after "
             "that page (a shorter list, one sent without a count, or `--concurrency 1` "
             "is read in one process); 1 on a one-core machine.")


def token_from_options(token: str | None, token_env: str | None, *, prompt: bool = False) -> str:
    """The token given as `--token` or `--token-env VAR` (or typed at a hidden prompt when
    `prompt` and stdin is a terminal); never both, never an empty variable."""
    if token and token_env:
        raise click.UsageError("pass the token with either `--token` or `--token-env`, not both")
    if token_env:
        value = os.environ.get(token_env, "")
        if not value.strip():
            raise fail(MISSING_TOKEN, f"{secret_refs.variable(token_env)} is empty or not set",
                       help=f"export the token first: `export {token_env}=...`"
                       if secret_refs.is_name(token_env) else
                       "give the variable's name, not its value: `--token-env OCPI_TOKEN`, "
                       "not `--token-env \"$OCPI_TOKEN\"`")
        return value.strip()
    if token:
        return token.strip()
    if prompt and sys.stdin.isatty():
        return click.prompt("Token", hide_input=True).strip()
    raise click.UsageError("pass the token with `--token TOKEN` or `--token-env VAR`")
