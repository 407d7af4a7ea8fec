"""What a run accepts from a deviating platform, and the diagnostics when it does not.

By default a dataset fails the run when any record is invalid (`--allow-invalid N` or
`P%` accepts up to that many), when its crawl cannot be proven complete
(`--accept-incomplete` accepts it), and, with `--fail-on-empty`, when it releases no
row. A failed dataset fails the whole run: nothing is committed and the `since last
run` state does not move. Diagnostics carry counts and reasons, never values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from typing import Any

from ocpispec.frozen import frozen
from ocpispec.plan import ir
from ocpispec.execute.expression_failures import PREFIX as EXPRESSION_FAILS, remedy
from ocpispec.execute.client import RunError
from ocpispec.execute.coarser_keys import GENERIC, coarser_keys
from ocpispec.diagnostics.source import Span

_TOLERANCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$")
NOTHING_COMMITTED = "nothing was written and the `since last run` state did not change"


@frozen
class Tolerance:
    """`--allow-invalid`: a number of records (`12`) or a share of those read (`0.5%`)."""

    amount: float
    percent: bool

    @classmethod
    def parse(cls, text: str) -> Tolerance:
        found = _TOLERANCE.match(text)
        if found is None:
            raise ValueError("expected a number of records (`12`) or a share (`0.5%`)")
        amount, percent = float(found.group(1)), found.group(2) == "%"
        if percent and amount > 100:
            raise ValueError("a share is at most 100%")
        if not percent and not amount.is_integer():
            raise ValueError("a number of records is a whole number; write `0.5%` for a share")
        return cls(amount, percent)

    def limit(self, read: int) -> int:
        """The most invalid records accepted among `read`."""
        if self.percent:
            return math.floor(read * self.amount / 100 + 1e-9)
        return int(self.amount)

    def __str__(self) -> str:
        number = f"{self.amount:g}"
        return f"{number}%" if self.percent else number


@frozen
class Policy:
    allow_invalid: Tolerance | None = None
    accept_incomplete: bool = False
    fail_on_empty: bool = False

    def accepted_invalid(self, invalid: int, read: int) -> bool:
        return invalid == 0 or (self.allow_invalid is not None
                                and invalid <= self.allow_invalid.limit(read))


@frozen
class Verdict:
    """What a dataset's run was let go with."""

    invalid_accepted: int
    incomplete_accepted: tuple[str, ...]
    warnings: tuple[str, ...]


def judge(dataset: ir.Dataset, counts: Any, doubts: tuple[str, ...], policy: Policy,
          looked_up: int = 0) -> Verdict:
    """Raises the RunError of the first loss `policy` does not accept: a crawl not proven
    complete (`doubts`), invalid records, or (with --fail-on-empty) no row released.
    Invalid records count those of the lookups' lists, so a share (`--allow-invalid 5%`)
    is of every record read: the window's and the `looked_up` ones."""
    span = dataset.step(ir.Fetch).origin
    if doubts and not policy.accept_incomplete:
        raise incomplete_crawl(dataset.name, doubts, span)
    invalid = counts.invalid_total
    in_window = counts.read - counts.outside_window + looked_up
    if not policy.accepted_invalid(invalid, in_window):
        raise invalid_records(dataset.name, dataset.module, counts.invalid, in_window, policy,
                              span, looked_up)
    warnings = ()
    if (empty := _emptiness(counts)) is not None:
        if policy.fail_on_empty:
            raise empty_output(dataset.name, empty, dataset.origin, coarser_keys(dataset))
        warnings = (f"`{dataset.name}` {empty}" + (f"; {coarser_keys(dataset)}"
                                                    if "(the largest" in empty else ""),)
    return Verdict(invalid, doubts, warnings)


def _emptiness(counts: Any) -> str | None:
    if counts.written:
        return None
    if counts.groups and counts.groups == counts.groups_suppressed:
        if counts.groups_sparse or counts.groups_told:
            measures = " or ".join(f"`{name}`" for name in
                                   sorted({*counts.groups_sparse, *counts.groups_told}))
            few = (f"fewer drivers than the minimum group size gave {measures} a value "
                   "other than 0" + (", or one driver most of its values"
                                     if counts.groups_told else ""))
            if sum(counts.groups_sparse.values()) + sum(counts.groups_told.values()) \
                    == counts.groups:
                return f"released no row: in every group {few}"
            return ("released no row: every group was smaller than the minimum group size, "
                    f"or {few}")
        held = counts.largest_small
        unit = "record" if counts.small_in_records else "driver"
        return ("released no row: every group was smaller than the minimum group size "
                f"(the largest held {held:,} {unit}{'' if held == 1 else 's'})")
    if counts.groups and counts.groups == (counts.groups_suppressed + counts.groups_dominated
                                           + counts.groups_secondary):
        return ("released no row: every group was too small, dominated by one driver or "
                "held back to protect released totals")
    return "released no row"


def invalid_records(dataset: str, module: str, invalid: Mapping[str, int], read: int,
                    policy: Policy, span: Span | None, looked_up: int = 0) -> RunError:
    total = sum(invalid.values())
    reasons = [f"{n:,} {reason}" for reason, n in sorted(invalid.items())]
    allowed = policy.allow_invalid
    notes = [f"why: {'; '.join(reasons)}", NOTHING_COMMITTED]
    if allowed is not None:
        notes.insert(1, f"--allow-invalid {allowed} accepts at most "
                        f"{allowed.limit(read):,} of {read:,}")
    percent = math.ceil(total * 1000 / max(read, 1)) / 10
    share = f" (or a share, `--allow-invalid {percent:g}%`)" if percent <= 100 else ""
    spec = all(reason.startswith(EXPRESSION_FAILS) for reason in invalid)
    what = ("fails" if total == 1 else "fail") + " the spec's `jmespath(...)`" if spec \
        else f"{_are(total)} invalid"
    return RunError.of(
        "OCX570", f"{_records(total)} of `{dataset}`{_of(module, dataset)} {what} "
        "and would be lost", span, f"{total:,} of {read:,} records read here"
        + (f" ({looked_up:,} of them by lookups)" if looked_up else ""), notes=tuple(notes),
        help=_fix(invalid) + _party_hint(module, invalid, read) + f"; to deliver the rest anyway, accept them with "
                             f"`--allow-invalid {total}`{share}")


# objects of a CPO's own (2.2+) whose party `login --cpo-party` states (`schema.own_party.OWNED`)
_OWNED = frozenset({"locations", "sessions", "cdrs", "tariffs"})


def _party_hint(module: str, invalid: Mapping[str, int], read: int) -> str:
    """Where every object of a CPO's own read names no party (a platform leaving it out,
    not one object's half a party): how to say whose they are."""
    missing = sum(count for reason, count in invalid.items()
                  if reason.endswith(("missing key field `country_code`", "missing key field `party_id`")))
    if module not in _OWNED or not read or missing < read:
        return ""
    return ("; where the platform serves one CPO's objects and leaves their party out without a credentials "
            "endpoint to name it, log in again with `--cpo-party XX-YYY` (that CPO's) to read them as its")


def _fix(invalid: Mapping[str, int]) -> str:
    """Who can fix the records: the platform, or the spec's own expression when it is
    what fails on them (valid records the expression does not expect)."""
    fix = remedy(invalid)
    if fix is None:
        return "have the platform fix them"
    if all(reason.startswith(EXPRESSION_FAILS) for reason in invalid):
        return fix
    return f"{fix}, and have the platform fix the others"


def incomplete_crawl(dataset: str, reasons: tuple[str, ...], span: Span | None, *,
                     recorded: str = " (the manifest records it)") -> RunError:
    # a list that changed while it was read (or a link left out once) is read whole by
    # the next run; a smaller `--page-size` there puts the window on more pages
    if all(_RUN_AGAIN in reason for reason in reasons):
        fix = "run again: the next run reads the window again"
    elif all(_STAMPED_AHEAD in reason for reason in reasons):
        fix = "have the platform correct the records' `last_updated`"
    elif all(_PRIVATE_COPY in reason for reason in reasons):
        fix = "ask the CPO to list each object once, as public or private"
    else:
        fix = "try a smaller `--concurrency` or `--page-size`, or ask the platform to fix its paging"
    return RunError.of(
        "OCX571", f"the records of `{dataset}` cannot be proven complete", span,
        "fetched here", notes=(*(f"why: {reason}" for reason in reasons), NOTHING_COMMITTED),
        help=f"{fix}; to deliver what arrived anyway, run with `--accept-incomplete`{recorded}")


# what the reason of a doubt that the next run clears says (`execute.crawl_doubts`)
_RUN_AGAIN = "run again"
_STAMPED_AHEAD = "stamped more than"  # `execute.future_stamps.MARK`
PRIVATE_COPY = _PRIVATE_COPY = "came again saying it is private"  # `execute.crawl_doubts.DOUBTS["private-copy"]`


def empty_output(dataset: str, what: str, span: Span | None,
                 coarser: str = GENERIC) -> RunError:
    return RunError.of(
        "OCX572", f"`{dataset}` {what}, and --fail-on-empty is given", span,
        "dataset declared here", notes=(NOTHING_COMMITTED,),
        help=("check the window, the `where` filter and the minimum group size; "
              + (f"{coarser}; " if "(the largest" in what else "")
              + "drop --fail-on-empty to deliver an empty file"))


def _records(n: int) -> str:
    return f"{n:,} record" + ("" if n == 1 else "s")


def _are(n: int) -> str:
    return "is" if n == 1 else "are"


def _of(module: str, dataset: str) -> str:
    return "" if module == dataset else f" ({module})"
