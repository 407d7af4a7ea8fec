"""What a transport (SFTP, S3) raises; `ocpispec.deliver` turns them into diagnostics."""

from __future__ import annotations


class HostKeyError(Exception):
    """The server's host key is unknown or differs from known_hosts."""


class TransferError(Exception):
    """Connecting, uploading, verifying or renaming failed (worth retrying)."""


class VerifyError(TransferError):
    """The uploaded file's size or sha256 differs from the local file's."""

    help = ("check that nothing on the way or on the server rewrites files (a proxy, a "
            "virus scanner, a text-mode conversion) and that its disk is not full, then run again")


class ShortUpload(VerifyError):
    """The server kept fewer bytes than were sent: almost always a full disk or quota
    (an SFTP server may report success for writes it could not store)."""

    help = ("free space on the server, or have its administrator raise the account's "
            "quota, then run again")

    def __init__(self, stored: int, size: int) -> None:
        super().__init__(f"the server holds {stored} bytes of {size}: its disk, or the "
                         f"account's quota there, is probably full")


class NoSftp(TransferError):
    """The server accepted the login and closed the SFTP channel before it answered."""

    help = ("ask the server's administrator to give the account SFTP access (its `Subsystem "
            "sftp`, or `ForceCommand internal-sftp` for an SFTP-only account), then run again")

    def __init__(self, reason: str) -> None:
        super().__init__(f"the server accepted the login but did not start SFTP for it "
                         f"({reason}): the account may be allowed a shell or a command only")


class NoDirectory(TransferError):
    """The server says the destination's directory does not exist (a delivery never
    makes one: the consumer's server decides where files go)."""

    help = ("check the directory in the destination URL, or have it made on the server "
            "(a path in an SFTP URL is as the login sees it: under a chroot, from its root)")

    def __init__(self, directory: str) -> None:
        super().__init__(f"the directory `{directory}` does not exist on the server")


class NoRename(TransferError):
    """The server let the login write a file in the directory but not rename it over
    another (neither `posix-rename` nor removing the older file first)."""

    help = ("ask the server's administrator to let the account rename its own files in the "
            "directory, over older ones (`posix-rename@openssh.com`, or removing its own "
            "files): ocpispec uploads each file under a temporary name and renames it over "
            "the older delivery of that name, so that the consumer never reads a "
            "half-written one")

    def __init__(self, directory: str, reason: str, over: bool = False) -> None:
        super().__init__(f"the server does not let the login rename a file it wrote in "
                         f"`{directory}`{' over another' if over else ''} ({reason})")


class LoginError(Exception):
    """The server refused the login (never retried: servers lock out addresses that
    keep trying wrong credentials)."""
