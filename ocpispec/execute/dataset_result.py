"""What running one dataset gives the executor: its counts, window, warnings and
output, or for `--dry-run` the estimate of what it would fetch."""

from __future__ import annotations

import dataclasses

from pathlib import Path
from typing import Any

from ocpispec.frozen import frozen
from ocpispec.execute.pipeline import Counts
from ocpispec.execute.windows import ResolvedWindow


@frozen
class Estimate:
    """`--dry-run`: what the server says it holds (`X-Total-Count`) per fetch."""

    fetches: tuple[tuple[str, int | None, int | None], ...]  # (step id, records, requests)

    @property
    def requests(self) -> int:
        return sum(requests or 0 for _, _, requests in self.fetches)


@frozen
class DatasetResult:
    name: str
    module: str
    format: str
    columns: tuple[str, ...]
    target: str | None
    manifest: str | None
    counts: Counts
    window: ResolvedWindow
    withheld: int
    estimate: Estimate | None = None
    warnings: tuple[str, ...] = ()
    invalid_accepted: int = 0                  # invalid records let go by --allow-invalid
    incomplete_accepted: tuple[str, ...] = ()  # doubts let go by --accept-incomplete
    risk: dict[str, Any] | None = None  # measured risk and k-anonymity (CPO side only)
    sampled: bool = False  # `sample P%`: the filtered count holds the records left out of it

    def with_manifest(self, manifest: Path | str | None) -> DatasetResult:
        return dataclasses.replace(self, manifest=str(manifest) if manifest else None)
