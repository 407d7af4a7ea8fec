"""A template's `round` filter, on the number as it is written, half up.

Jinja's own `round` is Python's on a binary float: `430.385|round(2)` is 430.38 (the float
is 430.38499999...), where the spec's `round(x, 2)` and every reader with a calculator
say 430.39. A report template printing the energy of a city to two decimals released a
figure one cent off the total the data gives. This filter rounds the decimal the value
prints as (`repr`), half away from zero, and keeps Jinja's `ceil` and `floor`.

`format` likewise: `"%.1f"|format(0.35)` printed 0.3 (the float is 0.3499...) where
`0.35|round(1)` is 0.4. A float given to a fixed-point conversion (`%.Nf`, `%f`) is
rounded here first, as `round` rounds it, then formatted.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from jinja2.exceptions import FilterArgumentError
from jinja2.filters import do_format, do_round

_METHODS = {"common": ROUND_HALF_UP, "ceil": ROUND_CEILING, "floor": ROUND_FLOOR}


def decimal_round(value: Any, precision: int = 0, method: str = "common") -> Any:
    if method not in _METHODS:
        raise FilterArgumentError("method must be common, ceil or floor")
    if not isinstance(value, float) \
            or not isinstance(precision, int) or isinstance(precision, bool):
        return do_round(value, precision, method)  # Jinja's answer, or its error
    if not math.isfinite(value):
        return value
    try:
        rounded = Decimal(repr(value)).quantize(Decimal(1).scaleb(-precision), _METHODS[method])
    except InvalidOperation:  # more digits than a decimal holds: nothing to round
        return float(value)
    return float(rounded)


# a `%` conversion: mapping key, flags, width, precision, length, type
_CONVERSION = re.compile(r"%(?:\((?P<key>[^)]*)\))?[-#0 +]*(?:\d+|\*)?"
                         r"(?:\.(?P<precision>\d+|\*))?[hlL]?(?P<type>[diouxXeEfFgGcrsa%])")


def decimal_format(value: Any, *args: Any, **kwargs: Any) -> str:
    """Jinja's `format`, each float of a `%f` conversion rounded half up first."""
    if not isinstance(value, str):
        return do_format(value, *args, **kwargs)
    arguments, named = list(args), dict(kwargs)
    position = 0
    for found in _CONVERSION.finditer(value):
        kind = found.group("type")
        if kind == "%":
            continue
        precision = found.group("precision")
        digits = 6 if precision is None else int(precision) if precision.isdigit() else None
        key = found.group("key")
        if key is not None:
            if kind in "fF" and digits is not None and isinstance(named.get(key), float):
                named[key] = decimal_round(named[key], digits)
        else:
            if kind in "fF" and digits is not None and position < len(arguments) \
                    and isinstance(arguments[position], float):
                arguments[position] = decimal_round(arguments[position], digits)
            position += 1
    return do_format(value, *arguments, **named)
