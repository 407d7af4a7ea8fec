"""Which approvals of a spec hold for what it discloses now.

Each record is `valid` (its fingerprint is the spec's current privacy fingerprint, and
its signature verifies where one is required), `stale` (it approved another version),
`bad signature` (a signature that does not verify: never valid), `unsigned` or
`unverified` (right fingerprint, but a signature is required and missing, or there is
no allowed signers file to check it against), `moved` (right fingerprint, but a remote
destination's login now connects elsewhere, or the output_root is another folder, than when it was approved:
`approval/deliveries.py`) or `unreadable`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ocpispec.plan import ir
from ocpispec.approval.records import Approval, read_records
from ocpispec.approval.signing import verify

VALID, STALE, BAD_SIGNATURE = "valid", "stale", "bad signature"
UNSIGNED, UNVERIFIED, UNREADABLE = "unsigned", "unverified", "unreadable"
MOVED = "moved"


@dataclass(frozen=True, slots=True)
class RecordStatus:
    path: Path
    state: str
    signature: str  # what is known of the signature, in words
    approval: Approval | None = None
    problem: str = ""  # why an unreadable record is unreadable
    # whether the record says what its approver approved: not where a signature is
    # demanded and none verifies (anyone who writes the folder can write such a record
    # under the officer's name, with any summary)
    vouched: bool = True

    @property
    def valid(self) -> bool:
        return self.state == VALID


def assess(spec: Path, plan: ir.Plan, *, signers: Path | None, require_signature: bool,
           deliveries: tuple[str, ...]) -> list[RecordStatus]:
    """The status of every approval record of `spec` against `plan`, oldest first;
    `deliveries`: where the plan's remote destinations connect now (`delivery_targets`)."""
    records, broken = read_records(spec)
    statuses = [_status(record, plan.privacy_fingerprint, signers, require_signature,
                        deliveries) for record in records]
    return statuses + [RecordStatus(path, UNREADABLE, "", problem=problem)
                       for path, problem in broken]


def _status(record: Approval, fingerprint: str, signers: Path | None,
            required: bool, deliveries: tuple[str, ...]) -> RecordStatus:
    verified = False
    if not record.signed:
        signature = "not signed"
    elif signers is None:
        signature = "signed, not verified (no allowed signers file given)"
    elif not signers.is_file():
        signature = f"signed, not verified (the allowed signers file `{signers}` is missing)"
    else:
        verdict = verify(record.path, record.signature_path, record.principal, signers)
        if not verdict.ok:
            return RecordStatus(record.path, BAD_SIGNATURE, verdict.reason, record)
        signature, verified = verdict.reason, True
    vouched = verified or not required
    if record.privacy_fingerprint != fingerprint:
        return RecordStatus(record.path, STALE, signature, record, vouched=vouched)
    if not set(deliveries) <= set(record.deliveries or ()):
        return RecordStatus(record.path, MOVED, signature, record, vouched=vouched)
    if not vouched:
        return RecordStatus(record.path, UNVERIFIED if record.signed else UNSIGNED,
                            signature, record, vouched=False)
    return RecordStatus(record.path, VALID, signature, record)


def last_approved(statuses: list[RecordStatus]) -> Approval | None:
    """The newest approval that is not refused for its signature, and signed where a
    signature is demanded: what a changed spec is compared with. (An unsigned record
    of the spec as it is now hid every change since the officer last signed.)"""
    usable = [s.approval for s in statuses if s.approval is not None and s.vouched
              and s.state not in (BAD_SIGNATURE, UNREADABLE)]
    return usable[-1] if usable else None
