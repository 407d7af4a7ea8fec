"""Platform-wide checks: versions, endpoints and roles, credentials, the token.

Discovery runs through the real client (`OcpiClient.connect`), so the report says
what ocpispec itself negotiates; the recorder's copies of the raw answers say what
the platform actually sent, also when discovery fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import orjson

from ocpispec.doctor.model import Finding, Status, clip
from ocpispec.doctor.recorder import Exchange, shown_url
from ocpispec.ocpi import hosts
from ocpispec.ocpi.answer_reading import bare
from ocpispec.ocpi.client import DATA_MODULES
from ocpispec.ocpi.version_choice import one_version
from ocpispec.ocpi.errors import origin, shown_modules, shown_version_label
from ocpispec.ocpi.options import VERSIONS
from ocpispec.text import duration

PLATFORM = "platform"
CLOCK_TOLERANCE = 2.0  # seconds: the `Date` header says whole seconds, rounded down


@dataclass(frozen=True, slots=True)
class Discovered:
    """What the client learned (all None/empty when discovery failed)."""

    version: str | None = None
    offered: tuple[str, ...] = ()
    details_url: str | None = None
    endpoints: dict[str, str] | None = None
    to_party: str | None = None
    token_encoding: str | None = None


@dataclass(frozen=True, slots=True)
class RawAnswers:
    """The discovery answers as the platform sent them: the `data` of each."""

    versions: Any = None
    details: Any = None
    details_url: str | None = None
    credentials: Any = None
    bare: bool = False           # a discovery answer came without the envelope
    collapsed: str | None = None  # version details (or their `endpoints`) sent as one object: what


def raw_answers(exchanges: list[Exchange]) -> RawAnswers:
    versions = details = credentials = None
    details_url = None
    unwrapped = False
    collapsed = None
    for exchange in exchanges:
        data = _data(exchange)
        if data is None:
            continue
        if data.__class__ is _Bare:
            data, unwrapped = data.body, unwrapped or _is_versions(data.body) or "endpoints" in data.body
        if isinstance(data, list) and len(data) == 1 and isinstance(data[0], dict) and "endpoints" in data[0]:
            data, collapsed = data[0], "the platform sends its version details as a list of one"
        if versions is None and _is_versions(data):
            versions = data
        elif details is None and isinstance(data, dict) and "endpoints" in data:
            details, details_url = data, exchange.url
            if isinstance(data["endpoints"], dict):
                collapsed = "the version details give `endpoints` as one endpoint object instead of a list"
        elif credentials is None and isinstance(data, dict) and ("roles" in data or "party_id" in data):
            credentials = data
    return RawAnswers(versions, details, details_url, credentials, unwrapped, collapsed)


def versions_findings(raw: RawAnswers, found: Discovered, exchanges: list[Exchange]) -> list[Finding]:
    connected = found.version is not None
    findings: list[Finding] = []
    listing = raw.versions
    if raw.bare:
        findings.append(_coped(connected, "envelope", "the versions or version details come without the OCPI "
                               "envelope (`status_code`, `data`)", "ocpispec reads the answer as its `data`",
                               "ocpispec cannot read the versions"))
    if isinstance(listing, dict) and isinstance(listing.get("versions"), list):
        findings.append(_coped(connected, "versions", "the versions list is nested as `data.versions` "
                               "instead of being `data` itself",
                               "ocpispec reads the nested list", "ocpispec cannot read the versions"))
        listing = listing["versions"]
    if one_version(listing):
        findings.append(_coped(connected, "versions", "the versions answer is one version object instead of "
                               "a list of versions", "ocpispec reads it as a list of one",
                               "ocpispec cannot read the versions"))
        listing = [listing]
    labels = [shown_version_label(clip(str(e.get("version")), 20)) for e in listing if isinstance(e, dict)][:10] \
        if isinstance(listing, list) else []
    short = [label for label in labels if label not in VERSIONS and _abbreviates(label)]
    if short:
        findings.append(_coped(connected, "version labels",
                               f"versions labelled {_ticks(short)} instead of a full version number "
                               "such as `2.2.1`", "ocpispec matches the label to the version it stands for",
                               "ocpispec finds no version it speaks"))
    if connected:
        offered = ", ".join(labels) if labels else ", ".join(found.offered)
        findings.insert(0, Finding(PLATFORM, "versions", Status.OK,
                                   f"OCPI {found.version} negotiated (offered: {offered or found.version})"))
    elif raw.versions is None and raw.details is None and exchanges and exchanges[0].status == 200:
        findings.append(Finding(PLATFORM, "versions", Status.BLOCKING,
                                "the versions URL answered no list of versions"))
    return findings


def endpoint_findings(raw: RawAnswers, found: Discovered, versions_url: str,
                      allowed_hosts: tuple[str, ...] = ()) -> list[Finding]:
    if found.endpoints is None or found.version is None:
        return _unreached_endpoints(raw, versions_url)
    data_modules = sorted(m for m in found.endpoints if m in DATA_MODULES)
    roles = _roles(raw.details)
    receivers = sorted({m for m, role in roles if role == "RECEIVER"} - set(data_modules))
    receivers = [shown_modules(receivers)] if receivers else []
    shown = ", ".join(data_modules) or "none"
    role_note = "" if found.version == "2.1.1" else " as SENDER"
    findings = [Finding(PLATFORM, "endpoints", Status.OK if data_modules else Status.BLOCKING,
                        f"data modules{role_note}: {shown}"
                        + (f"; RECEIVER-only: {', '.join(receivers)}" if receivers else ""),
                        "ocpispec pulls from SENDER interfaces only" if receivers else
                        ("" if data_modules else "there is nothing to export"))]
    if raw.collapsed is not None:
        findings.append(Finding(PLATFORM, "endpoints", Status.HANDLED, raw.collapsed,
                                "ocpispec reads it as a list of one"))
    twice = sorted(m for m in data_modules if [r[0] for r in roles].count(m) > 1)
    if found.version == "2.1.1" and twice:
        chosen = ", ".join(f"`{m}` at {urlsplit(shown_url(found.endpoints[m])).path}" for m in twice)
        labelled = any(role for module, role in roles if module in twice)
        findings.append(Finding(PLATFORM, "endpoints", Status.HANDLED,
                                f"listed twice (OCPI 2.1.1 has no roles): {', '.join(twice)}",
                                ("ocpispec pulls from the one not labelled RECEIVER (the details carry "
                                 f"2.2's roles) ({chosen})" if labelled else
                                 f"ocpispec pulls from the eMSP-side one when a path names it ({chosen}); "
                                 "a CPO-side `tokens` endpoint only receives")))
    unused = sorted({m for m, _ in roles if m in DATA_MODULES} - set(data_modules) - set(receivers))
    if unused:
        findings.append(Finding(PLATFORM, "unused endpoints", Status.INFO,
                                f"listed but not pulled from: {', '.join(unused)}",
                                "ocpispec leaves them alone; specs that use them fail"))
    base = raw.details_url or versions_url
    elsewhere = sorted({_where(url, base) for url in found.endpoints.values()} - {""})
    refused = sorted({target for url in found.endpoints.values()
                      if (target := hosts.refused(url, versions_url, allowed_hosts)) is not None})
    if elsewhere:
        findings.append(Finding(PLATFORM, "endpoint URLs", Status.WARNING,
                                f"endpoints point elsewhere than the version details: {'; '.join(elsewhere)}",
                                _elsewhere_action(refused)))
    return findings


def _elsewhere_action(refused: list[str]) -> str:
    if not refused:
        return "ocpispec uses the URLs as listed and sends the token there; the module checks below show " \
               "whether they answer"
    shown = ", ".join(f"`{clip(target, 80)}`" for target in refused[:4])
    allow = " ".join(f"--allow-host {clip(target, 80)}" for target in refused[:4])
    return (f"ocpispec does not send the token to {shown}, so the modules listed there cannot be pulled; if "
            f"they belong to the platform, log in again with `{allow}`")


def _unreached_endpoints(raw: RawAnswers, versions_url: str) -> list[Finding]:
    """Discovery failed after the version details came: do their URLs point elsewhere?"""
    entries = raw.details.get("endpoints") if isinstance(raw.details, dict) else None
    urls = [e["url"] for e in entries if isinstance(e, dict) and isinstance(e.get("url"), str)] \
        if isinstance(entries, list) else []
    base = raw.details_url or versions_url
    elsewhere = sorted({_where(url, base) for url in urls} - {""})
    if not elsewhere:
        return []
    return [Finding(PLATFORM, "endpoint URLs", Status.WARNING,
                    f"endpoints point elsewhere than the version details: {'; '.join(elsewhere)}",
                    "ocpispec uses the URLs as listed and sends the token nowhere else: see `connect` for why "
                    "they cannot be used")]


def credentials_findings(raw: RawAnswers, found: Discovered) -> list[Finding]:
    if found.version is None:
        return []
    roles = {role for module, role in _roles(raw.details) if module == "credentials"}
    if found.version != "2.1.1" and roles and "SENDER" not in roles and "" not in roles:
        party = found.to_party
        return [Finding(PLATFORM, "credentials", Status.HANDLED,
                        f"the version details list `credentials` only with role {', '.join(sorted(roles))}",
                        "ocpispec reads the CPO's party from it all the same"
                        + (f": {party}, sent as OCPI-to-*" if party else "; it found none, so it sends no "
                           "OCPI-to-* headers (fine on a direct connection, a hub cannot route them)"))]
    return _credentials_answer(raw, found)


def _credentials_answer(raw: RawAnswers, found: Discovered) -> list[Finding]:
    data = raw.credentials
    if data is None:
        return [Finding(PLATFORM, "credentials", Status.INFO, "the credentials endpoint gave no answer",
                        "ocpispec sends no OCPI-to-* routing headers" if found.to_party is None
                        else f"ocpispec addresses {found.to_party}")]
    if found.version == "2.1.1":
        return [Finding(PLATFORM, "credentials", Status.OK, f"CPO party {found.to_party or 'not stated'}")]
    roles = data.get("roles") if isinstance(data, dict) else None
    named = list(dict.fromkeys(_shown_role(r.get("role")) for r in roles if isinstance(r, dict)))[:6] \
        if isinstance(roles, list) else []
    action = ("ocpispec sends no OCPI-to-* headers: fine on a direct connection, a hub cannot route them"
              if found.to_party is None else f"ocpispec addresses {found.to_party}")
    if "CPO" in named and found.to_party is None:   # its party not of OCPI's shape (`NL-ABC`): not kept
        return [Finding(PLATFORM, "credentials", Status.HANDLED,
                        "CPO role without a party of OCPI's shape (two letters and three)", action)]
    if "CPO" in named:
        return [Finding(PLATFORM, "credentials", Status.OK, f"CPO role {found.to_party}: sent as OCPI-to-*")]
    return [Finding(PLATFORM, "credentials", Status.HANDLED,
                    f"the credentials list no CPO role (roles: {', '.join(named) or 'none'})", action)]


_ROLES = frozenset({"CPO", "EMSP", "HUB", "NAP", "NSP", "OTHER", "SCSP", "PTP"})


def _shown_role(role: object) -> str:
    """A credentials role as OCPI names it; any other is the platform's text, not shown."""
    name = str(role).strip().upper()
    return name if name in _ROLES else "(a role OCPI does not define)"


def token_findings(exchanges: list[Exchange], found: Discovered) -> list[Finding]:
    refused = {e.token_form for e in exchanges if e.status in (401, 403) and e.token_form in ("base64", "raw")}
    used = found.token_encoding
    if found.version is None or used is None:
        if refused:
            return [Finding(PLATFORM, "token", Status.BLOCKING,
                            f"the token was refused ({' and '.join(sorted(_form(f) for f in refused))})",
                            "nothing can be exported: check the token with the CPO")]
        return []
    expected = "plain" if found.version == "2.1.1" else "base64"
    sent = _form("raw" if used == "plain" else "base64")
    if used == expected:
        return [Finding(PLATFORM, "token", Status.OK, f"sent {sent}, as OCPI {found.version} says")]
    learned = " after one 401" if refused else ""
    return [Finding(PLATFORM, "token", Status.HANDLED,
                    f"the platform accepts the token only {sent} on OCPI {found.version}",
                    f"ocpispec switches to the {sent.split()[0]} form{learned}; `login` stores it")]


def clock_finding(platform: datetime | None, ours: datetime, source: str | None) -> Finding:
    """The platform's clock (the `Date` header of its answers, or their envelope's
    `timestamp`) against ours."""
    if platform is None:
        return Finding(PLATFORM, "clock", Status.INFO, "no usable `Date` header or envelope `timestamp`: "
                       "the platform's clock is unknown", "windows end at ocpispec's clock")
    apart = (platform - ours).total_seconds()
    if apart <= -CLOCK_TOLERANCE:
        return Finding(PLATFORM, "clock", Status.HANDLED,
                       f"the platform's clock is {duration(apart)} behind ours ({source} of its answers)",
                       "windows ending at the run's time end at the platform's time (OCX584); a fixed window "
                       "it has not reached yet is waited for, or refused (OCX585)")
    if apart >= CLOCK_TOLERANCE:
        return Finding(PLATFORM, "clock", Status.INFO,
                       f"the platform's clock is {duration(apart)} ahead of ours ({source} of its answers)",
                       "records it stamps ahead of ocpispec's clock come with the run whose window reaches them")
    return Finding(PLATFORM, "clock", Status.OK, f"the platform's clock agrees with ours ({source} of its answers)")


def wrong_token_finding(outcome: str, status: int | None, ocpi_status: int | None) -> Finding:
    """`outcome`: refused (401/403), error (another error answer) or served."""
    check = "wrong token"
    match outcome:
        case "refused":
            return Finding(PLATFORM, check, Status.OK, f"a wrong token is refused with HTTP {status}")
        case _ if status is None:
            return Finding(PLATFORM, check, Status.SKIPPED, "not tested: the request got no answer")
        case "served":
            return Finding(PLATFORM, check, Status.WARNING, "a request with a wrong token was answered with data",
                           "ocpispec cannot notice a wrong token; ask the CPO to check its authentication")
    how = f"HTTP {status}" + (f" with OCPI status {ocpi_status}" if ocpi_status is not None else "")
    return Finding(PLATFORM, check, Status.WARNING, f"a wrong token is answered with {how} instead of 401",
                   "a run with a wrong token fails like an outage or a refused request; "
                   "when runs fail that way, check the token first")


# -- helpers -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Bare:
    body: Any


def _data(exchange: Exchange) -> Any:
    """The answer's `data`; an answer without the envelope as `_Bare` (as the transport reads it)."""
    if exchange.status != 200:
        return None
    try:
        body = orjson.loads(exchange.body)
    except ValueError:
        return None
    if bare(body):
        return _Bare(body)
    return body.get("data") if isinstance(body, dict) else None


def _is_versions(data: Any) -> bool:
    if isinstance(data, dict) and isinstance(data.get("versions"), list):
        data = data["versions"]
    if one_version(data):
        return True
    return isinstance(data, list) and any(isinstance(e, dict) and "version" in e for e in data)


def _abbreviates(label: str) -> bool:
    text = label.strip().lower().removeprefix("v")
    return any(v != text and (v.startswith(text + ".") or text.startswith(v)) for v in VERSIONS)


def _roles(details: Any) -> list[tuple[str, str]]:
    entries = details.get("endpoints") if isinstance(details, dict) else None
    return [(str(e.get("identifier", "")).strip().lower(), _interface_role(e.get("role")))
            for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def _interface_role(value: Any) -> str:
    """An endpoint's role as OCPI names it (or "" where none is given); any other is the
    platform's text, not shown."""
    role = str(value or "").strip().upper()
    return role if role in ("SENDER", "RECEIVER", "") else "(a role OCPI does not define)"


def _where(url: str, base: str) -> str:
    """Empty when `url` is on `base`'s scheme, host and port; else what differs."""
    target = urljoin(base, url)
    if origin(target).lower() == origin(base).lower():
        return ""
    ours, theirs = urlsplit(base), urlsplit(target)
    if ours.netloc.lower() == theirs.netloc.lower():
        return f"`{theirs.scheme}://` instead of `{ours.scheme}://`"
    if hosts.place(base)[0] == hosts.place(target)[0]:
        return f"another port ({origin(shown_url(target))})"
    return f"another host ({origin(shown_url(target))})"


def _coped(connected: bool, check: str, observed: str, coped: str, failed: str) -> Finding:
    if connected:
        return Finding(PLATFORM, check, Status.HANDLED, observed, coped)
    return Finding(PLATFORM, check, Status.BLOCKING, observed, failed)


def _form(name: str) -> str:
    return "Base64-encoded" if name == "base64" else "raw"


def _ticks(names: list[str]) -> str:
    return ", ".join(f"`{n}`" for n in dict.fromkeys(names))
