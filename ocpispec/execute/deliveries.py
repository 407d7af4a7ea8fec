"""The executor's side of remote delivery (`ocpispec.deliver`): logins checked and
servers tried before anything is fetched, the staged files of remote targets uploaded
and verified before the commit point, the local spool removed afterwards."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ocpispec import deliver as delivery
from ocpispec.deliver import Login
from ocpispec.execute.atomic import AtomicFile, owner_tag
from ocpispec.execute.client import RunError
from ocpispec.execute.outputs import Target, remove_spools, remove_stale_spools
from ocpispec.diagnostics.source import Span
from ocpispec.formats.remote import Remote, parse_remote


def prepare(targets: Mapping[str, Target], spans: Mapping[str, Span],
            notes: list[str] | None = None,
            templates: Mapping[str, str | None] | None = None,
            destinations: Mapping | None = None,
            delivered: dict[str, bytes | None] | None = None, export: str = "",
            keep: frozenset[str] = frozenset(), probe: bool = False,
            look_back: Mapping[str, float | None] | None = None,
            earlier: dict[str, tuple[delivery.Earlier, ...]] | None = None
            ) -> dict[str, Login]:
    """Each remote target's login, its server tried (host key, login, directory);
    `spans` are the outputs' places in the spec, by dataset. First removes the spools
    killed runs left; with the destinations as written (`templates`, by dataset), also
    the temporary files they left on the servers, said in `notes`. `delivered` gets,
    by dataset, the manifest of a file already under the final name (`replacing`).
    `keep`: the URLs of remote temporary files pending commits in the ledger still need
    (`ledger.pending_remote`), never swept. `probe`: each SFTP directory is written to
    once (not in a dry run, which writes nothing). `look_back`: by dataset, the time
    after which the manifests of earlier deliveries there are read (None: any);
    `earlier` gets them, by dataset (`first_runs`)."""
    if any(target.remote is not None for target in targets.values()):
        remove_stale_spools()
    logins = {}
    for name, target in targets.items():
        if target.remote is None:
            continue
        template = (templates or {}).get(name)
        pattern = delivery.name_pattern(template.rsplit("/", 1)[-1],
                                        {"export": export, "dataset": name},
                                        owner_tag()) if template else None
        try:
            logins[name] = login = delivery.resolve(target.remote, destinations)
            wanted = _wanted(template, export, name, look_back)
            tried = delivery.preflight(target.remote, login, pattern,
                                       _paths_at(target.remote, keep), probe, wanted)
        except delivery.Failure as exc:
            raise _error(exc, "checked before fetching: nothing was read or written",
                         spans.get(name)) from None
        if notes is not None:
            notes.extend(_swept_notes(target, tried.leftovers))
        if delivered is not None:
            delivered[name] = tried.delivered
        if wanted is not None and earlier is not None:
            earlier[name] = tried.earlier
    return logins


def _wanted(template: str | None, export: str, dataset: str,
            look_back: Mapping[str, float | None] | None) -> delivery.Wanted | None:
    if template is None or look_back is None or dataset not in look_back:
        return None
    pattern = delivery.manifest_pattern(template.rsplit("/", 1)[-1],
                                        {"export": export, "dataset": dataset})
    return delivery.Wanted(pattern, look_back[dataset])


def _paths_at(remote: Remote, urls: frozenset[str]) -> frozenset[str]:
    """The paths of `urls` on the server of `remote`."""
    server = remote.at("").url
    return frozenset(found.path for url in urls
                     if (found := parse_remote(url)).at("").url == server)


def _swept_notes(target: Target, swept: delivery.Leftovers) -> list[str]:
    assert target.remote is not None
    where = target.remote.at(target.remote.directory).url
    notes = []
    if swept.removed:
        notes.append(f"removed {_files(swept.removed)} a killed run left at `{where}`")
    if swept.young:
        notes.append(f"{_files(swept.young)} at `{where}` may be a killed run's or another "
                     "run's upload in progress; left in place (removed by a run once "
                     "they are an hour old)")
    return notes


def _files(paths: tuple[str, ...]) -> str:
    names = ", ".join(f"`{path.rsplit('/', 1)[-1]}`" for path in paths)
    return f"{len(paths)} temporary file{'s' if len(paths) > 1 else ''} ({names})"


def upload(files: Sequence[AtomicFile], targets: Mapping[str, Target],
           logins: Mapping[str, Login]) -> tuple[list[AtomicFile], delivery.Outbox | None]:
    """The files to publish locally, and the outbox of the remote ones (uploaded under
    temporary names and verified); the manifest of each output goes last, so a consumer
    that waits for it finds the data complete."""
    spools = {target.path.parent: (target.remote, logins[name])
              for name, target in targets.items() if target.remote is not None
              and target.path is not None}
    local = [file for file in files if file.path.parent not in spools]
    if not spools:
        return local, None
    groups = []
    for spool, (remote, login) in spools.items():
        mine = sorted((file for file in files if file.path.parent == spool),
                      key=lambda file: file.path.name.endswith(".manifest.json"))
        groups.append((remote, login, [(file.temp, file.path.name) for file in mine]))
    try:
        return local, delivery.upload(groups)
    except delivery.Failure as exc:
        raise _error(exc) from None


def delivered_now(outbox: delivery.Outbox, url: str) -> bytes | None:
    """The manifest under the final name `url` as the server holds it at the commit."""
    try:
        return outbox.delivered(url)
    except delivery.Failure as exc:
        raise _error(exc, "nothing was published and the state did not move") from None


def cleanup(targets: Mapping[str, Target]) -> None:
    """The local spool directories of remote targets (their files were delivered or
    the run failed)."""
    remove_spools(targets.values())


def _error(exc: delivery.Failure, note: str | None = None,
           span: Span | None = None) -> RunError:
    notes = exc.notes + ((note,) if note else ())
    return RunError.of(exc.code, exc.message, span, "delivered here" if span else "",
                       notes=notes, help=exc.help)
