"""Judging a `Link: <...>; rel="next"` URL before following it.

A next link is followed as is (every query parameter kept) only when it stays on
the endpoint's scheme, host and port and keeps our date filters. Otherwise the
crawler rebuilds the request from the endpoint URL, with the link's `offset` and
`limit` when it has usable ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urljoin, urlsplit

from ocpispec.timestamps import parse_timestamp

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class NextLink:
    url: str                 # absolute
    verdict: str             # ok | foreign | filters
    offset: int | None
    limit: int | None
    detail: str = ""         # what is wrong, for the warning (never the token; no query for foreign)


def assess(href: str, request_url: str, endpoint: str, filters: dict[str, str]) -> NextLink:
    url = urljoin(request_url, href.strip())
    params = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    offset, limit = _natural(params.get("offset")), _natural(params.get("limit"))
    if _origin(url) != _origin(endpoint):
        return NextLink(url, "foreign", offset, limit, _shown_origin(url))
    for name, ours in filters.items():
        theirs = params.get(name)
        if theirs is None or parse_timestamp(theirs) != parse_timestamp(ours):
            return NextLink(url, "filters", offset, limit, f"{name}={theirs if theirs is not None else '(missing)'}")
    return NextLink(url, "ok", offset, limit)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = -1
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


def _shown_origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def _natural(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None
