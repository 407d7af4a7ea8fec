"""A justification that repeats a personal value the spec compares (OCX350).

The values a filter (`where cdr_token.uid = "04A2B3C4" because "..."`) or a
`jmespath(...)` column compares personal fields with are blanked out of every view:
the plan, the review, the privacy summary and the manifest the consumer receives. The
justification is shown as written in all of them, so `because "the fraud desk
investigates card 04A2B3C4"` put the card id back into the consumer's manifest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ocpispec.check.context import Context
from ocpispec.diagnostics import error
from ocpispec.language import syntax

# a value shorter than this (letters and digits) is no identifier; one without a digit
# shorter than `_WORDLIKE` may be a word (`TEST`, `STAFF`) the text uses as a word
_SHORTEST = 4
_WORDLIKE = 8


def check_repeated_values(justification: syntax.Text | None, values: Iterable[object],
                          ctx: Context) -> None:
    """OCX350 when `justification` holds one of `values` (letters and digits compared,
    case ignored: `04a2-b3c4` is `04A2B3C4`)."""
    if justification is None:
        return
    said = _bare(justification.value)
    for value in values:
        bare = _bare(value) if isinstance(value, str) else ""
        if _identifier(bare) and bare in said:
            ctx.emit(error(
                "OCX350", "the justification repeats a personal value the spec compares",
                justification.span, "a value blanked out everywhere else",
                notes=["the plan, the review and the consumer's manifest show `(personal "
                       "value)` for it, and this text as written beside it"],
                help="describe whose records they are without their id (`the card reported "
                     "stolen in case F-2026-12`)"))
            return


def _identifier(bare: str) -> bool:
    return len(bare) >= _SHORTEST and (len(bare) >= _WORDLIKE or any(c.isdigit() for c in bare))


def _bare(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())
