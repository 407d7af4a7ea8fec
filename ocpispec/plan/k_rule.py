"""The k-anonymity step of a row dataset: its quasi-identifiers, the drivers it counts
and the hierarchy each column climbs before rows are suppressed."""

from __future__ import annotations

from ocpispec.plan import ir
from ocpispec.language import syntax
from ocpispec.check.checked import CheckedColumn, CheckedDataset
from ocpispec.disclosure.hierarchy import kind_of, levels_for
from ocpispec.disclosure.quasi import quasi_columns
from ocpispec.language.functions import ALIASES
from ocpispec.plan.drivers import DRIVER_WORDS, ONE_TIME_WORDS

DEFAULT_LIMIT = 5.0  # percent of a window's rows
GENERALISERS = ("truncate", "prefix", "grid", "round_coords", "round")


def k_step(checked: CheckedDataset, project: ir.Project, module: str, entity: str | None
           ) -> ir.KAnonymity | None:
    body = checked.dataset.body
    rule = body.k_rule if isinstance(body, syntax.Select) else None
    if rule is None:
        return None
    names = tuple(name.name for name in rule.over)
    shell = ir.Dataset("", module, (project,), (), project.origin)
    over = names or quasi_columns(shell)
    by_name = {column.name: column for column in checked.columns}
    hierarchies = tuple(h for name in over if name in by_name
                        if (h := _hierarchy(by_name[name])) is not None)
    counted_by = (f"distinct drivers (`{DRIVER_WORDS[module]}`, ids compared as pseudonyms "
                  f"compare them, {ONE_TIME_WORDS}, never released)" if entity else "records")
    limit = rule.limit if rule.limit is not None else DEFAULT_LIMIT
    return ir.KAnonymity(f"k_anonymity.{module}", rule.k, over, bool(names), hierarchies,
                         limit, counted_by, entity, rule.span)


def _hierarchy(column: CheckedColumn) -> ir.Hierarchy | None:
    """The levels above the column's outermost generaliser, from its literal argument."""
    expr = column.column.expr
    if not isinstance(expr, syntax.Call):
        return None
    function = ALIASES.get(expr.name.name, expr.name.name)
    if function not in GENERALISERS:
        return None
    if function == "truncate" and len(expr.args) > 2 and _literal(expr.args[2]) != "UTC":
        return None  # the levels are UTC's hours, days and weeks, not a local zone's
    argument = _literal(expr.args[1]) if len(expr.args) > 1 else None
    try:
        levels = levels_for(function, argument)
    except (TypeError, ValueError, ArithmeticError):
        return None
    return ir.Hierarchy(column.name, kind_of(function), levels) if levels else None


def _literal(expr: syntax.Expr) -> object:
    match expr:
        case syntax.Literal(value=value):
            return value
        case syntax.FieldRef(path=path):
            return ".".join(path)
    return None
