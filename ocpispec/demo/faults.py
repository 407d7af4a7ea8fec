"""Fault injection for the demo CPO: the quirks real OCPI platforms show.

Every switch is off by default. Faults hit data requests only (module list and
object GETs), never the versions, version-details or credentials endpoints, so
discovery keeps working; `fault_after_requests` delays them further. Latency
applies to every request. A server's faults can be replaced while it runs:
`server.faults = Faults(...)`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Faults:
    latency_ms: float = 0.0
    """Sleep this long before answering any request."""
    error_rate: float = 0.0
    """Share of data requests answered with HTTP `error_status` (deterministic per request number)."""
    error_status: int = 503
    rate_limit_every: int = 0
    """Every Nth data request gets HTTP 429 with `Retry-After: retry_after`."""
    retry_after: int = 1
    reset_every: int = 0
    """Every Nth data request: the connection is closed without an answer."""
    envelope_error: int | None = None
    """HTTP 200 whose OCPI body carries this `status_code` (e.g. 2001, 3000) and no data."""
    malformed_body: bool = False
    """HTTP 200 with an HTML error page instead of JSON."""
    truncated_body: bool = False
    """HTTP 200 whose JSON body is cut off halfway."""
    foreign_next_link: bool = False
    """`Link` next URLs point to an internal host (`http://cpo-internal.local:8080`)."""
    relative_next_link: bool = False
    """`Link` next URLs are relative (`/ocpi/...?...`)."""
    next_link_loop: bool = False
    """From the second page on, the next link points back to the first page."""
    garbled_date_filters: bool = False
    """Next links carry `date_from=None&date_to=None` instead of the request's filters."""
    empty_link_on_last: bool = False
    """The last page carries an empty `Link:` header."""
    no_pagination_headers: bool = False
    """No `Link`, `X-Total-Count` or `X-Limit` at all."""
    ignore_limit: bool = False
    """The request's `limit` is ignored; every page has `max_page_size` objects."""
    ignore_offset: bool = False
    """The request's `offset` is ignored: every page is the first page."""
    echo_limit: bool = False
    """`X-Limit` echoes the requested limit although pages hold at most `max_page_size`."""
    mutate_mid_crawl: int = 0
    """On the first page request with offset > 0, this many objects of the first page
    are updated "now": they leave a pinned `date_to` window, so `X-Total-Count` shrinks."""
    duplicate_objects: bool = False
    """Every page after the first repeats the last object of the previous page."""
    unstable_order: bool = False
    """Objects within a page come in a shuffled order."""
    lowercase_ids: bool = False
    """Object ids (`id`, `uid`) are lowercased on every other page."""
    naive_timestamps: bool = False
    """Timestamps without a zone (`2025-01-01T10:00:00`)."""
    fractional_timestamps: bool = False
    """Timestamps with fractional seconds and, on odd objects, `+00:00` instead of `Z`."""
    unknown_fields: bool = False
    """Objects carry vendor fields the OCPI version does not define."""
    invalid_objects: int = 0
    """Every Nth object is invalid: it lacks `last_updated`, its key, or is not an object."""
    plain_token_only: bool = False
    """Accept only the raw token, even on 2.2.1/2.3.0 (as some platforms do)."""
    late_records: int = 0
    """Sessions and CDRs: the first crawl of a list does not see the last N objects of its
    window (inserted late, back-dated inside it); every later crawl sees them."""
    fault_after_requests: int = 0
    """Inject faults only after this many data requests."""
