"""Delivery to S3-compatible object storage with boto3: the same steps as SFTP, in the
terms S3 has.

S3 has no rename. A file is put under a temporary key beside its final key
(`dir/.NAME.PID-RANDOM.partial`; a multipart upload above `MULTIPART_BYTES`, which S3
shows only when it completes), verified by reading it back (size and sha256), then
copied server-side to the final key and the temporary key deleted. The copy is one
request up to `MULTIPART_BYTES` and a multipart copy above (a single copy stops at
5 GB); either way the final object appears in one step: a reader sees the old object
or the complete new one, never a part. A multipart upload or copy that fails is
aborted, so its parts do not linger unseen (and billed) on the server.
"""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path
from typing import Any

from ocpispec.deliver.faults import ShortUpload, TransferError, VerifyError
from ocpispec.deliver.leftovers import temporary_name
from ocpispec.deliver.profiles import Login
from ocpispec.deliver.sftp import CHUNK, digest_of

__all__ = ["MULTIPART_BYTES", "PART_BYTES", "Session", "progress"]

MULTIPART_BYTES = 64 << 20  # larger files go up (and are copied) in parts
PART_BYTES = 16 << 20  # S3 allows 10,000 parts; boto3 grows the parts of larger files


def progress(sent: int) -> None:
    """Called as an upload proceeds (tests stop the server mid-upload here)."""


class Session:
    """A client for one bucket. Keys are the URL's path without its leading `/`."""

    def __init__(self, login: Login) -> None:
        import boto3
        from botocore.config import Config

        self.login, self.bucket = login, login.host
        try:
            self.client = boto3.client(
                "s3", endpoint_url=login.endpoint_url, region_name=login.region or "us-east-1",
                aws_access_key_id=login.user, aws_secret_access_key=login.password,
                config=Config(retries={"max_attempts": 1}, connect_timeout=15,
                              read_timeout=60))
        except Exception as exc:  # its message may quote the endpoint, login and all
            raise TransferError(f"the S3 client cannot be set up ({exc.__class__.__name__})"
                                ) from None

    def ensure(self) -> Session:
        return self

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.close()

    def check_directory(self, directory: str) -> None:
        self._call(f"the bucket `{self.bucket}`", self.client.head_bucket, Bucket=self.bucket)

    def upload(self, local: Path, directory: str, name: str) -> str:
        temp = temporary_name(directory, name)
        size, digest = digest_of(local)
        try:
            self._call("upload", self.client.upload_file, str(local), self.bucket, temp[1:],
                       Callback=lambda sent: progress(sent), Config=_transfer())
            self._verify(temp, size, digest)
        except BaseException:  # a stop (Ctrl-C, SIGTERM) too: no object or part left
            self.abort_uploads(temp)
            self.remove(temp)
            raise
        return temp

    def _verify(self, temp: str, size: int, digest: str) -> None:
        head = self._call("verify", self.client.head_object, Bucket=self.bucket, Key=temp[1:])
        if head["ContentLength"] < size:  # a quota (or a full disk under the store) cut it
            raise ShortUpload(head["ContentLength"], size)
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
        try:
            self._call("copy", self.client.copy, {"Bucket": self.bucket, "Key": temp[1:]},
                       self.bucket, final[1:], Config=_transfer())
        except TransferError:
            self.abort_uploads(final)
            raise
        self.remove(temp)

    def abort_uploads(self, path: str) -> int:
        """Abort the unfinished multipart uploads to `path` (best effort); how many."""
        aborted = 0
        with contextlib.suppress(Exception):
            listed = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=path[1:])
            for upload in listed.get("Uploads", []):
                if upload["Key"] == path[1:]:
                    self.client.abort_multipart_upload(Bucket=self.bucket, Key=upload["Key"],
                                                       UploadId=upload["UploadId"])
                    aborted += 1
        return aborted

    def obstacle(self, path: str) -> str | None:
        """Nothing stops a copy to a key (S3 has no directories)."""
        return None

    def exists(self, path: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=path[1:])
        except Exception as exc:
            _unless_answered(exc)
            return False
        return True

    def copied(self, temp: str, final: str) -> bool:
        """Whether `final` is a copy of `temp` already (equal size and ETag: the copy
        of a rename was made, and a kill came before the temporary key was deleted)."""
        heads = [self._call("verify", self.client.head_object, Bucket=self.bucket,
                            Key=path[1:]) for path in (temp, final)]
        return all(heads[0].get(field) is not None and heads[0].get(field) == heads[1].get(field)
                   for field in ("ContentLength", "ETag"))

    def read_small(self, path: str, limit: int) -> bytes | None:
        """The first `limit` bytes of the object at `path`; None where there is none."""
        try:
            found = self.client.get_object(Bucket=self.bucket, Key=path[1:],
                                           Range=f"bytes=0-{limit - 1}")
            return found["Body"].read(limit)  # type: ignore[no-any-return]
        except Exception as exc:
            _unless_answered(exc)
            return None

    def remove(self, path: str) -> None:
        with contextlib.suppress(Exception):
            self.client.delete_object(Bucket=self.bucket, Key=path[1:])

    def partials(self, directory: str) -> list[tuple[str, float]]:
        """The temporary objects and unfinished multipart uploads in `directory` (their
        keys with a leading `/`) and their age in seconds."""
        from datetime import UTC, datetime

        prefix = f"{directory.strip('/')}/." if directory.strip("/") else "."
        now, found = datetime.now(UTC), {}
        with contextlib.suppress(Exception):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix)
            for page in pages:
                for item in page.get("Contents", []):
                    found[item["Key"]] = item["LastModified"]
        with contextlib.suppress(Exception):
            listed = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=prefix)
            for upload in listed.get("Uploads", []):
                found.setdefault(upload["Key"], upload["Initiated"])
        return [(f"/{key}", (now - moment).total_seconds()) for key, moment in found.items()
                if key.endswith(".partial")]

    def listing(self, directory: str) -> list[tuple[str, float | None]]:
        """The names of the objects right in `directory` with the time each was written.
        A login that may not list (a drop bucket's put-only key: the server answers 403)
        sees nothing; a failed connection or a server error is a TransferError, never
        an empty folder."""
        prefix = f"{directory.strip('/')}/" if directory.strip("/") else ""
        found: list[tuple[str, float | None]] = []
        try:
            pages = list(self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix, Delimiter="/"))
        except Exception as exc:
            _unless_answered(exc)
            return []
        for page in pages:
            found.extend((item["Key"][len(prefix):], item["LastModified"].timestamp())
                         for item in page.get("Contents", []))
        return found

    def discard(self, path: str) -> None:
        """A temporary object and any unfinished multipart upload to it."""
        self.abort_uploads(path)
        self.remove(path)

    def _call(self, what: str, method: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except Exception as exc:
            raise TransferError(f"{what} failed: {_reason(exc)}") from None


# the server's answers that an object is not there or may not be read (a HEAD of a
# missing key is 403 without the right to list); an empty object has no byte range
_ABSENT = {403, 404, 416}


def _unless_answered(exc: BaseException) -> None:
    """A TransferError unless the server answered that the object is not there: a
    failed connection or a server error says nothing, and reading it as "not there"
    would let a delivered object be replaced."""
    response = getattr(exc, "response", None)
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode") \
        if isinstance(response, dict) else None
    if status not in _ABSENT:
        raise TransferError("the server did not say whether the object is there: "
                            f"{_reason(exc)}") from None


def _transfer() -> Any:
    from boto3.s3.transfer import TransferConfig

    return TransferConfig(multipart_threshold=MULTIPART_BYTES,
                          multipart_chunksize=PART_BYTES, use_threads=False)


def _reason(exc: BaseException) -> str:
    """The S3 error code (`AccessDenied`, `NoSuchBucket`), never a request's signature."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error", {})
        return str(error.get("Code") or error.get("Message") or exc.__class__.__name__)
    return exc.__class__.__name__
