"""What `wire_codegen` passes inline beyond a field's quick test (`wire_shapes._quick`):
a list of scalars whose every item passes the item's quick test (an EVSE's
`capabilities`, a connector's `tariff_ids`), and a text a pattern shows its full test
passes as it is (a latitude, a longitude, an EVSE id, a postal code). Such fields went to
their full test whatever they held: on a realistic location (2.4 EVSEs, 3.8 connectors)
those calls were about a fifth of the wire reader's instructions.

A pattern here admits only text the full test (`wire_tests.degrees`, `wire_tests.formatted`)
passes unchanged: no white space around it, within the field's length (the generated
condition tests that), and for degrees, within the bound by its digits alone. Anything
else still gets the full test, so the walk's findings are the same
(`tests/test_wire_inline.py`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ocpispec.schema import wire_tests

# degrees as `wire_tests._DEGREES` reads them, at most the bound: up to 89.x or 90(.0...)
_LATITUDE = re.compile(r"-?(?:[0-8]?[0-9](?:\.[0-9]{1,15})?|90(?:\.0{1,15})?)\Z", re.ASCII)
# ... and up to 179.x or 180(.0...)
_LONGITUDE = re.compile(r"-?(?:(?:1[0-7][0-9]|[0-9]?[0-9])(?:\.[0-9]{1,15})?|180(?:\.0{1,15})?)\Z",
                        re.ASCII)
# `wire_tests._postal_code`: none, or `_POSTAL` with a digit in it
_POSTAL = re.compile(r"(?:(?=[^0-9]*[0-9])[A-Za-z0-9]+(?:[ -][A-Za-z0-9]+)*)?\Z", re.ASCII)

PATTERNS: dict[str, Callable[[str], Any]] = {
    "latitude": _LATITUDE.match, "longitude": _LONGITUDE.match, "postal": _POSTAL.match,
    "evse_id": wire_tests.FORMATS["evse_id"][0]}


def matched(test: wire_tests.Test, pattern: str, limit: int) -> wire_tests.Test:
    """`test`, marked: a text of at most `limit` characters that `PATTERNS[pattern]`
    matches passes it (where there is such a pattern)."""
    if pattern in PATTERNS:
        test.inline = ("match", PATTERNS[pattern], limit)  # type: ignore[attr-defined]
    return test


def each(test: wire_tests.Test, item: tuple[str, Any]) -> wire_tests.Test:
    """`test` of a list, marked: a list whose items all pass the item's quick test
    `item` (a `wire_shapes._quick` code and argument) passes it."""
    if item[0] != "other":
        test.inline = ("each", *item)  # type: ignore[attr-defined]
    return test
