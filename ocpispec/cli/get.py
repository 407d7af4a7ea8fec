"""`ocpispec get MODULE`: a module as privacy-filtered NDJSON on stdout."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import sys
from datetime import datetime
from collections.abc import Iterator
from typing import IO, Any

import click

from ocpispec.cli.client_options import (answer_pause, max_body_bytes, request_timeout_option, retry_backoff,
                                          rps_option, workers_option)

from ocpispec.cli.get_output import dump, shown_on_terminal
from ocpispec.cli.get_paths import open_paths_of, opened_in_negotiated
from ocpispec.cli.get_report import PRIVATE_WARNING, judge, summary, warn_opened
from ocpispec.cli.get_scope import public_scope, scope_from_sites
from ocpispec.cli.get_sites import HeldWarnings, SitesRead
from ocpispec.cli.run_source import DEMO_SIZE, DEMO_VERSIONS, start_demo
from ocpispec.launch.stop import stop_name
from ocpispec.launch.stopped import get_interrupted
from ocpispec.ocpi import Credentials, FetchOptions, OcpiClient, OcpiError, parse_timestamp
from ocpispec.ocpi.console import ConsoleEvents, show_diagnostic
from ocpispec.ocpi.profiles import Profile, load_profile, remember_discovery, reuse_seconds
from ocpispec.ocpi.public_scope import SCOPED
from ocpispec.ocpi.release import Release
from ocpispec.schema import MODULES


def _when(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    text = value.strip()
    parsed = parse_timestamp(text if "T" in text or " " in text else f"{text}T00:00:00Z")
    if parsed is None:
        raise click.BadParameter(f"`{value}` is not a date or date-time; use e.g. `2025-01-31` "
                                 "or `2025-01-31T12:00:00Z`")
    return parsed


def _configured(name: str, page_size: int | None, concurrency: int, rps: float | None):
    """Flags typed win; else configured values (the platform's X-Limit and the profile
    `default` stay when nothing is configured)."""
    from ocpispec.cli.configured import command_config, effective

    settings = command_config()
    if settings.origin("profile") != "built-in":
        name = effective(settings, "profile", name, "name")
    if settings.origin("page_size") != "built-in":
        page_size = effective(settings, "page_size", page_size)
    return (name, page_size, effective(settings, "concurrency", concurrency),
            effective(settings, "rps", rps), settings.get("rediscover_after"))


@click.command("get")
@click.argument("module", type=click.Choice(MODULES, case_sensitive=False), metavar="MODULE")
@click.option("--profile", "name", default="default", show_default=True, metavar="NAME",
              help="Credential profile from `ocpispec login`.")
@click.option("--demo", is_flag=True, help="Pull from the built-in demo CPO instead of a "
              "profile: no login needed. The same demo CPO as `run --demo` (every OCPI "
              "version, the newest used; 20,000 sessions over 2025), so the counts agree.")
@click.option("--demo-version", type=click.Choice(DEMO_VERSIONS), help="With --demo: serve "
              "only this OCPI version (default: all three; the newest is used).")
@click.option("--demo-size", type=click.IntRange(1, 5_000_000), default=DEMO_SIZE,
              show_default=True, help="With --demo: number of sessions the demo CPO holds.")
@click.option("--date-from", callback=_when, metavar="WHEN", help="Only objects with last_updated >= WHEN (UTC).")
@click.option("--date-to", callback=_when, metavar="WHEN",
              help="Only objects with last_updated < WHEN (UTC); default: now, fixed when the export starts.")
@click.option("--privacy-pass", "privacy_pass", metavar="PATHS",
              help="Comma-separated fields to release although they are not public, e.g. "
                   "`kwh,cdr_token.type` (list levels are left out). `.` releases everything. "
                   "Opening a site's address, coordinates, names or EVSE ids releases them for "
                   "private sites too, and warns.")
@click.option("--include-private", "include_private", is_flag=True,
              help="Also print what a run leaves out whole: private sites (publish false, a "
                   "driveway), tariffs no connector of a published location names (a home's "
                   "own), and sessions and CDRs at such sites or with home charging, in a "
                   "private form: what names or locates the site stays out (its ids and its "
                   "EVSEs' and connectors', address, coordinates, names, tariff ids and energy "
                   "supplier; a tariff's id, text and URL), but the objects are personal "
                   "data; warns.")
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="Stop after N objects.")
@click.option("--page-size", type=click.IntRange(min=1), metavar="N",
              help="Objects per request; default: the platform's X-Limit.")
@click.option("--concurrency", type=click.IntRange(min=1, max=32), default=4, show_default=True,
              help="Pages fetched at the same time (when the platform sends X-Total-Count).")
@rps_option
@click.option("--retries", type=click.IntRange(min=0), default=5, show_default=True,
              help="Retries of a failing request (with exponential backoff) before giving up.")
@click.option("--allow-invalid", "allow_invalid", metavar="N|P%", callback=lambda c, p, v:
              _tolerance(v), help="Exit 0 although up to N invalid objects (or P% of those "
              "received) were left out.")
@click.option("--accept-incomplete", is_flag=True, help="Exit 0 although the dump cannot be "
              "proven complete (repeated pages, fewer objects than X-Total-Count).")
@request_timeout_option
@workers_option("parse, check and release the pages")
def get(module: str, name: str, demo: bool, demo_version: str | None, demo_size: int,
        date_from: datetime | None, date_to: datetime | None,
        privacy_pass: str | None, include_private: bool, limit: int | None, page_size: int | None, concurrency: int,
        rps: float | None, retries: int, allow_invalid: Any, accept_incomplete: bool,
        request_timeout: float, workers: int) -> None:
    """Dump an OCPI module as privacy-filtered NDJSON.

    Writes one JSON object per line to stdout, so `ocpispec get sessions | jq ...`
    works; progress and the summary go to stderr. Only fields that are public
    pass; the others are withheld and counted in the summary. MODULE is one of
    the modules the platform offers (see `ocpispec login`).

    Objects outside the date window are left out whatever the platform sends.
    Exit code 1 when invalid objects were left out or the dump cannot be proven
    complete, unless --allow-invalid or --accept-incomplete accepts it.

    \b
    Examples:
      ocpispec get sessions --demo --limit 5         # no login: the demo CPO
      ocpispec get locations > locations.ndjson
      ocpispec get sessions --date-from 2025-01-01 | jq -s length
      ocpispec get cdrs --privacy-pass total_energy,total_time
    """
    module = module.strip().lower()
    if demo and click.get_current_context().get_parameter_source("name") \
            is click.core.ParameterSource.COMMANDLINE:
        raise click.UsageError("--demo pulls from the built-in demo CPO, --profile from a "
                               "platform; give one of them")
    _demo_options_need_demo(demo)
    name, page_size, concurrency, rps, max_age = _configured(name, page_size, concurrency, rps)
    if date_from is not None and date_to is not None and date_to <= date_from:
        raise click.BadParameter(f"{date_to:%Y-%m-%dT%H:%M:%SZ} is not after --date-from "
                                 f"{date_from:%Y-%m-%dT%H:%M:%SZ}; the window would be empty",
                                 param_hint="'--date-to'")
    with contextlib.ExitStack() as stack:
        credentials, version, profile = (_demo(stack, demo_version, demo_size) if demo
                                         else _profile(name, max_age))
        open_paths = open_paths_of(privacy_pass, version, module)
        if version != "auto":       # at `auto`, once the version is negotiated (`_export`)
            warn_opened(module, version, open_paths, include_private and module in SCOPED)
        if include_private and module in SCOPED:
            click.echo(PRIVATE_WARNING, err=True, nl=False)
        _get(module, credentials, (open_paths, include_private), (date_from, date_to, limit),
             FetchOptions(page_size=page_size, concurrency=concurrency, requests_per_second=rps,
                          max_retries=retries, request_timeout=request_timeout,
                          timeout=answer_pause(request_timeout), backoff_base=retry_backoff(),
                          max_body_bytes=max_body_bytes()),
             allow_invalid, accept_incomplete, profile, workers)


def _profile(name: str, max_age: int | None) -> tuple[Credentials, str, Profile]:
    """The profile's credentials, with its stored discovery when it is younger than
    `rediscover_after` hours (then `get` sends no discovery request)."""
    try:
        profile = load_profile(name)
    except OcpiError as problem:
        show_diagnostic(problem.diagnostic)
        sys.exit(1)
    return profile.credentials(reuse_discovery_for=reuse_seconds(max_age)), profile.version, profile


def _demo_options_need_demo(demo: bool) -> None:
    ctx = click.get_current_context()
    given = [f"--{name.replace('_', '-')}" for name in ("demo_version", "demo_size")
             if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE]
    if given and not demo:
        verb = "applies" if len(given) == 1 else "apply"
        raise click.UsageError(f"{' and '.join(given)} only {verb} with --demo; add --demo to "
                               "pull from the built-in demo CPO")


def _demo(stack: contextlib.ExitStack, demo_version: str | None,
          demo_size: int) -> tuple[Credentials, str, None]:
    """The demo CPO `run --demo` reads, by the same defaults: a newcomer who checks a
    run's file against `get --demo` by hand reads the same platform."""
    version = demo_version or max(DEMO_VERSIONS, key=lambda v: tuple(map(int, v.split("."))))
    credentials = start_demo(stack, demo_version, demo_size, version)
    return credentials, version, None


def _get(module: str, credentials: Credentials, opened: tuple[frozenset[str], bool],
         window: tuple[datetime | None, datetime | None, int | None], options: FetchOptions,
         allow_invalid: Any, accept_incomplete: bool, profile: Profile | None = None,
         workers: int = 1) -> None:
    from ocpispec.execute.policy import Policy

    policy = Policy(allow_invalid, accept_incomplete)
    _export(credentials, options, module, window, opened, policy, profile, workers)


def _export(credentials: Credentials, options: FetchOptions, module: str,
            window: tuple[datetime | None, datetime | None, int | None],
            opened: tuple[frozenset[str], bool], policy: Any, profile: Profile | None,
            workers: int = 1) -> None:
    """`opened`: the paths `--privacy-pass` opens, and whether `--include-private` keeps
    the objects a run leaves out whole."""
    from ocpispec.execute.client import RunError

    date_from, date_to, limit = window
    open_paths, include_private = opened
    from ocpispec.stdout_sink import stdout_bytes

    out = shown_on_terminal(stdout_bytes())  # written whole, or an OSError
    held = _held(module, out)
    not_printed = None
    from ocpispec.gc_tuning import streaming

    with ConsoleEvents(limit=limit) as events, contextlib.ExitStack() as stack, streaming():
        try:
            module_warnings = HeldWarnings(events)
            with OcpiClient.connect(credentials, options=options, events=module_warnings) as client:
                if credentials.version == "auto":
                    opened_in_negotiated(open_paths, client.version, module, include_private)
                read = functools.partial(scope_from_sites, module, include_private, limit,
                                         policy.accept_incomplete)
                scope = public_scope(module, include_private, credentials, options, events, read)
                release = Release(client.version, module, open_paths, crawl_counts_unknown=True,
                                  scope=scope, keep_private=include_private)
                fast = _fast_path(release, limit)
                # forked before the locations' thread starts: the workers' scope is pending
                pool = stack.enter_context(_pool(workers, limit, client, module, release, fast))
                sites = None if scope is None or not scope.pending else stack.enter_context(
                    SitesRead(read, options, events).reading(client, module_warnings))
                # the crawl's judge of a charge sent again at a home needs the published
                # sites: while they are read, its first page waits for them (`sites.scope`)
                fetched = _fetched(sites, client, module, (date_from, date_to, limit),
                                   pool.prepare if pool else fast, scope)
                dump(fetched, release, held or out, sites)
                release.settle()
                not_printed = _release_held(held, fetched, policy)
                if profile is not None:
                    remember_discovery(profile, client)
        except (OcpiError, RunError) as problem:  # RunError: a worker process ended
            out.flush()
            show_diagnostic(_held_back(problem.diagnostic, held))
            sys.exit(1)
        except BrokenPipeError:
            sys.exit(0)
        except KeyboardInterrupt as stop:
            _interrupted(out, stop_name(stop), held is not None and held.holding())
    click.echo(summary(module, client.version, client.stats, release, events.warnings_shown),
               err=True)
    judge(fetched, client.stats, policy, not_printed)


def _held(module: str, out: IO[bytes]) -> Any:
    """Where `get` of locations, sessions or CDRs writes: held until the list has ended
    (`cli.held_lines`)."""
    from ocpispec.cli.held_lines import HELD, HeldLines

    return HeldLines(out) if module in HELD else None


def _release_held(held: Any, fetched: Any, policy: Any) -> str | None:
    """Write the held lines, or none where the crawl doubts which copy of an object it
    kept (unless `--accept-incomplete`): then what to say instead of `judge`'s note."""
    from ocpispec.cli.held_lines import doubts_a_copy, nothing_printed

    if held is None:
        return None
    if doubts_a_copy(fetched) and not policy.accept_incomplete:
        held.drop()
        return nothing_printed(fetched.module)
    held.release()
    return None


def _fast_path(release: Release, limit: int | None) -> Any:
    """The reader of clean pages in C (`ocpi.fast_pages`), or None: a small sample
    would spend more on building it than it saves. Under a scope its pages give each
    object's place, which `dump` looks up."""
    from ocpispec.execute.workers import small_sample

    if small_sample(limit):
        return None
    from ocpispec.ocpi.fast_pages import page_reader

    return page_reader(release)


def _fetched(sites: SitesRead | None, client: OcpiClient, module: str,
             window: tuple[datetime | None, datetime | None, int | None], prepare: Any,
             scope: Any) -> Any:
    """The module's crawl (`AuditedFetch`), handed the published sites (`scope`) for its
    judge of a charge sent again at a home (`ocpi.private_copies`): while `sites` reads
    them, what gives them once read, so that its first page waits for them. Where the
    crawl cannot start (a module the platform does not offer), the locations' error, if
    any, is raised first, as when they were read before the module."""
    from ocpispec.execute.crawls import AuditedFetch

    date_from, date_to, limit = window
    try:
        return AuditedFetch(client, module, date_from=date_from, date_to=date_to, limit=limit,
                            prepare=prepare, scope=scope if sites is None else sites.scope)
    except Exception:
        if sites is not None:
            sites.scope()
        raise


def _tolerance(value: str | None) -> Any:
    from ocpispec.execute.policy import Tolerance

    try:
        return None if value is None else Tolerance.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _interrupted(out: IO[bytes], how: str, held: bool) -> None:
    with contextlib.suppress(OSError):
        out.flush()
    show_diagnostic(get_interrupted(how, held))
    sys.exit(1)


def _held_back(problem: Any, held: Any) -> Any:
    """A failure's diagnostic, saying where lines were held that none was written."""
    from ocpispec.launch.stopped import HELD_NOTE

    if held is None or not held.holding():
        return problem
    return dataclasses.replace(problem, notes=(*problem.notes, HELD_NOTE))


@contextlib.contextmanager
def _pool(workers: int, limit: int | None, client: Any, module: str,
          release: Release, fast: Any = None) -> Iterator[Any]:
    """Worker processes that read, check and release whole pages (`execute.workers`),
    where there are more than one, the dump is no small sample and the platform can
    fork; else None. With `auto`, started only for a long list (`execute.lazy_pool`)."""
    from ocpispec.execute.lazy_pool import LazyPool
    from ocpispec.execute.workers import PagePool, available, small_sample
    from ocpispec.worker_count import started_lazily

    if small_sample(limit):
        workers = 1

    # a release that counts unknown fields itself would count them in the workers, unseen;
    # locations are read here, where the crawl sees each copy of a site (`ocpi.private_copies`)
    if workers <= 1 or not available() or release.counts_unknown or module == "locations":
        yield None
        return
    start = functools.partial(PagePool, workers, client.version, module, release.line, None,
                              fast=fast, command="get", party=getattr(client, "sole_party", None))
    pool = LazyPool(start, here=fast) if started_lazily(workers) else start()
    try:
        yield pool
    finally:
        pool.close()


