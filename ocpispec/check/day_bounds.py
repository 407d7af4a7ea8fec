"""A date compared with a timestamp is the first instant of its day (OCX326):
`start_date_time <= 2025-12-31` keeps nothing of 31 December after midnight, and
`start_date_time > 2024-12-31` keeps the rest of that day, and `start_date_time =
2025-12-24` keeps only the records stamped at its midnight, where the day was meant."""

from __future__ import annotations

import datetime as dt

from ocpispec.language import syntax
from ocpispec.check.context import Context
from ocpispec.diagnostics import Diagnostic, warning
from ocpispec.diagnostics.source import Span

# the operator as read with the field first: `2025-12-31 >= t` is `t <= 2025-12-31`
_FIELD_FIRST = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def day_bound(expr: syntax.Expr, literal: syntax.Literal, op: str,
              ctx: Context) -> Diagnostic | None:
    """The warning for `<=`, `>`, `=` and `!=` of a timestamp field with a date written without its
    time (a day cut, `truncate(t, day) <= 2025-12-31`, compares days as meant)."""
    written = str(literal.value)
    if literal.kind != "date" or len(written) != 10 or not isinstance(expr, syntax.FieldRef):
        return None
    if literal.span.start < expr.span.start:
        op = _FIELD_FIRST.get(op, op)
    day = dt.date.fromisoformat(written)
    if op not in ("<=", ">", "=", "!=") or day == dt.date.max:
        return None
    following = (day + dt.timedelta(days=1)).isoformat()
    field = ctx.source.text[expr.span.start:expr.span.end]
    span = Span(min(expr.span.start, literal.span.start), max(expr.span.end, literal.span.end))
    said = ctx.source.text[span.start:span.end]
    day_of = f"{field} >= {written} and {field} < {following}"
    if op == "=":
        message = f"`{said}` keeps only the times at {written}T00:00:00Z, not that day"
        help = f"write `({day_of})` to keep the records of {written}"
    elif op == "!=":
        message = f"`{said}` leaves out only the times at {written}T00:00:00Z, not that day"
        help = f"write `not ({day_of})` to leave out the records of {written}"
    elif op == "<=":
        message = f"`{said}` keeps times up to the start of {written}, not that day"
        help = f"write `{field} < {following}` to keep {written} too"
    else:
        message = f"`{said}` keeps {written} itself, all but its first instant"
        help = f"write `{field} >= {following}` to start after {written}"
    return warning("OCX326", message, span, f"compared with {written}T00:00:00Z",
                   notes=[f"a date is the first instant of its day: `{written}` is "
                          f"`{written}T00:00:00Z`",
                          f"to compare with that instant on purpose, write "
                          f"`{written}T00:00:00Z`"],
                   help=help)
