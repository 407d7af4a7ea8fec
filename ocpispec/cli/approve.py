"""`ocpispec approve SPEC --by "Name <email>"`: record a privacy officer's approval of
what the spec discloses (its privacy fingerprint), optionally signed with SSH."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ocpispec.cli.plan import build_plan, show_diagnostics


@click.command("approve")
@click.argument("spec", type=click.Path(path_type=Path))
@click.option("--by", "reviewer", required=True, metavar='"NAME <EMAIL>"',
              help="Who approves: the privacy officer's name and email.")
@click.option("--note", default="", metavar="TEXT",
              help="Why, or under which review (e.g. the DPIA reference).")
@click.option("--sign-key", type=click.Path(path_type=Path), metavar="PATH",
              help="Sign the record with this private SSH key (ssh-keygen -Y sign) "
                   "[default: $OCPISPEC_SIGNING_KEY; unsigned when neither is set].")
def approve(spec: Path, reviewer: str, note: str, sign_key: Path | None) -> None:
    """Approve what SPEC discloses now, as its privacy officer.

    Writes a small TOML record to SPEC.approvals/ with the spec's privacy fingerprint,
    the reviewer, the time, the note and the privacy summary that was approved (no
    values), and with a signing key its SSH signature beside it. Commit both with the
    spec. Any privacy-relevant change to the spec (see `ocpispec diff`) changes the
    fingerprint, and the approval no longer applies to it. Makes no network request.
    """
    from ocpispec.approval.records import RecordError, reviewer_email, unsafe_character
    from ocpispec.approval.signing import signing_key

    if reviewer_email(reviewer) is None:
        raise click.BadParameter('write it as "Name <email>", e.g. "Pat Jansen '
                                 '<pat.jansen@cpo.example>"', param_hint="--by")
    for text, hint in ((reviewer, "--by"), (note, "--note")):
        if (unsafe := unsafe_character(text.strip())) is not None:
            raise click.BadParameter(f"holds the control character {unsafe}, which would change "
                                     "how the approval is shown; write it as one line of plain "
                                     "text", param_hint=hint)
    plan = build_plan(spec, limit=None, page_size=500, concurrency=4)
    demanded, why = _demand(spec, plan)
    if demanded == "signed approval" and signing_key(sign_key, os.environ) is None:
        # an unsigned record never lets such a spec run: "Approved" would be untrue
        raise click.UsageError(f"`{spec}` needs a signed approval ({why}) and no signing "
                               "key is given: an unsigned record would never count, so "
                               "nothing was recorded. Sign it with --sign-key ~/.ssh/KEY "
                               "(or set OCPISPEC_SIGNING_KEY)")
    try:
        record, signature = _record(spec, plan, reviewer.strip(), note.strip(), sign_key)
    except RecordError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Approved {spec} (privacy fingerprint {plan.short_privacy_fingerprint}) "
               f"by {reviewer.strip()}.")
    click.echo(f"  record     {record.path}")
    for delivery in record.deliveries or ():
        click.echo(f"  delivers   {delivery}")
    if signature is not None:
        click.echo(f"  signature  {signature} (ssh-keygen -Y sign, namespace "
                   "ocpispec-approval)")
    else:
        click.echo("  signature  none (give --sign-key or set OCPISPEC_SIGNING_KEY to sign)")
    click.echo("Commit the record with the spec; `ocpispec approvals` lists the approvals.")
    if demanded is None:
        click.echo("note: the spec does not say `requires approval`, so `ocpispec run` does not "
                   "check approvals for it (see docs/approvals.md)", err=True)


def _demand(spec: Path, plan) -> tuple[str | None, str]:
    """What `run` demands of the spec, and why (`approval.requirement.demanded`)."""
    from ocpispec.approval import requirement
    from ocpispec.cli.configured import command_config

    return requirement.demanded(plan.export.approval,
                                *requirement.configured(command_config(spec)))


def _record(spec: Path, plan, reviewer: str, note: str, sign_key: Path | None):
    from ocpispec.approval.records import write_record
    from ocpispec.approval.signing import SigningError, sign, signing_key
    from ocpispec.diagnostics import error
    from ocpispec.privacy_summary import summarise

    from ocpispec.approval.deliveries import delivery_targets
    from ocpispec.cli.configured import command_config

    key = signing_key(sign_key, os.environ)
    settings = command_config(spec)
    deliveries = delivery_targets(plan, settings.destinations, settings.get("output_root"))
    record = write_record(spec, export=plan.export.name, fingerprint=plan.privacy_fingerprint,
                          summary=summarise(plan), approved_by=reviewer, note=note,
                          deliveries=deliveries)
    if key is None:
        return record, None
    try:
        return record, sign(record.path, key)
    except SigningError as exc:
        record.path.unlink(missing_ok=True)  # no approval left behind that was meant signed
        show_diagnostics([error("OCX612", f"cannot sign the approval: {exc}",
                                notes=["no approval was recorded"], help=exc.help)])
        sys.exit(1)
