"""Python source for the hot part of a JMESPath tree: one function per expression.

The closures of `jmes_compile` cost a Python call per node; a normalizer or a
projection of ten fields is some forty calls per record. For the nodes every plan is
made of (fields, subexpressions, multiselect hashes, literals, comparisons, logic and
function calls) this module writes one Python expression instead and compiles it
with `compile()`. Nothing from the expression text reaches the source except names
and keys through `repr()`; every other value (literals, functions, closures of the
remaining node types) is passed in as a constant of the function's namespace.
Semantics are jmespath.py's (the tests compare the two on generated records).

A function a spec calls may write its own common case into the expression, where a
call per record would cost more than the work (a pseudonym remembered, a timestamp cut
to the hour): it carries `inline(source, texts)`, which returns an expression that
reads each argument text once, keeps what it reads in `source.temp()` names and calls
the function itself (a `source.constant`) for every other case, or None (`inline`
helpers beside the functions: `memo`, `pseudonyms`, `timestamps`, `number_functions`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any

from ocpispec.generated_code import code_of

Compiled = Callable[[Any], Any]
_SCALARS = (str, int, float, bool, type(None))


class Source:
    """Builds the source of one function `_f(v)` and the namespace it runs in."""

    def __init__(self, fallback: Callable[[dict], Compiled], custom_call: Callable[..., Any],
                 helpers: Mapping[str, Any]) -> None:
        self.fallback = fallback          # closure for a node this module does not write
        self.custom_call = custom_call    # (name, children) -> (callable, args) or None
        self.namespace: dict[str, Any] = dict(helpers)
        self._names = itertools.count()
        self.dicts: set[str] = set()      # names known to hold a dict where code is written
        self.others: set[str] = set()     # names known to hold neither a dict nor null

    def function(self, node: dict) -> Compiled:
        body = self.expr(node, "v")
        source = f"def _f(v):\n    return {body}\n"
        exec(code_of(source, "<jmespath>", kept=False), self.namespace)  # noqa: S102 - see module doc
        made = self.namespace["_f"]
        if node["type"] == "multi_select_dict":
            made.columns = lambda: self.columns(node)
        return made

    def columns(self, node: dict) -> tuple[list[tuple[str, str]], dict[str, Any]]:
        """A multi-select hash as its keys and the expression of each on a dict `v` (what
        `function` makes of a dict, a value at a time), and the namespace they read:
        for code that reads the values one by one (`fused_rows`)."""
        self.dicts.add("v")
        try:
            return [(child["value"], self.expr(child["children"][0], "v"))
                    for child in node["children"]], self.namespace
        finally:
            self.dicts.discard("v")

    def constant(self, value: Any) -> str:
        name = f"_k{next(self._names)}"
        self.namespace[name] = value
        return name

    def temp(self) -> str:
        return f"_t{next(self._names)}"

    def bind(self, text: str) -> tuple[str, Callable[[str], str]]:
        """(name, wrap): `wrap(expr)` evaluates `text` once into `name` before `expr`
        (a conditional runs its test first); a plain name needs no binding."""
        if text.isidentifier():
            return text, lambda expr: expr
        name = self.temp()
        return name, lambda expr: f"({expr} if ({name} := {text}) is not _UNSET else None)"

    # ---- nodes ----------------------------------------------------------------------

    def expr(self, node: dict, value: str) -> str:
        method = getattr(self, "_" + node["type"], None)
        if method is None:
            return f"{self.constant(self.fallback(node))}({value})"
        return method(node, value)

    def _field(self, node: dict, value: str) -> str:
        key = repr(node["value"])
        if value in self.dicts:
            return f"{value}.get({key})"
        if value in self.others:
            return "None"
        if value.isidentifier():
            return f"({value}.get({key}) if {value}.__class__ is dict else None)"
        name = self.temp()  # the test runs first: it binds the name the branch reads
        return f"({name}.get({key}) if ({name} := {value}).__class__ is dict else None)"

    def _subexpression(self, node: dict, value: str) -> str:
        for child in node["children"]:
            value = self.expr(child, value)
        return value

    _pipe = _subexpression
    _index_expression = _subexpression

    def _identity(self, node: dict, value: str) -> str:
        return value

    _current = _identity

    def _literal(self, node: dict, value: str) -> str:
        constant = node["value"]
        if isinstance(constant, _SCALARS) and not isinstance(constant, float):
            return repr(constant)
        return self.constant(constant)

    def _multi_select_dict(self, node: dict, value: str) -> str:
        name, wrap = self.bind(value)
        if name in self.dicts or name in self.others:
            return wrap(self._items(node, name))
        fast = self._knowing(self.dicts, name, node)  # the common case: a dict
        other = self._knowing(self.others, name, node)
        return wrap(f"({fast} if {name}.__class__ is dict else "
                    f"(None if {name} is None else {other}))")

    def _multi_select_list(self, node: dict, value: str) -> str:
        name, wrap = self.bind(value)
        items = ", ".join(self.expr(child, name) for child in node["children"])
        if name in self.dicts or name in self.others:
            return wrap(f"[{items}]")
        return wrap(f"(None if {name} is None else [{items}])")

    def _knowing(self, known: set[str], name: str, node: dict) -> str:
        known.add(name)
        try:
            return self._items(node, name)
        finally:
            known.discard(name)

    def _items(self, node: dict, name: str) -> str:
        items = ", ".join(f"{child['value']!r}: {self.expr(child['children'][0], name)}"
                          for child in node["children"])
        return f"{{{items}}}"

    def _comparator(self, node: dict, value: str) -> str:
        name, wrap = self.bind(value)
        left_node, right_node = node["children"]
        left, right = self.expr(left_node, name), self.expr(right_node, name)
        op = node["value"]
        if op in ("eq", "ne") and (_is_text(left_node) or _is_text(right_node)):
            # a string equals only a string: Python's == is jmespath's here
            return wrap(f"({left} {'==' if op == 'eq' else '!='} {right})")
        if op == "eq":
            return wrap(f"_equals({left}, {right})")
        if op == "ne":
            return wrap(f"(not _equals({left}, {right}))")
        return wrap(f"_ordered(_ORDERING[{op!r}], {left}, {right})")

    def _and_expression(self, node: dict, value: str) -> str:
        name, wrap = self.bind(value)
        matched = self.temp()
        left = self.expr(node["children"][0], name)
        right = self.expr(node["children"][1], name)
        return wrap(f"({matched} if is_false({matched} := {left}) else {right})")

    def _or_expression(self, node: dict, value: str) -> str:
        name, wrap = self.bind(value)
        matched = self.temp()
        left = self.expr(node["children"][0], name)
        right = self.expr(node["children"][1], name)
        return wrap(f"({right} if is_false({matched} := {left}) else {matched})")

    def _not_expression(self, node: dict, value: str) -> str:
        return f"_not({self.expr(node['children'][0], value)})"

    def _function_expression(self, node: dict, value: str) -> str:
        found = self.custom_call(node["value"], node["children"])
        if found is None:
            return f"{self.constant(self.fallback(node))}({value})"
        function, arguments = found
        name, wrap = self.bind(value)
        texts = [self.expr(argument, name) for argument in arguments]
        # a function that writes its own common case (`inline(source, texts)`: an
        # expression reading each text once, calling the function for anything else)
        if (inline := getattr(function, "inline", None)) is not None \
                and (text := inline(self, texts)) is not None:
            return wrap(text)
        return wrap(f"{self.constant(function)}({', '.join(texts)})")


def _is_text(node: dict) -> bool:
    return node["type"] == "literal" and isinstance(node["value"], str)
