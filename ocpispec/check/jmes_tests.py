"""Whether a `jmespath(...)` expression tests a value: a comparison, `&&`, `||`, `!` or
a filter `[?...]`. Its answer per record then says which side of the test the record
lies on: summed (`check/selecting_measures.py`) it counts the records the test keeps,
pseudonymised (`check/floors/`) it is one pseudonym for the records that pass.
An element of the record's own list picked by its kind (`dimensions[?type ==
'PARKING_TIME']`) is no such test: every record has one.
"""

from __future__ import annotations

from ocpispec.language import syntax

# JMESPath nodes that test a value: a comparison, `&&`, `||`, `!`, a filter `[?...]`
_TESTS = frozenset({"comparator", "and_expression", "or_expression", "not_expression",
                    "filter_projection"})


def tests(hatch: syntax.Call) -> bool:
    tree = _parsed(hatch)
    return tree is not None and _has_test(tree)


def defaulted_field(hatch: syntax.Call) -> bool:
    """`jmespath("total_parking_time || `0`")`: a field read as it is, or a number
    where the record lacks it. Its value is the field's own, so a `round` or `bucket`
    around it coarsens it as it coarsens the field (`check/floors/`)."""
    tree = _parsed(hatch)
    if tree is None:
        return False
    match tree.get("type"), tree.get("children", ()):
        case "or_expression", (path, {"type": "literal", "value": int() | float() as value}):
            return not isinstance(value, bool) and _plain_path(path)
    return False


def _parsed(hatch: syntax.Call) -> dict | None:
    """The parse tree of the hatch's expression; None for one not written as a text, or
    not JMESPath (reported by the hatch's own check)."""
    import jmespath
    from jmespath.exceptions import JMESPathError

    literal = hatch.args[0] if hatch.args else None
    if not isinstance(literal, syntax.Literal) or not isinstance(literal.value, str):
        return None
    try:
        return jmespath.compile(literal.value).parsed
    except JMESPathError:
        return None


def _plain_path(node: dict) -> bool:
    """`a` or `a.b.c`: fields, no index, projection or function."""
    match node.get("type"), node.get("children", ()):
        case "field", _:
            return True
        case "subexpression", children:
            return all(_plain_path(child) for child in children)
    return False


def _has_test(node: object) -> bool:
    if not isinstance(node, dict):
        return False
    children = node.get("children", ())
    if node.get("type") == "filter_projection" and len(children) == 3 and \
            _picks_a_kind(children[2]):
        # `dimensions[?type=='PARKING_TIME']`: an element of the record's own list
        # picked by its kind, the same in every record
        return _has_test(children[0]) or _has_test(children[1])
    if _zero_default(node):
        return _has_test(children[0])
    return node.get("type") in _TESTS or any(_has_test(child) for child in children)


def _zero_default(node: dict) -> bool:
    """`total_parking_time || `0``: 0 for a record without the value, which OCPI
    leaves out of a CDR without parking. A sum is the same without it, and an average
    counts such a record as 0 instead of skipping it: no record is picked out."""
    match node.get("type"), node.get("children", ()):
        case "or_expression", (_, {"type": "literal", "value": int() | float() as value}):
            return value == 0 and not isinstance(value, bool)
    return False


def _picks_a_kind(condition: dict) -> bool:
    """`type == 'ENERGY'`, or several such joined by `||`: an enumerated field of the
    element against one of OCPI's upper-case values."""
    match condition.get("type"), condition.get("children", ()):
        case "or_expression", (left, right):
            return _picks_a_kind(left) and _picks_a_kind(right)
        case "comparator", ({"type": "field", "value": str() as name},
                            {"type": "literal", "value": str() as value}):
            return condition.get("value") == "eq" and name in _enum_fields() and \
                value.isupper() and value.replace("_", "").isalnum()
    return False


def _enum_fields() -> frozenset[str]:
    """The names of the catalogue's enumerated fields (a dimension's `type`, an
    environmental impact's `category`, an energy source's `source`...)."""
    from ocpispec.schema import catalogue
    from ocpispec.schema.model import Kind

    found = catalogue()
    return found.cached("enumerated field names", lambda: frozenset(
        field.name for kind in found.neutral.objects.values()
        for field in kind.fields.values() if field.kind is Kind.ENUM))
