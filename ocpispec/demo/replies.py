"""What the demo CPO answers besides its lists: version details, its credentials, the
refusal of a wrong token, and the headers its faults shape (`Date`, `Retry-After`)."""

from __future__ import annotations

import time
from email.utils import formatdate
from typing import Any

from ocpispec.demo.faults import Faults
from ocpispec.demo.pages import Reply, envelope
from ocpispec.demo.served import DemoServer
from ocpispec.demo.wire import CPO_COUNTRY, CPO_NAME, CPO_PARTY

EMSP_PREFIX = "/ocpi/emsp"
MEANINGS = {2000: "generic client error", 2001: "invalid or missing parameters",
             2002: "not enough information", 2003: "unknown location", 3000: "generic server error",
             3001: "unable to use the client's API", 3002: "unsupported version",
             3003: "no matching endpoints", 4000: "generic hub error"}


def version_details(demo: DemoServer, version: str, faults: Faults) -> dict[str, Any]:
    base = demo.details_url(version)
    if faults.https_endpoints:
        base = base.replace("http://", "https://", 1)
    base = discovered(base, faults)
    modules = ["credentials", *sorted(demo.listings[version])]
    label = version_label(version, faults)
    if version == "2.1.1":
        endpoints = [{"identifier": m, "url": f"{base}/{m}"} for m in modules]
        if faults.tokens_receiver_only == 2:
            emsp = discovered(f"{demo.origin}{EMSP_PREFIX}/2.1.1/tokens", faults)
            endpoints.append({"identifier": "tokens", "url": emsp})
        return {"version": label, "endpoints": endpoints}
    credentials_role = "RECEIVER" if faults.credentials_receiver_only else "SENDER"
    endpoints = [{"identifier": m, "role": credentials_role if m == "credentials" else "SENDER",
                  "url": f"{base}/{m}"} for m in modules]
    endpoints += [{"identifier": "tokens", "role": "RECEIVER", "url": f"{base}/receiver/tokens"},
                  {"identifier": "commands", "role": "RECEIVER", "url": f"{base}/receiver/commands"}]
    return {"version": label, "endpoints": endpoints}


def date_header(faults: Faults) -> str | None:
    if faults.date_header == "missing":
        return None
    if faults.date_header:
        return faults.date_header
    return formatdate(time.time() - faults.clock_behind, usegmt=True)


def retry_after_header(faults: Faults) -> str:
    if faults.retry_after_date:
        return formatdate(time.time() - faults.clock_behind + faults.retry_after, usegmt=True)
    return str(faults.retry_after)


def version_label(version: str, faults: Faults) -> str:
    return version[:3] if faults.short_version_label else version


def discovered(url: str, faults: Faults) -> str:
    """A URL handed out by discovery: on `localhost` with `foreign_details_host`."""
    return url.replace("//127.0.0.1:", "//localhost:", 1) if faults.foreign_details_host else url


def unauthorized(faults: Faults) -> Reply:
    match faults.bad_token_status:
        case 500:
            return Reply(500, (("Content-Type", "text/plain"),), b"Internal Server Error")
        case 3000:
            return Reply(200, (), envelope(None, 3000, "generic server error"))
    return Reply(401, (("WWW-Authenticate", "Token"),), envelope(None, 2000, "invalid or missing token"))


def cpo_credentials(demo: DemoServer, version: str) -> dict[str, Any]:
    business = {"name": CPO_NAME, "website": "https://demo-cpo.example"}
    url = demo.versions_url
    if version == "2.1.1":
        return {"token": "demo-token-not-for-you", "url": url, "business_details": business,
                "party_id": CPO_PARTY, "country_code": CPO_COUNTRY}
    return {"token": "demo-token-not-for-you", "url": url,
            "roles": [{"role": "CPO", "business_details": business, "party_id": CPO_PARTY,
                       "country_code": CPO_COUNTRY}]}
