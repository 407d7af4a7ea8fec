"""JMESPath's value rules, as jmespath.py's tree interpreter applies them: what is false,
what is a number, equality (0 and 1 are no booleans) and ordering (of two numbers or two
texts, else null; jmespath.py raises for a number against a text). The compiled closures
(`jmes_closures`) call them, and so does generated code (`jmes_codegen`), by the names
`CODEGEN_HELPERS` gives them.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from numbers import Number
from typing import Any


def is_false(value: Any) -> bool:
    """JMESPath falsiness: null, false, and empty strings, lists and objects."""
    if value is None or value is False:
        return True
    return isinstance(value, (str, list, dict)) and not value


def is_number(value: Any) -> bool:
    kind = value.__class__
    if kind is int or kind is float:  # the usual values, told by their exact class: an
        return True                   # ABC's instance check cost a microsecond per `!`
    if kind is str or kind is bool or kind is dict or kind is list or value is None:
        return False
    return isinstance(value, Number) and not isinstance(value, bool)


def equals(left: Any, right: Any) -> bool:
    # jmespath treats 0/1 and false/true as different, unlike Python
    if is_number(left) and left in (0, 1):
        if isinstance(right, bool):
            return False
    elif is_number(right) and right in (0, 1) and isinstance(left, bool):
        return False
    return left == right


ORDERING = {"lt": operator.lt, "gt": operator.gt, "lte": operator.le, "gte": operator.ge}


def ordered(op: Callable[[Any, Any], bool], left: Any, right: Any) -> bool | None:
    if is_number(left) and is_number(right):
        return op(left, right)
    if isinstance(left, str) and isinstance(right, str):
        return op(left, right)
    return None


def _not(value: Any) -> bool:
    if is_number(value) and value == 0:
        return False  # jmespath: !0 is false
    return not value


CODEGEN_HELPERS = {"_equals": equals, "_ordered": ordered, "_ORDERING": ORDERING,
                   "is_false": is_false, "_not": _not, "_UNSET": object()}
