"""Amounts of different currencies added up: an aggregate that sums (or averages, or
takes the largest of) costs or prices over groups that do not separate currencies
releases a figure in no currency at all. A platform that bills in EUR today may bill in
GBP or CHF at its next site; the finance team's total would silently mix them."""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.check.checked import Binding, CheckedColumn
from ocpispec.check.context import Context
from ocpispec.diagnostics import warning
from ocpispec.language import syntax

# the last segment of a field holding an amount of money (a `Price`'s two amounts, a
# tariff's price component and deposit)
_AMOUNTS = frozenset({"excl_vat", "incl_vat", "price", "preauthorize_amount"})


def check_currencies(source: syntax.From, columns: Sequence[CheckedColumn],
                     bindings: Sequence[Binding], ctx: Context) -> None:
    if _separated(columns, source):
        return
    for column in columns:
        money = [f.qualified for f in column.sources if f.path[-1:] and f.path[-1] in _AMOUNTS]
        if column.aggregate and money:
            currency = _currency_field(column, bindings, ctx)
            ctx.emit(warning(
                "OCX238", f"`{column.name}` mixes amounts of every currency",
                column.column.expr.span, f"`{money[0]}` is in the record's currency",
                notes=["no group key and no filter separates currencies, so a group with "
                       "EUR and GBP records gets one figure in neither"],
                help=f"add `{currency}` to `group by`, or keep one currency with "
                     f"`where {currency} = \"EUR\"`"))


def _separated(columns: Sequence[CheckedColumn], source: syntax.From) -> bool:
    keys = any(_reads_currency(f.path) for column in columns if not column.aggregate
               for f in column.sources)
    filtered = any(_reads_currency(ref.path) for where in source.wheres
                   for ref in syntax.field_refs(where.condition))
    return keys or filtered


def _reads_currency(path: Sequence[str]) -> bool:
    return bool(path) and path[-1] == "currency"


def _currency_field(column: CheckedColumn, bindings: Sequence[Binding],
                    ctx: Context) -> str:
    """The currency of the record the amount is in: a joined tariff's own, else the
    record's (a tariff's price components are in the tariff's currency)."""
    tariff = ctx.catalogue.root("tariffs").name
    joined = {b.name for b in bindings if b.name and b.object == tariff}
    for field in column.sources:
        if field.path[-1:] and field.path[-1] in _AMOUNTS and field.binding in joined:
            return f"{field.binding}.currency"
    return "currency"
