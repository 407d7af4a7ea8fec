"""What `ocpispec run` was asked, as one value passed between its steps."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from pathlib import Path

from ocpispec.frozen import frozen


@frozen
class RunArgs:
    spec: Path
    profile: str | None
    demo: bool
    demo_version: str | None
    demo_size: int
    out: str | None
    limit: int | None
    page_size: int
    concurrency: int
    rps: float | None
    dry_run: bool
    state_path: Path | None
    as_of: datetime | None
    quiet: bool
    follow: bool
    summary_format: str
    request_timeout: float
    wait_lock: float
    restart: bool
    lookback: timedelta | None
    deadline: timedelta | None
    allow_invalid: object = None        # executor.Tolerance
    accept_incomplete: bool = False
    fail_on_empty: bool = False
    release_again: bool = False
    allowed_signers: Path | None = None
    approval: dict | None = None  # the approval the run goes on with (set by the gate)
    settings: object = None  # the configuration (ocpispec.config.Config), set by `run`
    shown_warnings: set | None = None  # --follow: warnings shown by an earlier run
    assess: bool = False  # measure the disclosure risk only (see ocpispec/disclosure)
    workers: int = 1  # processes reading the records' pages
    connected: list = dataclasses.field(default_factory=list)  # told the client once connected
    catching_up: bool = False  # a missed calendar window (`catch_up.run_missed`)
