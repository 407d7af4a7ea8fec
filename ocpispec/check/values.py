"""What an expression produces, as the checker sees it (`Value`), and which fields it
reads (`Use`): the vocabulary the typer and the argument checks share."""

from __future__ import annotations

import enum

from ocpispec.frozen import frozen
from ocpispec.language import syntax
from ocpispec.check.checked import ResolvedField
from ocpispec.schema.model import Kind

GEO_OBJECTS = frozenset({"GeoLocation"})


class Mode(enum.Enum):
    """Where an expression stands; it decides whether aggregates are allowed."""

    SELECT = "select"
    KEY = "group by"
    MEASURE = "compute"
    FILTER = "where"


@frozen
class Value:
    """What an expression produces, as far as the checker can tell (kind None: unknown)."""

    kind: Kind | None
    many: bool = False
    object: str | None = None
    enum: str | None = None
    literal: syntax.Literal | None = None

    @property
    def geo(self) -> bool:
        return self.object in GEO_OBJECTS and not self.many

    @property
    def known(self) -> bool:
        return self.kind is not None

    def describe(self) -> str:
        if self.kind is None:
            return "list" if self.many else "null" if self.literal is not None else "unknown"
        what = ("coordinates" if self.object in GEO_OBJECTS
                else f"`{self.object}` object" if self.kind is Kind.OBJECT
                else f"`{self.enum}` value" if self.enum else _KIND_WORDS[self.kind])
        return f"list of {_PLURALS.get(what, _plural(what))}" if self.many else what


_KIND_WORDS = {Kind.STRING: "text", Kind.NUMBER: "number", Kind.INTEGER: "whole number",
               Kind.BOOLEAN: "boolean", Kind.DATETIME: "timestamp", Kind.ENUM: "enum value",
               Kind.URL: "URL", Kind.OBJECT: "object"}

_PLURALS = {"text": "texts", "number": "numbers", "whole number": "whole numbers",
            "boolean": "booleans", "timestamp": "timestamps", "enum value": "enum values",
            "URL": "URLs", "object": "objects"}


def _plural(what: str) -> str:
    """A list of `Capability` values, of `Tariff` objects."""
    return what + "s" if what.endswith((" value", " object")) else what


UNKNOWN = Value(None)


@frozen
class Use:
    """One field read by an expression; `around` holds the enclosing nodes, innermost
    first. `whole` marks an object read as a whole (its every sub-field leaves)."""

    field: ResolvedField
    around: tuple[syntax.Call | syntax.BinaryOp, ...]
    whole: bool = False
    hatch: syntax.Call | None = None


def field_value(resolved: ResolvedField) -> Value:
    leaf = resolved.field
    return Value(leaf.kind, resolved.many or leaf.many, leaf.object, leaf.enum)


def literal_value(literal: syntax.Literal) -> Value:
    match literal.kind:
        case "string":
            return Value(Kind.STRING, literal=literal)
        case "number":
            kind = Kind.INTEGER if isinstance(literal.value, int) else Kind.NUMBER
            return Value(kind, literal=literal)
        case "date":
            return Value(Kind.DATETIME, literal=literal)
        case "boolean":
            return Value(Kind.BOOLEAN, literal=literal)
    return Value(None, literal=literal)
