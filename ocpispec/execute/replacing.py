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

`replaced_delivery` reads the manifest beside a file and refuses a different delivery;
`destination_kinds` refuses what a destination must not be.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ocpispec.execute.client import RunError
from ocpispec.execute.destination_kinds import (check_kind, check_not_bookkeeping,
                                                check_not_naming, check_not_template)
from ocpispec.execute.outputs import Target, datapackage_path, manifest_path
# delivered_at and parse_delivery: other modules import them from here
from ocpispec.execute.replaced_delivery import (check_delivery, delivered_at,  # noqa: F401
                                                parse_delivery)
from ocpispec.execute.windows import ResolvedWindow
from ocpispec.plan import ir


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
            check_not_template(target.path, dataset)
            check_not_naming(target.path, plan, dataset)
            check_kind(target.path, dataset)
            if bookkeeping is not None:
                check_not_bookkeeping(target.path, dataset, *bookkeeping)
            _check_unclaimed(target.path, dataset, claimed)
            check_delivery(delivered_at(target.path), str(target.path), plan, dataset, windows,
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
    the same two runs delivering to one SFTP file both exited 0. The run's lock beside
    the ledger is checked first (`lock.check_still_held`)."""
    if ledger is not None:  # before the claims are read from it
        from ocpispec.execute.lock import check_still_held

        check_still_held(ledger, plan.export.name)
    folders = sorted({os.path.realpath(target.path.parent) for target in targets.values()
                      if target.remote is None and target.path is not None})
    with contextlib.ExitStack() as held:
        _lock_folders(folders, held)
        from ocpispec.execute.output_folders import check_folders

        check_folders(plan, targets, fetched=True)
        _check_targets_again(plan, targets, windows, sample, ledger, outbox)
        yield


def _lock_folders(folders: list[str], held: contextlib.ExitStack) -> None:
    """Lock each folder (`flock`, in the order given) until `held` closes; a folder that
    cannot be opened or locked is passed over (publishing will tell)."""
    import fcntl

    for folder in folders:
        try:
            handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            continue
        held.callback(os.close, handle)
        with contextlib.suppress(OSError):
            fcntl.flock(handle, fcntl.LOCK_EX)


def _check_targets_again(plan: ir.Plan, targets: Mapping[str, Target],
                         windows: Mapping[str, ResolvedWindow], sample: bool,
                         ledger: Path | None, outbox: Any) -> None:
    """Each target checked at the commit as before the network: local files by their
    kind, claims and manifest, remote ones by the manifest their server holds now."""
    claimed = _claims(ledger, plan) if ledger is not None else {}
    remote = _remote_claims(ledger, plan) if ledger is not None else {}
    for dataset in plan.datasets:
        target = targets[dataset.name]
        if target.remote is None and target.path is not None:
            # made there while this run fetched (a directory): its rename would fail
            # past the commit point, and so would every recovery of it
            check_kind(target.path, dataset, fetched=True)
            _check_unclaimed(target.path, dataset, claimed, fetched=True)
            check_delivery(delivered_at(target.path), str(target.path), plan, dataset, windows,
                           sample, fetched=True)
        elif target.remote is not None and outbox is not None:
            _check_unclaimed_remote(target.remote.url, dataset, remote, fetched=True)
            _check_remote_again(outbox, target.remote.url, plan, dataset, windows, sample)


def _check_remote_again(outbox: Any, url: str, plan: ir.Plan, dataset: ir.Dataset,
                        windows: Mapping[str, ResolvedWindow], sample: bool) -> None:
    from ocpispec.execute.deliveries import delivered_now

    text = delivered_now(outbox, url)
    if text is not None:
        check_delivery(parse_delivery(text), url, plan, dataset, windows, sample, fetched=True)


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
            check_delivery(parse_delivery(text), target.remote.url, plan, dataset, windows,
                           sample)
