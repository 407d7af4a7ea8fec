"""Destination profiles: how to log in to a delivery host, kept out of the spec.

`<config>/destinations/<name>.toml` (mode 0600; `<config>` as for source profiles:
`$OCPISPEC_CONFIG_DIR` or the user's config directory):

    host = "files.example.org"        # the real host; the file's name is what specs use
    port = 22
    user = "ocpispec"
    key_file = "~/.ssh/ocpispec_ed25519"   # or: password_env = "RESEARCH_SFTP_PASSWORD"
    known_hosts = "~/.ssh/known_hosts"
    retries = 3                       # attempts after the first, with backoff
    backoff_seconds = 1.0

For S3-compatible object storage (`s3://NAME/key`):

    bucket = "consumer-drop"           # the real bucket; the file's name is what specs use
    endpoint_url = "https://s3.example.org"   # leave out for AWS itself
    region = "eu-central-1"
    access_key_env = "DROP_ACCESS_KEY_ID"     # names of environment variables
    secret_key_env = "DROP_SECRET_ACCESS_KEY"

A destination `SCHEME://NAME/...` uses the profile `NAME.toml`; otherwise the profile
whose `host` (`bucket`) is the URL's host; otherwise the environment: for SFTP
OCPISPEC_SFTP_USER, OCPISPEC_SFTP_KEY_FILE or OCPISPEC_SFTP_PASSWORD,
OCPISPEC_SFTP_KNOWN_HOSTS; for S3 AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_DEFAULT_REGION and OCPISPEC_S3_ENDPOINT.
A profile holds references (a key file's path, an environment variable's name), not
secrets; it is refused when others may read it.

The same fields may stand in a `[destinations.NAME]` table of `ocpispec.toml`
(docs/configuration.md) with `kind = "sftp"` or `"s3"`, `key_file_env` (the name of a
variable holding the key file's path) in place of `key_file`; such a table is used when no
profile file is named after the URL's host, by its NAME or its `host` (`bucket`).
The configuration holds no secrets either (it refuses keys such as `password`)."""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ocpispec import secret_refs
from ocpispec.formats.remote import DEFAULT_PORTS, Remote

ENV = {"user": "OCPISPEC_SFTP_USER", "key_file": "OCPISPEC_SFTP_KEY_FILE",
       "password": "OCPISPEC_SFTP_PASSWORD", "known_hosts": "OCPISPEC_SFTP_KNOWN_HOSTS"}
_COMMON = {"retries", "backoff_seconds"}
_FIELDS = {"sftp": _COMMON | {"host", "port", "user", "key_file", "key_file_env",
                              "password_env", "known_hosts"},
           "s3": _COMMON | {"bucket", "endpoint_url", "region", "access_key_env",
                            "secret_key_env"}}


class ProfileError(Exception):
    """A destination's login cannot be found or used; the message names no secret."""


@dataclass(frozen=True, slots=True)
class Login:
    """Where and as whom to connect. `source` says where it came from (for messages)."""

    host: str  # for S3: the bucket
    port: int
    user: str  # for S3: the access key id
    known_hosts: Path | None
    source: str
    key_file: Path | None = None
    password: str | None = field(default=None, repr=False)  # for S3: the secret key
    retries: int = 3
    backoff_seconds: float = 1.0
    scheme: str = "sftp"
    endpoint_url: str | None = None
    region: str | None = None


def destinations_dir() -> Path:
    from ocpispec.ocpi.profiles import config_dir

    return config_dir() / "destinations"


Tables = Mapping[str, tuple[Mapping[str, object], str]]  # name -> (fields, origin)


def login_for(remote: Remote, tables: Tables | None = None) -> Login:
    """The login of a remote destination: its profile file, its table in the
    configuration (`tables`: `Config.destinations`), or the environment."""
    folder = destinations_dir()
    match _found(remote, tables, folder):
        case Path() as path:
            return _from_profile(path, remote)
        case (name, table, origin):
            return _from_table(name, table, origin, remote)
    if remote.scheme == "s3":
        return _s3_from_environment(remote, folder)
    return _from_environment(remote, folder)


def _found(remote: Remote, tables: Tables | None, folder: Path
           ) -> Path | tuple[str, Mapping[str, object], str] | None:
    """The profile file or configuration table a destination's login comes from, in
    `login_for`'s order; None: the environment."""
    named = folder / f"{remote.host}.toml"
    if named.is_file():
        return named
    host_field = "bucket" if remote.scheme == "s3" else "host"
    for name, (table, origin) in (tables or {}).items():
        if name == remote.host or str(table.get(host_field, "")).lower() == remote.host:
            return name, table, origin
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        if str(_read(path, None).get(host_field, "")).lower() == remote.host:
            return path
    return None


def delivery_target(remote: Remote, tables: Tables | None = None) -> str:
    """Where a destination's files go, as its login would connect, without a secret:
    `sftp://USER@HOST:PORT`, or `s3://BUCKET at ENDPOINT (REGION)`. What a spec names
    (`sftp://research/...`) is a profile's name as often as a host; an approval pins
    this (`approval/deliveries.py`), so a profile moved to another host needs a new one.
    Reads no secret: it works where the login's variables are not set."""
    found = _found(remote, tables, destinations_dir())
    match found:
        case Path() as path:
            data: Mapping[str, object] = _read(path, remote.scheme)
        case (_, table, _):
            data = {key: value for key, value in table.items() if key != "kind"}
        case _:
            data = {}
    env = found is None
    if remote.scheme == "s3":
        endpoint = data.get("endpoint_url") or (os.environ.get("OCPISPEC_S3_ENDPOINT") if env
                                                else None) or "AWS"
        region = data.get("region") or (os.environ.get("AWS_DEFAULT_REGION") if env else None)
        bucket = str(data.get("bucket", remote.host)).lower()
        return f"s3://{bucket} at {endpoint}" + (f" ({region})" if region else "")
    user = data.get("user") or (os.environ.get(ENV["user"]) if env else None) or "(no user)"
    port = remote.port or data.get("port", DEFAULT_PORTS[remote.scheme])
    return f"sftp://{user}@{str(data.get('host', remote.host)).lower()}:{port}"


def _read(path: Path, scheme: str | None) -> dict:
    """A profile's fields, checked against those of `scheme` (when given)."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ProfileError(f"the destination profile `{path}` may be read by others "
                           f"(mode {stat.S_IMODE(mode):04o}); `chmod 600` it")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"the destination profile `{path}` cannot be read "
                           f"({exc.__class__.__name__})") from None
    unknown = sorted(set(data) - _FIELDS[scheme]) if scheme else []
    if unknown:
        raise ProfileError(f"the destination profile `{path}` has unknown fields for "
                           f"{scheme}: " + ", ".join(unknown) + "; known: "
                           + ", ".join(sorted(_FIELDS[scheme])))
    return data


def _from_table(name: str, table: Mapping[str, object], origin: str,
                remote: Remote) -> Login:
    source = f"destination `{name}` of the configuration ({origin})"
    data = {key: value for key, value in table.items() if key != "kind"}
    kind = table.get("kind", remote.scheme)
    if kind != remote.scheme:
        raise ProfileError(f"the {source} is of kind `{kind}`, not `{remote.scheme}`")
    unknown = sorted(set(data) - _FIELDS[remote.scheme])
    if unknown:
        raise ProfileError(f"the {source} has unknown fields for {remote.scheme}: "
                           + ", ".join(unknown) + "; known: kind, "
                           + ", ".join(sorted(_FIELDS[remote.scheme])))
    return _from_data(data, source, remote, Path(origin).parent)


def _from_profile(path: Path, remote: Remote) -> Login:
    return _from_data(_read(path, remote.scheme), f"destination profile `{path}`", remote,
                      path.parent)


def _from_data(data: Mapping[str, object], source: str, remote: Remote,
               folder: Path) -> Login:
    """`folder`: the profile's or configuration file's, which a relative path written
    in it is relative to (docs/configuration.md); a path from a variable is not."""
    if remote.scheme == "s3":
        return _s3_from_profile(data, source, remote)
    try:
        password = None
        if "password_env" in data:
            password = os.environ.get(str(data["password_env"]))
            if not password:
                raise ProfileError(f"the {source} takes its password from the "
                                   f"{secret_refs.variable(str(data['password_env']))}, "
                                   "which is not set")
        port = remote.port or int(data.get("port", DEFAULT_PORTS[remote.scheme]))
        key_file = folder / _path(data["key_file"]) if data.get("key_file") else None
        if key_file is None and "key_file_env" in data:  # the configuration refuses `key_file`
            key_file = os.environ.get(str(data["key_file_env"]))
            if not key_file:
                raise ProfileError(f"the {source} takes its key file's path from the "
                                   f"{secret_refs.variable(str(data['key_file_env']))}, "
                                   "which is not set")
        return _checked(Login(
            host=str(data.get("host", remote.host)), port=port,
            user=str(data.get("user") or _need(source, "user")),
            known_hosts=folder / _path(data.get("known_hosts", "~/.ssh/known_hosts")),
            source=source, key_file=_path(key_file) if key_file else None,
            password=password, retries=int(data.get("retries", 3)),
            backoff_seconds=float(data.get("backoff_seconds", 1.0))))
    except (TypeError, ValueError) as exc:
        raise ProfileError(f"the {source} has a value of the wrong type "
                           f"({exc.__class__.__name__})") from None


def _from_environment(remote: Remote, folder: Path) -> Login:
    source = (f"environment (no destination profile for `{remote.host}` in {folder})")
    user = os.environ.get(ENV["user"]) or _need(source, ENV["user"])
    key = os.environ.get(ENV["key_file"])
    return _checked(Login(
        host=remote.host, port=remote.port or DEFAULT_PORTS[remote.scheme], user=user,
        known_hosts=_path(os.environ.get(ENV["known_hosts"]) or "~/.ssh/known_hosts"),
        source=source, key_file=_path(key) if key else None,
        password=os.environ.get(ENV["password"]) or None))


def _s3_from_profile(data: Mapping[str, object], source: str, remote: Remote) -> Login:
    def secret(field: str, default: str) -> str:
        name = str(data.get(field, default))
        value = os.environ.get(name)
        if not value:
            raise ProfileError(f"the {source} takes `{field.removesuffix('_env')}` from the "
                               f"{secret_refs.variable(name)}, which is not set")
        return value

    try:
        login = Login(host=str(data.get("bucket", remote.host)), port=0,
                      user=secret("access_key_env", "AWS_ACCESS_KEY_ID"), known_hosts=None,
                      source=source, password=secret("secret_key_env", "AWS_SECRET_ACCESS_KEY"),
                      retries=int(data.get("retries", 3)),
                      backoff_seconds=float(data.get("backoff_seconds", 1.0)), scheme="s3",
                      endpoint_url=_endpoint(data.get("endpoint_url"), source),
                      region=data.get("region"))
    except (TypeError, ValueError) as exc:
        raise ProfileError(f"the {source} has a value of the wrong type "
                           f"({exc.__class__.__name__})") from None
    return _checked(login)


def _s3_from_environment(remote: Remote, folder: Path) -> Login:
    source = f"environment (no destination profile for `{remote.host}` in {folder})"
    user = os.environ.get("AWS_ACCESS_KEY_ID") or _need(source, "AWS_ACCESS_KEY_ID")
    secret = os.environ.get("AWS_SECRET_ACCESS_KEY") or _need(source, "AWS_SECRET_ACCESS_KEY")
    return _checked(Login(host=remote.host, port=0, user=user, known_hosts=None,
                          source=source, password=secret, scheme="s3",
                          endpoint_url=_endpoint(os.environ.get("OCPISPEC_S3_ENDPOINT") or None,
                                                 source),
                          region=os.environ.get("AWS_DEFAULT_REGION") or None))


def _endpoint(value: object, source: str) -> str | None:
    """An S3 endpoint: an http(s) URL with a host and no login in it. Said without its
    text, which may hold a login."""
    from urllib.parse import urlsplit

    if value is None:
        return None
    text = str(value)
    try:
        parts = urlsplit(text)
        usable = (parts.scheme in ("http", "https") and bool(parts.hostname)
                  and (parts.port is None or 0 < parts.port))
    except ValueError:
        usable = False
    if not usable:
        raise ProfileError(f"the {source} gives an endpoint_url that is not an http(s) URL "
                           "with a host (`https://s3.example.org`)")
    if parts.username is not None or parts.password is not None or parts.query:
        raise ProfileError(f"the {source} gives an endpoint_url with a login or a query "
                           "in it; the keys come from access_key_env and secret_key_env")
    return text


def _checked(login: Login) -> Login:
    from ocpispec.ocpi.errors import keep_secret

    for secret in (login.password, login.user if login.scheme == "s3" else None):
        if secret:          # the S3 key id and secret, an SFTP password: never shown
            keep_secret(secret)
    if login.scheme == "s3":
        if login.retries < 0 or login.backoff_seconds < 0:
            raise ProfileError(f"the {login.source} has a negative retries or "
                               "backoff_seconds")
        return login
    if login.key_file is None and login.password is None:
        raise ProfileError(f"the {login.source} gives neither a key file nor a password")
    if login.key_file is not None and not secret_refs.is_file(login.key_file):
        raise ProfileError(f"{secret_refs.key_file(login.key_file)} named by the "
                           f"{login.source} does not exist")
    if login.known_hosts is None or not secret_refs.is_file(login.known_hosts):
        known_hosts = secret_refs.key_file(login.known_hosts or "", "the known_hosts file")
        raise ProfileError(f"{known_hosts} named by the {login.source} does not exist; host "
                           "keys are never accepted unseen")
    if login.retries < 0 or login.backoff_seconds < 0:
        raise ProfileError(f"the {login.source} has a negative retries or backoff_seconds")
    return login


def _need(source: str, what: str) -> str:
    raise ProfileError(f"the {source} gives no `{what}`")


def _path(text: object) -> Path:
    return Path(os.path.expanduser(str(text)))
