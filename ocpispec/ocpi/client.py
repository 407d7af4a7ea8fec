"""The OCPI client: connect (discovery), then stream module lists.

    with OcpiClient.connect(credentials) as client:
        for session in client.fetch("sessions", date_from=...):
            ...

One `httpx.Client` underneath (injectable transport for faults a real server
cannot produce). `fetch` pins `date_to` at the start of the crawl, so pages stay
stable while the platform keeps changing.

The client's parts: `single_requests` (a window's size, its first objects, one object
by id), `stale_endpoints` (a stored discovery that no longer holds) and
`credential_checks` (credentials no request can carry).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

import httpx

from ocpispec.ocpi import errors
from ocpispec.ocpi.crawl import Crawl, Target
from ocpispec.ocpi.credential_checks import _validate_options, validate_credentials
from ocpispec.ocpi.discovery import Discovery, discover, stored_discovery
from ocpispec.ocpi.errors import OcpiError, fail
from ocpispec.ocpi.listed_endpoints import DATA_MODULES
from ocpispec.ocpi.options import VERSIONS, Credentials, FetchOptions
from ocpispec.ocpi.single_requests import SingleRequests, _filters
from ocpispec.ocpi.stale_endpoints import StaleEndpoints
from ocpispec.ocpi.stats import EventSink, FetchStats, Warnings
from ocpispec.ocpi.transport import Transport

__all__ = ["DATA_MODULES", "RECEIVER_ONLY_HELP", "OcpiClient", "validate_credentials"]


class OcpiClient(SingleRequests, StaleEndpoints):
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

    @property
    def sole_party(self) -> str | None:
        """The CPO party, where the credentials name it alone: an object sent without a
        party is its (`schema.own_party`); None on a hub naming several, or none."""
        return self._discovery.to_party if self._discovery.sole_party else None

    def credentials_as_discovered(self) -> Credentials:
        """These credentials with what this client discovered (or was given) stored in
        them, as a profile stores it: a second connection to the same platform opened
        with them sends no discovery request of its own."""
        return dataclasses.replace(
            self.credentials, version=self._discovery.version, to_party=self._discovery.to_party,
            sole_party=self._discovery.sole_party,
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

    def warn(self, message: str, kind: str | None = None) -> None:
        """Says a warning as the client's own (once, like those it gives as it reads): one
        a caller held back while a list was read (`execute.crawl_warnings.say_held`)."""
        self._warnings.add(message, kind=kind)

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
                            str(uuid.uuid4()), prepare, scope, self.sole_party)
            run = Crawl(self._transport, target, options, self.stats, self._warnings,
                        self._events)
            return run.pages() if pages else run.objects()

        self._stored_lists(module)
        items = crawl()
        return self._first_page_checked(module, items, crawl) if self.stored else items

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> OcpiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
