"""`jmespath("evses[0].status")` inside `each evses as evse`: the hatch reads the record
as sent, so an index into the list `each` unnests is the same element in every row (the
location's first EVSE), not the row's. Warning OCX322, whose help reads the row's
element (`jmespath("evse.status")`)."""

from __future__ import annotations

import re

from ocpispec.diagnostics import warning
from ocpispec.language import syntax

TYPE_CHECKING = False  # typing costs a cold `check` its import; annotations only need it for mypy
if TYPE_CHECKING:
    from ocpispec.check.context import Context
    from ocpispec.check.scope import Scope

_RECORD = {"locations": "location", "sessions": "session", "cdrs": "CDR",
           "tariffs": "tariff", "tokens": "token"}


def check_indexed_elements(literal: syntax.Literal, scope: Scope, ctx: Context) -> None:
    text = str(literal.value)
    for reach in scope.reaches:
        binding = reach.binding
        if not binding.name or binding.module != scope.module or not reach.base \
                or "." in binding.name:
            continue
        written = _written_list(reach.base, scope)
        if written is None:
            continue
        found = re.search(r"(?<![\w.@])" + r"\s*\.\s*".join(map(re.escape, written.split(".")))
                          + r"\s*\[\s*(-?\d+)\s*\]", text)
        if found is None:
            continue
        record = _RECORD.get(scope.module, scope.module)
        nth = "first element" if found.group(1) == "0" else "last element" \
            if found.group(1) == "-1" else f"element [{found.group(1)}]"
        fixed = text[:found.start()] + binding.name + text[found.end():]
        ctx.emit(warning(
            "OCX322", f"`{found.group()}` reads the {record}'s {nth} of `{written}` in every "
            f"row, not the row's `{binding.name}`", literal.span,
            f"the same {nth} in each row",
            notes=[f"`each {written} as {binding.name}` makes one row per element; inside "
                   f"`jmespath(...)` the {record}'s `{written}` is still the whole list"],
            help=f"write `jmespath(\"{fixed}\")` for the row's own `{binding.name}`"))
        return


def _written_list(base: tuple[str, ...], scope: Scope) -> str | None:
    """The list as the hatch names it: `evses` at the record, `evse.connectors` in an
    earlier element named by `each`."""
    if len(base) == 1:
        return base[0]
    parent = scope.element_named(base[:-1])
    return f"{parent}.{base[-1]}" if parent else None
