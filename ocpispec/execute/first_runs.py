"""A first `since last run` window where this export delivered before, under another
ledger.

A dataset without state in the ledger starts at 1970-01-01: every record leaves. That
is right for a new export, and a repeat of everything for one whose ledger is another
file: the default ledger is `.ocpispec/ledger.sqlite` under the current directory, so a
cron job started in the home directory and a person running the same spec in the
project folder keep two; a ledger deleted or moved is the same. The manifests beside
the outputs tell: a local destination's folder holding a delivery of this export's
dataset (with rows) means the run delivers those records again. The run goes on (a
reference run into the same folder under a fresh ledger is legitimate) and says so, so
that whoever reads the summary can move the right ledger back before the next run.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ocpispec.execute.outputs import Target
from ocpispec.execute.replacing import Delivery, parse_delivery
from ocpispec.execute.windows import ResolvedWindow
from ocpispec.plan import ir

_SUFFIX = ".manifest.json"
_MOST_MANIFEST_BYTES = 1 << 20
_MOST_MANIFESTS = 10_000  # a folder of years of deliveries is read once, by a first run


def first_run_notes(plan: ir.Plan, targets: Mapping[str, Target],
                    windows: Mapping[str, ResolvedWindow], ledger: Path) -> list[str]:
    """A note for each first `since last run` window whose folder holds deliveries of
    its dataset (not for `--restart`, which delivers everything again on purpose)."""
    notes = []
    for dataset in plan.datasets:
        target, window = targets[dataset.name], windows[dataset.name]
        if not (window.first_run and dataset.step(ir.Fetch).window.incremental) \
                or target.remote is not None or target.path is None:
            continue
        ends = [d.end for d in _deliveries(target.path.parent)
                if (d.export, d.dataset) == (plan.export.name, dataset.name) and d.end]
        if ends:
            notes.append(_note(dataset, target.path.parent, max(ends), ledger))
    return notes


def _deliveries(folder: Path) -> list[Delivery]:
    found = []
    try:
        names = sorted(p for p in folder.iterdir() if p.name.endswith(_SUFFIX))
    except OSError:  # no folder yet: nothing delivered there
        return []
    for path in names[-_MOST_MANIFESTS:]:
        try:
            with path.open("rb") as manifest:
                text = manifest.read(_MOST_MANIFEST_BYTES + 1)
        except OSError:
            continue
        delivery = parse_delivery(text) if len(text) <= _MOST_MANIFEST_BYTES else None
        if delivery is not None and not delivery.sample:
            found.append(delivery)
    return found


def _note(dataset: ir.Dataset, folder: Path, end: str, ledger: Path) -> str:
    return (f"`{dataset.name}` had no `since last run` state in the ledger `{ledger}`, but "
            f"`{folder}` holds its deliveries up to {end}: this first window, from "
            "1970-01-01, delivers their records again. If they were recorded by another "
            "ledger (the default `.ocpispec/ledger.sqlite` lies under the current directory, "
            "so a job started elsewhere keeps its own), run with that one (`--state`, or "
            "`state_dir` in ocpispec.toml) from now on")
