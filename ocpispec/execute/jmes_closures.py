"""JMESPath syntax trees compiled into nested Python closures, node for node as
jmespath.py's tree interpreter walks them (same truthiness, same null propagation; see
`jmes_values`). A node type without a method here (`expref`, and functions taking one)
falls back to the tree interpreter for that subtree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jmespath.visitor import Options, TreeInterpreter

from ocpispec.execute.functions import Custom
from ocpispec.execute.jmes_calls import CallResolver
from ocpispec.execute.jmes_values import ORDERING, equals, is_false, is_number, ordered

Compiled = Callable[[Any], Any]


class ClosureCompiler:
    """Compiles a syntax tree's nodes into closures; `resolve_call` gives a call's
    callable (`CallResolver.resolve`, which code generation takes too)."""

    def __init__(self, custom: Mapping[str, Custom]) -> None:
        calls = CallResolver(custom)
        self.resolve_call = calls.resolve
        self.functions = calls.functions
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
                return lambda value: equals(left(value), right(value))
            case "ne":
                return lambda value: not equals(left(value), right(value))
        op = ORDERING[node["value"]]
        return lambda value: ordered(op, left(value), right(value))

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
            if is_number(result) and result == 0:
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
