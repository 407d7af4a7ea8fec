"""`ocpispec profiles`: the stored credential profiles, never with their tokens."""

from __future__ import annotations

import json
import sys

import click

from ocpispec.ocpi import safe_url
from ocpispec.ocpi.console import show_diagnostic
from ocpispec.ocpi.profiles import Profile, config_dir, scan_profiles


@click.group("profiles", invoke_without_command=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
@click.pass_context
def profiles(ctx: click.Context, fmt: str) -> None:
    """List stored credential profiles (tokens never shown); `rm` and `test` them.

    Profiles are written by `ocpispec login` to the `profiles` folder of your
    config directory (override with OCPISPEC_CONFIG_DIR). A file there that
    cannot be read is reported, and the exit code is then 1.

    \b
    Examples:
      ocpispec profiles
      ocpispec profiles test cpo_production   # is the token still accepted?
      ocpispec profiles rm old_platform
    """
    if ctx.invoked_subcommand is not None:
        return
    found, problems = scan_profiles()
    for problem in problems:
        show_diagnostic(problem.diagnostic)
    _show(found, fmt, quiet_when_empty=bool(problems))
    if problems:
        sys.exit(1)


@profiles.command("rm")
@click.argument("name")
def remove(name: str) -> None:
    """Delete the stored profile NAME (its token goes with it)."""
    path = _existing(name)
    path.unlink()
    click.echo(f"removed profile `{name}` ({path})", err=True)


@profiles.command("test")
@click.argument("name", required=False)
def test(name: str | None) -> None:
    """Check that profile NAME still works: discovery with its token (two GET requests,
    no data), compared with what `login` stored. Exit 1 when it fails or changed.
    Without NAME: the configured `profile` (`ocpispec.toml`), else `default`."""
    from ocpispec.cli.configured import command_config
    from ocpispec.ocpi import OcpiClient, OcpiError

    if name is None:
        name = str(command_config().get("profile") or "default")

    profile = _loaded(name)
    try:
        with OcpiClient.connect(profile.credentials()) as client:
            version, endpoints = client.version, dict(client.endpoints)
    except OcpiError as exc:
        show_diagnostic(exc.diagnostic)
        sys.exit(1)
    changes = _changes(profile, version, endpoints)
    for change in changes:
        click.echo(f"  changed: {change}", err=True)
    verdict = "changed since login: run `ocpispec login` again" if changes else "works"
    click.echo(f"profile `{name}`: token accepted, OCPI {version}; {verdict}", err=True)
    sys.exit(1 if changes else 0)


def _changes(profile: Profile, version: str, endpoints: dict[str, str]) -> list[str]:
    changes = []
    if profile.version not in ("auto", version):
        changes.append(f"version {profile.version} -> {version}")
    stored = {m for m in profile.endpoints}
    for module in sorted(stored ^ set(endpoints)):
        changes.append(f"`{module}`: " + ("listed now, not at login" if module in endpoints
                                           else "no longer listed"))
    for module in sorted(stored & set(endpoints)):
        if safe_url(profile.endpoints[module]) != safe_url(endpoints[module]):
            changes.append(f"`{module}` endpoint moved to {safe_url(endpoints[module])}")
    return changes


def _loaded(name: str) -> Profile:
    from ocpispec.ocpi import OcpiError
    from ocpispec.ocpi.profiles import load_profile

    try:
        return load_profile(name)
    except OcpiError as exc:
        show_diagnostic(exc.diagnostic)
        sys.exit(1)


def _existing(name: str):
    from ocpispec.ocpi import OcpiError
    from ocpispec.ocpi.profiles import profile_path

    try:
        path = profile_path(name)
    except OcpiError:
        raise click.BadParameter(f"`{name}` is not a profile name", param_hint="'NAME'") from None
    if not path.exists():
        known = ", ".join(p.name for p in scan_profiles()[0]) or "none"
        raise click.BadParameter(f"no profile `{name}` (stored: {known})", param_hint="'NAME'")
    return path


def _show(found: list[Profile], fmt: str, *, quiet_when_empty: bool) -> None:
    if fmt == "json":
        click.echo(json.dumps([_public(p) for p in found], indent=2))
        return
    if not found:
        if not quiet_when_empty:
            click.echo(f"No profiles in {config_dir() / 'profiles'}. Create one with `ocpispec login`.", err=True)
        return
    rows = [("NAME", "VERSION", "PARTY", "CPO", "MODULES", "URL")]
    rows += [(p.name, p.version, p.party or "-", p.to_party or "-", str(len(_modules(p))),
              safe_url(p.versions_url)) for p in found]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[-1])


def _public(profile: Profile) -> dict[str, object]:
    return {"name": profile.name, "versions_url": safe_url(profile.versions_url), "party": profile.party,
            "version": profile.version, "token_encoding": profile.token_encoding,
            "to_party": profile.to_party, "modules": _modules(profile), "created_at": profile.created_at,
            "endpoint_scheme_from_url": profile.endpoint_scheme_from_url,
            "allowed_hosts": list(profile.allowed_hosts)}


def _modules(profile: Profile) -> list[str]:
    return sorted(m for m in profile.endpoints if m != "credentials")
