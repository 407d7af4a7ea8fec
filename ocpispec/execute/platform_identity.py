"""A `since last run` state is the state of one platform (OCX587).

A watermark says which records of the platform it was read from were delivered. Read
against another platform (`--profile staging` tried, then `--profile prod` scheduled
with the same ledger; a spec whose `source` now names another CPO), the window started
there and that platform's records before it were never delivered, without a word. The
state keeps the host of the versions URL and the CPO's party it was advanced with
(`platform`); a run that would advance it from another refuses before fetching. The
port is part of the host (`cpo.example:8443`, when the URL names one other than its
scheme's): a staging platform on another port of the production host is another
platform, whose watermark would skip production's records. An older state's host
without a port matches that host on any port.
A state without it (an older version's, or one `state set-watermark` wrote) takes the
platform of the next run.

The built-in demo CPO (`run --demo`) is a platform of its own, whatever its address: it
listens on 127.0.0.1 as a CPO started with `ocpispec demo-server` does, under the same
party, and a try-out's watermark (where the demo's synthetic year ends) started the
platform's window there (2026-01-01 to 2026-01-01: nothing delivered, exit 0). Whether a
run reads the demo is known before it connects, so that is checked first, before the
watermarks (which would otherwise blame an `--as-of` nobody gave).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ocpispec.execute.client import RunError
from ocpispec.ledger.state import DEMO_PLATFORM, State, platform_shown
from ocpispec.plan import ir

_DEFAULT_PORTS = {"http": 80, "https": 443}


def identity(client: Any, demo: bool = False) -> str | None:
    """`host PARTY` of the platform `client` reads (None when it cannot tell); for the
    built-in demo CPO (`demo`), `--demo PARTY`."""
    if demo:
        party = getattr(client, "to_party", None)
        return f"{DEMO_PLATFORM} {party}" if isinstance(party, str) and party else DEMO_PLATFORM
    credentials = getattr(client, "credentials", None)
    url = getattr(credentials, "versions_url", None)
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        return None
    if host and port is not None and port != _DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    party = getattr(client, "to_party", None)
    return f"{host} {party}" if host and isinstance(party, str) and party else host or None


def check_same_platform(plan: ir.Plan, tracked: list[ir.Dataset], state: State,
                        platform: str | None, state_path: Path, options: Any) -> None:
    """OCX587 when a dataset's state was advanced from another platform."""
    if platform is None or options.restart:
        return
    for dataset in tracked:
        found = state.datasets.get(dataset.name)
        if found is not None and found.platform is not None and _other(found.platform, platform):
            raise _refusal(plan, dataset, found.platform, found.watermark,
                           platform_shown(platform), state_path, options)


def check_demo_or_not(plan: ir.Plan, tracked: list[ir.Dataset], state: State,
                      state_path: Path, options: Any) -> None:
    """OCX587 before connecting and before the watermarks are checked, when a dataset's
    state was advanced by `run --demo` and this run reads a platform, or the other way
    round: no window of one may continue the other's."""
    if options.restart:
        return
    for dataset in tracked:
        found = state.datasets.get(dataset.name)
        if found is None or found.platform is None:
            continue
        was_demo = found.platform.partition(" ")[0] == DEMO_PLATFORM
        if was_demo != bool(options.demo):
            now = platform_shown(DEMO_PLATFORM) if options.demo else \
                "a platform (the spec's `source` or --profile), not the demo CPO"
            raise _refusal(plan, dataset, found.platform, found.watermark, now, state_path,
                           options)


def _other(before: str, now: str) -> bool:
    """Another host (or port), or another CPO party where both are known (a platform
    that does not say its party on one run is not another platform for it). A host
    kept without its port by an older version matches that host on any port."""
    (host, *party), (host_now, *party_now) = before.split(" ", 1), now.split(" ", 1)
    if not _has_port(host):
        host_now = _without_port(host_now)
    return host != host_now or (party != party_now and bool(party) and bool(party_now))


def _has_port(host: str) -> bool:
    """`cpo.example:8443` or `[::1]:8443`; a bare IPv6 address (`::1`) has none."""
    if host.startswith("["):
        return "]:" in host
    return host.count(":") == 1 and host.rpartition(":")[2].isdigit()


def _without_port(host: str) -> str:
    if not _has_port(host):
        return host
    bare = host.rpartition(":")[0]
    return bare[1:-1] if bare.startswith("[") else bare


def _refusal(plan: ir.Plan, dataset: ir.Dataset, before: str, watermark: str, now_shown: str,
             state_path: Path, options: Any) -> RunError:
    ledger = f" --state {state_path}" if options.state_path is not None else ""
    return RunError.of(
        "OCX587", f"the `since last run` state of `{dataset.name}` was advanced by runs against "
        f"another platform: {platform_shown(before)}, and this run reads {now_shown}",
        dataset.step(ir.Fetch).origin, "the window",
        notes=(f"its watermark, {watermark}, says which records of {platform_shown(before)} were delivered; "
               "a window starting there would skip every record of this platform before it, "
               "and no later run would deliver them",
               "nothing was fetched and the state did not move"),
        help=_what_to_do(plan, dataset, before, watermark, ledger, options))


def _what_to_do(plan: ir.Plan, dataset: ir.Dataset, before: str, watermark: str, ledger: str,
                options: Any) -> str:
    """A demo's watermark is never the platform's, nor the platform's the demo's: no
    `set-watermark` to keep it."""
    if options.demo:
        return ("try the export on the demo CPO with a ledger of its own (another --state), or "
                "without --state (no state is kept); this ledger stays the platform's")
    if before.partition(" ")[0] == DEMO_PLATFORM:
        return ("the state is a try-out's: forget it with `ocpispec state reset "
                f"{plan.export.name}{ledger} --yes` (or run once with --restart), and the next "
                "run delivers this platform's records from the start; give try-outs with "
                "--demo a ledger of their own")
    return ("to deliver this platform's records from the start, run once with --restart (or "
            "give the runs of each platform a ledger of their own with --state); if it is the "
            "same platform under a new address, keep the watermark for it: `ocpispec state "
            f"set-watermark {plan.export.name} {watermark} --dataset {dataset.name}{ledger} --yes`")
