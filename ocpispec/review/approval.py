"""The review's approval section: whether `run` demands an approval, the records beside
the spec with their state in words, and what changed since the newest approval when
none holds for the spec as it is now (the changes `ocpispec diff` names), so the
officer who is asked to approve again sees what they are approving on top of last time.
"""

from __future__ import annotations

from ocpispec.approval import requirement as requirements
from ocpispec.approval.status import RecordStatus, last_approved
from ocpispec.plan import ir
from ocpispec.review.model import (ApprovalChange, ApprovalRecord, ApprovalReview,
                                   UnreadableRecord)

_MEANINGS = {
    "valid": "approves the spec as it is now",
    "stale": "approved another version of the spec",
    "bad signature": "its signature does not verify: it never counts",
    "unsigned": "names this version, but a signed approval is demanded and it has no "
                "signature: anyone who can write the folder could have written it, so "
                "it neither counts nor says what was approved",
    "unverified": "names this version, but its signature could not be checked (no "
                  "allowed signers file): it neither counts nor says what was approved",
    "moved": "approves this version, but its destinations now go elsewhere (a destination "
             "profile or the configured output_root changed)",
}


def approval_review(plan: ir.Plan, statuses: list[RecordStatus], demanded: str | None,
                    why: str) -> ApprovalReview:
    """`statuses`: `approval.status.assess` of the spec's records against `plan`;
    `demanded` and `why`: `approval.requirement.demanded`."""
    records = tuple(_record(status) for status in statuses if status.approval is not None)
    unreadable = tuple(UnreadableRecord(status.path.name, status.problem)
                       for status in statuses if status.approval is None)
    valid = any(status.valid for status in statuses)
    since, changes = (None, ()) if valid else _since(plan, statuses)
    unvouched = bool(records) and not any(status.vouched for status in statuses
                                          if status.approval is not None)
    return ApprovalReview(_requirement(demanded, why), records, unreadable, valid, since,
                          changes, unvouched)


def _requirement(demanded: str | None, why: str) -> str:
    if demanded is None:
        return ("not demanded: the spec has no `requires approval` line, so `ocpispec run` "
                "runs it without one (unless `OCPISPEC_REQUIRE_APPROVAL` or "
                "`require_approval` in ocpispec.toml demands one where it runs)")
    signed = " with an SSH signature the CPO's allowed signers verify" \
        if demanded == requirements.SIGNED else ""
    return (f"{why}: `ocpispec run` refuses the spec, before any request, until an "
            f"approval of its privacy fingerprint{signed} is recorded beside it")


def _record(status: RecordStatus) -> ApprovalRecord:
    record = status.approval
    assert record is not None
    return ApprovalRecord(status.state, _MEANINGS.get(status.state, status.state),
                          record.approved_by, record.approved_at,
                          record.privacy_fingerprint[:12], status.signature, record.note)


def _since(plan: ir.Plan, statuses: list[RecordStatus]
           ) -> tuple[str | None, tuple[ApprovalChange, ...]]:
    from ocpispec.privacy_summary import changes_since

    last = last_approved(statuses)
    if last is None or last.privacy_fingerprint == plan.privacy_fingerprint:
        return None, ()
    since = (f"the version approved by {last.approved_by} at {last.approved_at} "
             f"(privacy fingerprint {last.privacy_fingerprint[:12]})")
    try:
        changes = changes_since(last.summary, plan, last.privacy_fingerprint)
    except (KeyError, TypeError, AttributeError, ValueError):  # a hand-edited summary
        return since, (ApprovalChange("changed", "its record's summary cannot be compared: "
                                      "see `ocpispec diff`"),)
    return since, tuple(ApprovalChange(change.kind, change.text) for change in changes)
