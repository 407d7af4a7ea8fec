"""What an approval pins besides the privacy fingerprint: where the files go.

A spec names a remote destination by a host or by a destination profile's name
(`sftp://research/in/x.csv`); the profile, outside the spec, says the real host. The
fingerprint covers the spec only, so a profile moved to another host (or bucket, or
endpoint) kept the approval valid while the files went elsewhere. An approval records
each remote destination with the place its login connects to (`deliver.profiles.
delivery_target`), and holds only while they still connect there.

So with the configured `output_root`: relative local destinations are written under it,
and a root moved to a shared or published folder moved every file of every spec while
their approvals held. An approval records each such destination with the folder it is
written under; without an `output_root` nothing is pinned (a relative destination is
where the run is started, as it was approved).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ocpispec.plan import ir


def delivery_targets(plan: ir.Plan, tables: Any = None,
                     output_root: Path | str | None = None) -> tuple[str, ...]:
    """`URL -> target` of each remote destination of the plan (its server, not its
    path) and `destination -> path` of each relative local one under `output_root`,
    sorted; () for a spec that writes files without an output_root, or to stdout, only."""
    from ocpispec.deliver.profiles import ProfileError, delivery_target
    from ocpispec.formats.remote import REMOTE_SCHEMES, RemoteError, parse_remote

    found = set()
    for dataset in plan.datasets:
        for render in dataset.all(ir.Render):
            destination = render.destination or ""
            if destination.split(":", 1)[0].lower() not in REMOTE_SCHEMES:
                found.update(_under_root(destination, output_root))
                continue
            try:
                remote = parse_remote(destination)
            except RemoteError:
                continue  # the check refused it (OCX2xx)
            try:
                target = delivery_target(remote, tables)
            except (ProfileError, OSError, TypeError, ValueError) as exc:
                target = f"(no usable destination profile: {exc})"
            found.add(f"{remote.at('').url.rstrip('/')} -> {target}")
    return tuple(sorted(found))


def _under_root(destination: str, root: Path | str | None) -> list[str]:
    """`destination -> where` for a relative local destination under the root, as
    `execute.outputs.resolve_targets` places it."""
    if root is None or not destination or Path(destination).is_absolute() \
            or destination.startswith("~"):
        return []
    return [f"{destination} -> {Path(os.path.abspath(root)) / destination}"]
