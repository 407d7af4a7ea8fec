"""What a custom template may do, decided on its syntax tree before anything runs.

The policy is a whitelist: every node type, filter, test, attribute and call a
template uses must be one a report needs and that reaches nothing but the render
context (`render/sandbox.py` holds the shared vocabulary and refuses the same things
again at run time). Refused, among others: Jinja internals (`self`, `super`,
`caller`, `varargs`, `kwargs`, the `range`/`lipsum`/`cycler`/`joiner`/`namespace`
globals), any name starting with `_`, attributes no context value has, method calls
(`"{0.__class__}".format(x)`), `|attr`, `|map(attribute=...)` and friends on names
that are not columns or keys, `|format` on anything but a literal, `%` string
formatting, `**`, `{% call %}` blocks, namespace assignments, recursive loops and
include names chosen at run time.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field

from jinja2 import nodes

from ocpispec.render.sandbox import (
    FILTERS,
    FORBIDDEN_NAMES,
    LOOP_ATTRIBUTES,
    MAPPING_METHODS,
    MAX_WIDTH,
    SAFE_ATTRIBUTES,
    TESTS,
)
from ocpispec.render.sizes import format_problem

_ALLOWED_NODES = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.Const, nodes.Name, nodes.For,
    nodes.If, nodes.Getattr, nodes.Getitem, nodes.Slice, nodes.Tuple, nodes.List,
    nodes.Dict, nodes.Pair, nodes.Keyword, nodes.CondExpr, nodes.And, nodes.Or, nodes.Not,
    nodes.Neg, nodes.Pos, nodes.Compare, nodes.Operand, nodes.Add, nodes.Sub, nodes.Mul,
    nodes.Div, nodes.FloorDiv, nodes.Mod, nodes.Concat, nodes.Filter, nodes.Test,
    nodes.Call, nodes.Assign, nodes.AssignBlock, nodes.With, nodes.Include, nodes.Extends,
    nodes.Block, nodes.Macro, nodes.Import, nodes.FromImport, nodes.FilterBlock)
# filters whose argument names an attribute to read from each item
_ATTRIBUTE_FILTERS = frozenset({"attr", "map", "selectattr", "rejectattr", "groupby", "sort",
                                "unique", "min", "max", "sum", "join", "dictsort"})
# filters `map("name")` may apply: none that reads attributes or formats
_MAPPABLE = FILTERS - _ATTRIBUTE_FILTERS - {"format"}
_DESCRIBED = {
    nodes.CallBlock: "a `{% call %}` block (it hands the macro `caller`)",
    nodes.NSRef: "a namespace assignment (`{% set ns.x = ... %}`)",
    nodes.Pow: "`**`",
    nodes.ScopedEvalContextModifier: "an `{% autoescape %}` block",
    nodes.EvalContextModifier: "an `{% autoescape %}` block",
}


@dataclass(frozen=True, slots=True)
class Refusal:
    line: int
    what: str
    help: str


def got_key(call: nodes.Call) -> str | None:
    """The key of `value.get("key")` (a default may follow), when it is a literal text:
    a read like `value["key"]`, checked as one."""
    if isinstance(call.node, nodes.Getattr) and call.node.attr == "get" and call.args \
            and isinstance(call.args[0], nodes.Const) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


# A date formatted as Python and Jinja extensions do (`run.date.strftime(...)`,
# `|date("%d-%m-%Y")`): the times a template sees are ISO texts, cut by slicing.
DATE_METHODS = frozenset({"strftime", "isoformat"})
DATE_FILTERS = frozenset({"strftime", "date", "datetime", "datetimeformat", "dateformat",
                          "format_date", "format_datetime"})
DATE_HELP = ("the times a template sees are texts (`run.date` is `2026-01-31`, "
             "`run.window_start` `2025-12-01T00:00:00Z`), not dates: cut the parts you "
             "need, e.g. `{{ run.date[8:10] }}-{{ run.date[5:7] }}-{{ run.date[:4] }}` "
             "for 31-01-2026")


@dataclass(slots=True)
class Policy:
    """`names`: attribute names a template may read (columns, `export`/`run` keys and
    the safe attributes of loops, groups and mappings)."""

    names: frozenset[str]
    # the column names and `export`/`run` keys among `names`
    data_names: frozenset[str] = frozenset()
    # receivers whose keys `check/templates.py` checks with a precise message
    checked: frozenset[str] = frozenset()
    # loop variables over `columns`: the only names a row may be indexed with
    keys: set[str] = field(default_factory=set)
    # the nodes that are called, by id: `row.items()` but not `row.items`
    called: set[int] = field(default_factory=set)

    def refusals(self, tree: nodes.Template) -> Iterator[Refusal]:
        self.keys = _column_keys(tree)
        self.called = {id(call.node) for call in tree.find_all(nodes.Call)}
        modules = {node.target for node in tree.find_all(nodes.Import)}
        macros = {node.name for node in tree.find_all(nodes.Macro)}
        macros |= {name if isinstance(name, str) else name[-1]
                   for node in tree.find_all(nodes.FromImport) for name in node.names}
        for node in _walk(tree):
            yield from self._node(node, modules, macros)
        for name, line in _recursive_macros(tree):
            yield Refusal(line, f"has the macro `{name}` call itself", "a template may not "
                          "recurse: unroll the macro or loop over the rows instead")

    def _node(self, node: nodes.Node, modules: set[str], macros: set[str]) -> Iterator[Refusal]:
        line = node.lineno
        match node:
            case _ if type(node) in _DESCRIBED:
                yield Refusal(line, f"uses {_DESCRIBED[type(node)]}", _PLAIN)
            case _ if not isinstance(node, _ALLOWED_NODES):
                yield Refusal(line, f"uses `{type(node).__name__}`, which templates may not",
                              _PLAIN)
            case nodes.Name(name=name) if name in FORBIDDEN_NAMES:
                yield Refusal(line, f"uses `{name}`, a Jinja internal a template may not "
                              "touch", _PLAIN)
            case nodes.Getattr(node=nodes.Name(name=name)) if name in modules:
                if node.attr.startswith("_"):
                    yield self._attribute(node.attr, line)
            case nodes.Getattr(node=nodes.Name(name=name)) if name in self.checked:
                if node.attr.startswith("_") or (node.attr in MAPPING_METHODS
                                                 and self._loop_only(node)):
                    yield self._attribute(node.attr, line)
            case nodes.Getattr(node=nodes.Name(name="rows" | "columns")):
                yield self._attribute(node.attr, line)
            case nodes.Getattr():
                if node.attr.startswith("_") or (node.attr not in self.names
                                                 and not self._reported(node.node)) \
                        or self._loop_only(node):
                    yield self._attribute(node.attr, line)
            case nodes.Getitem():
                yield from self._item(node)
            case nodes.For(recursive=True):
                yield Refusal(line, "uses a recursive loop", _PLAIN)
            case nodes.Call() | nodes.Filter() | nodes.Test() if _repeated(node.kwargs):
                yield Refusal(line, "passes the same keyword argument twice", _PLAIN)
            case nodes.Call():
                yield from self._call(node, modules, macros)
            case nodes.Filter():
                yield from self._filter(node)
            case nodes.Test(name=name) if name not in TESTS:
                yield Refusal(line, f"uses the test `{name}`", f"tests are {_listed(TESTS)}")
            case nodes.Mod(left=nodes.Const(value=str())):
                yield Refusal(line, "formats a string with `%`",
                              'use `"%.1f"|format(value)` with a literal format')
            case nodes.Mul():
                yield from self._sizes((node.left, node.right), line, "`*`")
            case nodes.Include() | nodes.Import() | nodes.FromImport() | nodes.Extends():
                if not _constant_names(node.template):
                    yield Refusal(line, "loads a template whose name is chosen at run time",
                                  "name the template with a literal string")

    def _loop_only(self, node: nodes.Getattr) -> bool:
        """`loop.index` is a loop's; `columns.index` would be a list method; `items`
        is only for calling (`row.items()`), printed it is a Python method."""
        if node.attr in self.data_names:
            return False
        if node.attr in MAPPING_METHODS:
            return id(node) not in self.called
        return node.attr in LOOP_ATTRIBUTES \
            and not (isinstance(node.node, nodes.Name) and node.node.name == "loop")

    def _reported(self, receiver: nodes.Node) -> bool:
        """`run.window.start`: `run.window` is refused already; `.start` adds nothing."""
        return isinstance(receiver, nodes.Getattr) and isinstance(receiver.node, nodes.Name) \
            and receiver.node.name in self.checked and receiver.attr not in self.names

    def _attribute(self, attr: str, line: int) -> Refusal:
        if attr.startswith("_"):
            return Refusal(line, f"reads the attribute `{attr}`",
                           "attributes starting with `_` reach Python internals")
        return Refusal(line, f"reads `.{attr}`, which no value a template sees has",
                       DATE_HELP if attr in DATE_METHODS else
                       "read released columns from a row and the documented keys of "
                       "`export` and `run`")

    def _item(self, node: nodes.Getitem) -> Iterator[Refusal]:
        checked = isinstance(node.node, nodes.Name) and node.node.name in self.checked
        match node.arg:
            case nodes.Const(value=str() as key) if checked and not key.startswith("_"):
                return
            case nodes.Const(value=str() as key) if key.startswith("_") or key not in self.names:
                yield self._attribute(key, node.lineno)
            case nodes.Const() | nodes.Slice():
                return
            case nodes.Name(name=name) if name in self.keys:
                return
            case nodes.Getattr(node=nodes.Name(name="loop"), attr="index" | "index0"):
                return
            case _:
                yield Refusal(node.lineno, "reads an item chosen by an expression",
                              "index with a literal, `loop.index0`, or the variable of a "
                              "`{% for name in columns %}` loop")

    def _call(self, node: nodes.Call, modules: set[str], macros: set[str]) -> Iterator[Refusal]:
        if node.dyn_args is not None or node.dyn_kwargs is not None:
            yield Refusal(node.lineno, "passes `*args` or `**kwargs`", _PLAIN)
        match node.node:
            case nodes.Name(name=name) if name in macros:
                return
            case nodes.Getattr(node=nodes.Name(name=name)) if name in modules:
                return
            case nodes.Getattr(attr="get") if (key := got_key(node)) is not None:
                checked = isinstance(node.node.node, nodes.Name) \
                    and node.node.node.name in self.checked
                if key.startswith("_") or (key not in self.names and not checked):
                    yield self._attribute(key, node.lineno)
                return
            case nodes.Getattr(attr="items" | "keys" | "values" | "get"):
                return
        dated = isinstance(node.node, nodes.Getattr) and node.node.attr in DATE_METHODS
        yield Refusal(node.lineno, "calls something other than a macro or `items`, `keys`, "
                      "`values`, `get`", DATE_HELP if dated else
                      "use filters (`|upper`, `|round(1)`) instead of methods")

    def _filter(self, node: nodes.Filter) -> Iterator[Refusal]:
        name, line = node.name, node.lineno
        if name not in FILTERS and name in DATE_FILTERS:
            yield Refusal(line, f"uses the filter `{name}`", DATE_HELP)
            return
        if name not in FILTERS:
            guess = difflib.get_close_matches(name, sorted(FILTERS), n=1, cutoff=0.6)
            yield Refusal(line, f"uses the filter `{name}`",
                          f"did you mean `{guess[0]}`? filters are {_listed(FILTERS)}" if guess
                          else f"filters are {_listed(FILTERS)}")
            return
        if node.dyn_args is not None or node.dyn_kwargs is not None:
            yield Refusal(line, f"passes `*args` or `**kwargs` to `{name}`", _PLAIN)
        if name == "format" and not isinstance(node.node, nodes.Const | None):
            yield Refusal(line, "applies `format` to something other than a literal",
                          'write the format as a literal: `"%.1f"|format(value)`')
        elif name == "format" and isinstance(node.node, nodes.Const) \
                and (problem := format_problem(node.node.value, MAX_WIDTH)) is not None:
            yield Refusal(line, f"gives `format` a format that {problem}",
                          'write widths and precisions as small numbers: `"%8.1f"`')
        yield from self._attribute_arguments(node)
        if name in ("map", "select", "reject", "selectattr", "rejectattr"):
            yield from self._named_callables(node)
        yield from self._sizes((*node.args, *(k.value for k in node.kwargs)), line,
                               f"`{name}`")

    def _attribute_arguments(self, node: nodes.Filter) -> Iterator[Refusal]:
        named = [k.value for k in node.kwargs if k.key == "attribute"]
        if node.name in ("attr", "selectattr", "rejectattr", "groupby") and node.args:
            named.append(node.args[0])
        for argument in named:
            if not isinstance(argument, nodes.Const) or not isinstance(argument.value, str):
                yield Refusal(node.lineno, f"gives `{node.name}` an attribute chosen at run "
                              "time", "name the column with a literal string")
                continue
            for part in argument.value.split("."):
                if not part.isdigit() and (part.startswith("_") or part not in self.names):
                    yield self._attribute(part, node.lineno)

    def _named_callables(self, node: nodes.Filter) -> Iterator[Refusal]:
        """`map("upper")` applies a filter by name, `select("odd")` a test."""
        position = 1 if node.name in ("selectattr", "rejectattr") else 0
        if len(node.args) <= position:
            return
        argument = node.args[position]
        allowed = _MAPPABLE if node.name == "map" else TESTS
        if not (isinstance(argument, nodes.Const) and argument.value in allowed):
            kind = "filter" if node.name == "map" else "test"
            yield Refusal(node.lineno, f"gives `{node.name}` a {kind} it may not use",
                          f"{kind}s are {_listed(allowed)}")

    def _sizes(self, operands: tuple[nodes.Node, ...], line: int,
               where: str) -> Iterator[Refusal]:
        for operand in operands:
            if isinstance(operand, nodes.Const) and isinstance(operand.value, int | float) \
                    and not isinstance(operand.value, bool) and abs(operand.value) > MAX_WIDTH:
                yield Refusal(line, f"gives {where} a number larger than {MAX_WIDTH:,}",
                              "a template may not build outputs that big from one value")


_PLAIN = ("a template may only print `rows` (released columns), `columns`, `export` and "
          "`run` with filters, loops and conditions")


def attribute_names(columns: tuple[str, ...], keys: tuple[str, ...]) -> frozenset[str]:
    return frozenset(columns) | frozenset(keys) | SAFE_ATTRIBUTES


def _walk(tree: nodes.Node) -> Iterator[nodes.Node]:
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(list(node.iter_child_nodes())))


def _column_keys(tree: nodes.Template) -> set[str]:
    """The loop variables over `columns` that hold a column name wherever they are read:
    a name also bound to anything else (`{% set c = row.city %}`, another loop, a macro
    argument) could index with a row's value, and a miss names the value in the error."""
    targets = [loop.target for loop in tree.find_all(nodes.For)
               if isinstance(loop.iter, nodes.Name) and loop.iter.name == "columns"
               and isinstance(loop.target, nodes.Name)]
    rebound = {node.name for node in tree.find_all(nodes.Name)
               if node.ctx in ("store", "param") and not any(node is t for t in targets)}
    rebound |= {node.target for node in tree.find_all(nodes.Import)}
    rebound |= {name if isinstance(name, str) else name[-1]
                for node in tree.find_all(nodes.FromImport) for name in node.names}
    return {target.name for target in targets} - rebound


def _recursive_macros(tree: nodes.Template) -> Iterator[tuple[str, int]]:
    """Macros that reach themselves through calls (one macro fanning out twice per
    level runs 2**depth times, which no time limit catches)."""
    defined = {macro.name: macro for macro in tree.find_all(nodes.Macro)}
    calls = {name: {call.node.name for call in macro.find_all(nodes.Call)
                    if isinstance(call.node, nodes.Name) and call.node.name in defined}
             for name, macro in defined.items()}
    for name, macro in defined.items():
        seen, stack = set(), list(calls[name])
        while stack:
            callee = stack.pop()
            if callee == name:
                yield name, macro.lineno
                break
            if callee not in seen:
                seen.add(callee)
                stack.extend(calls[callee])


def _repeated(keywords: list[nodes.Keyword]) -> bool:
    return len({keyword.key for keyword in keywords}) < len(keywords)


def _constant_names(template: nodes.Expr) -> bool:
    match template:
        case nodes.Const(value=str()):
            return True
        case nodes.List() | nodes.Tuple():
            return all(isinstance(item, nodes.Const) and isinstance(item.value, str)
                       for item in template.items)
    return False


def _listed(names: frozenset[str]) -> str:
    return ", ".join(f"`{name}`" for name in sorted(names) if name.isidentifier())
