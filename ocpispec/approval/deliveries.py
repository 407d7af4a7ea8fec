"""What an approval pins besides the privacy fingerprint: where the files go.

A spec names a remote destination by a host or by a destination profile's name
(`sftp://research/in/x.csv`); the profile, outside the spec, says the real host. The
fingerprint covers the spec only, so a profile moved to another host (or bucket, or
endpoint) kept the approval valid while the files went elsewhere. An approval records
each remote destination with the place its login connects to (`deliver.profiles.
delivery_target`), and holds only while they still connect there.
"""

from __future__ import annotations

from typing import Any

from ocpispec.plan import ir


def delivery_targets(plan: ir.Plan, tables: Any = None) -> tuple[str, ...]:
    """`URL -> target` of each remote destination of the plan (its server, not its
    path), sorted; () for a spec that writes files, or to stdout, only."""
    from ocpispec.deliver.profiles import ProfileError, delivery_target
    from ocpispec.formats.remote import REMOTE_SCHEMES, RemoteError, parse_remote

    found = set()
    for dataset in plan.datasets:
        for render in dataset.all(ir.Render):
            destination = render.destination or ""
            if destination.split(":", 1)[0].lower() not in REMOTE_SCHEMES:
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
