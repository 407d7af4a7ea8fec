"""What a `where` filter may read, and how: filters decide whose records leave.

A filter may not read NEVER fields (OCX309) and may not probe a personal field
(OCX330: patterns, ordering, computed values, `jmespath`); naming a personal value
exactly needs `where ... because "..."` (OCX308). In a row dataset, a filter that pins
a quasi-identifier below its floor is warning OCX303 (`filter_pins`). The result, a CheckedFilter, lists
the non-public fields the filter reads for the plan and the manifest, with personal
values blanked out of the condition text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ocpispec.frozen import frozen
from ocpispec.language import syntax
from ocpispec.check.checked import CheckedFilter, FilterRead
from ocpispec.check.context import Context
from ocpispec.check.filter_bounds import bounds
from ocpispec.check.filter_pins import check_pins
from ocpispec.check.privacy import exposure, weak_justification
from ocpispec.check.values import Use
from ocpispec.diagnostics import error, warning
from ocpispec.diagnostics.source import Span
from ocpispec.schema.model import PrivacyClass
from ocpispec.language.characters import without_comments


@frozen
class FilterTest:
    """One field read by one predicate of a `where` condition."""

    use: Use
    predicate: syntax.Condition


_ORDERING = frozenset({"<", "<=", ">", ">="})


def check_filter(where: syntax.Where, tests: Sequence[FilterTest], ctx: Context,
                 rows: bool = False, source: syntax.From | None = None, *,
                 reads_broken: bool = False) -> CheckedFilter:
    """A filter may not read NEVER fields (OCX309), may not probe a personal field
    (OCX330: patterns, ordering, computed values, `jmespath`), and reads a personal
    field at all only with `where ... because "..."` (OCX308). `reads_broken`: it reads
    a join, `each` or `spread` name whose clause has its error (its `because` may be
    needed once that is fixed)."""
    justification = where.justification
    reads: dict[str, FilterRead] = {}
    for test in tests:
        use, cls = test.use, exposure(test.use, ctx)
        if cls is not PrivacyClass.PUBLIC:
            reads.setdefault(use.field.qualified, FilterRead(use.field.qualified, cls))
        if cls is PrivacyClass.NEVER:
            _never_filter(use, ctx)
        elif cls is PrivacyClass.PERSONAL:
            probe = _probe(test)
            if probe is not None:
                _oracle(use, probe, ctx, test.predicate)
            elif justification is None:
                _unjustified_filter(use, ctx)
    found = bounds(where, tests, check_pins(where, tests, ctx, source), ctx) \
        if rows and justification is None else []
    if justification is not None:
        weak_justification(justification, ctx)
        if not reads and not reads_broken:
            ctx.emit(warning("OCX307", "this filter needs no justification",
                             justification.span, "it reads only public fields",
                             notes=["an unneeded `because` is noise in the privacy review"],
                             help="remove the `because \"...\"` text"))
    personal = [test.predicate for test in tests
                if exposure(test.use, ctx) in (PrivacyClass.PERSONAL, PrivacyClass.NEVER)]
    ctx.compared.extend((item.value, item.span) for predicate in personal
                        for item in _named(predicate) if isinstance(item.value, str))
    return CheckedFilter(tuple(reads.values()), justification.value if justification else None,
                         redacted_condition(where.condition, personal, ctx) if personal else None,
                         redacted_condition(where.condition, personal, ctx, counted=True)
                         if personal else None, tuple(found))


REDACTED = "(personal value)"


def redacted_condition(condition: syntax.Condition, predicates: Iterable[syntax.Condition],
                       ctx: Context, *, counted: bool = False) -> str:
    """The condition as written, comments dropped, every literal of the given predicates
    replaced: a filter on a card uid must not put the uid into plans and manifests.
    `counted`: a list says how many values it names (`[2 personal values]`), for the
    review, where the officer judges a filter that keeps two pilot cards apart from one
    that keeps two thousand; the manifest the consumer reads says no number of them."""
    spans = sorted({(lit.span.start, lit.span.end, len(lit.items)
                     if isinstance(lit, syntax.ListLiteral) else None)
                    for predicate in predicates for lit in _literals(predicate)})
    text, at = [], condition.span.start
    for start, end, many in spans:
        text += [ctx.source.text[at:start], REDACTED if many is None
                 else f"[{_values(many)}]" if counted else f"[{REDACTED}, ...]"]
        at = end
    text.append(ctx.source.text[at:condition.span.end])
    return without_comments("".join(text))


def _values(count: int) -> str:
    return f"{count:,} personal value{'' if count == 1 else 's'}"


def _named(predicate: syntax.Condition) -> Iterable[syntax.Literal]:
    """The values a predicate names a field by (`= "X1"`, `in ["X1", "X2"]`), not the
    text of a `jmespath("...")` it calls."""
    match predicate:
        case syntax.Compare(left=left, right=right):
            yield from (side for side in (left, right) if isinstance(side, syntax.Literal))
        case syntax.InList(options=options):
            yield from options.items


def _literals(node) -> Iterable[syntax.Literal | syntax.ListLiteral]:
    match node:
        case syntax.Literal() | syntax.ListLiteral():
            yield node
        case syntax.Compare() | syntax.BinaryOp():
            yield from _literals(node.left)
            yield from _literals(node.right)
        case syntax.InList():
            yield from _literals(node.value)
            yield node.options
        case syntax.IsNull():
            yield from _literals(node.value)
        case syntax.Call():
            for arg in node.args:
                yield from _literals(arg)


def _probe(test: FilterTest) -> str | None:
    """How a predicate probes a personal value rather than naming it, or None."""
    use, predicate = test.use, test.predicate
    if isinstance(predicate, syntax.Matches):
        return "`matches` tests it against a pattern"
    if use.hatch is not None:
        return "`jmespath(...)` can test any part of it"
    if use.around:
        return "the filter tests a value computed from it"
    if isinstance(predicate, syntax.Compare) and predicate.op in _ORDERING:
        return f"`{predicate.op}` compares it by order"
    if isinstance(predicate, syntax.Compare) and not any(
            isinstance(side, syntax.Literal) for side in (predicate.left, predicate.right)):
        # `cdr_token.uid = location.name`: each kept row says what the identifier is
        return "it is compared with another field, not named by a value"
    return None


# the eMSP part of an eMI3 contract id (`NL-GRW-*`, `NLGRW*`): a company, not a driver
_EMSP_PREFIX = re.compile(r"([A-Za-z]{2})[-*]?([A-Za-z0-9]{3})-?\*")


def _emsp_filter(use: Use, predicate) -> tuple[Span, str] | None:
    """`where cdr_token.contract_id matches "NL-GRW-*"`: a fleet's own cards, by the
    eMSP its contract ids start with, which the token names in fields of its own."""
    ref = use.field.ref
    if not isinstance(predicate, syntax.Matches) or ref.path[-1] != "contract_id" \
            or (found := _EMSP_PREFIX.fullmatch(predicate.pattern.value)) is None:
        return None
    owner = ".".join(ref.path[:-1])
    at = f"{owner}." if owner else ""
    return predicate.span, (f'write `{at}country_code = "{found.group(1).upper()}" and '
                            f'{at}party_id = "{found.group(2).upper()}"`, the eMSP the '
                            "contract ids start with (OCPI 2.2.1 and later; 2.1.1 sends no "
                            "such field: name the cards with `in [...]`)")


def _oracle(use: Use, probe: str, ctx: Context, predicate=None) -> None:
    field = use.field.qualified
    emsp = _emsp_filter(use, predicate)
    ctx.emit(error("OCX330", f"the filter probes the personal field `{field}`",
                   emsp[0] if emsp else use.field.ref.span, probe,
                   notes=["a filter that tests parts or ranges of an identifier is an oracle: "
                          "datasets that each keep one pattern, and each release the "
                          "pseudonym, give the identifier behind every pseudonym back",
                          "no justification can allow it"],
                   help=emsp[1] if emsp else
                   f"filter on other fields; to keep given cards, name them exactly: "
                   f"`where {field} in [\"...\"] because \"...\"`"))


def _never_filter(use: Use, ctx: Context) -> None:
    ctx.emit(error("OCX309", f"the filter reads `{use.field.qualified}`, which may "
                   "never be used", use.field.ref.span, "never-exportable field",
                   notes=["credentials and blobs that embed card identifiers stay inside"],
                   help="filter on another field"))


def _unjustified_filter(use: Use, ctx: Context) -> None:
    ctx.emit(error("OCX308", f"the filter selects records by the personal field "
                   f"`{use.field.qualified}` without a justification", use.field.ref.span,
                   "singles out drivers",
                   notes=["filtering on a card or contract picks out individual people, even "
                          "when the identifier is not released; the reviewer must approve it"],
                   help="filter on non-personal fields, or add `because \"...\"` after the "
                        "condition with the reason the privacy officer approves"))
