"""A record the spec's own `jmespath("...")` cannot evaluate: a JMESPath function given
a value of a type it does not take (`length(x)` of a missing `x`, `abs()` of a number
sent as text). The record may be perfectly valid OCPI, so the run names the function and
the types, and its help says how to make the expression take the value: a default for a
missing value (``x || `[]` ``), a conversion of text (`to_number(x)`). Types and function
names only: a reason never holds a value of the record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # `get` reads `remedy` through the run policy without loading jmespath
    from jmespath.exceptions import JMESPathTypeError

PREFIX = "with a value the spec's `jmespath(...)` cannot take: "
_REASON = re.compile(r"`(\w+)\(\)` got (\S+), takes (.+)\Z")
# a default of the type a function takes, for a missing (null) value
_DEFAULTS = (("array", "`[]`"), ("object", "`{}`"), ("string", "''"), ("number", "`0`"))


def reason(exc: JMESPathTypeError) -> str:
    """The counted reason: the function, the type it got and the types it takes."""
    takes = " or ".join(str(kind) for kind in exc.expected_types)
    return f"{PREFIX}`{exc.function_name}()` got {exc.actual_type}, takes {takes}"


def remedy(reasons: Iterable[str]) -> str | None:
    """How to make the spec's expression take the values of the first failure among
    `reasons`, or None when no reason is the spec's expression."""
    for text in reasons:
        found = _REASON.match(text.removeprefix(PREFIX)) if text.startswith(PREFIX) else None
        if found is not None:
            return _fix(*found.groups())
    return None


def _fix(function: str, got: str, takes: str) -> str:
    if got == "null":
        default = next((literal for kind, literal in _DEFAULTS if takes.startswith(kind)),
                       "`[]`")
        return (f"give the value `{function}()` reads a default for records that lack it: "
                f"write `x || {default}` for `x`")
    if got in ("array", "list") and takes.startswith("array-"):  # a list of lists
        return (f"`{function}()` got a list of lists: flatten it with `[]`, write `x[]` "
                f"for `x` (`evses[].capabilities[]`)")
    if "number" in takes and got == "string":
        return f"convert the text `{function}()` reads: write `to_number(x)` for `x`"
    if "string" in takes:
        return f"convert the value `{function}()` reads: write `to_string(x)` for `x`"
    return f"pass `{function}()` a value of a type it takes ({takes})"
