"""Fault injection for the demo CPO: the quirks real OCPI platforms show.

Every switch is off by default. Faults hit data requests only (module list and
object GETs), never the versions, version-details or credentials endpoints, so
discovery keeps working; `fault_after_requests` delays them further. The
discovery deviations are the exception, by design: `nested_versions`,
`short_version_label`, `credentials_receiver_only`, `https_endpoints`,
`foreign_details_host`, `tokens_receiver_only` and `bad_token_status`. Latency
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
    """Share of data requests answered with HTTP `error_status`, drawn per path and query
    and per ask, so the same requests fail in any order."""
    error_status: int = 503
    """The HTTP status of the `error_rate` and `error_every` answers."""
    error_every: int = 0
    """Every Nth data request is answered with HTTP `error_status` (counted, not drawn: the same
    requests fail on every run)."""
    error_message: str = ""
    """The `error_rate` and `error_every` answers carry an OCPI body (`status_code` 3000) with this
    `status_message` instead of plain text."""
    error_body: str = ""
    """The `error_rate` and `error_every` answers carry a framework's JSON error body saying
    `error_message` instead: `spring` (Spring Boot's, with the request's `path`), `problem` (RFC 9457
    `application/problem+json`), `oauth` (`invalid_token` and an `error_description`), `errors` (a
    list of `errors` with a `message`)."""
    rate_limit_every: int = 0
    """Every Nth data request gets HTTP 429 with `Retry-After: retry_after`."""
    retry_after: int = 1
    """The `Retry-After` seconds of the `rate_limit_every` answers."""
    retry_after_date: bool = False
    """The `rate_limit_every` answers give `Retry-After` as an HTTP date by the platform's clock
    (`clock_behind`), `retry_after` seconds after its `Date`."""
    reset_every: int = 0
    """Every Nth data request: the connection is closed without an answer."""
    cut_body_every: int = 0
    """Every Nth data request: the headers and half the body, then the connection is closed.
    The headers give the whole body's `Content-Length`, as a gateway cutting a long answer does."""
    envelope_error: int | None = None
    """HTTP 200 whose OCPI body carries this `status_code` (e.g. 2001, 3000) and no data."""
    malformed_body: bool = False
    """HTTP 200 with an HTML error page instead of JSON."""
    maintenance_pages: int = 0
    """This many data requests (after `fault_after_requests`) are answered with HTTP 200 and an
    HTML maintenance page, as a proxy in front of a platform being restarted sends; the
    requests after them are answered as usual."""
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
    update_unread: int = 0
    """On the first page request with offset > 0, this many objects from the middle of the
    window, not read yet, are updated "now": they leave a pinned `date_to` window before
    their page comes (and everything behind them shifts down)."""
    update_after_window: int = 0
    """A busy platform's updates while the list after a window is read: on the first request
    for a page past the first of a list starting at or after the `date_to` of the first list
    asked (a run's list of records updated since its window's end), this many of that list's
    first objects, read already, are updated "now", stamped at the end of that list (a
    second before its `date_to`, or now without one: the list after a window at the real
    time reaches now), so they move to its end and the objects behind them shift down onto
    the page read already, `X-Total-Count` unchanged. None of them is in the window."""
    insert_mid_crawl: int = 0
    """Sessions and CDRs: the last this many objects of the first crawl's window are
    inserted (back-dated inside it) at its first page request with offset > 0: with
    `mutate_mid_crawl` of as many, `X-Total-Count` stays the same while the objects
    between shift down onto the page read already."""
    redirect_lists: str = ""
    """List requests are redirected once each: `STATUS` (301, 302, 307, 308) to the same path
    with a trailing slash on this server, the query kept; `STATUS:bare` the same without the
    query (a web server redirecting by path alone); `STATUS:localhost` to the same URL under host
    name `localhost` (another host to a client)."""
    duplicate_objects: bool = False
    """Every page after the first repeats the last object of the previous page."""
    unstable_order: bool = False
    """Objects within a page come in a shuffled order."""
    lowercase_ids: bool = False
    """Object ids (`id`, `uid`, and `cdr_token.uid`/`contract_id`) are lowercased on every
    other page."""
    naive_timestamps: bool = False
    """Timestamps without a zone (`2025-01-01T10:00:00`)."""
    fractional_timestamps: bool = False
    """Timestamps with fractional seconds and, on odd objects, `+00:00` instead of `Z`."""
    offset_timestamps: bool = False
    """Timestamps in local time with their offset (`2025-01-01T11:00:00+01:00`), and on odd
    objects with a lowercase `t` and `z` (`2025-01-01t10:00:00z`, which RFC 3339 allows)."""
    unknown_fields: bool = False
    """Objects carry vendor fields the OCPI version does not define."""
    invalid_objects: int = 0
    """Every Nth object is invalid: it lacks `last_updated`, its key, or is not an object."""
    type_confused_values: bool = False
    """Every string field holds an object, a list, a number or an over-long string (with
    canaries), the required top-level ones on every tenth object only (it becomes invalid);
    plus a field whose name is an e-mail address."""
    cdr_end_date_time: bool = False
    """OCPI 2.1.1 CDRs say `end_date_time` (the 2.2 name) instead of `stop_date_time`."""
    publish_under: str = ""
    """Private sites also say they are not public under this other key (`Publish`,
    `publish `, `is_published`), set to false; on 2.2.1 and 2.3.0 their `publish` says
    true, on 2.1.1 (no `publish`) `/locations` lists them too (fixed when the server
    starts)."""
    repeated_flags: bool = False
    """Private sites give each privacy flag twice, the second time saying public
    (`publish` false then true, `parking_type` ON_DRIVEWAY then ON_STREET,
    `publish_allowed_to` then `[]`), and CDRs at them `home_charging_compensation` true
    then false; JSON parsers keep the last. On 2.1.1 `/locations` lists them too (fixed
    when the server starts)."""
    tokens_per_contract: int = 0
    """Each driver has this many tokens under one `contract_id`: its card and app tokens,
    each with a `uid` of its own (fixed when the server starts)."""
    session_kWh: bool = False
    """Sessions say `kWh` instead of `kwh`."""
    tariff_no_tax_included: bool = False
    """OCPI 2.3.0 tariffs lack their required `tax_included`."""
    bad_utf8_object: bool = False
    """One object per page holds an invalid UTF-8 byte."""
    deep_nesting_object: bool = False
    """One object per page holds a value nested 1,100 levels deep."""
    ignore_date_filters: bool = False
    """`date_from` and `date_to` are ignored: every list holds every object."""
    inclusive_date_to: bool = False
    """`date_to` is treated as inclusive (`last_updated <= date_to`)."""
    exclusive_date_from: bool = False
    """`date_from` is treated as exclusive (`last_updated > date_from`)."""
    plain_token_only: bool = False
    """Accept only the raw token, even on 2.2.1/2.3.0 (as some platforms do)."""
    late_records: int = 0
    """Sessions and CDRs: the first crawl of a list does not see the last N objects of its
    window (inserted late, back-dated inside it); every later crawl sees them."""
    visibility_lag: int = 0
    """Sessions and CDRs: lists lack the objects updated in the last this many seconds before
    the platform's now (`replica_now`), as a read replica that lags its writes serves
    them: each window misses the records of its last seconds, which a later run finds
    there, back-dated (`--lookback` delivers them)."""
    replica_now: int = 0
    """The platform's now for `visibility_lag`, in seconds since the epoch (a test moves it
    with each run's `--as-of`; 0: the real time)."""
    fault_after_requests: int = 0
    """Inject faults only after this many data requests."""
    garbled_next_path: bool = False
    """`Link` next URLs keep the host but garble the path (`/cpo/VersionNumber.v_2_2_1/ModuleID.sessions/`,
    which answers 404) and carry `date_from=None` even when the request had no `date_from`."""
    https_endpoints: bool = False
    """The version details list `https://` endpoints although the server speaks plain http."""
    bad_token_status: int = 0
    """A wrong token is answered with HTTP 500 (`500`) or HTTP 200 + OCPI status 3000 (`3000`), not 401.
    Applies to every request, discovery included."""
    tokens_receiver_only: int = 0
    """2.1.1: the details list `tokens`, but the CPO's tokens endpoint only receives (listing it: 404).
    `2`: the details also list an eMSP-side tokens endpoint (`/ocpi/emsp/2.1.1/tokens`) that lists them."""
    nested_versions: bool = False
    """The versions body is `{"data": {"versions": [...]}}`."""
    short_version_label: bool = False
    """Versions (list and details) are labelled `2.1`, `2.2`, `2.3`."""
    credentials_receiver_only: bool = False
    """2.2+: the version details list `credentials` only with role RECEIVER."""
    trickle_body: float = 0.0
    """Data requests: headers at once, then the body one byte every this many seconds."""
    never_answer: bool = False
    """Data requests are read and never answered (until the server stops)."""
    stall_body: bool = False
    """Data requests: the headers and half the body, then nothing more until the server stops
    (a platform or a proxy stalling in the middle of an answer)."""
    short_length_every: int = 0
    """Every Nth data request: `Content-Length` counts 10 bytes fewer than the body sent, whose
    rest is left on the kept-alive connection ahead of the next answer."""
    stale_pages: int = 0
    """The first this many list requests at an offset above 0 are answered as the request
    for the page before them was (its objects, headers and next link): a cache in front of
    the platform that ignored the offset once."""
    token_expires_after: int = 0
    """From this data request on (counted from 1), the token is refused with HTTP 401: a token
    that expired or was revoked mid-crawl."""
    chunked_bodies: str = ""
    """Data answers sent with `Transfer-Encoding: chunked` (no `Content-Length`): `on`; `cut_last`:
    the last page of a list of several pages breaks off inside a JSON string, the connection closed without the
    closing chunk; `ended_last`: the same cut with the chunked stream ended properly."""
    refuse_module: str = ""
    """Every request of this module (`locations`, `tariffs`, `cdrs`, ...) is refused with HTTP 401,
    the others answered: a token not allowed to read one module."""
    clock_behind: int = 0
    """The platform's clock runs this many seconds behind: its `Date` headers (and envelope
    `timestamp`s) say so, and from
    the second list request at offset 0 of sessions or CDRs on, their first object has been
    updated at that clock's time (a record stamped after an earlier crawl, inside its window).
    Objects updated mid-crawl (`mutate_mid_crawl`, `update_unread`) are stamped by it too."""
    date_header: str = ""
    """`missing`: answers carry no `Date` header; any other text is sent as the `Date` header."""
    foreign_details_host: bool = False
    """The versions list and the version details point to host `localhost` (the same server under
    another host name than the `127.0.0.1` of the versions URL)."""
    slow_page: str = ""
    """`OFFSET:SECONDS`: the list page asked at this offset is answered this many seconds late, the
    others at once (a page the platform is slow to build; with several in flight, the pages
    after it arrive first)."""
    odd_pages: str = ""
    """`OFFSET:SHAPE,...`: the list page asked at this offset comes in another shape than the others:
    `bare` (its `data` alone, without the envelope) or `nested` (`data` wraps the list as
    `{"items": [...]}`), as one node of a platform running another build sends it."""


def fault_summaries() -> dict[str, str]:
    """Each fault switch with the first sentence of its description (the docstring under
    the field), for `demo-server --help`."""
    import ast
    import inspect
    import re
    import textwrap

    tree = ast.parse(textwrap.dedent(inspect.getsource(Faults)))
    body = tree.body[0].body  # type: ignore[attr-defined]
    found: dict[str, str] = {}
    for field, after in zip(body, body[1:]):
        match field, after:
            case ast.AnnAssign(target=ast.Name(id=name)), ast.Expr(value=ast.Constant(value=str(text))):
                found[name] = re.split(r"\.\s+(?=[A-Z`])", " ".join(text.split()))[0].rstrip(".")
    return found
