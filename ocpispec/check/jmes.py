"""The `jmespath("...")` escape hatch, checked like everything else.

The text must compile with the standard JMESPath grammar and use only standard
functions. Its syntax tree is walked while tracking where in the record each node
reads from (through projections, filters and pipes), so every field it touches is
resolved against the catalogue and classified for privacy.
"""

from __future__ import annotations

import warnings
TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy

from ocpispec.language import syntax
from ocpispec.check.context import backticked
from ocpispec.check.jmes_nested import check_nested, projected_list, written
from ocpispec.diagnostics import error
from ocpispec.diagnostics.source import Span

if TYPE_CHECKING:
    from jmespath.exceptions import JMESPathError

    from ocpispec.check.checked import ResolvedField
    from ocpispec.check.context import Context
    from ocpispec.check.scope import Scope

STANDARD_FUNCTIONS = (
    "abs", "avg", "ceil", "contains", "ends_with", "floor", "join", "keys", "length", "map",
    "max", "max_by", "merge", "min", "min_by", "not_null", "reverse", "sort", "sort_by",
    "starts_with", "sum", "to_array", "to_number", "to_string", "type", "values")
# Functions whose result is (elements of) their first list argument.
_PASS_THROUGH = frozenset({"max_by", "min_by", "reverse", "sort", "sort_by", "max", "min",
                           "not_null", "to_array"})
# Functions that reveal only the shape of their argument, not its content.
_STRUCTURAL = frozenset({"length", "type", "keys"})

Path = tuple[str, ...]


class _Walk:
    """Follows a JMESPath tree; `touches` are (record path, read as a whole)."""

    def __init__(self) -> None:
        self.touches: list[tuple[Path, bool]] = []
        self.problems: list[str] = []
        self.hops: list[Path] = []  # fields followed by `.name`, without `[]` or `[0]`
        # the unflattened projections `contains` or `join` take as their list:
        # (record path, function, as written)
        self.nested: list[tuple[Path, str, str | None]] = []

    def value(self, node: dict, here: Path | None) -> Path | None:
        kind, children = node["type"], node.get("children", [])
        match kind:
            case "field":
                if here is None:
                    self.problems.append(f"`{node['value']}` is read from a computed value, "
                                         "so it cannot be checked")
                    return None
                return (*here, node["value"])
            case "subexpression" | "index_expression" | "pipe" | "projection":
                for position, child in enumerate(children):  # `a.b.c.d`: four children
                    here = self.value(child, here)
                    if kind == "subexpression" and child["type"] == "field" \
                            and position < len(children) - 1 and here is not None:
                        self.hops.append(here)  # `a.b`: null if `a` is a list
                return here
            case "flatten":
                return self.value(children[0], here)
            case "filter_projection":
                base = self.value(children[0], here)
                self.consume(children[2], base)
                return self.value(children[1], base)
            case "current" | "identity" | "index" | "slice":
                return here
            case "value_projection":
                self.problems.append("`*` reads every field of an object; name the fields "
                                     "you need")
                return None
            case "function_expression":
                return self._function(node, here)
        for child in children:
            self.consume(child.get("children", [child])[0] if child["type"] == "key_val_pair"
                         else child, here)
        return None

    def consume(self, node: dict, here: Path | None, whole: bool = True) -> None:
        path = self.value(node, here)
        if path is not None:
            self.touches.append((path, whole))

    def _function(self, node: dict, here: Path | None) -> Path | None:
        name, args = node["value"], node["children"]
        if name not in STANDARD_FUNCTIONS:
            self.problems.append(f"`{name}` is not a standard JMESPath function")
            return None
        plain = [arg for arg in args if arg["type"] != "expref"]
        projected = projected_list(name, plain)
        if projected is not None and (path := _Walk().value(projected, here)) is not None:
            self.nested.append((path, name, written(projected)))
        if name in _STRUCTURAL and plain and plain[0]["type"] == "or_expression":
            # `length(x || `[]`)`: the shape of whichever alternative is there
            for path in self._alternatives(plain[0], here):
                self.touches.append((path, False))
            return None
        base = self.value(plain[0], here) if plain else None
        for arg in plain[1:]:
            self.consume(arg, here)
        mapped = None
        for arg in args:
            if arg["type"] == "expref":
                if name == "map":
                    mapped = self.value(arg["children"][0], base)
                else:
                    self.consume(arg["children"][0], base)
        if name == "map":
            return mapped
        if name in _PASS_THROUGH:
            return base
        if base is not None:
            self.touches.append((base, name not in _STRUCTURAL))
        return None


    def _alternatives(self, node: dict, here: Path | None) -> list[Path]:
        """The fields `a || b || `[]`` may take its value from (literals are none)."""
        if node["type"] == "or_expression":
            return [path for child in node["children"]
                    for path in self._alternatives(child, here)]
        if node["type"] == "literal":
            return []
        path = self.value(node, here)
        return [path] if path is not None else []


def result_path(tree: dict) -> Path | None:
    """The record path whose values a parsed JMESPath gives, through projections and the
    functions that pass on elements of their list (`max`, `sort`...); None when it
    computes them or reads what cannot be checked."""
    walk = _Walk()
    path = walk.value(tree, ())
    return None if walk.problems else path


def analyse_hatch(literal: syntax.Literal, scope: Scope,
                  ctx: Context) -> list[tuple[ResolvedField, bool]]:
    from jmespath.exceptions import JMESPathError  # only a spec with the escape hatch loads it
    from jmespath.parser import Parser

    text = str(literal.value)
    try:
        with warnings.catch_warnings():  # jmespath warns about its old literal syntax
            warnings.simplefilter("ignore")
            tree = Parser().parse(text).parsed
    except JMESPathError as exc:
        _report_syntax(literal, exc, ctx)
        return []
    except RecursionError:
        tree = None
    if tree is None or tree_depth(tree) > MAX_HATCH_DEPTH:
        ctx.emit(error("OCX211", "the JMESPath expression nests too deeply", literal.span,
                       f"more than {MAX_HATCH_DEPTH} levels deep",
                       notes=["every operator, function call, projection and bracket adds "
                              "a level"],
                       help="split it into several columns, or write it with the "
                            "language's own functions"))
        return []
    walk = _Walk()
    final = walk.value(tree, ())
    if final is not None:
        walk.touches.append((final, True))
    for problem in walk.problems:
        ctx.emit(error("OCX211", "the JMESPath expression cannot be checked", literal.span,
                       "in this expression", notes=[problem],
                       help="name every field explicitly and use only standard functions: "
                            + backticked(STANDARD_FUNCTIONS, 8)))
    if walk.problems:
        return []
    found = _resolve(walk.touches, literal, scope, ctx)
    _check_hops(walk.hops, found, literal, scope, ctx)
    if any(reach.base for reach in scope.reaches):  # an `each`: an index into its list
        from ocpispec.check.hatch_elements import check_indexed_elements

        check_indexed_elements(literal, scope, ctx)
    check_nested(walk.nested, found, {binding.name: binding.object for binding in scope.bindings},
                 literal, ctx)
    return found


MAX_HATCH_DEPTH = 32


def tree_depth(tree: dict) -> int:
    """The depth of a parsed JMESPath tree, without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.get("children", ())
                     if isinstance(child, dict))
    return deepest


def _resolve(touches, literal: syntax.Literal, scope: Scope, ctx: Context):
    if any(not path for path, _ in touches):
        ctx.emit(error("OCX211", "the JMESPath expression releases the whole record",
                       literal.span, "`@` is the whole record",
                       help="name the fields the expression needs"))
        return []
    found = []
    since = len(ctx.diagnostics)
    for path, whole in touches:
        ref = syntax.FieldRef(path, literal.span)
        resolved = scope.resolve(ref, synthetic=True)
        if resolved is not None:
            found.append((resolved, whole))
    ctx.drop_repeats(since)
    return found


def _check_hops(hops: list[Path], found, literal: syntax.Literal, scope: Scope,
                ctx: Context) -> None:
    """`environ_impact.amount` where `environ_impact` is a list: JMESPath reads a field of
    a list as null, for every record, so the column is empty or the function fails at
    run time. The list needs `[]` (every element) or `[0]` (the first)."""
    objects = {binding.name: binding.object for binding in scope.bindings}
    for hop in dict.fromkeys(hops):
        for resolved, _ in found:
            at = _list_at(hop, resolved, objects, ctx)
            if at is not None:
                lists, many = at
                spelt = hop[-1]  # as the expression spells it: `connectors.standard`
                # a list read from each element (`evses.parking_restrictions`): one list
                # of them all, which `contains` and `join` read as meant
                every = f"{spelt}[].{lists}[]` for the values of every element, as one list"\
                    if many else f"{spelt}[].{lists}` for every element"
                ctx.emit(error("OCX211", f"`{spelt}` is a list: JMESPath reads "
                               f"`{spelt}.{lists}` as null", literal.span,
                               "null for every record",
                               notes=["in JMESPath a field of a list is null; `[]` takes "
                                      "it from every element, `[0]` from the first"],
                               help=f"write `{every}, or `{spelt}[0].{lists}` for the first"))
                break


def _list_at(hop: Path, resolved, objects: dict[str, str], ctx: Context
             ) -> tuple[str, bool] | None:
    """The field read after `hop` when `hop` names a list inside `resolved`'s path, and
    whether that field is a list too."""
    full = resolved.ref.path
    base = len(full) - len(resolved.path)
    if len(hop) <= base or full[:len(hop)] != hop or len(full) <= len(hop):
        return None
    if resolved.binding:
        resolution = ctx.catalogue.resolve_in(objects[resolved.binding], resolved.path)
    else:
        resolution = ctx.catalogue.resolve(resolved.module, resolved.path)
    index = len(hop) - base - 1
    if index >= len(resolution.fields) or not resolution.fields[index].many:
        return None
    after = resolution.fields[index + 1] if index + 1 < len(resolution.fields) else None
    return full[len(hop)], after is not None and after.many


def _report_syntax(literal: syntax.Literal, exc: JMESPathError, ctx: Context) -> None:
    position = getattr(exc, "lex_position", None)
    if position is None:
        position = getattr(exc, "lexer_position", None)
    span = literal.span
    written = ctx.source.text[literal.span.start:literal.span.end]
    if isinstance(position, int) and "\\" not in written:
        start = literal.span.start + 1 + min(position, len(str(literal.value)))
        span = Span(start, start + 1)
    message = getattr(exc, "msg", None) or getattr(exc, "message", None) or str(exc)
    ctx.emit(error("OCX211", "invalid JMESPath expression", span, str(message).split("\n")[0],
                   notes=["the escape hatch takes standard JMESPath, see jmespath.org"],
                   help="fix the expression, or use the language's own functions instead"))
