"""What a client needs to know: who it is talking to, and how hard to pull."""

from __future__ import annotations

import os
import re
from dataclasses import field

from ocpispec.frozen import frozen

MAX_BODY_BYTES = 256 * 1024 * 1024     # one answer's body, decompressed


def max_body_bytes() -> int:
    """The most bytes one answer's body may hold once decompressed: a platform sending its
    whole list in one answer, or a gzip bomb, fails with a diagnostic instead of taking
    all the memory. `OCPISPEC_MAX_BODY_BYTES` (a whole number) sets another bound."""
    from_env = os.environ.get("OCPISPEC_MAX_BODY_BYTES", "").strip()
    return int(from_env) if from_env.isdigit() and int(from_env) > 0 else MAX_BODY_BYTES


TOKEN_ENCODINGS = ("auto", "base64", "plain")
VERSIONS = ("2.3.0", "2.2.1", "2.1.1")      # highest first: the negotiation order
PARTY = re.compile(r"^([A-Za-z]{2})[-*]?([A-Za-z0-9]{3})$")  # as the grammar: NL-ABC, NL*ABC, NLABC


@frozen
class Credentials:
    """Where the platform is and the token to use. The token never appears in a repr."""

    versions_url: str                  # versions URL or version-details URL
    token: str = field(repr=False)
    party: str | None = None           # our own party, `NL-ABC` (OCPI-from-*)
    token_encoding: str = "auto"       # auto | base64 | plain
    version: str = "auto"              # auto | 2.1.1 | 2.2.1 | 2.3.0
    to_party: str | None = None        # the CPO's party (OCPI-to-*), learned at login
    # ... the only CPO party the credentials name (`schema.own_party`); None: not known (a
    # profile stored before it was kept), asked again with the CPO's party where discovered
    sole_party: bool | None = False
    endpoint_scheme_from_url: bool = False   # endpoints on the URL's host use the URL's scheme
    allowed_hosts: tuple[str, ...] = ()      # other hosts discovery may send the token to
    # a discovery stored at login (module, URL) pairs of `version`: used instead of
    # discovering again, until one of its endpoints fails (see `OcpiClient.connect`)
    endpoints: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        from ocpispec.ocpi.errors import safe_url
        return f"Credentials({safe_url(self.versions_url)}, party={self.party}, token=(redacted))"

    __repr__ = __str__


@frozen
class FetchOptions:
    page_size: int | None = None       # None: the server's X-Limit
    concurrency: int = 4
    requests_per_second: float | None = None
    max_retries: int = 5
    timeout: float = 30.0              # connect and read inactivity, per request
    request_timeout: float = 60.0      # wall clock for one whole request, body included
    deadline: float | None = None      # `time.monotonic()` moment no request may outlast (run deadline)
    backoff_base: float = 0.5          # seconds before the first retry; doubles per retry
    backoff_max: float = 30.0
    retry_after_max: float = 300.0     # longest Retry-After honoured
    retry_after_give_up: float = 300.0  # a longer Retry-After fails at once (waiting would only fail later)
    dedup_window: int = 65536          # objects a duplicate is looked for (exact; bounded memory)
    max_body_bytes: int = field(default_factory=max_body_bytes)   # one body, decompressed


def run_deadline(seconds: float | None) -> float | None:
    """The `FetchOptions.deadline` for a run that may take `seconds` from now."""
    import time
    return None if seconds is None else time.monotonic() + seconds


def split_party(party: str | None) -> tuple[str, str] | None:
    """`NL-ABC` -> (`NL`, `ABC`); None when absent or malformed."""
    if not party:
        return None
    match = PARTY.match(party.strip())
    return (match.group(1).upper(), match.group(2).upper()) if match else None
