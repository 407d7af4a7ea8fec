"""An object of a list page holding numbers JSON does not have: `NaN`, `Infinity`,
`-Infinity` (as Python's `json` writes them by default, and Jackson with
ALLOW_NON_NUMERIC_NUMBERS), or a number too large for a double (`1e999`).

The JSON parser refuses the whole object, which was counted invalid ("not valid JSON"):
one `NaN` in a charging period's volume cost the whole session. Read here with each such
number as its text (`"NaN"`), which is no number to the wire reader: where OCPI says
number it reads as null, reported by path ("not a number"), and a required field so read
still makes the record invalid. An object that is not JSON for any other reason (a
string holding a lone surrogate, which no output could encode) stays unreadable.

    read_non_finite(b'{"kwh": NaN}')   # {"kwh": "NaN"}
    read_non_finite(b'{"kwh": }')      # None
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson


def read_non_finite(piece: bytes) -> Any | None:
    found: list[str] = []

    def constant(name: str) -> str:
        found.append(name)
        return name

    def real(text: str) -> float | str:
        value = float(text)
        if math.isfinite(value):
            return value
        found.append(text)
        return text

    try:
        value = json.loads(piece, parse_constant=constant, parse_float=real)
        orjson.dumps(value)     # every string encodable, every integer in range of an output
    except (ValueError, TypeError, RecursionError, orjson.JSONEncodeError):
        return None
    return value if found else None
