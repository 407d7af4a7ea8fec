"""A first `since last run` window where this export delivered before, under another
ledger.

A dataset without state in the ledger starts at 1970-01-01: every record leaves. That
is right for a new export, and a repeat of everything for one whose ledger is another
file: the default ledger is `.ocpispec/ledger.sqlite` under the current directory, so a
cron job started in the home directory and a person running the same spec in the
project folder keep two; a ledger deleted or moved is the same. The manifests beside
the outputs tell: a destination's folder holding a delivery of this export's dataset
(with rows) means the run delivers those records again. A local folder is read here; a
server's (SFTP, S3) when its destination is tried before fetching (`look_back` says
which manifests to read there, `deliver.earlier` reads them, `check_remote` judges).
The run goes on (a reference run into the same folder under a fresh ledger is
legitimate) and says so, so that whoever reads the summary can move the right ledger
back before the next run.

A dataset whose state is behind such a delivery is the same repeat, from its watermark:
a ledger restored from last night's backup or a snapshot of the machine, or another
ledger delivering the export into the same folder. A delivery of the dataset whose file
is still there, whose window ends after the watermark and whose manifest was written
after the state was last committed (`state set-watermark` commits it: a backfill is on
purpose) stops the run before any request (OCX528, `behind_deliveries`); it exited 0
having delivered every record of those windows a second time.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path

from ocpispec.deliver.earlier import Earlier
from ocpispec.execute.outputs import Target
from ocpispec.execute.client import RunError
from ocpispec.execute.replacing import parse_delivery
from ocpispec.execute.windows import ResolvedWindow
from ocpispec.ledger.state import DatasetState, State
from ocpispec.plan import ir
from ocpispec.timestamps import format_timestamp, read_timestamp

_SUFFIX = ".manifest.json"
_MOST_MANIFEST_BYTES = 1 << 20
_MOST_MANIFESTS = 10_000  # a folder of years of deliveries is read once, by a first run


def first_run_notes(plan: ir.Plan, targets: Mapping[str, Target],
                    windows: Mapping[str, ResolvedWindow], ledger: Path) -> list[str]:
    """A note for each first `since last run` window whose folder holds deliveries of
    its dataset (not for `--restart`, which delivers everything again on purpose)."""
    notes = []
    for dataset in plan.datasets:
        target = targets[dataset.name]
        if not _first(dataset, windows) or target.remote is not None or target.path is None:
            continue
        ends = [d.end for d in _deliveries(target.path.parent)
                if (d.export, d.dataset) == (plan.export.name, dataset.name) and d.end]
        if ends:
            notes.append(_note(dataset, str(target.path.parent), max(ends), ledger))
    return notes


def _first(dataset: ir.Dataset, windows: Mapping[str, ResolvedWindow]) -> bool:
    return windows[dataset.name].first_run and dataset.step(ir.Fetch).window.incremental


def look_back(plan: ir.Plan, tracked: list[ir.Dataset], targets: Mapping[str, Target],
              windows: Mapping[str, ResolvedWindow], state: State) -> dict[str, float | None]:
    """By dataset delivered to a server: the time after which the manifests of its
    earlier deliveries there are read (`deliveries.prepare`): any for a first window,
    those written after the state was committed for a tracked dataset."""
    wanted: dict[str, float | None] = {}
    kept = {dataset.name for dataset in tracked}
    for dataset in plan.datasets:
        if targets[dataset.name].remote is None:
            continue
        stored = state.datasets.get(dataset.name)
        if _first(dataset, windows):
            wanted[dataset.name] = None
        elif stored is not None and dataset.name in kept:
            with contextlib.suppress(ValueError):  # a damaged value: the state's checks say so
                wanted[dataset.name] = (read_timestamp(stored.committed_at)
                                        + _SKEW).timestamp()
    return wanted


def check_remote(plan: ir.Plan, targets: Mapping[str, Target],
                 windows: Mapping[str, ResolvedWindow], state: State,
                 earlier: Mapping[str, tuple[Earlier, ...]], ledger: Path) -> list[str]:
    """`first_run_notes` and `behind_deliveries` for the deliveries found on the
    servers (`look_back` said which to read)."""
    notes = []
    for dataset in plan.datasets:
        remote = targets[dataset.name].remote
        if remote is None or dataset.name not in earlier:
            continue
        ends = [(end, found.name) for found in earlier[dataset.name]
                if (delivery := parse_delivery(found.text)) is not None
                and not delivery.sample
                and (delivery.export, delivery.dataset) == (plan.export.name, dataset.name)
                and (end := _moment(delivery.end)) is not None]
        if not ends:
            continue
        stored = state.datasets.get(dataset.name)
        if _first(dataset, windows) or stored is None:
            notes.append(_note(dataset, remote.at(remote.directory).url,
                               format_timestamp(max(ends)[0]), ledger))
            continue
        mark = _moment(stored.watermark)
        behind = [found for found in ends if mark is not None and found[0] > mark]
        if behind:
            raise _behind(plan.export.name, dataset.name, stored, max(behind), ledger)
    return notes


# a manifest's time against the ledger's commit time: the clocks of the machine that wrote
# it (a file server) and of the one that committed may disagree this much
_SKEW = timedelta(minutes=5)


def behind_deliveries(plan: ir.Plan, tracked: list[ir.Dataset], targets: Mapping[str, Target],
                      state: State, ledger: Path) -> None:
    """OCX528 when a `tracked` dataset's folder (one whose watermark the state keeps)
    holds a delivery the ledger does not know: made after its state was last committed,
    for a window ending after its watermark."""
    for dataset in tracked:
        stored, target = state.datasets.get(dataset.name), targets[dataset.name]
        if stored is None or target.remote is not None or target.path is None:
            continue
        try:
            mark = read_timestamp(stored.watermark)
            after = (read_timestamp(stored.committed_at) + _SKEW).timestamp()
        except ValueError:  # a damaged value: the state's own checks say so
            continue
        ends = [(end, path.name) for delivery, path in _deliveries(target.path.parent, after)
                if (delivery.export, delivery.dataset) == (plan.export.name, dataset.name)
                and (end := _moment(delivery.end)) is not None and end > mark]
        if ends:
            raise _behind(plan.export.name, dataset.name, stored, max(ends), ledger)


def _moment(text: str | None) -> datetime | None:
    try:
        return read_timestamp(text) if text else None
    except ValueError:
        return None


def _behind(export: str, dataset: str, stored: DatasetState, found: tuple[datetime, str],
            ledger: Path) -> RunError:
    end, manifest = format_timestamp(found[0]), found[1]
    return RunError.of(
        "OCX528", f"the ledger `{ledger}` is behind the deliveries of `{dataset}`: its "
                  f"watermark is {stored.watermark}, and `{manifest}` beside the output "
                  f"holds a delivery up to {end}, made after the state was committed "
                  f"({stored.committed_at})",
        notes=("the ledger was restored from a backup or a snapshot, or another ledger "
               "delivers this export into the same folder; this run would deliver the "
               f"records from {stored.watermark} to {end} a second time",
               "nothing was fetched and the state did not move"),
        help=f"if this ledger was restored, move the watermark to where the deliveries "
             f"reached: `ocpispec state set-watermark {export} {end} --dataset {dataset} "
             "--yes`; if another ledger delivers this export, run with that one "
             "(`--state`, or `state_dir` in ocpispec.toml)")


def _deliveries(folder: Path, after: float | None = None) -> list:
    """The deliveries whose manifests lie in `folder` (with `after`, with the manifest's
    path: those written after that moment whose file is still beside)."""
    found = []
    try:
        names = sorted(p for p in folder.iterdir() if p.name.endswith(_SUFFIX))
    except OSError:  # no folder yet: nothing delivered there
        return []
    if after is not None:
        names = [p for p in names if _written_after(p, after)]
    for path in names[-_MOST_MANIFESTS:]:
        try:
            with path.open("rb") as manifest:
                text = manifest.read(_MOST_MANIFEST_BYTES + 1)
        except OSError:
            continue
        delivery = parse_delivery(text) if len(text) <= _MOST_MANIFEST_BYTES else None
        if delivery is not None and not delivery.sample:
            found.append(delivery if after is None else (delivery, path))
    return found


def _written_after(manifest: Path, after: float) -> bool:
    """Written after `after` (a POSIX time), its delivered file still beside it (a file
    recovery held back, gone before its rename, leaves its manifest alone)."""
    try:
        return os.stat(manifest).st_mtime > after and \
            os.path.isfile(str(manifest)[:-len(_SUFFIX)])
    except OSError:
        return False


def _note(dataset: ir.Dataset, folder: str, end: str, ledger: Path) -> str:
    return (f"`{dataset.name}` had no `since last run` state in the ledger `{ledger}`, but "
            f"`{folder}` holds its deliveries up to {end}: this first window, from "
            "1970-01-01, delivers their records again. If they were recorded by another "
            "ledger (the default `.ocpispec/ledger.sqlite` lies under the current directory, "
            "so a job started elsewhere keeps its own), run with that one (`--state`, or "
            "`state_dir` in ocpispec.toml) from now on")
