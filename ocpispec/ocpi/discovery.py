"""Discovery: versions -> the highest common version -> its SENDER endpoints.

The URL a user gives may be the versions URL (data: a list of versions) or a
version-details URL (data: `{version, endpoints}`); both work. For 2.2+ only
SENDER endpoints are kept (the interfaces that own the data we pull); 2.1.1 has
no roles. The CPO's own party (for `OCPI-to-*`) comes from `GET credentials`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from ocpispec.ocpi import errors
from ocpispec.ocpi.errors import OcpiError, fail, safe_url
from ocpispec.ocpi.options import VERSIONS, Credentials
from ocpispec.ocpi.transport import Transport


@dataclass(frozen=True, slots=True)
class Discovery:
    version: str
    details_url: str
    endpoints: Mapping[str, str]       # module -> URL (SENDER only)
    offered: tuple[str, ...]           # versions the platform lists that we speak
    to_party: str | None


def discover(transport: Transport, credentials: Credentials) -> Discovery:
    answer = transport.get(credentials.versions_url)
    data = answer.data if answer is not None else None
    if isinstance(data, dict) and "endpoints" in data:
        version = _details_version(data, credentials)
        return _finish(transport, credentials, version, credentials.versions_url, data, (version,))
    versions = _offered_versions(data, credentials.versions_url)
    version = _choose(versions, credentials)
    details_url = versions[version]
    transport.use_version(version)
    details = transport.get(details_url)
    return _finish(transport, credentials, version, details_url,
                   details.data if details is not None else None, tuple(versions))


def _offered_versions(data: Any, url: str) -> dict[str, str]:
    if not isinstance(data, list):
        raise fail(errors.INVALID_VERSION_DETAILS, "the versions URL did not answer with a list of versions",
                   notes=[f"request: GET {safe_url(url)}"],
                   help="pass the platform's OCPI versions URL (often ending in `/versions`)")
    offered: dict[str, str] = {}
    for entry in data:
        if isinstance(entry, dict) and isinstance(entry.get("version"), str) and isinstance(entry.get("url"), str):
            offered.setdefault(entry["version"].strip(), urljoin(url, entry["url"]))
    return offered


def _choose(offered: Mapping[str, str], credentials: Credentials) -> str:
    wanted = VERSIONS if credentials.version == "auto" else (credentials.version,)
    for version in wanted:
        if version in offered:
            return version
    listed = ", ".join(f"`{v}`" for v in offered) or "none"
    ours = ", ".join(f"`{v}`" for v in wanted)
    raise fail(errors.NO_COMMON_VERSION, "no OCPI version in common with the platform",
               notes=[f"request: GET {safe_url(credentials.versions_url)}",
                      f"the platform offers: {listed}", f"ocpispec speaks: {ours}"],
               help="ask the CPO for a 2.1.1, 2.2.1 or 2.3.0 interface"
               if credentials.version == "auto" else "log in with `--version auto`")


def _details_version(data: dict[str, Any], credentials: Credentials) -> str:
    stated = str(data.get("version", "")).strip()
    if credentials.version != "auto":
        return credentials.version
    if stated in VERSIONS:
        return stated
    raise fail(errors.NO_COMMON_VERSION, f"the version details are for OCPI `{stated or '?'}`, "
               "which ocpispec does not speak",
               notes=[f"request: GET {safe_url(credentials.versions_url)}"],
               help="pass the platform's versions URL instead, or set `--version` if the "
                    "details mislabel a supported version")


def _finish(transport: Transport, credentials: Credentials, version: str, details_url: str,
            details: Any, offered: tuple[str, ...]) -> Discovery:
    endpoints = _sender_endpoints(details, version, details_url)
    transport.use_version(version)
    to_party = credentials.to_party or _cpo_party(transport, endpoints.get("credentials"), version)
    return Discovery(version, details_url, endpoints, offered, to_party)


def _sender_endpoints(details: Any, version: str, details_url: str) -> dict[str, str]:
    raw = details.get("endpoints") if isinstance(details, dict) else None
    if not isinstance(raw, list):
        raise fail(errors.INVALID_VERSION_DETAILS, f"the version details of OCPI {version} list no endpoints",
                   notes=[f"request: GET {safe_url(details_url)}"],
                   help="ask the CPO to check its version details endpoint")
    senders: dict[str, str] = {}
    unlabelled: dict[str, str] = {}
    for entry in raw:
        if not isinstance(entry, dict) or not isinstance(entry.get("identifier"), str):
            continue
        if not isinstance(entry.get("url"), str):
            continue
        module, url = entry["identifier"].strip().lower(), urljoin(details_url, entry["url"])
        role = str(entry.get("role") or "").upper()
        if version == "2.1.1" or role == "SENDER":
            senders.setdefault(module, url)
        elif not role:
            unlabelled.setdefault(module, url)
    return {**unlabelled, **senders}


def _cpo_party(transport: Transport, url: str | None, version: str) -> str | None:
    if url is None:
        return None
    try:
        answer = transport.get(url, missing_ok=True)
    except OcpiError:
        return None
    data = answer.data if answer is not None else None
    if not isinstance(data, dict):
        return None
    roles = data.get("roles") if version != "2.1.1" else [{**data, "role": "CPO"}]
    for role in roles if isinstance(roles, list) else []:
        if isinstance(role, dict) and str(role.get("role", "")).upper() == "CPO":
            country, party = role.get("country_code"), role.get("party_id")
            if isinstance(country, str) and isinstance(party, str):
                return f"{country.upper()}-{party.upper()}"
    return None
