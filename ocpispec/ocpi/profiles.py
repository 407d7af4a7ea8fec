"""Named credential profiles in the user's config directory.

One JSON file per profile at `<config>/profiles/<name>.json`, mode 0600 in a
0700 directory, written atomically. `<config>` is `$OCPISPEC_CONFIG_DIR` or the
platform's user config directory. The token is stored as given (the CPO's
credentials token); it never appears in a repr or in `ocpispec profiles`.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ocpispec.ocpi import errors
from ocpispec.ocpi.client import OcpiClient
from ocpispec.ocpi.errors import fail
from ocpispec.ocpi.options import Credentials

FORMAT_VERSION = 1
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True, slots=True)
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

    def credentials(self) -> Credentials:
        return Credentials(self.versions_url, self.token, party=self.party, token_encoding=self.token_encoding,
                           version=self.version, to_party=self.to_party)

    def to_json(self) -> dict[str, Any]:
        return {"format_version": FORMAT_VERSION, "name": self.name, "versions_url": self.versions_url,
                "token": self.token, "party": self.party, "version": self.version,
                "token_encoding": self.token_encoding, "to_party": self.to_party,
                "endpoints": dict(self.endpoints), "created_at": self.created_at}


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
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise fail(errors.MISSING_PROFILE, f"no profile `{name}`; run `ocpispec login`",
                   notes=[f"looked in {path.parent}"],
                   help=f"log in first: `ocpispec login URL --token ... --party XX-YYY --profile {name}`") from None
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
    return Profile(name=name, versions_url=credentials.versions_url, token=credentials.token,
                   party=credentials.party, version=client.version,
                   token_encoding=learned if credentials.token_encoding == "auto" else credentials.token_encoding,
                   to_party=client.to_party, endpoints=dict(client.endpoints),
                   created_at=datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"))


def _from_json(name: str, path: Path, raw: Any) -> Profile:
    if not isinstance(raw, dict) or not isinstance(raw.get("versions_url"), str) \
            or not isinstance(raw.get("token"), str):
        raise _damaged(name, path, "missing `versions_url` or `token`")
    endpoints = raw.get("endpoints") if isinstance(raw.get("endpoints"), dict) else {}
    return Profile(name=name, versions_url=raw["versions_url"], token=raw["token"], party=raw.get("party"),
                   version=str(raw.get("version") or "auto"),
                   token_encoding=str(raw.get("token_encoding") or "auto"), to_party=raw.get("to_party"),
                   endpoints=MappingProxyType({str(k): str(v) for k, v in endpoints.items()}),
                   created_at=str(raw.get("created_at") or ""))


def _damaged(name: str, path: Path, why: str) -> errors.OcpiError:
    return fail(errors.INVALID_PROFILE, f"profile `{name}` cannot be read ({why})",
                notes=[f"file: {path}"], help=f"log in again with `--profile {name}` to rewrite it")


def _check_name(name: str) -> None:
    if not NAME.match(name):
        raise fail(errors.INVALID_PROFILE, f"`{name}` is not a valid profile name",
                   help="use letters, digits, `.`, `_` and `-` (at most 64 characters)")
