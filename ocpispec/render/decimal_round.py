"""A template's `round` filter, on the number as it is written, half up.

Jinja's own `round` is Python's on a binary float: `430.385|round(2)` is 430.38 (the float
is 430.38499999...), where the spec's `round(x, 2)` and every reader with a calculator
say 430.39. A report template printing the energy of a city to two decimals released a
figure one cent off the total the data gives. This filter rounds the decimal the value
prints as (`repr`), half away from zero, and keeps Jinja's `ceil` and `floor`.
"""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from jinja2.exceptions import FilterArgumentError
from jinja2.filters import do_round

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
