"""`ocpispec demo-server`: a synthetic OCPI CPO on 127.0.0.1, until Ctrl-C."""

from __future__ import annotations

import dataclasses
import errno
import signal
import sys
import time

import click

from ocpispec.demo import SUPPORTED_VERSIONS, DemoServer, Faults
from ocpispec.demo.faults import fault_summaries
from ocpispec.ocpi.console import show_diagnostic
from ocpispec.ocpi.errors import DEMO_PORT_UNAVAILABLE, OcpiError, fail

DEFAULT_PORT = 8765
_FAULT_NAMES = [f.name for f in dataclasses.fields(Faults)]


class _WithFaults(click.Command):
    """Help that ends with every fault switch and what it does."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_help_text(ctx, formatter)
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(f"The data ends at {_data_end()}: run windowed specs against it "
                                 f"with `--as-of {_data_end()}` (`run --demo` does this itself).")
            formatter.write_paragraph()
            formatter.write_text("Fault switches (`--fault NAME` or `--fault NAME=N`; more in "
                                 "docs/demo-server.md):")
            formatter.write_dl(sorted(fault_summaries().items()))


@click.command("demo-server", cls=_WithFaults)
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True,
              help="Port on 127.0.0.1; 0 picks a free one.")
@click.option("--version", "version", type=click.Choice(SUPPORTED_VERSIONS),
              help="Serve only this OCPI version (default: all three).")
@click.option("--size", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Number of sessions; the other modules scale with it.")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the synthetic data.")
@click.option("--token", metavar="TOKEN", help="Token to accept (default: a new random one).")
@click.option("--max-page-size", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Most objects per page (sent as X-Limit).")
@click.option("--latency-ms", type=click.FloatRange(min=0), default=0.0, help="Delay every answer.")
@click.option("--error-rate", type=click.FloatRange(0, 1), default=0.0,
              help="Share of data requests answered with HTTP 503.")
@click.option("--canaries", is_flag=True, help="Mark every non-public string value with `CANARY`.")
@click.option("--fault", "faults", multiple=True, metavar="NAME[=VALUE]",
              help="Switch on a fault, e.g. `--fault foreign_next_link --fault invalid_objects=50`; "
                   "see docs/demo-server.md.")
@click.option("--exit-after", type=float, hidden=True, help="Stop after this many seconds (for tests).")
def demo_server(port: int, version: str | None, size: int, seed: int, token: str | None, max_page_size: int,
                latency_ms: float, error_rate: float, canaries: bool, faults: tuple[str, ...],
                exit_after: float | None) -> None:
    """Serve a synthetic OCPI platform on 127.0.0.1.

    Realistic, deterministic data: Dutch and German locations (some private),
    sessions, CDRs (with credit CDRs), tariffs and tokens, for OCPI 2.1.1, 2.2.1
    and 2.3.0. Prints the versions URL and a token to log in with, then runs
    until Ctrl-C.

    \b
    Examples:
      ocpispec demo-server
      ocpispec demo-server --version 2.1.1 --size 20000 --port 0
      ocpispec demo-server --latency-ms 50 --fault next_link_loop
    """
    chosen = _faults(faults, latency_ms, error_rate)
    server = DemoServer(versions=(version,) if version else SUPPORTED_VERSIONS, size=size, seed=seed,
                        port=port, faults=chosen, max_page_size=max_page_size, canaries=canaries, token=token)
    try:
        server.start()
    except OSError as problem:
        show_diagnostic(_port_problem(port, problem).diagnostic)
        sys.exit(1)
    click.echo(_banner(server))
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        _wait(exit_after)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        click.echo("demo server stopped", err=True)


def _faults(switches: tuple[str, ...], latency_ms: float, error_rate: float) -> Faults:
    values: dict[str, object] = {"latency_ms": latency_ms, "error_rate": error_rate}
    for switch in switches:
        name, _, raw = switch.partition("=")
        name = name.strip().replace("-", "_")
        if name not in _FAULT_NAMES:
            raise click.BadParameter(f"unknown fault `{name}`; choose from {', '.join(_FAULT_NAMES)}",
                                     param_hint="'--fault'")
        default = getattr(Faults(), name)
        values[name] = _value(name, raw, default)
    return Faults(**values)  # type: ignore[arg-type]


def _value(name: str, raw: str, default: object) -> object:
    if not raw:
        if isinstance(default, bool):
            return True
        raise click.BadParameter(f"fault `{name}` needs a value: `--fault {name}=N`", param_hint="'--fault'")
    try:
        if isinstance(default, str):
            return raw
        return float(raw) if isinstance(default, float) else (raw.lower() in ("1", "true", "yes")
                                                               if isinstance(default, bool) else int(raw))
    except ValueError:
        raise click.BadParameter(f"`{raw}` is not a valid value for fault `{name}`", param_hint="'--fault'") from None


def _banner(server: DemoServer) -> str:
    versions = ", ".join(server.versions)
    return "\n".join([
        f"Demo CPO {server.party} serving OCPI {versions} with {server.size} sessions",
        f"  versions URL: {server.versions_url}",
        f"  token:        {server.token}",
        f"  faults:       {_active(server.faults)}",
        f"  data ends:    {_data_end()} (run windowed specs with --as-of {_data_end()})",
        "Log in with:",
        f"  {server.login_command()}",
        "Then try: ocpispec get sessions | jq -s length",
        "Press Ctrl-C to stop."])


def _active(faults: Faults) -> str:
    default = Faults()
    changed = [f"{field.name}={getattr(faults, field.name)}"
               if not isinstance(getattr(faults, field.name), bool) else field.name
               for field in dataclasses.fields(Faults)
               if getattr(faults, field.name) != getattr(default, field.name)]
    return ", ".join(changed) or "none"


def _data_end() -> str:
    from ocpispec.demo.world import data_end

    return f"{data_end():%Y-%m-%dT%H:%M:%SZ}"


def _port_problem(port: int, problem: OSError) -> OcpiError:
    busy = problem.errno == errno.EADDRINUSE
    return fail(DEMO_PORT_UNAVAILABLE, f"cannot listen on 127.0.0.1:{port}" + (": the port is in use" if busy else ""),
                notes=[f"system error: {problem.strerror or problem}"],
                help="pass `--port 0` to pick a free port, or stop the other server")


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _wait(seconds: float | None) -> None:
    deadline = None if seconds is None else time.monotonic() + seconds
    while deadline is None or time.monotonic() < deadline:
        time.sleep(0.2 if deadline is not None else 3600)
