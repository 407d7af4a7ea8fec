"""`where` filters: the condition typed (a comparison of a field with a value of its
kind, a pattern, a list, `is null`), with the help a mistyped one needs; then its privacy
(`check/filter_privacy.py`)."""

from __future__ import annotations

import re

from ocpispec.language import syntax
from ocpispec.check import filter_privacy
from ocpispec.check.checked import CheckedFilter
from ocpispec.check.coded_values import coded_value
from ocpispec.check.day_bounds import day_bound
from ocpispec.check.context import Context, backticked, did_you_mean
from ocpispec.check.filters import parse_date
from ocpispec.check.hatch_paths import hatch_path
from ocpispec.check.scope import Scope
from ocpispec.check.types import Mode, Typer, Value
from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import Span
from ocpispec.schema.model import Field, Kind, is_decimal_text
from ocpispec.text import with_article
from ocpispec.lazy_pattern import lazy

_ORDERED = frozenset({Kind.NUMBER, Kind.INTEGER, Kind.DATETIME, Kind.STRING})
_NUMBERS = frozenset({Kind.NUMBER, Kind.INTEGER})
_TEXTS = frozenset({Kind.STRING, Kind.ENUM, Kind.URL})


def check_where(where: syntax.Where, scope: Scope, ctx: Context,
                rows: bool = False, source: syntax.From | None = None) -> CheckedFilter:
    """Type the condition, then its privacy: every field read, and how each is tested
    (`rows`: the dataset releases rows, not groups)."""
    typer = Typer(scope, ctx, Mode.FILTER)
    tests: list[filter_privacy.FilterTest] = []
    broken, errors = len(scope.broken_reads), ctx.error_count()
    _condition(where.condition, typer, ctx, tests)
    # a field the condition reads that is not known (OCX104) may be the personal one its
    # `because` is for: no OCX307 'needs no justification' until it is fixed
    return filter_privacy.check_filter(
        where, tests, ctx, rows, source,
        reads_broken=len(scope.broken_reads) > broken or ctx.error_count() > errors)


def _condition(condition: syntax.Condition, typer: Typer, ctx: Context,
               tests: list[filter_privacy.FilterTest]) -> None:
    match condition:
        case syntax.And(operands=operands) | syntax.Or(operands=operands):
            for operand in operands:
                _condition(operand, typer, ctx, tests)
        case syntax.Not(operand=operand):
            _condition(operand, typer, ctx, tests)
        case _:
            start = len(typer.uses)
            _predicate(condition, typer, ctx)
            tests += [filter_privacy.FilterTest(use, condition) for use in typer.uses[start:]]


def _predicate(condition: syntax.Condition, typer: Typer, ctx: Context) -> None:
    match condition:
        case syntax.Compare():
            _compare(condition, typer, ctx)
        case syntax.InList():
            value, field = _single(condition.value, typer, ctx), _field_of(condition.value, typer)
            for option in condition.options.items:
                _match(condition.value, value, option, "=", ctx, field, listed=True)
            if not condition.options.items:
                _empty_list(condition, ctx)
        case syntax.IsNull():
            typer.value(condition.value)
        case syntax.Matches():
            value = _single(condition.value, typer, ctx)
            if value.known and value.kind not in _TEXTS:
                ctx.emit(_mismatch(condition.value, value, "`matches` works on text", ctx,
                                   "compare it with `=`, `<` or `>` instead"))
            _check_pattern(condition.pattern, ctx)


def _empty_list(condition: syntax.InList, ctx: Context) -> None:
    keeps = "every record" if condition.negated else "no record"
    ctx.emit(error("OCX204", f"`{'not ' if condition.negated else ''}in []` keeps {keeps}",
                   condition.options.span, "an empty list",
                   notes=["a value is never one of no values"],
                   help="list the values to keep, e.g. `in [\"COMPLETED\"]`, or drop the "
                        "condition"))


# `*` and `?` are the only wildcards; brackets would be character classes elsewhere.
_NOT_IN_PATTERNS = "[]"


def _check_pattern(pattern: syntax.Text, ctx: Context) -> None:
    if "%" in pattern.value:  # SQL's LIKE: `%` matched itself, and no value holds one
        fixed = pattern.value.replace("%", "*")
        ctx.emit(error("OCX331", "`matches` writes SQL's `%` as `*`", pattern.span,
                       "`%` would match only itself",
                       notes=["`*` is any run of characters, `?` exactly one; every other "
                              "character, `%` and `_` too, matches itself"],
                       help=f'write `"{fixed}"`'))
        return
    found = sorted({ch for ch in pattern.value if ch in _NOT_IN_PATTERNS})
    if not found:
        return
    ctx.emit(error("OCX331", "`matches` knows only the wildcards `*` and `?`", pattern.span,
                   f"`{found[0]}` is not allowed in a pattern",
                   notes=["`*` is any run of characters, `?` exactly one; everything else "
                          "matches itself, and the whole value must match",
                          "character classes such as `[13579]` are not part of the language"],
                   help="list the values with `in [...]`, or combine patterns with `or`"))


def _single(expr: syntax.Expr, typer: Typer, ctx: Context,
            compare: syntax.Compare | None = None) -> Value:
    value = typer.value(expr)
    contains = _contains(compare, expr, hatch_path(expr, typer.scope, ctx)) \
        if value.many and value.kind is not Kind.OBJECT else None
    if contains is not None and compare is not None:
        ctx.emit(error("OCX204", f"`{expr.dotted}` is a list, and `{compare.op}` compares a "
                       "single value", compare.span, "whether the list holds the value",
                       notes=[f"{value.describe()}: a filter asks whether it holds a value "
                              "with JMESPath's `contains`"],
                       help=f"write `{contains}`"))
        return Value(None)
    if value.many or (value.kind is Kind.OBJECT and not value.geo):
        ctx.emit(_mismatch(expr, value, "a filter compares single values", ctx,
                           _field_compared(expr, value, compare, typer, ctx) or
                           "compare one of its fields, or use `jmespath(\"...\")` with a "
                           "filter expression"))
        return Value(None)
    return value


def _field_compared(expr: syntax.Expr, value: Value, compare: syntax.Compare | None,
                    typer: Typer, ctx: Context) -> str | None:
    """`total_cost > 0` (a 2.1.1 habit: a Price there is a number): the comparison
    written with the object's single fields (`total_cost.excl_vat > 0`)."""
    if value.many or value.object is None or not isinstance(expr, syntax.FieldRef) \
            or compare is None:
        return None
    resolved = typer.scope.fields.get(expr)
    names = [name for name, field in ctx.catalogue.object(value.object).fields.items()
             if not field.many and field.kind is not Kind.OBJECT
             and (ctx.version is None or resolved is None or ctx.version in
                  ctx.catalogue.versions_of(resolved.module,
                                            (*resolved.base, *resolved.path, name)))]
    if not names:
        return None
    other = compare.right if compare.left is expr else compare.left
    written = ctx.source.snippet(other.span)
    forms = [f"`{expr.dotted}.{name} {compare.op} {written}`" if compare.left is expr
             else f"`{written} {compare.op} {expr.dotted}.{name}`" for name in names]
    return "compare one of its fields: " + (forms[0] if len(forms) == 1 else
                                            ", ".join(forms[:-1]) + " or " + forms[-1])


def _contains(compare: syntax.Compare | None, expr: syntax.Expr,
              path: str | None = None) -> str | None:
    """`location.facilities = "SUPERMARKET"`: the test whether the list holds the value,
    written in the escape hatch (`|| []`: a record without the list holds nothing)."""
    if compare is None or compare.op not in ("=", "!=") or not isinstance(expr, syntax.FieldRef):
        return None
    other = compare.right if compare.left is expr else compare.left
    if not (isinstance(other, syntax.Literal) and isinstance(other.value, str)) \
            or other.kind != "string" or re.search(r"['\"\\`]", other.value):
        return None
    truth = "true" if compare.op == "=" else "false"
    listed = path or expr.dotted  # `evses[].parking_restrictions[]`: one flat list
    return (f'jmespath("contains({listed} || `[]`, \'{other.value}\')") = {truth}')


def _compare(compare: syntax.Compare, typer: Typer, ctx: Context) -> None:
    left = _single(compare.left, typer, ctx, compare)
    right = _single(compare.right, typer, ctx, compare)
    if isinstance(compare.right, syntax.Literal):
        _match(compare.left, left, compare.right, compare.op, ctx,
               _field_of(compare.left, typer))
    elif isinstance(compare.left, syntax.Literal):
        _match(compare.right, right, compare.left, compare.op, ctx,
               _field_of(compare.right, typer))
    elif left.known and right.known and _family(left) != _family(right):
        reason = f"it is compared with {with_article(left.describe())}"
        ctx.emit(_date_as_arithmetic(compare.right, right, reason, ctx, left)
                 or _date_as_arithmetic(compare.left, left, f"it is compared with "
                                        f"{with_article(right.describe())}", ctx, right)
                 or _mismatch(compare.right, right, reason, ctx,
                              "compare values of the same kind"))


def _date_as_arithmetic(expr: syntax.Expr, value: Value, reason: str, ctx: Context,
                        other: Value) -> Diagnostic | None:
    """`start_date_time >= 01-06-2025`: a date as Europe (or the US) writes it parses as
    the arithmetic 1 - 6 - 2025; the help writes the ISO date a window's help writes."""
    from ocpispec.language.parse_values import other_date_form  # an error's help only

    if other.kind is not Kind.DATETIME or isinstance(expr, syntax.Literal):
        return None
    found = other_date_form(ctx.source.text, expr.span.start) \
        or year_month(ctx.source.text, expr.span.start)
    if found is None or found[0].end() != expr.span.end:
        return None
    written, iso = found[0].group(), found[1]
    return error("OCX204", f"`{written}` reads as arithmetic ({with_article(value.describe())}"
                 f"), not as a date, but {reason}", expr.span,
                 "not an ISO date", notes=["dates are year-month-day with two-digit months "
                                           "and days, written without quotes; a UTC time "
                                           "follows as `T06:00:00Z`"],
                 help=f"write `{iso}`")


def _null_compared(expr: syntax.Expr, literal: syntax.Literal, op: str) -> Diagnostic:
    """`end_date_time = null`: the help writes the test for a missing value, and the
    caret covers the whole comparison it replaces."""
    test = {"=": "is null", "!=": "is not null"}.get(op)
    if test is None or not isinstance(expr, syntax.FieldRef):
        return error("OCX204", "`null` cannot be compared with `=` or `<`", literal.span,
                     "a comparison with null is never true",
                     help="write `is null` or `is not null`")
    span = Span(min(expr.span.start, literal.span.start), max(expr.span.end, literal.span.end))
    return error("OCX204", "`null` cannot be compared with `=` or `<`", span,
                 "a comparison with null is never true",
                 help=f"write `{'.'.join(expr.path)} {test}`")


def _field_of(expr: syntax.Expr, typer: Typer) -> Field | None:
    """The catalogue field a plain field reference reads (None for anything else)."""
    resolved = typer.scope.fields.get(expr) if isinstance(expr, syntax.FieldRef) else None
    return resolved.field if resolved is not None else None


def _match(expr: syntax.Expr, value: Value, literal: syntax.Literal, op: str,
           ctx: Context, field: Field | None = None, *, listed: bool = False) -> None:
    """A field (or expression) against a literal: kinds, enum values, ordering."""
    if literal.kind == "null":
        ctx.emit(_null_compared(expr, literal, op))
        return
    if literal.kind == "date" and parse_date(literal, ctx) is None:
        return
    if literal.kind == "date" and value.kind is Kind.DATETIME \
            and (bound := day_bound(expr, literal, op, ctx)) is not None:
        ctx.emit(bound)
    if not value.known:
        return
    if field is not None and is_decimal_text(field) and not listed:
        _decimal_text(expr, literal, op, ctx)
        return
    if op not in ("=", "!=") and value.kind not in _ORDERED:
        ctx.emit(_mismatch(expr, value, f"`{op}` needs numbers, timestamps or text", ctx,
                           "use `=`, `!=` or `in [...]`"))
    elif _family(value) != _literal_family(literal):
        ctx.emit(_mismatch(literal, _literal_value(literal), f"it is compared with "
                           f"{with_article(value.describe())}", ctx,
                           _unquoted(literal, value) or _literal_help(value)))
    elif value.kind is Kind.ENUM and value.enum:
        _enum(value.enum, literal, "in" if listed else op, ctx,
              expr.path if isinstance(expr, syntax.FieldRef) else ())
    elif op in ("=", "!=") and isinstance(expr, syntax.Call) \
            and expr.name.name in ("weekday", "hour_of_day"):
        from ocpispec.check.function_values import never_given

        if (given := never_given(expr, literal)) is not None:
            ctx.emit(given)
    elif field is not None and op in ("=", "!=") \
            and (coded := coded_value(field, literal)) is not None:
        ctx.emit(coded)


def _decimal_text(expr: syntax.Expr, literal: syntax.Literal, op: str, ctx: Context) -> None:
    """A latitude or longitude, decimal text in OCPI, is compared as a number: with a
    number as written (`coordinates.longitude > 5`, lowered with `to_number`); a quoted
    one compared by order (`> "5"`) would compare characters and drop `"10.5"`."""
    if literal.kind == "number" or literal.kind == "string" and op in ("=", "!="):
        return
    if literal.kind != "string":
        ctx.emit(_mismatch(literal, _literal_value(literal), f"`{expr.dotted}` is compared "
                           "as a number", ctx, "compare it with a number, e.g. `> 52.0`"))
        return
    try:
        number = float(str(literal.value))
    except ValueError:
        number = None
    shown = literal.value if number is not None else "52.0"
    first = literal.span.start < expr.span.start  # `"5" < coordinates.longitude`
    written = f"{shown} {op} {expr.dotted}" if first else f"{expr.dotted} {op} {shown}"
    span = Span(min(expr.span.start, literal.span.start), max(expr.span.end, literal.span.end))
    ctx.emit(error("OCX204", f"`{expr.dotted}` is a number written as text: `{op}` would "
                   "compare characters", span, "compared as text",
                   notes=['OCPI writes a coordinate as decimal text; as text `"10.5"` comes '
                          'before `"5"` and `"-1.5"` after `"-1"`, so sites would be '
                          "dropped or kept by their digits"],
                   help=f"compare it as a number, without quotes: `{written}`"))


def _enum(enum: str, literal: syntax.Literal, op: str, ctx: Context,
          path: tuple[str, ...] = ()) -> None:
    from ocpispec.check.enum_habits import enum_family, enum_meant, enum_sibling

    values = ctx.catalogue.enum_values(ctx.version, enum)
    if not values or literal.value in values:
        return
    notes = [f"`{enum}` values are {backticked(values)}"]
    guess = did_you_mean(str(literal.value), values)
    help = f'did you mean `"{guess}"`?' if guess else "compare with one of the values above"
    if (meant := enum_meant(enum, str(literal.value), values)) is not None:
        help, notes = f'write `"{meant[0]}"`', [meant[1], *notes]
    elif guess is None and (other := enum_sibling(path, str(literal.value), lambda name: (
            ctx.catalogue.enum_values(ctx.version, name)))) is not None:
        help, notes = other[0], [other[1], *notes]
    elif family := enum_family(enum, str(literal.value), values):
        pattern = f'{str(literal.value).strip().upper()}*'
        notes = [f"`{literal.value}` stands for {backticked(family)}", *notes]
        listed = ", ".join(f'"{value}"' for value in family)
        help = {"=": f'for all of them, write `matches "{pattern}"` in place of `= '
                     f'"{literal.value}"`', "in": f"write `{listed}`"}.get(
            op, "compare with the values above")
    ctx.emit(error("OCX205", f"`{literal.value}` is not {with_article(f'`{enum}`')} value",
                   literal.span,
                   "never matches", notes=notes, help=help))


def _family(value: Value) -> str:
    if value.kind in _NUMBERS:
        return "number"
    if value.kind in _TEXTS:
        return "text"
    return value.kind.value if value.kind else "unknown"


def _literal_family(literal: syntax.Literal) -> str:
    return {"number": "number", "string": "text", "date": "datetime",
            "boolean": "boolean"}.get(literal.kind, "unknown")


def _literal_value(literal: syntax.Literal) -> Value:
    from ocpispec.check.values import literal_value

    return literal_value(literal)


_QUOTED_TIME = lazy(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?)?"
                    r"(?:Z|[+-]00:?00)?")
_QUOTED_NUMBER = lazy(r"-?\d+(?:\.\d+)?")


def _unquoted(literal: syntax.Literal, value: Value) -> str | None:
    """`start_date_time >= "2025-01-01T00:00:00Z"`, `hour_of_day(t) >= "18"`, `free =
    "true"`: the user's own value written as the kind the field holds."""
    if literal.kind != "string" or not isinstance(literal.value, str):
        return None
    text = literal.value.strip()
    match value.kind:
        case Kind.DATETIME if _QUOTED_TIME.fullmatch(text):
            if len(text) == 10:
                return f"write `{text}` (no quotes)"
            fixed = text.replace(" ", "T")
            fixed = re.sub(r"(?:[+-]00:?00)$", "Z", fixed)
            fixed = fixed if fixed.endswith("Z") else fixed + "Z"
            fixed = fixed if fixed.count(":") == 2 else fixed.replace("Z", ":00Z")
            return f"write `{fixed}` (no quotes: a time in UTC)"
        case Kind.DATETIME if (other := _other_date(text)) is not None:
            return f"write `{other}` (no quotes)"  # `"01/03/2026"`, `"2026-03"`
        case Kind.NUMBER | Kind.INTEGER if _QUOTED_NUMBER.fullmatch(text):
            return f"write `{text}` (no quotes)"
        case Kind.BOOLEAN if text.lower() in ("true", "false"):
            return f"write `{text.lower()}` (no quotes)"
    return None


def _other_date(text: str) -> str | None:
    """`01/03/2026` -> `2026-03-01` (day first, as Europe writes it), `2026-03` -> the
    first of the month."""
    from ocpispec.language.parse_values import other_date_form  # an error's help only

    found = other_date_form(text, 0) or year_month(text, 0)
    return found[1] if found is not None and found[0].end() == len(text) else None


def year_month(text: str, start: int) -> tuple[re.Match, str] | None:
    """`2026-03` at `start`, and the first day of that month."""
    found = re.compile(r"(\d{4})-(\d{2})(?![\d-])").match(text, start)
    if found is None or not 1 <= int(found.group(2)) <= 12:
        return None
    return found, f"{found.group(1)}-{found.group(2)}-01"


def _literal_help(value: Value) -> str:
    match value.kind:
        case Kind.DATETIME:
            return "write a date without quotes, e.g. `2026-01-31` or `2026-01-31T06:00:00Z`"
        case Kind.BOOLEAN:
            return "write `true` or `false` without quotes"
        case Kind.NUMBER | Kind.INTEGER:
            return "write a number without quotes"
    return 'write the value in quotes, e.g. `"COMPLETED"`'


def _mismatch(expr: syntax.Expr, value: Value, reason: str, ctx: Context,
              help: str) -> Diagnostic:
    shown = f"`{expr.dotted}`" if isinstance(expr, syntax.FieldRef) else "this"
    return error("OCX204", f"{shown} is {with_article(value.describe())}, but {reason}",
                 expr.span, value.describe(), help=help)
