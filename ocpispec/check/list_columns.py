"""A column holds one value per row: a list (OCX209) or a whole object is refused, with
the help that turns it into a column: the part the charge used, an `each` clause, or
the list joined into one text or counted."""

from __future__ import annotations

from ocpispec.language import syntax
from ocpispec.check.context import Context, backticked
from ocpispec.check.hatch_paths import hatch_path
from ocpispec.check.scope import Scope
from ocpispec.check.types import Value, with_article
from ocpispec.diagnostics import Diagnostic, error
from ocpispec.schema.model import Kind


def scalar(column: syntax.Column, value: Value, scope: Scope, ctx: Context) -> bool:
    if value.many:
        ctx.emit(error("OCX209", "this column would release a list", column.expr.span,
                       with_article(value.describe()),
                       notes=["a column holds one value per record"],
                       help="; or ".join(filter(None, (
                           _used_part_help(column.expr, scope, ctx),
                           _unnest_help(column.expr, scope, ctx),
                           _join_help(column, value, scope, ctx)))) or
                       'select a single field, or count the list with '
                       '`jmespath("length(...)") as NAME`'))
        return False
    if value.kind is Kind.OBJECT and not value.geo:
        ctx.emit(_object_column(column, value, ctx))
        return False
    return True


_USED_PARTS = {"evses": "evse", "connectors": "connector"}


def _used_part_help(expr: syntax.Expr, scope: Scope, ctx: Context) -> str | None:
    """`location.evse.connectors.standard` on a session: every connector of the EVSE,
    where the joined site's `location.connector` is the one the charge used."""
    if not isinstance(expr, syntax.FieldRef) or len(expr.path) < 3:
        return None
    alias, parts = expr.path[0], list(expr.path[1:])
    last = max((i for i, name in enumerate(parts) if name in _USED_PARTS or
                name in _USED_PARTS.values()), default=None)
    if last is None or parts[last] not in _USED_PARTS or last == len(parts) - 1:
        return None
    part, rest = _USED_PARTS[parts[last]], tuple(parts[last + 1:])
    reach = scope.reach_of(f"{alias}.{part}")
    resolution = ctx.catalogue.resolve_in(reach[0].object, rest) if reach else None
    if resolution is None or not resolution.ok or any(f.many for f in resolution.fields):
        return None
    return (f"the {part.upper() if part == 'evse' else part} the charge used is "
            f"`{alias}.{part}`: write `{'.'.join((alias, part, *rest))}`")


def _unnest_help(expr: syntax.Expr, scope: Scope, ctx: Context) -> str | None:
    """`evses.uid` on locations: the `each` clauses that give one row per element, and
    the field to select then (only for the module's own lists: a join's are not
    unnested)."""
    if not isinstance(expr, syntax.FieldRef):
        return None
    obj, eaches, parent, after = ctx.catalogue.root(scope.module), [], "", 0
    element, own = obj.name, frozenset(obj.fields)
    path = _record_path(expr.path, scope)
    for position, name in enumerate(path):
        field = obj.fields.get(name)
        if field is None or field.object is None:
            break
        if field.many and field.kind is Kind.OBJECT and position != after:
            # a list inside an object of the record (`opening_times.regular_hours`):
            # `each` unnests the record's own lists and their elements' only (OCX222)
            return None
        if field.many and field.kind is Kind.OBJECT:
            # a list the dataset unnests already is read through its `each` name
            alias = scope.element_named(tuple(path[:position + 1]))
            if alias is None:
                alias = name.removesuffix("s")
                alias = f"{alias}_item" if alias in own else alias  # OCX223: hid the field
                eaches.append(f"`each {parent + '.' if parent else ''}{name} as {alias}`")
            parent, after, element = alias, position + 1, field.object
        obj = ctx.catalogue.object(field.object)
    tail = path[after:]
    if parent and not eaches and tail:  # every list on the way is unnested already
        resolved = ctx.catalogue.resolve_in(element, tail)
        return f"write `{parent}.{'.'.join(tail)}`" \
            if resolved.ok and not any(f.many for f in resolved.fields) else None
    if eaches and not tail:  # `charging_periods`: the list itself
        fields = [name for name, field in ctx.catalogue.object(element).fields.items()
                  if not field.many and field.object is None]
        return (f"for one row per element, add {' and '.join(eaches)} under `from` and "
                f"select its fields (`{parent}.{fields[0]}`)") if fields else None
    resolved = ctx.catalogue.resolve_in(element, tail) if eaches and tail else None
    if resolved is None or not resolved.ok or any(f.many for f in resolved.fields):
        return None  # a list inside the element (`restrictions.day_of_week`) stays a list
    return (f"for one row per element, add {' and '.join(eaches)} under `from` and "
            f"select `{parent}.{'.'.join(tail)}`")


def _record_path(path: tuple[str, ...], scope: Scope) -> tuple[str, ...]:
    """`evse.connectors.standard` under `each evses as evse`: the path in the record,
    `evses.connectors.standard`, whose lists the `each` clauses already name."""
    reach = scope.reach_of(path[0]) if len(path) > 1 else None
    if reach is None or reach[0].module != scope.module or not reach[1]:
        return path
    return (*reach[1], *path[1:])


def _join_help(column: syntax.Column, value: Value, scope: Scope,
               ctx: Context) -> str | None:
    """`location.facilities`, `element.restrictions.day_of_week`, `evses.capabilities`:
    a list of texts joined into one text (or any list counted) is a column. Each list on
    the way gets `[]` (a field of a list is null in JMESPath), and the default keeps a
    record without the optional list from failing the run (`join()` takes no null)."""
    expr = column.expr
    path = hatch_path(expr, scope, ctx)
    if path is None or not isinstance(expr, syntax.FieldRef):
        return None
    named = "" if column.alias is not None else f" as {expr.path[-1]}"
    count = f"`jmespath(\"length({path} || `[]`)\"){named}`"
    if value.kind is Kind.OBJECT and (each := _element_text(value, ctx)) is not None:
        # `opening_times.regular_hours`: each element's few fields as one text
        return (f"join its elements into one text: write `jmespath(\"join('; ', "
                f"{path}[].{each} || `[]`)\"){named}`, or count them: {count}")
    if value.kind not in (Kind.STRING, Kind.ENUM):
        return f"count its elements: write {count}"
    return (f"join its values into one text: write `jmespath(\"join(',', {path} || `[]`)\")"
            f"{named}`, or count them: {count}")


def _element_text(value: Value, ctx: Context) -> str | None:
    """`join(' ', [to_string(weekday), period_begin, period_end])`: the JMESPath of an
    element of a few single values (at most 4, texts as they are) as one text."""
    fields = ctx.catalogue.object(value.object).fields if value.object else {}
    if not fields or len(fields) > 4 or \
            any(field.many or field.object is not None for field in fields.values()):
        return None
    parts = [name if field.kind in (Kind.STRING, Kind.ENUM) else f"to_string({name})"
             for name, field in fields.items()]
    return f"join(' ', [{', '.join(parts)}])"


def _object_column(column: syntax.Column, value: Value, ctx: Context) -> Diagnostic:
    fields = list(ctx.catalogue.object(value.object).fields) if value.object else []
    written = column.expr.dotted if isinstance(column.expr, syntax.FieldRef) else "it"
    example = f"`{written}.{fields[0]}`" if fields and written != "it" else "one field"
    return error("OCX209", f"`{written}` is a whole `{value.object}` object", column.expr.span,
                 "not a single value", notes=[f"its fields are {backticked(fields)}"],
                 help=f"select one of its fields, e.g. {example}; unknown sub-fields can "
                      "never leak that way")
