"""Which objects of a module `ocpispec get` prints: those a run keeps (`ocpi.public_scope`),
told by the platform's published locations for tariffs, sessions and CDRs."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from ocpispec.ocpi import Credentials, FetchOptions, OcpiClient, OcpiError
from ocpispec.ocpi.public_scope import SCOPED


def public_scope(module: str, include_private: bool, credentials: Credentials,
                 options: FetchOptions, events: Any,
                 read: Callable[[OcpiClient], Any]) -> Any:
    """What a run keeps of `module` (`ocpi.public_scope`): for tariffs, sessions and CDRs
    the published locations, pending while `get_sites.SitesRead` reads them by `read`
    (`scope_from_sites`) beside the module's first pages; None for a module no location
    covers. With `--include-private` what is out of the scope is printed in its private
    form (`ocpi.private_form`), which needs the scope as each object is released (a
    home's charge loses its connector, and the fast reader refuses a scope that keeps
    private objects): there the locations are read whole first, on a connection of their
    own (so the summary counts the module's crawl alone)."""
    from ocpispec.ocpi.public_scope import NEEDS_SITES, PublicScope

    if module not in SCOPED:
        return None
    if module not in NEEDS_SITES:
        return PublicScope(module)
    if not include_private:
        return PublicScope(module, pending=True)
    with OcpiClient.connect(credentials, options=options, events=events) as sites:
        return read(sites)


def scope_from_sites(module: str, include_private: bool, limit: int | None,
                     accept_incomplete: bool, sites: OcpiClient) -> Any:
    """The scope of `module` from the locations `sites` lists (page by page for a small
    sample, as its crawl is). A platform that offers no locations leaves every tariff of
    unknown scope (`--include-private` prints them in their private form) and fails a
    dump of sessions or CDRs (OCX576): nothing tells a home's from a public charger's. A
    crawl of the locations not proven complete fails it as a run's fails (OCX571) unless
    `--accept-incomplete`: a list that sent a site twice, public first and private
    after, had the public copy kept, and the charges at the home printed."""
    from ocpispec.execute.crawls import AuditedFetch
    from ocpispec.execute.workers import small_sample
    from ocpispec.ocpi import errors
    from ocpispec.ocpi.public_scope import PublicScope, scope_from_locations

    try:
        fetched = AuditedFetch(sites, "locations", date_from=None, date_to=None,
                               concurrency=1 if small_sample(limit) else None)
        scope = scope_from_locations(module, (obj for page in fetched.pages()
                                              for obj in page if isinstance(obj, dict)), sites.version)
    except OcpiError as problem:
        if problem.diagnostic.code != errors.UNKNOWN_MODULE:
            raise
        if include_private:
            return PublicScope(module)   # no published location: every tariff private
        raise _no_locations(module, sites) from None
    if (doubts := fetched.incomplete()) and not accept_incomplete:
        raise _sites_in_doubt(module, doubts)
    return scope


def _sites_in_doubt(module: str, doubts: tuple[str, ...]) -> OcpiError:
    """OCX571 for the locations `get` read to tell which objects of `module` a run keeps."""
    from ocpispec.execute import policy as rules

    problem = rules.incomplete_crawl("locations", doubts, None, recorded="").diagnostic
    return OcpiError(dataclasses.replace(problem, notes=(
        *problem.notes[:-1], f"the locations tell which {module} are at published sites; "
        f"read in doubt, a site sent twice (public, then private) may be taken as public, "
        f"so no {module} were printed")))


def _no_locations(module: str, client: OcpiClient) -> OcpiError:
    """OCX576: `get` of a module whose objects may be at homes, from a platform that does
    not offer the locations that tell which are."""
    from ocpispec.ocpi.errors import fail

    offered = ", ".join(f"`{m}`" for m in client.modules) or "none"
    at = {"tariffs": "are a home's own"}.get(module, "are at private sites")
    receiver = ("the platform lists `locations` only with role RECEIVER, an interface that "
                "takes pushes",) if "locations" in client.receiver_only else ()
    return fail("OCX576", f"cannot tell which {module} {at}: the platform offers no "
                f"`locations` module", notes=(
                    f"OCPI {client.version} SENDER modules here: {offered}", *receiver,
                    f"a run keeps only the {module} of published locations; without them every "
                    f"one may be a home's, so none was printed"),
                help="ask the CPO to give your token read access to `locations`; or, if "
                     f"printing {module} of homes too is accepted, add `--include-private` "
                     "(the output is personal data)")
