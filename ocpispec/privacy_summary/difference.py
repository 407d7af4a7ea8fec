"""Two versions of what is disclosed, side by side: the changes and the verdict."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ocpispec.plan import ir
from ocpispec.privacy_summary.compare import Change, compare
from ocpispec.privacy_summary.summary import (comparable, exact_filters, exact_part, ordered,
                                              summarise)

NEEDS_REVIEW = "needs a new review"
NO_CHANGE = "no privacy-relevant change"
HIDDEN_VALUE = Change("filters", "changed", "a value compared in a filter on personal fields "
                      "changed (values are not shown)")
HIDDEN_COLUMN_VALUE = Change("columns", "changed", "a value a `jmespath(...)` column compares "
                             "personal fields with changed (values are not shown)")
EARLIER_TOOL = Change("export", "changed", "nothing the spec discloses: the approval was "
                      "recorded by an earlier version of ocpispec, which fingerprinted the "
                      "same export differently; approve it again")


@dataclass(frozen=True, slots=True)
class Difference:
    old_name: str
    new_name: str
    old_fingerprint: str
    new_fingerprint: str
    changes: tuple[Change, ...]

    @property
    def needs_review(self) -> bool:
        return self.old_fingerprint != self.new_fingerprint

    @property
    def verdict(self) -> str:
        return NEEDS_REVIEW if self.needs_review else NO_CHANGE

    def to_dict(self) -> dict[str, Any]:
        return {"old": {"spec": self.old_name, "privacy_fingerprint": self.old_fingerprint},
                "new": {"spec": self.new_name, "privacy_fingerprint": self.new_fingerprint},
                "changes": [change.to_dict() for change in self.changes],
                "verdict": self.verdict, "needs_review": self.needs_review}


def difference(old: ir.Plan, new: ir.Plan, *, old_name: str, new_name: str) -> Difference:
    """What changed from plan `old` to plan `new` (both need `privacy_fingerprint`)."""
    changes = compare(summarise(old), summarise(new))
    if not changes and exact_part(old) != exact_part(new):
        changes = [HIDDEN_VALUE if exact_filters(old) != exact_filters(new)
                   else HIDDEN_COLUMN_VALUE]
    return Difference(old_name, new_name, old.privacy_fingerprint, new.privacy_fingerprint,
                      tuple(changes))


def changes_since(summary: dict[str, Any], plan: ir.Plan,
                  recorded: str | None = None) -> list[Change]:
    """What changed from a stored summary (an approval record's, whose fingerprint is
    `recorded`) to a plan. A stored summary that equals the plan's, under another
    fingerprint, differs in a hidden value, or was fingerprinted by an earlier version.
    The texts are for people (`approvals`, a refused run): a character that hides or
    reorders text shows as its code point (`"Utr<U+200B>echt"`)."""
    from ocpispec.render.values import visible_texts

    current = summarise(plan)
    changes = visible_texts(compare(summary, current))
    if not changes and comparable(ordered(summary)) == comparable(current):
        if not (_redacted_filters(current) or _redacted_columns(current)):
            return [EARLIER_TOOL]  # no hidden value could differ
        if recorded is not None and recorded == _unsealed(current, exact_part(plan)):
            return [EARLIER_TOOL]  # the same hidden values, before fingerprints were sealed
        return [HIDDEN_VALUE if _redacted_filters(current) or not _redacted_columns(current)
                else HIDDEN_COLUMN_VALUE]
    return changes


def _unsealed(summary: dict[str, Any], exact: list[str]) -> str:
    """The privacy fingerprint as versions before sealing (`plan/ir/sealing.py`) gave it."""
    canonical = json.dumps({"summary": comparable(summary), "exact": exact}, sort_keys=True,
                           separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _redacted_filters(summary: dict[str, Any]) -> bool:
    return any(not item["condition"] for d in summary["datasets"] for item in d["filters"])


def _redacted_columns(summary: dict[str, Any]) -> bool:
    """A column or measure whose `jmespath(...)` values are blanked (`expression` or
    `argument` empty where the plan has one)."""
    return any(not column["expression"] for d in summary["datasets"] for column in d["columns"]) \
        or any("(personal value)" in m.get("expression", "") for d in summary["datasets"]
               for m in d["aggregate"].get("measures", ()))
