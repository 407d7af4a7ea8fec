"""Where `ocpispec run` pulls from: the spec's or a profile's platform, or the
built-in demo CPO with its own clock; and the options that only apply to the demo."""

from __future__ import annotations

import contextlib
from datetime import datetime

import click

from ocpispec.cli.run_args import RunArgs
from ocpispec.cli.run_setup import uses_state

DEMO_VERSIONS = ("2.1.1", "2.2.1", "2.3.0")
DEMO_SIZE = 20_000


def source(stack: contextlib.ExitStack, plan, args: RunArgs, env: dict[str, str],
            notes: list[str]):
    """Credentials and the run's "now": the spec's or profile's platform, or the
    demo CPO with its own clock."""
    from ocpispec.execute.sources import spec_source

    if not args.demo:
        from ocpispec.ocpi.profiles import remember_discovery, reuse_seconds

        hours = args.settings.get("rediscover_after") if args.settings else None
        choice = spec_source(plan.source, env, args.profile, reuse_seconds(hours))
        if choice.profile is not None:
            args.connected.append(lambda client: stack.callback(remember_discovery,
                                                                choice.profile, client))
        return choice.credentials, args.as_of
    credentials = start_demo(stack, args.demo_version, args.demo_size, plan.source.version)
    notes.append("--demo: pulling from the built-in demo CPO on 127.0.0.1; the spec's "
                 "source is not used")
    now = args.as_of
    if now is None:
        now = demo_clock()
        notes.append(f"--demo: the demo CPO's data ends at {now:%Y-%m-%dT%H:%M:%SZ}; "
                     "windows count back from there")
    if args.state_path is None and uses_state(plan):
        notes.append("--demo: `since last run` starts at 1970-01-01 and no state is kept "
                     "(give --state to keep one)")
    return credentials, now


def start_demo(stack: contextlib.ExitStack, version: str | None, size: int,
                pinned: str | None = None):
    """The demo CPO serves every version unless told one; a spec that pins its version
    gets that version from it, as from a platform that offers several (the newest would
    be a version the plan was not made for)."""
    from ocpispec.demo import DemoServer
    from ocpispec.execute.sources import DEMO_PARTY
    from ocpispec.ocpi import Credentials

    versions = (version,) if version else DEMO_VERSIONS
    server = stack.enter_context(DemoServer(versions=versions, size=size))
    wanted = pinned if pinned in versions else "auto"
    return Credentials(server.versions_url, server.token, party=DEMO_PARTY, version=wanted)


def demo_clock() -> datetime:
    """The demo CPO's "now": the end of its synthetic year of sessions."""
    from ocpispec.demo.world import data_end

    return data_end()


def demo_options_need_demo(args: RunArgs) -> None:
    ctx = click.get_current_context()
    given = [f"--{name.replace('_', '-')}" for name in ("demo_version", "demo_size")
             if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE]
    if given and not args.demo:
        verb = "apply" if len(given) > 1 else "applies"
        raise click.UsageError(f"{' and '.join(given)} only {verb} with --demo; add --demo to "
                               "pull from the built-in demo CPO")
    if args.demo and ctx.get_parameter_source("profile") is click.core.ParameterSource.COMMANDLINE:
        # a `--profile prod --demo` run went to the demo CPO, -q said nothing of it
        raise click.UsageError("--demo pulls from the built-in demo CPO, --profile from a "
                               "platform; give one of them")
