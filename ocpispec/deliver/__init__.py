"""Delivery of finished output files to a remote destination (SFTP), atomically.

    login = login_for(remote)                 # destination profile or environment
    preflight(remote, login, pattern)         # before fetching: host key, login, directory,
                                              # the manifest of a file delivered there
                                              # (and, asked, the earlier deliveries);
                                              # old temporary files of killed runs removed
    outbox = upload([(remote, files)])        # temporary names, verified (before the commit point)
    outbox.renames() -> journal entries       # the commit journal holds them
    outbox.publish()                          # after the commit point: rename to final names
    finish_rename(url, temp, final)           # recovery of a crashed commit (next run)

Every failure is a `Failure` with a diagnostic code, naming the destination by its URL
(which never holds credentials) and never a password or key.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocpispec import secret_refs
from ocpispec.deliver.earlier import Earlier, Wanted
from ocpispec.deliver.leftovers import Leftovers, manifest_pattern, name_pattern
from ocpispec.deliver.profiles import Login, ProfileError, login_for
from ocpispec.formats.remote import Remote, parse_remote

__all__ = ["Earlier", "Failure", "Leftovers", "Login", "Outbox", "Preflight", "Wanted",
           "finish_rename", "login_for", "manifest_pattern", "name_pattern", "preflight",
           "upload"]


class Failure(Exception):
    """A delivery that cannot be done: a diagnostic code and what to tell the user."""

    def __init__(self, code: str, message: str, notes: tuple[str, ...] = (),
                 help: str | None = None) -> None:
        # a server's own words (an S3 error's `Message`, an SFTP status) may quote the
        # login it was given: hidden as the platform's token is (kept by `profiles._checked`)
        from ocpispec.ocpi.errors import without_secrets

        message, notes = without_secrets(message), tuple(without_secrets(note) for note in notes)
        help = None if help is None else without_secrets(help)
        super().__init__(message)
        self.code, self.message, self.notes, self.help = code, message, notes, help


LIBRARIES = {"sftp": ("paramiko", "sftp"), "s3": ("boto3", "s3")}


def available(scheme: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(LIBRARIES[scheme][0]) is not None


def resolve(remote: Remote, tables: Any = None) -> Login:
    """The destination's login (OCX596), with its library installed (OCX599);
    `tables`: the configuration's `[destinations.NAME]` tables (`Config.destinations`)."""
    if not available(remote.scheme):
        library, extra = LIBRARIES[remote.scheme]
        raise Failure("OCX599", f"delivery to `{remote.url}` needs {library}, which is not "
                      "installed", help=f"install it with `pip install 'ocpispec[{extra}]'`")
    try:
        return login_for(remote, tables)
    except (ProfileError, OSError) as exc:
        # an OSError's text quotes its file name, which may be a key given as a path
        reason = str(exc) if isinstance(exc, ProfileError) else \
            f"{exc.strerror or type(exc).__name__} ({secret_refs.key_file(exc.filename or '', 'file')})"
        raise Failure("OCX596", f"no usable login for `{remote.url}`: {reason}",
                      notes=("credentials never stand in a spec: a destination profile in "
                             "the config directory, or environment variables, give them",),
                      help=_profile_help(remote, found=not str(exc).startswith(
                          "the environment") and "(no destination profile for" not in str(exc))
                      ) from None


_PROFILE_FIELDS = {"sftp": "host, user, key_file and known_hosts",
                   "s3": "bucket, endpoint_url, access_key_env and secret_key_env"}


def _profile_help(remote: Remote, *, found: bool) -> str:
    """Without a profile, the file to write, by its path in this configuration (the
    URL's host names it); with one, that it needs mending. Each with its fields."""
    from ocpispec.deliver.profiles import destinations_dir

    fields = f"(mode 0600) with {_PROFILE_FIELDS[remote.scheme]}; see docs/outputs.md#delivery"
    if found:
        return f"mend the destination profile named above {fields}"
    return f"write `{destinations_dir() / f'{remote.host}.toml'}` {fields}"


@dataclass(frozen=True, slots=True)
class Preflight:
    """What trying a destination found: the temporary files of killed runs swept, and
    the manifest delivered beside the final file (its first MiB; None where the file or
    its manifest is not there)."""

    leftovers: Leftovers
    delivered: bytes | None
    earlier: tuple[Earlier, ...] = ()  # the deliveries asked for (`earlier.Wanted`)


def preflight(remote: Remote, login: Login, pattern: re.Pattern[str] | None = None,
              keep: frozenset[str] = frozenset(), probe: bool = False,
              wanted: Wanted | None = None) -> Preflight:
    """Before anything is fetched: the server answers, its host key is known, the login
    is accepted, the target directory exists and no directory takes a final name. With
    `pattern` (`name_pattern`), the temporary files killed runs left there are swept
    (`delivery.leftovers`), except the paths in `keep` (another export's pending
    commit's). In the same session, the manifest of a file already delivered under the
    final name is read. With `probe` (a run that will upload: not a dry run), an SFTP
    directory is written to once, an empty temporary file made and removed. With
    `wanted`, the manifests of earlier deliveries in the directory are read
    (`earlier_manifests`)."""
    from ocpispec.deliver.earlier import earlier_manifests
    from ocpispec.deliver.leftovers import sweep

    session = _connect(remote, login)
    try:
        _retrying(remote, login, lambda: session.ensure().check_directory(remote.directory))
        _check_final_names(session, remote, login)
        swept = (Leftovers() if pattern is None
                 else sweep(session, remote.directory, pattern, keep))
        if probe and remote.scheme == "sftp":
            name = remote.path.rsplit("/", 1)[-1]
            _retrying(remote, login,
                      lambda: session.ensure().try_writing(remote.directory, name))
        earlier = () if wanted is None else _retrying(
            remote, login, lambda: earlier_manifests(session, remote.directory, wanted))
        return Preflight(swept, _delivered(session, remote, login), earlier)
    finally:
        session.close()


def _check_final_names(session: Any, remote: Remote, login: Login) -> None:
    """OCX554 where a final name is taken by what a rename cannot replace (a
    directory): that rename would fail only after the commit point, and so would every
    recovery of it."""
    for path in (remote.path, f"{remote.path}.manifest.json",
                 f"{remote.path}.datapackage.json"):
        found = _retrying(remote, login, lambda path=path: session.ensure().obstacle(path))
        if found is not None:
            raise Failure("OCX554", f"cannot deliver to `{remote.at(path).url}`: it is "
                          f"{found} on the server, not a regular file",
                          notes=("the finished file is renamed over the old one, which "
                                 "cannot replace this",),
                          help="remove or rename it on the server, or deliver under "
                               "another name")


def _delivered(session: Any, remote: Remote, login: Login, limit: int = 1 << 20) -> bytes | None:
    if not _retrying(remote, login, lambda: session.ensure().exists(remote.path)):
        return None
    return _retrying(remote, login,  # type: ignore[no-any-return]
                     lambda: session.ensure().read_small(remote.path + ".manifest.json",
                                                         limit))


@dataclass(slots=True)
class _Pending:
    session: Any
    remote: Remote  # the final file
    temp: str


@dataclass(slots=True)
class Outbox:
    """Files uploaded under temporary names and verified, awaiting their rename."""

    pending: list[_Pending] = field(default_factory=list)
    sessions: list[Any] = field(default_factory=list)

    def renames(self) -> list[list[str]]:
        """For the commit journal: `[url of the final file, temporary path]`."""
        return [[item.remote.url, item.temp] for item in self.pending]

    def publish(self, pause: Callable[[str], None] = lambda step: None,
                starting: Callable[[int], None] = lambda begun: None,
                failed: Callable[[int], None] = lambda begun: None) -> None:
        """Rename each upload to its final name, in order; `starting(n)` before the
        n-th rename is begun, `failed(n)` when it failed (the server said so)."""
        for begun, item in enumerate(self.pending, 1):
            starting(begun)
            try:
                _retrying(item.remote, item.session.login, lambda item=item: _rename(item))
            except Failure:
                failed(begun)
                raise
            pause("remote rename")

    def delivered(self, url: str) -> bytes | None:
        """The manifest under the final name of the uploaded file `url` now, read on its
        upload's connection (None where the file or its manifest is not there, or
        nothing was uploaded for `url`); OCX554 where a directory took a final name
        meanwhile (its rename would fail past the commit point, and every recovery)."""
        for item in self.pending:
            if item.remote.url == url:
                _check_final_names(item.session, item.remote, item.session.login)
                return _delivered(item.session, item.remote, item.session.login)
        return None

    def abort(self) -> None:
        """Before the commit point: remove what was uploaded (best effort, on a new
        connection where the failure took the old one: `Session.remove`)."""
        for item in self.pending:
            item.session.remove(item.temp)
        self.pending.clear()

    def close(self) -> None:
        for session in self.sessions:
            session.close()


def _rename(item: _Pending) -> None:
    """The rename of one uploaded file. Where an attempt whose answer was lost (the
    connection dropped) had renamed it, the next finds the temporary name gone and the
    final one there: done, as recovery would find it."""
    from ocpispec.deliver.faults import TransferError

    session = item.session.ensure()
    try:
        session.rename(item.temp, item.remote.path)
    except TransferError:
        session = item.session.ensure()
        if session.exists(item.temp) or not session.exists(item.remote.path):
            raise


def upload(groups: Sequence[tuple[Remote, Login, Sequence[tuple[Path, str]]]]) -> Outbox:
    """Each `(local temporary file, final name)` of each remote destination uploaded
    beside its final name under a temporary one and verified. On failure everything
    this call uploaded is removed and `Failure` raised."""
    outbox = Outbox()
    try:
        for remote, login, files in groups:
            session = _connect(remote, login)
            outbox.sessions.append(session)
            for local, name in files:
                target = remote.at(f"{remote.directory.rstrip('/')}/{name}")
                temp = _retrying(target, login, lambda local=local, name=name:
                                 session.ensure().upload(local, remote.directory, name))
                outbox.pending.append(_Pending(session, target, temp))
    except BaseException:
        outbox.abort()
        outbox.close()
        raise
    return outbox


def finish_rename(url: str, temp: str, tables: Any = None) -> str:
    """Recovery: finish one remote rename a crashed commit left. `published` when it
    was done now, `done` when it had been, `missing` when neither name exists."""
    remote = parse_remote(url)
    login = resolve(remote, tables)
    session = _connect(remote, login)
    try:
        if _retrying(remote, login, lambda: session.ensure().exists(temp)):
            if _retrying(remote, login, lambda: session.ensure().exists(remote.path)
                         and session.ensure().copied(temp, remote.path)):
                # S3 renames by copying, then deleting: a run killed between made the
                # copy, and copying again told an event-driven consumer of a new object
                session.remove(temp)
                return "done"
            _retrying(remote, login, lambda: session.ensure().rename(temp, remote.path))
            return "published"
        found = _retrying(remote, login, lambda: session.ensure().exists(remote.path))
        return "done" if found else "missing"
    finally:
        session.close()


def _connect(remote: Remote, login: Login) -> Any:
    if remote.scheme == "s3":
        from ocpispec.deliver.s3 import Session
    else:
        from ocpispec.deliver.sftp import Session  # type: ignore[assignment]
    return _retrying(remote, login, lambda: Session(login))


MAX_WAIT_SECONDS = 60.0  # `retries = 30` must not mean a wait of 2**29 seconds


def _retrying(remote: Remote, login: Login, attempt: Callable[[], Any]) -> Any:
    """`attempt` with up to `login.retries` more tries after a transfer failure,
    waiting `backoff_seconds`, doubled each time up to MAX_WAIT_SECONDS. A host key
    problem and a refused login are never retried."""
    from ocpispec.deliver.faults import HostKeyError, LoginError, TransferError, VerifyError

    tries = login.retries + 1
    for number in range(1, tries + 1):
        try:
            return attempt()
        except HostKeyError as exc:
            raise Failure("OCX597", f"the host key of `{remote.url}` is not trusted: {exc}",
                          notes=("host keys are checked against known_hosts and never "
                                 "accepted unseen: an unknown or changed key may be "
                                 "another machine",),
                          help=f"check the key with the server's administrator, then add "
                               f"it: `ssh-keyscan -p {login.port} {login.host} >> "
                               f"{login.known_hosts}`") from None
        except LoginError as exc:
            raise Failure("OCX596", f"no usable login for `{remote.url}`: {exc}",
                          notes=("a refused login is not tried again: servers lock out "
                                 "addresses that keep trying",),
                          help=f"check the user and the key or password of the "
                               f"{login.source}, and that the server accepts them"
                          ) from None
        except TransferError as exc:
            if number == tries:
                code = "OCX598" if isinstance(exc, VerifyError) else "OCX595"
                raise Failure(code, f"delivery to `{remote.url}` failed after "
                              f"{number} attempt{'s' if number > 1 else ''}: {exc}",
                              notes=("nothing was placed under the final name and the "
                                     "state did not advance",),
                              help=getattr(exc, "help", None) or
                              "check the server, the disk space and the permissions "
                              "there, then run again") from None
            with contextlib.suppress(Exception):
                time.sleep(min(login.backoff_seconds * 2 ** (number - 1), MAX_WAIT_SECONDS))
    raise AssertionError("unreachable")

