"""Options shared by the commands that talk to an OCPI platform (`login`, `get`, `run`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

REQUEST_TIMEOUT = 60.0

F = TypeVar("F", bound=Callable[..., object])


def request_timeout_option(command: F) -> F:
    """`--request-timeout SECONDS`: the wall-clock deadline of one request, body included."""
    return click.option("--request-timeout", type=click.FloatRange(min=0, min_open=True),
                        default=REQUEST_TIMEOUT, show_default=True, metavar="SECONDS",
                        help="Most time one request may take, its whole answer included; a platform "
                             "that stalls or trickles its answer fails after this.")(command)
