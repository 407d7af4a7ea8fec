"""What a plan discloses, as a privacy officer signs it off: the privacy summary, the
privacy fingerprint over it, and the differences between two summaries.

`privacy_fingerprint(plan)` changes exactly when what is disclosed, to whom, why or how
changes; comments, layout, page size and concurrency leave it as it is. `ocpispec diff`
compares two summaries (`compare`), and approvals (`ocpispec.approval`) are bound to the
fingerprint and store the summary, so a later run can say what changed since.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ocpispec.plan import ir
from ocpispec.plan.ir.sealing import sealed_fingerprint
from ocpispec.privacy_summary.compare import Change, compare
from ocpispec.privacy_summary.difference import Difference, changes_since, difference
from ocpispec.privacy_summary.summary import comparable, exact_part, summarise

__all__ = ["Change", "Difference", "changes_since", "compare", "comparable", "difference",
           "fingerprint_of", "privacy_fingerprint", "summarise"]


def privacy_fingerprint(plan: ir.Plan) -> str:
    """sha256 over the comparable summary and the exact filter expressions."""
    return fingerprint_of(summarise(plan), exact_part(plan))


def fingerprint_of(summary: dict[str, Any], exact: list[str]) -> str:
    """sha256 over the summary; with exact expressions (values the summary shows blanked
    out), sealed by scrypt (`plan/ir/sealing.py`): the summary is stored in approval
    records and shown on the review page beside this fingerprint, so a fast hash would
    let anyone reading them test guesses of the values."""
    canonical = _canonical({"summary": comparable(summary), "exact": exact})
    if not exact:
        return hashlib.sha256(canonical.encode()).hexdigest()
    return sealed_fingerprint(canonical, _canonical({"summary": comparable(summary)}))


def _canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
