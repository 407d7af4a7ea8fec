"""SQL's `group by 1`: a key written as the position of a column in SQL's select list.
An aggregate has no select list: its keys are the columns under `group by`, each
written in full. Unnamed, the number read as a constant key (OCX208 'needs a name',
whose `1 as value` made one group of every record); it is told as SQL (OCX014), with
the keys the spec writes, or one to write."""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.check.context import Context
from ocpispec.diagnostics import error
from ocpispec.diagnostics.source import Span
from ocpispec.language import syntax

# a key a new user of each module groups by, as the help's example
_EXAMPLE_KEYS = {"sessions": "truncate(start_date_time, month) as month",
                 "cdrs": "truncate(start_date_time, month) as month",
                 "locations": "city", "tariffs": "currency", "tokens": "type"}


def without_positions(keys: Sequence[syntax.Column], module: str,
                      ctx: Context) -> list[syntax.Column]:
    """The keys other than positions; one OCX014 over the positions written."""
    positions = [key for key in keys if _is_position(key)]
    if not positions:
        return list(keys)
    written = [key for key in keys if not _is_position(key)]
    span = Span(positions[0].span.start, positions[-1].span.end)
    numbers = ", ".join(str(key.expr.value) for key in positions)  # type: ignore[union-attr]
    if written:
        named = ", ".join(f"`{ctx.source.snippet(key.expr.span)}"
                          f"{f' as {key.alias.name}' if key.alias else ''}`" for key in written)
        instead = (f"leave `{numbers}` out: the keys are the columns under `group by`, "
                   f"here {named}")
    else:
        instead = (f"write each key itself in place of `{numbers}`, the column SQL's select "
                   f"list held at that place, e.g. `group by {_EXAMPLE_KEYS.get(module, 'city')}`"
                   "; for one total over all records, `group by constant(\"all\") as scope`")
    ctx.emit(error("OCX014", f"`group by {numbers}` is SQL's column "
                   f"{'positions' if len(positions) > 1 else 'position'}", span,
                   "a position, not a column",
                   notes=["SQL's `group by 1` groups by the first column of the select list; "
                          "an aggregate has none: its keys are the columns under `group by`, "
                          "each written in full, and its measures follow `compute`"],
                   help=instead))
    return written


def _is_position(key: syntax.Column) -> bool:
    expr = key.expr
    return key.alias is None and isinstance(expr, syntax.Literal) and expr.kind == "number" \
        and isinstance(expr.value, int) and not isinstance(expr.value, bool)
