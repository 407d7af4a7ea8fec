"""A delivered file is never replaced by a different delivery.

A destination whose pattern does not change from one run to the next (`{run.date}`
and a second run that day, `{window.end}` and a run whose window ends where the last
one did, a fixed name, a `--limit` sample of an incremental export) would otherwise
put this run's file where an earlier run's file lies. With `since last run` the earlier
file holds records the state has moved past: replacing it loses them for good.

Before anything is fetched, each local target is compared with the manifest beside
it: a file that holds rows of another export or dataset, or of another window, is a
delivery this run must not replace (OCX556), and the run stops with nothing fetched
and the state unmoved. Running a window again (a failed delivery, a demo) replaces
its own file: the records are the same ones, except that a `--limit` sample never
replaces a whole window's file. A file without a readable manifest, or
whose manifest says it holds no row, is replaced as before. A remote destination
(SFTP, S3) is compared with the manifest delivered beside it, once its server has been
tried and before anything is fetched; a lost connection or a server error while looking
fails the run there (`ocpispec.deliver`), it never reads as "no file".

Outputs are replaced by renaming a finished file over the old one, so a local target
(or the manifest or data package beside it) that exists and is not a regular file is
refused before anything is fetched: renaming over a device (`/dev/full`, `/dev/null`),
a named pipe or a symbolic link would replace that node with a plain file, and over a
directory it fails only once everything has been fetched. So does a file that is a
mount point of its own (`mount_points`): renaming over it fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocpispec.formats import named_like_template
from ocpispec.plan import ir
from ocpispec.execute.client import RunError
from ocpispec.execute.mount_points import is_mount_point
from ocpispec.execute.outputs import Target, datapackage_path, manifest_path
from ocpispec.execute.windows import ResolvedWindow
from ocpispec.text import count


# a manifest is a few KB; a larger file beside the output is not one of ours
_MOST_MANIFEST_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the manifest beside an existing output says it delivered."""

    export: str | None
    dataset: str | None
    start: str | None
    end: str | None
    rows: int
    sample: bool = False  # a `--limit` run's file


def check_replacements(plan: ir.Plan, targets: Mapping[str, Target],
                       windows: Mapping[str, ResolvedWindow],
                       bookkeeping: tuple[Path, Path | None] | None = None, *,
                       sample: bool = False) -> None:
    """Refuse (OCX556) a run that would replace an earlier, different delivery in a
    local file, and (OCX554) one that would write over the ledger or the run records
    (`bookkeeping`: the ledger's path and the run records' directory); `sample`: this
    run is a `--limit` sample, which never replaces a whole window's file. A local file
    named like a template (OCX371) or repeating a blanked value (OCX350) is refused too:
    `--out` is not seen by `check`."""
    claimed = _claims(bookkeeping[0], plan) if bookkeeping is not None else {}
    for dataset in plan.datasets:
        target = targets[dataset.name]
        if target.remote is None and target.path is not None:
            _check_not_template(target.path, dataset)
            _check_not_naming(target.path, plan, dataset)
            _check_kind(target.path, dataset)
            if bookkeeping is not None:
                _check_not_bookkeeping(target.path, dataset, *bookkeeping)
            _check_unclaimed(target.path, dataset, claimed)
            _check(delivered_at(target.path), str(target.path), plan, dataset, windows,
                   sample)


@contextlib.contextmanager
def destinations_held(plan: ir.Plan, targets: Mapping[str, Target],
                      windows: Mapping[str, ResolvedWindow], sample: bool,
                      ledger: Path | None = None, outbox: Any = None) -> Iterator[None]:
    """While a run commits: the folders of its local destinations locked (`flock`, in
    one order, so runs delivering into the same folders wait for each other's commit:
    milliseconds) and each target checked again as before the network. Two runs of
    different exports (each holding its own lock) delivering into one file both found
    no file before fetching, and the one that committed second replaced the first's
    delivery, whose state had moved past it: those records were lost, and both runs
    exited 0. The second now stops with OCX556 and publishes nothing. A folder that
    cannot be locked (a file system without locks) is checked all the same. A remote
    target (its files uploaded in `outbox`) is checked again from the manifest its
    server holds now: it cannot be locked, but it was checked only before fetching, so
    the same two runs delivering to one SFTP file both exited 0."""
    import fcntl

    folders = sorted({os.path.realpath(target.path.parent) for target in targets.values()
                      if target.remote is None and target.path is not None})
    with contextlib.ExitStack() as held:
        for folder in folders:
            try:
                handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
            except OSError:  # publishing will tell
                continue
            held.callback(os.close, handle)
            with contextlib.suppress(OSError):
                fcntl.flock(handle, fcntl.LOCK_EX)
        from ocpispec.execute.output_folders import check_folders

        check_folders(plan, targets, fetched=True)
        claimed = _claims(ledger, plan) if ledger is not None else {}
        remote = _remote_claims(ledger, plan) if ledger is not None else {}
        for dataset in plan.datasets:
            target = targets[dataset.name]
            if target.remote is None and target.path is not None:
                # made there while this run fetched (a directory): its rename would fail
                # past the commit point, and so would every recovery of it
                _check_kind(target.path, dataset, fetched=True)
                _check_unclaimed(target.path, dataset, claimed, fetched=True)
                _check(delivered_at(target.path), str(target.path), plan, dataset, windows,
                       sample, fetched=True)
            elif target.remote is not None and outbox is not None:
                _check_unclaimed_remote(target.remote.url, dataset, remote, fetched=True)
                _check_remote_again(outbox, target.remote.url, plan, dataset, windows, sample)
        yield


def _check_remote_again(outbox: Any, url: str, plan: ir.Plan, dataset: ir.Dataset,
                        windows: Mapping[str, ResolvedWindow], sample: bool) -> None:
    from ocpispec.execute.deliveries import delivered_now

    text = delivered_now(outbox, url)
    if text is not None:
        _check(parse_delivery(text), url, plan, dataset, windows, sample, fetched=True)


def _remote_claims(ledger: Path, plan: ir.Plan) -> dict[str, str]:
    from ocpispec.ledger import pending_remote_finals

    return pending_remote_finals(ledger, plan.export.name)


def _claims(ledger: Path, plan: ir.Plan) -> dict[Path, str]:
    """The files the pending commits of the ledger's other exports will publish."""
    from ocpispec.ledger import pending_finals

    return pending_finals(ledger, plan.export.name)


def _check_unclaimed(path: Path, dataset: ir.Dataset, claimed: Mapping[Path, str], *,
                     fetched: bool = False) -> None:
    """OCX556 when a commit another export's run left past its commit point (killed)
    will publish a file of this run's: its recovery renames over whatever lies there, and
    this run's delivery, whose state had moved on, was replaced."""
    if not claimed:
        return
    for place in (path, manifest_path(path), datapackage_path(path)):
        owner = claimed.get(Path(os.path.realpath(place)))
        if owner is not None:
            raise _claimed(str(path), owner, dataset, fetched)


def _check_unclaimed_remote(url: str, dataset: ir.Dataset, claimed: Mapping[str, str], *,
                            fetched: bool = False) -> None:
    """The same for a remote destination: recovery of the other export's commit renames
    (on S3 copies) its upload over this run's delivery."""
    for place in (url, f"{url}.manifest.json", f"{url}.datapackage.json"):
        owner = claimed.get(place)
        if owner is not None:
            raise _claimed(url, owner, dataset, fetched)


def _claimed(path: str, owner: str, dataset: ir.Dataset, fetched: bool) -> RunError:
    return RunError.of(
        "OCX556", f"this run would deliver `{path}`, which the commit an interrupted "
                  f"run of `{owner}` left will publish",
        dataset.step(ir.Render).origin, "the destination",
        notes=(f"the next run of `{owner}` (or an `ocpispec state` command on it) "
               "finishes that commit and renames its file over this one: this "
               "delivery would be replaced, its records lost",
               "nothing was published and the state did not move" if fetched
               else "nothing was fetched and the state did not move"),
        help=f"run `{owner}` first to finish its commit, and give the two exports "
             "files of their own (put `{export}` in the destinations)")


def check_remote_replacements(plan: ir.Plan, targets: Mapping[str, Target],
                              windows: Mapping[str, ResolvedWindow],
                              delivered: Mapping[str, bytes | None],
                              sample: bool = False, ledger: Path | None = None) -> None:
    """The same for remote destinations, from the manifest delivered beside the file
    (read while `deliveries.prepare` tried each server), by dataset; with the `ledger`,
    a file the pending commit of another of its exports will deliver is refused too."""
    claimed = _remote_claims(ledger, plan) if ledger is not None else {}
    for dataset in plan.datasets:
        target = targets[dataset.name]
        if target.remote is not None:
            _check_unclaimed_remote(target.remote.url, dataset, claimed)
        text = delivered.get(dataset.name)
        if target.remote is not None and text is not None:
            _check(parse_delivery(text), target.remote.url, plan, dataset, windows, sample)


def _check_not_template(path: Path, dataset: ir.Dataset) -> None:
    """OCX371 for an output named like a template (`--out rows.j2`; the spec's own
    destination is refused by `check`): any spec's template could include it."""
    if named_like_template(path.name):
        raise RunError.of(
            "OCX371", f"cannot write `{path.name}`: it is named like a template",
            dataset.step(ir.Render).origin, "the destination",
            notes=("a template that includes this file would copy its rows into another "
                   "export's output; nothing was fetched",),
            help="name the file for what it holds (`.csv`, `.md`, ...)")


def _check_not_naming(path: Path, plan: ir.Plan, dataset: ir.Dataset) -> None:
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


def _check_kind(path: Path, dataset: ir.Dataset, *, fetched: bool = False) -> None:
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


def _check_not_bookkeeping(path: Path, dataset: ir.Dataset, ledger: Path,
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


def _check(earlier: Delivery | None, where: str, plan: ir.Plan, dataset: ir.Dataset,
           windows: Mapping[str, ResolvedWindow], sample: bool, *, fetched: bool = False) -> None:
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
