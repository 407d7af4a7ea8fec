"""The paths `ocpispec get --privacy-pass PATHS` opens, checked against the version the
records are read in: the profile's, or at `auto` the one the platform negotiates."""

from __future__ import annotations

import click

from ocpispec.cli.get_report import warn_opened
from ocpispec.ocpi.privacy_pass_paths import close_paths, unknown_path
from ocpispec.ocpi.public_scope import SCOPED


def opened_in_negotiated(open_paths: frozenset[str], version: str, module: str, include_private: bool) -> None:
    """A profile at version `auto` learns its version from the platform: the opened paths
    are checked, and their warnings said, against that version, before any object is
    printed (a path of another version, 2.1.1's `auth_id` on 2.2.1, opens nothing there,
    and was said to open personal identifiers and to be public)."""
    open_paths_of(",".join(open_paths), version, module, negotiated=True)
    warn_opened(module, version, open_paths, include_private and module in SCOPED)


def open_paths_of(text: str | None, version: str, module: str, negotiated: bool = False) -> frozenset[str]:
    paths = frozenset(p.strip().strip(".") or "." for p in (text or "").split(",") if p.strip())
    if version == "auto" or "." in paths:
        return paths
    for path in sorted(paths):
        try:
            missing = unknown_path(version, module, path)
        except KeyError:
            return paths        # unknown module: the client reports it after discovery
        if missing is not None:
            guesses = close_paths(version, module, missing)
            hint = f"; did you mean `{guesses[0]}`?" if guesses else ""
            where = f"OCPI {version}" + (", the version the platform negotiated (the profile's is `auto`)"
                                         if negotiated else "")
            raise click.BadParameter(f"`{missing}` is not a field of `{module}` in {where}{hint}",
                                     param_hint="'--privacy-pass'")
    return paths
