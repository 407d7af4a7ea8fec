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

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from ocpispec.frozen import frozen
from ocpispec.ocpi import errors
from ocpispec.ocpi.errors import OcpiError
from ocpispec.ocpi.listed_endpoints import (
    DATA_MODULES, Warn, endpoint_entries, sender_endpoints, warn_misnamed_roles)
from ocpispec.ocpi.options import VERSIONS, Credentials, split_party
from ocpispec.ocpi.transport import Transport
from ocpispec.ocpi.version_choice import (
    as_stated, choose_version, details_version, offered_versions, one_version)


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


def discover(transport: Transport, credentials: Credentials, warn: Warn | None = None) -> Discovery:
    warn = warn or (lambda message: None)
    answer = transport.get(credentials.versions_url)
    data = _one_details(answer.data if answer is not None else None, warn)
    if isinstance(data, dict) and "endpoints" in data:
        version = details_version(data, credentials, warn)
        return _finish(transport, credentials, version, credentials.versions_url, data, (version,), warn)
    if isinstance(data, dict) and isinstance(data.get("versions"), list):
        warn("the platform's versions answer nests the list as `data.versions` instead of `data`; read it there")
        data = data["versions"]
    if one_version(data):
        warn("the platform's versions answer is one version object instead of a list of versions; "
             "read as a list of one")
        data = [data]
    versions = offered_versions(data, credentials.versions_url, warn)
    version = choose_version(versions, credentials, warn)
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
            version = as_stated(data, version, credentials, warn)
            return _finish(transport, credentials, version, details_url, data, tuple(versions), warn)
        warn(f"the platform offers OCPI {version}, but its version details {useless}; using OCPI {lower[0]}, "
             f"the next version both sides speak (`--version {version}` insists on {version})")
        version = lower.pop(0)


# what version details that are not there for real look like: a version listed but not
# served (404, 410, an HTML page, no endpoints, OCPI 2xxx); not a refused token, a server
# error or a transport failure, which fail the login as before
_BROKEN_DETAILS = (errors.HTTP_ERROR, errors.OCPI_STATUS, errors.INVALID_RESPONSE, errors.INVALID_VERSION_DETAILS)


def _data_modules(details: Any, version: str, details_url: str) -> bool:
    """Whether version details list a data module to pull from (raises as `_finish` would
    on details without endpoints)."""
    entries = endpoint_entries(details, version, details_url)
    return any(module in DATA_MODULES for module in sender_endpoints(entries, version))


def stored_discovery(credentials: Credentials) -> Discovery | None:
    """The discovery a profile stored, when it holds one: a pinned version and its
    endpoints. None means: discover."""
    if credentials.version == "auto" or not credentials.endpoints:
        return None
    return Discovery(credentials.version, credentials.versions_url, dict(credentials.endpoints),
                     (credentials.version,), credentials.to_party, sole_party=bool(credentials.sole_party))


def _finish(transport: Transport, credentials: Credentials, version: str, details_url: str,
            details: Any, offered: tuple[str, ...], warn: Warn) -> Discovery:
    # a module OCPI does not define (an open enum: a platform's own) is never pulled, and
    # its identifier, the platform's text, is neither kept in a profile nor shown
    entries = [entry for entry in endpoint_entries(details, version, details_url, warn)
               if entry[0] in errors.OCPI_MODULES]
    senders = sender_endpoints(entries, version)
    if version != "2.1.1":
        warn_misnamed_roles(entries, senders, warn)
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
