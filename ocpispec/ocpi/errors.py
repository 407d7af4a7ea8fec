"""Errors of the OCPI client, each carrying one OCX5xx diagnostic.

    OcpiError                     what failed (message), where (notes), what to do (help)
      codes 500-518               see `ocpispec/diagnostics/codes/OCX5nn.md`

URLs in messages go through `safe_url`: no user info or path parameters, and no query
values but the paging parameters ocpispec itself sends (`offset`, `limit` as numbers,
`date_from`/`date_to` as timestamps): a URL from the user, a profile or the platform may
carry a secret under any name.
The token itself is never part of any text built here, and neither is text the
platform chose: its `status_message`, an HTTP reason phrase of its own or the bytes of
a body can quote a record (a card id, a driver's name), so they are described, never
shown (`status_line`); of a `status_message`, only words of a closed vocabulary
(`platform_message`).
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.ocpi.platform_words import said_message
from ocpispec.schema.neutral import WIRE_MODULES

CONNECTION_FAILED = "OCX500"
HTTP_ERROR = "OCX501"
UNAUTHORIZED = "OCX502"
OCPI_STATUS = "OCX503"
INVALID_RESPONSE = "OCX504"
RETRIES_EXHAUSTED = "OCX505"
NO_COMMON_VERSION = "OCX506"
UNKNOWN_MODULE = "OCX507"
MISSING_PROFILE = "OCX508"
INVALID_PROFILE = "OCX509"
INVALID_URL = "OCX510"
MISSING_TOKEN = "OCX511"
INVALID_PARTY = "OCX512"
INVALID_VERSION_DETAILS = "OCX513"
DEMO_PORT_UNAVAILABLE = "OCX514"
REQUEST_TIMEOUT = "OCX515"
RUN_DEADLINE = "OCX516"
TLS_FAILED = "OCX517"
FOREIGN_HOST = "OCX518"

STATUS_MEANINGS = {
    1000: "success", 2000: "generic client error", 2001: "invalid or missing parameters",
    2002: "not enough information", 2003: "unknown location", 2004: "unknown token",
    3000: "generic server error", 3001: "unable to use the client's API",
    3002: "unsupported version", 3003: "no matching endpoints", 4000: "generic hub error",
    4001: "unknown receiver", 4002: "timeout on forwarded request", 4003: "connection problem",
}
_NUMERIC_PARAMETERS = ("offset", "limit")
_DATE_PARAMETERS = ("date_from", "date_to")
# the query parameter names a message shows (a closed vocabulary): any other name is the
# platform's text, which may be a record's value (a contract id as a per-driver filter)
_SHOWN_PARAMETER_NAMES = frozenset({
    "offset", "limit", "date_from", "date_to", "cursor", "page", "page_size", "per_page", "size",
    "after", "before", "since", "until", "from", "to", "sort", "order", "tenant", "session",
    "token", "access_token", "key", "api_key", "apikey", "signature", "sig", "auth", "version"})
UNNAMED_PARAMETER = "(parameter)"
_DATE_SHAPE = re.compile(r"^(\d{4}-\d\d-\d\d([Tt ]\d\d:\d\d(:\d\d(\.\d+)?)?)?(Z|[+-]\d\d:?\d\d)?|None)$")


class OcpiError(Exception):
    """A failure talking to an OCPI platform, as a diagnostic ready to render."""

    def __init__(self, diagnostic: Diagnostic, http_status: int | None = None) -> None:
        self.diagnostic = diagnostic
        self.http_status = http_status      # the platform's HTTP status, when it answered
        super().__init__(diagnostic.message)

    @property
    def code(self) -> str:
        return self.diagnostic.code


class NoCommonVersion(OcpiError):
    """OCX506 of a version the platform does not offer; `offered`, the version labels it
    lists (a spec pinning its own version suggests one of them)."""

    def __init__(self, failure: OcpiError, offered: tuple[str, ...]) -> None:
        super().__init__(failure.diagnostic, failure.http_status)
        self.offered = offered


def fail(code: str, message: str, *, notes: Iterable[str] = (), help: str | None = None,
         http_status: int | None = None) -> OcpiError:
    """Every text of the diagnostic without the kept tokens (`without_secrets`): a
    library's own error text (a certificate naming a host, a proxy's address) may hold
    one where the platform names its hosts or paths by it."""
    return OcpiError(error(code, without_secrets(message),
                           notes=[without_secrets(note) for note in notes],
                           help=None if help is None else without_secrets(help)), http_status)


def status_meaning(code: int) -> str:
    if code in STATUS_MEANINGS:
        return STATUS_MEANINGS[code]
    family = {1: "success", 2: "client error", 3: "server error", 4: "hub error"}.get(code // 1000)
    return f"custom {family}" if family else "not an OCPI status code"


def status_line(status: int) -> str:
    """`HTTP 503 Service Unavailable`: the standard phrase, never the one the platform sent."""
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def platform_message(message: Any) -> str | None:
    """The note about a platform's `status_message`: its words from a closed vocabulary,
    any other hidden (`platform_words`)."""
    return said_message(message)


def shown_if_url(text: str) -> str:
    """`shown_url` of a value that has the form `scheme://host...`; anything else is not
    shown: a versions URL variable that holds no URL often holds the token or the key,
    set in the wrong variable (`ocpi env OCPI_TOKEN`), and errors never show secrets."""
    try:
        parts = urlsplit(text.strip())
    except ValueError:
        parts = None
    if parts is not None and parts.scheme and parts.netloc:
        return shown_url(text)
    return (f"a value of {len(text)} characters without `scheme://host` (not shown: it "
            "may be a secret set in the wrong variable)")


def shown_url(url: str) -> str:
    """`safe_url` of the URL with characters that cannot be shown on one line escaped
    (`\\n`) first, so they are shown where they are (`urlsplit` drops some)."""
    return safe_url(_escaped(url))


def _escaped(text: str) -> str:
    return "".join(char if char.isprintable() else ascii(char)[1:-1] for char in text)


# the credentials tokens this process holds: some platforms put the token in the paths of
# the URLs they hand out (`/api/{token}/ocpi/2.2.1/sessions`), which messages show
_SECRETS: set[str] = set()


def keep_secret(token: str) -> None:
    """Let `safe_url` hide `token` wherever a URL holds it: as is, Base64-encoded (the
    `Authorization` form of 2.2+, or in the URL-safe alphabet) or percent-encoded; and a token given in its Base64 form
    (copied from a 2.2 header) in the form it encodes, which the platform's URLs hold."""
    import base64
    from urllib.parse import quote

    if len(token) < 8:            # too short to tell from ordinary text (`ocpi`, `tokens`)
        return
    encoded = base64.b64encode(token.encode()).decode()
    url_safe = base64.urlsafe_b64encode(token.encode()).decode()   # the form a path can hold
    _SECRETS.update({token, encoded, encoded.rstrip("="), url_safe, url_safe.rstrip("="),
                     quote(token, safe="")})
    decoded = _base64_decoded(token)
    if decoded is not None and decoded != token:
        keep_secret(decoded)


def _base64_decoded(token: str) -> str | None:
    """The text `token` encodes when it is Base64 (either alphabet) of printable text."""
    import base64
    import binascii

    padded = token.replace("-", "+").replace("_", "/") + "=" * (-len(token) % 4)
    try:
        text = base64.b64decode(padded, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    return text if text.isprintable() and not text.isspace() else None


def without_secrets(text: str) -> str:
    """`text` with every kept token (`keep_secret`) replaced by `(redacted)`, in any
    case: a platform names its hosts in lower case (a tenant's subdomain holding the
    token), and a host name is case-insensitive, so `Tok3n` showed as `tok3n.cpo.example`."""
    if not _SECRETS:
        return text
    return _secrets_pattern(frozenset(_SECRETS)).sub("(redacted)", text)


@functools.lru_cache(maxsize=4)
def _secrets_pattern(secrets: frozenset[str]) -> re.Pattern[str]:
    alternatives = sorted(secrets, key=len, reverse=True)   # the longest form first
    return re.compile("|".join(re.escape(secret) for secret in alternatives), re.IGNORECASE)


def safe_url(url: str) -> str:
    """The URL as a person reads it: decoded, without user info, fragment, path parameters,
    object ids after a module's endpoint, path segments outside a closed vocabulary
    (`_shown_segment`), query values other than ocpispec's own paging
    parameters, query names outside a closed vocabulary (`_SHOWN_PARAMETER_NAMES`), and the
    credentials token (`keep_secret`)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unparsable URL)"
    netloc = parts.netloc.rpartition("@")[2]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(shown_parameter_name(n), v if _ours(n, v) else "(redacted)")
                           for n, v in pairs], safe="():")
    path = shown_path(parts.path)
    return _one_line(without_secrets(unquote(urlunsplit((parts.scheme, without_secrets(netloc),
                                                         without_secrets(path), query, "")))))


def _one_line(text: str) -> str:
    """Characters a URL's percent-encoding decodes into that a log line or a terminal
    would act on (`%0A` ends the line, so a platform's URL forged a log line below it;
    `%1B[2J` cleared the screen) are shown escaped, as `\\n` and `\\x1b`."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else ascii(char)[1:-1] for char in text)


# OCPI addresses one object as `{module endpoint}/{id}[/{evse_uid}[/{connector_id}]]`; the
# ids are record values (a home charger's location id), so they are never shown
_OBJECT_IDS = re.compile(r"(/(?:locations|sessions|cdrs|tariffs|tokens))/[^/]+(?:/[^/]*)*$",
                         re.IGNORECASE)


def shown_path(path: str) -> str:
    """A URL's path as messages show it (see `safe_url`), still percent-encoded."""
    return "/".join(_shown_segment(segment) for segment in _without_ids(path).split("/"))


def _without_ids(path: str) -> str:
    if path.rstrip("/") in _REDIRECTED_OBJECTS:
        return "/(path of a redirect from an object's URL)"
    path = re.sub(r";[^/]*", ";(redacted)", path)      # matrix parameters: `;jsessionid=...`
    path = _OBJECT_IDS.sub(r"\1/(id)", path)            # `locations/LOC042`: a record's id
    return next((f"{prefix}/(id)" for prefix in _OBJECT_ENDPOINTS
                 if path.startswith(prefix + "/")), path)


# the module identifiers OCPI defines: each version's `ModuleID` in the schema's tables,
# and those of documents the tables do not hold (2.3.0 edition 2's invoice reconciliation;
# the Bookings document's `Booking`, some write `bookings`). A platform may add its own
# (an open enum), whose names messages count but do not show.
OCPI_MODULES = frozenset({identifier for wired in WIRE_MODULES.values() for identifier in wired.ENUMS["ModuleID"]}
                         | {"invoicereconciliation", "booking", "bookings"})
# the path segments a message shows (a closed vocabulary, as for query names): OCPI's
# words (its modules' identifiers among them), version labels and the segments of the
# versions URL the user gave; any other is the platform's text, in an endpoint it lists,
# a next link or a redirect, which may be a record's value (`/drivers/jan@example.org/sessions`)
# and shows as `(segment)`
_SHOWN_SEGMENTS = frozenset({
    "ocpi", "cpo", "emsp", "hub", "ptp", "nsp", "scsp", "api", "rest", "external", "public", "receiver", "sender",
    "versions", "version", "details", "(id)", "(redacted)", "(path of a redirect from an object's url)"}) | OCPI_MODULES
_VERSION_SEGMENT = re.compile(r"^v?\d{1,2}(?:[._]\d{1,2}){0,2}$", re.IGNORECASE)
UNNAMED_SEGMENT = "(segment)"
_GIVEN_SEGMENTS: set[str] = set()


def note_given_url(url: str) -> None:
    """The path segments of a URL the user gave (the versions URL of a login or a
    profile) are shown in messages: they are the user's, not the platform's."""
    for form in (url, _escaped(url)):        # `shown_url` shows a line break as `\n`
        try:
            path = urlsplit(form).path
        except ValueError:
            continue
        _GIVEN_SEGMENTS.update(unquote(segment).lower() for segment in path.split("/") if segment)


def _shown_segment(segment: str) -> str:
    word = unquote(segment.split(";", 1)[0]).lower()
    if not word or word in _SHOWN_SEGMENTS or word in _GIVEN_SEGMENTS or _VERSION_SEGMENT.match(word):
        return segment
    if without_secrets(unquote(segment)) != unquote(segment):
        return segment              # a kept token: hidden as `(redacted)` where the URL is shown
    return UNNAMED_SEGMENT + segment[len(segment.split(";", 1)[0]):]


def addresses_object(url: str) -> bool:
    """Whether `url`'s path holds a record's id (`safe_url` hides it)."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return False
    return _without_ids(path) != re.sub(r";[^/]*", ";(redacted)", path)


def note_redirected_object(url: str) -> None:
    """`url` is where the platform redirected a request for one object: its path is
    built from the id in a shape of the platform's own (`/sites/LOC042/detail`), so none
    of it is shown."""
    try:
        path = urlsplit(url).path.rstrip("/")
    except ValueError:
        return
    if path:
        with _REDIRECTED_LOCK:
            _REDIRECTED_OBJECTS.pop(path, None)
            _REDIRECTED_OBJECTS[path] = None
            while len(_REDIRECTED_OBJECTS) > REDIRECTED_OBJECTS_KEPT:
                del _REDIRECTED_OBJECTS[next(iter(_REDIRECTED_OBJECTS))]


# the paths of endpoints asked for one object (`GET {endpoint}/{id}`), whatever their
# names: `https://cpo.example/api/loc/LOC042` shows no id either
_OBJECT_ENDPOINTS: set[str] = set()
# the paths object requests were redirected to, the latest REDIRECTED_OBJECTS_KEPT (in the
# order noted): a request's hops are logged, and its failures told, while it is in flight,
# at most a few at a time; kept for ever, a run that looked up an object per record kept a
# path (a record's id in it) per lookup, without bound
REDIRECTED_OBJECTS_KEPT = 1024
_REDIRECTED_OBJECTS: dict[str, None] = {}
_REDIRECTED_LOCK = threading.Lock()


def note_object_endpoint(endpoint: str) -> None:
    """Ids after `endpoint`'s path are record values, never shown (`safe_url`)."""
    try:
        path = urlsplit(endpoint).path.rstrip("/")
    except ValueError:
        return
    if path:
        _OBJECT_ENDPOINTS.add(path)


def same_origin(url: str, other: str) -> bool:
    """Whether the two URLs have one scheme and host:port as written (user info aside)."""
    first, second = urlsplit(url), urlsplit(other)
    return (first.scheme, first.netloc.rpartition("@")[2]) == (second.scheme, second.netloc.rpartition("@")[2])


def origin(url: str) -> str:
    """`scheme://host:port` of `url`, without user info or a token in the host's name."""
    parts = urlsplit(url)
    return _one_line(without_secrets(f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"))


# a version label as platforms write one (`2.2.1`, `v2.2`, `OCPI 2.2.1`, `2.2.1-d2`, `2.2-rc1`)
_VERSION_LABEL = re.compile(r"^(?:ocpi[\s_-]*)?v?\d{1,2}(?:\.\d{1,3}){0,3}(?:-?[a-z]{1,3}\d{0,3})?$", re.IGNORECASE)
UNNAMED_LABEL = "(a label that is no version number)"


def shown_modules(identifiers: Iterable[str]) -> str:
    """Module identifiers for a message: OCPI's own by name, any other counted only (a
    platform's identifier is its text, and may hold anything)."""
    names = list(dict.fromkeys(identifiers))
    known = [name for name in names if name.strip().lower() in OCPI_MODULES]
    others = len(names) - len(known)
    if others:
        known.append(f"{others} module{'s' if others > 1 else ''} OCPI does not define (not shown)")
    return ", ".join(known)


def shown_version_label(label: str) -> str:
    """A platform's version label for a message: as written when it reads as a version
    number, else a fixed description (the label is the platform's text)."""
    return label if _VERSION_LABEL.match(label.strip()) else UNNAMED_LABEL


def shown_parameter_name(name: str) -> str:
    """A query parameter's name as messages show it: from a closed vocabulary, else
    `(parameter)` (a platform's own name may be a record's value)."""
    return name if name in _SHOWN_PARAMETER_NAMES else UNNAMED_PARAMETER


def shown_parameter(name: str, value: str) -> str:
    """A query value as messages show it: ocpispec's own paging parameters as they are
    (numbers, timestamps, `None`), any other value as `(redacted)`."""
    return value if _ours(name, value) else "(redacted)"


def _ours(name: str, value: str) -> bool:
    if name in _NUMERIC_PARAMETERS:
        return value.isdigit() and len(value) <= 9
    return name in _DATE_PARAMETERS and _DATE_SHAPE.match(value) is not None
