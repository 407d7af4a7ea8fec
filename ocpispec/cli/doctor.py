"""`ocpispec doctor [--profile P | URL --token T]`: a read-only conformance check."""

from __future__ import annotations

import json
import sys

import click

from ocpispec import secret_refs

from ocpispec.cli.client_options import token_from_options
from ocpispec.launch.stop import stop_name
from ocpispec.ocpi import Credentials, OcpiError
from ocpispec.ocpi.console import show_diagnostic
from ocpispec.ocpi.options import TOKEN_ENCODINGS, VERSIONS, split_party
from ocpispec.ocpi.profiles import load_profile

MAX_RPS = 10.0  # doctor's requests per second unless OCPISPEC_DOCTOR_MAX_RPS says otherwise


def _retry_backoff() -> float:
    """`OCPISPEC_RETRY_BACKOFF` when it is set (as for `run`, `get` and `login`), else
    doctor's own 0.1 s: it probes, so it waits less than a run before a retry."""
    import os

    from ocpispec.cli.client_options import retry_backoff
    from ocpispec.doctor import DoctorOptions

    return retry_backoff() if os.environ.get("OCPISPEC_RETRY_BACKOFF") else DoctorOptions().retry_backoff


def max_rps() -> float:
    """Doctor's ceiling on its request rate, and the rate it probes at unless told less:
    `OCPISPEC_DOCTOR_MAX_RPS`, 10 when unset (a platform of one's own, or the test suite's
    local servers, can take more). Its value is not shown, as with the other settings."""
    from ocpispec.cli.client_options import env_number

    return env_number("OCPISPEC_DOCTOR_MAX_RPS", MAX_RPS, lambda rate: 0 < rate <= 10_000,
                      "OCPISPEC_DOCTOR_MAX_RPS must be doctor's most requests per second, "
                      "above 0 and at most 10000 (default 10); its value is not shown")


def _within_ceiling(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    ceiling = max_rps()
    shown = int(ceiling) if ceiling.is_integer() else ceiling  # "0<x<=10", as the range always read
    return None if value is None else click.FloatRange(min=0, max=shown, min_open=True).convert(value, param, ctx)


def _party(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    parts = split_party(value)
    if parts is None:
        raise click.BadParameter(f"{secret_refs.short_value(value)} is not a party; write country code "
                                 "and party id, e.g. `NL-ABC`")
    return f"{parts[0]}-{parts[1]}"


@click.command("doctor")
@click.argument("url", required=False)
@click.option("--profile", "name", metavar="NAME", help="Check the platform of a stored profile "
              "(default: the configured `profile`, else `default`, when no URL is given).")
@click.option("--token", metavar="TOKEN", help="The credentials token, with URL. Prefer --token-env.")
@click.option("--token-env", metavar="VAR", help="Read the token from environment variable VAR.")
@click.option("--party", callback=_party, metavar="XX-YYY", help="Your own party, sent as OCPI-from-* on 2.2+.")
@click.option("--token-encoding", type=click.Choice(TOKEN_ENCODINGS), default="auto", show_default=True,
              help="How the token goes in the Authorization header, with URL.")
@click.option("--version", "version", type=click.Choice(("auto", *VERSIONS)), default="auto", show_default=True,
              help="OCPI version to check, with URL; auto: the highest both sides speak.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
@click.option("--rps", type=click.FloatRange(min=0, min_open=True), callback=_within_ceiling,
              help="At most R requests per second (default and ceiling: 10, or OCPISPEC_DOCTOR_MAX_RPS).")
def doctor(url: str | None, name: str | None, token: str | None, token_env: str | None, party: str | None,
           token_encoding: str, version: str, fmt: str, rps: float | None) -> None:
    """Check an OCPI platform before the first export (read-only).

    Negotiates a version the way every ocpispec command does, then probes each
    data module with a few small GET requests (at most 40, at most 10 per
    second) and reports, for each check, what the platform does and what
    ocpispec does about it: versions and endpoints, token encoding,
    pagination headers and next links, `limit`, `offset`, `date_from` and
    `date_to`, timestamp forms, id casing, record deviations of a sample page
    and the time per request. It never writes to the platform; tokens and
    query values are never printed.

    Exit code 0 when the platform is conformant or deviates only in ways
    ocpispec handles, 1 when a finding blocks exports, 2 on usage errors.

    \b
    Examples:
      ocpispec doctor
      ocpispec doctor --profile cpo-test --format json
      ocpispec doctor https://cpo.example.com/ocpi/versions --token-env CPO_TOKEN --party NL-ABC
    """
    from ocpispec.doctor import DoctorOptions, diagnose, render_json, render_text
    from ocpispec.ocpi.proxies import require_usable_proxy

    name, rps = _configured(url, name, rps)
    try:
        credentials = _credentials(url, name, token, token_env, party, token_encoding, version)
        require_usable_proxy()
    except OcpiError as problem:
        show_diagnostic(problem.diagnostic)
        if fmt == "json":   # a CI gate reading stdout reads why, not an empty document
            click.echo(json.dumps(_unprobed(url, problem.diagnostic), indent=2))
        sys.exit(1)
    try:
        report = diagnose(credentials, DoctorOptions(requests_per_second=rps, retry_backoff=_retry_backoff()))
    except KeyboardInterrupt as stop:
        click.echo(f"doctor was interrupted ({stop_name(stop)}); it never writes to the platform, so nothing "
                   "changed there", err=True)
        sys.exit(1)
    if fmt == "json":
        click.echo(json.dumps(render_json(report), indent=2))
    else:
        click.echo(render_text(report), nl=False)
    sys.exit(report.exit_code)


def _unprobed(url: str | None, diagnostic) -> dict:
    """`--format json` when no request could be made (no token, no usable profile)."""
    from ocpispec.ocpi import safe_url

    return {"platform": safe_url(url) if url else None, "version": None, "findings": [],
            "error": {"code": diagnostic.code, "message": diagnostic.message,
                      "notes": list(diagnostic.notes), "help": diagnostic.help},
            "exit_code": 1}


def _configured(url: str | None, name: str | None, rps: float | None) -> tuple[str | None, float]:
    """The configured `profile` (when no URL is given) and `rps` (at most the ceiling,
    `max_rps`, which is also the rate when none is set), unless typed on the command line
    (`ocpispec.toml`, docs/configuration.md)."""
    from ocpispec.cli.client_options import max_body_bytes
    from ocpispec.cli.configured import command_config, effective

    max_body_bytes()  # checked: the probes read bodies under the bound it sets
    settings = command_config()
    if url is None:
        name = effective(settings, "profile", name, "name")
    configured = effective(settings, "rps", rps)
    return name, max_rps() if configured is None else min(float(configured), max_rps())  # type: ignore[arg-type]


def _credentials(url: str | None, name: str | None, token: str | None, token_env: str | None,
                 party: str | None, token_encoding: str, version: str) -> Credentials:
    if url is None:
        if token or token_env:
            raise click.UsageError("`--token` and `--token-env` go with a URL; with a profile the stored token is used")
        profile = load_profile(name or "default")
        return Credentials(profile.versions_url, profile.token, party=party or profile.party,
                           token_encoding=profile.token_encoding, version=profile.version)
    if name is not None:
        raise click.UsageError("pass either a URL or `--profile`, not both")
    return Credentials(url, token_from_options(token, token_env), party=party, token_encoding=token_encoding, version=version)

