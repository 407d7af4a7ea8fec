"""What a custom template may use: the filters, tests and attributes the sandbox lets
through, the names it never gets, and the bounds on what one step may build. `check`
refuses by the same vocabulary (`check/template_policy.py`)."""

from __future__ import annotations

import jinja2.filters

# groupby's result type is private to Jinja; without it no value has `grouper`/`list`
GroupTuple = getattr(jinja2.filters, "_GroupTuple", tuple)
MAPPING_METHODS = frozenset({"items", "keys", "values", "get"})
LOOP_ATTRIBUTES = frozenset({"index", "index0", "revindex", "revindex0", "first", "last",
                             "length", "depth", "depth0", "previtem", "nextitem"})
GROUP_ATTRIBUTES = frozenset({"grouper", "list"})
SAFE_ATTRIBUTES = MAPPING_METHODS | LOOP_ATTRIBUTES | GROUP_ATTRIBUTES
FILTERS = frozenset({
    "abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e",
    "escape", "filesizeformat", "first", "float", "format", "groupby", "indent", "int",
    "items", "join", "last", "length", "list", "lower", "map", "max", "min", "reject",
    "rejectattr", "replace", "reverse", "round", "select", "selectattr", "slice", "sort",
    "string", "striptags", "sum", "title", "tojson", "trim", "truncate", "unique", "upper",
    "urlencode", "wordcount", "wordwrap", "json", "cell"})
TESTS = frozenset({
    "defined", "undefined", "none", "boolean", "false", "true", "integer", "float", "number",
    "string", "mapping", "iterable", "sequence", "lower", "upper", "even", "odd",
    "divisibleby", "eq", "equalto", "ne", "lt", "lessthan", "le", "gt", "greaterthan", "ge",
    "in", "==", "!=", "<", "<=", ">", ">="})
# Jinja names a template never gets: its globals and the internals of blocks and macros
FORBIDDEN_NAMES = frozenset({"self", "super", "caller", "varargs", "kwargs", "range",
                             "lipsum", "cycler", "joiner", "namespace", "dict"})
# filters whose numeric arguments size what they build
SIZED_FILTERS = frozenset({"center", "indent", "wordwrap", "truncate", "batch", "slice"})
MAX_SEQUENCE = 100_000
MAX_TEXT = MAX_SEQUENCE * 10  # the longest text or list a step may build
# what the file names of a template's compiled code start with (the rest is its key)
TEMPLATE_PREFIX = "template:"

MAX_WIDTH = 10_000
