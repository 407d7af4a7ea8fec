"""The OCPI client: connect (discovery), then stream module lists.

    with OcpiClient.connect(credentials) as client:
        for session in client.fetch("sessions", date_from=...):
            ...

One `httpx.Client` underneath (injectable transport for faults a real server
cannot produce). `fetch` pins `date_to` at the start of the crawl, so pages stay
stable while the platform keeps changing.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import httpx

from ocpispec import secret_refs
from ocpispec.numerals import natural
from ocpispec.ocpi import errors
from ocpispec.ocpi.crawl import Crawl, Target, bad_parameter, receiver_only_tokens
from ocpispec.ocpi.crawl_epoch import FLOOR, before_epoch
from ocpispec.ocpi.discovery import Discovery, discover, stored_discovery
from ocpispec.ocpi.errors import OcpiError, fail
from ocpispec.ocpi.objects import ObjectCheck
from ocpispec.ocpi.options import TOKEN_ENCODINGS, VERSIONS, Credentials, FetchOptions, split_party
from ocpispec.ocpi.stats import EventSink, FetchStats, Warnings
from ocpispec.ocpi.transport import Transport
from ocpispec.timestamps import ASKED_FLOOR, format_timestamp, utc_now

DATA_MODULES = ("cdrs", "locations", "sessions", "tariffs", "tokens")
# what a stored endpoint that no longer works looks like: it moved (404, 405, 410), the
# host is gone, or the token lost access to it (a module not stored at all is discovered
# again before asking)
_STALE_STATUS = (401, 403, 404, 405, 410)
# a stored endpoint that no longer answers, or that the token may no longer go to (a
# profile stored before ports were told apart): discover again, and use what it lists
_STALE_CODES = (errors.CONNECTION_FAILED, errors.FOREIGN_HOST, errors.UNAUTHORIZED)


class OcpiClient:
    def __init__(self, transport: Transport, discovery: Discovery, credentials: Credentials,
                 options: FetchOptions, stats: FetchStats, warnings: Warnings,
                 events: EventSink | None, stored: bool = False) -> None:
        self._transport = transport
        self._discovery = discovery
        self._options = options
        self._warnings = warnings
        self._events = events
        self.credentials = credentials
        self.stats = stats
        self.stored = stored          # working on a stored discovery, not yet confirmed
        self.discovered = not stored  # this client asked the platform (the profile may keep it)

    @classmethod
    def connect(cls, credentials: Credentials, *, options: FetchOptions = FetchOptions(),
                events: EventSink | None = None,
                transport: httpx.BaseTransport | None = None) -> OcpiClient:
        """Discover the platform: versions, the highest common one, its SENDER endpoints.
        Credentials carrying a stored discovery (a profile's, see `Profile.credentials`)
        skip it: no request until the first page. When a stored endpoint then fails
        (moved, gone, refused), the client discovers once and asks again."""
        validate_credentials(credentials)
        _validate_options(options)
        stats = FetchStats()
        warnings = Warnings(stats, events.warn if events is not None else None)
        http = Transport(credentials, options, stats, warnings, transport)
        stored = stored_discovery(credentials)
        try:
            discovery = stored or discover(http, credentials, warnings.add)
        except BaseException:
            http.close()
            raise
        http.use_version(discovery.version)
        http.route(discovery.version, credentials.party, discovery.to_party)
        return cls(http, discovery, credentials, options, stats, warnings, events, stored is not None)

    # -- what discovery found -------------------------------------------------------

    @property
    def version(self) -> str:
        return self._discovery.version

    @property
    def endpoints(self) -> Mapping[str, str]:
        return MappingProxyType(dict(self._discovery.endpoints))

    @property
    def modules(self) -> tuple[str, ...]:
        """The data modules this platform lets us pull, sorted."""
        return tuple(m for m in sorted(self._discovery.endpoints) if m in DATA_MODULES)

    @property
    def details_url(self) -> str:
        return self._discovery.details_url

    @property
    def offered_versions(self) -> tuple[str, ...]:
        return self._discovery.offered

    @property
    def to_party(self) -> str | None:
        return self._discovery.to_party

    def credentials_as_discovered(self) -> Credentials:
        """These credentials with what this client discovered (or was given) stored in
        them, as a profile stores it: a second connection to the same platform opened
        with them sends no discovery request of its own."""
        return dataclasses.replace(
            self.credentials, version=self._discovery.version, to_party=self._discovery.to_party,
            endpoints=tuple(sorted(self._discovery.endpoints.items())))

    @property
    def token_encoding(self) -> str:
        """The encoding that works (`base64` or `plain`), as learned so far."""
        return self._transport.encoding

    @property
    def token_forms_differ(self) -> bool:
        """Whether the data endpoints took the other token form than discovery's (`auto`)."""
        return self._transport.forms_differ

    def share_budget(self, other: OcpiClient) -> None:
        """Send requests within one budget with `other`, a second connection to the same
        platform read at the same time (`Transport.share_budget`)."""
        self._transport.share_budget(other._transport)

    def try_the_token_on_data(self) -> None:
        """After discovery took the token only in the other form than its version says
        (`auto`): a one-object request of the first data module, so that the form the data
        endpoints take is known, not only discovery's (a failure tells nothing here)."""
        usual = "plain" if self.version == "2.1.1" else "base64"
        module = next((m for m in DATA_MODULES if m in self._discovery.endpoints), None)
        if module is None or self.credentials.token_encoding != "auto" or self.token_encoding == usual:
            return
        try:
            self.count(module)
        except OcpiError:
            pass

    @property
    def clock_source(self) -> str | None:
        """Where `platform_now` read the platform's clock, in words (None: nowhere)."""
        reading = self._transport.clock
        return reading.source if reading is not None else None

    def platform_now(self) -> datetime | None:
        """The platform's time now, from the `Date` header of its latest answer; when
        nothing was asked yet (a stored discovery), from one GET of the versions URL.
        None when it sends no usable `Date` (or that GET fails): its clock is unknown."""
        if self._transport.clock is None:
            try:
                self._transport.get(self.credentials.versions_url)
            except OcpiError:
                return None
        reading = self._transport.clock
        return reading.now() if reading is not None else None

    # -- data -----------------------------------------------------------------------

    def fetch(self, module: str, *, date_from: datetime | None = None, date_to: datetime | None = None,
              limit: int | None = None) -> Iterator[dict[str, Any]]:
        """Every object of `module` with `date_from <= last_updated < date_to`, each once,
        streamed as pages arrive. `date_to` is pinned to now when None; sessions always
        get a `date_from` (1970-01-01 when None). `limit` caps the number of objects."""
        return self._checked_crawl(module, date_from, date_to, limit)

    def fetch_pages(self, module: str, *, date_from: datetime | None = None,
                    date_to: datetime | None = None, limit: int | None = None,
                    prepare: Any = None, concurrency: int | None = None,
                    open_end: bool = False, scope: Any = None) -> Iterator[list[Any]]:
        """`fetch`, a page of objects at a time (the executor works on whole pages).
        With `prepare` (`executor.workers`), pages hold what worker processes made of
        each object instead. `concurrency` caps the options' for this list (pages in
        flight and fetched ahead cost memory in proportion). `open_end` sends no
        `date_to` at all (instead of pinning it to now): everything updated since
        `date_from`, whatever the platform's clock says. `scope`: the published sites that
        tell a private copy of a session or CDR (`ocpi.private_copies`)."""
        return self._checked_crawl(module, date_from, date_to, limit, prepare, pages=True,
                                   concurrency=concurrency, open_end=open_end, scope=scope)

    def _checked_crawl(self, module: str, date_from: datetime | None, date_to: datetime | None,
                       limit: int | None, prepare: Any = None, pages: bool = False,
                       concurrency: int | None = None, open_end: bool = False,
                       scope: Any = None) -> Iterator[Any]:
        filters = _filters(module, date_from, date_to)
        if open_end:
            del filters["date_to"]
        options = self._options
        if concurrency is not None and concurrency < options.concurrency:
            options = dataclasses.replace(options, concurrency=max(1, concurrency))

        def crawl() -> Iterator[Any]:
            target = Target(module, self.version, self._endpoint(module), filters, limit,
                            str(uuid.uuid4()), prepare, scope)
            run = Crawl(self._transport, target, options, self.stats, self._warnings,
                        self._events)
            return run.pages() if pages else run.objects()

        self._stored_lists(module)
        items = crawl()
        return self._first_page_checked(module, items, crawl) if self.stored else items

    def count(self, module: str, *, date_from: datetime | None = None,
              date_to: datetime | None = None) -> int | None:
        """`X-Total-Count` of the window, from a one-object probe (None if not sent)."""
        return self.list_size(module, date_from=date_from, date_to=date_to)[0]

    def list_size(self, module: str, *, date_from: datetime | None = None,
                  date_to: datetime | None = None) -> tuple[int | None, int | None]:
        """`X-Total-Count` of the window and the platform's page cap (`X-Limit`), from a
        one-object probe; None for a header not sent (or an `X-Limit` of 1, the probe's
        own limit echoed)."""
        self._stored_lists(module)
        return self._stale_checked(module, lambda: self._count(module, _filters(module, date_from, date_to)))

    def _count(self, module: str, filters: dict[str, str]) -> tuple[int | None, int | None]:
        """From the epoch where the platform refuses the second before it, as a crawl does
        (`crawl_epoch`)."""
        endpoint = self._endpoint(module)
        query = "&".join(f"{k}={quote(v)}" for k, v in {**filters, "offset": "0", "limit": "1"}.items())
        try:
            answer = self._transport.get(f"{endpoint}{'&' if '?' in endpoint else '?'}{query}", routing=True)
        except OcpiError as problem:
            if problem.http_status == 404 and module == "tokens" and self.version == "2.1.1":
                raise receiver_only_tokens(endpoint) from None
            if before_epoch(filters.get("date_from")) and bad_parameter(problem):
                return self._count(module, {**filters, "date_from": FLOOR})
            raise
        headers = answer.headers if answer is not None else {}
        cap = _header_count(headers.get("x-limit"))
        return _header_count(headers.get("x-total-count")), cap if cap is not None and cap > 1 else None

    def first_objects(self, module: str, *, date_from: datetime | None = None,
                      date_to: datetime | None = None, limit: int = 10) -> list[Any] | None:
        """The objects of a window's first page as the platform sent them (one request of
        up to `limit` objects), unchecked; None when the answer holds no list."""
        self._stored_lists(module)
        return self._stale_checked(module, lambda: self._first_objects(
            module, _filters(module, date_from, date_to), limit))

    def _first_objects(self, module: str, filters: dict[str, str], limit: int) -> list[Any] | None:
        endpoint = self._endpoint(module)
        query = "&".join(f"{k}={quote(v)}" for k, v in {**filters, "offset": "0", "limit": str(limit)}.items())
        try:
            answer = self._transport.get(f"{endpoint}{'&' if '?' in endpoint else '?'}{query}", routing=True)
        except OcpiError as problem:
            if before_epoch(filters.get("date_from")) and bad_parameter(problem):
                return self._first_objects(module, {**filters, "date_from": FLOOR}, limit)
            if limit > 1 and bad_parameter(problem):  # a `limit` above the page cap refused
                return self._first_objects(module, filters, 1)
            raise
        data = answer.data if answer is not None else None
        return data if data.__class__ is list else [data] if data.__class__ is dict else None

    def get_object(self, module: str, object_id: str) -> dict[str, Any] | None:
        """One object, e.g. `GET {locations}/{id}`; None when the platform does not know it."""
        self._stored_lists(module)
        return self._stale_checked(module, lambda: self._get_object(module, object_id))

    def _get_object(self, module: str, object_id: str) -> dict[str, Any] | None:
        endpoint = self._endpoint(module)
        path, _, query = endpoint.partition("?")
        errors.note_object_endpoint(path)
        url = f"{path.rstrip('/')}/{quote(object_id, safe='')}" + (f"?{query}" if query else "")
        answer = self._transport.get(url, routing=True, missing_ok=True)
        data = answer.data if answer is not None else None
        if data.__class__ is list:
            data = self._listed_object(module, url, data)
        if not isinstance(data, dict):
            return None
        check = ObjectCheck(self.version, module, self.stats)
        if (problem := check.problem(data)) is not None:
            self.stats.note_invalid(problem)
            return None
        if _folded(data[check.primary]) != _folded(object_id):
            # a platform routing the path by a key of its own (a database number), or
            # ignoring it: another site's object, which a run joined and, being public,
            # took for the asked site, releasing the sessions of a home charger with it
            raise fail(errors.INVALID_RESPONSE, f"the platform answered a request for one of its {module} "
                       "with another object than the one its id names",
                       notes=[f"request: GET {errors.safe_url(url)}",
                              f"the answer's `{check.primary}` differs from the id asked for"],
                       help=f"the platform's `GET {{{module}}}/{{id}}` does not find objects by their OCPI "
                            "id: ask the CPO to fix it; a run without `--limit` reads the whole list instead")
        return data

    def _listed_object(self, module: str, url: str, data: list[Any]) -> Any:
        """One object's answer sent as a list, as a list page is (a platform finding the
        object with its list query): a list of one is that object, an empty one names no
        object. Read as no object, a public site's sessions were left out as at a site the
        platform does not list (every session of a `--limit` sample)."""
        if len(data) > 1:
            raise fail(errors.INVALID_RESPONSE, f"the platform answered a request for one of its {module} "
                       f"with a list of {len(data):,} objects",
                       notes=[f"request: GET {errors.safe_url(url)}"],
                       help=f"the platform's `GET {{{module}}}/{{id}}` does not answer the one object its id "
                            "names: ask the CPO to fix it; a run without `--limit` reads the whole list instead")
        self._warnings.add(f"the platform answers a request for one of its {module} (`GET {{{module}}}/{{id}}`) "
                           "with a list of that object; read as the object", kind="object-listed")
        return data[0] if data else None

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> OcpiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- a stored discovery that no longer holds ---------------------------------------

    def _stored_lists(self, module: str) -> None:
        """A module the stored discovery does not list may have come since: ask."""
        if self.stored and module not in self._discovery.endpoints:
            self._rediscover(f"no `{module}` endpoint stored")

    def _stale_checked(self, module: str, ask: Callable[[], T]) -> T:
        """`ask()`; when it fails the way a stale stored endpoint fails, discover once and,
        if the endpoint moved, ask again. The first answer confirms the stored discovery."""
        if not self.stored:
            return ask()
        try:
            answer = ask()
        except OcpiError as problem:
            if not self._moved(module, problem):
                raise
            return ask()
        self.stored = False
        return answer

    def _first_page_checked(self, module: str, objects: Iterator[T],
                            crawl: Callable[[], Iterator[T]]) -> Iterator[T]:
        """The crawl, started again after one discovery when its first page fails as a
        stale endpoint does. Nothing was yielded then, so nothing repeats."""
        try:
            first = next(objects, _END)
        except OcpiError as problem:
            if not (self.stored and self._moved(module, problem)):
                raise
            objects = crawl()
            first = next(objects, _END)
        self.stored = False
        if first is not _END:
            yield first
            yield from objects

    def _moved(self, module: str, problem: OcpiError) -> bool:
        """Whether `problem` means the stored endpoint of `module` no longer holds: it
        failed as a stale one does, and discovery lists another URL for it now."""
        if not _stale(problem):
            return False
        before = self._discovery.endpoints.get(module)
        self._rediscover(problem.code)
        # a refusal (or a first answer that was a server error, as some platforms answer a
        # wrong token) before discovery, which has just been answered with this token: the
        # token holds, so the module is asked again, and a server error is then retried as one
        return self._discovery.endpoints.get(module) != before or problem.code == errors.UNAUTHORIZED

    def _rediscover(self, why: str) -> None:
        self._warnings.add(f"the stored discovery did not hold ({why}); discovered the platform again")
        self.stored = False
        self._transport.forget_unconfirmed_switch()
        self._discovery = discover(self._transport, self.credentials, self._warnings.add)
        self.discovered = True
        self._transport.use_version(self._discovery.version)
        self._transport.route(self._discovery.version, self.credentials.party, self._discovery.to_party)

    @property
    def receiver_only(self) -> tuple[str, ...]:
        """Data modules (but `tokens`) the platform lists only with role RECEIVER (interfaces
        that take pushes)."""
        return self._discovery.receivers

    def _endpoint(self, module: str) -> str:
        url = self._discovery.endpoints.get(module)
        if url is None or module == "credentials":
            offered = ", ".join(f"`{m}`" for m in self.modules) or "none"
            notes = [f"OCPI {self.version} SENDER modules here: {offered}"]
            advice = f"use one of {offered}" if self.modules else "ask the CPO to enable data modules for your token"
            if module in self.receiver_only:
                notes.append(f"the platform lists `{module}` only with role RECEIVER, an interface that takes "
                             "pushes; data is pulled from a SENDER interface")
                advice = f"use one of {offered}; {RECEIVER_ONLY_HELP}" if self.modules else RECEIVER_ONLY_HELP
            # a platform moving to a new version may list a module under the old one only
            others = [v for v in self._discovery.offered if v != self.version and v in VERSIONS]
            if others and module != "credentials":
                notes.append(f"the platform also offers OCPI {', '.join(others)}, whose version details "
                             "may list other modules")
                advice += f"; or, if OCPI {others[0]} lists `{module}`, log in with `--version {others[0]}`"
            raise fail(errors.UNKNOWN_MODULE, f"the platform offers no `{module}` module to pull from",
                       notes=notes, help=advice)
        return url


# what to do about data modules listed only as RECEIVER: an eMSP's versions URL lists them
# so, and a CPO that reads the role as what it does with a request labels them the wrong way
RECEIVER_ONLY_HELP = ("check that the versions URL is the CPO's, not an eMSP's; if it is, the CPO labels its "
                      "roles the wrong way round: ask it to list its data modules with role SENDER")
_END: Any = object()
T = TypeVar("T")


def _stale(problem: OcpiError) -> bool:
    return problem.code in _STALE_CODES or problem.http_status in _STALE_STATUS


def _filters(module: str, date_from: datetime | None, date_to: datetime | None) -> dict[str, str]:
    filters: dict[str, str] = {}
    if date_from is None and module == "sessions":    # OCPI requires it
        date_from = ASKED_FLOOR
    if date_from is not None:
        filters["date_from"] = format_timestamp(date_from)
    filters["date_to"] = format_timestamp(date_to if date_to is not None else utc_now())
    return filters


def validate_credentials(credentials: Credentials) -> None:
    """OCX510, OCX511 or OCX512 for credentials no request can carry (before any request;
    `execute.sources` asks it of a spec's variables, to name them)."""
    # before any message shows the versions URL: a platform may put the token in its path
    # (`/ocpi/{token}/versions`), and a token pasted with a line break or its header's
    # word is hidden by its parts
    for part in {credentials.token, *credentials.token.split()}:
        errors.keep_secret(part)
    if not all(char.isprintable() and not char.isspace() for char in credentials.versions_url):
        # a pasted second line or a CRLF `.env` file: the HTTP client would refuse it as a bug
        raise fail(errors.INVALID_URL, "the versions URL holds a space, a line break or "
                   "another character a URL cannot hold",
                   notes=[f"got: {errors.shown_if_url(credentials.versions_url)}"],
                   help="set the versions URL alone, on one line and without spaces")
    parts = urlsplit(credentials.versions_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise fail(errors.INVALID_URL, "the versions URL is not an http(s) URL",
                   notes=[f"got: {errors.shown_if_url(credentials.versions_url)}"],
                   help="pass the full URL, e.g. `https://cpo.example.com/ocpi/versions`")
    if "@" in parts.netloc:
        # the HTTP client would send `user:password` as Basic authentication in place of
        # the token (the platform then "rejects the token"), and a profile would keep it
        raise fail(errors.INVALID_URL, "the versions URL holds a user name or password "
                   "(`user:password@host`)",
                   notes=[f"got: {errors.shown_if_url(credentials.versions_url)}"],
                   help="remove `user:password@` from the URL: OCPI authenticates with the "
                        "credentials token alone (`--token`)")
    if not credentials.token or not all("!" <= c <= "~" for c in credentials.token):
        # an HTTP header holds ASCII only: the client would fail on it as on a bug
        raise fail(errors.MISSING_TOKEN, "the token is empty or contains whitespace or a "
                   "character other than printable ASCII",
                   help="pass the credentials token the CPO gave you with `--token` or `--token-env`")
    if credentials.token_encoding not in TOKEN_ENCODINGS:
        raise ValueError(f"token_encoding must be one of {TOKEN_ENCODINGS}")
    if credentials.version != "auto" and credentials.version not in VERSIONS:
        raise ValueError(f"version must be auto or one of {VERSIONS}")
    if credentials.party is not None and split_party(credentials.party) is None:
        raise fail(errors.INVALID_PARTY, f"{secret_refs.short_value(credentials.party)} is not a party id",
                   help="write your party as country code and party id, e.g. `NL-ABC`")


def _validate_options(options: FetchOptions) -> None:
    if options.concurrency < 1 or (options.page_size is not None and options.page_size < 1):
        raise ValueError("concurrency and page_size must be at least 1")


def _header_count(value: str | None) -> int | None:
    return natural(value)


def _folded(value: Any) -> str:
    """An id as objects are told apart (`ids.key_text`, the one definition)."""
    from ocpispec.ids import key_text

    return key_text(value)
