"""`ocpispec profiles`: the stored credential profiles, never with their tokens."""

from __future__ import annotations

import json
import sys

import click

from ocpispec.ocpi import safe_url
from ocpispec.ocpi.console import show_diagnostic
from ocpispec.ocpi.profiles import Profile, config_dir, scan_profiles


@click.command("profiles")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
def profiles(fmt: str) -> None:
    """List stored credential profiles (tokens never shown).

    Profiles are written by `ocpispec login` to the `profiles` folder of your
    config directory (override with OCPISPEC_CONFIG_DIR). A file there that
    cannot be read is reported, and the exit code is then 1.
    """
    found, problems = scan_profiles()
    for problem in problems:
        show_diagnostic(problem.diagnostic)
    _show(found, fmt, quiet_when_empty=bool(problems))
    if problems:
        sys.exit(1)


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
