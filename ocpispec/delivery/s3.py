"""Delivery to S3-compatible object storage with boto3: the same steps as SFTP, in the
terms S3 has.

S3 has no rename. A file is put under a temporary key beside its final key
(`dir/.NAME.PID-RANDOM.partial`; a multipart upload for large files, which S3 shows
only when it completes), verified by reading it back (size and sha256), then copied
server-side to the final key and the temporary key deleted. A copy creates the final
object in one step: a reader sees the old object or the complete new one, never a part
(objects up to 5 GB, the limit of a single copy).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from pathlib import Path
from typing import Any

from ocpispec.delivery.faults import TransferError, VerifyError
from ocpispec.delivery.profiles import Login
from ocpispec.delivery.sftp import CHUNK, digest_of

__all__ = ["Session", "progress"]


def progress(sent: int) -> None:
    """Called as an upload proceeds (tests stop the server mid-upload here)."""


class Session:
    """A client for one bucket. Keys are the URL's path without its leading `/`."""

    def __init__(self, login: Login) -> None:
        import boto3
        from botocore.config import Config

        self.login, self.bucket = login, login.host
        self.client = boto3.client(
            "s3", endpoint_url=login.endpoint_url, region_name=login.region or "us-east-1",
            aws_access_key_id=login.user, aws_secret_access_key=login.password,
            config=Config(retries={"max_attempts": 1}, connect_timeout=15, read_timeout=60))

    def ensure(self) -> Session:
        return self

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.close()

    def check_directory(self, directory: str) -> None:
        self._call(f"the bucket `{self.bucket}`", self.client.head_bucket, Bucket=self.bucket)

    def upload(self, local: Path, directory: str, name: str) -> str:
        folder = directory.rstrip("/")
        temp = f"{folder}/.{name}.{os.getpid()}-{secrets.token_hex(4)}.partial"
        size, digest = digest_of(local)
        try:
            self._call("upload", self.client.upload_file, str(local), self.bucket, temp[1:],
                       Callback=lambda sent: progress(sent))
            self._verify(temp, size, digest)
        except TransferError:
            self.remove(temp)
            raise
        return temp

    def _verify(self, temp: str, size: int, digest: str) -> None:
        head = self._call("verify", self.client.head_object, Bucket=self.bucket, Key=temp[1:])
        if head["ContentLength"] != size:
            raise VerifyError(f"the server holds {head['ContentLength']} bytes of {size}")
        body = self._call("verify", self.client.get_object, Bucket=self.bucket,
                          Key=temp[1:])["Body"]
        found = hashlib.sha256()
        for chunk in body.iter_chunks(CHUNK):
            found.update(chunk)
        if found.hexdigest() != digest:
            raise VerifyError("the bytes on the server differ from the file written (sha256)")

    def rename(self, temp: str, final: str) -> None:
        """Copy to the final key (one step for readers), then delete the temporary key."""
        self._call("copy", self.client.copy_object, Bucket=self.bucket, Key=final[1:],
                   CopySource={"Bucket": self.bucket, "Key": temp[1:]})
        self.remove(temp)

    def exists(self, path: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=path[1:])
        except Exception:
            return False
        return True

    def remove(self, path: str) -> None:
        with contextlib.suppress(Exception):
            self.client.delete_object(Bucket=self.bucket, Key=path[1:])

    def _call(self, what: str, method: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except Exception as exc:
            raise TransferError(f"{what} failed: {_reason(exc)}") from None


def _reason(exc: BaseException) -> str:
    """The S3 error code (`AccessDenied`, `NoSuchBucket`), never a request's signature."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error", {})
        return str(error.get("Code") or error.get("Message") or exc.__class__.__name__)
    return exc.__class__.__name__
