"""Measuring re-identification risk while rows stream: equivalence classes over the
quasi-identifiers counted in distinct drivers, and unicity on known (place, time) points.

Memory stays bounded: every row adds one fixed-width (class, driver) record and at most
one (point, driver, rank) record to spill files in a private temporary folder; at the
end the figures are computed from them in memory (`in_python` below 15,000 rows, then
`in_memory`, numpy, by sorting) up to 250,000 rows, and above that by SQL after loading them into SQLite there
(`spill_figures.py`, in this process or in a worker process of the run). The driver never reaches
the disk as it is: it is stored as a keyed hash under a random key drawn for the run
and never stored (`Drivers`), so the spill holds no identifier; the unicity ranks are
63-bit integers. The folder is private (0700) and deleted when the meter closes.

Unicity (de Montjoye et al. 2013) is estimated by sampling: for each driver, p of the
driver's distinct (place, time) points are chosen by a fixed-seed ranking (a hash of
the driver and the point keyed with a constant seed, so the same data always gives the
same figure and nothing personal or random seeds it), and the driver is unique when no
other driver's trace holds all p points. A driver with fewer than p points is judged on the points they have.

What a row becomes in the spill (its records, the names of classes and points, the
hidden driver) is `risk_records.py`'s, apart so worker processes measure rows alone.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ocpispec.disclosure.risk_records import MEMBER, measured
from ocpispec.disclosure.spill_figures import MeterSpill, RiskFigures, database
from ocpispec.scratch import ScratchFolder

_BATCH = 20_000


class SpillFolder(ScratchFolder):
    """A private scratch folder (0700, `ocpispec.scratch`) for SQLite spills."""

    def database(self, name: str) -> sqlite3.Connection:
        return database(self.path / name)


class RiskMeter:
    """Feed it `add(hidden, rank_base, class_values, point)` per released row (see
    `Drivers`); `figures()` once, then `close()`."""

    def __init__(self, quasi: tuple[str, ...], points: tuple[str, ...],
                 by_driver: bool, links: Path | None = None) -> None:
        """`links`: the file of ids rows named together (`links.LinkSpill`), which make
        the drivers counted people."""
        self.quasi, self.point_columns, self.by_driver = quasi, points, by_driver
        self.links = links
        self.folder = SpillFolder("risk")
        self._files = [(self.folder.path / name).open("wb") for name in ("members", "points")]
        self._members = bytearray()
        self._points = bytearray()
        self.rows = 0

    def add(self, hidden: bytes, rank_base: bytes, values: Sequence[Any],
            point: Sequence[Any] | None) -> None:
        self.add_measured(*measured(hidden, rank_base, values,
                                    point if self.point_columns else None))

    def add_measured(self, member: bytes, point: bytes | None) -> None:
        """`add` for a row `measured` elsewhere (in a worker process)."""
        self.rows += 1
        self._members += member
        if point is not None:
            self._points += point
        if len(self._members) >= _BATCH * MEMBER:
            self._flush()

    def add_measured_many(self, members: bytes, points: bytes | None, rows: int) -> None:
        """`add_measured` of `rows` rows at once, their records end to end (a page a
        worker process measured whole, `ocpi.row_pages`)."""
        self.rows += rows
        self._members += members
        if points is not None:
            self._points += points
        if len(self._members) >= _BATCH * MEMBER:
            self._flush()

    def _flush(self) -> None:
        for records, file in zip((self._members, self._points), self._files):
            file.write(records)
        self._members, self._points = bytearray(), bytearray()

    def finished(self) -> MeterSpill:
        """The spill, every row written and its files closed: what `MeterSpill.figures`
        computes the figures from, here or in a worker process (before `close`)."""
        self._flush()
        for file in self._files:
            file.close()
        return self.spill

    @property
    def spill(self) -> MeterSpill:
        return MeterSpill(self.folder.path, self.quasi, self.point_columns, self.by_driver,
                          self.rows, self.links)

    def figures(self) -> RiskFigures:
        return self.finished().figures()

    def close(self) -> None:
        try:
            for file in self._files:
                file.close()
        finally:
            self.folder.remove()
