"""Remote destinations as text: `sftp://host[:port]/path/name.csv` and
`s3://bucket/key/name.csv`, read and checked without I/O (the checker and the executor
share it). For S3 the "host" is the bucket and the path the key (after its `/`).

A destination URL never holds credentials (`user:password@` is refused at check time);
its host names a destination profile (`<config>/destinations/<host>.toml`) or a host
one of them describes, or the environment supplies the login (`ocpispec.deliver`).

    parse_remote("sftp://files.example.org:2222/in/{run.date}.csv")
      -> Remote(scheme="sftp", host="files.example.org", port=2222,
                path="/in/{run.date}.csv")
"""

from __future__ import annotations

import re

from ocpispec.frozen import frozen
from ocpispec.lazy_pattern import lazy

REMOTE_SCHEMES: dict[str, str] = {"sftp": "SFTP", "s3": "S3"}
DEFAULT_PORTS = {"sftp": 22, "s3": 443}
_HOST = lazy(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")
_BUCKET = lazy(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class RemoteError(ValueError):
    """A remote destination that cannot be used; `credentials` when it holds some."""

    def __init__(self, message: str, *, credentials: bool = False,
                 query: bool = False) -> None:
        super().__init__(message)
        self.credentials = credentials
        self.query = query  # a `?` or `#` part: it may be a presigned URL's signature


@frozen
class Remote:
    scheme: str
    host: str
    port: int | None
    path: str  # absolute on the server (`/in/x.csv`), placeholders still in it

    @property
    def directory(self) -> str:
        return self.path.rsplit("/", 1)[0] or "/"

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[1]

    @property
    def url(self) -> str:
        """The URL as shown: it holds no credentials (they are refused)."""
        port = f":{self.port}" if self.port is not None else ""
        return f"{self.scheme}://{self.host}{port}{self.path}"

    def at(self, path: str) -> Remote:
        return Remote(self.scheme, self.host, self.port, path)


def parse_remote(text: str) -> Remote:
    """Read a remote destination; RemoteError says what is wrong, never echoing a
    password."""
    scheme = text.split(":", 1)[0].lower()
    if scheme not in REMOTE_SCHEMES:
        raise RemoteError(f"`{scheme}:` is not a delivery scheme")
    authority = text.strip()[len(scheme) + 3:].split("/", 1)[0]
    if "@" in authority:
        raise RemoteError("the destination holds a user name or password", credentials=True)
    try:
        from urllib.parse import urlsplit  # not at start-up: a check of a local file needs none

        parts = urlsplit(text.strip())
    except ValueError:
        raise RemoteError("the destination is not a URL (`[` or `]` in its host)") from None
    if parts.query or parts.fragment:
        raise RemoteError("the destination has a `?` or `#` part; a destination is "
                          f"`{scheme}://host[:port]/path/name`", query=True)
    host, _, port_text = parts.netloc.partition(":")
    if not _HOST.match(host):
        raise RemoteError("the destination names no host (placeholders cannot stand in it)"
                          if not host or "{" in host else f"`{host}` is not a host name")
    if scheme == "s3" and (port_text or not _BUCKET.match(host)):
        raise RemoteError(f"`{parts.netloc}` is not a bucket name (3-63 lowercase letters, "
                          "digits, `.` and `-`; the endpoint and port go in the destination "
                          "profile)")
    port = None
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise RemoteError(f"`{port_text}` is not a port number (1-65535)")
        port = int(port_text)
    path = parts.path
    if not path.startswith("/") or path.endswith("/") or "/" not in path:
        raise RemoteError("the destination names no file: write "
                          f"`{scheme}://host/directory/name.csv`")
    if any(segment in ("", ".", "..") for segment in path.split("/")[1:]):
        raise RemoteError("the path may hold no empty, `.` or `..` part")
    return Remote(scheme, host.lower(), port, path)


def redact(text: str) -> str:
    """A destination as it may be shown: any `user:password@` and any `?` or `#` part
    (a presigned URL's signature) cut out."""
    shown = re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@", r"\1(redacted)@", text.strip())
    return re.sub(r"[?#].*$", "?(redacted)", shown, flags=re.DOTALL)
