"""Value expressions (fields, literals, calls, arithmetic) and the conditions of `where`."""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy
if TYPE_CHECKING:
    from typing import Literal as Lit

from ocpispec.diagnostics.source import Span
from ocpispec.frozen import frozen
from ocpispec.language.syntax.leaves import Ident, Text


@frozen
class FieldRef:
    """A dotted path: `kwh`, `cdr_token.uid`, `location.postal_code`."""

    path: tuple[str, ...]
    span: Span

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


if TYPE_CHECKING:
    LiteralKind = Lit["string", "number", "date", "boolean", "null"]


@frozen
class Literal:
    """A constant. Dates keep their text (`2026-01-01` or `2026-01-01T06:00:00Z`)."""

    value: str | int | float | bool | None
    kind: LiteralKind
    span: Span


@frozen
class ListLiteral:
    items: tuple[Literal, ...]
    span: Span


@frozen
class Call:
    """A function: a transformation (`round(kwh, 1)`), an aggregate (`count()`) or
    the raw escape hatch (`jmespath("...")`). A bare unit argument such as `hour`
    arrives as a one-segment FieldRef; the checker reads it as a unit."""

    name: Ident
    args: tuple[Expr, ...]
    span: Span
    # `count(distinct x)`: the aggregate counts different values, not records
    distinct: bool = False


@frozen
class BinaryOp:
    op: Lit["+", "-", "*", "/"]
    left: Expr
    right: Expr
    span: Span


Expr = FieldRef | Literal | ListLiteral | Call | BinaryOp


# ---- conditions (where) ---------------------------------------------------------------


@frozen
class Compare:
    op: Lit["=", "!=", "<", "<=", ">", ">="]
    left: Expr
    right: Expr
    span: Span


@frozen
class InList:
    value: Expr
    options: ListLiteral
    negated: bool
    span: Span


@frozen
class IsNull:
    value: Expr
    negated: bool
    span: Span


@frozen
class Matches:
    """A glob pattern match: `*` any run of characters, `?` one character."""

    value: Expr
    pattern: Text
    span: Span


@frozen
class And:
    operands: tuple[Condition, ...]
    span: Span


@frozen
class Or:
    operands: tuple[Condition, ...]
    span: Span


@frozen
class Not:
    operand: Condition
    span: Span


Condition = Compare | InList | IsNull | Matches | And | Or | Not


def field_refs(node: Expr | Condition) -> list[FieldRef]:
    """Every FieldRef under a condition or expression, in source order."""
    match node:
        case FieldRef():
            return [node]
        case Call():
            return [ref for arg in node.args for ref in field_refs(arg)]
        case BinaryOp() | Compare():
            return field_refs(node.left) + field_refs(node.right)
        case InList() | IsNull() | Matches():
            return field_refs(node.value)
        case And() | Or():
            return [ref for part in node.operands for ref in field_refs(part)]
        case Not():
            return field_refs(node.operand)
    return []
