"""The delivery an existing output holds, as the manifest beside it describes it, and
the refusal (OCX556) of a run that would replace it with a different one: rows of
another export, dataset or window, or a `--limit` sample over a whole window's file."""

from __future__ import annotations

import json
from collections.abc import Mapping

from pathlib import Path
from typing import Any

from ocpispec.frozen import frozen
from ocpispec.execute.client import RunError
from ocpispec.execute.outputs import manifest_path
from ocpispec.execute.windows import ResolvedWindow
from ocpispec.plan import ir
from ocpispec.text import count

# a manifest is a few KB; a larger file beside the output is not one of ours
_MOST_MANIFEST_BYTES = 1 << 20


@frozen
class Delivery:
    """What the manifest beside an existing output says it delivered."""

    export: str | None
    dataset: str | None
    start: str | None
    end: str | None
    rows: int
    sample: bool = False  # a `--limit` run's file


def delivered_at(path: Path) -> Delivery | None:
    """The delivery of rows at `path`, as its manifest describes it; None for no file,
    no readable manifest, or a file without rows."""
    try:
        if not path.is_file():
            return None
        with manifest_path(path).open("rb") as manifest:
            text = manifest.read(_MOST_MANIFEST_BYTES + 1)
        return parse_delivery(text) if len(text) <= _MOST_MANIFEST_BYTES else None
    except OSError:
        return None


def parse_delivery(text: bytes) -> Delivery | None:
    """A manifest's delivery of rows; None for anything else."""
    try:
        manifest = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(manifest, dict):
        return None
    rows = _field(manifest, "output", "rows")
    if not isinstance(rows, int) or isinstance(rows, bool) or rows <= 0:
        return None
    return Delivery(_text(_field(manifest, "export", "name")), _text(manifest.get("dataset")),
                    _text(_field(manifest, "window", "start")),
                    _text(_field(manifest, "window", "end")), rows,
                    manifest.get("sample") is not None)


def check_delivery(earlier: Delivery | None, where: str, plan: ir.Plan, dataset: ir.Dataset,
                   windows: Mapping[str, ResolvedWindow], sample: bool, *,
                   fetched: bool = False) -> None:
    """OCX556 when `earlier`, the delivery at `where`, is not this run's of `dataset`
    (another export, dataset or window), or is a whole window's and this run a sample."""
    window = windows[dataset.name]
    if earlier is None:
        return
    if not _same_delivery(earlier, plan.export.name, dataset.name, window):
        raise _refusal(where, earlier, plan.export.name, dataset, window, fetched)
    if sample and not earlier.sample:
        raise _sample_refusal(where, earlier, dataset)


def _same_delivery(earlier: Delivery, export: str, dataset: str,
                   window: ResolvedWindow) -> bool:
    return (earlier.export, earlier.dataset, earlier.start, earlier.end) == \
        (export, dataset, window.date_from, window.date_to)


def _refusal(where: str, earlier: Delivery, export: str, dataset: ir.Dataset,
             window: ResolvedWindow, fetched: bool = False) -> RunError:
    rows = count(earlier.rows, "row", grouped=True)
    if (earlier.export, earlier.dataset) != (export, dataset.name):
        whose = f"a delivery of `{earlier.export}` (dataset `{earlier.dataset}`)"
        why = f"`{where}` holds {whose} with {rows}"
    else:
        why = (f"`{where}` holds an earlier delivery of `{dataset.name}` with {rows} from "
               f"{_span(earlier.start, earlier.end)}, and this run's window is "
               f"{_span(window.date_from, window.date_to)}")
    advice = ("give each window its own file: put `{run.timestamp}` or `{window.start}` in "
              "the destination (or pass `--out`); or move the earlier file away once its "
              "consumer has it, then run again")
    if window.date_from is not None and window.date_from == window.date_to:
        why += " (empty: the state already reached its end)"
        advice = (f"nothing is left to deliver up to {window.date_to}: a run at that time (the same `--as-of`, "
                  "or the same second) has delivered its window already; run later, or with a later `--as-of`")
    if fetched:  # found at the commit: delivered while this run fetched
        why += ", delivered while this run fetched its records"
    return RunError.of(
        "OCX556", f"this run would replace a delivered file: {why}",
        dataset.step(ir.Render).origin, "the destination",
        notes=(_loss(dataset), "nothing was published and the state did not move" if fetched
               else "nothing was fetched and the state did not move"),
        help=advice)


def _sample_refusal(where: str, earlier: Delivery, dataset: ir.Dataset) -> RunError:
    rows = count(earlier.rows, "row", grouped=True)
    return RunError.of(
        "OCX556", f"this run would replace a delivered file with a sample: `{where}` holds "
                  f"the whole delivery of this window ({rows}), and `--limit` reads only "
                  "some of its records",
        dataset.step(ir.Render).origin, "the destination",
        notes=("replacing the file would take the rest of the window's rows from its "
               "consumer", "nothing was fetched and the state did not move"),
        help="write the sample elsewhere with `--out sample.csv`")


def _loss(dataset: ir.Dataset) -> str:
    if dataset.step(ir.Fetch).window.incremental:
        return ("replacing the file would lose the rows it delivered: the `since last run` "
                "state has moved past them, so no later run delivers them again")
    return "replacing the file would take the rows it delivered from its consumer"


def _span(start: str | None, end: str | None) -> str:
    return f"{start or 'the beginning'} to {end or 'now'}"


def _field(manifest: dict[str, Any], section: str, name: str) -> Any:
    part = manifest.get(section)
    return part.get(name) if isinstance(part, dict) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
