"""Lowering checked .ocx expressions and conditions to JMESPath text.

Paths become neutral-record paths (a join's alias is a key of the record, so
`location.postal_code` stays as written); calls become the custom functions of
`executor.functions` with every optional argument made explicit; a pseudonym gets its
field family as a second argument (and, under a calendar `pseudonym scope`, becomes
`pseudonymize_in(value, family, record time, scope)`). The family of a computed value
adds the computation (`key_family`): a pseudonym's key is derived from it, and one key
for `kwh` and `kwh * 0 + 40.13` made the second the key's answer for a value the spec
chose, naming the records that hold it. Conditions become one JMESPath boolean, each
operand parenthesised so precedence never depends on JMESPath's rules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping

from ocpispec.language import syntax
from ocpispec.check.checked import ResolvedField
from ocpispec.check.families import family_value
from ocpispec.language.functions import ALIASES
from ocpispec.schema.model import Kind, is_decimal_text
from ocpispec.timestamps import TimestampError, canonical_timestamp

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_OPERATORS = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide"}
_COMPARATORS = {"=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
# calls whose second argument is a bare unit name, not a field
_UNIT_ARGUMENT = {"truncate"}
# optional arguments made explicit: name -> default JMESPath literal
_DEFAULTS = {"round": "`0`"}
# calls given a time zone run as a function of their own: name -> (arguments, function)
_ZONED = {"truncate": (3, "truncate_in"), "weekday": (2, "weekday_in"),
          "hour_of_day": (2, "hour_of_day_in")}

Domain = Callable[[ResolvedField], str]
ListSegments = Callable[[ResolvedField], tuple[bool, ...]]


class LoweringError(ValueError):
    """The checked tree holds something the planner cannot lower (a checker bug)."""


class Lowerer:
    """Lowers the expressions of one dataset. `fields` resolves its FieldRefs,
    `domain` names a field's pseudonym family, `lists` says which segments of a
    resolved path hold lists (they get a `[]` projection)."""

    def __init__(self, fields: Mapping[syntax.FieldRef, ResolvedField], domain: Domain,
                 lists: ListSegments, period: tuple[str, str] | None = None) -> None:
        self.fields = fields
        self.domain = domain
        self.lists = lists
        self.period = period  # (scope, JMESPath of the record's time) for calendar scopes

    # ---- expressions --------------------------------------------------------------

    def expr(self, node: syntax.Expr) -> str:
        match node:
            case syntax.FieldRef():
                return self.path(node)
            case syntax.Literal():
                return literal(node)
            case syntax.ListLiteral():
                return json_literal([_plain(item) for item in node.items])
            case syntax.Call():
                return self.call(node)
            case syntax.BinaryOp():
                return f"{_OPERATORS[node.op]}({self.expr(node.left)}, {self.expr(node.right)})"
        raise LoweringError(f"cannot lower {type(node).__name__}")

    def path(self, ref: syntax.FieldRef) -> str:
        resolved = self.fields.get(ref)
        if resolved is None:
            raise LoweringError(f"unresolved field `{ref.dotted}`")
        names = resolved.qualified.split(".")
        lists = self.lists(resolved)
        offset = len(names) - len(lists)
        parts = []
        for index, name in enumerate(names):
            part = quote(name)
            is_list = index >= offset and lists[index - offset]
            parts.append(part + "[]" if is_list and index < len(names) - 1 else part)
        return ".".join(parts)

    def call(self, node: syntax.Call) -> str:
        name = ALIASES.get(node.name.name, node.name.name)
        args = list(node.args)
        match name:
            case "keep":
                return self.expr(args[0])
            case "constant":
                return self.expr(args[0])
            case "jmespath":
                return f"({_text_of(args[0])})"
            case "pseudonymize" if self.period is not None:
                scope, moment = self.period
                return (f"pseudonymize_in({self.expr(args[0])}, "
                        f"{raw_string(self.key_family(args[0]))}, {moment}, {raw_string(scope)})")
            case "pseudonymize":
                return (f"pseudonymize({self.expr(args[0])}, "
                        f"{raw_string(self.key_family(args[0]))})")
        lowered = [self.expr(args[0])] if args else []
        for arg in args[1:]:
            if name in _UNIT_ARGUMENT and isinstance(arg, syntax.FieldRef):
                lowered.append(raw_string(arg.dotted))
            else:
                lowered.append(self.expr(arg))
        if name in _DEFAULTS and len(lowered) == 1:
            lowered.append(_DEFAULTS[name])
        if name in _ZONED and len(lowered) == _ZONED[name][0]:
            name = _ZONED[name][1]
        return f"{name}({', '.join(lowered)})"

    def family(self, node: syntax.Expr) -> str:
        """The pseudonym family of a value: its first field's family."""
        refs = [ref for ref in syntax.field_refs(node) if ref in self.fields]
        return self.domain(self.fields[refs[0]]) if refs else "value"

    def key_family(self, node: syntax.Expr) -> str:
        """What a pseudonym's key is derived from: a field's family for the field as it
        is (a session's `location_id` and a location's `id` share one, and so link),
        the family and the computation for any other value, its fields named by the
        values they hold. Two computations never share a key, so a constant
        (`kwh * 0 + 40.13`, ``jmespath("`40.13`")``) is no dictionary entry for
        `kwh`'s pseudonyms."""
        family = self.family(node)
        if isinstance(node, syntax.FieldRef):
            return family
        return f"{family} = {_ComputationLowerer(self).expr(node)}"

    # ---- conditions -----------------------------------------------------------------

    def condition(self, node: syntax.Condition) -> str:
        match node:
            case syntax.Compare():
                return self.compare(node)
            case syntax.InList():
                values = json_literal([_plain(item) for item in node.options.items])
                test = f"contains({values}, {self.expr(node.value)})"
                return f"!{test}" if node.negated else test
            case syntax.IsNull():
                value = self.expr(node.value)
                if isinstance(node.value, syntax.FieldRef) and node.value in self.fields \
                        and self.fields[node.value].many:
                    # a list holds no value when it is missing or empty, and so does a
                    # field read through a list (`evses.parking_restrictions`, which
                    # JMESPath projects into a list of lists, `[]` when no EVSE has any)
                    value = f"(({value})[] || `null`)"
                return f"{value} {'!=' if node.negated else '=='} `null`"
            case syntax.Matches():
                return f"matches({self.expr(node.value)}, {raw_string(node.pattern.value)})"
            case syntax.And():
                return _chain(" && ", [self.condition(part) for part in node.operands])
            case syntax.Or():
                return _chain(" || ", [self.condition(part) for part in node.operands])
            case syntax.Not():
                return f"!({self.condition(node.operand)})"
        raise LoweringError(f"cannot lower {type(node).__name__}")

    def compare(self, node: syntax.Compare) -> str:
        left, right = self.expr(node.left), self.expr(node.right)
        # a latitude or longitude (decimal text) against a number: compared as numbers
        if self.decimal_text(node.left) and _number(node.right):
            left = f"to_number({left})"
        elif self.decimal_text(node.right) and _number(node.left):
            right = f"to_number({right})"
        if self.is_time(node.left) or self.is_time(node.right):
            return f"time_compare({left}, {raw_string(node.op)}, {right})"
        return f"{left} {_COMPARATORS[node.op]} {right}"

    def decimal_text(self, node: syntax.Expr) -> bool:
        return isinstance(node, syntax.FieldRef) and node in self.fields \
            and is_decimal_text(self.fields[node].field)

    def is_time(self, node: syntax.Expr) -> bool:
        match node:
            case syntax.Literal(kind="date"):
                return True
            case syntax.FieldRef() if node in self.fields:
                return self.fields[node].field.kind is Kind.DATETIME
            case syntax.Call(name=syntax.Ident(name="truncate")):
                return True
        return False


_FLAT_CHAIN = 8


def _number(node: syntax.Expr) -> bool:
    return isinstance(node, syntax.Literal) and node.kind == "number"


def _chain(operator: str, parts: list[str]) -> str:
    """`(a) && (b) && (c)`; a longer chain is grouped into a balanced tree, so that
    `where` with hundreds of terms nests log2(n) levels deep, not n (JMESPath chains
    nest to the left, and every consumer of the tree walks it recursively). `&&` and
    `||` are associative in value, so the grouping does not change the result."""
    if len(parts) <= _FLAT_CHAIN:
        return operator.join(f"({part})" for part in parts)
    middle = len(parts) // 2
    return f"({_chain(operator, parts[:middle])}){operator}({_chain(operator, parts[middle:])})"


def literal(node: syntax.Literal) -> str:
    match node.kind:
        case "string":
            return raw_string(str(node.value))
        case "date":
            try:
                return raw_string(canonical_timestamp(str(node.value)))
            except TimestampError:
                raise LoweringError(f"bad date literal `{node.value}`") from None
    return json_literal(node.value)


def _plain(node: syntax.Literal) -> object:
    if node.kind == "date":
        return canonical_timestamp(str(node.value))
    return node.value


def _text_of(node: syntax.Expr) -> str:
    if isinstance(node, syntax.Literal) and isinstance(node.value, str):
        return node.value
    raise LoweringError("`jmespath()` takes one string")


def quote(name: str) -> str:
    """A JMESPath identifier, quoted when it is not a plain name."""
    return name if _IDENTIFIER.match(name) else json.dumps(name)


def raw_string(text: str) -> str:
    """A JMESPath raw string; JSON literal when a backslash would be ambiguous."""
    if "\\" in text:
        return json_literal(text)
    return "'" + text.replace("'", "\\'") + "'"


def json_literal(value: object) -> str:
    return "`" + json.dumps(value, separators=(",", ":")).replace("`", "\\`") + "`"


class _ComputationLowerer(Lowerer):
    """Lowers a computation with each field as `<family.value>` (`location_id` and
    `location.id` alike: `<location.id>`), so the text says what is computed from which
    values, not where the record keeps them."""

    def __init__(self, lowerer: Lowerer) -> None:
        super().__init__(lowerer.fields, lowerer.domain, lowerer.lists)

    def path(self, ref: syntax.FieldRef) -> str:
        resolved = self.fields.get(ref)
        if resolved is None:
            raise LoweringError(f"unresolved field `{ref.dotted}`")
        return f"<{self.domain(resolved)}.{family_value(resolved)}>"
