"""A duration between two of the record's own times (`minutes(start_date_time,
end_date_time)`): one value however it is read, named the same whichever way round."""

from __future__ import annotations

from ocpispec.check.quantities import quantity, quantity_at
from ocpispec.check.values import Use
from ocpispec.language import syntax

DURATIONS = frozenset({"minutes", "hours"})


def read_quantity(use: Use) -> str:
    """What a use's value holds: a duration between two of the record's times
    (`minutes(start_date_time, end_date_time)`, one value however it is read), else the
    charge's quantity the field holds, else the field's own name."""
    for node in use.around:
        if isinstance(node, syntax.Call) and node.name.name in DURATIONS and \
                between_record_times(node):
            return duration_quantity(node, use.field.module)[0]
    return quantity(use.field)


def duration_quantity(call: syntax.Call, module: str) -> tuple[str, float]:
    """The duration's name, the same whichever way round its times are given, and the
    sign of the call's value against it (`minutes(end, start)`: -1)."""
    names = [quantity_at(module, (arg.dotted,), arg.dotted) for arg in call.args]
    return "duration " + " to ".join(sorted(names)), -1.0 if names[0] > names[1] else 1.0


def between_record_times(call: syntax.Call) -> bool:
    """`minutes(a, b)` where a and b are two different plain timestamp fields of the
    dataset's own record (checked for kind by the typer)."""
    if len(call.args) != 2 or not all(isinstance(arg, syntax.FieldRef) for arg in call.args):
        return False
    first, second = call.args
    return first.path != second.path and "." not in first.dotted + second.dotted
