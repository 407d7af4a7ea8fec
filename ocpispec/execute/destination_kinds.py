"""What a local destination must not be: a file named like a template (OCX371), one
whose name repeats a personal value the spec compares (OCX350), anything but a regular
file or a mount point of its own (OCX554), or the ledger and the run records (OCX554).
Outputs are replaced by renaming a finished file over the old one, which would replace
such a node itself."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ocpispec.execute.client import RunError
from ocpispec.execute.mount_points import is_mount_point
from ocpispec.execute.outputs import datapackage_path, manifest_path
from ocpispec.formats import named_like_template
from ocpispec.plan import ir


def check_not_template(path: Path, dataset: ir.Dataset) -> None:
    """OCX371 for an output named like a template (`--out rows.j2`; the spec's own
    destination is refused by `check`): any spec's template could include it."""
    if named_like_template(path.name):
        raise RunError.of(
            "OCX371", f"cannot write `{path.name}`: it is named like a template",
            dataset.step(ir.Render).origin, "the destination",
            notes=("a template that includes this file would copy its rows into another "
                   "export's output; nothing was fetched",),
            help="name the file for what it holds (`.csv`, `.md`, ...)")


def check_not_naming(path: Path, plan: ir.Plan, dataset: ir.Dataset) -> None:
    """OCX350 for an output whose name repeats a value a filter or `jmespath(...)` column
    compares personal fields with (`--out card_04A2B3C4.csv`; the spec's own destination
    is refused by `check`): the manifest names the file beside the filter it blanks."""
    from ocpispec.check.named_values import named_in
    from ocpispec.check.personal_literals import jmespath_texts
    from ocpispec.privacy_summary.summary import exact_filters

    expressions = [*exact_filters(plan), *(column.expression for each in plan.datasets
                                           for column in each.columns if column.redacted)]
    if named_in(path.name, [text for expression in expressions
                            for text in jmespath_texts(expression)]) is not None:
        raise RunError.of(
            "OCX350", "the output's file name repeats a personal value the spec compares",
            dataset.step(ir.Render).origin, "the destination",
            notes=("the manifest names the file beside the filter or column that shows the "
                   "value as `(personal value)`; nothing was fetched",),
            help="name the file for whose records they are without their id")


def check_kind(path: Path, dataset: ir.Dataset, *, fetched: bool = False) -> None:
    """OCX554 when the output or a file beside it exists and is not a regular file;
    `fetched`: checked again at the commit (before its commit point)."""
    done = ("nothing was published and the state did not move: the next run delivers "
            "this window" if fetched else "nothing was fetched")
    for place in (path, manifest_path(path), datapackage_path(path)):
        try:
            mode = os.lstat(place).st_mode
        except OSError:  # missing (the usual case), or unreadable: writing will tell
            continue
        if not stat.S_ISREG(mode):
            raise RunError.of(
                "OCX554", f"cannot write `{place}`: it is {_kind(mode)}, not a regular file",
                dataset.step(ir.Render).origin, "the destination",
                notes=("ocpispec writes a new file and renames it over the old one, which "
                       f"would replace this node itself; {done}",),
                help="give the path of a regular file or a directory, or `--out -` for "
                     "stdout")
        if is_mount_point(place):
            raise RunError.of(
                "OCX554", f"cannot replace `{place}`: it is a mount point (a file mounted "
                          "on its own, as into a container)",
                dataset.step(ir.Render).origin, "the destination",
                notes=("ocpispec writes a new file beside it and renames it over the old "
                       f"one, which a mount point refuses; {done}",),
                help="mount the folder that holds it instead of the file (`-v "
                     "/srv/exports:/app/exports`), or write elsewhere with `--out`")


def check_not_bookkeeping(path: Path, dataset: ir.Dataset, ledger: Path,
                           runs: Path | None) -> None:
    """OCX554 when the output or a file beside it is the ledger, one of the files
    SQLite and the run lock keep beside it (`ledger.sqlite-journal`,
    `ledger.sqlite.EXPORT.lock`), or lies in the run records' directory: a template may
    be named anything, and renaming it into place would erase the disclosure log and
    the `since last run` state."""
    ledger = Path(os.path.realpath(ledger))
    records = Path(os.path.realpath(runs)) if runs is not None else None
    for place in (path, manifest_path(path), datapackage_path(path)):
        real = Path(os.path.realpath(place))
        beside_ledger = real.parent == ledger.parent and (
            real.name == ledger.name or real.name.startswith((f"{ledger.name}-",
                                                              f"{ledger.name}.")))
        if beside_ledger or (records is not None and records in real.parents):
            what = "the ledger, or a file kept beside it" if beside_ledger \
                else "in the directory of the run records"
            raise RunError.of(
                "OCX554", f"cannot write `{place}`: it is {what}",
                dataset.step(ir.Render).origin, "the destination",
                notes=("the ledger holds the disclosure log and the `since last run` "
                       "state; an output written there would erase them; nothing was "
                       "fetched",),
                help="write the output elsewhere (another destination, or `--out PATH`)")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    return "a socket" if stat.S_ISSOCK(mode) else "a special file"
