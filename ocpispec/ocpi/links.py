"""Judging a `Link: <...>; rel="next"` URL before following it.

A next link is followed as is (every query parameter kept) only when it stays on
the endpoint's scheme, host, port and path (a trailing slash aside, as doctor judges
it), and its date filters are ours: equal
where we sent one, absent where we sent none (`date_from=None` is not "absent").
Otherwise the crawler rebuilds the request from the endpoint URL by offset, the
same request the concurrent crawl would make.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

from ocpispec.frozen import frozen
from ocpispec.numerals import natural
from ocpispec.ocpi.errors import origin, shown_parameter, without_secrets
from ocpispec.timestamps import parse_timestamp

_DEFAULT_PORTS = {"http": 80, "https": 443}
FILTER_NAMES = ("date_from", "date_to")


@frozen
class NextLink:
    url: str                 # absolute
    verdict: str             # ok | foreign | path | filters
    offset: int | None
    limit: int | None
    detail: str = ""         # what is wrong, for the warning (never the token; for foreign: the
                             # endpoint's own origin, never the link's host, which the platform chose)


def assess(href: str, request_url: str, endpoint: str, filters: dict[str, str], *,
           cursor_without_filters: bool = False) -> NextLink:
    """`cursor_without_filters`: a link that carries a cursor of the platform's (no
    `offset`) and leaves out date filters we sent is followed (on a platform that
    ignores `offset` it is the only way on; the list it leads to holds the window's)."""
    url = urljoin_or_none(request_url, href)
    if url is None:     # never requested: the crawl goes on by offset from the endpoint URL
        return NextLink(href.strip(), "unreadable", None, None)
    pairs = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    params = dict(pairs)
    offset, limit = _natural(params.get("offset")), _natural(params.get("limit"))
    if _origin(url) != _origin(endpoint):
        # the link's host is the platform's text (a subdomain may hold a driver's address or a
        # token): the warning names the endpoint's own origin, where the token does go
        return NextLink(url, "foreign", offset, limit, origin(endpoint))
    if _path(url).rstrip("/") != _path(endpoint).rstrip("/"):   # `/sessions/` is `/sessions`
        return NextLink(url, "path", offset, limit, _path_change(url, endpoint))
    for name in FILTER_NAMES:
        ours, theirs = filters.get(name), params.get(name)
        if ours is None and theirs is None:
            continue
        if [n for n, _ in pairs].count(name) > 1:
            return NextLink(url, "filters", offset, limit, f"{name} given more than once")
        if cursor_without_filters and theirs is None and "offset" not in params:
            continue
        if ours is None or theirs is None or parse_timestamp(theirs) != parse_timestamp(ours):
            shown = "(missing)" if theirs is None else shown_parameter(name, theirs)
            return NextLink(url, "filters", offset, limit,
                            f"{name}={shown}" + ("" if ours is not None else " where none was sent"))
    return NextLink(url, "ok", offset, limit)


def next_href(values: list[str]) -> str | None:
    """The target of the first link with relation `next` in `Link` header values (RFC
    8288): `<URI-reference>` then `;`-separated parameters, links separated by commas;
    relation types are case-insensitive, one link may carry several (`rel="next last"`)
    and only its first `rel` counts. The URL is read to its `>`: one holding a path
    parameter (`.../sessions;jsessionid=1A2B?...`, a Java servlet's session) lost its
    relation to the HTTP client's reader, which cuts each link at its first `;`, so the
    platform's next link went unseen. A value without `<...>` (`URL; rel=next`) is read
    as that URL. `&amp;` between its parameters (a link written through an HTML template)
    reads as `&`: sent as it came, a cursor arrived as a parameter named `amp;cursor`, and
    a platform paging by cursors sent its first page again."""
    for value in values:
        for href, params in _links(value):
            if "next" in params.get("rel", "").lower().split():
                return href.strip().replace("&amp;", "&") or None
    return None


def _links(value: str) -> list[tuple[str, dict[str, str]]]:
    found: list[tuple[str, dict[str, str]]] = []
    at = 0
    while at < len(value):
        start = value.find("<", at)
        bare = start < 0 or value[at:start].strip(" ,\t\"'")   # a value quoted whole is not bare
        if bare:                                    # `URL; rel=next`, not RFC 8288
            end = _unquoted(value, at, ";,")
            href, at = value[at:end].strip(" \t'\""), end
        else:
            close = value.find(">", start)
            if close < 0:
                break
            href, at = value[start + 1:close], close + 1
        params: dict[str, str] = {}
        while at < len(value) and value[at] != ",":
            end = _unquoted(value, at + 1, ";,")
            name, _, given = value[at:end].lstrip(" \t;").partition("=")
            if name.strip():
                params.setdefault(name.strip().lower(), _unquote(given.strip()))
            at = end
        found.append((href, params))
        at += 1
    return found


def _unquoted(value: str, start: int, stops: str) -> int:
    """The index of the first of `stops` at or after `start` outside a quoted string."""
    quoted, at = False, start
    while at < len(value):
        char = value[at]
        if char == "\\" and quoted:
            at += 2
            continue
        if char == '"':
            quoted = not quoted
        elif char in stops and not quoted:
            return at
        at += 1
    return at


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return text.strip("'\"")


def urljoin_or_none(base: str, href: str) -> str | None:
    """`href` made absolute against `base`, or None when it is no URL Python reads (a
    host in an unclosed `[`, as an IPv6 address is written): such a link ended the
    command as a bug."""
    try:
        url = urljoin(base, href.strip())
        urlsplit(url)
    except ValueError:
        return None
    return url


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = -1
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


def _path(url: str) -> str:
    """The path, without path parameters (`;jsessionid=1A2B`: a servlet's session names
    no other resource, and a next link carrying one was taken for another path)."""
    return unquote(re.sub(r";[^/]*", "", urlsplit(url).path)) or "/"


def _shown_path(url: str) -> str:
    """The path for a warning: matrix parameters (`;jsessionid=...`) may be secrets."""
    return without_secrets(re.sub(r";[^/]*", ";(redacted)", unquote(urlsplit(url).path) or "/"))[:120]


def _path_change(url: str, endpoint: str) -> str:
    """Where a next link's path leaves the endpoint's, for the warning: the segments of
    the endpoint's it keeps, then how many of its own follow, never their text (a platform
    may page by a record's value, `/drivers/<contract id>/sessions`, and the warning
    reaches the terminal, the log and a run's report)."""
    theirs = [part for part in _path(url).split("/") if part]
    ours = [part for part in _path(endpoint).split("/") if part]
    kept = 0
    while kept < min(len(theirs), len(ours)) and theirs[kept] == ours[kept]:
        kept += 1
    shown = without_secrets("/" + "".join(f"{part}/" for part in ours[:kept]))[:120]
    own = len(theirs) - kept
    tail = "" if not own else f" then {own} segment{'s' if own > 1 else ''} of its own"
    return f"`{shown}`{tail} instead of `{_shown_path(endpoint)}`"





def _natural(value: str | None) -> int | None:
    return natural(value)
