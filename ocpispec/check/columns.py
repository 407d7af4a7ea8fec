"""Released columns: types, names, aggregate placement and privacy, into CheckedColumns."""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.language import syntax
from ocpispec.check.checked import CheckedColumn, ResolvedField
from ocpispec.check.unit_names import check_unit_name
from ocpispec.check import measures, privacy, series
from ocpispec.check.context import Context
from ocpispec.check.filters import parse_date
from ocpispec.check.grids import check_combined
from ocpispec.check.list_columns import scalar
from ocpispec.check.habits import column_habits
from ocpispec.check.positional_keys import without_positions
from ocpispec.check.time_pins import check_time_pins
from ocpispec.check.scope import Scope
from ocpispec.check.types import Mode, Typer, Use, Value
from ocpispec.diagnostics import Diagnostic, Label, Severity, error
from ocpispec.language.functions import Effect, lookup
from ocpispec.schema.model import Kind, PrivacyClass


def check_body(body: syntax.Select | syntax.Aggregate, scope: Scope,
               ctx: Context) -> list[CheckedColumn]:
    released: list[tuple[syntax.Column, str, list[Use]]] = []
    match body:
        case syntax.Select(columns=columns):
            columns = _without_habits(columns, scope, ctx)
            checked = [_column(c, Mode.SELECT, scope, ctx, released) for c in columns]
        case syntax.Aggregate(keys=keys, measures=measures):
            keys, measures = _without_habits(keys, scope, ctx), _without_habits(measures, scope, ctx)
            keys = without_positions(keys, scope.module, ctx)
            checked = [_column(c, Mode.KEY, scope, ctx, released) for c in keys]
            checked += [_column(c, Mode.MEASURE, scope, ctx) for c in measures]
    found = [c for c in checked if c is not None]
    _check_duplicates(found, ctx)
    check_combined(released, ctx)
    if isinstance(body, syntax.Select):
        check_time_pins(released, ctx)
    ctx.released[id(body)] = released
    return found


def _without_habits(columns: Sequence[syntax.Column], scope: Scope,
                    ctx: Context) -> list[syntax.Column]:
    """The columns left after reporting SQL words and names written without `as`."""
    def known(ref: syntax.FieldRef) -> bool:
        return (ref.path[0] in {binding.name for binding in scope.bindings}
                or ctx.catalogue.resolve(scope.module, ref.path).ok)

    flagged = column_habits(columns, ctx.source, known)
    for _, diagnostic in flagged:
        if diagnostic is not None:
            ctx.emit(diagnostic)
    dropped = {id(column) for column, _ in flagged}
    return [column for column in columns if id(column) not in dropped]


def _column(column: syntax.Column, mode: Mode, scope: Scope, ctx: Context,
            released: list | None = None) -> CheckedColumn | None:
    """Check one column; a released row value or group key joins `released` for the
    check of generalisations that combine."""
    errors = ctx.error_count()
    typer = Typer(scope, ctx, mode)
    value = typer.value(column.expr)
    _check_dates(column.expr, ctx)
    name = _name(column, ctx)
    if mode is Mode.MEASURE and ctx.error_count() == errors:  # `count as n`: one error
        _check_measure(column, value, typer.uses, typer.calls, ctx,
                       facts=_driverless(scope, typer.uses))
    if ctx.error_count() > errors or _reads_broken(column, scope) \
            or not scalar(column, value, scope, ctx) or name is None:
        return None  # one error per root cause: no privacy findings on a broken column
    part = series.spread_part(column, scope) if mode is Mode.SELECT else None
    if part is not None and column.justification is None:
        series.spread_part_released(part, scope, ctx)
    privacy.check_column(column, name, typer.uses, ctx, group_key=mode is Mode.KEY,
                         needs_allowance=part is not None)
    check_unit_name(column, name, ctx)
    if released is not None:
        released.append((column, name, typer.uses))
    return _checked(column, name, mode, value, typer.uses, ctx)


def _reads_broken(column: syntax.Column, scope: Scope) -> bool:
    """A column reading a `spread`, `each` or join alias whose clause has its error
    already, also inside `jmespath("...")`: it reads nothing checkable (its `because`
    is not "unneeded")."""
    span = column.expr.span
    return any(len(ref.path) >= 1 and ref.path[0] in scope.broken
               and ref.path not in scope.derived for ref in syntax.field_refs(column.expr)) \
        or any(span.start <= read.start and read.end <= span.end for read in scope.broken_reads)


def _name(column: syntax.Column, ctx: Context) -> str | None:
    if column.alias is not None:
        return column.alias.name
    if isinstance(column.expr, syntax.FieldRef):
        return column.expr.path[-1]
    ctx.emit(error("OCX208", "this column needs a name", column.expr.span, "unnamed column",
                   notes=["only a plain field such as `kwh` is named after itself"],
                   help=f"add `as NAME` after it, e.g. `... as {_suggest_name(column.expr)}`"))
    return None


def _suggest_name(expr: syntax.Expr) -> str:
    match expr:
        case syntax.Call(name=name, args=(syntax.FieldRef(path=path), *_)):
            return f"{path[-1]}_{name.name}" if name.name != "pseudonymize" else path[-1]
        case syntax.Call(name=name):
            return name.name
    return "value"


def _driverless(scope: Scope, uses: Sequence[Use]) -> bool:
    """A measure of a locations or tariffs dataset that reads public fields only: the
    share of EVSEs charging, connectors of 50 kW and more. Nobody's charging is in it."""
    return scope.module in ("locations", "tariffs") and \
        all((use.field.contents if use.whole and use.field.contents else use.field.privacy)
            is PrivacyClass.PUBLIC for use in uses)


def _check_measure(column: syntax.Column, value: Value, uses: Sequence[Use], calls,
                   ctx: Context, *, facts: bool = False) -> None:
    if not any(_is_aggregate(call) for call in calls):
        ctx.emit(error("OCX210", "a `compute` column must aggregate", column.expr.span,
                       "not an aggregate",
                       notes=["`compute` summarises each group: `count()`, `sum`, `avg`, "
                              "`min`, `max`, `median`, `percentile` or `count(distinct ...)`"],
                       help=_aggregate_help(column, value, uses, ctx)))
        return
    outside = False
    for use in uses:
        if not any(isinstance(node, syntax.Call) and _is_aggregate(node) for node in use.around):
            outside = True
            ctx.emit(error("OCX210", f"`{use.field.qualified}` is used outside an aggregate",
                           use.field.ref.span, "one value per record, not per group",
                           help=f"wrap it in an aggregate such as `avg({use.field.qualified})`, "
                                "or group by it"))
    if not outside:
        measures.check_shape(column.expr, uses, ctx, facts=facts)


def _aggregate_help(column: syntax.Column, value: Value, uses: Sequence[Use],
                    ctx: Context) -> str:
    """`kwh as value` under `compute`: the column written with the aggregate its kind
    takes, under the name it has (a number is summed or averaged; anything else is
    counted, or is a group key)."""
    written = ctx.source.snippet(column.expr.span) if ctx.source is not None else None
    if not written or "\n" in written:
        return "wrap it in an aggregate, e.g. `sum(kwh) as energy_kwh`, or move it to `group by`"
    named = f" as {column.alias.name}" if column.alias is not None else \
        f" as {_suggest_name(column.expr)}" if not isinstance(column.expr, syntax.FieldRef) \
        else f" as {column.expr.path[-1]}"
    if value.kind in (Kind.NUMBER, Kind.INTEGER):
        return (f"write `sum({written}){named}` (the group's total), `avg({written}){named}` "
                f"or `median({written}){named}`; or move it to `group by`")
    if value.kind is Kind.DATETIME:
        return (f"move it to `group by` (e.g. `truncate({written}, day)`), or count the "
                f"records: `count(){named}`")
    personal = any(use.field.field.privacy is PrivacyClass.PERSONAL for use in uses)
    counted = f"pseudonymize({written})" if personal else written  # raw: OCX227
    return (f"move it to `group by` to make a row per value, or write "
            f"`count(distinct {counted}){named}` for the number of different values")


def _check_dates(expr: syntax.Expr, ctx: Context) -> None:
    """A date literal anywhere in a column is a real calendar date (as in filters)."""
    match expr:
        case syntax.Literal(kind="date"):
            parse_date(expr, ctx)
        case syntax.BinaryOp(left=left, right=right):
            _check_dates(left, ctx)
            _check_dates(right, ctx)
        case syntax.Call(args=args):
            for argument in args:
                _check_dates(argument, ctx)
        case syntax.ListLiteral(items=items):
            for item in items:
                _check_dates(item, ctx)


def _is_aggregate(call: syntax.Call) -> bool:
    function = lookup(call.name.name)
    return function is not None and function.aggregate


def _check_duplicates(columns: Sequence[CheckedColumn], ctx: Context) -> None:
    """Names must differ in more than case: DuckDB, SQLite, most databases, R's
    `janitor` and Excel's Power Query read `Name` and `name` as one column."""
    seen: dict[str, CheckedColumn] = {}
    for column in columns:
        first = seen.setdefault(column.name.casefold(), column)
        if first is column:
            continue
        ctx.emit(_duplicate(column, first))


def _duplicate(column: CheckedColumn, first: CheckedColumn) -> Diagnostic:
    labels = (Label(_name_span(column.column), "second column with this name"),
              Label(_name_span(first.column), "first column with this name", False))
    notes = ["column names become CSV headers and JSON keys; they must be unique"]
    if column.name == first.name:
        message = f"two columns are named `{column.name}`"
    else:
        message = (f"two columns are named `{first.name}` and `{column.name}`, "
                   "which differ only in case")
        notes.append("DuckDB, SQLite and most databases read column names without "
                     "case, so they would load these as one column or refuse the file")
    return Diagnostic("OCX207", Severity.ERROR, message, labels, notes=notes,
                      help=f"rename one with `as`, e.g. `as {column.name}_2`")


def _name_span(column: syntax.Column):
    return column.alias.span if column.alias is not None else column.expr.span


def _checked(column: syntax.Column, name: str, mode: Mode, value: Value,
             uses: Sequence[Use], ctx: Context) -> CheckedColumn:
    sources = _unique(use.field for use in uses)
    classes = [privacy.exposure(use, ctx) for use in uses]
    level = PrivacyClass.highest(classes)
    effect = outer_effect(column.expr)
    released = privacy.released_as(effect, level, column.expr)
    if mode is Mode.MEASURE:
        effect = Effect.AGGREGATE  # also arithmetic and rounding over aggregates
        released = max((_aggregate_released(call, level)
                        for call in measures.aggregate_calls(column.expr)),
                       key=lambda c: c.rank, default=released)
    whole = tuple(dict.fromkeys(use.field.qualified for use in uses
                                if use.whole and use.field.field.kind is Kind.OBJECT
                                and use.field.field.object))
    return CheckedColumn(column, name, effect, value.kind, tuple(sources), level,
                         released,
                         column.justification.value if column.justification else None,
                         aggregate=mode is Mode.MEASURE, whole=whole)


def _aggregate_released(call: syntax.Call, level: PrivacyClass) -> PrivacyClass:
    """A count of different values is a number (OCX227 refuses raw personal ones)."""
    if call.distinct:
        return PrivacyClass.PUBLIC
    return privacy.released_as(Effect.AGGREGATE, level, call)


def _unique(fields) -> list[ResolvedField]:
    seen: dict[str, ResolvedField] = {}
    for field in fields:
        seen.setdefault(field.qualified, field)
    return list(seen.values())


def outer_effect(expr: syntax.Expr) -> Effect:
    """The privacy effect of the outermost operation (a bare field is RAW)."""
    match expr:
        case syntax.FieldRef():
            return Effect.RAW
        case syntax.Literal() | syntax.ListLiteral():
            return Effect.CONSTANT
        case syntax.Call():
            function = lookup(expr.name.name)
            return function.effect if function else Effect.RAW
        case syntax.BinaryOp():
            effects = {outer_effect(expr.left), outer_effect(expr.right)} - {Effect.CONSTANT}
            for strongest in (Effect.RAW_EXPRESSION, Effect.RAW, Effect.AGGREGATE):
                if strongest in effects:
                    return strongest
            return Effect.DERIVE if effects else Effect.CONSTANT
    return Effect.RAW
