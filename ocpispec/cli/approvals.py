"""`ocpispec approvals SPEC`: the spec's approvals and whether each still holds."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from ocpispec.cli.plan import build_plan

FORMATS = ("text", "json")


@click.command("approvals")
@click.argument("spec", type=click.Path(path_type=Path))
@click.option("--allowed-signers", type=click.Path(path_type=Path), metavar="PATH",
              help="Verify signatures against this allowed_signers file "
                   "[default: $OCPISPEC_ALLOWED_SIGNERS].")
@click.option("--format", "format_", type=click.Choice(FORMATS), default="text",
              show_default=True)
@click.option("--check", is_flag=True, help="Exit 1 unless the spec as it is now has a valid "
              "approval (a CI gate).")
def approvals(spec: Path, allowed_signers: Path | None, format_: str, check: bool) -> None:
    """List the approvals of SPEC: valid, stale (another version was approved), bad
    signature, unsigned or unverified (a signature is required), unreadable.

    An approval is valid when it approves the spec's current privacy fingerprint and,
    where the spec says `requires signed approval` (or OCPISPEC_REQUIRE_APPROVAL=signed),
    its SSH signature verifies against the allowed signers. Makes no network request.
    """
    from ocpispec.approval import requirement
    from ocpispec.approval.deliveries import delivery_targets
    from ocpispec.approval.signing import allowed_signers as signers_file
    from ocpispec.approval.status import assess
    from ocpispec.cli.configured import command_config

    plan = build_plan(spec, limit=None, page_size=500, concurrency=4)
    settings = command_config(spec)
    demanded, why = requirement.demanded(plan.export.approval,
                                         *requirement.configured(settings))
    statuses = assess(spec, plan, signers=signers_file(allowed_signers, os.environ),
                      require_signature=demanded == requirement.SIGNED,
                      deliveries=delivery_targets(plan, settings.destinations,
                                                  settings.get("output_root")))
    if format_ == "json":
        click.echo(json.dumps(_json(plan, demanded, statuses), indent=2, ensure_ascii=False))
    else:
        click.echo(_text(spec, plan, demanded, statuses), nl=False)
    if check and not any(status.valid for status in statuses):
        sys.exit(1)


def _text(spec: Path, plan, demanded: str | None, statuses) -> str:
    from ocpispec.approval.records import visible

    required = f"requires {demanded}" if demanded else "approval not required to run"
    lines = [f"Approvals of {spec} (privacy fingerprint {plan.short_privacy_fingerprint}; "
             f"{required})"]
    for status in statuses:
        record = status.approval
        if record is None:
            lines.append(f"  {status.state:<13} {visible(status.path.name)}: {status.problem}")
            continue
        lines.append(f"  {status.state:<13} {record.approved_at}  {record.approved_by}  "
                     f"{record.privacy_fingerprint[:12]}  {status.signature}")
        if record.note:
            lines.append(f"  {'':<13} note: {record.note}")
        if status.state == "moved":
            approved = "; ".join(record.deliveries or ()) or "nothing pinned (an older record)"
            lines.append(f"  {'':<13} approved to deliver to {approved}; a destination now "
                         "goes elsewhere (its login, or the configured output_root, changed)")
    valid = sum(status.valid for status in statuses)
    if not statuses:
        lines.append("  none: approve it with `ocpispec approve SPEC --by \"Name <email>\"`")
    lines.append(f"{valid} valid approval{'s' if valid != 1 else ''} of the spec as it is now.")
    if not valid:
        lines += _changes_since_last(plan, statuses)
    return "\n".join(lines) + "\n"


def _changes_since_last(plan, statuses) -> list[str]:
    """What changed since the newest approval, when the spec is no longer approved."""
    from ocpispec.approval.status import last_approved
    from ocpispec.privacy_summary import changes_since

    last = last_approved(statuses)
    if last is None or last.privacy_fingerprint == plan.privacy_fingerprint:
        return []
    try:
        changes = changes_since(last.summary, plan, last.privacy_fingerprint)
    except (KeyError, TypeError, AttributeError, ValueError):
        return []
    return [f"Changed since the approval of {last.approved_by} at {last.approved_at}:",
            *(f"  {change.kind}: {change.text}" for change in changes)]


def _json(plan, demanded: str | None, statuses) -> dict:
    return {"privacy_fingerprint": plan.privacy_fingerprint, "requires": demanded,
            "approvals": [{"state": s.state, "record": s.path.name, "signature": s.signature,
                           "problem": s.problem or None,
                           **({"approved_by": s.approval.approved_by,
                               "approved_at": s.approval.approved_at,
                               "privacy_fingerprint": s.approval.privacy_fingerprint,
                               "note": s.approval.note,
                               "deliveries": list(s.approval.deliveries or ())}
                            if s.approval else {})}
                          for s in statuses],
            "valid": sum(s.valid for s in statuses)}
