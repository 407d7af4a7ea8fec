"""What a transport (SFTP, S3) raises; `ocpispec.deliver` turns them into diagnostics."""

from __future__ import annotations


class HostKeyError(Exception):
    """The server's host key is unknown or differs from known_hosts."""


class TransferError(Exception):
    """Connecting, uploading, verifying or renaming failed (worth retrying)."""


class VerifyError(TransferError):
    """The uploaded file's size or sha256 differs from the local file's."""


class LoginError(Exception):
    """The server refused the login (never retried: servers lock out addresses that
    keep trying wrong credentials)."""
