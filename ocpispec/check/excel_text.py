"""Postal codes in a CSV written for Excel, which Excel reads as numbers when it opens
the file, dropping their leading zeros (OCX428)."""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.check.checked import CheckedColumn
from ocpispec.check.context import Context
from ocpispec.diagnostics import warning
from ocpispec.language import syntax


# countries whose postal codes never start with 0 (ISO 3166-1 alpha-3, as OCPI writes a
# site's `country`): the Netherlands 1000-9999, Belgium, Austria, Switzerland, Luxembourg
# and Hungary 1000-9999, Portugal 1000-9999, Sweden 100 00-984 99, Czechia 100 00-799 99
_NO_LEADING_ZERO = frozenset({"NLD", "BEL", "AUT", "CHE", "LUX", "HUN", "PRT", "SWE", "CZE"})
_SITE_ROOTS = ("location", "cdr_location")


def check_leading_zeros(columns: Sequence[CheckedColumn], ctx: Context,
                        where: syntax.Condition | None = None) -> None:
    """A postal code released as text (or its first digits) in a CSV for Excel: Excel
    opens `01067` (Dresden) as the number 1067, and `0106` as 106. The file stays as
    the platform sent it: pandas, R, DuckDB and the data package read the text. A
    dataset whose `where` keeps only sites of countries without such codes
    (`location.country = "NLD"`) is not warned."""
    countries = pinned_countries(where) if where is not None else None
    if countries and countries <= _NO_LEADING_ZERO:
        return
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


def pinned_countries(condition: syntax.Condition) -> frozenset[str] | None:
    """The countries every kept record's site is in, by the `and` chain of a filter
    (`location.country = "NLD"`, `cdr_location.country in ["NLD", "BEL"]`, a location's
    own `country`); None when the filter does not say."""
    match condition:
        case syntax.And(operands=operands):
            found = [c for c in map(pinned_countries, operands) if c is not None]
            return frozenset.intersection(*found) if found else None
        case syntax.Compare(op="=", left=syntax.FieldRef(path=path),
                            right=syntax.Literal(value=str() as value)) if _site_country(path):
            return frozenset({value})
        case syntax.InList(value=syntax.FieldRef(path=path), options=options, negated=False) \
                if _site_country(path):
            values = [item.value for item in options.items
                      if isinstance(item, syntax.Literal) and isinstance(item.value, str)]
            return frozenset(values) if len(values) == len(options.items) else None
    return None


def _site_country(path: tuple[str, ...]) -> bool:
    return path == ("country",) or (len(path) == 2 and path[0] in _SITE_ROOTS
                                    and path[1] == "country")
