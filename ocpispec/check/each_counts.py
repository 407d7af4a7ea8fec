"""A `count()` over the rows of charging periods or time slots, named for the records.

`each charging_periods as period` makes one row per charging period, and `spread ...
over hour` one per hour an interval covers: `count() as sessions` then counts periods,
or periods times hours, not sessions (17 for a site's 10 sessions), and nothing says so.
OCX245 names what it counts and how to count the records. A count of EVSEs or
connectors after `each evses` is what it says, and so is a count per slot of a spread
of the records themselves (the sessions charging in that hour).
"""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.check.checked import CheckedEach
from ocpispec.check.context import Context
from ocpispec.check.measures import aggregate_calls
from ocpispec.check.scope import Scope
from ocpispec.diagnostics import warning
from ocpispec.language import syntax

_RECORDS = {"sessions": "sessions", "cdrs": "CDRs"}
# a column named for what the rows are counts them on purpose
_ROW_WORDS = ("period", "slot", "row")


def check_each_counts(body: syntax.Aggregate, eaches: Sequence[CheckedEach], scope: Scope,
                      ctx: Context) -> None:
    records = _RECORDS.get(scope.module)
    periods = next((each for each in eaches if each.base[-1:] == ("charging_periods",)), None)
    slot = scope.spread[1] if scope.spread is not None else None
    by_slot = slot is not None and any(
        isinstance(key.expr, syntax.FieldRef) and key.expr.path == (slot,) for key in body.keys)
    if records is None or (periods is None and (slot is None or by_slot)):
        return
    rows = (f"charging periods (`{periods.alias}`)" if periods is not None else
            "records") + (f" times the `{slot}` slots each covers" if slot else "")
    for column in body.measures:
        name = column.alias.name.lower() if column.alias else ""
        if any(word in name for word in _ROW_WORDS):
            continue
        for call in aggregate_calls(column.expr):
            if call.name.name != "count" or call.distinct or call.args:
                continue
            ctx.emit(warning(
                "OCX245", f"`count()` counts {rows}, not {records}", call.span,
                "one per row, and a record makes several",
                notes=[f"a session of three charging periods is three rows after `each`, "
                       "and a period over two hours two rows after `spread`: the count "
                       f"grows with them ({records} per group is fewer)"],
                help=f"count the {records}: write `count(distinct pseudonymize(id))` (the "
                     "spec needs a `pseudonym key`), or name the column for what it counts "
                     "(`as charging_periods`)"))
