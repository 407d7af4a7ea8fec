"""`ocpispec state show|reset|rename|set-watermark EXPORT`: the `since last run` state.

Every change takes the export's run lock (so it never races a run) and first finishes
a commit an interrupted run left. A watermark is never set into the future; moving
it, either way, changes what the next run delivers, so it needs `--yes`: back, the
next run delivers again what was delivered (a backfill); forward, records in between
are never delivered.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from ocpispec.cli.ledger_option import ledger_file
from ocpispec.cli.plan import show_diagnostics
from ocpispec.diagnostics import Diagnostic, error
from ocpispec.text import count

STATE_OPTION = click.option("--state", "--ledger", "state_path",
                            type=click.Path(), callback=ledger_file, metavar="PATH",
                            help="The ledger holding the state [default: $OCPISPEC_LEDGER or "
                            ".ocpispec/ledger.sqlite]; a JSON state file is moved into it.")


@click.group("state")
def state() -> None:
    """Show, reset or move the `since last run` state of an export.

    EXPORT is the export's name (the spec's `export NAME`). Changing the state takes
    the export's lock, so it never races a run.
    """


@state.command("show")
@click.argument("export")
@STATE_OPTION
def show(export: str, state_path: Path | None) -> None:
    """Show the watermark, plan and commit time of each dataset."""
    from ocpispec.ledger import LedgerError, has_pending
    from ocpispec.ledger.state import platform_shown

    path = _path(export, state_path)
    if not _may_hold(path, export):   # another folder than the runs', a mistyped --state
        click.echo(f"No ledger at {path}: no run kept state here. A run keeps it in the "
                   "ledger of the folder it ran in (`.ocpispec/ledger.sqlite` there), of its "
                   "project's `state_dir`, or of its `--state`; give that path with --state.")
        return
    current = _load(path, export)
    if not current.datasets:
        click.echo(f"No state for `{export}` at {path}: the next `since last run` window "
                   f"starts at 1970-01-01.{_others(path, export)}")
    else:
        click.echo(f"State of `{export}` at {path} (serial {current.serial}):")
        for name, item in sorted(current.datasets.items()):
            seen = f", {count(len(item.seen), 'lookback digest', grouped=True)}" \
                if item.seen else ""
            read = f", read from {platform_shown(item.platform)}" if item.platform else ""
            click.echo(f"  {name}: watermark {item.watermark}, committed {item.committed_at}, "
                       f"plan {item.plan_fingerprint[:12]}{read}{seen}")
    pending = False
    with contextlib.suppress(LedgerError):
        pending = has_pending(path, export)
    if pending:
        click.echo("A commit of an interrupted run is pending; the next run (or any state "
                   "change) finishes it.")


@state.command("reset")
@click.argument("export")
@STATE_OPTION
@click.option("--yes", is_flag=True, help="Confirm: the next run delivers everything again.")
def reset(export: str, state_path: Path | None, yes: bool) -> None:
    """Forget the state: the next run starts at 1970-01-01 and delivers everything."""
    path = _path(export, state_path)
    if not _may_hold(path, export):  # a mistyped --state: no folder or lock file made
        click.echo(f"No ledger at {path}; nothing to reset.")
        return
    with _locked(path, export) as current:
        if not current.datasets:
            click.echo(f"No state for `{export}` at {path}; nothing to reset."
                       f"{_others(path, export)}")
            return
        if not yes:
            _fail(error("OCX581", "resetting the state moves every watermark back to "
                        "1970-01-01", notes=["the next run delivers everything again"],
                        help="add --yes if that is what you want"))
        from ocpispec.ledger import forget_state

        forget_state(path, export)
    click.echo(f"Reset the state of `{export}`: the next run starts at 1970-01-01.")


@state.command("rename")
@click.argument("old")
@click.argument("new")
@STATE_OPTION
def rename(old: str, new: str, state_path: Path | None) -> None:
    """Keep the state of OLD under NEW, after `export OLD` became `export NEW` in the spec.

    The next run of NEW continues from OLD's watermarks instead of delivering
    everything since 1970-01-01 again. Both exports' locks are taken.
    """
    from ocpispec.ledger import LedgerError
    from ocpispec.ledger.renames import move_state
    from ocpispec.ledger.state import StateError

    if old == new:
        raise click.BadParameter("OLD and NEW are the same name", param_hint="NEW")
    path = _path(old, state_path)
    with _locked(path, old) as current, _locked(path, new) as target:
        if not current.datasets:
            _fail(error("OCX553", f"no state for `{old}` at {path}; nothing to rename",
                        notes=[said] if (said := _suggestion(path, old)) else [],
                        help="`ocpispec state show EXPORT` shows an export's state"))
        if target.datasets:
            _fail(error("OCX553", f"`{new}` has a state of its own at {path}",
                        notes=["renaming would replace it, and its next run would deliver "
                               "again, or never, what lies between the two watermarks"],
                        help=f"reset it first if it is not needed (`ocpispec state reset {new} "
                             "--yes`), then rename"))
        try:
            moved = move_state(path, old, new)
        except (LedgerError, StateError) as exc:
            _fail(error("OCX553", f"cannot rename the state at {path}: {exc}", help=_REPAIR))
    click.echo(f"Renamed the state of `{old}` to `{new}`: its next run continues from "
               f"{', '.join(f'{n} {d.watermark}' for n, d in sorted(moved.datasets.items()))}.\n"
               "Pseudonyms are keyed by the export's name: the new name gives the same "
               "driver or record another pseudonym than the old one did.")


@state.command("set-watermark")
@click.argument("export")
@click.argument("timestamp")
@STATE_OPTION
@click.option("--dataset", metavar="NAME", help="Only this dataset (default: every dataset "
              "in the state).")
@click.option("--yes", is_flag=True, help="Confirm a move that changes what the next run "
              "delivers.")
def set_watermark(export: str, timestamp: str, state_path: Path | None, dataset: str | None,
                  yes: bool) -> None:
    """Move the watermark to TIMESTAMP (UTC): the explicit backfill command."""
    from ocpispec.execute import CLOCK_SKEW, wall_clock
    from ocpispec.timestamps import TimestampError, format_timestamp, read_timestamp

    try:
        moment = read_timestamp(timestamp)
    except TimestampError:
        raise click.BadParameter("expected a timestamp such as 2026-01-01T00:00:00Z",
                                 param_hint="TIMESTAMP") from None
    mark = format_timestamp(moment)
    if moment > wall_clock() + CLOCK_SKEW:
        _fail(error("OCX582", f"{mark} lies in the future",
                    notes=["records updated before that moment would never be delivered"],
                    help="give a moment that has passed"))
    path = _path(export, state_path)
    with _locked(path, export) as current:
        names = [dataset] if dataset else sorted(current.datasets)
        said = None if current.datasets else _suggestion(path, export)
        if not names:
            _fail(error("OCX553", f"no state for `{export}` at {path}",
                        notes=[said] if said else [],
                        help="name the dataset with --dataset to create one"))
        _confirm_moves(current, names, moment, yes)
        updated = current.advanced({name: _moved(current, name, mark) for name in names})
        from ocpispec.ledger import save_state

        save_state(path, updated)
    click.echo(f"Set the watermark of {', '.join(f'`{n}`' for n in names)} to {mark}.")
    if said is not None and said.startswith("did you mean"):  # a new state: a mistyped
        # backfill leaves the real one as it was
        click.echo(f"warning: `{export}` had no state; this made one; {said}", err=True)


def _confirm_moves(current, names: list[str], moment: datetime, yes: bool) -> None:
    from ocpispec.timestamps import read_timestamp

    back = [n for n in names if n in current.datasets
            and read_timestamp(current.datasets[n].watermark) > moment]
    forward = [n for n in names if n in current.datasets
               and read_timestamp(current.datasets[n].watermark) < moment]
    if yes or not (back or forward):
        return
    if back:
        _fail(error("OCX581", f"this moves the watermark of `{back[0]}` back",
                    notes=["the next run delivers records again that were delivered before "
                           "(a backfill)"], help="add --yes if that is what you want"))
    _fail(error("OCX581", f"this moves the watermark of `{forward[0]}` forward",
                notes=["records updated in between are never delivered"],
                help="add --yes if that is what you want"))


def _moved(current, name: str, mark: str):
    from ocpispec.ledger.state import DatasetState

    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    found = current.datasets.get(name)
    if found is None:
        return DatasetState(mark, "", now)
    # a watermark set by hand holds for whatever platform the next run reads (OCX587)
    return dataclasses.replace(found, watermark=mark, committed_at=now, seen=(), seen_since=None,
                               platform=None, listed=None)


def _path(export: str, state_path: Path | None) -> Path:
    """`--state`, else the ledger `<state_dir>/ledger.sqlite` when a state_dir is
    configured (`ocpispec.toml` found from the current directory, or
    OCPISPEC_STATE_DIR), else the default ledger."""
    from ocpispec.cli.configured import command_config, configured_ledger

    path = state_path if state_path is not None else configured_ledger(command_config())
    if path.is_dir():  # before the lock, whose file would go beside the directory
        _fail(error("OCX553", f"cannot use the ledger `{path}`: it is a directory, not a "
                    "file", help=f"give --state the ledger's file, e.g. "
                    f"`{path / 'ledger.sqlite'}`"))
    return path


def _may_hold(path: Path, export: str) -> bool:
    """Whether a ledger (or a JSON state to move into one) is there."""
    from ocpispec.ledger import legacy_state_path

    return path.exists() or legacy_state_path(path, export).exists()


def _state_exports(path: Path) -> list[str]:
    from ocpispec.ledger import LedgerError, state_exports

    try:
        return state_exports(path)
    except (LedgerError, OSError):
        return []


def _others(path: Path, export: str) -> str:
    """` Did you mean `x`?` after a sentence, for a mistyped export (or `""`)."""
    said = _suggestion(path, export)
    if said is None:
        return ""
    return f" {said[0].upper()}{said[1:]}{'' if said.endswith('?') else '.'}"


def _suggestion(path: Path, export: str) -> str | None:
    """`did you mean `x`?` for a mistyped export, else the exports the ledger holds."""
    import difflib

    known = _state_exports(path)
    if not known:
        return None
    close = difflib.get_close_matches(export, known, n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}`?"
    return f"the ledger holds the state of: {', '.join(f'`{name}`' for name in known)}"


def _load(path: Path, export: str):
    from ocpispec.ledger import LedgerError, load_state
    from ocpispec.ledger.state import StateError

    try:
        return load_state(path, export)
    except (StateError, LedgerError, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else exc
        _fail(error("OCX553", f"cannot use the ledger `{path}`: {reason}", help=_repair(exc)))


_REPAIR = "repair it, or move it aside (the next run then starts at 1970-01-01)"


def _repair(exc: Exception) -> str:
    from ocpispec.ledger.state import UPGRADE_HELP

    return UPGRADE_HELP if getattr(exc, "newer", False) else _REPAIR


@contextlib.contextmanager
def _locked(path: Path, export: str):
    from ocpispec.deliver import finish_rename
    from ocpispec.execute import RunError
    from ocpispec.execute.lock import run_lock
    from ocpispec.ledger import LedgerError, migrate, recover
    from ocpispec.ledger.state import StateError

    tables = _destination_tables()
    try:
        with run_lock(path, export):
            migrate(path, export)
            # remote renames reconnect, with the logins `run` has (a configured table)
            recover(path, export, lambda url, temp: finish_rename(url, temp, tables))
            yield _load(path, export)
    except RunError as exc:
        _fail(exc.diagnostic)
    except OSError as exc:
        _fail(error("OCX553", str(exc), help="make the directories writable and try again"))
    except (LedgerError, StateError) as exc:
        if _left_a_commit(path, export):  # a remote server, a moved file: not the ledger
            _fail(error("OCX553", f"cannot finish the commit an interrupted run left: {exc}",
                        help="fix the cause and try again; do not delete the ledger (that "
                             "run's window would be delivered twice)"))
        _fail(error("OCX553", f"cannot use the ledger `{path}`: {exc}", help=_repair(exc)))


def _destination_tables():
    """The configuration's `[destinations.NAME]` tables (the current directory's and
    the user's configuration, as `run` reads them beside its spec)."""
    from ocpispec.cli.configured import command_config

    return command_config().destinations


def _left_a_commit(path: Path, export: str) -> bool:
    from ocpispec.ledger import LedgerError, has_pending

    try:
        return has_pending(path, export)
    except (LedgerError, OSError):
        return False


def _fail(diagnostic: Diagnostic) -> None:
    show_diagnostics([diagnostic])
    sys.exit(1)
