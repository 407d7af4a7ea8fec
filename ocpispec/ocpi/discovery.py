"""Discovery: versions -> the highest common version -> its SENDER endpoints.

The URL a user gives may be the versions URL (data: a list of versions) or a
version-details URL (data: `{version, endpoints}`); both work. For 2.2+ only
SENDER endpoints are kept (the interfaces that own the data we pull); 2.1.1 has
no roles. The CPO's own party (for `OCPI-to-*`) comes from `GET credentials`,
whatever role the credentials endpoint is listed with.

Deviations read with a warning: a versions list nested as `{"versions": [...]}`,
a list of one sent as that one entry (`"data": {"version": ..., "url": ...}`, an
XML-to-JSON layer collapsing one-element arrays; credentials' `roles` too), version labels such as `2.2` (the supported version of that minor release), and
with `endpoint_scheme_from_url` endpoints on the login URL's host whose scheme
differs from the login URL's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

from ocpispec.frozen import frozen
from ocpispec.ocpi import errors
from ocpispec.ocpi.errors import OcpiError, fail, safe_url
from ocpispec.ocpi.options import VERSIONS, Credentials, split_party
from ocpispec.ocpi.transport import Transport
from ocpispec.schema.catalogue import MODULES


@frozen
class Discovery:
    version: str
    details_url: str
    endpoints: Mapping[str, str]       # module -> URL (SENDER only)
    offered: tuple[str, ...]           # versions the platform lists that we speak
    to_party: str | None
    receivers: tuple[str, ...] = ()    # data modules but tokens listed only as RECEIVER (2.2+)
    # the credentials name `to_party` as their only CPO party: an object sent without a
    # party is its (`schema.own_party`); on a hub naming several, nothing is guessed
    sole_party: bool = False


Warn = Callable[[str], None]
# `2.2`, `v2.2.1`, `OCPI 2.2.1`, and a document revision (`2.2.1-d2`, the errata of 2.2.1)
_LABEL = re.compile(r"^(?:ocpi[\s_-]*)?v?(\d+)\.(\d+)(?:\.\d+)?(?:-?d\d+)?$", re.IGNORECASE)
# any label that starts with a release's numbers (`2.2.1-rc1`): only `--version` maps it
_RELEASE = re.compile(r"^(?:ocpi[\s_-]*)?v?(\d+)\.(\d+)(?!\d)", re.IGNORECASE)


def discover(transport: Transport, credentials: Credentials, warn: Warn | None = None) -> Discovery:
    warn = warn or (lambda message: None)
    answer = transport.get(credentials.versions_url)
    data = _one_details(answer.data if answer is not None else None, warn)
    if isinstance(data, dict) and "endpoints" in data:
        version = _details_version(data, credentials, warn)
        return _finish(transport, credentials, version, credentials.versions_url, data, (version,), warn)
    if isinstance(data, dict) and isinstance(data.get("versions"), list):
        warn("the platform's versions answer nests the list as `data.versions` instead of `data`; read it there")
        data = data["versions"]
    if one_version(data):
        warn("the platform's versions answer is one version object instead of a list of versions; "
             "read as a list of one")
        data = [data]
    versions = _offered_versions(data, credentials.versions_url, warn)
    version = _choose(versions, credentials, warn)
    lower = [v for v in VERSIONS[VERSIONS.index(version) + 1:] if v in versions] \
        if credentials.version == "auto" else []
    while True:
        details_url = _with_login_scheme(versions[version], credentials, warn)
        transport.use_version(version)
        try:
            details = transport.get(details_url)
            data = _one_details(details.data if details is not None else None, warn)
            useless = None if not lower or _data_modules(data, version, details_url) else "list no data module"
        except OcpiError as problem:
            if not lower or problem.code not in _BROKEN_DETAILS:
                raise
            useless = f"fail ({problem.code}: {problem.diagnostic.message[:120]})"
        if useless is None:
            version = _as_stated(data, version, credentials, warn)
            return _finish(transport, credentials, version, details_url, data, tuple(versions), warn)
        warn(f"the platform offers OCPI {version}, but its version details {useless}; using OCPI {lower[0]}, "
             f"the next version both sides speak (`--version {version}` insists on {version})")
        version = lower.pop(0)


# what version details that are not there for real look like: a version listed but not
# served (404, 410, an HTML page, no endpoints, OCPI 2xxx); not a refused token, a server
# error or a transport failure, which fail the login as before
_BROKEN_DETAILS = (errors.HTTP_ERROR, errors.OCPI_STATUS, errors.INVALID_RESPONSE, errors.INVALID_VERSION_DETAILS)
# the modules ocpispec reads (the schema's), in the order `OcpiClient` tries them
DATA_MODULES = tuple(sorted(MODULES))


def _data_modules(details: Any, version: str, details_url: str) -> bool:
    """Whether version details list a data module to pull from (raises as `_finish` would
    on details without endpoints)."""
    return any(module in DATA_MODULES for module in _sender_endpoints(_entries(details, version, details_url),
                                                                        version))


def stored_discovery(credentials: Credentials) -> Discovery | None:
    """The discovery a profile stored, when it holds one: a pinned version and its
    endpoints. None means: discover."""
    if credentials.version == "auto" or not credentials.endpoints:
        return None
    return Discovery(credentials.version, credentials.versions_url, dict(credentials.endpoints),
                     (credentials.version,), credentials.to_party, sole_party=bool(credentials.sole_party))


def supported_version(label: str) -> str | None:
    """The version ocpispec speaks that a platform's label means: itself, or the one
    of the same minor release (`2.2`, `2.2.0`, `v2.2`, `2.2.1-d2` -> `2.2.1`)."""
    if label in VERSIONS:
        return label
    return _of_release(_LABEL.match(label))


def _of_release(match: re.Match[str] | None) -> str | None:
    if match is None:
        return None
    minor = f"{match.group(1)}.{match.group(2)}."
    return next((v for v in VERSIONS if v.startswith(minor)), None)


def one_version(data: Any) -> bool:
    """Whether a versions answer is its one entry instead of a list of one (an XML-to-JSON
    layer collapsing a one-element array): an object with `version` and `url`, no endpoints."""
    return isinstance(data, dict) and "version" in data and isinstance(data.get("url"), str) \
        and "endpoints" not in data


def _offered_versions(data: Any, url: str, warn: Warn) -> dict[str, str]:
    if not isinstance(data, list):
        raise fail(errors.INVALID_VERSION_DETAILS, "the versions URL did not answer with a list of versions",
                   notes=[f"request: GET {safe_url(url)}"],
                   help="pass the platform's OCPI versions URL (often ending in `/versions`)")
    listed = [(_label(entry["version"]), _listed(url, entry["url"])) for entry in data
              if isinstance(entry, dict) and _label(entry.get("version")) and isinstance(entry.get("url"), str)]
    offered: dict[str, str] = {}
    for label, target in listed:
        if label in VERSIONS:
            offered.setdefault(label, target)
    for label, target in listed:
        mapped = supported_version(label)
        if mapped is not None and mapped != label and mapped not in offered:
            warn(f"the platform labels a version `{label[:20]}`; using it as OCPI {mapped}")
            offered[mapped] = target
        elif mapped is None:          # named in messages only when it reads as a version
            offered.setdefault(errors.shown_version_label(label[:20]), target)
    return offered


def _listed(base: str, url: str) -> str:
    """A URL the platform lists, absolute, without the white space around it (a URL padded
    with spaces was read as a relative path, or requested with `%20`) and without
    `user:password@`: OCPI sends the token alone, and a profile keeps the endpoints it
    stores free of the platform's logins."""
    joined = urljoin(base, url.strip())
    try:
        parts = urlsplit(joined)
    except ValueError:
        return joined               # the transport says what is wrong with it
    if "@" not in parts.netloc:
        return joined
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def _label(value: Any) -> str:
    """A version label as text: a string, or a JSON number (`2.2`, as some platforms'
    serialisers write a decimal field), which `supported_version` then maps."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def _choose(offered: dict[str, str], credentials: Credentials, warn: Warn) -> str:
    wanted = VERSIONS if credentials.version == "auto" else (credentials.version,)
    for version in wanted:
        if version in offered:
            return version
    near = {label: mapped for label in offered if (mapped := _of_release(_RELEASE.match(label))) is not None}
    if credentials.version != "auto" and (label := next((k for k, v in near.items() if v in wanted), None)):
        warn(f"the platform labels a version `{label}`; using it as OCPI {credentials.version} (--version)")
        offered[credentials.version] = offered[label]
        return credentials.version
    listed = ", ".join(f"`{v}`" for v in offered) or "none"
    # a pinned version is the login's (`--version`, or the version a stored profile was
    # logged in on, which its runs keep): not all that ocpispec speaks
    ours = f"ocpispec speaks: {', '.join(f'`{v}`' for v in wanted)}" if credentials.version == "auto" \
        else f"asked for: `{credentials.version}` (`--version`, or the version the profile was logged in on)"
    advice = "ask the CPO for a 2.1.1, 2.2.1 or 2.3.0 interface" if credentials.version == "auto" \
        else "if the platform moved to another version, log in again with `--version auto`"
    if near and credentials.version == "auto":
        label, mapped = next(iter(near.items()))
        advice = f"if `{label}` is OCPI {mapped}, log in with `--version {mapped}` to use it as that; {advice}"
    what = "no OCPI version in common with the platform" if credentials.version == "auto" \
        else f"the platform does not offer OCPI {credentials.version}"
    raise errors.NoCommonVersion(fail(errors.NO_COMMON_VERSION, what,
                                      notes=[f"request: GET {safe_url(credentials.versions_url)}",
                                             f"the platform offers: {listed}", ours],
                                      help=advice), tuple(offered))


def _details_version(data: dict[str, Any], credentials: Credentials, warn: Warn) -> str:
    stated = str(data.get("version", "")).strip()[:20]
    if credentials.version != "auto":
        return credentials.version
    mapped = supported_version(stated)
    if mapped is not None:
        if mapped != stated:
            warn(f"the version details are labelled `{stated}`; using them as OCPI {mapped}")
        return mapped
    raise fail(errors.NO_COMMON_VERSION, f"the version details are for OCPI "
               f"`{errors.shown_version_label(stated) if stated else '?'}`, "
               "which ocpispec does not speak",
               notes=[f"request: GET {safe_url(credentials.versions_url)}"],
               help="pass the platform's versions URL instead, or set `--version` if the "
                    "details mislabel a supported version")


def _as_stated(details: Any, version: str, credentials: Credentials, warn: Warn) -> str:
    """The version the details say they are for, when it is another one ocpispec speaks:
    a platform listing 2.3.0 with its 2.2.1 details serves 2.2.1 records, which read as
    2.3.0 lose their prices (a 2.2.1 Price has no `before_taxes`). `--version` insists."""
    stated = supported_version(str(details.get("version", "")).strip()[:20]) \
        if isinstance(details, dict) else None
    if stated is None or stated == version:
        return version
    if credentials.version != "auto":
        warn(f"the platform's OCPI {version} version details say they are for OCPI {stated}; "
             f"reading them as {version} (`--version`)")
        return version
    warn(f"the platform lists OCPI {version}, but its version details say they are for OCPI {stated}; "
         f"using OCPI {stated} (`--version {version}` insists on {version})")
    return stated


def _finish(transport: Transport, credentials: Credentials, version: str, details_url: str,
            details: Any, offered: tuple[str, ...], warn: Warn) -> Discovery:
    # a module OCPI does not define (an open enum: a platform's own) is never pulled, and
    # its identifier, the platform's text, is neither kept in a profile nor shown
    entries = [entry for entry in _entries(details, version, details_url, warn) if entry[0] in errors.OCPI_MODULES]
    senders = _sender_endpoints(entries, version)
    if version != "2.1.1":
        _warn_misnamed_roles(entries, senders, warn)
    endpoints = {module: _with_login_scheme(url, credentials, warn) for module, url in senders.items()}
    transport.use_version(version)
    credentials_url = next((url for module, _, url in entries if module == "credentials"), None)
    if credentials_url is not None:
        credentials_url = _with_login_scheme(credentials_url, credentials, warn)
    if credentials.to_party is not None and credentials.sole_party is not None:
        to_party, sole = credentials.to_party, credentials.sole_party
    else:
        parties = _cpo_parties(transport, credentials_url, version)
        to_party = credentials.to_party or (parties[0] if parties else None)
        sole = parties == (to_party,)
    # a CPO's `tokens` interface rightly takes pushes: not counted
    receivers = tuple(sorted({module for module, role, _ in entries if role == "RECEIVER"
                              and module in DATA_MODULES and module != "tokens"} - endpoints.keys()))
    return Discovery(version, details_url, endpoints, offered, to_party, receivers, sole)


def _one_details(data: Any, warn: Warn) -> Any:
    """Version details sent as a list of one (`"data": [{"version", "endpoints"}]`) are
    those details; any other answer is as sent."""
    if isinstance(data, list) and len(data) == 1 and isinstance(data[0], dict) and "endpoints" in data[0]:
        warn("the platform sends its version details as a list of one; read as the details")
        return data[0]
    return data


def _entries(details: Any, version: str, details_url: str, warn: Warn | None = None) -> list[tuple[str, str, str]]:
    """(module, ROLE or "", absolute URL) of every well-formed endpoint entry. One endpoint
    object where the list belongs (an XML-to-JSON layer collapsing a list of one) is a
    list of one."""
    raw = details.get("endpoints") if isinstance(details, dict) else None
    if isinstance(raw, dict) and isinstance(raw.get("identifier"), str):
        if warn is not None:
            warn("the version details give `endpoints` as one endpoint object instead of a list; read as a list "
                 "of one")
        raw = [raw]
    if not isinstance(raw, list):
        what = "list no endpoints" if raw is None else "give `endpoints` that are not a list of endpoints"
        raise fail(errors.INVALID_VERSION_DETAILS, f"the version details of OCPI {version} {what}",
                   notes=[f"request: GET {safe_url(details_url)}"],
                   help="ask the CPO to check its version details endpoint")
    return [(entry["identifier"].strip().lower(), str(entry.get("role") or "").strip().upper(),
             _listed(details_url, entry["url"])) for entry in raw
            if isinstance(entry, dict) and isinstance(entry.get("identifier"), str)
            and isinstance(entry.get("url"), str)]


def _sender_endpoints(entries: list[tuple[str, str, str]], version: str) -> dict[str, str]:
    """2.2+: a module's SENDER endpoint; where it has none, its endpoint without a role, and
    then one whose role is no interface role, read as none given: the CPO's (`"CPO"`, the
    party's role of the credentials) before another party's. A RECEIVER only takes pushes."""
    if version == "2.1.1":
        return _senders_211(entries)
    senders: dict[str, str] = {}
    unlabelled: dict[str, str] = {}
    as_cpo: dict[str, str] = {}
    misnamed: dict[str, str] = {}
    for module, role, url in entries:
        if role == "SENDER":
            senders.setdefault(module, url)
        elif not role:
            unlabelled.setdefault(module, url)
        elif role == "CPO":
            as_cpo.setdefault(module, url)
        elif role != "RECEIVER":
            misnamed.setdefault(module, url)
    return {**misnamed, **as_cpo, **unlabelled, **senders}


def _warn_misnamed_roles(entries: list[tuple[str, str, str]], endpoints: dict[str, str], warn: Warn) -> None:
    chosen = sorted({module for module, role, url in entries if module in DATA_MODULES
                     and role not in ("SENDER", "RECEIVER", "") and endpoints.get(module) == url})
    if chosen:
        warn(f"the version details give {', '.join(f'`{module}`' for module in chosen)} a role that is neither "
             "SENDER nor RECEIVER (an OCPI interface role; a party's role such as CPO is none): read as if no "
             "role was given")


def _senders_211(entries: list[tuple[str, str, str]]) -> dict[str, str]:
    """2.1.1 has no roles: the first entry of a module (a `tokens` endpoint on the eMSP
    side preferred). A platform that writes its 2.1.1 details as its 2.2 ones does label
    them: an entry labelled RECEIVER (an interface that only takes pushes) then counts only
    where the module has no other."""
    chosen: dict[str, tuple[int, str]] = {}
    for module, role, url in entries:
        rank = 1 if role == "RECEIVER" else 0
        held = chosen.get(module)
        if held is None or rank < held[0] or (rank == held[0] and module == "tokens" and emsp_side(url)
                                              and not emsp_side(held[1])):
            chosen[module] = (rank, url)
    return {module: url for module, (_, url) in chosen.items()}


def emsp_side(url: str) -> bool:
    """2.1.1 has no roles: an eMSP-side endpoint shows only in its path (`.../emsp/...`)."""
    return "emsp" in (segment.lower() for segment in urlsplit(url).path.split("/"))


def _with_login_scheme(url: str, credentials: Credentials, warn: Warn) -> str:
    """With `endpoint_scheme_from_url`: an endpoint on the login URL's host gets the login
    URL's scheme (a platform listing https:// endpoints while it speaks only http)."""
    given, listed = urlsplit(credentials.versions_url), urlsplit(url)
    if not credentials.endpoint_scheme_from_url or listed.scheme == given.scheme \
            or (listed.hostname or "").lower() != (given.hostname or "").lower():
        return url
    warn(f"the platform lists {listed.scheme}:// endpoints; using {given.scheme}:// as the URL you logged in "
         "with (--endpoint-scheme-from-url)")
    return listed._replace(scheme=given.scheme).geturl()


def _cpo_parties(transport: Transport, url: str | None, version: str) -> tuple[str | None, ...]:
    """The parties of the credentials' CPO roles, in order, each once (None for one not of
    OCPI's shape): the first is the party addressed; one alone is the only one served."""
    if url is None:
        return ()
    try:
        answer = transport.get(url, missing_ok=True)
    except OcpiError as problem:
        if problem.code in (errors.TLS_FAILED, errors.FOREIGN_HOST):
            raise                  # every endpoint would fail the same way: say so at login
        return ()
    data = answer.data if answer is not None else None
    if not isinstance(data, dict):
        return ()
    transport.accepted_by("accepted it for its credentials")
    roles = data.get("roles") if version != "2.1.1" else [{**data, "role": "CPO"}]
    if isinstance(roles, dict):     # a list of one role, collapsed to the role
        roles = [roles]
    found: dict[str | None, None] = {}
    unknown = False
    for role in roles if isinstance(roles, list) else []:
        if isinstance(role, dict) and str(role.get("role", "")).strip().upper() == "CPO":
            country, party = role.get("country_code"), role.get("party_id")
            if isinstance(country, str) and isinstance(party, str):   # padded as labels may be
                # only a party of OCPI's shape is kept: it is shown (login, doctor, `state
                # show`) and stored (profile, state), and the platform's text may hold anything
                found[_party_of_shape(f"{country.strip().upper()}-{party.strip().upper()}")] = None
            else:
                unknown = True          # a CPO role whose party is not stated: another party
    return (*found, None) if unknown and found else tuple(found)


def _party_of_shape(party: str) -> str | None:
    return party if split_party(party) is not None else None
