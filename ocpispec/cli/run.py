"""`ocpispec run SPEC`: fetch from OCPI, transform, write the outputs atomically."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from pathlib import Path

import click

from ocpispec.cli.plan import build_plan, shaping_options, show_diagnostics

DEMO_VERSIONS = ("2.1.1", "2.2.1", "2.3.0")
DEMO_SIZE = 2000


@click.command("run")
@click.argument("spec", type=click.Path(path_type=Path))
@click.option("--profile", metavar="NAME", help="Pull with this stored login profile "
              "instead of the spec's source.")
@click.option("--demo", is_flag=True, help="Start the built-in demo CPO on 127.0.0.1 and "
              "pull from it instead of the spec's source.")
@click.option("--demo-version", type=click.Choice(DEMO_VERSIONS), help="With --demo: serve "
              "only this OCPI version (default: all three; the newest is used).")
@click.option("--demo-size", type=click.IntRange(1, 5_000_000), default=DEMO_SIZE,
              show_default=True, help="With --demo: number of sessions the demo CPO holds.")
@click.option("--out", metavar="PATH", help="Write here instead of the spec's destination "
              "(a directory for several datasets; `-` for stdout).")
@shaping_options
@click.option("--rps", type=click.FloatRange(min=0.1), metavar="R",
              help="At most R requests per second.")
@click.option("--dry-run", is_flag=True, help="Plan and ask the platform how many records "
              "there are (X-Total-Count); write nothing.")
@click.option("--state", "state_path", type=click.Path(path_type=Path), metavar="PATH",
              help="State file for `since last run` [default: .ocpispec/state/<export>.json].")
@click.option("--as-of", "as_of", metavar="TIMESTAMP", callback=lambda c, p, v: _moment(v),
              help="Run as if it were this UTC time: the end of every window (backfills, "
                   "reproducible runs).")
@click.option("--quiet", "-q", is_flag=True, help="No summary and no progress on stderr.")
def run(spec: Path, profile: str | None, demo: bool, demo_version: str | None, demo_size: int,
        out: str | None, limit: int | None, page_size: int, concurrency: int,
        rps: float | None, dry_run: bool, state_path: Path | None, as_of, quiet: bool) -> None:
    """Run the export SPEC: fetch, transform, write.

    Only the columns the spec selects leave, transformed as it says. Outputs are
    written to a temporary file and renamed when complete, each with a
    `.manifest.json` beside it; the `since last run` state advances only after
    every output was written. The summary goes to stderr.

    Exit codes: 0 done, 1 spec errors or a failed run, 2 usage error.
    """
    from ocpispec.executor import RunError
    from ocpispec.ocpi import OcpiError

    plan = build_plan(spec, limit=limit, page_size=page_size, concurrency=concurrency)
    try:
        _run(plan, spec, profile=profile, demo=demo, demo_version=demo_version,
             demo_size=demo_size, out=out, limit=limit, page_size=page_size,
             concurrency=concurrency, rps=rps, dry_run=dry_run, state_path=state_path,
             as_of=as_of, quiet=quiet)
    except (RunError, OcpiError) as exc:
        _fail(exc.diagnostic, spec)


def _run(plan, spec: Path, *, profile, demo, demo_version, demo_size, out, limit, page_size,
         concurrency, rps, dry_run, state_path, as_of, quiet) -> None:
    from ocpispec.executor import RunOptions, execute
    from ocpispec.executor.keys import resolve_key
    from ocpispec.executor.sources import profile_pseudonym_key, spec_source
    from ocpispec.ocpi import FetchOptions, OcpiClient
    from ocpispec.render.run_summary import summary_text

    env = dict(os.environ)
    key = resolve_key(plan.pseudonym_key, env=env, demo=demo,
                      span=plan.pseudonym_key.origin if plan.pseudonym_key else None,
                      profile_key=lambda name: profile_pseudonym_key(name, env))
    notes = [] if key.description != "the public demo key" else [
        f"using the public demo key; set {_key_variable(plan)} for pseudonyms of your own"]
    fetch_options = FetchOptions(page_size=page_size, concurrency=concurrency,
                                 requests_per_second=rps)
    now = as_of
    with contextlib.ExitStack() as stack:
        if demo:
            credentials, clock = _start_demo(stack, demo_version, demo_size)
            notes.append("--demo: pulling from the built-in demo CPO on 127.0.0.1; the "
                         "spec's source is not used")
            if now is None:
                now = clock
                notes.append(f"--demo: the demo CPO's data ends at {now:%Y-%m-%dT%H:%M:%SZ}; "
                             "windows count back from there")
            if state_path is None and _uses_state(plan):
                notes.append("--demo: `since last run` starts at 2000-01-01 and no state is "
                             "kept (give --state to keep one)")
        else:
            credentials = spec_source(plan.source, env, profile).credentials
        sink = _Events(quiet)

        def connect():
            return stack.enter_context(OcpiClient.connect(credentials, options=fetch_options,
                                                          events=sink))

        options = RunOptions(out=out, limit=limit, dry_run=dry_run, state_path=state_path,
                             use_state=not demo or state_path is not None,
                             spec_dir=spec.parent, spec_sha256=_sha256(spec), now=now,
                             progress=None if quiet else _progress())
        result = execute(plan, key=key.secret, connect=connect, options=options)
    if not quiet:
        click.echo(summary_text(result, notes=tuple(notes)), err=True, nl=False)


def _uses_state(plan) -> bool:
    from ocpispec import plan as ir

    return any(d.step(ir.Fetch).window.kind == "since-last-run" for d in plan.datasets)


def _start_demo(stack: contextlib.ExitStack, version: str | None, size: int):
    from ocpispec.demo import DemoServer
    from ocpispec.executor.sources import DEMO_PARTY
    from ocpispec.ocpi import Credentials

    versions = (version,) if version else DEMO_VERSIONS
    server = stack.enter_context(DemoServer(versions=versions, size=size))
    return Credentials(server.versions_url, server.token, party=DEMO_PARTY), demo_clock()


def demo_clock():
    """The demo CPO's "now": the end of its synthetic year of sessions."""
    from datetime import UTC, datetime

    from ocpispec.demo.world import SESSIONS_SPAN, SESSIONS_START

    return datetime.fromtimestamp(SESSIONS_START + SESSIONS_SPAN, UTC)


class _Events:
    """Client warnings go to stderr (they never contain tokens or values)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet

    def page(self, module: str, objects: int, total: int | None) -> None:
        pass

    def warn(self, message: str) -> None:
        if not self.quiet:
            click.echo(f"warning: {message}", err=True)


def _progress():
    """A one-line counter on a terminal; nothing when stderr is a file or a pipe."""
    stream = sys.stderr
    if not stream.isatty():
        return None

    def report(dataset: str, records: int) -> None:
        stream.write(f"\r{dataset}: {records:,} records read")
        stream.flush()

    return report


def _key_variable(plan) -> str:
    key = plan.pseudonym_key
    return f"`{key.name}`" if key is not None and key.kind == "env" else "a pseudonym key"


def _moment(value: str | None):
    if value is None:
        return None
    from ocpispec.executor.timestamps import TimestampError, parse_timestamp

    try:
        return parse_timestamp(value)
    except TimestampError:
        raise click.BadParameter("expected a timestamp such as 2026-01-01T00:00:00Z") from None


def _sha256(spec: Path) -> str:
    return hashlib.sha256(spec.read_bytes()).hexdigest()


def _fail(diagnostic, spec: Path) -> None:
    from ocpispec.compiler import read_source
    from ocpispec.diagnostics import CompileError

    try:
        source = read_source(spec)
    except CompileError:
        source = None
    show_diagnostics([diagnostic], source)
    sys.exit(1)
