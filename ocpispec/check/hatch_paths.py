"""A field path written as JMESPath reads it in `jmespath("...")`: each list on the way
gets `[]` (a field of a list is null in JMESPath), and so does a list read from the
elements of one, which would otherwise be a list of lists (`evses[].parking_
restrictions[]`: every EVSE's restrictions as one list). Used by the helps that write a
list's test or its joined text (OCX204, OCX209)."""

from __future__ import annotations

from ocpispec.language import syntax

TYPE_CHECKING = False  # typing costs a cold `check` its import; annotations only need it for mypy
if TYPE_CHECKING:
    from ocpispec.check.context import Context
    from ocpispec.check.scope import Scope


def hatch_path(expr: syntax.Expr, scope: Scope, ctx: Context) -> str | None:
    """`expr` (a field reference of a list, or of a field read through one) as a
    JMESPath path giving one flat list; None when it is neither."""
    if not isinstance(expr, syntax.FieldRef):
        return None
    resolved = scope.fields.get(expr)
    reach = scope.reach_of(resolved.binding) if resolved and resolved.binding else None
    if resolved is None or (resolved.binding and reach is None):
        return None
    resolution = ctx.catalogue.resolve_in(reach[0].object, resolved.path) if reach else \
        ctx.catalogue.resolve(scope.module, resolved.path)
    if not resolution.ok or not any(field.many for field in resolution.fields):
        return None
    base = expr.path[:len(expr.path) - len(resolved.path)]
    above = any(field.many for field in resolution.fields[:-1])
    return ".".join((*base, *(f"{name}[]" if field.many and (above or index < len(
        resolved.path) - 1) else name for index, (name, field) in enumerate(
        zip(resolved.path, resolution.fields)))))
