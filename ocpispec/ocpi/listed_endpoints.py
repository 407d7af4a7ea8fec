"""The endpoints a platform lists in its version details: each entry read as
(module, role, absolute URL), and the one to pull a module from, by OCPI's interface
roles (2.2+) or, in 2.1.1, which has none, by the first entry and the endpoint's side."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

from ocpispec.ocpi import errors
from ocpispec.ocpi.errors import fail, safe_url
from ocpispec.schema.catalogue import MODULES

Warn = Callable[[str], None]
# the modules ocpispec reads (the schema's), in the order `OcpiClient` tries them
DATA_MODULES = tuple(sorted(MODULES))


def listed_url(base: str, url: str) -> str:
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


def endpoint_entries(details: Any, version: str, details_url: str,
                     warn: Warn | None = None) -> list[tuple[str, str, str]]:
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
             listed_url(details_url, entry["url"])) for entry in raw
            if isinstance(entry, dict) and isinstance(entry.get("identifier"), str)
            and isinstance(entry.get("url"), str)]


def sender_endpoints(entries: list[tuple[str, str, str]], version: str) -> dict[str, str]:
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


def warn_misnamed_roles(entries: list[tuple[str, str, str]], endpoints: dict[str, str], warn: Warn) -> None:
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
