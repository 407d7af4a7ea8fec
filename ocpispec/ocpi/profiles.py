"""Named credential profiles in the user's config directory.

One JSON file per profile at `<config>/profiles/<name>.json`, mode 0600 in a
0700 directory, written atomically. `<config>` is `$OCPISPEC_CONFIG_DIR` or the
platform's user config directory. The token is stored as given (the CPO's
credentials token); it never appears in a repr or in `ocpispec profiles`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from ocpispec.frozen import frozen
from ocpispec import secret_refs
from ocpispec.ocpi import errors
from ocpispec.ocpi.client import OcpiClient
from ocpispec.ocpi.errors import fail
from ocpispec.ocpi.options import TOKEN_ENCODINGS, VERSIONS, Credentials, split_party
from ocpispec.timestamps import parse_timestamp

FORMAT_VERSION = 1
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@frozen
class Profile:
    name: str
    versions_url: str
    token: str = field(repr=False)
    party: str | None = None
    version: str = "auto"              # the negotiated version: runs stay on it until the next login
    token_encoding: str = "auto"
    to_party: str | None = None
    endpoints: Mapping[str, str] = field(default_factory=dict)
    created_at: str = ""
    endpoint_scheme_from_url: bool = False
    allowed_hosts: tuple[str, ...] = ()
    discovered_at: str = ""            # when `endpoints` were last discovered ("": at created_at)
    sole_party: bool | None = None     # the credentials name `to_party` alone (`schema.own_party`); None: unknown

    def __repr__(self) -> str:
        from ocpispec.ocpi.errors import safe_url
        return f"Profile({self.name!r}, {safe_url(self.versions_url)}, party={self.party}, token=(redacted))"

    def credentials(self, *, reuse_discovery_for: float | None = None,
                    now: datetime | None = None) -> Credentials:
        """The credentials to connect with. With `reuse_discovery_for` (seconds), they carry
        the stored endpoints when these were discovered at most that long ago, so the
        client skips discovery (see `OcpiClient.connect`)."""
        fresh = reuse_discovery_for is not None and self.discovery_age(now) <= reuse_discovery_for
        return Credentials(self.versions_url, self.token, party=self.party, token_encoding=self.token_encoding,
                           version=self.version, to_party=self.to_party, sole_party=self.sole_party,
                           endpoint_scheme_from_url=self.endpoint_scheme_from_url,
                           allowed_hosts=self.allowed_hosts,
                           endpoints=tuple(sorted(self.endpoints.items())) if fresh else ())

    def discovery_age(self, now: datetime | None = None) -> float:
        """Seconds since the stored endpoints were discovered (infinite when unknown)."""
        stamp = parse_timestamp(self.discovered_at or self.created_at)
        if stamp is None:
            return float("inf")
        return max(0.0, ((now or datetime.now(UTC)) - stamp).total_seconds())

    def to_json(self) -> dict[str, Any]:
        return {"format_version": FORMAT_VERSION, "name": self.name, "versions_url": self.versions_url,
                "token": self.token, "party": self.party, "version": self.version,
                "token_encoding": self.token_encoding, "to_party": self.to_party,
                **({"sole_party": self.sole_party} if self.sole_party is not None else {}),
                "endpoints": dict(self.endpoints), "created_at": self.created_at,
                "endpoint_scheme_from_url": self.endpoint_scheme_from_url,
                "allowed_hosts": list(self.allowed_hosts),
                **({"discovered_at": self.discovered_at} if self.discovered_at else {})}


def config_dir() -> Path:
    override = os.environ.get("OCPISPEC_CONFIG_DIR")
    if override:
        return Path(override)
    import platformdirs
    return Path(platformdirs.user_config_dir("ocpispec"))


def profile_path(name: str) -> Path:
    _check_name(name)
    return config_dir() / "profiles" / f"{name}.json"


def save_profile(name: str, profile: Profile) -> Path:
    """Write atomically: a 0600 temp file in the same 0700 directory, then rename."""
    path = profile_path(name)
    if (problem := _unusable_folder(path.parent)) is not None:
        raise problem
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    text = json.dumps(profile.to_json(), indent=2, sort_keys=True) + "\n"
    handle, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def load_profile(name: str) -> Profile:
    path = profile_path(name)
    try:
        with path.open(encoding="utf-8") as stored:
            if (exposed := _exposed(name, path, os.fstat(stored.fileno()).st_mode)) is not None:
                raise exposed
            raw = json.loads(stored.read())
    except FileNotFoundError:
        raise _missing(name, path) from None
    except NotADirectoryError:
        raise _unusable_folder(path.parent) or _damaged(name, path, "not a directory") from None
    except ValueError:
        raise _damaged(name, path, "not valid JSON") from None
    except OSError as exc:
        raise _damaged(name, path, exc.strerror or type(exc).__name__) from None
    return _from_json(name, path, raw)


def list_profiles() -> list[Profile]:
    return scan_profiles()[0]


def scan_profiles() -> tuple[list[Profile], list[errors.OcpiError]]:
    """The usable profiles, and one error per file in the profiles folder that
    `load_profile` cannot use, from one pass over the folder."""
    folder = config_dir() / "profiles"
    found: list[Profile] = []
    problems: list[errors.OcpiError] = []
    if (problem := _unusable_folder(folder)) is not None:
        return found, [problem]
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            found.append(load_profile(path.stem))
        except errors.OcpiError as problem:
            problems.append(problem)
    return found, problems


def profile_from_client(name: str, client: OcpiClient) -> Profile:
    """What a successful login stores: the negotiated version and the SENDER endpoints."""
    credentials = client.credentials
    default = "plain" if client.version == "2.1.1" else "base64"
    learned = client.token_encoding if client.token_encoding != default else credentials.token_encoding
    if client.token_forms_differ:   # discovery took one form, the data endpoints the other: try both
        learned = "auto"
    return Profile(name=name, versions_url=credentials.versions_url, token=credentials.token,
                   party=credentials.party, version=client.version,
                   token_encoding=learned if credentials.token_encoding == "auto" else credentials.token_encoding,
                   to_party=client.to_party, sole_party=client.sole_party is not None,
                   endpoints=dict(client.endpoints),
                   created_at=_now_text(),
                   endpoint_scheme_from_url=credentials.endpoint_scheme_from_url,
                   allowed_hosts=credentials.allowed_hosts)


REDISCOVER_AFTER_HOURS = 24


def reuse_seconds(hours: object) -> float:
    """The `rediscover_after` setting (hours; None: the default) in seconds."""
    return 3600.0 * (REDISCOVER_AFTER_HOURS if hours is None else float(hours))  # type: ignore[arg-type]


def remember_discovery(profile: Profile, client: OcpiClient) -> Profile:
    """Store what `client` discovered when it asked the platform (its stored discovery was
    too old or failed): the next connection skips discovery again. Only the version, the
    endpoints and the CPO's party change; the token and the rest stay as logged in."""
    if not client.discovered or not profile.endpoints:
        return profile
    refreshed = dataclasses.replace(profile, version=client.version, endpoints=dict(client.endpoints),
                                    to_party=client.to_party or profile.to_party,
                                    sole_party=client.sole_party is not None if client.to_party
                                    else profile.sole_party,
                                    discovered_at=_now_text())
    try:
        save_profile(profile.name, refreshed)
    except OSError:
        return profile        # a read-only config folder: discover again next time
    return refreshed


def _now_text() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _from_json(name: str, path: Path, raw: Any) -> Profile:
    """Every field checked: a profile edited by hand (or damaged) gives a diagnostic,
    naming the field and what it must be, never its value (it may be the token)."""
    if not isinstance(raw, dict):
        raise _damaged(name, path, "the file is not a JSON object")
    problem = next((p for p in (_field_problem(key, raw.get(key), kind) for key, kind in _FIELDS) if p), None)
    if problem is not None:
        raise _damaged(name, path, problem)
    endpoints = raw.get("endpoints") or {}
    errors.keep_secret(raw["token"])
    errors.note_given_url(raw["versions_url"])
    return Profile(name=name, versions_url=raw["versions_url"], token=raw["token"], party=raw.get("party"),
                   version=raw.get("version") or "auto", token_encoding=raw.get("token_encoding") or "auto",
                   to_party=raw.get("to_party"), endpoints=MappingProxyType(dict(endpoints)),
                   created_at=raw.get("created_at") or "",
                   endpoint_scheme_from_url=bool(raw.get("endpoint_scheme_from_url", False)),
                   allowed_hosts=tuple(raw.get("allowed_hosts") or ()),
                   discovered_at=raw.get("discovered_at") or "",
                   sole_party=raw.get("sole_party"))


_FIELDS = (("versions_url", "url"), ("token", "token"), ("party", "party?"), ("version", "version?"),
           ("token_encoding", "encoding?"), ("to_party", "party?"), ("endpoints", "endpoints?"),
           ("created_at", "text?"), ("endpoint_scheme_from_url", "flag?"), ("allowed_hosts", "hosts?"),
           ("discovered_at", "text?"), ("sole_party", "flag?"))


def _field_problem(key: str, value: Any, kind: str) -> str | None:
    """What is wrong with one field, or None. Values are never shown."""
    if kind.endswith("?"):
        if value is None:
            return None
        kind = kind[:-1]
    found = secret_refs.short_value(value) if isinstance(value, str) and kind in _SHOWN else _kind_of(value)
    match kind:
        case "url" if not (isinstance(value, str) and _http_url(value)):
            return f"`{key}` must be an http(s) URL, found {found}"
        case "token" if not (isinstance(value, str) and value.strip() and not any(c.isspace() for c in value)):
            return f"`{key}` must be a non-empty string without spaces, found {found}"
        case "party" if not (isinstance(value, str) and split_party(value) is not None):
            return f"`{key}` must be a party such as `NL-ABC`, found {found}"
        case "version" if value not in ("auto", *VERSIONS):
            return f"`{key}` must be one of auto, {', '.join(VERSIONS)}, found {found}"
        case "encoding" if value not in TOKEN_ENCODINGS:
            return f"`{key}` must be one of {', '.join(TOKEN_ENCODINGS)}, found {found}"
        case "endpoints" if not (isinstance(value, dict) and all(
                isinstance(k, str) and isinstance(v, str) and _http_url(v) for k, v in value.items())):
            return f"`{key}` must map module names to http(s) URLs, found {found}"
        case "text" if not isinstance(value, str):
            return f"`{key}` must be a string, found {found}"
        case "flag" if not isinstance(value, bool):
            return f"`{key}` must be true or false, found {found}"
        case "hosts" if not (isinstance(value, list) and all(isinstance(h, str) and h for h in value)):
            return f"`{key}` must be a list of host names, found {found}"
    return None


_SHOWN = ("party", "version", "encoding")          # kinds whose values are safe to print


def _kind_of(value: Any) -> str:
    match value:
        case None:
            return "nothing"
        case bool():
            return "a boolean"
        case int() | float():
            return "a number"
        case str():
            return "another string"
        case list():
            return "a list"
        case dict():
            return "an object"
    return type(value).__name__


def _http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _missing(name: str, path: Path) -> errors.OcpiError:
    """No such profile: a mistyped `--profile prd` is told the stored `prod`, not to log
    in again under the typo (a second profile with the same token)."""
    import difflib

    stored = sorted(other.stem for other in path.parent.glob("*.json")) \
        if path.parent.is_dir() else []
    close = difflib.get_close_matches(name, stored, n=1, cutoff=0.6)
    login = f"log in first: `ocpispec login URL --token ... --party XX-YYY --profile {name}`"
    if close:
        return fail(errors.MISSING_PROFILE, f"no profile `{name}`; did you mean `{close[0]}`?",
                    notes=[f"stored in {path.parent}: {', '.join(stored)}"],
                    help=f"use `--profile {close[0]}`, or {login}")
    notes = [f"looked in {path.parent}"]
    if stored:
        notes.append(f"stored profiles: {', '.join(stored)} (`ocpispec profiles` lists them)")
    return fail(errors.MISSING_PROFILE, f"no profile `{name}`; run `ocpispec login`",
                notes=notes, help=login)


def check_profiles_folder(name: str) -> None:
    """Raises OCX509 when profile `name` could not be saved because its folder lies
    behind a file: `login` asks this before it contacts the platform."""
    if (problem := _unusable_folder(profile_path(name).parent)) is not None:
        raise problem


def _unusable_folder(folder: Path) -> errors.OcpiError | None:
    """The profiles folder behind a file (`OCPISPEC_CONFIG_DIR` set to a file's path):
    said as such, not as a damaged profile or a crash of `login`."""
    for place in (folder, *folder.parents):
        if place.is_dir():
            return None
        if place.exists() or place.is_symlink():
            where = "OCPISPEC_CONFIG_DIR" if os.environ.get("OCPISPEC_CONFIG_DIR") \
                else "the user config directory"
            return fail(errors.INVALID_PROFILE,
                        f"the profiles folder `{folder}` cannot be used: `{place}` is not a "
                        "directory", notes=[f"the folder comes from {where}"],
                        help="point OCPISPEC_CONFIG_DIR at a directory (it is created when "
                             "missing), or move the file away")
    return None


def _exposed(name: str, path: Path, mode: int) -> errors.OcpiError | None:
    """A profile others may read (copied from another machine, restored from a backup,
    written by hand): its token is refused as an SSH client refuses such a key, as a
    destination profile is, rather than used from a file anyone may have read."""
    import stat

    if not mode & (stat.S_IRWXG | stat.S_IRWXO):
        return None
    return fail(errors.INVALID_PROFILE,
                f"profile `{name}` may be read by others (mode {stat.S_IMODE(mode):04o}): its token "
                "is not used", notes=[f"file: {path}", "`ocpispec login` writes profiles with mode 0600"],
                help=f"`chmod 600 {path}`; if others may have read it, ask the CPO for a new "
                     f"token and log in again with `--profile {name}`")


def _damaged(name: str, path: Path, why: str) -> errors.OcpiError:
    return fail(errors.INVALID_PROFILE, f"profile `{name}` cannot be read ({why})",
                notes=[f"file: {path}"], help=f"log in again with `--profile {name}` to rewrite it")


def _check_name(name: str) -> None:
    if not NAME.match(name):
        raise fail(errors.INVALID_PROFILE, f"`{name}` is not a valid profile name",
                   help="use letters, digits, `.`, `_` and `-` (at most 64 characters)")
