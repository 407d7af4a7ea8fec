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
"""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.language import syntax
from ocpispec.check.context import Context
from ocpispec.check.floors import assess
from ocpispec.check.values import Use
from ocpispec.diagnostics import warning

SUMMING = frozenset({"sum", "avg"})
# a per-record cut this many floors wide or wider picks records out rather than rounding
COARSEST_CUT = 10.0
# JMESPath nodes that test a value: a comparison, `&&`, `||`, `!`, a filter `[?...]`
_TESTS = frozenset({"comparator", "and_expression", "or_expression", "not_expression",
                    "filter_projection"})


def check_selecting(call: syntax.Call, uses: Sequence[Use], ctx: Context) -> None:
    if call.name.name not in SUMMING or call.distinct:
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
        blind = assess(use).blind
        if blind is not None:
            ctx.emit(_warning(call, call.args[0].span, f"{blind}, per record"))
            return
        step = _cut(use)
        if step is not None:
            ctx.emit(_warning(call, call.args[0].span,
                              f"cuts each record's `{use.field.qualified}` into cells {step:g} times its floor"))
            return


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


def _tests(hatch: syntax.Call) -> bool:
    import jmespath
    from jmespath.exceptions import JMESPathError

    literal = hatch.args[0] if hatch.args else None
    if not isinstance(literal, syntax.Literal) or not isinstance(literal.value, str):
        return False
    try:
        tree = jmespath.compile(literal.value).parsed
    except JMESPathError:
        return False  # reported by the hatch's own check
    return _has_test(tree)


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
    """`total_parking_time || \`0\``: 0 for a record without the value, which OCPI
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


def _cut(use: Use) -> float | None:
    """How many floors wide a per-record cut of at least `COARSEST_CUT` floors is, or
    None. Known from the cut's scale alone: a value added to the field (`kwh * 0`)
    shifts the cells, it does not narrow them."""
    coarseness = assess(use).coarseness
    return coarseness if coarseness is not None and \
        coarseness > COARSEST_CUT * (1 + 1e-9) else None


def _warning(call: syntax.Call, span, label: str):
    name = call.name.name
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
