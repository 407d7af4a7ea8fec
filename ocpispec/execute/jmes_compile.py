"""Compile JMESPath text into nested Python closures.

`jmespath.search` walks the syntax tree for every record; at 100,000 records a second
that walk is most of the cost. This compiler walks the tree once and returns a
function of the record. It follows jmespath.py's tree interpreter node for node (same
truthiness, same null propagation); the one deliberate difference is that ordering a
number against a string yields null instead of raising. Node types it does not handle
(`expref` and functions taking one) fall back to the tree interpreter for that subtree.

Custom functions whose trailing arguments are literals are specialised at compile time
(`pseudonymize(x, 'token')` derives its key once, `truncate(t, 'hour')` picks its unit
once).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from functools import lru_cache
from numbers import Number
from typing import Any

from jmespath import exceptions as jmes_errors
from jmespath.functions import REVERSE_TYPES_MAP
from jmespath.parser import Parser
from jmespath.visitor import Options, TreeInterpreter

from ocpispec.execute.functions import Custom, OcxFunctions
from ocpispec.execute.jmes_codegen import Source

Compiled = Callable[[Any], Any]


class ExpressionError(ValueError):
    """The expression does not parse or calls an unknown function or wrong arity."""


def compile_expression(text: str | dict, custom: Mapping[str, Custom], *,
                       codegen: bool = True) -> Compiled:
    """A function `record -> value` equal to `jmespath.search(text, record, options)`
    with the custom functions registered; `text` may also be a parsed tree (see
    `parse_expression`). `codegen=False` keeps to closures (tests compare both against
    jmespath)."""
    tree = text if isinstance(text, dict) else parse_expression(text)
    compiler = _Compiler(custom)
    try:
        if codegen:
            try:
                return Source(compiler.compile, compiler.resolve_call, _HELPERS).function(tree)
            except (SyntaxError, RecursionError, MemoryError):
                pass  # nested beyond what Python's compiler takes: closures have no such limit
        return compiler.compile(tree)
    except RecursionError:
        raise ExpressionError("the expression nests too deeply to compile") from None


def parse_expression(text: str) -> dict:
    """The syntax tree of `text` (shared: do not modify it); raises `ExpressionError`."""
    try:
        return _parse(text)
    except jmes_errors.JMESPathError as exc:
        raise ExpressionError(str(exc).splitlines()[0]) from None
    except RecursionError:
        raise ExpressionError("the expression nests too deeply to parse") from None


@lru_cache(maxsize=256)
def _parse(text: str) -> dict:
    return Parser().parse(text).parsed


def is_false(value: Any) -> bool:
    """JMESPath falsiness: null, false, and empty strings, lists and objects."""
    if value is None or value is False:
        return True
    return isinstance(value, (str, list, dict)) and not value


def _is_number(value: Any) -> bool:
    kind = value.__class__
    if kind is int or kind is float:  # the usual values, told by their exact class: an
        return True                   # ABC's instance check cost a microsecond per `!`
    if kind is str or kind is bool or kind is dict or kind is list or value is None:
        return False
    return isinstance(value, Number) and not isinstance(value, bool)


def _equals(left: Any, right: Any) -> bool:
    # jmespath treats 0/1 and false/true as different, unlike Python
    if _is_number(left) and left in (0, 1):
        if isinstance(right, bool):
            return False
    elif _is_number(right) and right in (0, 1) and isinstance(left, bool):
        return False
    return left == right


_ORDERING = {"lt": operator.lt, "gt": operator.gt, "lte": operator.le, "gte": operator.ge}


def _ordered(op: Callable[[Any, Any], bool], left: Any, right: Any) -> bool | None:
    if _is_number(left) and _is_number(right):
        return op(left, right)
    if isinstance(left, str) and isinstance(right, str):
        return op(left, right)
    return None


def _not(value: Any) -> bool:
    if _is_number(value) and value == 0:
        return False  # jmespath: !0 is false
    return not value


_HELPERS = {"_equals": _equals, "_ordered": _ordered, "_ORDERING": _ORDERING,
            "is_false": is_false, "_not": _not, "_UNSET": object()}


class _Compiler:
    def __init__(self, custom: Mapping[str, Custom]) -> None:
        self.custom = custom
        self.functions = OcxFunctions(custom)
        self.interpreter = TreeInterpreter(Options(custom_functions=self.functions))

    def compile(self, node: dict) -> Compiled:
        method = getattr(self, "_" + node["type"], None)
        if method is None:
            return self._fallback(node)
        return method(node)

    def _fallback(self, node: dict) -> Compiled:
        visit = self.interpreter.visit
        return lambda value: visit(node, value)

    # ---- paths ------------------------------------------------------------------

    def _field(self, node: dict) -> Compiled:
        name = node["value"]

        def field(value: Any) -> Any:
            try:
                return value.get(name)
            except AttributeError:
                return None

        return field

    def _subexpression(self, node: dict) -> Compiled:
        children = node["children"]
        if all(child["type"] == "field" for child in children):
            return _field_chain(tuple(child["value"] for child in children))
        return self._chain(children)

    _index_expression = _subexpression
    _pipe = _subexpression

    def _chain(self, children: list[dict]) -> Compiled:
        steps = [self.compile(child) for child in children]
        if len(steps) == 2:
            first, second = steps
            return lambda value: second(first(value))

        def chain(value: Any) -> Any:
            for step in steps:
                value = step(value)
            return value

        return chain

    def _identity(self, node: dict) -> Compiled:
        return lambda value: value

    _current = _identity

    def _literal(self, node: dict) -> Compiled:
        constant = node["value"]
        return lambda value: constant

    def _index(self, node: dict) -> Compiled:
        position = node["value"]

        def index(value: Any) -> Any:
            if not isinstance(value, list):
                return None
            try:
                return value[position]
            except IndexError:
                return None

        return index

    def _slice(self, node: dict) -> Compiled:
        if node["children"][2] == 0:
            return self._fallback(node)  # jmespath raises for a zero step; let it
        window = slice(*node["children"])
        return lambda value: value[window] if isinstance(value, list) else None

    # ---- projections ------------------------------------------------------------

    def _projection(self, node: dict) -> Compiled:
        base, each = (self.compile(child) for child in node["children"])

        def projection(value: Any) -> Any:
            items = base(value)
            if not isinstance(items, list):
                return None
            return [out for out in map(each, items) if out is not None]

        return projection

    def _value_projection(self, node: dict) -> Compiled:
        base, each = (self.compile(child) for child in node["children"])

        def value_projection(value: Any) -> Any:
            items = base(value)
            if not isinstance(items, dict):
                return None
            return [out for out in map(each, items.values()) if out is not None]

        return value_projection

    def _filter_projection(self, node: dict) -> Compiled:
        base, each, condition = (self.compile(child) for child in node["children"])

        def filter_projection(value: Any) -> Any:
            items = base(value)
            if not isinstance(items, list):
                return None
            kept = (each(item) for item in items if not is_false(condition(item)))
            return [out for out in kept if out is not None]

        return filter_projection

    def _flatten(self, node: dict) -> Compiled:
        base = self.compile(node["children"][0])

        def flatten(value: Any) -> Any:
            items = base(value)
            if not isinstance(items, list):
                return None
            merged: list[Any] = []
            for item in items:
                if isinstance(item, list):
                    merged.extend(item)
                else:
                    merged.append(item)
            return merged

        return flatten

    def _multi_select_dict(self, node: dict) -> Compiled:
        pairs = tuple((child["value"], self.compile(child["children"][0]))
                      for child in node["children"])

        def multi_select_dict(value: Any) -> Any:
            if value is None:
                return None
            return {key: get(value) for key, get in pairs}

        return multi_select_dict

    def _multi_select_list(self, node: dict) -> Compiled:
        items = tuple(self.compile(child) for child in node["children"])
        return lambda value: None if value is None else [get(value) for get in items]

    # ---- logic ------------------------------------------------------------------

    def _comparator(self, node: dict) -> Compiled:
        left, right = (self.compile(child) for child in node["children"])
        match node["value"]:
            case "eq":
                return lambda value: _equals(left(value), right(value))
            case "ne":
                return lambda value: not _equals(left(value), right(value))
        op = _ORDERING[node["value"]]
        return lambda value: _ordered(op, left(value), right(value))

    def _and_expression(self, node: dict) -> Compiled:
        left, right = (self.compile(child) for child in node["children"])

        def and_(value: Any) -> Any:
            matched = left(value)
            return matched if is_false(matched) else right(value)

        return and_

    def _or_expression(self, node: dict) -> Compiled:
        left, right = (self.compile(child) for child in node["children"])

        def or_(value: Any) -> Any:
            matched = left(value)
            return right(value) if is_false(matched) else matched

        return or_

    def _not_expression(self, node: dict) -> Compiled:
        inner = self.compile(node["children"][0])

        def not_(value: Any) -> bool:
            result = inner(value)
            if _is_number(result) and result == 0:
                return False  # jmespath: !0 is false
            return not result

        return not_

    # ---- functions --------------------------------------------------------------

    def _function_expression(self, node: dict) -> Compiled:
        found = self.resolve_call(node["value"], node["children"])
        if found is None:
            return self._fallback(node)
        function, arguments = found
        args = tuple(self.compile(argument) for argument in arguments)
        if len(args) == 1:
            only = args[0]
            return lambda value: function(only(value))
        return lambda value: function(*(arg(value) for arg in args))

    def resolve_call(self, name: str, children: list[dict]) -> tuple[Callable[..., Any],
                                                                      list[dict]] | None:
        """The Python callable of a call and the argument nodes it takes, or None when
        the call needs the tree interpreter (an expression-reference argument)."""
        if any(child["type"] == "expref" for child in children):
            self._check_known(name, len(children))
            return None
        custom = self.custom.get(name)
        if custom is None:
            self._check_known(name, len(children))
            return _builtin(self.functions, name, len(children)), children
        if len(children) != custom.arity:
            raise ExpressionError(f"`{custom.name}()` takes {custom.arity} arguments, "
                                  f"got {len(children)}")
        rest = children[1:]
        if custom.specialize is not None and all(c["type"] == "literal" for c in rest):
            try:
                unary = custom.specialize(*(child["value"] for child in rest))
            except (ValueError, TypeError) as exc:
                raise ExpressionError(f"`{custom.name}()`: {exc}") from None
            return unary, children[:1]
        return custom.call, children

    def _check_known(self, name: str, count: int) -> None:
        spec = self.functions.FUNCTION_TABLE.get(name)
        if spec is None:
            raise ExpressionError(f"unknown function `{name}()`")
        signature = spec["signature"]
        variadic = bool(signature) and signature[-1].get("variadic")
        if count < len(signature) or (count > len(signature) and not variadic):
            raise ExpressionError(f"`{name}()` takes {len(signature)} arguments, got {count}")


def _builtin(functions: OcxFunctions, name: str, count: int) -> Callable[..., Any]:
    """A built-in's call. jmespath validates every call's arguments by walking its
    signature (a third of a driver reader's time, `contains` once per row): where each
    argument's allowed types are plain ones, a call whose arguments are of those exact
    types goes straight to the function; any other call takes jmespath's own path,
    which raises its error."""
    call = functions.call_function
    spec = functions.FUNCTION_TABLE[name]
    signature = spec["signature"]

    def checked(*args: Any) -> Any:
        return call(name, list(args))

    if len(signature) != count or any(
            arg.get("variadic") or any("-" in kind for kind in arg["types"]) for arg in signature):
        return checked  # a variadic call, or an array whose elements are typed
    allowed = tuple(frozenset(python for kind in arg["types"] for python in REVERSE_TYPES_MAP[kind])
                    or None for arg in signature)
    function = spec["function"]
    if count == 1:
        (only,) = allowed

        def one(value: Any) -> Any:
            if only is None or value.__class__.__name__ in only:
                return function(functions, value)
            return call(name, [value])
        return one
    if count == 2:
        first, second = allowed

        def two(left: Any, right: Any) -> Any:
            if (first is None or left.__class__.__name__ in first) and \
                    (second is None or right.__class__.__name__ in second):
                return function(functions, left, right)
            return call(name, [left, right])
        return two
    return checked


def _field_chain(names: tuple[str, ...]) -> Compiled:
    if len(names) == 2:
        first, second = names

        def pair(value: Any) -> Any:
            try:
                return value.get(first).get(second)
            except AttributeError:
                return None

        return pair

    def chain(value: Any) -> Any:
        try:
            for name in names:
                value = value.get(name)
        except AttributeError:
            return None
        return value

    return chain
