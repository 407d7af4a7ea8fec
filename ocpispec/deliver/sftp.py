"""SFTP delivery with paramiko: connect with the host key checked against known_hosts,
upload under a temporary name, verify, rename.

Verification re-reads the uploaded file from the server and compares its size and
sha256 with the local file's: a server that truncated or altered the file (disk full,
quota, a broken connection) is caught before the file gets its final name. The rename
uses `posix-rename@openssh.com` (replaces atomically) where the server offers it, else
the plain SFTP rename after removing an older file of that name.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import socket
import stat
import time
from pathlib import Path

from ocpispec import secret_refs
from ocpispec.deliver.faults import (HostKeyError, LoginError, NoDirectory, NoRename,
                                     NoSftp, ShortUpload, TransferError, VerifyError)
from ocpispec.deliver.leftovers import temporary_name
from ocpispec.deliver.profiles import Login

__all__ = ["HostKeyError", "Session", "TransferError", "VerifyError", "progress"]

CHUNK = 1 << 18
_PACKET = 32768  # what paramiko's own `putfo` writes at a time
# the empty files `try_writing` made and could not remove, by (host, port, final path):
# the upload of that file writes into it (one run per process)
_PROBED: dict[tuple[str, int, str], str] = {}


def progress(sent: int, total: int) -> None:
    """Called as an upload proceeds (tests stop the server mid-upload here)."""


class Session:
    """One SSH connection with its SFTP channel."""

    def __init__(self, login: Login) -> None:
        self.login = login
        self._open()

    def ensure(self) -> Session:
        """This session, connected again when the connection was lost."""
        transport = self.client.get_transport()
        if transport is None or not transport.is_active():
            self.close()
            self._open()
        return self

    def _open(self) -> None:
        import paramiko

        login = self.login
        self.client = paramiko.SSHClient()
        try:
            self.client.load_host_keys(str(login.known_hosts))
        except (OSError, paramiko.SSHException) as exc:
            raise HostKeyError(f"cannot read the known_hosts file `{login.known_hosts}` "
                               f"({exc.__class__.__name__})") from None
        self.client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            self.client.connect(
                login.host, port=login.port, username=login.user,
                key_filename=str(login.key_file) if login.key_file else None,
                password=login.password, allow_agent=False, look_for_keys=False,
                timeout=15, banner_timeout=15, auth_timeout=15)
        except paramiko.BadHostKeyException:
            self.close()
            raise HostKeyError("the server's host key differs from the one known_hosts "
                               f"(`{login.known_hosts}`) holds for it") from None
        except paramiko.AuthenticationException:
            self.close()
            raise LoginError(f"the server refused the login (user {secret_refs.user(login.user)})") from None
        except paramiko.SSHException as exc:
            self.close()
            if "not found in known_hosts" in str(exc):
                raise HostKeyError(f"the server's host key is not in `{login.known_hosts}`"
                                   ) from None
            raise TransferError(f"SSH failed ({exc.__class__.__name__})") from None
        except (OSError, socket.timeout, EOFError) as exc:
            self.close()
            raise TransferError(_reason(exc)) from None
        self._start_sftp()

    def _start_sftp(self) -> None:
        """The SFTP channel of a login the server accepted. A server that closes it
        before it answers ("EOF during negotiation": an account with a shell only, a
        `ForceCommand`, no `Subsystem sftp`) was reported as `SSH failed
        (SSHException)`."""
        import paramiko

        try:
            self.sftp = self.client.open_sftp()
        except paramiko.SSHException as exc:
            self.close()
            raise NoSftp(_reason(exc)) from None
        except (OSError, socket.timeout, EOFError) as exc:
            self.close()
            raise TransferError(_reason(exc)) from None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.close()

    def check_directory(self, directory: str) -> None:
        try:
            mode = self.sftp.stat(directory).st_mode
        except OSError as exc:
            if exc.errno == errno.ENOENT:  # the server's answer: a path to mend, not a fault
                raise NoDirectory(directory) from None
            raise TransferError(f"the directory `{directory}` on the server: {_reason(exc)}"
                                ) from None
        if mode is not None and not stat.S_ISDIR(mode):
            raise TransferError(f"`{directory}` on the server is not a directory")

    def try_writing(self, directory: str, name: str) -> None:
        """An empty file made and removed in `directory` under the temporary name an
        upload of `name` takes (a killed run's is swept as one): a directory the login
        may read but not write (the root of a chroot, a read-only account) is found
        before the run fetches, not at the upload after it."""
        temp = temporary_name(directory, name)
        try:
            self.sftp.open(temp, "wb").close()
        except OSError as exc:
            raise TransferError(f"cannot write in the directory `{directory}` on the "
                                f"server: {_upload_reason(exc)}") from None
        over = self.exists(f"{directory.rstrip('/')}/{name}")
        temp = self._try_renaming(directory, name, temp, over)
        try:
            self.sftp.remove(temp)
        except Exception:  # a login that may write but not remove (`internal-sftp -P
            # remove`), or a lost answer: the upload of `name` takes this file over, so
            # no empty temporary file is left behind by the probe
            _PROBED[self._probe_key(directory, name)] = temp

    def _try_renaming(self, directory: str, name: str, temp: str, over: bool) -> str:
        """The probe renamed to another temporary name, as each upload will be to its
        final one, and over another file where `over` (an older delivery of `name` is
        there): a login that may write but not rename (`internal-sftp -P
        rename,posix-rename`, a drop box), or that may rename but neither replace in one
        step nor remove (`-P posix-rename,remove`: the older file is removed first),
        failed its renames past the commit point, and every next run's recovery, until
        the server was changed. The new name."""
        moved = temporary_name(directory, name)
        try:
            if over:
                self.sftp.open(moved, "wb").close()  # standing for the older delivery
            self._replace(temp, moved)
        except Exception as exc:  # paramiko's SSHException and EOFError too
            transport = self.client.get_transport()
            lost = transport is None or not transport.is_active()
            self.remove(temp)  # on a new connection where this one was lost
            if over:
                self.remove(moved)
            if lost:
                raise TransferError(f"the connection was lost ({_reason(exc)})") from None
            raise NoRename(directory, _reason(exc), over) from None
        return moved

    def _probe_key(self, directory: str, name: str) -> tuple[str, int, str]:
        return self.login.host, self.login.port, f"{directory.rstrip('/')}/{name}"

    def upload(self, local: Path, directory: str, name: str) -> str:
        """`local` under a temporary name in `directory` (the one `try_writing` left,
        where it could not remove it), verified; that name."""
        temp = _PROBED.pop(self._probe_key(directory, name), None) or \
            temporary_name(directory, name)
        size, digest = digest_of(local)
        try:
            self._send(local, temp, size)
            self._verify(temp, size, digest)
        except BaseException as exc:  # a stop (Ctrl-C, SIGTERM) too: never left half-sent
            self.remove(temp)
            if isinstance(exc, TransferError) or not isinstance(exc, Exception):
                raise
            raise TransferError(f"upload failed: {_upload_reason(exc)}") from None
        return temp

    def _send(self, local: Path, temp: str, size: int) -> None:
        """`local`'s bytes into `temp`, whose mode is narrowed to the local outputs' (0640,
        or less by the umask) before the first byte: the server's umask (022) made it
        0644, so every account there could read the released pseudonyms. A server that
        refuses to set modes (some do not implement it) leaves its own."""
        from ocpispec.execute.atomic import file_mode

        with open(local, "rb") as source, self.sftp.open(temp, "wb") as remote:
            with contextlib.suppress(OSError):  # paramiko's IOError: the server's refusal
                remote.chmod(file_mode())
            remote.set_pipelined(True)
            sent = 0
            while chunk := source.read(_PACKET):
                remote.write(chunk)
                sent += len(chunk)
                progress(sent, size)

    def _verify(self, temp: str, size: int, digest: str) -> None:
        """Size (where the server tells it: SFTP attributes may leave it out) and the
        sha256 of the bytes read back."""
        stored = self.sftp.stat(temp).st_size
        if stored is not None and stored < size:
            raise ShortUpload(stored, size)
        if stored is not None and stored != size:
            raise VerifyError(f"the server holds {stored} bytes of {size}")
        found = hashlib.sha256()
        with self.sftp.open(temp, "rb") as remote:
            remote.prefetch(size)
            while chunk := remote.read(CHUNK):
                found.update(chunk)
        if found.hexdigest() != digest:
            raise VerifyError("the bytes on the server differ from the file written (sha256)")

    def rename(self, temp: str, final: str) -> None:
        """`temp` becomes `final`, replacing an older `final` in one step where the
        server offers `posix-rename@openssh.com` (OpenSSH does)."""
        try:
            self._replace(temp, final)
        except Exception as exc:
            raise TransferError(f"rename failed: {_reason(exc)}") from None

    def _replace(self, temp: str, final: str) -> None:
        try:
            self.sftp.posix_rename(temp, final)
            return
        except OSError as exc:
            if exc.errno == errno.ENOENT:
                raise
        self._plain_rename(temp, final)

    def _plain_rename(self, temp: str, final: str) -> None:
        """The SFTP v3 rename, which fails where `final` exists: an older `final` is
        removed first. The refusal of posix-rename comes in the server's own words
        ("Operation unsupported", "Permission denied" where OpenSSH runs with
        `-P posix-rename`, an empty text): whatever the reason, the plain rename is
        tried, and fails as well where the rename itself is not allowed."""
        if self.exists(final):
            self.sftp.remove(final)
        self.sftp.rename(temp, final)

    def obstacle(self, path: str) -> str | None:
        """What stands at `path` that a rename cannot replace with a file (`a
        directory`, `a special file`); None for nothing, a file or a link."""
        try:
            mode = self.sftp.lstat(path).st_mode
        except Exception as exc:  # paramiko's SSHException and EOFError too
            self._unless_lost(exc)
            return None
        if mode is None or stat.S_ISREG(mode) or stat.S_ISLNK(mode):
            return None
        return "a directory" if stat.S_ISDIR(mode) else "a special file"

    def copied(self, temp: str, final: str) -> bool:
        """A rename here is one step (never a copy): both names there means `final` is
        an older file the rename replaces."""
        return False

    def exists(self, path: str) -> bool:
        try:
            self.sftp.stat(path)
        except Exception as exc:  # paramiko's SSHException and EOFError too
            self._unless_lost(exc)
            return False
        return True

    def read_small(self, path: str, limit: int) -> bytes | None:
        """The first `limit` bytes of the file at `path`; None where there is none."""
        try:
            with self.sftp.open(path, "rb") as remote:
                return remote.read(limit)  # type: ignore[no-any-return]
        except Exception as exc:  # paramiko's SSHException and EOFError too
            self._unless_lost(exc)
            return None

    def _unless_lost(self, exc: BaseException) -> None:
        """A TransferError when the connection is gone: the server's answer ("no such
        file", "permission denied") says a file is not there or cannot be seen, a lost
        connection says nothing, and reading it as "not there" would let a delivered
        file be replaced."""
        transport = self.client.get_transport()
        if transport is None or not transport.is_active():
            raise TransferError(f"the connection was lost ({_reason(exc)})") from None

    def remove(self, path: str) -> None:
        """Best effort; on a new connection where the old one was lost (a failed upload
        must not leave its temporary file behind for want of a connection)."""
        try:
            self.sftp.remove(path)
        except Exception as exc:  # paramiko's SSHException and EOFError too
            with contextlib.suppress(Exception):
                self._unless_lost(exc)
                return  # the server answered: nothing there, or not ours to remove
            with contextlib.suppress(Exception):
                self.close()
                self._open()
                self.sftp.remove(path)

    def partials(self, directory: str) -> list[tuple[str, float]]:
        """The temporary files in `directory` and their age in seconds."""
        try:
            entries = self.sftp.listdir_attr(directory)
        except OSError:
            return []
        now = time.time()
        # a server that leaves the time out says nothing of the age: taken as young
        # (reported, kept), since another run may be writing the file
        return [(f"{directory.rstrip('/')}/{entry.filename}",
                 0.0 if entry.st_mtime is None else now - entry.st_mtime)
                for entry in entries if entry.filename.endswith(".partial")]

    def listing(self, directory: str) -> list[tuple[str, float | None]]:
        """The names in `directory` with the time each was last written (None where the
        server leaves it out); a lost connection is a TransferError, never an empty
        folder (deliveries there would go unseen)."""
        try:
            entries = self.sftp.listdir_attr(directory)
        except Exception as exc:  # paramiko's SSHException and EOFError too
            self._unless_lost(exc)
            return []
        return [(entry.filename, None if entry.st_mtime is None else float(entry.st_mtime))
                for entry in entries]

    def discard(self, path: str) -> None:
        self.remove(path)


def digest_of(path: Path) -> tuple[int, str]:
    found, size = hashlib.sha256(), 0
    with open(path, "rb") as source:
        while chunk := source.read(CHUNK):
            found.update(chunk)
            size += len(chunk)
    return size, found.hexdigest()


def _upload_reason(exc: BaseException) -> str:
    """OpenSSH answers a write it could not store (ENOSPC, EDQUOT) with a bare `Failure`."""
    reason = _reason(exc)
    if reason == "Failure":
        return ("the server refused a write without saying why (`Failure`), most often "
                "because its disk or the account's quota is full")
    return reason


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "strerror", None) or (str(exc.args[0]) if exc.args and
                                                isinstance(exc.args[0], str) else "")
    return reason or exc.__class__.__name__
