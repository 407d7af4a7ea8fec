"""The run's gate: a spec that must be approved runs only with a valid approval of its
current privacy fingerprint. Checked before any request; a refusal is a RunError
(OCX610, or OCX611 when signatures are required but cannot be checked) that names what
changed since the last approved version.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ocpispec.plan import ir
from ocpispec.approval import requirement as requirements
from ocpispec.approval.records import approvals_dir
from ocpispec.approval.signing import ENV_ALLOWED_SIGNERS, allowed_signers
from ocpispec.approval.deliveries import delivery_targets
from ocpispec.approval.status import (BAD_SIGNATURE, MOVED, UNSIGNED, UNVERIFIED, assess,
                                      last_approved)

MAX_CHANGES_SHOWN = 8


def check_approval(spec: Path, plan: ir.Plan, env: Mapping[str, str],
                   signers_option: Path | None = None, tables: object = None,
                   delivers: bool = True, output_root: Path | None = None,
                   configured: tuple[str | None, str] | None = None
                   ) -> dict[str, object] | None:
    """None when no approval is required; else the approval that lets the run go on
    (for the run record: record file, reviewer, time, fingerprint, whether its
    signature was verified). Raises RunError when there is none. `tables`: the
    configuration's destinations, where the remote destinations' logins may come from;
    `delivers`: whether the run delivers to the spec's destinations (not with `--out`);
    `output_root`: the configured folder relative destinations are written under;
    `configured`: the configuration's `require_approval` and its origin
    (`requirement.configured`), else read from `env`."""
    from ocpispec.execute import RunError

    setting = configured or (requirements.from_setting(env), f"env {requirements.ENV_REQUIRE}")
    demanded, why = requirements.demanded(plan.export.approval, *setting)
    if demanded is None:
        return None
    signed = demanded == requirements.SIGNED
    signers = allowed_signers(signers_option, env)
    if signed and (signers is None or not signers.is_file()):
        given = "no allowed signers file is given" if signers is None else \
            f"the allowed signers file `{signers}` does not exist"
        raise RunError.of("OCX611", f"`{spec}` needs a signed approval, and {given} to check "
                          "signatures against",
                          notes=(why, "nothing was requested from the platform"),
                          help=f"set {ENV_ALLOWED_SIGNERS} (or --allowed-signers) to the "
                               "CPO's allowed_signers file")
    deliveries = delivery_targets(plan, tables, output_root) if delivers else ()
    statuses = assess(spec, plan, signers=signers, require_signature=signed,
                      deliveries=deliveries)
    valid = [status for status in statuses if status.valid]
    if valid:
        chosen = valid[-1].approval
        assert chosen is not None
        return {"record": chosen.path.name, "approved_by": chosen.approved_by,
                "approved_at": chosen.approved_at,
                "privacy_fingerprint": chosen.privacy_fingerprint,
                "signature": valid[-1].signature, "requires": demanded}
    raise RunError.of("OCX610", f"`{spec}` has no valid approval of its privacy fingerprint "
                      f"{plan.short_privacy_fingerprint}",
                      notes=(why, *_explain(statuses, plan), *_moved(statuses, deliveries),
                             "nothing was requested from the platform"),
                      help=_help(statuses, spec, signed))


def _help(statuses, spec: Path, signed: bool) -> str:
    """What to do: the officer reads the review (which lists what changed since the last
    approval) and approves; where only the destinations moved, check them first."""
    approve = f"`ocpispec approve {spec} --by \"Name <email>\"{' --sign-key KEY' if signed else ''}`"
    review = f"`ocpispec review {spec} -o review.html`"
    if any(s.state == MOVED for s in statuses):
        return (f"check where the destinations connect now (the destination profile or the "
                f"configured output_root); if the data may go there, have the privacy "
                f"officer approve again: {approve}")
    if last_approved(statuses) is None:
        return f"have the privacy officer read the review ({review}) and approve it: {approve}"
    return (f"have the privacy officer read the review, which lists what changed since the "
            f"last approval ({review}), and approve it: {approve}")


def _moved(statuses, deliveries: tuple[str, ...]) -> list[str]:
    """Where an approval of this fingerprint delivered, and where it would deliver now."""
    moved = [s.approval for s in statuses if s.state == MOVED and s.approval is not None]
    if not moved:
        return []
    approved = moved[-1].deliveries
    return ["an approval of this fingerprint exists, but its destinations went elsewhere "
            "when it was approved (a destination profile, the configured output_root or "
            "the environment changed since)",
            "  approved: " + ("; ".join(approved) if approved else
                              "(nothing pinned: approved before destinations were pinned)"),
            "  now:      " + "; ".join(deliveries)]


def _explain(statuses, plan: ir.Plan) -> list[str]:
    from ocpispec.privacy_summary import changes_since

    notes = []
    right = [s for s in statuses if s.approval is not None
             and s.approval.privacy_fingerprint == plan.privacy_fingerprint]
    if any(s.state in (UNSIGNED, UNVERIFIED) for s in right):
        notes.append("a record of this fingerprint exists but carries no signature that "
                     "verifies, so it neither counts nor says what was approved; approve "
                     "again with --sign-key")
    bad = [s.path.name for s in statuses if s.state == BAD_SIGNATURE]
    if bad:
        notes.append(f"refused for a bad signature: {', '.join(bad)}")
    last = last_approved(statuses)
    if last is None:
        folder = approvals_dir(Path(plan.spec))
        return notes + [f"the spec was never approved (no records in `{folder.name}/`)"]
    if last.privacy_fingerprint == plan.privacy_fingerprint:
        return notes
    try:
        changes = changes_since(last.summary, plan, last.privacy_fingerprint)
    except (KeyError, TypeError, AttributeError, ValueError):  # a hand-edited summary
        return notes + [f"the spec changed since the version approved by {last.approved_by} "
                        f"({last.privacy_fingerprint[:12]}); its record's summary cannot be "
                        "compared: see `ocpispec diff`"]
    notes.append(f"changed since the version approved by {last.approved_by} at "
                 f"{last.approved_at} ({last.privacy_fingerprint[:12]}):")
    shown = changes[:MAX_CHANGES_SHOWN]
    notes += [f"  {change.kind}: {change.text}" for change in shown]
    if len(changes) > len(shown):
        notes.append(f"  ... and {len(changes) - len(shown)} more (`ocpispec diff`)")
    return notes
