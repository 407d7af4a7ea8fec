"""The field paths a `where` condition reads, from its JMESPath expression.

The plan keeps a filter as one JMESPath boolean (`ir.Filter.expression`) and lists
only the non-public fields it reads; the run needs them all to say which ones the
platform's OCPI version lacks (`dataset_findings.absent_fields`). A path is a chain
of fields from the record (`cdr_token.type`); inside a projection or a filter
projection the element's fields continue the list's path (`charging_periods[?tariff_id
!= null]` reads `charging_periods.tariff_id`). Anything else (a literal, an index, a
function's result) names no field.
"""

from __future__ import annotations

from typing import Any

Path = tuple[str, ...]


def filter_paths(expression: str) -> tuple[Path, ...]:
    """Every field path `expression` reads, in order, each once; () when it does not parse."""
    from jmespath.exceptions import JMESPathError
    from jmespath.parser import Parser

    try:
        tree = Parser().parse(expression).parsed
    except JMESPathError:
        return ()
    found: list[Path] = []
    _read(_value(tree, (), found), found)
    return tuple(dict.fromkeys(path for path in found if path))


def _read(path: Path | None, found: list[Path]) -> None:
    if path is not None:
        found.append(path)


def _value(node: dict[str, Any], base: Path | None, found: list[Path]) -> Path | None:
    """The path of the value `node` gives at `base` (None: not a field of the record),
    adding the paths its parts read as values to `found`."""
    kind, children = node.get("type"), node.get("children", [])
    match kind:
        case "field":
            return None if base is None else (*base, str(node.get("value")))
        case "current" | "identity":
            return base
        case "subexpression" | "pipe":
            return _value(children[1], _value(children[0], base, found), found)
        case "index_expression" | "flatten":
            return _value(children[0], base, found)
        case "projection":
            return _value(children[1], _value(children[0], base, found), found)
        case "filter_projection":
            items = _value(children[0], base, found)
            _read(_value(children[2], items, found), found)
            return _value(children[1], items, found)
        case "index" | "slice" | "literal":
            return None
    for child in children:      # comparators, and/or/not, functions, multi-selects
        _read(_value(child, base, found), found)
    return None
