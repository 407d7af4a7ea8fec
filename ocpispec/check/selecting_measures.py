"""A sum or average whose per-record value selects records: a filter inside a measure
(OCX338).

`sum(jmespath("(kwh > \\`90\\` && kwh) || \\`0\\`"))` is the energy of the sessions above
90 kWh, and `sum(round(kwh / 181, 0))` their number: 0 for every other record. The
group holds the minimum number of drivers, so it is released, but the figure is that of
the few records the condition keeps, often one session's exact energy; beside `count()`
the complement does the same (`count()` minus the sessions under 90 kWh). A `where`
clause or a group key over the same condition would be counted, a measure is not. So a
JMESPath comparison or logical operator in a `sum` or `avg`, and a cut per record
coarser than ten times the value's floor (`round(kwh, -1)`, `round(kwh / 181, 0)`), is
warned of.

`count(distinct x)` of such a value is the same filter: a test has two answers, so the
count is 2 where some record of the group passes it and 1 where none does (columns of
thresholds just under and at the largest session's energy pin that session's energy to
a few Wh), and a test giving each passing record's own value (``(kwh > `90` &&
start_date_time) || ''``) counts those records. So the same values are warned of inside
it, under `pseudonymize` too, and so is any `bucket`: its few cells are where the spec
placed them, and the count says which hold a record (``bucket(kwh, [T - 0.001, T +
0.001])`` is 3 where a session of T kWh lies between the others, below its floor or at
it); a calendar cut (`truncate(start_date_time, day)`: the days with charging) is a
value of every record, not a condition, and passes.
"""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.language import syntax
from ocpispec.check.context import Context
from ocpispec.check.floors import assess
from ocpispec.check.jmes_tests import tests as _tests
from ocpispec.check.values import Use
from ocpispec.diagnostics import warning

SUMMING = frozenset({"sum", "avg"})
# cuts of a number at thresholds the spec's author places, as opposed to the
# calendar's cells of `truncate` or a grid's, counted as values of each record
_VALUE_CUTS = frozenset({"round", "bucket"})
# a per-record cut this many floors wide or wider picks records out rather than rounding
COARSEST_CUT = 10.0


def check_selecting(call: syntax.Call, uses: Sequence[Use], ctx: Context) -> None:
    counting = call.name.name == "count" and call.distinct
    if not counting and (call.name.name not in SUMMING or call.distinct):
        return
    if call.args and (twice := _divided_by_itself(call.args[0])) is not None:
        ctx.emit(_warning(call, call.args[0].span,
                          f"divides by a value made of `{twice}` itself, per record"))
        return
    for use in uses:
        if call not in use.around:
            continue
        inside = use.around[:use.around.index(call)]
        if use.hatch is not None and use.hatch in inside and _tests(use.hatch):
            ctx.emit(_warning(call, use.hatch.span, "a JMESPath test of each record"))
            return
        bucket = next((node for node in inside if isinstance(node, syntax.Call)
                       and node.name.name == "bucket"), None) if counting else None
        if bucket is not None:
            ctx.emit(_warning(call, bucket.span, "cells a bucket's edges place, per record"))
            return
        blind = assess(use).blind
        if blind is not None:
            ctx.emit(_warning(call, call.args[0].span, f"{blind}, per record"))
            return
        step = _cut(use)
        if step is not None and (not counting or _value_cut(use, inside)):
            ctx.emit(_warning(call, call.args[0].span,
                              f"cuts each record's `{use.field.qualified}` into cells {step:g} times its floor"))
            return


def _value_cut(use: Use, inside: Sequence[object]) -> bool:
    """Whether the value's protecting cut is of a value (`round`, `bucket`), not the
    calendar's (`truncate`): the first generaliser around the field."""
    cuts = [node.name.name for node in inside if isinstance(node, syntax.Call)
            and node is not use.hatch]
    return bool(cuts) and cuts[0] in _VALUE_CUTS


def _divided_by_itself(expr: syntax.Expr) -> str | None:
    """A field read twice in a value with a division (`kwh / kwh`, `1 / kwh * kwh`): 1,
    or nothing where it is 0, per record; `total_cost.excl_vat / kwh` reads each once."""
    paths: list[tuple[str, ...]] = []
    divides = False
    stack: list[object] = [expr]
    while stack:
        node = stack.pop()
        match node:
            case syntax.FieldRef():
                paths.append(node.path)
            case syntax.BinaryOp():
                divides = divides or node.op == "/"
                stack += [node.left, node.right]
            case syntax.Call():
                stack += list(node.args)
    twice = next((path for path in paths if paths.count(path) > 1), None)
    return ".".join(twice) if divides and twice is not None else None


def _cut(use: Use) -> float | None:
    """How many floors wide a per-record cut of at least `COARSEST_CUT` floors is, or
    None. Known from the cut's scale alone: a value added to the field (`kwh * 0`)
    shifts the cells, it does not narrow them."""
    coarseness = assess(use).coarseness
    return coarseness if coarseness is not None and \
        coarseness > COARSEST_CUT * (1 + 1e-9) else None


def _warning(call: syntax.Call, span, label: str):
    name = call.name.name
    if call.distinct:
        return _counting_warning(span, label)
    return warning(
        "OCX338", f"this `{name}` adds up the values of the records a condition picks out",
        span, label,
        notes=["a record the condition leaves out adds 0 (or a constant), so the figure is "
               "that of the few records it keeps, often one session's; the group's drivers "
               "are counted over all its records, and beside `count()` or another measure "
               "the complement gives the same away",
               "a `where` clause or a group key over the same condition is counted and "
               "suppressed when small; a condition inside a measure is not"],
        help=f"group by the condition (a key such as `bucket(kwh, [90])`), so its groups are "
             f"counted; round the aggregate rather than each record: `round({name}(...), 1)`")


def _counting_warning(span, label: str):
    return warning(
        "OCX338", "this `count(distinct ...)` counts the answers of a condition on each record",
        span, label,
        notes=["a condition has few answers, so the count says whether some record of the "
               "group meets it (2) or none does (1), however many drivers the group holds: "
               "a few such columns pin one session's value; a condition giving each record "
               "it keeps its own value counts those records",
               "a `where` clause or a group key over the same condition is counted and "
               "suppressed when small; a condition inside a measure is not"],
        help="group by the condition (a key such as `bucket(kwh, [90])`), so its groups are "
             "counted; count the values themselves (`count(distinct evse_uid)`)")
