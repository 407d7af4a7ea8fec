"""Where each dataset of a run writes, resolved before any request: `--out`, the
spec's destinations and their placeholders; a binary output refused on a terminal."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ocpispec.execute.client import RunError
from ocpispec.execute.windows import ResolvedWindow
from ocpispec.plan import ir
from ocpispec.text import with_article


def run_targets(plan: ir.Plan, options: Any, windows: dict[str, ResolvedWindow],
             now: datetime):
    from ocpispec.execute.outputs import MismatchError, OutputError, placeholders, resolve_targets

    values = {d.name: placeholders(plan.export.name, d.name, now, windows[d.name].date_from,
                                   windows[d.name].date_to, _window_zone(d))
              for d in plan.datasets}
    try:
        targets = resolve_targets(plan.datasets, options.out, values, options.output_root)
    except MismatchError as exc:
        raise RunError.of("OCX590", str(exc),
                          help=exc.help or "give `--out` a file name that fits the output's "
                               "format, or a directory") from None
    except OutputError as exc:
        raise RunError.of("OCX556", str(exc),
                          help=exc.help or "give `--out` a directory, or fix the destination") from None
    if not (options.dry_run or options.assess):
        from ocpispec.execute.output_folders import placed

        _no_binary_on_terminal(plan, targets)
        targets = placed(targets)
    return targets


def _window_zone(dataset: ir.Dataset) -> str | None:
    """The time zone a dataset's calendar window is aligned to (None: UTC)."""
    records = next((fetch for fetch in dataset.all(ir.Fetch) if fetch.purpose == "records"),
                   None)
    return records.window.zone if records is not None else None


def _no_binary_on_terminal(plan: ir.Plan, targets: Mapping[str, Any]) -> None:
    """A Parquet or XLSX output to stdout when stdout is a terminal: its bytes would
    scramble the terminal (and may hold escape sequences), and nothing would keep them.
    Refused before any request, as `gzip` and `curl` refuse."""
    binary = [d.step(ir.Render) for d in plan.datasets if targets[d.name].path is None
              and targets[d.name].remote is None
              and d.step(ir.Render).format in ("parquet", "xlsx")]
    import sys

    if binary and sys.stdout.isatty():
        fmt = binary[0].format
        raise RunError.of("OCX589", f"{with_article(f'`{fmt}`')} output would be written to the terminal",
                          binary[0].origin, "written to stdout",
                          notes=("it is a binary file: on a terminal its bytes show as "
                                 "garbage and may reset or rewrite the screen",),
                          help=f"redirect stdout to a file (`> x.{fmt}`) or into a "
                               f"program, or give `--out x.{fmt}`")
