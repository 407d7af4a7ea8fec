"""What one run is asked to do beyond its plan: where it writes, its state, its window's
clock, its policy and its workers (`execute(plan, ..., options=RunOptions(...))`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ocpispec.frozen import frozen
from ocpispec.execute.policy import Policy


@frozen
class RunOptions:
    out: str | None = None
    limit: int | None = None
    dry_run: bool = False
    state_path: Path | None = None  # the ledger (state and disclosure log)
    use_state: bool = True  # False: `since last run` starts at 1970-01-01, no state written
    spec_dir: Path = Path(".")
    spec_sha256: str | None = None
    now: datetime | None = None
    progress: Callable[[str, int], None] | None = None
    # told when a dataset starts: its name, where it writes, its window in words
    on_dataset: Callable[[str, str, str], None] | None = None
    policy: Policy = Policy()       # invalid records, incomplete crawls, empty outputs
    runs_dir: Path | None = None    # the CPO's run records (None: none written)
    output_root: Path | None = None  # where relative destinations go (None: the current dir)
    wait_lock: float = 0.0  # seconds to wait for another run of the export to finish
    restart: bool = False  # `since last run` windows start over at 1970-01-01
    lookback: timedelta | None = None  # re-read this much before the watermark
    approval: dict | None = None  # the approval the run went on with (ocpispec.approval.gate)
    privacy_fingerprint: str | None = None  # logged with the run (default: the plan's)
    destinations: Any = None  # the configuration's `[destinations.NAME]` tables
    assess: bool = False  # `run --assess`: measure the risk; write nothing, keep the state
    workers: int = 1  # processes reading the records' pages (`executor.workers`)
    catching_up: bool = False  # a missed calendar window: skipped if delivered meanwhile
    skip_delivered: bool = False  # a run at the real time: its calendar window too
    demo: bool = False  # read the built-in demo CPO (synthetic data): logged as such
    release_again: bool = False  # an aggregate over a window delivered before (OCX546)
