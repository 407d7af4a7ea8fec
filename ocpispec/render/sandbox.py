"""The sandbox custom templates render in, and the vocabulary they may use.

`ocpispec check` refuses statically (see `check/template_policy.py`) everything a
template may not do; this environment refuses it again at run time, so a template
that slipped past the check still reaches nothing but its context:

- no globals (`range`, `lipsum`, `cycler`, `joiner`, `namespace`, `dict` are gone),
  only the filters and tests listed here;
- attributes only from a short list (row keys are items, not attributes) and the
  macros of an imported template, never one starting with `_`;
- only macros and the mapping methods `items`, `keys`, `values`, `get` are callable
  (no `str.format`, no `loop(...)`, no `loop.cycle`);
- `**` is refused, `%` on a string is refused, `*` may not build a sequence longer
  than MAX_SEQUENCE nor a number of more than 10,000 bits, no `+`, `~` or filter may
  build a text or list ten times that long, width-like filter arguments are bounded,
  and a `format` may not take its width from its arguments or exceed MAX_WIDTH; what a
  step would build is weighed before it is built (`sizes.py`), since one step can
  multiply (`s|replace("x", s)`, `[s] * 1000|join`);
- `{{ ... }}` prints only data (text, numbers, lists, mappings), never an object, and
  nothing longer than the limit;
- templates load only through `ConfinedLoader` (see `confine.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jinja2
import jinja2.filters
from jinja2 import nodes
from jinja2.compiler import CodeGenerator
from jinja2.exceptions import SecurityError
from jinja2.environment import TemplateModule
from jinja2.runtime import LoopContext, Macro, markup_join, str_join
from jinja2.utils import missing, object_type_repr
from jinja2.sandbox import ImmutableSandboxedEnvironment
import markupsafe

from ocpispec.render import confine
from ocpispec.render.sizes import NOT_WRITING, format_problem, predicted, product_too_large, weight
from ocpispec.render.values import cell, inert_text, json_output, markdown_cell, shown_text
from ocpispec.text import with_article

# groupby's result type is private to Jinja; without it no value has `grouper`/`list`
_GroupTuple = getattr(jinja2.filters, "_GroupTuple", tuple)
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


class _RefusingCodeGenerator(CodeGenerator):
    """Refuses Jinja's internal names and `{% call %}` when a template is compiled:
    `self` and friends are compiled to objects the sandbox never sees as attributes."""

    def visit_Name(self, node: nodes.Name, frame: Any) -> None:
        if node.ctx == "load" and node.name in FORBIDDEN_NAMES:
            self.fail(f"`{node.name}` is not available in a template", node.lineno)
        super().visit_Name(node, frame)

    def visit_CallBlock(self, node: nodes.CallBlock, frame: Any) -> None:
        self.fail("`{% call %}` blocks are not available in a template", node.lineno)

    def visit_NSRef(self, node: nodes.NSRef, frame: Any) -> None:
        self.fail("namespace assignments are not available in a template", node.lineno)

    # `[a, a, a, ...]` holds one long text many times, cheaply, until it is written out
    def visit_List(self, node: nodes.List, frame: Any) -> None:
        self._weighed(super().visit_List, node, frame)

    def visit_Tuple(self, node: nodes.Tuple, frame: Any) -> None:
        if node.ctx != "load":  # `{% for a, b in ... %}`: names to assign, no value
            return super().visit_Tuple(node, frame)
        self._weighed(super().visit_Tuple, node, frame)

    def visit_Dict(self, node: nodes.Dict, frame: Any) -> None:
        self._weighed(super().visit_Dict, node, frame)

    def _weighed(self, visit: Callable[[Any, Any], None], node: nodes.Node, frame: Any) -> None:
        self.write("environment.weighed(")
        visit(node, frame)
        self.write(")")

    def visit_Concat(self, node: nodes.Concat, frame: Any) -> None:
        # `a ~ b`, bounded like `*` and `+`: `{% set b = a ~ a ~ a %}` repeated grows fast
        markup = bool(frame.eval_ctx.volatile or frame.eval_ctx.autoescape)
        self.write(f"environment.bounded_concat({markup!r}, (")
        for argument in node.nodes:
            self.visit(argument, frame)
            self.write(", ")
        self.write("))")


class ReportSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "%", "+"})
    code_generator_class = _RefusingCodeGenerator

    def weighed(self, value: Any) -> Any:
        _refuse_above("a list or mapping written in the template", weight(value, MAX_TEXT))
        return value

    def bounded_concat(self, markup: bool, parts: tuple[Any, ...]) -> Any:
        _refuse_above("`~`", weight(parts, MAX_TEXT))
        return _within_bounds("`~`", (markup_join if markup else str_join)(parts))

    def getattr(self, obj: Any, attribute: str) -> Any:
        """`a.name` (only a template's own text compiles to this): a miss names it."""
        value = super().getattr(obj, attribute)
        if isinstance(value, ReportUndefined):
            return jinja2.StrictUndefined(value._undefined_hint, obj, attribute,
                                          value._undefined_exception)
        return value

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        match obj:
            case LoopContext():
                allowed = attr in LOOP_ATTRIBUTES
            case _GroupTuple():
                allowed = attr in GROUP_ATTRIBUTES
            case Mapping():
                allowed = attr in MAPPING_METHODS
            case TemplateModule():
                allowed = isinstance(value, Macro)
            case _:
                allowed = False
        return allowed and super().is_safe_attribute(obj, attr, value)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        if not (isinstance(__obj, Macro) or _is_mapping_method(__obj)):
            raise SecurityError("a template may call only its macros and `items`, `keys`, "
                                "`values`, `get`")
        done = super().call(__context, __obj, *args, **kwargs)
        # a macro's text is the template's, its printed values escaped as it ran
        return _MacroText(done) if isinstance(__obj, Macro) and done.__class__ is str else done

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            raise SecurityError("`**` is not allowed in a template")
        if operator == "%" and isinstance(left, str):
            raise SecurityError("`%` string formatting is not allowed; use "
                                "`\"%.1f\"|format(value)` with a literal format")
        if operator == "*" and _product_size(left, right) > MAX_SEQUENCE:
            raise SecurityError(f"`*` would build a sequence longer than {MAX_SEQUENCE:,}")
        if operator == "*" and product_too_large(left, right):
            raise SecurityError("`*` would build a number of more than 10,000 bits")
        if operator in ("*", "+"):
            _refuse_above(f"`{operator}`", _weighed_result(operator, left, right))
        return _within_bounds(f"`{operator}`",
                              super().call_binop(context, operator, left, right))


class ReportUndefined(jinja2.StrictUndefined):
    """A missing key or attribute, named in the error only when it is a name a template
    may write (`shown`: columns, keys of `export` and `run`, loop attributes): a name
    computed from a row (`export[row.city]`, `row.city[other]`) would carry the row's
    value into the error, the run summary and the logs."""

    __slots__ = ()
    shown: frozenset[str] = frozenset()

    @property
    def _undefined_message(self) -> str:
        name, holder = self._undefined_name, self._undefined_obj
        if holder is missing or (isinstance(name, str) and name in self.shown) \
                or (type(name) is int and isinstance(holder, list | tuple)):
            return super()._undefined_message  # a variable's name is the template's own
        return (f"{object_type_repr(holder)!r} has no key or attribute of the name the "
                "template computed (not shown: it may be a row's value)")


def undefined_showing(names: frozenset[str]) -> type[ReportUndefined]:
    """`ReportUndefined` that names `names` (and the loop and mapping attributes)."""
    return type("ReportUndefined", (ReportUndefined,),
                {"__slots__": (), "shown": names | SAFE_ATTRIBUTES})


class ConfinedLoader(jinja2.BaseLoader):
    """Loads template names relative to `base` (the main template's folder, relative
    to `root`, the spec's folder) under the rules of `confine`, and only files whose
    sha256 is the one in `digests` (None: not pinned, for tests and previews)."""

    def __init__(self, root: Path, base: str, digests: Mapping[str, str] | None) -> None:
        self.root, self.base, self.digests = root, base, digests

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str | None, Callable[[], bool]]:
        try:
            file = confine.locate(self.root, self.base, template)
            loaded = confine.read(file)
        except confine.ConfinementError as exc:
            raise SecurityError(str(exc)) from None
        except FileNotFoundError:
            raise jinja2.TemplateNotFound(template) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise SecurityError(f"`{template}` cannot be read ({type(exc).__name__})") from None
        if self.digests is not None and self.digests.get(file.key) != loaded.sha256:
            raise SecurityError(f"`{file.key}` changed since the spec was checked, or was "
                                "not checked; check and run again")
        # the key as the file name: a run-time error can then name the template and
        # line it happened in (`render.failed_at`)
        return loaded.text, TEMPLATE_PREFIX + file.key, lambda: True


def sandbox_environment(loader: jinja2.BaseLoader | None = None,
                        autoescape: bool = False,
                        names: frozenset[str] = frozenset(),
                        markdown: bool = False, spreadsheet: bool = False) -> ReportSandbox:
    """The environment custom templates are parsed and rendered in; `names`: the
    attribute names an error may show (the render context's columns and keys);
    `markdown`: the template writes Markdown, so the texts it prints are escaped as
    the built-in `markdown` format escapes them; `spreadsheet`: it writes CSV, so a
    text it prints that Excel would run gets the `'` the built-in `csv` format gives it."""
    finalize = _markdown_printable if markdown else \
        _spreadsheet_printable if spreadsheet else _markup_printable if autoescape else \
        _printable
    environment = ReportSandbox(loader=loader, undefined=undefined_showing(names),
                                autoescape=autoescape, keep_trailing_newline=True,
                                optimized=False, finalize=finalize)
    environment.globals.clear()
    filters = dict(environment.filters, json=json_output, cell=cell)
    environment.filters = {name: _bounded(name, filters[name]) for name in FILTERS}
    environment.tests = {name: environment.tests[name] for name in TESTS}
    return environment


def analysis_environment() -> ReportSandbox:
    """The environment `check` parses and compiles templates with: every Jinja filter
    and test known (so a refused one is named, not a syntax error), but nothing folded
    at compile time that could be large (`'x' * 10**9`, `'x'|center(10**9)`)."""
    environment = ReportSandbox(optimized=False)
    # ocpispec's own filters too, or a template using them fails to compile (OCX404)
    filters = dict(environment.filters, json=json_output, cell=cell)
    environment.filters = {name: _bounded(name, function)
                           for name, function in filters.items()}
    return environment


def _bounded(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """The filter, refusing sizes above MAX_WIDTH and results above ten times
    MAX_SEQUENCE (a chain of `replace` grows tenfold at each step)."""
    skip = 2 if hasattr(function, "jinja_pass_arg") else 1  # the context and the value
    sized = name in SIZED_FILTERS
    writes = name not in NOT_WRITING

    def bounded(*args: Any, **kwargs: Any) -> Any:
        for value in (*args[skip:], *kwargs.values()) if sized else ():
            if isinstance(value, (int, float)) and not isinstance(value, bool) \
                    and abs(value) > MAX_WIDTH:
                raise SecurityError(f"`{name}` takes sizes up to {MAX_WIDTH:,}")
        if name == "sum" and not _numeric_start(args[skip + 1:], kwargs):
            raise SecurityError("`sum` adds numbers; it may not start from a text or list")
        if writes and len(args) >= skip:
            _before_writing(name, args[skip - 1], args[skip:], kwargs)
        return _within_bounds(f"`{name}`", function(*args, **kwargs))

    if hasattr(function, "jinja_pass_arg"):  # Jinja passes the environment or context first
        bounded.jinja_pass_arg = function.jinja_pass_arg  # type: ignore[attr-defined]
    return bounded


_PRINTABLE = (str, int, float, bool, type(None), list, tuple, dict, jinja2.Undefined)


def _printable(value: Any) -> Any:
    """What `{{ ... }}` may print: data, never a method, macro, loop or other object."""
    if not isinstance(value, _PRINTABLE):
        kind = type(value).__name__
        raise SecurityError(f"a template may print values, not {with_article(kind)}")
    if isinstance(value, (list, tuple, dict)):
        _refuse_above("`{{ ... }}`", weight(value, MAX_TEXT))
    return value


class _MacroText(str):
    """What a macro call wrote: the template's own Markdown (a macro writing `[x]` or a
    table row keeps its brackets and bars); the values it printed were escaped inside."""

    __slots__ = ()


def _markdown_printable(value: Any) -> Any:
    """A text printed into Markdown: `|`, `<`, `*`, `[`... from a platform's text (a
    location named `P1 | P2`) stay text instead of splitting a table row, starting a
    tag or a link, and a line break does not end the row."""
    if value.__class__ is _MacroText:
        return value
    value = _printable(value)
    return markdown_cell(value) if isinstance(value, str) else value


def _markup_printable(value: Any) -> Any:
    """A text printed into HTML or XML: a direction control or an invisible character
    from a platform's text shows as its code point (`<U+202E>`, escaped), so the page
    does not show a name reversed or two names alike that differ."""
    if value.__class__ is _MacroText or isinstance(value, markupsafe.Markup):
        return value
    value = _printable(value)
    return shown_text(value) if isinstance(value, str) else value


def _spreadsheet_printable(value: Any) -> Any:
    """A text printed into CSV: a platform's `=HYPERLINK(...)` (a location's name) is
    text when the consumer opens the file in Excel, never a formula."""
    if value.__class__ is _MacroText:
        return value
    value = _printable(value)
    return inert_text(value) if isinstance(value, str) else value


def _before_writing(name: str, value: Any, args: tuple[Any, ...],
                    kwargs: dict[str, Any]) -> None:
    """Refuses, before it runs, a filter that would build more than MAX_TEXT."""
    if name == "format" and (problem := format_problem(value, MAX_WIDTH)) is not None:
        raise SecurityError(f"`format` {problem}")
    _refuse_above(f"`{name}`", predicted(name, value, args, kwargs, MAX_TEXT))


def _numeric_start(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """`|sum(start=[])` joins lists one by one, each a copy: quadratic in the rows."""
    start = args[0] if args else kwargs.get("start", 0)
    return isinstance(start, (int, float))


def _refuse_above(what: str, size: int) -> None:
    if size > MAX_TEXT:
        raise SecurityError(f"{what} would build a value longer than {MAX_TEXT:,}")


def _within_bounds(what: str, value: Any) -> Any:
    if isinstance(value, (str, list, tuple)) and len(value) > MAX_TEXT:
        raise SecurityError(f"{what} built a value longer than {MAX_TEXT:,}")
    return value


def _is_mapping_method(obj: Any) -> bool:
    owner = getattr(obj, "__self__", None)
    return isinstance(owner, Mapping) and getattr(obj, "__name__", None) in MAPPING_METHODS


def _weighed_result(operator: str, left: Any, right: Any) -> int:
    """The weight of a list or tuple that `*` or `+` would build (0 for anything else):
    `[s] * 1000` is short but holds `s` a thousand times."""
    if operator == "+":
        both = isinstance(left, (list, tuple)) and isinstance(right, (list, tuple))
        return weight(left, MAX_TEXT) + weight(right, MAX_TEXT) if both else 0
    for sequence, count in ((left, right), (right, left)):
        if isinstance(sequence, (list, tuple)) and isinstance(count, int) and count > 1:
            return weight(sequence, MAX_TEXT) * count
    return 0


def _product_size(left: Any, right: Any) -> int:
    for sequence, count in ((left, right), (right, left)):
        if isinstance(sequence, (str, list, tuple)) and isinstance(count, int):
            return len(sequence) * max(count, 0)
    return 0
