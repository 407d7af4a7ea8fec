"""A released column in words, for the consumer: what the source field is (from the
catalogue) and what the spec did to it (from the transformation), e.g. "when the
session started (reset when a pending session becomes active); cut to the hour, UTC".

Typed outputs carry it: the Parquet column metadata and the data package's field
descriptions."""

from __future__ import annotations

from ocpispec import series
from ocpispec.language import syntax
from ocpispec.check.checked import CheckedColumn
from ocpispec.language.functions import ALIASES, lookup


def describe(checked: CheckedColumn, scope: str = "export") -> str:
    """`scope`: the header's pseudonym scope, which says how long equal ids give equal
    pseudonyms (a consumer studying repeat visits must know where the links end)."""
    expr = checked.column.expr
    what = _sources(checked)
    if isinstance(expr, (syntax.Call, syntax.BinaryOp)):
        how = _transformation(expr).replace(_LINKED, _linked(scope))
        return f"{what}; {how}" if what and how else how or what
    if isinstance(expr, syntax.FieldRef):
        local = any(series.in_local_time(source.field) for source in checked.sources)
        return what + ("; UTC" if checked.kind is not None and
                       checked.kind.value == "datetime" and not local else "")
    return what or "a value computed by the spec"


def _sources(checked: CheckedColumn) -> str:
    docs = []
    for source in checked.sources:
        doc = source.field.doc or source.qualified
        docs.append(doc if not source.binding else f"{source.binding}: {doc}")
    return " / ".join(dict.fromkeys(docs))


def _transformation(expr: syntax.Call | syntax.BinaryOp) -> str:
    """What the expression does, inner steps first: `round(minutes(a, b))` is "minutes
    from the first timestamp to the second, rounded to a whole number";
    `round(max_electric_power / 1000, 0)` is "divided by 1000, rounded to a whole
    number". A count of different values says so, whatever it counts."""
    if isinstance(expr, syntax.BinaryOp):
        return _arithmetic(expr)
    if _counts_distinct(expr):
        return _step(expr)
    inner = next((arg for arg in expr.args
                  if isinstance(arg, (syntax.Call, syntax.BinaryOp))), None)
    outer = _step(expr)
    return f"{_transformation(inner)}, {outer}" if inner is not None else outer


_OPERATORS = {"+": "plus", "-": "minus", "*": "times", "/": "divided by"}


def _arithmetic(expr: syntax.BinaryOp) -> str:
    """`kwh * 1000` is "times 1000"; `kwh / hours(a, b)` is "divided by (hours from
    the first timestamp to the second)"; a constant on the left is named too."""
    operator = _OPERATORS[expr.op]
    right = _operand(expr.right)
    match expr.left:
        case syntax.Call() | syntax.BinaryOp():
            return f"{_transformation(expr.left)}, {operator} {right}"
        case syntax.FieldRef():
            return f"{operator} {right}"
    return f"{_operand(expr.left)} {operator} {right}"


def _operand(expr: syntax.Expr) -> str:
    if isinstance(expr, (syntax.Call, syntax.BinaryOp)):
        return f"({_transformation(expr)})"
    return _literal(expr) or "a value"


def _counts_distinct(call: syntax.Call) -> bool:
    return call.distinct and ALIASES.get(call.name.name, call.name.name) == "count"


_LINKED = "equal ids give equal pseudonyms within this export"


def _linked(scope: str) -> str:
    match scope.partition(" in ")[0]:
        case "export":
            return _LINKED
        case "per run":
            return "equal ids give equal pseudonyms within this delivery only"
    period = scope.partition(" in ")[0].removeprefix("per ")
    return (f"equal ids give equal pseudonyms within one {period} of the record's time "
            f"only: the same id has another pseudonym in the next {period}")


def _zone(args: list, index: int) -> str:
    """The time zone a time function works in: UTC unless a zone is given."""
    return f"{args[index]} time" if len(args) > index and args[index] else "UTC"


def _step(call: syntax.Call) -> str:
    name = ALIASES.get(call.name.name, call.name.name)
    args = [_literal(arg) for arg in call.args]
    match name:
        case "pseudonymize":
            return ("keyed pseudonym (HMAC-SHA-256, first 128 bits as 32 lowercase hex "
                    f"characters); {_LINKED}")
        case "truncate":
            return f"cut to the {(args[1] or 'unit').replace('_', ' ')}, {_zone(args, 2)}"
        case "round":
            digits = args[1] if len(args) > 1 else "0"
            if digits in ("0", None):
                return "rounded to a whole number"
            if digits.startswith("-") and digits[1:].isdigit():  # round(x, -2): to hundreds
                return f"rounded to the nearest {10 ** int(digits[1:]):,}"
            return f"rounded to {digits} decimal{'s' if digits != '1' else ''}"
        case "bucket":
            return f"the range it falls in, with bounds {args[1]}{_bands(call.args[1:])}"
        case "prefix":
            return f"the first {args[1]} characters"
        case "round_coords":
            return f"latitude and longitude rounded to {args[1]} decimals"
        case "grid":
            return f"the centre of its grid cell of {args[1]} degrees"
        case "minutes" | "hours":
            return f"{name} from the first timestamp to the second"
        case "count" if call.distinct:
            pseudonymised = bool(call.args) and isinstance(call.args[0], syntax.Call) and \
                ALIASES.get(call.args[0].name.name, call.args[0].name.name) == "pseudonymize"
            return "number of different values in the group" + (
                ", counted by keyed pseudonym" if pseudonymised else "")
        case "count":
            return "number of records in the group"
        case "percentile" if len(args) > 1 and args[1] is not None:
            return f"value below which a share of {args[1]} of the group lies"
        case "jmespath":
            return "computed by a JMESPath expression over the record"
        case "keep":
            return "as the platform sent it"
        case "constant":
            return f"the fixed value {args[0]}" if args and args[0] is not None else \
                "a fixed value"
        case "weekday":
            return f"day of the week (`monday` ... `sunday`), {_zone(args, 1)}"
        case "hour_of_day":
            return f"hour of the day (0-23), {_zone(args, 1)}"
        case "sum" | "avg" | "min" | "max":
            return {"sum": "sum", "avg": "mean", "min": "smallest value",
                    "max": "largest value"}[name] + " over the group"
    function = lookup(name)
    return function.summary if function is not None else ""


def _bands(edges: list[syntax.Expr]) -> str:
    """Which band a value on a bound is in, as the labels do not say: `10` is in
    `10-20`, not `5-10`."""
    match edges:
        case [syntax.ListLiteral(items=[syntax.Literal() as first, *_, syntax.Literal() as last])]:
            low, high = _bound(first.value), _bound(last.value)
            return (f": `a-b` from a up to but not including b, `<{low}` below {low}, "
                    f"`{high}+` {high} and above")
    return ""


def _bound(value: object) -> str:
    """A bound as its label writes it (`5`, not `5.0`)."""
    number = float(value)  # type: ignore[arg-type]
    return str(int(number)) if number.is_integer() else repr(number)


def _literal(expr: syntax.Expr) -> str | None:
    match expr:
        case syntax.Literal(value=value):
            return str(value)
        case syntax.FieldRef():
            return expr.dotted
        case syntax.ListLiteral(items=items):
            return "[" + ", ".join(str(item.value) for item in items) + "]"
    return None
