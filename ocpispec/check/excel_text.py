"""Postal codes in a CSV written for Excel, which Excel reads as numbers when it opens
the file, dropping their leading zeros (OCX428)."""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.check.checked import CheckedColumn
from ocpispec.check.context import Context
from ocpispec.diagnostics import warning
from ocpispec.language import syntax


def check_leading_zeros(columns: Sequence[CheckedColumn], ctx: Context) -> None:
    """A postal code released as text (or its first digits) in a CSV for Excel: Excel
    opens `01067` (Dresden) as the number 1067, and `0106` as 106. The file stays as
    the platform sent it: pandas, R, DuckDB and the data package read the text."""
    for column in columns:
        field = _postal_code(column.column.expr)
        if field is not None:
            ctx.emit(warning(
                "OCX428", f"postal codes in `{column.name}` lose their leading zeros when "
                "Excel opens the CSV", column.column.expr.span, "a postal code such as "
                "`01067` opens as 1067",
                notes=["Excel reads a text of digits as a number when it opens a CSV and "
                       "keeps no leading zero (German, French, US and other postal codes "
                       "start with 0); the file itself holds the text, which the data "
                       "package, pandas and R read as sent"],
                help="write `output xlsx` (postal codes are text cells there), or have "
                     "the consumer open the CSV with Data > From Text/CSV and this column "
                     "set to Text"))


def _postal_code(expr: syntax.Expr) -> str | None:
    """The postal code field a column releases as it is, or a prefix of."""
    match expr:
        case syntax.FieldRef(path=(*_, "postal_code")):
            return expr.dotted
        case syntax.Call(name=syntax.Ident(name="prefix" | "keep"),
                         args=(syntax.FieldRef(path=(*_, "postal_code")) as field, *_)):
            return field.dotted
    return None
